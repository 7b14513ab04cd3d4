/* SPDX-License-Identifier: MIT */
/* procgroups.conf through libconfuse; see conffile.h. */
#include "config.h"
#include "conffile.h"

#include <confuse.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "setup.h"
#include "yamlconf.h"

struct err_sink {
        const char *path;
        char *buf;
        size_t size;
        bool set;
};

/* libconfuse's error callback takes no user pointer: the sink of the
 * parse in progress. Config loads happen at start-up, one at a time. */
static struct err_sink *current_sink;

static void on_error_sink(cfg_t *cfg, const char *fmt, va_list ap) {
        struct err_sink *e = current_sink;
        char msg[512];

        if (!e || e->set)
                return;
        vsnprintf(msg, sizeof(msg), fmt, ap);
        if (cfg)
                snprintf(e->buf, e->size, "%s:%d: %s", e->path, cfg->line, msg);
        else
                snprintf(e->buf, e->size, "%s", msg);
        e->set = true;
}

/* libconfuse calls this when kept_fds is set, while it knows the line. */
static int validate_kept_fds(cfg_t *cfg, cfg_opt_t *opt) {
        long v = cfg_opt_getnint(opt, 0);

        if (v < -1 || v > 1000000) {
                cfg_error(cfg, "kept_fds = %ld: want -1 (none), 0 (auto) or a count up to 1000000",
                          v);
                return -1;
        }
        return 0;
}

static int validate_forget_after(cfg_t *cfg, cfg_opt_t *opt) {
        double v = cfg_opt_getnfloat(opt, 0);

        /* Written as !(in range): NaN is out. */
        if (!(v >= 0 && v <= PG_FORGET_AFTER_MAX)) {
                cfg_error(cfg, "forget_after = %g: want seconds from 0 (never forget) to %d", v,
                          PG_FORGET_AFTER_MAX);
                return -1;
        }
        return 0;
}

static int validate_cap(cfg_t *cfg, cfg_opt_t *opt) {
        long v = cfg_opt_getnint(opt, 0);

        if (v < 0 || v > PG_CAP_MAX) {
                cfg_error(cfg, "%s = %ld: want 0 (no cap) or a count up to %d", cfg_opt_name(opt),
                          v, PG_CAP_MAX);
                return -1;
        }
        return 0;
}

static int validate_exit_buffer(cfg_t *cfg, cfg_opt_t *opt) {
        long v = cfg_opt_getnint(opt, 0);

        if (v < 0 || v > PG_EXIT_BUFFER_MAX) {
                cfg_error(cfg,
                          "exit_buffer = %ld: want bytes from 0 (the default, 4 MiB) to %d (1 GiB)",
                          v, PG_EXIT_BUFFER_MAX);
                return -1;
        }
        return 0;
}

int pg_config_default(struct pg_config *ret) {
        struct pg_config c = {.opts = PG_TRACK_OPTS_DEFAULT};
        int r;

        c.procfs = strdup("/proc");
        if (!c.procfs)
                return -ENOMEM;
        r = pg_rules_new_default(&c.rules);
        if (r < 0) {
                free(c.procfs);
                return r;
        }
        *ret = c;
        return 0;
}

static size_t list_of(cfg_t *sec, const char *name, const char ***ret) {
        size_t n = cfg_size(sec, name);
        const char **v;

        *ret = NULL;
        if (n == 0)
                return 0;
        v = calloc(n, sizeof(*v));
        if (!v)
                return 0;
        for (size_t i = 0; i < n; i++)
                v[i] = cfg_getnstr(sec, name, (unsigned)i);
        *ret = v;
        return n;
}

/* Read path into a NUL-terminated buffer with its comments blanked out.
 * libconfuse 3.3 counts three lines for every '#' or '//' comment line
 * and two for a block comment, so that every error after one names the
 * wrong line; blanks keep the newlines and the columns. Strings are
 * left alone ("#" in a regex is no comment), delimited as libconfuse's
 * lexer does. */
static int read_uncommented(const char *path, char **ret) {
        struct stat sb;
        FILE *f;
        char *b, q = 0;
        size_t n;

        if (stat(path, &sb) < 0)
                return -errno;
        if (S_ISDIR(sb.st_mode))
                return -EISDIR; /* libconfuse's scanner would exit(2) */
        f = fopen(path, "re");
        if (!f)
                return -errno;
        b = malloc((size_t)sb.st_size + 1);
        n = b ? fread(b, 1, (size_t)sb.st_size, f) : 0;
        fclose(f);
        if (!b)
                return -ENOMEM;
        b[n] = '\0';
        for (size_t i = 0; i < n; i++) {
                if (q) {
                        const char *e;
                        /* libconfuse's lexer: a backslash takes the next
                         * byte in both kinds ('it\'s' is one string), and
                         * in double quotes "${VAR}" runs to the next '}'
                         * whatever it holds, quotes and newlines included. */
                        if (b[i] == '\\' && i + 1 < n)
                                i++;
                        else if (q == '"' && b[i] == '$' && b[i + 1] == '{' &&
                                 (e = memchr(b + i + 2, '}', n - i - 2)))
                                i = (size_t)(e - b);
                        else if (b[i] == q)
                                q = 0;
                } else if (b[i] == '"' || b[i] == '\'') {
                        q = b[i];
                } else if (b[i] == '#' || (b[i] == '/' && b[i + 1] == '/')) {
                        for (; i < n && b[i] != '\n'; i++)
                                b[i] = ' ';
                } else if (b[i] == '/' && b[i + 1] == '*') {
                        size_t j = i;
                        for (; j < n && !(b[j] == '*' && j > i + 1 && b[j + 1] == '/'); j++)
                                if (b[j] != '\n')
                                        b[j] = ' ';
                        if (j < n)
                                b[j] = b[j + 1] = ' ';
                        i = j + 1;
                }
        }
        *ret = b;
        return 0;
}

/* The line of the "match" that opens the rule libconfuse reports at line
 * (the line of the token after its '{', or of its '}'): the nearest line
 * at or above it holding "match" and the title. */
static int rule_line(const char *text, int line, const char *title) {
        const char *ls[64];
        int n = 0, cur = 1;

        for (const char *p = text; *p && cur <= line; cur++) {
                const char *e = strchr(p, '\n');
                if (cur > line - 64)
                        ls[n++] = p;
                if (!e)
                        break;
                p = e + 1;
        }
        for (int i = n - 1; i >= 0; i--) {
                const char *e = strchr(ls[i], '\n');
                size_t len = e ? (size_t)(e - ls[i]) : strlen(ls[i]);
                char buf[512];
                snprintf(buf, sizeof(buf), "%.*s", (int)len, ls[i]);
                if (strstr(buf, "match") && strstr(buf, title))
                        return line - (n - 1 - i);
        }
        return line;
}

static int add_rules(cfg_t *cfg, const char *path, const char *text, struct pg_rules *rules,
                     char *err, size_t errsz) {
        unsigned n = cfg_size(cfg, "match");

        for (unsigned i = 0; i < n; i++) {
                cfg_t *sec = cfg_getnsec(cfg, "match", i);
                const char *title = cfg_title(sec);
                const char **comm, **exe, **cmd;
                size_t nc = list_of(sec, "comm", &comm);
                size_t ne = list_of(sec, "exe", &exe);
                size_t nr = list_of(sec, "cmdline", &cmd);
                char msg[400];
                int r = 0;

                if (nc + ne + nr == 0) {
                        snprintf(err, errsz,
                                 "%s:%d: match \"%s\": empty rule (give comm, exe or cmdline)",
                                 path, rule_line(text, sec->line, title), title);
                        r = -EINVAL;
                } else {
                        r = pg_rules_add(rules, title, comm, nc, exe, ne, cmd, nr, msg,
                                         sizeof(msg));
                        if (r < 0)
                                snprintf(err, errsz, "%s:%d: %s", path,
                                         rule_line(text, sec->line, title), msg);
                }
                free(comm);
                free(exe);
                free(cmd);
                if (r < 0)
                        return r;
        }
        return 0;
}

int pg_config_load(const char *path, struct pg_config *ret, char *err, size_t errsz) {
        cfg_opt_t match_opts[] = {
            CFG_STR_LIST("comm", NULL, CFGF_NONE),
            CFG_STR_LIST("exe", NULL, CFGF_NONE),
            CFG_STR_LIST("cmdline", NULL, CFGF_NONE),
            CFG_END(),
        };
        cfg_opt_t opts[] = {
            CFG_STR("procfs", "/proc", CFGF_NONE),
            CFG_BOOL("threads", cfg_true, CFGF_NONE),
            CFG_BOOL("children", cfg_true, CFGF_NONE),
            CFG_BOOL("children_time", cfg_true, CFGF_NONE),
            CFG_BOOL("smaps", cfg_false, CFGF_NONE),
            CFG_INT("kept_fds", 0, CFGF_NONE),
            CFG_FLOAT("forget_after", PG_FORGET_AFTER_DEFAULT, CFGF_NONE),
            CFG_INT("max_groups", PG_MAX_GROUPS_DEFAULT, CFGF_NONE),
            CFG_INT("max_thread_names", PG_MAX_THREAD_NAMES_DEFAULT, CFGF_NONE),
            CFG_BOOL("kernel_group", cfg_true, CFGF_NONE),
            CFG_BOOL("thread_series", cfg_true, CFGF_NONE),
            CFG_BOOL("recheck", cfg_false, CFGF_NONE),
            CFG_BOOL("exit_records", cfg_true, CFGF_NONE),
            CFG_INT("exit_buffer", 0, CFGF_NONE),
            CFG_BOOL("netdata_apps_layout", cfg_false, CFGF_NONE),
            /* libconfuse merges sections of one title into one: two
             * rules named alike would silently become the last one. */
            CFG_SEC("match", match_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
            CFG_END(),
        };
        struct err_sink sink = {path, err, errsz, false};
        struct pg_config c = {.opts = PG_TRACK_OPTS_DEFAULT};
        char *text = NULL;
        cfg_t *cfg;
        int r;

        /* process-exporter's format, by the name's extension. */
        if (pg_yaml_path(path))
                return pg_yaml_load(path, ret, err, errsz);
        if (errsz)
                err[0] = '\0';
        cfg = cfg_init(opts, CFGF_NONE);
        if (!cfg)
                return -ENOMEM;
        r = read_uncommented(path, &text);
        if (r < 0) {
                snprintf(err, errsz, "%s: cannot read: %s", path, strerror(-r));
                goto out;
        }
        current_sink = &sink;
        cfg_set_error_function(cfg, on_error_sink);
        cfg_set_validate_func(cfg, "kept_fds", validate_kept_fds);
        cfg_set_validate_func(cfg, "forget_after", validate_forget_after);
        cfg_set_validate_func(cfg, "max_groups", validate_cap);
        cfg_set_validate_func(cfg, "max_thread_names", validate_cap);
        cfg_set_validate_func(cfg, "exit_buffer", validate_exit_buffer);
        r = cfg_parse_buf(cfg, text);
        current_sink = NULL;
        if (r != CFG_SUCCESS) {
                if (!sink.set)
                        snprintf(err, errsz, "%s: parse error", path);
                r = -EINVAL;
                goto out;
        }
        c.procfs = strdup(cfg_getstr(cfg, "procfs"));
        c.opts.threads = cfg_getbool(cfg, "threads");
        c.opts.children = cfg_getbool(cfg, "children");
        c.opts.children_time = cfg_getbool(cfg, "children_time");
        c.opts.smaps = cfg_getbool(cfg, "smaps");
        c.opts.kept_fds = (int)cfg_getint(cfg, "kept_fds");
        c.opts.forget_after = cfg_getfloat(cfg, "forget_after");
        c.opts.max_groups = (uint32_t)cfg_getint(cfg, "max_groups");
        c.opts.max_thread_names = (uint32_t)cfg_getint(cfg, "max_thread_names");
        c.opts.kernel_group = cfg_getbool(cfg, "kernel_group");
        c.opts.thread_series = cfg_getbool(cfg, "thread_series");
        c.opts.recheck = cfg_getbool(cfg, "recheck");
        c.opts.exit_records = cfg_getbool(cfg, "exit_records");
        c.opts.exit_buffer = (int)cfg_getint(cfg, "exit_buffer");
        c.netdata_apps_layout = cfg_getbool(cfg, "netdata_apps_layout");
        r = -ENOMEM;
        if (!c.procfs)
                goto out;
        if (cfg_size(cfg, "match") == 0) {
                r = pg_rules_new_default(&c.rules);
        } else {
                r = pg_rules_new(&c.rules);
                if (r == 0)
                        r = add_rules(cfg, path, text, c.rules, err, errsz);
        }
        if (r < 0)
                goto out;
        *ret = c;
        c = (struct pg_config){0};
        r = 0;
out:
        free(text);
        pg_config_free(&c);
        cfg_free(cfg);
        return r;
}

struct pg_rules *pg_config_take_rules(struct pg_config *c) {
        struct pg_rules *r = c->rules;

        c->rules = NULL;
        return r;
}

void pg_config_free(struct pg_config *c) {
        if (!c)
                return;
        free(c->procfs);
        pg_rules_free(c->rules);
        c->procfs = NULL;
        c->rules = NULL;
}
