/* SPDX-License-Identifier: MIT */
/* procgroups.so: the collectd face. Thin: the config block in, one scan of
 * the tracker per read, value lists out (collectd-procgroups(5) lists the identifiers).
 *
 * This file includes collectd's headers, not our config.h: collectd.h pulls
 * in collectd's own config.h, whose PACKAGE_* would clash with ours. The
 * version comes from -DPG_VERSION on the command line (Makefile.am). */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/proc.h"
#include "common/sat.h"
#include "common/setup.h"
#include "common/track.h"
#include "plugin/collectd_conf.h"

#ifndef PG_VERSION
#error "PG_VERSION must be defined on the command line for the collectd plugin"
#endif

#define P      "procgroups plugin: "
#define PLUGIN "procgroups"
/* The plugin's own figures; a group whose name becomes this is skipped. */
#define SELF "_self"
/* Hard errors logged per read at most; the rest are only counted. */
#define MAX_LOG 3
/* The second read callback: it only takes the exit records queued since
 * the last drain, once a second whatever the read interval, so that a
 * burst of exits between two reads (10 s by default) never overflows the
 * listener's socket. */
#define DRAIN   "procgroups_drain"
#define DRAIN_S 1

/* A group's identifier: its name made safe for plugin_instance. */
struct ident {
        char safe[DATA_MAX_NAME_LEN];
        size_t idx; /* in the tracker's group array */
        bool skip;  /* collides with an earlier group, or with SELF */
};

/* collectd runs read callbacks on several threads: the read and the drain
 * may come at once, and the tracker is not thread-safe. Outside g, which
 * shutdown clears. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static struct {
        struct pg_cd_conf conf;
        bool conf_ready; /* pg_cd_conf_init ran */
        struct pg_tracker *tracker;
        /* Totals over all reads: the tracker's figures are per scan, the
         * values we send are DERIVE, so they must never go back. */
        uint64_t vanished, hidden, soft_errors, hard_errors;
        unsigned logged; /* hard errors logged during this read */
        struct ident *ids;
        size_t ids_cap;
        char **warned; /* group names whose collision was logged, sorted */
        size_t nwarned;
        bool overflow_logged; /* a cap was hit and said so */
        bool drain_registered;
} g;

static void conf_ready(void) {
        if (!g.conf_ready) {
                pg_cd_conf_init(&g.conf);
                g.conf_ready = true;
        }
}

/* Copy a group name into a plugin_instance: at most DATA_MAX_NAME_LEN - 1
 * bytes, cut at a UTF-8 character boundary; '/' (the identifier separator
 * of writers like csv and rrdtool) and control bytes become '_'; an empty
 * name becomes "_" (an empty plugin_instance means "no instance"). */
static void make_safe(const char *in, char out[DATA_MAX_NAME_LEN]) {
        size_t n = strlen(in);

        if (n > DATA_MAX_NAME_LEN - 1) {
                n = DATA_MAX_NAME_LEN - 1;
                /* Back off continuation bytes (10xxxxxx) and the lead byte
                 * whose sequence the cut would split. */
                while (n > 0 && ((unsigned char)in[n] & 0xC0) == 0x80)
                        n--;
        }
        for (size_t i = 0; i < n; i++) {
                unsigned char ch = (unsigned char)in[i];
                out[i] = (ch == '/' || ch < 0x20 || ch == 0x7f) ? '_' : (char)ch;
        }
        out[n] = '\0';
        if (n == 0)
                strcpy(out, "_");
}

static int cmp_ident(const void *a, const void *b) {
        const struct ident *x = a, *y = b;
        int r = strcmp(x->safe, y->safe);

        if (r != 0)
                return r;
        return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Log a collision once per skipped group: groups persist, so the same
 * collision comes back at every read. */
static void warn_collision(const char *name, const char *safe, const char *other) {
        char *key = (char *)name, **w;

        if (g.nwarned && bsearch(&key, g.warned, g.nwarned, sizeof(*g.warned), cmp_str))
                return;
        WARNING(P "group \"%s\" is skipped: its identifier \"%s\" is already used by %s%s%s", name,
                safe, other ? "group \"" : "the plugin's own figures", other ? other : "",
                other ? "\"" : "");
        w = realloc(g.warned, (g.nwarned + 1) * sizeof(*w));
        if (!w)
                return;
        g.warned = w;
        w[g.nwarned] = strdup(name);
        if (!w[g.nwarned])
                return;
        g.nwarned++;
        qsort(g.warned, g.nwarned, sizeof(*g.warned), cmp_str);
}

static int cmp_group_name(const void *key, const void *elem) {
        return strcmp(key, (*(const struct pg_group *const *)elem)->name);
}

/* Forget the collisions of groups the tracker no longer lists (they were
 * forgotten): the set stays as small as the list, and a group that comes
 * back and collides again is logged again. Runs only while the set holds
 * something, which a host without colliding names never does. */
static void prune_warned(const struct pg_group *const *gs, size_t n) {
        size_t j = 0;

        for (size_t i = 0; i < g.nwarned; i++) {
                if (n && bsearch(g.warned[i], gs, n, sizeof(*gs), cmp_group_name))
                        g.warned[j++] = g.warned[i]; /* still sorted */
                else
                        free(g.warned[i]);
        }
        g.nwarned = j;
}

/* Name every group and mark the ones that collide: of two groups with the
 * same identifier the first by name is kept, the other skipped with a
 * warning, never merged. Returns 0 or -1 on out of memory. */
static int plan_idents(const struct pg_group *const *gs, size_t n) {
        prune_warned(gs, n);
        if (n > g.ids_cap || (g.ids_cap > 64 && n < g.ids_cap / 4)) {
                /* Grow, or give the room of a past burst of names back. */
                size_t cap = n > 64 ? n : 64;
                struct ident *ids = realloc(g.ids, cap * sizeof(*ids));
                if (!ids && n > g.ids_cap)
                        return -1;
                if (ids) {
                        g.ids = ids;
                        g.ids_cap = cap;
                }
        }
        for (size_t i = 0; i < n; i++) {
                make_safe(gs[i]->name, g.ids[i].safe);
                g.ids[i].idx = i;
                g.ids[i].skip = false;
        }
        if (n == 0) /* g.ids may still be NULL: qsort wants an array */
                return 0;
        qsort(g.ids, n, sizeof(*g.ids), cmp_ident);
        for (size_t i = 0, run = 0; i < n; i++) {
                struct ident *id = &g.ids[i];
                if (i > 0 && strcmp(id->safe, g.ids[i - 1].safe) != 0)
                        run = i; /* the first of a run of equal identifiers */
                if (strcmp(id->safe, SELF) == 0) {
                        id->skip = true;
                        warn_collision(gs[id->idx]->name, id->safe, NULL);
                } else if (i != run) {
                        id->skip = true;
                        warn_collision(gs[id->idx]->name, id->safe, gs[g.ids[run].idx]->name);
                }
        }
        return 0;
}

static void submit(const char *pi, const char *type, const char *ti, value_t *v, size_t nv,
                   cdtime_t t) {
        value_list_t vl = VALUE_LIST_INIT;

        vl.values = v;
        vl.values_len = nv;
        vl.time = t;
        snprintf(vl.plugin, sizeof(vl.plugin), "%s", PLUGIN);
        snprintf(vl.plugin_instance, sizeof(vl.plugin_instance), "%s", pi);
        snprintf(vl.type, sizeof(vl.type), "%s", type);
        if (ti)
                snprintf(vl.type_instance, sizeof(vl.type_instance), "%s", ti);
        plugin_dispatch_values(&vl);
}

/* DERIVE is signed: a counter beyond INT64_MAX stays there, never wraps. */
static derive_t to_derive(uint64_t v) {
        return v > INT64_MAX ? INT64_MAX : (derive_t)v;
}

static void submit_derive2(const char *pi, const char *type, uint64_t a, uint64_t b, cdtime_t t) {
        value_t v[2] = {{.derive = to_derive(a)}, {.derive = to_derive(b)}};
        submit(pi, type, NULL, v, 2, t);
}

static void submit_derive(const char *pi, const char *type, const char *ti, uint64_t a,
                          cdtime_t t) {
        value_t v[1] = {{.derive = to_derive(a)}};
        submit(pi, type, ti, v, 1, t);
}

static void submit_gauge(const char *pi, const char *type, const char *ti, double a, cdtime_t t) {
        value_t v[1] = {{.gauge = a}};
        submit(pi, type, ti, v, 1, t);
}

/* Clock ticks to microseconds (ps_cputime's unit) without losing the
 * fraction of a tick before the division. */
static uint64_t ticks_to_us(uint64_t ticks, long hz) {
        if (hz <= 0)
                return 0;
        return pg_sat_add(pg_sat_mul(ticks / (uint64_t)hz, 1000000u),
                          ticks % (uint64_t)hz * 1000000u / (uint64_t)hz);
}

/* What collectd 5.12's processes plugin sends for a group, with its types
 * and type instances (collectd-procgroups(5) lists them): memory, CPU,
 * counts, faults, I/O, and the switches' file handles, mappings and
 * context switches. */
static void submit_processes_set(const struct pg_group *gr, const char *pi, unsigned collect,
                                 long hz, cdtime_t t) {
        const uint64_t *c = gr->counts.v, *mem = gr->memory.v;
        value_t cnt[2] = {{.gauge = (gauge_t)gr->procs}, {.gauge = (gauge_t)gr->threads}};

        submit_gauge(pi, "ps_vm", NULL, (gauge_t)mem[PG_MEM_VIRTUAL], t);
        submit_gauge(pi, "ps_rss", NULL, (gauge_t)mem[PG_MEM_RESIDENT], t);
        submit_gauge(pi, "ps_data", NULL, (gauge_t)mem[PG_MEM_DATA], t);
        submit_gauge(pi, "ps_code", NULL, (gauge_t)mem[PG_MEM_CODE], t);
        submit_gauge(pi, "ps_stacksize", NULL, (gauge_t)mem[PG_MEM_STACK], t);
        submit_derive2(pi, "ps_cputime", ticks_to_us(c[PG_CPU_USER], hz),
                       ticks_to_us(c[PG_CPU_SYSTEM], hz), t);
        submit(pi, "ps_count", NULL, cnt, 2, t);
        submit_derive2(pi, "ps_pagefaults", c[PG_MINOR_FAULTS], c[PG_MAJOR_FAULTS], t);
        submit_derive2(pi, "io_octets", c[PG_RCHAR], c[PG_WCHAR], t);
        submit_derive2(pi, "io_ops", c[PG_SYSCR], c[PG_SYSCW], t);
        submit_derive2(pi, "disk_octets", c[PG_READ_BYTES], c[PG_WRITE_BYTES], t);
        if (collect & PG_CD_FDS)
                submit_gauge(pi, "file_handles", NULL, (gauge_t)gr->open_fds, t);
        if (collect & PG_CD_MAPS)
                submit_gauge(pi, "file_handles", "mapped", (gauge_t)gr->maps, t);
        if (collect & PG_CD_CTX) {
                submit_derive(pi, "contextswitch", "voluntary", c[PG_CTX_VOLUNTARY], t);
                submit_derive(pi, "contextswitch", "involuntary", c[PG_CTX_NONVOLUNTARY], t);
        }
}

/* procgroups' own figures for a group, under type instances that the
 * processes plugin never sends: its states (named as processes names the
 * system's), swap, proportional memory, the worst fd ratio. */
static void submit_extras(const struct pg_group *gr, const char *pi, cdtime_t t) {
        static const char *const state_names[PG_STATE_MAX] = {[PG_RUNNING] = "running",
                                                              [PG_SLEEPING] = "sleeping",
                                                              [PG_WAITING] = "blocked",
                                                              [PG_ZOMBIE] = "zombies",
                                                              [PG_OTHER] = "other"};

        submit_gauge(pi, "memory", "swap", (gauge_t)gr->memory.v[PG_MEM_SWAP], t);
        if (pg_tracker_opts(g.tracker)->smaps) {
                submit_gauge(pi, "memory", "pss", (gauge_t)gr->memory.v[PG_MEM_PROP_RESIDENT], t);
                submit_gauge(pi, "memory", "swap_pss", (gauge_t)gr->memory.v[PG_MEM_PROP_SWAP], t);
        }
        /* The worst open/limit ratio among the members: the stock "gauge"
         * type (value:GAUGE:U:U) carries it as a fraction. A sum of the
         * members' limits would mean nothing. */
        submit_gauge(pi, "gauge", "worst_fd_ratio", gr->worst_fd_ratio, t);
        for (int s = 0; s < PG_STATE_MAX; s++)
                submit_gauge(pi, "ps_state", state_names[s], (gauge_t)gr->states.v[s], t);
}

static void submit_group(const struct pg_group *gr, const char *pi, long hz, cdtime_t t) {
        submit_processes_set(gr, pi, pg_cd_conf_collect(&g.conf, gr->name), hz, t);
        submit_extras(gr, pi, t);
}

/* The plugin's own figures under plugin_instance "_self", stock types:
 * duration-scan (seconds:GAUGE), count-processes, count-groups (sent) and
 * count-overflow (put in _other by a cap in this scan) (value:GAUGE),
 * gauge-exit_records_active (1 when exit records are used, 0 when not;
 * value:GAUGE), total_events-vanished, total_events-hidden,
 * total_events-forgotten, errors-soft, errors-hard, and the exit records'
 * total_events-exits_credited, total_events-exits_lost,
 * errors-exits_bad (value:DERIVE; totals since start). */
static void submit_self(size_t ngroups, cdtime_t t) {
        const struct pg_track_stats *st = pg_tracker_stats(g.tracker);

        g.vanished += st->vanished;
        g.hidden += st->hidden;
        g.soft_errors += st->soft_errors;
        g.hard_errors += st->hard_errors;
        submit_gauge(SELF, "duration", "scan", st->seconds, t);
        submit_gauge(SELF, "count", "processes", (gauge_t)st->procs, t);
        submit_gauge(SELF, "count", "groups", (gauge_t)ngroups, t);
        submit_derive(SELF, "total_events", "vanished", g.vanished, t);
        submit_derive(SELF, "total_events", "hidden", g.hidden, t);
        submit_derive(SELF, "total_events", "forgotten", st->groups_forgotten, t);
        submit_gauge(SELF, "count", "overflow", (gauge_t)st->overflow, t);
        submit_derive(SELF, "errors", "soft", g.soft_errors, t);
        submit_derive(SELF, "errors", "hard", g.hard_errors, t);
        submit_gauge(SELF, "gauge", "exit_records_active",
                     pg_tracker_exits_active(g.tracker) ? 1 : 0, t);
        submit_derive(SELF, "total_events", "exits_credited", st->exits_credited, t);
        submit_derive(SELF, "total_events", "exits_lost", st->exits_lost, t);
        submit_derive(SELF, "errors", "exits_bad", st->exits_bad, t);
}

/* Once for the life of the plugin: a cap is hit when the tracker first
 * puts something in _other; count-overflow under _self shows how much
 * after that, without a line per read. */
static void log_overflow(void) {
        const struct pg_track_stats *st = pg_tracker_stats(g.tracker);
        const struct pg_track_opts *o = pg_tracker_opts(g.tracker);

        if (g.overflow_logged || st->overflow == 0)
                return;
        g.overflow_logged = true;
        WARNING(P "%" PRIu64 " groups reached MaxGroups (%" PRIu32 ") or a group its "
                  "MaxThreadNames (%" PRIu32 "): new names go to group \"" PG_GROUP_OTHER
                  "\" (%" PRIu64 " this read; logged once)",
                st->groups, o->max_groups, o->max_thread_names, st->overflow);
}

static void on_hard_error(void *ctx, pid_t pid, const char *file, int err) {
        if (g.logged++ < MAX_LOG)
                WARNING(P "pid %d: %s: %s; process skipped this read", (int)pid, file,
                        pg_strerror(err));
}

/* Once per rule (the tracker sees to that), outside the hard errors'
 * budget: a regex limit hit is a soft error. */
static void on_limit_hit(void *ctx, pid_t pid, const char *rule, const char *why) {
        (void)ctx;
        WARNING(P "rule \"%s\": cmdline regex stopped on pid %d: %s; counted as no match "
                  "(logged once per rule)",
                rule, (int)pid, why);
}

/* A bad block is logged here and refused in init. Returning non-zero would
 * make collectd abandon its whole config file and exit; a failing init
 * unloads only this plugin, and `collectd -T` still exits non-zero. */
static int pg_cd_config(oconfig_item_t *ci) {
        conf_ready();
        pg_cd_conf_apply(&g.conf, ci);
        return 0;
}

/* The drain callback (DRAIN): the records the kernel queued since the
 * last drain or read, into the tracker's bounded memory until the next
 * read. Never fails: a listener whose socket failed is gone, and the next
 * read says so in gauge-exit_records_active. */
static int pg_cd_drain(user_data_t *ud) {
        (void)ud;
        pthread_mutex_lock(&lock);
        if (g.tracker)
                pg_tracker_drain(g.tracker);
        pthread_mutex_unlock(&lock);
        return 0;
}

/* Once the tracker is there: exit records asked for and not used is said
 * once (INFO: the /proc method still counts those processes); when they
 * are used, the drain callback is registered, only then, so that a plugin
 * without them costs no wake-up a second. */
static void start_exits(void) {
        const struct pg_track_opts *o = pg_tracker_opts(g.tracker);

        if (!o->exit_records)
                return;
        if (!pg_tracker_exits_active(g.tracker)) {
                INFO(P "exit records not used (%s): processes that exit between reads are "
                       "counted by the /proc method (ChildrenTime)",
                     pg_tracker_exits_why(g.tracker));
                return;
        }
        if (g.drain_registered)
                return;
        if (plugin_register_complex_read(NULL, DRAIN, pg_cd_drain, TIME_T_TO_CDTIME_T(DRAIN_S),
                                         NULL) == 0)
                g.drain_registered = true;
        else
                WARNING(P "cannot register the drain callback: exit records wait for the next "
                          "read, and a burst of exits may overflow their socket (counted in "
                          "total_events-exits_lost)");
}

static int pg_cd_init(void) {
        struct pg_setup setup = {.procfs = "/proc",
                                 .own_process = false,
                                 .error_fn = on_hard_error,
                                 .limit_fn = on_limit_hit};
        enum pg_setup_step step;
        struct pg_rules *rules;
        size_t nrules;
        int r;

        conf_ready();
        if (g.conf.failed) {
                ERROR(P "not started: the <Plugin procgroups> block has errors (see above)");
                return -1;
        }
        if (g.tracker)
                return 0;
        if (g.conf.procfs)
                setup.procfs = g.conf.procfs;
        setup.opts = g.conf.opts;
        setup.opts.maps = pg_cd_conf_any_maps(&g.conf);
        rules = g.conf.rules;
        if (!rules && pg_rules_new_default(&rules) < 0) {
                ERROR(P "out of memory");
                return -1;
        }
        g.conf.rules = NULL;
        nrules = pg_rules_count(rules);
        r = pg_setup_tracker(&setup, rules, &g.tracker, &step);
        if (r < 0 && step == PG_SETUP_ROOT)
                ERROR(P "option \"ProcFS\": cannot open procfs root \"%s\": %s", setup.procfs,
                      pg_strerror(r));
        else if (r < 0)
                ERROR(P "out of memory");
        if (r < 0)
                return -1;
        INFO(P "version %s, procfs %s, %zu rule(s)", PG_VERSION, setup.procfs, nrules);
        start_exits();
        return 0;
}

/* One read: a scan and its values. The caller holds lock. */
static int read_locked(void) {
        const struct pg_group *const *gs;
        size_t n, sent = 0;
        cdtime_t now;
        long hz;
        int r;

        if (!g.tracker)
                return -1;
        g.logged = 0;
        r = pg_tracker_scan(g.tracker);
        if (r < 0) {
                ERROR(P "cannot list the procfs root: %s", strerror(-r));
                return -1;
        }
        if (g.logged > MAX_LOG)
                WARNING(P "%u more malformed processes this read", g.logged - MAX_LOG);
        log_overflow();
        /* One timestamp for every value of this read, taken after the scan
         * that the values describe. */
        now = cdtime();
        hz = pg_tracker_procfs(g.tracker)->ticks;
        n = pg_tracker_groups(g.tracker, &gs);
        if (plan_idents(gs, n) < 0) {
                ERROR(P "out of memory");
                return -1;
        }
        for (size_t i = 0; i < n; i++) {
                if (g.ids[i].skip)
                        continue;
                submit_group(gs[g.ids[i].idx], g.ids[i].safe, hz, now);
                sent++;
        }
        submit_self(sent, now);
        return 0;
}

static int pg_cd_read(user_data_t *ud) {
        int r;

        (void)ud;
        pthread_mutex_lock(&lock);
        r = read_locked();
        pthread_mutex_unlock(&lock);
        return r;
}

static int pg_cd_shutdown(void) {
        pthread_mutex_lock(&lock);
        pg_tracker_free(g.tracker);
        if (g.conf_ready)
                pg_cd_conf_free(&g.conf);
        for (size_t i = 0; i < g.nwarned; i++)
                free(g.warned[i]);
        free(g.warned);
        free(g.ids);
        /* The drain stays registered (collectd has stopped its read
         * threads by now) and finds no tracker. */
        memset(&g, 0, sizeof(g));
        pthread_mutex_unlock(&lock);
        return 0;
}

void module_register(void) {
        plugin_register_complex_config(PLUGIN, pg_cd_config);
        plugin_register_init(PLUGIN, pg_cd_init);
        /* Interval 0: the plugin's own interval (<LoadPlugin> Interval) or
         * the global one. */
        plugin_register_complex_read(NULL, PLUGIN, pg_cd_read, 0, NULL);
        plugin_register_shutdown(PLUGIN, pg_cd_shutdown);
}
