/* SPDX-License-Identifier: MIT */
/* Tests of process-exporter's YAML config (common/yamlconf.c): every key
 * and default with the exporter's semantics, then a table of broken and
 * hostile files, each refused with "FILE:LINE:COL: message". */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/check_main.h"
#include "common/conffile.h"
#include "common/yamlconf.h"

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

static int load(const char *text, struct pg_config *c, char *err, size_t errsz) {
        return pg_yaml_load_text("t.yml", text, strlen(text), c, err, errsz);
}

START_TEST(every_key) {
        struct pg_config c;
        char err[512];
        const char *y = "# the exporter's README example, and more\n"
                        "process_names:\n"
                        "  - comm:\n"
                        "    - bash\n"
                        "  - exe:\n"
                        "    - postgres\n"
                        "    - /usr/local/bin/prometheus\n"
                        "  - name: \"{{.ExeFull}}:{{.Matches.Cfgfile}}\"\n"
                        "    exe:\n"
                        "    - /usr/local/bin/process-exporter\n"
                        "    cmdline:\n"
                        "    - -config.path\\s+(?P<Cfgfile>\\S+)\n"
                        "  - name: \"both\"\n"
                        "    cmdline: ['--a', '--b']\n"
                        "  - name: '{{ .Comm }}-{{- \" x\" -}}'\n"
                        "    comm: [zsh]\n"
                        "  - name: 'idx:{{index .Matches \"w\"}}'\n"
                        "    comm: [top]\n"
                        "    cmdline: ['-d (?P<w>\\d+)']\n";

        /* Go's trim markers are refused inside a string action: the name
         * above has one, so drop it and keep the rest. */
        ck_assert_int_eq(load(y, &c, err, sizeof(err)), -EINVAL);
        ck_assert_msg(strstr(err, "t.yml:15:11:") && strstr(err, "unsupported"), "%s", err);
        y = "process_names:\n"
            "  - comm:\n"
            "    - bash\n"
            "  - exe:\n"
            "    - postgres\n"
            "    - /usr/local/bin/prometheus\n"
            "  - name: \"{{.ExeFull}}:{{.Matches.Cfgfile}}\"\n"
            "    exe:\n"
            "    - /usr/local/bin/process-exporter\n"
            "    cmdline:\n"
            "    - -config.path\\s+(?P<Cfgfile>\\S+)\n"
            "  - name: \"both\"\n"
            "    cmdline: ['--a', '--b']\n"
            "  - name: '{{ .Comm }} {{- /* trimmed */ -}} !'\n"
            "    comm: [zsh]\n"
            "  - name: 'idx:{{index .Matches \"w\"}}'\n"
            "    comm: [top]\n"
            "    cmdline: ['-d (?P<w>\\d+)']\n";
        ck_assert_msg(load(y, &c, err, sizeof(err)) == 0, "%s", err);
        ck_assert_uint_eq(pg_rules_count(c.rules), 6);
        ck_assert(!c.opts.kernel_group);
        ck_assert(c.opts.threads && c.opts.thread_series && !c.opts.recheck);
        ck_assert_str_eq(c.procfs, "/proc");
        /* comm exact; the default name is {{.ExeBase}}. */
        ck_assert_str_eq(MATCH(&c, "bash", "/bin/bash\0-l"), "bash");
        ck_assert_str_eq(MATCH(&c, "bash", "-bash"), "-bash");
        /* exe without '/': argv[0]'s base; with one: the whole argv[0]. */
        ck_assert_str_eq(MATCH(&c, "x", "/usr/lib/postgresql/bin/postgres\0-D"), "postgres");
        ck_assert_str_eq(MATCH(&c, "x", "/usr/local/bin/prometheus"), "prometheus");
        ck_assert_str_eq(MATCH(&c, "x", "/opt/prometheus"), "");
        /* exe AND cmdline, named captures in the template. */
        ck_assert_str_eq(MATCH(&c, "p", "/usr/local/bin/process-exporter\0-config.path\0/e/c.yml"),
                         "/usr/local/bin/process-exporter:/e/c.yml");
        ck_assert_str_eq(MATCH(&c, "p", "/usr/local/bin/process-exporter\0-x"), "");
        /* every cmdline regex must match. */
        ck_assert_str_eq(MATCH(&c, "q", "q\0--a\0--b"), "both");
        ck_assert_str_eq(MATCH(&c, "q", "q\0--a"), "");
        /* spaces in braces, trim markers and a comment. */
        ck_assert_str_eq(MATCH(&c, "zsh", "zsh"), "zsh!");
        ck_assert_str_eq(MATCH(&c, "top", "top\0-d\0003"), "idx:3");
        pg_config_free(&c);
}
END_TEST

START_TEST(empty_and_null) {
        struct pg_config c;
        char err[512];

        /* An empty file, a null process_names, an empty list: no rules
         * (nothing matches), as the exporter reads them. */
        ck_assert_msg(load("", &c, err, sizeof(err)) == 0, "%s", err);
        ck_assert_uint_eq(pg_rules_count(c.rules), 0);
        pg_config_free(&c);
        ck_assert_msg(load("process_names:\n", &c, err, sizeof(err)) == 0, "%s", err);
        ck_assert_uint_eq(pg_rules_count(c.rules), 0);
        pg_config_free(&c);
        ck_assert_msg(load("process_names: []\n", &c, err, sizeof(err)) == 0, "%s", err);
        ck_assert_uint_eq(pg_rules_count(c.rules), 0);
        pg_config_free(&c);
        /* name: null (or empty) is the default name; exe: null is no exe. */
        ck_assert_msg(
            load("process_names:\n - name:\n   comm: [a]\n   exe: ~\n", &c, err, sizeof(err)) == 0,
            "%s", err);
        ck_assert_str_eq(MATCH(&c, "a", "/x/y"), "y");
        ck_assert_str_eq(MATCH(&c, "a", ""), "a");
        pg_config_free(&c);
}
END_TEST

START_TEST(cgroups_name) {
        struct pg_config c;
        char err[512];

        ck_assert_msg(load("process_names:\n - name: 'c{{.Cgroups}}'\n   comm: [a]\n", &c, err,
                           sizeof(err)) == 0,
                      "%s", err);
        /* Without a procfs to read, as on a read error: Go's empty slice. */
        ck_assert_str_eq(MATCH(&c, "a", "a"), "c[]");
        pg_config_free(&c);
}
END_TEST

static const struct {
        const char *text;
        const char *want; /* in the message, after "t.yml:" */
} bad[] = {
    {"process_names:\n  - comm: [a]\n    bogus: 1\n", "3:5: unknown key \"bogus\""},
    {"process_names:\n  - comm: [a]\n    comm: [b]\n", "3:5: key \"comm\" given twice"},
    {"process_names: []\nprocess_names: []\n", "2:1: process_names given twice"},
    {"procnames: []\n", "1:1: unknown top-level key \"procnames\""},
    {"process_names:\n  - name: x\n", "2:5: process_names entry without a selector"},
    {"process_names:\n  - comm: []\n", "2:11: comm: empty list"},
    {"process_names:\n  - comm: bash\n", "2:11: comm: want a list of strings"},
    {"process_names:\n  - comm: [[a]]\n", "2:12: comm: want a string"},
    {"process_names:\n  - name: [x]\n    comm: [a]\n", "2:11: name: want a string"},
    {"process_names: {a: 1}\n", "1:16: process_names: want a list of matchers"},
    {"process_names:\n  - bash\n", "2:5: a process_names entry must be a mapping"},
    {"- a\n", "1:1: the top level must be a mapping"},
    {"process_names:\n  - cmdline: ['(']\n", "2:5: rule \"{{.ExeBase}}\": cmdline regex"},
    {"process_names:\n  - name: '{{.Nope}}'\n    comm: [a]\n",
     "2:11: rule \"{{.Nope}}\": unknown template variable"},
    {"process_names:\n  - name: '{{.Comm | printf \"%s\"}}'\n    comm: [a]\n",
     "2:11: rule \"{{.Comm | printf \"%s\"}}\": unsupported template action"},
    {"process_names:\n  - name: '{{.Matches.X}}'\n    comm: [a]\n",
     "2:11: rule \"{{.Matches.X}}\""},
    {"process_names:\n  - name: \"a\\0b\"\n    comm: [a]\n", "2:11: name: NUL byte"},
    {"process_names: []\n---\nprocess_names: []\n", "2:1: more than one YAML document"},
    /* Anchors and aliases: the billion laughs stop at the first anchor. */
    {"process_names:\n  - comm: &a [x, x]\n  - comm: &b [*a, *a]\n  - comm: [*b, *b]\n",
     "2:11: YAML anchors and aliases"},
    {"process_names: &a []\n", "1:16: YAML anchors and aliases"},
    {"process_names:\n  - comm: *a\n", "2:11: YAML anchors and aliases"},
    /* A tab in the indentation, bad UTF-8: libyaml's own words. */
    {"process_names:\n\t- comm: [a]\n", "2:1: found character that cannot start any token"},
    {"process_names:\n  - comm: [\"\xff\"]\n", "1:1: invalid leading UTF-8 octet"},
    /* Deep nesting stops at the first level out of place. */
    {"process_names:\n  - comm: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
     "2:12: comm: want a string"},
};

START_TEST(refused) {
        struct pg_config c = {0};
        char err[512], want[256];
        int r = load(bad[_i].text, &c, err, sizeof(err));

        ck_assert_msg(r == -EINVAL, "#%d: loaded (%d): %s", _i, r, bad[_i].text);
        snprintf(want, sizeof(want), "t.yml:%s", bad[_i].want);
        ck_assert_msg(strstr(err, want), "#%d: got \"%s\", want \"%s\"", _i, err, want);
        ck_assert_ptr_null(c.rules);
}
END_TEST

START_TEST(bounds) {
        size_t n = PG_YAML_MAX_BYTES + 1, len = 0;
        char *big = malloc(n + 1), err[512];
        struct pg_config c;
        int r;

        ck_assert_ptr_nonnull(big);
        memset(big, '#', n);
        big[n] = '\0';
        ck_assert_int_eq(load(big, &c, err, sizeof(err)), -EFBIG);
        ck_assert_msg(strstr(err, "larger than"), "%s", err);
        /* One rule past the cap, in a file under the size cap. */
        len = (size_t)snprintf(big, n, "process_names:\n");
        for (int i = 0; i <= PG_YAML_MAX_RULES; i++)
                len += (size_t)snprintf(big + len, n - len, "- comm: [a]\n");
        r = load(big, &c, err, sizeof(err));
        ck_assert_msg(r == -EINVAL && strstr(err, "more than 10000 entries"), "%d %s", r, err);
        ck_assert_msg(strstr(err, "t.yml:10002:3:"), "%s", err);
        free(big);
}
END_TEST

START_TEST(by_extension) {
        char dir[] = "/tmp/check_yamlconf.XXXXXX", path[64], err[512];
        struct pg_config c;
        FILE *f;

        ck_assert(pg_yaml_path("a.yml") && pg_yaml_path("/x/a.yaml"));
        ck_assert(!pg_yaml_path("a.conf") && !pg_yaml_path(".yml") && !pg_yaml_path("yaml"));
        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/c.yaml", dir);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs("process_names:\n  - comm: [bash]\n", f);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_msg(pg_config_load(path, &c, err, sizeof(err)) == 0, "%s", err);
        ck_assert_uint_eq(pg_rules_count(c.rules), 1);
        pg_config_free(&c);
        unlink(path);
        /* A directory named .yml is no file. */
        snprintf(path, sizeof(path), "%s/d.yml", dir);
        ck_assert_int_eq(mkdir(path, 0700), 0);
        ck_assert_int_lt(pg_config_load(path, &c, err, sizeof(err)), 0);
        ck_assert_msg(strstr(err, "cannot read"), "%s", err);
        rmdir(path);
        rmdir(dir);
}
END_TEST

Suite *pg_test_suite(void) {
        Suite *s = suite_create("yamlconf");
        TCase *tc = tcase_create("yamlconf");

        tcase_add_test(tc, every_key);
        tcase_add_test(tc, empty_and_null);
        tcase_add_test(tc, cgroups_name);
        tcase_add_loop_test(tc, refused, 0, (int)(sizeof(bad) / sizeof(bad[0])));
        tcase_add_test(tc, bounds);
        tcase_add_test(tc, by_extension);
        suite_add_tcase(s, tc);
        return s;
}
