/* procgroups.conf through libconfuse; see conffile.h. */
#include "config.h"
#include "conffile.h"

#include <confuse.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct err_sink {
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
        if (cfg && cfg->filename)
                snprintf(e->buf, e->size, "%s:%d: %s", cfg->filename, cfg->line, msg);
        else
                snprintf(e->buf, e->size, "%s", msg);
        e->set = true;
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

static int add_rules(cfg_t *cfg, const char *path, struct pg_rules *rules, char *err,
                     size_t errsz) {
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
                                 path, sec->line, title);
                        r = -EINVAL;
                } else {
                        r = pg_rules_add(rules, title, comm, nc, exe, ne, cmd, nr, msg,
                                         sizeof(msg));
                        if (r < 0)
                                snprintf(err, errsz, "%s:%d: %s", path, sec->line, msg);
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
            CFG_SEC("match", match_opts, CFGF_MULTI | CFGF_TITLE),
            CFG_END(),
        };
        struct err_sink sink = {err, errsz, false};
        struct pg_config c = {0};
        cfg_t *cfg;
        int r;

        if (errsz)
                err[0] = '\0';
        cfg = cfg_init(opts, CFGF_NONE);
        if (!cfg)
                return -ENOMEM;
        current_sink = &sink;
        cfg_set_error_function(cfg, on_error_sink);
        r = cfg_parse(cfg, path);
        current_sink = NULL;
        if (r == CFG_FILE_ERROR) {
                r = -errno ? -errno : -ENOENT;
                snprintf(err, errsz, "%s: cannot read: %s", path, strerror(-r));
                goto out;
        }
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
        r = -ENOMEM;
        if (!c.procfs)
                goto out;
        if (cfg_size(cfg, "match") == 0) {
                r = pg_rules_new_default(&c.rules);
        } else {
                r = pg_rules_new(&c.rules);
                if (r == 0)
                        r = add_rules(cfg, path, c.rules, err, errsz);
        }
        if (r < 0)
                goto out;
        *ret = c;
        c = (struct pg_config){0};
        r = 0;
out:
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
