/* SPDX-License-Identifier: MIT */
/* Tests of procgroups.conf loading (common/conffile.c): a valid file with
 * every option and several rules, and a table of broken files, each
 * refused with "FILE:LINE: message" and nothing half-applied. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/check_main.h"
#include "common/conffile.h"

static char dir[256];
static char path[300];

static void setup(void) {
        const char *tmp = getenv("TMPDIR");

        snprintf(dir, sizeof(dir), "%s/check_config.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/procgroups.conf", dir);
}

static void teardown(void) {
        unlink(path);
        rmdir(dir);
}

static void write_conf(const char *text) {
        FILE *f = fopen(path, "w");

        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        ck_assert_int_eq(fclose(f), 0);
}

static char name[PG_NAME_MAX];

static const char *match(const struct pg_config *c, const char *comm, const char *argv,
                         size_t len) {
        struct pg_match_input in = {.comm = comm,
                                    .cmdline = argv,
                                    .cmdline_len = len,
                                    .argc = len ? 1 : 0,
                                    .pid = 7,
                                    .ticks = 100};
        for (size_t i = 0; i + 1 < len; i++)
                if (argv[i] == '\0')
                        in.argc++;
        if (!pg_rules_match(c->rules, &in, name, sizeof(name)))
                return "";
        return name;
}

#define MATCH(c, comm, lit) match(c, comm, lit, sizeof(lit) - 1)

START_TEST(valid_file) {
        struct pg_config c;
        char err[512];

        write_conf("# every option\n"
                   "procfs   = \"/srv/proc\"\n"
                   "threads  = false\n"
                   "children = false\n"
                   "children_time = false\n"
                   "smaps    = true          # opt-in\n"
                   "kept_fds = 100\n"
                   "exit_records = false\n"
                   "exit_buffer = 1048576\n"
                   "netdata_apps_layout = true\n"
                   "match \"db\" { comm = {\"postgres\", \"postmaster\"} }\n"
                   "match \"app:{{.Matches.name}}\" {\n"
                   "        cmdline = {\"--name=(?P<name>\\\\w+)\"}\n"
                   "}\n"
                   "match \"py-{{.ExeBase}}\" { exe = {\"/usr/bin/python3\"} "
                   "cmdline = {\"\\\\.py\"} }\n"
                   "match \"hash#{{.PID}}\" { cmdline = {\"^#!\"} } // a comment\n"
                   "/* a block\n comment */ match \"{{.Comm}}\" { cmdline = {\".+\"} }\n");
        ck_assert_msg(pg_config_load(path, &c, err, sizeof(err)) == 0, "%s", err);
        ck_assert_str_eq(c.procfs, "/srv/proc");
        ck_assert(!c.opts.threads);
        ck_assert(!c.opts.children);
        ck_assert(!c.opts.children_time);
        ck_assert(c.opts.smaps);
        ck_assert_int_eq(c.opts.kept_fds, 100);
        ck_assert(!c.opts.exit_records);
        ck_assert_int_eq(c.opts.exit_buffer, 1048576);
        ck_assert(c.netdata_apps_layout);
        ck_assert_uint_eq(pg_rules_count(c.rules), 5);
        ck_assert_str_eq(MATCH(&c, "sh", "#!x\0"), "hash#7");
        ck_assert_str_eq(MATCH(&c, "postmaster", "postgres\0"), "db");
        ck_assert_str_eq(MATCH(&c, "java", "java\0--name=billing\0"), "app:billing");
        ck_assert_str_eq(MATCH(&c, "python3", "/usr/bin/python3\0x.py\0"), "py-python3");
        ck_assert_str_eq(MATCH(&c, "python3", "/usr/bin/python3\0-c\0"), "python3");
        /* The last rule wants a non-empty cmdline: kernel threads fall out. */
        ck_assert_str_eq(MATCH(&c, "kthreadd", ""), "");
        pg_config_free(&c);
        pg_config_free(&c); /* idempotent */
}
END_TEST

/* Comments are blanked before libconfuse parses; strings must end where
 * libconfuse's lexer ends them, or a '#' inside one is taken for a comment
 * (and a comment's quote for a string). */
START_TEST(quoted_strings) {
        static const struct {
                const char *text, *procfs;
        } ok[] = {
            /* \' in single quotes is a quote, not the end */
            {"procfs = '/it\\'s # 1' # it's\nthreads = false\n", "/it's # 1"},
            {"procfs = '/a\\\\' # it's\nthreads = false\n", "/a\\"},
            {"procfs = \"/a\\\"b # c\" // \"\nthreads = false\n", "/a\"b # c"},
            /* ${...} in double quotes runs to '}', over a quote and '#' */
            {"procfs = \"${PG_CHECK_NO_SUCH\"#}/p\" # c\nthreads = false\n", "/p"},
        };
        struct pg_config c;
        char err[512], want[600];

        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
                write_conf(ok[i].text);
                ck_assert_msg(pg_config_load(path, &c, err, sizeof(err)) == 0, "%zu: %s", i, err);
                ck_assert_str_eq(c.procfs, ok[i].procfs);
                ck_assert(!c.opts.threads);
                pg_config_free(&c);
        }
        /* and the lines after them are still counted right */
        write_conf("procfs = '/it\\'s' # it's\n# more\nno_such = 1\n");
        ck_assert_int_lt(pg_config_load(path, &c, err, sizeof(err)), 0);
        snprintf(want, sizeof(want), "%s:3: ", path);
        ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
}
END_TEST

START_TEST(defaults) {
        struct pg_config c;
        char err[512];

        /* Options only: the built-in default rule. */
        write_conf("threads = true\n");
        ck_assert_msg(pg_config_load(path, &c, err, sizeof(err)) == 0, "%s", err);
        ck_assert_str_eq(c.procfs, "/proc");
        ck_assert(c.opts.threads && c.opts.children && c.opts.children_time && !c.opts.smaps);
        ck_assert_int_eq(c.opts.kept_fds, 0);
        /* Exit records asked for, with the listener's default buffer. */
        ck_assert(c.opts.exit_records);
        ck_assert_int_eq(c.opts.exit_buffer, 0);
        ck_assert(!c.netdata_apps_layout);
        ck_assert_uint_eq(pg_rules_count(c.rules), 1);
        ck_assert_str_eq(MATCH(&c, "anything", ""), "anything");
        pg_config_free(&c);
        ck_assert_int_eq(pg_config_default(&c), 0);
        ck_assert_str_eq(c.procfs, "/proc");
        ck_assert(c.opts.exit_records);
        ck_assert(!c.netdata_apps_layout);
        ck_assert_uint_eq(pg_rules_count(c.rules), 1);
        pg_config_free(&c);
}
END_TEST

START_TEST(take_rules) {
        struct pg_config c;
        struct pg_rules *r;
        char err[512];

        write_conf("match \"x\" { comm = {\"x\"} }\n");
        ck_assert_msg(pg_config_load(path, &c, err, sizeof(err)) == 0, "%s", err);
        r = pg_config_take_rules(&c);
        ck_assert_ptr_nonnull(r);
        ck_assert_ptr_null(c.rules);
        pg_config_free(&c);
        ck_assert_uint_eq(pg_rules_count(r), 1);
        pg_rules_free(r);
}
END_TEST

/* A broken file: the line the error must name and a word it must hold. */
static const struct {
        const char *text;
        int line;
        const char *word;
} broken[] = {
    /* 0 unknown option */
    {"threads = true\nthreds = true\n", 2, "threds"},
    /* 1 unknown option inside a rule */
    {"match \"a\" {\n  comm = {\"a\"}\n  cmd = {\"x\"}\n}\n", 3, "cmd"},
    /* 2 type error: a bool */
    {"# c\n\nchildren = 12\n", 3, "children"},
    /* 3 type error: a list where a string goes */
    {"procfs = {\"/proc\"}\n", 1, "{"},
    /* 4 empty rule */
    {"threads = true\nmatch \"idle\" {\n}\n", 2, "empty"},
    /* 5 bad regex, in the second rule */
    {"match \"a\" { comm = {\"a\"} }\nmatch \"b\" { cmdline = {\"(x\"} }\n", 2, "(x"},
    /* 6 unknown template variable */
    {"\nmatch \"{{.Bogus}}\" { comm = {\"a\"} }\n", 2, ".Bogus"},
    /* 7 a capture no regex defines */
    {"match \"{{.Matches.n}}\" { comm = {\"a\"} }\n", 1, "Matches.n"},
    /* 8 syntax error after comments (libconfuse miscounts comment lines) */
    {"# a\n// b\n/* c\n d */\nthreads = = true\n", 5, "="},
    /* 10 a multi-line rule: the line of its "match" */
    {"# x\nmatch \"m\" {\n  comm = {\"a\"}\n  cmdline = {\"[#\", \"x\"}\n}\n", 2, "[#"},
    /* 9 two rules with one name: refused, not merged into one */
    {"match \"{{.Comm}}\" { comm = {\"a\"} }\nmatch \"{{.Comm}}\" { comm = {\"b\"} }\n", 2,
     "{{.Comm}}"},
    /* kept_fds below -1 */
    {"threads = true\n# keep none?\nkept_fds = -2\n", 3, "kept_fds"},
    /* exit_buffer: no negative size, nothing past a GiB, and a bool */
    {"exit_records = true\nexit_buffer = -1\n", 2, "exit_buffer = -1"},
    {"exit_buffer = 1073741825\n", 1, "exit_buffer"},
    {"exit_records = 4096\n", 1, "exit_records"},
};

START_TEST(broken_file) {
        struct pg_config c = {.procfs = (char *)"untouched"};
        char err[512], want[400];
        int r;

        write_conf(broken[_i].text);
        r = pg_config_load(path, &c, err, sizeof(err));
        ck_assert_msg(r < 0, "case %d accepted", _i);
        /* *ret untouched on failure. */
        ck_assert_str_eq(c.procfs, "untouched");
        ck_assert_ptr_null(c.rules);
        snprintf(want, sizeof(want), "%s:%d: ", path, broken[_i].line);
        ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "case %d: want \"%s...\", got \"%s\"",
                      _i, want, err);
        ck_assert_msg(strstr(err, broken[_i].word), "case %d: no \"%s\" in \"%s\"", _i,
                      broken[_i].word, err);
        ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

START_TEST(unreadable_file) {
        struct pg_config c = {.procfs = (char *)"untouched"};
        char err[512], want[400];

        snprintf(want, sizeof(want), "%s/missing.conf", dir);
        ck_assert_int_eq(pg_config_load(want, &c, err, sizeof(err)), -ENOENT);
        ck_assert_str_eq(c.procfs, "untouched");
        ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got \"%s\"", err);
        ck_assert_msg(strstr(err, strerror(ENOENT)), "got \"%s\"", err);
        /* A directory is not a file either. */
        ck_assert_int_eq(pg_config_load(dir, &c, err, sizeof(err)), -EISDIR);
        ck_assert_str_eq(c.procfs, "untouched");
        ck_assert_msg(strncmp(err, dir, strlen(dir)) == 0, "got \"%s\"", err);
}
END_TEST

Suite *pg_test_suite(void) {
        Suite *s = suite_create("config");
        TCase *tc = tcase_create("load");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, valid_file);
        tcase_add_test(tc, defaults);
        tcase_add_test(tc, quoted_strings);
        tcase_add_test(tc, take_rules);
        tcase_add_loop_test(tc, broken_file, 0, (int)(sizeof(broken) / sizeof(broken[0])));
        tcase_add_test(tc, unreadable_file);
        suite_add_tcase(s, tc);
        return s;
}
