/* SPDX-License-Identifier: MIT */
/* The <Plugin procgroups> block: options in collectd's style, rules for
 * the matcher. Every error names the option, so that `collectd -T` says
 * what is wrong; the block is read to the end so all errors show at once. */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/daemon/configfile.h"

#include "plugin/collectd_conf.h"

#include "common/setup.h"

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
        for (size_t i = 0; i < c->nnamed; i++)
                free(c->named[i].name);
        free(c->named);
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

/* The processes plugin's switches: their PG_CD_* bit, 0 for
 * CollectDelayAccounting (accepted, collected by no one here), -1 for
 * another option. */
static int processes_option(const char *key) {
        static const struct {
                const char *key;
                int bit;
        } keys[] = {{"CollectFileDescriptor", PG_CD_FDS},
                    {"CollectContextSwitch", PG_CD_CTX},
                    {"CollectMemoryMaps", PG_CD_MAPS},
                    {"CollectDelayAccounting", 0}};
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
                if (strcasecmp(key, keys[i].key) == 0)
                        return keys[i].bit;
        return -1;
}

/* Set or clear the bit of a processes switch in *flags. */
static int processes_switch(const oconfig_item_t *ci, int bit, unsigned *flags) {
        bool b;

        if (cf_util_get_boolean(ci, &b) != 0) {
                ERROR(P "option \"%s\" needs a boolean (true or false)", ci->key);
                return -1;
        }
        if (bit == 0) {
                if (b)
                        WARNING(P "option \"%s\": procgroups has no delay accounting "
                                  "(taskstats); no delay_rate values are sent",
                                ci->key);
                return 0;
        }
        if (b)
                *flags |= (unsigned)bit;
        else
                *flags &= ~(unsigned)bit;
        return 0;
}

static int add_named(struct pg_cd_conf *c, const char *name, unsigned flags) {
        struct pg_cd_collect *v = realloc(c->named, (c->nnamed + 1) * sizeof(*v));

        if (!v)
                return -1;
        c->named = v;
        v[c->nnamed].name = strdup(name);
        if (!v[c->nnamed].name)
                return -1;
        v[c->nnamed++].flags = flags;
        return 0;
}

unsigned pg_cd_conf_collect(const struct pg_cd_conf *c, const char *name) {
        for (size_t i = 0; i < c->nnamed; i++)
                if (strcmp(c->named[i].name, name) == 0)
                        return c->named[i].flags;
        return c->collect;
}

bool pg_cd_conf_any_maps(const struct pg_cd_conf *c) {
        bool any = c->collect & PG_CD_MAPS;

        for (size_t i = 0; i < c->nnamed; i++)
                any = any || (c->named[i].flags & PG_CD_MAPS);
        return any;
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
 * ProcessMatch "name" "regex": the regex matches the space-joined argv.
 * Either may be a block of the processes plugin's switches. */
static int conf_process(struct pg_cd_conf *c, const oconfig_item_t *ci, bool is_match) {
        struct sel s = {0};
        const char *name = first_string(ci, is_match ? 2 : 1), *re;
        unsigned flags = c->collect;

        if (!name)
                return -1;
        for (int i = 0; i < ci->children_num; i++) {
                const oconfig_item_t *ch = &ci->children[i];
                int bit = processes_option(ch->key);
                if (bit < 0) {
                        ERROR(P "unknown option \"%s\" in <%s \"%s\"> (CollectFileDescriptor, "
                                "CollectContextSwitch, CollectMemoryMaps or "
                                "CollectDelayAccounting)",
                              ch->key, ci->key, name);
                        return -1;
                }
                if (processes_switch(ch, bit, &flags) != 0)
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
        if (add_named(c, name, flags) < 0) {
                ERROR(P "option \"%s\" \"%s\": out of memory", ci->key, name);
                return -1;
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

static int conf_exit_buffer(const oconfig_item_t *ci, int *ret) {
        double v;

        if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_NUMBER ||
            !((v = ci->values[0].value.number) >= 0 && v <= PG_EXIT_BUFFER_MAX) ||
            v != (double)(int)v) {
                ERROR(P "option \"%s\" needs bytes from 0 (the default, 4 MiB) to %d (1 GiB)",
                      ci->key, PG_EXIT_BUFFER_MAX);
                return -1;
        }
        *ret = (int)v;
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
        if (strcasecmp(k, "ExitRecords") == 0)
                return conf_bool(ci, &c->opts.exit_records);
        if (strcasecmp(k, "ExitBuffer") == 0)
                return conf_exit_buffer(ci, &c->opts.exit_buffer);
        if (strcasecmp(k, "Match") == 0)
                return conf_match(c, ci);
        if (strcasecmp(k, "Process") == 0)
                return conf_process(c, ci, false);
        if (strcasecmp(k, "ProcessMatch") == 0)
                return conf_process(c, ci, true);
        if (processes_option(k) >= 0)
                return processes_switch(ci, processes_option(k), &c->collect);
        ERROR(P "unknown option \"%s\" (known: ProcFS, CollectThreads, Children, ChildrenTime, "
                "CollectSmaps, KeptFiles, ForgetAfter, MaxGroups, MaxThreadNames, KernelGroup, "
                "ExitRecords, ExitBuffer, Match, Process, ProcessMatch, CollectFileDescriptor, "
                "CollectContextSwitch, "
                "CollectMemoryMaps, CollectDelayAccounting)",
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
