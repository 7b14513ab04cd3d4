/* SPDX-License-Identifier: MIT */
/* Rules: ordered matchers that name processes. The first rule whose every
 * selector matches names the process through its template. */
#ifndef PG_MATCH_H
#define PG_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct pg_procfs;

/* Longest group name a template may produce (longer ones are cut). */
#define PG_NAME_MAX 256

/* The most of the space-joined argv that a cmdline regex sees: the rest is
 * cut off, as if the command line ended there ("$" matches at the cut).
 * Any local user chooses a command line of up to 2 MiB, and the time of a
 * backtracking regex grows with the square of its subject, or worse; at
 * 4 KiB the worst pattern we know costs a few ms without the JIT, while
 * nearly every real command line fits whole. */
#define PG_MATCH_CMDLINE_MAX 4096

/* What a rule sees of a process. */
struct pg_match_input {
        const char *comm;
        const char *cmdline; /* NUL-separated argv */
        size_t cmdline_len;
        int argc;
        pid_t pid;
        uint64_t start_ticks;
        uint64_t boot_time; /* seconds since the epoch */
        long ticks;         /* clock ticks per second */
        uid_t euid;
        /* Where {{.Cgroups}} reads <pid>/cgroup, only when a matching
         * rule's template uses it; NULL: it expands to "[]". */
        const struct pg_procfs *fs;
        /* Skip the rules without a selector (a kernel thread when the
         * tracker keeps them in their own group). */
        bool no_catchall;
        /* Only the comm, pid, start and user are known, and argv[0] when
         * argc is 1 (a process that exited unseen, known from its exit
         * record, argv[0] from another process of the same executable):
         * a rule that would need more leaves the answer undecided. */
        bool argv_unknown;
};

struct pg_rules;

/* An empty rule list. Returns 0 or -ENOMEM. */
int pg_rules_new(struct pg_rules **ret);
/* The built-in default: every process, named {{.Comm}}. */
int pg_rules_new_default(struct pg_rules **ret);
void pg_rules_free(struct pg_rules *rs);
size_t pg_rules_count(const struct pg_rules *rs);

/* Append a rule named by template. comm and exe are lists of names (any may
 * match); cmdline is a list of PCRE2 patterns (all must match). A rule with
 * no selector matches every process. Returns 0, or -EINVAL with a message
 * in err that names the rule (a bad regex, an unknown template variable, a
 * {{.Matches.X}} that no regex captures). */
int pg_rules_add(struct pg_rules *rs, const char *tmpl, const char *const *comm, size_t ncomm,
                 const char *const *exe, size_t nexe, const char *const *cmdline, size_t ncmdline,
                 char *err, size_t errsz);

/* process-exporter's -namemapping pair: processes whose comm is comm and
 * whose space-joined argv regex matches are named "comm:" followed by the
 * first capture group that matched a non-empty string; without one the
 * rule does not match. Returns 0 or -EINVAL/-ENOMEM with a message. */
int pg_rules_add_namemap(struct pg_rules *rs, const char *comm, const char *regex, char *err,
                         size_t errsz);

/* What a match ran into besides its answer. A cmdline regex that hits
 * one of PCRE2's resource limits (set low: see match.c) is taken as not
 * matching, and the rules after it are tried. */
struct pg_match_note {
        unsigned limit_hits; /* regexes stopped by a limit */
        /* The first rule (its template) whose regex hit a limit for the
         * first time in the life of the rules, so that a front end logs
         * each rule once; NULL when no such rule. why says which limit. */
        const char *new_rule;
        char why[64];
};

/* Match in against the rules in order. Returns 1 with the group name in
 * name (NUL-terminated), 0 when no rule matches, or PG_MATCH_UNDECIDED
 * when in->argv_unknown and the first rule that its comm does not rule
 * out needs the argv. note, when not NULL, is always written. */
#define PG_MATCH_UNDECIDED (-1)
int pg_rules_match_note(const struct pg_rules *rs, const struct pg_match_input *in, char *name,
                        size_t namesz, struct pg_match_note *note);
/* Whether a rule looks at argv[0] (an exe selector, {{.ExeBase}},
 * {{.ExeFull}}). */
bool pg_rules_use_argv0(const struct pg_rules *rs);

/* The same without the note. */
int pg_rules_match(const struct pg_rules *rs, const struct pg_match_input *in, char *name,
                   size_t namesz);

#endif
