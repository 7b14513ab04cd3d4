/* SPDX-License-Identifier: MIT */
/* Rules and their matching; see match.h. */
#include "config.h"
#include "match.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <pcre2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "template.h"

#define MAX_CAPS 32

/* PCRE2's resource limits for one match. Its defaults (10 million
 * backtracking steps, 20 GB of heap) let one crafted command line hold a
 * scan for seconds; no sane rule needs a tenth of these on a subject of
 * PG_MATCH_CMDLINE_MAX bytes, and each bounds a match to about 1 ms with
 * the JIT, 15 ms without. The depth and heap limits only bind the
 * interpreter; the JIT has its stack instead. */
#define MATCH_LIMIT    100000
#define DEPTH_LIMIT    10000
#define HEAP_LIMIT_KIB 1024
#define JIT_STACK_MIN  (32 * 1024)
#define JIT_STACK_MAX  (512 * 1024)

struct regex {
        pcre2_code *code;
        pcre2_match_data *md;
};

struct rule {
        struct pg_template *tmpl;
        char *tmpl_text;
        char **comm;
        size_t ncomm;
        char **exe;
        size_t nexe;
        struct regex *re;
        size_t nre;
        bool limit_noted; /* a limit hit was already reported */
        /* -namemapping: the name is tmpl_text followed by the first
         * non-empty capture of the one regex; none means no match. */
        bool first_capture;
};

struct pg_rules {
        struct rule *rules;
        size_t n;
        size_t cap;
        pcre2_match_context *mctx; /* the limits */
        pcre2_jit_stack *jit_stack;
        /* The space-joined argv (its first PG_MATCH_CMDLINE_MAX bytes),
         * reused across matches. */
        char joined[PG_MATCH_CMDLINE_MAX + 1];
};

int pg_rules_new(struct pg_rules **ret) {
        struct pg_rules *rs = calloc(1, sizeof(*rs));
        uint32_t jit = 0;

        if (!rs)
                return -ENOMEM;
        rs->mctx = pcre2_match_context_create(NULL);
        if (!rs->mctx) {
                free(rs);
                return -ENOMEM;
        }
        pcre2_set_match_limit(rs->mctx, MATCH_LIMIT);
        pcre2_set_depth_limit(rs->mctx, DEPTH_LIMIT);
        pcre2_set_heap_limit(rs->mctx, HEAP_LIMIT_KIB);
        /* Without a stack of its own the JIT gets 32 KiB of the machine
         * stack; failing to make one only means that. */
        if (pcre2_config(PCRE2_CONFIG_JIT, &jit) == 0 && jit) {
                rs->jit_stack = pcre2_jit_stack_create(JIT_STACK_MIN, JIT_STACK_MAX, NULL);
                if (rs->jit_stack)
                        pcre2_jit_stack_assign(rs->mctx, NULL, rs->jit_stack);
        }
        *ret = rs;
        return 0;
}

int pg_rules_new_default(struct pg_rules **ret) {
        struct pg_rules *rs;
        char err[256];
        int r = pg_rules_new(&rs);

        if (r < 0)
                return r;
        r = pg_rules_add(rs, "{{.Comm}}", NULL, 0, NULL, 0, NULL, 0, err, sizeof(err));
        if (r < 0) {
                pg_rules_free(rs);
                return r;
        }
        *ret = rs;
        return 0;
}

static void free_strv(char **v, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

static void rule_free(struct rule *r) {
        pg_template_free(r->tmpl);
        free(r->tmpl_text);
        free_strv(r->comm, r->ncomm);
        free_strv(r->exe, r->nexe);
        for (size_t i = 0; i < r->nre; i++) {
                pcre2_match_data_free(r->re[i].md);
                pcre2_code_free(r->re[i].code);
        }
        free(r->re);
}

void pg_rules_free(struct pg_rules *rs) {
        if (!rs)
                return;
        for (size_t i = 0; i < rs->n; i++)
                rule_free(&rs->rules[i]);
        free(rs->rules);
        pcre2_jit_stack_free(rs->jit_stack);
        pcre2_match_context_free(rs->mctx);
        free(rs);
}

size_t pg_rules_count(const struct pg_rules *rs) {
        return rs->n;
}

static int dup_strv(const char *const *src, size_t n, char ***ret) {
        char **v;

        *ret = NULL;
        if (n == 0)
                return 0;
        v = calloc(n, sizeof(*v));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                v[i] = strdup(src[i]);
                if (!v[i]) {
                        free_strv(v, i);
                        return -ENOMEM;
                }
        }
        *ret = v;
        return 0;
}

/* Does any regex of the rule define the named capture? A name that (?J)
 * gives to several groups has no unique number, but is defined. */
static bool has_capture(const struct rule *r, const char *name) {
        for (size_t i = 0; i < r->nre; i++) {
                int n = pcre2_substring_number_from_name(r->re[i].code, (PCRE2_SPTR)name);
                if (n >= 0 || n == PCRE2_ERROR_NOUNIQUESUBSTRING)
                        return true;
        }
        return false;
}

struct cap_check {
        const struct rule *rule;
        const char *missing;
};

static int check_capture(void *ud, const char *name) {
        struct cap_check *c = ud;

        if (has_capture(c->rule, name))
                return 0;
        c->missing = name;
        return 1;
}

int pg_rules_add(struct pg_rules *rs, const char *tmpl, const char *const *comm, size_t ncomm,
                 const char *const *exe, size_t nexe, const char *const *cmdline, size_t ncmdline,
                 char *err, size_t errsz) {
        struct rule r = {0};
        struct cap_check cc;
        char msg[256];
        int ret;

        ret = pg_template_new(tmpl, &r.tmpl, msg, sizeof(msg));
        if (ret < 0) {
                /* The template's own message does not say which rule. */
                if (ret == -EINVAL)
                        snprintf(err, errsz, "rule \"%s\": %s", tmpl, msg);
                goto fail;
        }
        ret = -ENOMEM;
        r.tmpl_text = strdup(tmpl);
        if (!r.tmpl_text || dup_strv(comm, ncomm, &r.comm) < 0)
                goto fail;
        r.ncomm = ncomm;
        if (dup_strv(exe, nexe, &r.exe) < 0)
                goto fail;
        r.nexe = nexe;
        if (ncmdline) {
                r.re = calloc(ncmdline, sizeof(*r.re));
                if (!r.re)
                        goto fail;
        }
        for (size_t i = 0; i < ncmdline; i++) {
                int code;
                PCRE2_SIZE off;
                r.re[i].code =
                    pcre2_compile((PCRE2_SPTR)cmdline[i], PCRE2_ZERO_TERMINATED,
                                  PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);
                if (!r.re[i].code) {
                        pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof(msg));
                        snprintf(err, errsz, "rule \"%s\": cmdline regex \"%s\": %s at offset %zu",
                                 tmpl, cmdline[i], msg, (size_t)off);
                        ret = -EINVAL;
                        goto fail;
                }
                r.nre = i + 1;
                /* The JIT matches several times faster and bounds its
                 * runaway matches better; where it cannot compile (no
                 * executable memory under SELinux, valgrind) pcre2_match
                 * falls back to the interpreter by itself. */
                (void)pcre2_jit_compile(r.re[i].code, PCRE2_JIT_COMPLETE);
                r.re[i].md = pcre2_match_data_create_from_pattern(r.re[i].code, NULL);
                if (!r.re[i].md)
                        goto fail;
        }
        cc.rule = &r;
        cc.missing = NULL;
        if (pg_template_each_match(r.tmpl, check_capture, &cc)) {
                snprintf(err, errsz,
                         "rule \"%s\": template uses {{.Matches.%s}} but no cmdline regex of the "
                         "rule captures (?P<%s>...)",
                         tmpl, cc.missing, cc.missing);
                ret = -EINVAL;
                goto fail;
        }
        if (PG_GROW(rs->rules, rs->n + 1, rs->cap) < 0)
                goto fail;
        rs->rules[rs->n++] = r;
        return 0;
fail:
        if (ret == -ENOMEM)
                snprintf(err, errsz, "rule \"%s\": out of memory", tmpl);
        rule_free(&r);
        return ret;
}

int pg_rules_add_namemap(struct pg_rules *rs, const char *comm, const char *regex, char *err,
                         size_t errsz) {
        const char *const c[] = {comm}, *const re[] = {regex};
        size_t len = strlen(comm);
        char *prefix = malloc(len + 2);
        int r;

        if (!prefix) {
                snprintf(err, errsz, "-namemapping %s: out of memory", comm);
                return -ENOMEM;
        }
        memcpy(prefix, comm, len);
        memcpy(prefix + len, ":", 2);
        /* A literal template: the name may hold "{{" */
        r = pg_rules_add(rs, "{{.Comm}}", c, 1, NULL, 0, re, 1, err, errsz);
        if (r < 0) {
                free(prefix);
                return r;
        }
        free(rs->rules[rs->n - 1].tmpl_text);
        rs->rules[rs->n - 1].tmpl_text = prefix;
        rs->rules[rs->n - 1].first_capture = true;
        return 0;
}

/* -namemapping's name: the prefix and the first capture group that
 * matched a non-empty string. Returns false when there is none. */
static bool name_first_capture(const struct rule *r, const char *subject, char *name,
                               size_t namesz) {
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->re[0].md);
        uint32_t n = pcre2_get_ovector_count(r->re[0].md);

        for (uint32_t g = 1; g < n; g++) {
                if (ov[2 * g] == PCRE2_UNSET || ov[2 * g + 1] == ov[2 * g])
                        continue;
                snprintf(name, namesz, "%s%.*s", r->tmpl_text, (int)(ov[2 * g + 1] - ov[2 * g]),
                         subject + ov[2 * g]);
                return true;
        }
        return false;
}

static bool match_list(char *const *list, size_t n, const char *s) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(list[i], s) == 0)
                        return true;
        return false;
}

static bool match_exe(const struct rule *r, const struct pg_match_input *in) {
        const char *argv0 = in->cmdline, *base;

        if (in->argc == 0)
                return false;
        base = strrchr(argv0, '/');
        base = base ? base + 1 : argv0;
        for (size_t i = 0; i < r->nexe; i++) {
                const char *e = r->exe[i];
                if (strcmp(e, strchr(e, '/') ? argv0 : base) == 0)
                        return true;
        }
        return false;
}

static const char *join_argv(struct pg_rules *rs, const struct pg_match_input *in, size_t *len) {
        size_t n = in->cmdline_len;

        if (n > PG_MATCH_CMDLINE_MAX)
                n = PG_MATCH_CMDLINE_MAX;
        /* argv joined by single spaces, as process-exporter's
         * strings.Join(cmdline, " "): the trailing NULs are terminators,
         * not separators, and must not leave a space that defeats "$"
         * (nor must the NUL where the cut fell). */
        while (n > 0 && in->cmdline[n - 1] == '\0')
                n--;
        for (size_t i = 0; i < n; i++)
                rs->joined[i] = in->cmdline[i] ? in->cmdline[i] : ' ';
        rs->joined[n] = '\0';
        *len = n;
        return rs->joined;
}

/* Note a regex that pcre2_match stopped with error code rc. */
static void note_limit(struct pg_match_note *note, struct rule *r, int rc) {
        if (!note)
                return;
        note->limit_hits++;
        if (note->new_rule || r->limit_noted)
                return;
        r->limit_noted = true;
        note->new_rule = r->tmpl_text;
        pcre2_get_error_message(rc, (PCRE2_UCHAR *)note->why, sizeof(note->why));
}

/* Add the named captures of a successful match of re on subject. A name
 * that (?J) gives to several groups is one capture: the first group of
 * that name that is set, as pcre2_substring_copy_byname() takes it. */
static void add_captures(const struct regex *re, const char *subject, const char **names,
                         const char **values, size_t *lens, size_t *ncaps) {
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(re->md);
        uint32_t count, esize;
        PCRE2_SPTR table;
        const char *prev = NULL;
        bool prev_set = false;

        pcre2_pattern_info(re->code, PCRE2_INFO_NAMECOUNT, &count);
        pcre2_pattern_info(re->code, PCRE2_INFO_NAMEENTRYSIZE, &esize);
        pcre2_pattern_info(re->code, PCRE2_INFO_NAMETABLE, &table);
        /* The table is sorted by name, duplicates by group number. */
        for (uint32_t e = 0; e < count; e++) {
                const unsigned char *ent = table + e * esize;
                unsigned g = (unsigned)(ent[0] << 8 | ent[1]);
                const char *nm = (const char *)ent + 2;
                bool set = ov[2 * g] != PCRE2_UNSET;
                size_t k;

                if (prev && strcmp(prev, nm) == 0) {
                        if (prev_set || !set)
                                continue;
                        k = *ncaps - 1; /* the unset one before: replace it */
                } else {
                        if (*ncaps == MAX_CAPS)
                                break;
                        k = (*ncaps)++;
                }
                prev = nm;
                prev_set = set;
                names[k] = nm;
                values[k] = set ? subject + ov[2 * g] : "";
                lens[k] = set ? ov[2 * g + 1] - ov[2 * g] : 0;
        }
}

/* Whether rule r needs more of in than a record gives (see match.h). */
static bool undecided(const struct rule *r, const struct pg_match_input *in) {
        unsigned needs = pg_template_needs(r->tmpl);

        if (r->nre || r->first_capture || (needs & PG_NEEDS_ALL))
                return true;
        return (r->nexe || (needs & PG_NEEDS_ARGV0)) && in->argc != 1;
}

bool pg_rules_use_argv0(const struct pg_rules *rs) {
        for (size_t i = 0; i < rs->n; i++)
                if (rs->rules[i].nexe || (pg_template_needs(rs->rules[i].tmpl) & PG_NEEDS_ARGV0))
                        return true;
        return false;
}

int pg_rules_match_note(const struct pg_rules *crs, const struct pg_match_input *in, char *name,
                        size_t namesz, struct pg_match_note *note) {
        struct pg_rules *rs = (struct pg_rules *)crs; /* the join buffer is scratch */
        const char *joined = NULL;
        size_t jlen = 0;

        if (note) {
                note->limit_hits = 0;
                note->new_rule = NULL;
                note->why[0] = '\0';
        }
        for (size_t i = 0; i < rs->n; i++) {
                struct rule *r = &rs->rules[i];
                const char *cap_names[MAX_CAPS], *cap_values[MAX_CAPS];
                size_t cap_lens[MAX_CAPS], ncaps = 0;
                struct pg_template_ctx ctx;
                bool ok = true;

                if (in->no_catchall && !r->ncomm && !r->nexe && !r->nre)
                        continue;
                if (r->ncomm && !match_list(r->comm, r->ncomm, in->comm))
                        continue;
                if (in->argv_unknown && undecided(r, in))
                        return PG_MATCH_UNDECIDED;
                if (r->nexe && !match_exe(r, in))
                        continue;
                if (r->nre && !joined)
                        joined = join_argv(rs, in, &jlen);
                for (size_t k = 0; k < r->nre && ok; k++) {
                        int rc = pcre2_match(r->re[k].code, (PCRE2_SPTR)joined, jlen, 0, 0,
                                             r->re[k].md, rs->mctx);

                        if (rc < 0) {
                                /* Anything but "no match" is a match that
                                 * was stopped (a limit), not an answer. */
                                if (rc != PCRE2_ERROR_NOMATCH)
                                        note_limit(note, r, rc);
                                ok = false;
                                break;
                        }
                        add_captures(&r->re[k], joined, cap_names, cap_values, cap_lens, &ncaps);
                }
                if (!ok)
                        continue;
                if (r->first_capture) {
                        if (name_first_capture(r, joined, name, namesz))
                                return 1;
                        continue;
                }
                ctx.in = in;
                ctx.cap_names = cap_names;
                ctx.cap_values = cap_values;
                ctx.cap_lens = cap_lens;
                ctx.ncaps = ncaps;
                pg_template_expand(r->tmpl, &ctx, name, namesz);
                return 1;
        }
        return 0;
}

int pg_rules_match(const struct pg_rules *rs, const struct pg_match_input *in, char *name,
                   size_t namesz) {
        return pg_rules_match_note(rs, in, name, namesz, NULL);
}
