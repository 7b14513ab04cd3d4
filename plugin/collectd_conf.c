/* The <Plugin procgroups> block: options in collectd's style, rules for
 * the matcher. Every error names the option, so that `collectd -T` says
 * what is wrong; the block is read to the end so all errors show at once. */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/daemon/configfile.h"

#include "plugin/collectd_conf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define P "procgroups plugin: "

/* The selectors of one rule, borrowed from the config tree. */
struct sel {
        const char **comm, **exe, **cmdline;
        size_t ncomm, nexe, ncmdline;
};

void pg_cd_conf_init(struct pg_cd_conf *c) {
        struct pg_track_opts def = PG_TRACK_OPTS_DEFAULT;

        memset(c, 0, sizeof(*c));
        c->opts = def;
}

void pg_cd_conf_free(struct pg_cd_conf *c) {
        free(c->procfs);
        pg_rules_free(c->rules);
        pg_cd_conf_init(c);
}

static void sel_free(struct sel *s) {
        free(s->comm);
        free(s->exe);
        free(s->cmdline);
}

/* Append the string values of ci to *list. The strings stay owned by the
 * config tree, which outlives the pg_rules_add() call. */
static int append_strings(const oconfig_item_t *ci, const char ***list, size_t *n) {
        const char **l;

        if (ci->values_num < 1) {
                ERROR(P "option \"%s\" needs at least one string argument", ci->key);
                return -1;
        }
        for (int i = 0; i < ci->values_num; i++)
                if (ci->values[i].type != OCONFIG_TYPE_STRING) {
                        ERROR(P "option \"%s\": argument %d is not a string", ci->key, i + 1);
                        return -1;
                }
        l = realloc(*list, (*n + (size_t)ci->values_num) * sizeof(*l));
        if (!l) {
                ERROR(P "option \"%s\": out of memory", ci->key);
                return -1;
        }
        for (int i = 0; i < ci->values_num; i++)
                l[(*n)++] = ci->values[i].value.string;
        *list = l;
        return 0;
}

static int add_rule(struct pg_cd_conf *c, const char *opt, const char *tmpl, const struct sel *s) {
        char err[256] = "";
        int r;

        if (!c->rules && pg_rules_new(&c->rules) < 0) {
                ERROR(P "option \"%s\": out of memory", opt);
                return -1;
        }
        r = pg_rules_add(c->rules, tmpl, s->comm, s->ncomm, s->exe, s->nexe, s->cmdline,
                         s->ncmdline, err, sizeof(err));
        if (r < 0) {
                ERROR(P "option \"%s\" \"%s\": %s", opt, tmpl, err[0] ? err : strerror(-r));
                return -1;
        }
        return 0;
}

/* The per-process switches of collectd's processes plugin, accepted so that
 * its block can be renamed to ours: procgroups always collects these. */
static bool is_processes_option(const char *key) {
        static const char *const keys[] = {"CollectFileDescriptor", "CollectContextSwitch",
                                           "CollectMemoryMaps", "CollectDelayAccounting"};
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
                if (strcasecmp(key, keys[i]) == 0)
                        return true;
        return false;
}

static int ignore_processes_option(const oconfig_item_t *ci) {
        bool b;

        if (cf_util_get_boolean(ci, &b) != 0) {
                ERROR(P "option \"%s\" needs a boolean", ci->key);
                return -1;
        }
        NOTICE(P "option \"%s\" of the processes plugin is ignored: procgroups always "
                 "collects what it names",
               ci->key);
        return 0;
}

/* The name of a block or a line: its first value, a string. */
static const char *first_string(const oconfig_item_t *ci, int want) {
        if (ci->values_num != want) {
                ERROR(P "option \"%s\" needs exactly %d string argument%s", ci->key, want,
                      want == 1 ? "" : "s");
                return NULL;
        }
        for (int i = 0; i < want; i++)
                if (ci->values[i].type != OCONFIG_TYPE_STRING) {
                        ERROR(P "option \"%s\": argument %d is not a string", ci->key, i + 1);
                        return NULL;
                }
        return ci->values[0].value.string;
}

/* <Match "template"> Comm "a" "b"; Exe "x"; Cmdline "re" </Match> */
static int conf_match(struct pg_cd_conf *c, const oconfig_item_t *ci) {
        struct sel s = {0};
        const char *tmpl = first_string(ci, 1);
        int r = tmpl ? 0 : -1;

        for (int i = 0; r == 0 && i < ci->children_num; i++) {
                const oconfig_item_t *ch = &ci->children[i];

                if (strcasecmp(ch->key, "Comm") == 0)
                        r = append_strings(ch, &s.comm, &s.ncomm);
                else if (strcasecmp(ch->key, "Exe") == 0)
                        r = append_strings(ch, &s.exe, &s.nexe);
                else if (strcasecmp(ch->key, "Cmdline") == 0)
                        r = append_strings(ch, &s.cmdline, &s.ncmdline);
                else {
                        ERROR(P "unknown option \"%s\" in <Match \"%s\"> (Comm, Exe or Cmdline)",
                              ch->key, tmpl);
                        r = -1;
                }
        }
        if (r == 0)
                r = add_rule(c, "Match", tmpl, &s);
        sel_free(&s);
        return r;
}

/* Process "name": the comm equals name, as in collectd's processes plugin.
 * ProcessMatch "name" "regex": the regex matches the space-joined argv. */
static int conf_process(struct pg_cd_conf *c, const oconfig_item_t *ci, bool is_match) {
        struct sel s = {0};
        const char *name = first_string(ci, is_match ? 2 : 1), *re;

        if (!name)
                return -1;
        for (int i = 0; i < ci->children_num; i++) {
                const oconfig_item_t *ch = &ci->children[i];
                if (!is_processes_option(ch->key)) {
                        ERROR(P "unknown option \"%s\" in <%s \"%s\">", ch->key, ci->key, name);
                        return -1;
                }
                if (ignore_processes_option(ch) != 0)
                        return -1;
        }
        if (is_match) {
                re = ci->values[1].value.string;
                s.cmdline = &re;
                s.ncmdline = 1;
        } else {
                s.comm = &name;
                s.ncomm = 1;
        }
        return add_rule(c, is_match ? "ProcessMatch" : "Process", name, &s);
}

static int conf_bool(const oconfig_item_t *ci, bool *ret) {
        if (cf_util_get_boolean(ci, ret) != 0) {
                ERROR(P "option \"%s\" needs a boolean (true or false)", ci->key);
                return -1;
        }
        return 0;
}

static int conf_kept(const oconfig_item_t *ci, int *ret) {
        double v;

        if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_NUMBER ||
            (v = ci->values[0].value.number) < -1 || v > 1000000 || v != (double)(int)v) {
                ERROR(P "option \"%s\" needs -1 (none), 0 (auto) or a count up to 1000000",
                      ci->key);
                return -1;
        }
        *ret = (int)v;
        return 0;
}

static int conf_forget(const oconfig_item_t *ci, double *ret) {
        double v;

        /* Written as !(in range): NaN is out. */
        if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_NUMBER ||
            !((v = ci->values[0].value.number) >= 0 && v <= PG_FORGET_AFTER_MAX)) {
                ERROR(P "option \"%s\" needs seconds from 0 (never forget) to %d", ci->key,
                      PG_FORGET_AFTER_MAX);
                return -1;
        }
        *ret = v;
        return 0;
}

static int conf_cap(const oconfig_item_t *ci, uint32_t *ret) {
        double v;

        if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_NUMBER ||
            !((v = ci->values[0].value.number) >= 0 && v <= PG_CAP_MAX) ||
            v != (double)(uint32_t)v) {
                ERROR(P "option \"%s\" needs 0 (no cap) or a count up to %d", ci->key, PG_CAP_MAX);
                return -1;
        }
        *ret = (uint32_t)v;
        return 0;
}

static int conf_procfs(struct pg_cd_conf *c, const oconfig_item_t *ci) {
        char *s = NULL;

        if (cf_util_get_string(ci, &s) != 0 || !s || !s[0]) {
                ERROR(P "option \"%s\" needs a directory name", ci->key);
                free(s);
                return -1;
        }
        free(c->procfs);
        c->procfs = s;
        return 0;
}

static int conf_one(struct pg_cd_conf *c, const oconfig_item_t *ci) {
        const char *k = ci->key;

        if (strcasecmp(k, "ProcFS") == 0)
                return conf_procfs(c, ci);
        if (strcasecmp(k, "CollectThreads") == 0)
                return conf_bool(ci, &c->opts.threads);
        if (strcasecmp(k, "Children") == 0)
                return conf_bool(ci, &c->opts.children);
        if (strcasecmp(k, "ChildrenTime") == 0)
                return conf_bool(ci, &c->opts.children_time);
        if (strcasecmp(k, "CollectSmaps") == 0)
                return conf_bool(ci, &c->opts.smaps);
        if (strcasecmp(k, "KeptFiles") == 0)
                return conf_kept(ci, &c->opts.kept_fds);
        if (strcasecmp(k, "ForgetAfter") == 0)
                return conf_forget(ci, &c->opts.forget_after);
        if (strcasecmp(k, "MaxGroups") == 0)
                return conf_cap(ci, &c->opts.max_groups);
        if (strcasecmp(k, "MaxThreadNames") == 0)
                return conf_cap(ci, &c->opts.max_thread_names);
        if (strcasecmp(k, "KernelGroup") == 0)
                return conf_bool(ci, &c->opts.kernel_group);
        if (strcasecmp(k, "Match") == 0)
                return conf_match(c, ci);
        if (strcasecmp(k, "Process") == 0)
                return conf_process(c, ci, false);
        if (strcasecmp(k, "ProcessMatch") == 0)
                return conf_process(c, ci, true);
        if (is_processes_option(k))
                return ignore_processes_option(ci);
        ERROR(
            P
            "unknown option \"%s\" (known: ProcFS, CollectThreads, Children, ChildrenTime, "
            "CollectSmaps, KeptFiles, ForgetAfter, MaxGroups, MaxThreadNames, KernelGroup, Match, "
            "Process, ProcessMatch)",
            k);
        return -1;
}

int pg_cd_conf_apply(struct pg_cd_conf *c, const struct oconfig_item_s *ci) {
        int ret = 0;

        for (int i = 0; i < ci->children_num; i++)
                if (conf_one(c, &ci->children[i]) != 0)
                        ret = -1;
        if (ret != 0)
                c->failed = true;
        return ret;
}
