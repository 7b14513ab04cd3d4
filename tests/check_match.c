/* SPDX-License-Identifier: MIT */
/* Tests of the matcher and name templates (common/match.c,
 * common/template.c): every selector kind, AND across selectors, rule
 * order, every template variable, named captures (also one that did not
 * participate), {{.Cgroups}}, Go's template forms, -namemapping rules,
 * and the errors a rule can be refused with. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/check_main.h"
#include "common/match.h"
#include "common/procfs.h"
#include "common/template.h"

#define BTIME 1700000000u

static struct pg_rules *rs;
static char err[512];

static void setup(void) {
        ck_assert_int_eq(pg_rules_new(&rs), 0);
        err[0] = '\0';
}

static void teardown(void) {
        pg_rules_free(rs);
        rs = NULL;
}

/* A process: comm and a NUL-separated argv given as one literal. */
static struct pg_match_input input(const char *comm, const char *cmdline, size_t len) {
        struct pg_match_input in = {
            .comm = comm,
            .cmdline = cmdline,
            .cmdline_len = len,
            .pid = 4242,
            .start_ticks = 550,
            .boot_time = BTIME,
            .ticks = 100,
            .euid = 0,
        };
        for (size_t i = 0; i < len; i++)
                if (cmdline[i] == '\0' && (i == 0 || cmdline[i - 1] != '\0'))
                        in.argc++;
        if (len && cmdline[len - 1] != '\0')
                in.argc++;
        return in;
}

#define IN(comm, lit) input(comm, lit, sizeof(lit) - 1)

static void add(const char *tmpl, const char *const *comm, size_t nc, const char *const *exe,
                size_t ne, const char *const *cmd, size_t nr) {
        int r = pg_rules_add(rs, tmpl, comm, nc, exe, ne, cmd, nr, err, sizeof(err));
        ck_assert_msg(r == 0, "rule %s refused: %s", tmpl, err);
}

/* The name in gets, or "" when no rule matches. */
static const char *name_of(const struct pg_match_input *in) {
        static char name[PG_NAME_MAX];
        if (!pg_rules_match(rs, in, name, sizeof(name)))
                return "";
        return name;
}

/* --- selectors --- */

START_TEST(comm_list) {
        static const char *const comm[] = {"postgres", "postmaster"};
        struct pg_match_input a = IN("postgres", "postgres: writer\0");
        struct pg_match_input b = IN("postmaster", "/usr/lib/postgresql/bin/postgres\0");
        struct pg_match_input c = IN("postgres2", "postgres\0");
        struct pg_match_input d = IN("postgre", "postgres\0");

        add("db", comm, 2, NULL, 0, NULL, 0);
        ck_assert_str_eq(name_of(&a), "db");
        ck_assert_str_eq(name_of(&b), "db");
        /* Exact names only: no prefix, no substring. */
        ck_assert_str_eq(name_of(&c), "");
        ck_assert_str_eq(name_of(&d), "");
}
END_TEST

START_TEST(exe_base_and_full) {
        static const char *const base[] = {"nginx"};
        static const char *const full[] = {"/usr/bin/python3"};
        struct pg_match_input ng1 = IN("nginx", "/usr/sbin/nginx\0-g\0daemon off;\0");
        struct pg_match_input ng2 = IN("nginx", "nginx\0");
        struct pg_match_input ng3 = IN("nginx", "/usr/sbin/nginx-debug\0");
        struct pg_match_input py1 = IN("python3", "/usr/bin/python3\0x.py\0");
        struct pg_match_input py2 = IN("python3", "python3\0x.py\0");
        struct pg_match_input py3 = IN("python3", "/usr/local/bin/python3\0");
        struct pg_match_input kthr = IN("nginx", "");

        add("web", NULL, 0, base, 1, NULL, 0);
        add("py", NULL, 0, full, 1, NULL, 0);
        /* Without '/': the basename of argv[0]. */
        ck_assert_str_eq(name_of(&ng1), "web");
        ck_assert_str_eq(name_of(&ng2), "web");
        ck_assert_str_eq(name_of(&ng3), "");
        /* With '/': the whole argv[0], nothing else. */
        ck_assert_str_eq(name_of(&py1), "py");
        ck_assert_str_eq(name_of(&py2), "");
        ck_assert_str_eq(name_of(&py3), "");
        /* No argv (kernel thread, zombie): exe cannot match. */
        ck_assert_str_eq(name_of(&kthr), "");
}
END_TEST

START_TEST(cmdline_all_must_match) {
        static const char *const re[] = {"--name=\\w+", "-c\\s+\\S+\\.conf"};
        struct pg_match_input both = IN("app", "/bin/app\0--name=x\0-c\0/etc/a.conf\0");
        struct pg_match_input one = IN("app", "/bin/app\0--name=x\0");
        struct pg_match_input other = IN("app", "/bin/app\0-c\0/etc/a.conf\0");

        add("app", NULL, 0, NULL, 0, re, 2);
        /* The regexes run over the space-joined argv: "-c /etc/a.conf". */
        ck_assert_str_eq(name_of(&both), "app");
        ck_assert_str_eq(name_of(&one), "");
        ck_assert_str_eq(name_of(&other), "");
}
END_TEST

START_TEST(and_across_selectors) {
        static const char *const comm[] = {"java"};
        static const char *const exe[] = {"java"};
        static const char *const re[] = {"kafka\\.Kafka"};
        struct pg_match_input all = IN("java", "/usr/bin/java\0-cp\0x\0kafka.Kafka\0");
        struct pg_match_input no_comm = IN("javaw", "/usr/bin/java\0kafka.Kafka\0");
        struct pg_match_input no_exe = IN("java", "/usr/bin/jre\0kafka.Kafka\0");
        struct pg_match_input no_re = IN("java", "/usr/bin/java\0zk.Main\0");

        add("kafka", comm, 1, exe, 1, re, 1);
        ck_assert_str_eq(name_of(&all), "kafka");
        ck_assert_str_eq(name_of(&no_comm), "");
        ck_assert_str_eq(name_of(&no_exe), "");
        ck_assert_str_eq(name_of(&no_re), "");
}
END_TEST

START_TEST(first_rule_wins) {
        static const char *const sh[] = {"sh"};
        static const char *const any[] = {".*"};
        struct pg_match_input a = IN("sh", "/bin/sh\0");
        struct pg_match_input b = IN("bash", "/bin/bash\0");

        add("shells", sh, 1, NULL, 0, NULL, 0);
        add("other:{{.Comm}}", NULL, 0, NULL, 0, any, 1);
        add("never", sh, 1, NULL, 0, NULL, 0);
        ck_assert_uint_eq(pg_rules_count(rs), 3);
        ck_assert_str_eq(name_of(&a), "shells");
        ck_assert_str_eq(name_of(&b), "other:bash");
}
END_TEST

START_TEST(no_match) {
        static const char *const comm[] = {"x"};
        struct pg_match_input a = IN("y", "y\0");
        char name[8] = "unset";

        /* No rules at all: nothing matches. */
        ck_assert_int_eq(pg_rules_match(rs, &a, name, sizeof(name)), 0);
        add("x", comm, 1, NULL, 0, NULL, 0);
        ck_assert_int_eq(pg_rules_match(rs, &a, name, sizeof(name)), 0);
}
END_TEST

START_TEST(default_rule) {
        struct pg_rules *d;
        struct pg_match_input a = IN("kworker/0:1", "");
        struct pg_match_input b = IN("new\nline", "x\0");
        char name[PG_NAME_MAX];

        ck_assert_int_eq(pg_rules_new_default(&d), 0);
        ck_assert_uint_eq(pg_rules_count(d), 1);
        ck_assert_int_eq(pg_rules_match(d, &a, name, sizeof(name)), 1);
        ck_assert_str_eq(name, "kworker/0:1");
        ck_assert_int_eq(pg_rules_match(d, &b, name, sizeof(name)), 1);
        ck_assert_str_eq(name, "new\nline");
        pg_rules_free(d);
}
END_TEST

/* --- templates --- */

START_TEST(every_variable) {
        struct pg_match_input in = IN("nginx", "/usr/sbin/nginx\0-g\0x\0");
        char name[PG_NAME_MAX];

        add("{{.Comm}}|{{.ExeBase}}|{{.ExeFull}}|{{.Username}}|{{.PID}}|{{.StartTime}}", NULL, 0,
            NULL, 0, NULL, 0);
        ck_assert_int_eq(pg_rules_match(rs, &in, name, sizeof(name)), 1);
        /* btime + 550/100 s = 1700000005.5 = 2023-11-14 22:13:25.5 UTC, in
         * Go's time.Time String() form as process-exporter prints it. */
        ck_assert_str_eq(name, "nginx|nginx|/usr/sbin/nginx|root|4242|"
                               "2023-11-14 22:13:25.5 +0000 UTC");
}
END_TEST

START_TEST(start_time_whole_second_and_unknown_user) {
        struct pg_match_input in = IN("a", "a\0");
        char name[PG_NAME_MAX];

        in.start_ticks = 700;  /* 7 s exactly: no fraction */
        in.euid = 4000000000u; /* nobody has it: the number */
        add("{{.StartTime}} {{.Username}}", NULL, 0, NULL, 0, NULL, 0);
        ck_assert_int_eq(pg_rules_match(rs, &in, name, sizeof(name)), 1);
        ck_assert_str_eq(name, "2023-11-14 22:13:27 +0000 UTC 4000000000");
}
END_TEST

START_TEST(start_time_out_of_range) {
        /* Past 9999-12-31 23:59:59 UTC (a btime or start ticks a corrupted
         * or fake tree makes up) the start time prints as that second:
         * gmtime_r cannot represent it all (year beyond INT_MAX). */
        static const uint64_t btimes[] = {1ull << 62, 300000000000u, UINT64_MAX, BTIME};
        struct pg_match_input in = IN("a", "a\0");
        char name[PG_NAME_MAX];

        add("{{.StartTime}}", NULL, 0, NULL, 0, NULL, 0);
        for (size_t i = 0; i < sizeof(btimes) / sizeof(btimes[0]); i++) {
                in.boot_time = btimes[i];
                in.start_ticks = btimes[i] == BTIME ? UINT64_MAX : 550;
                ck_assert_int_eq(pg_rules_match(rs, &in, name, sizeof(name)), 1);
                ck_assert_str_eq(name, "9999-12-31 23:59:59 +0000 UTC");
        }
        /* The last second that fits prints as itself. */
        in.boot_time = 253402300799u;
        in.start_ticks = 0;
        ck_assert_int_eq(pg_rules_match(rs, &in, name, sizeof(name)), 1);
        ck_assert_str_eq(name, "9999-12-31 23:59:59 +0000 UTC");
        in.boot_time = 253402300798u;
        in.start_ticks = 50;
        ck_assert_int_eq(pg_rules_match(rs, &in, name, sizeof(name)), 1);
        ck_assert_str_eq(name, "9999-12-31 23:59:58.5 +0000 UTC");
}
END_TEST

START_TEST(exe_without_argv) {
        struct pg_match_input in = IN("kthreadd", "");

        /* Without argv, ExeBase and ExeFull fall back to comm. */
        add("{{.ExeBase}}/{{.ExeFull}}", NULL, 0, NULL, 0, NULL, 0);
        ck_assert_str_eq(name_of(&in), "kthreadd/kthreadd");
}
END_TEST

START_TEST(spaces_and_literals) {
        struct pg_match_input in = IN("cron", "cron\0");

        add("x{{ .Comm }}y{{.PID}}", NULL, 0, NULL, 0, NULL, 0);
        ck_assert_str_eq(name_of(&in), "xcrony4242");
}
END_TEST

START_TEST(named_captures) {
        static const char *const re[] = {"--name=(?P<name>\\w+)", "(?P<port>\\d+)$"};
        struct pg_match_input in = IN("app", "/bin/app\0--name=billing\0--port\08080\0");

        add("app:{{.Matches.name}}:{{.Matches.port}}", NULL, 0, NULL, 0, re, 2);
        ck_assert_str_eq(name_of(&in), "app:billing:8080");
}
END_TEST

START_TEST(capture_not_participating) {
        static const char *const re[] = {"^(?P<tool>\\S+)(?: --mode=(?P<mode>\\w+))?"};
        struct pg_match_input with = IN("t", "tool\0--mode=fast\0");
        struct pg_match_input without = IN("t", "tool\0--other\0");

        add("{{.Matches.tool}}[{{.Matches.mode}}]", NULL, 0, NULL, 0, re, 1);
        ck_assert_str_eq(name_of(&with), "tool[fast]");
        /* A group that did not take part expands to "". */
        ck_assert_str_eq(name_of(&without), "tool[]");
}
END_TEST

START_TEST(name_is_cut) {
        struct pg_match_input in = IN("abcdefgh", "x\0");
        char name[5];

        add("{{.Comm}}", NULL, 0, NULL, 0, NULL, 0);
        ck_assert_int_eq(pg_rules_match(rs, &in, name, sizeof(name)), 1);
        ck_assert_str_eq(name, "abcd");
}
END_TEST

/* --- errors --- */

static void refused(const char *tmpl, const char *const *cmd, size_t nr, const char *word) {
        int r = pg_rules_add(rs, tmpl, NULL, 0, NULL, 0, cmd, nr, err, sizeof(err));
        char want[300];

        ck_assert_int_eq(r, -EINVAL);
        snprintf(want, sizeof(want), "\"%s\"", tmpl);
        ck_assert_msg(strstr(err, want), "error does not name rule %s: %s", tmpl, err);
        ck_assert_msg(strstr(err, word), "error lacks \"%s\": %s", word, err);
        ck_assert_uint_eq(pg_rules_count(rs), 0);
}

START_TEST(unknown_variable) {
        refused("grp-{{.Bogus}}", NULL, 0, ".Bogus");
        refused("{{.comm}}", NULL, 0, "unknown");
        refused("{{.Matches.}}", NULL, 0, "unknown");
}
END_TEST

START_TEST(unclosed_braces) {
        refused("grp-{{.Comm", NULL, 0, "unclosed");
}
END_TEST

START_TEST(bad_regex) {
        static const char *const re[] = {"ok", "(unclosed"};
        refused("svc", re, 2, "(unclosed");
}
END_TEST

START_TEST(match_without_capture) {
        static const char *const re[] = {"--name=(?P<nom>\\w+)"};
        refused("app:{{.Matches.name}}", re, 1, "name");
        refused("app:{{.Matches.name}}", NULL, 0, "Matches.name");
}
END_TEST

START_TEST(template_api) {
        struct pg_template *t;
        struct pg_match_input in = IN("c", "c\0");
        static const char *const names[] = {"a", "b"};
        static const char *const values[] = {"xyz", "q"};
        static const size_t lens[] = {2, 1};
        struct pg_template_ctx ctx = {&in, names, values, lens, 2};
        char out[16];

        ck_assert_int_eq(
            pg_template_new("<{{.Matches.b}}{{.Matches.a}}{{.Matches.z}}>", &t, err, sizeof(err)),
            0);
        /* The value is vlen bytes, not up to a NUL; an unknown capture is "". */
        ck_assert_uint_eq(pg_template_expand(t, &ctx, out, sizeof(out)), 5);
        ck_assert_str_eq(out, "<qxy>");
        ck_assert_uint_eq(pg_template_expand(t, &ctx, out, 3), 2);
        ck_assert_str_eq(out, "<q");
        pg_template_free(t);
        ck_assert_int_eq(pg_template_new("{{.Nope}}", &t, err, sizeof(err)), -EINVAL);
        ck_assert_ptr_nonnull(strstr(err, ".Nope"));
}
END_TEST

/* --- hostile command lines: any local user picks them --- */

static double now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* argc arguments of len bytes of c each, NUL-terminated: the caller frees. */
static char *long_argv(int argc, size_t len, char c, size_t *ret_len) {
        char *v = malloc((size_t)argc * (len + 1));

        ck_assert_ptr_nonnull(v);
        memset(v, c, (size_t)argc * (len + 1));
        for (int i = 1; i <= argc; i++)
                v[(size_t)i * (len + 1) - 1] = '\0';
        *ret_len = (size_t)argc * (len + 1);
        return v;
}

START_TEST(long_argv_completes) {
        static const char *const re[] = {"(?<name>\\w+)$"};
        size_t len;
        char *argv = long_argv(4, 131000, 'a', &len);
        struct pg_match_input in = input("a", argv, len);
        double t0, t;

        /* Quadratic backtracking over 524 kB took 38 s here; the regex now
         * sees 4 KiB of it, under limits. 10 s is for valgrind. */
        add("{{.Matches.name}}", NULL, 0, NULL, 0, re, 1);
        t0 = now();
        name_of(&in);
        t = now() - t0;
        ck_assert_msg(t < 10.0, "one match took %.1f s", t);
        free(argv);
}
END_TEST

START_TEST(limit_hit_is_reported) {
        static const char *const re[] = {"^(a+)+$"};
        static const char *const comm[] = {"sleep"};
        char bait[3002];
        struct pg_match_input in;
        struct pg_match_note note;
        char name[PG_NAME_MAX];
        double t0, t;

        /* "aaa...ab": every way to split the a's is tried before "$" fails
         * at the b, 2^3000 of them without a limit. */
        memset(bait, 'a', 3000);
        bait[3000] = 'b';
        bait[3001] = '\0';
        in = input("sleep", bait, sizeof(bait));
        add("bait", NULL, 0, NULL, 0, re, 1);
        add("sleeper", comm, 1, NULL, 0, NULL, 0);
        t0 = now();
        /* Not a silent "no match": the rule could not decide, is noted, and
         * the next rule is tried. */
        ck_assert_int_eq(pg_rules_match_note(rs, &in, name, sizeof(name), &note), 1);
        t = now() - t0;
        ck_assert_str_eq(name, "sleeper");
        ck_assert_uint_eq(note.limit_hits, 1);
        ck_assert_ptr_nonnull(note.new_rule);
        ck_assert_str_eq(note.new_rule, "bait");
        ck_assert_msg(strstr(note.why, "limit"), "why: %s", note.why);
        ck_assert_msg(t < 10.0, "one match took %.1f s", t);
        /* Counted again, reported once per rule. */
        ck_assert_int_eq(pg_rules_match_note(rs, &in, name, sizeof(name), &note), 1);
        ck_assert_uint_eq(note.limit_hits, 1);
        ck_assert_ptr_null(note.new_rule);
}
END_TEST

/* "prog xxx...x end=abc" of exactly total bytes joined. */
static struct pg_match_input tail_argv(char *buf, size_t total) {
        size_t nx = total - strlen("prog ") - strlen(" end=abc");

        memcpy(buf, "prog", 5);
        memset(buf + 5, 'x', nx);
        memcpy(buf + 5 + nx, "\0end=abc", 9);
        return input("prog", buf, total);
}

START_TEST(cmdline_bound) {
        static const char *const re[] = {"end=(?<v>\\w+)$"};
        static const char *const re2[] = {"--name=(?<n>\\w+)"};
        static char buf[PG_MATCH_CMDLINE_MAX + 64];
        struct pg_match_input in;
        char far[6000];

        add("v={{.Matches.v}}", NULL, 0, NULL, 0, re, 1);
        add("n={{.Matches.n}}", NULL, 0, NULL, 0, re2, 1);
        in = tail_argv(buf, PG_MATCH_CMDLINE_MAX);
        ck_assert_str_eq(name_of(&in), "v=abc");
        /* One byte more: the rule sees the command line end one byte
         * earlier, at the bound. */
        in = tail_argv(buf, PG_MATCH_CMDLINE_MAX + 1);
        ck_assert_str_eq(name_of(&in), "v=ab");
        /* A capture wholly past the bound is not seen. */
        memset(far, 'x', sizeof(far));
        memcpy(far, "prog", 5);
        memcpy(far + 5000, "\0--name=foo", 12);
        in = input("prog", far, 5012);
        ck_assert_str_eq(name_of(&in), "");
}
END_TEST

START_TEST(duplicate_names) {
        static const char *const re[] = {"(?J)(?<x>a)|(?<x>b)"};
        struct pg_match_input a = IN("p", "a\0");
        struct pg_match_input b = IN("p", "b\0");
        struct pg_match_input c = IN("p", "c\0");

        /* (?J) lets groups share a name: defined, though not by one number;
         * the one that is set is the value. */
        add("x={{.Matches.x}}", NULL, 0, NULL, 0, re, 1);
        ck_assert_str_eq(name_of(&a), "x=a");
        ck_assert_str_eq(name_of(&b), "x=b");
        ck_assert_str_eq(name_of(&c), "");
}
END_TEST

/* {{.Cgroups}}: the third field of each line of <pid>/cgroup, as Go prints
 * a []string, read through the procfs root's fd; "[]" when unreadable or
 * malformed (the exporter's procfs library then returns none). */
START_TEST(cgroups_variable) {
        char dir[] = "/tmp/check_match.XXXXXX", path[128];
        struct pg_procfs fs = {.root_fd = -1};
        struct pg_match_input in = IN("a", "a");
        FILE *f;

        add("{{.Cgroups}}", NULL, 0, NULL, 0, NULL, 0);
        ck_assert_str_eq(name_of(&in), "[]");
        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/4242", dir);
        ck_assert_int_eq(mkdir(path, 0700), 0);
        snprintf(path, sizeof(path), "%s/4242/cgroup", dir);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs("12:pids:/user.slice/a:b\n1:name=systemd:/user.slice\n0::/user.slice/x.scope\n", f);
        ck_assert_int_eq(fclose(f), 0);
        fs.root_fd = open(dir, O_RDONLY | O_DIRECTORY);
        ck_assert_int_ge(fs.root_fd, 0);
        in.fs = &fs;
        ck_assert_str_eq(name_of(&in), "[/user.slice/a:b /user.slice /user.slice/x.scope]");
        /* A line without two colons: the whole file is no cgroup list. */
        f = fopen(path, "w");
        fputs("0::/a\ngarbage\n", f);
        fclose(f);
        ck_assert_str_eq(name_of(&in), "[]");
        in.pid = 99; /* no such process */
        ck_assert_str_eq(name_of(&in), "[]");
        close(fs.root_fd);
        unlink(path);
        snprintf(path, sizeof(path), "%s/4242", dir);
        rmdir(path);
        rmdir(dir);
}
END_TEST

/* Go's template forms the exporter's configs use, and what stays refused
 * with the construct named. */
START_TEST(go_forms) {
        struct pg_match_input in = IN("zsh", "/bin/zsh\0-d\0007");
        static const char *const cmd[] = {"-d (?P<w>\\d+)"};
        struct pg_template *t;

        add("a {{- /* gone */ -}}  b {{  .Comm\t}} {{index .Matches \"w\"}}{{- \n .Matches.w}}",
            NULL, 0, NULL, 0, cmd, 1);
        ck_assert_str_eq(name_of(&in), "ab zsh 77");
        ck_assert_int_eq(pg_template_new("{{.Comm | printf}}", &t, err, sizeof(err)), -EINVAL);
        ck_assert_msg(strstr(err, "unsupported template action") && strstr(err, "printf"), "%s",
                      err);
        ck_assert_int_eq(pg_template_new("{{if .Comm}}x{{end}}", &t, err, sizeof(err)), -EINVAL);
        ck_assert_msg(strstr(err, "{{if .Comm}}"), "%s", err);
        ck_assert_int_eq(pg_template_new("{{/* open", &t, err, sizeof(err)), -EINVAL);
        ck_assert_msg(strstr(err, "unclosed comment"), "%s", err);
        ck_assert_int_eq(pg_template_new("{{.Matches}}", &t, err, sizeof(err)), -EINVAL);
}
END_TEST

/* {{.ExeBase}} is Go's filepath.Base of argv[0]. */
START_TEST(exe_base_go) {
        struct pg_match_input a = IN("c", "/usr/bin/\0x"), b = IN("c", "\0x"), d = IN("c", "//");

        add("{{.ExeBase}}", NULL, 0, NULL, 0, NULL, 0);
        ck_assert_str_eq(name_of(&a), "bin");
        ck_assert_str_eq(name_of(&b), ".");
        ck_assert_str_eq(name_of(&d), "/");
}
END_TEST

/* -namemapping: "comm:" and the first non-empty capture; none, no match. */
START_TEST(namemap_rule) {
        struct pg_match_input a = IN("python2", "python2\0/x/app.py"), b = IN("python2", "python2");
        struct pg_match_input c = IN("java", "java\0-jar\0/x/y.jar");

        ck_assert_int_eq(
            pg_rules_add_namemap(rs, "python2", "(nomatch)?([^/]+)\\.py", err, sizeof(err)), 0);
        ck_assert_int_eq(pg_rules_add_namemap(rs, "java", "-jar\\s+(\\S+)", err, sizeof(err)), 0);
        ck_assert_str_eq(name_of(&a), "python2:app");
        ck_assert_str_eq(name_of(&b), "");
        ck_assert_str_eq(name_of(&c), "java:/x/y.jar");
        ck_assert_int_eq(pg_rules_add_namemap(rs, "x", "(", err, sizeof(err)), -EINVAL);
}
END_TEST

/* A process known only from its exit record (comm, pid, start, user):
 * a rule that its comm rules out is passed over; the first one that
 * would need the argv (an exe or cmdline selector, ExeBase, Matches,
 * Cgroups) leaves the answer undecided rather than let a later rule take
 * the process; comm-only rules still name it. */
START_TEST(argv_unknown_undecided) {
        static const char *const cc[] = {"cc"}, *const ld[] = {"ld"}, *const bin[] = {"cc1"};
        static const char *const re[] = {"-O2"};
        struct pg_match_input in = IN("cc", "");
        char name[PG_NAME_MAX];

        in.argv_unknown = true;
        add("linker", ld, 1, NULL, 0, re, 1); /* comm rules it out */
        add("named {{.Comm}}", cc, 1, NULL, 0, NULL, 0);
        ck_assert_int_eq(pg_rules_match(rs, &in, name, sizeof(name)), 1);
        ck_assert_str_eq(name, "named cc");
        pg_rules_free(rs);
        ck_assert_int_eq(pg_rules_new(&rs), 0);
        add("opt", cc, 1, NULL, 0, re, 1);
        add("named {{.Comm}}", cc, 1, NULL, 0, NULL, 0);
        ck_assert_int_eq(pg_rules_match(rs, &in, name, sizeof(name)), PG_MATCH_UNDECIDED);
        pg_rules_free(rs);
        ck_assert_int_eq(pg_rules_new(&rs), 0);
        add("{{.ExeBase}}", cc, 1, NULL, 0, NULL, 0);
        ck_assert_int_eq(pg_rules_match(rs, &in, name, sizeof(name)), PG_MATCH_UNDECIDED);
        pg_rules_free(rs);
        ck_assert_int_eq(pg_rules_new(&rs), 0);
        add("compiler", NULL, 0, bin, 1, NULL, 0);
        ck_assert(pg_rules_use_argv0(rs));
        ck_assert_int_eq(pg_rules_match(rs, &in, name, sizeof(name)), PG_MATCH_UNDECIDED);
        /* With its argv known, the same input is decided. */
        in.argv_unknown = false;
        ck_assert_int_eq(pg_rules_match(rs, &in, name, sizeof(name)), 0);
        /* argv[0] alone (another process of the same executable) decides
         * an exe rule, not a cmdline one. */
        in = IN("cc1", "/usr/libexec/gcc/cc1\0");
        in.argv_unknown = true;
        ck_assert_int_eq(pg_rules_match(rs, &in, name, sizeof(name)), 1);
        ck_assert_str_eq(name, "compiler");
        pg_rules_free(rs);
        ck_assert_int_eq(pg_rules_new(&rs), 0);
        add("{{.ExeBase}}", NULL, 0, NULL, 0, NULL, 0);
        ck_assert_int_eq(pg_rules_match(rs, &in, name, sizeof(name)), 1);
        ck_assert_str_eq(name, "cc1");
        add("opt", cc, 1, NULL, 0, re, 1);
        ck_assert(pg_rules_use_argv0(rs));
}
END_TEST

Suite *pg_test_suite(void) {
        Suite *s = suite_create("match");
        TCase *tc;

        tc = tcase_create("selectors");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, comm_list);
        tcase_add_test(tc, exe_base_and_full);
        tcase_add_test(tc, cmdline_all_must_match);
        tcase_add_test(tc, and_across_selectors);
        tcase_add_test(tc, first_rule_wins);
        tcase_add_test(tc, no_match);
        tcase_add_test(tc, default_rule);
        suite_add_tcase(s, tc);

        tc = tcase_create("templates");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, every_variable);
        tcase_add_test(tc, start_time_whole_second_and_unknown_user);
        tcase_add_test(tc, start_time_out_of_range);
        tcase_add_test(tc, exe_without_argv);
        tcase_add_test(tc, spaces_and_literals);
        tcase_add_test(tc, named_captures);
        tcase_add_test(tc, capture_not_participating);
        tcase_add_test(tc, name_is_cut);
        tcase_add_test(tc, template_api);
        tcase_add_test(tc, cgroups_variable);
        tcase_add_test(tc, go_forms);
        tcase_add_test(tc, exe_base_go);
        tcase_add_test(tc, namemap_rule);
        suite_add_tcase(s, tc);

        tc = tcase_create("errors");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, unknown_variable);
        tcase_add_test(tc, unclosed_braces);
        tcase_add_test(tc, bad_regex);
        tcase_add_test(tc, match_without_capture);
        suite_add_tcase(s, tc);

        tc = tcase_create("hostile");
        tcase_add_checked_fixture(tc, setup, teardown);
        /* Room for the base's 38 s stall to fail an assertion rather than
         * the timeout; the fixed matcher takes milliseconds. */
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, long_argv_completes);
        tcase_add_test(tc, limit_hit_is_reported);
        tcase_add_test(tc, cmdline_bound);
        tcase_add_test(tc, duplicate_names);
        tcase_add_test(tc, argv_unknown_undecided);
        suite_add_tcase(s, tc);
        return s;
}
