/* SPDX-License-Identifier: MIT */
/* procgroups.plugin: the Netdata external plugin face.
 *
 * Netdata starts it as `procgroups.plugin UPDATE_EVERY` with stdin and
 * stdout on pipes; it scans, then writes CHART/DIMENSION lines for groups
 * it has not announced yet and BEGIN/SET/END blocks for the live groups,
 * once per update_every seconds on a heartbeat aligned to the wall clock.
 * Charts are procgroups.<group>_<metric>, context procgroups.<metric>,
 * label procgroup, one family per group whose name the titles carry, in
 * a priority band just after apps.plugin's. netdata_apps_layout = true in
 * procgroups.conf gives apps.plugin's layout of Netdata >= 1.43 instead
 * (app.<group>_<metric>, context app.<metric>, label app_group): the same
 * chart ids as apps.plugin's for groups named by comm, so only where
 * apps.plugin does not run.
 *
 * Hidden knob for tests: PROCGROUPS_ITERATIONS=N exits 0 after N scans. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/conffile.h"
#include "common/format.h"
#include "common/grow.h"
#include "common/sat.h"
#include "common/setup.h"
#include "common/track.h"
#include "plugin/ndproto.h"

#define PLUGIN "procgroups.plugin"
/* Newer Netdata kills a plugin silent for 120 s; say something sooner. */
#define KEEPALIVE_USEC (60ULL * 1000000ULL)
#define USEC_PER_SEC   1000000ULL

/* How a dimension's value is derived from a group. */
enum src {
        S_COUNT, /* counts.v[idx], monotonic */
        S_MEM,   /* memory.v[idx], bytes */
        S_STATE, /* states.v[idx] */
        S_PROCS, /* live members */
        S_THREADS,
        S_FDS,
        S_FD_RATIO, /* worst open/limit, in thousandths of a percent */
        S_UPTIME,   /* seconds since the oldest member started */
};

struct dim_def {
        const char *id;
        const char *algorithm;
        long multiplier;
        long divisor; /* 0: clock ticks per second */
        enum src src;
        int idx;
};

#define MAX_DIMS 5

struct chart_def {
        const char *suffix; /* <type>.<key>_<suffix>, context <type>.<suffix> */
        const char *title;  /* then " of group <name>" in our layout */
        const char *note;   /* after the title and the group */
        const char *units;
        const char *family;
        const char *type;
        int priority;
        struct dim_def dims[MAX_DIMS];
};

#define MIB 1048576
/* apps.plugin's charts sit at 20000-20999; ours follow them as a band of
 * their own, so that the two sections never interleave. */
#define PRIO_SHIFT 1000

/* Titles, units, families and priorities as apps.plugin (>= 1.43) uses
 * them; our own layout adds the group to the title, puts each group in a
 * family of its own and moves the priorities by PRIO_SHIFT. */
static const struct chart_def charts[] = {
    {"cpu_utilization",
     "CPU utilization",
     " (100% = 1 core)",
     "percentage",
     "cpu",
     "stacked",
     20001,
     {{"user", "incremental", 100, 0, S_COUNT, PG_CPU_USER},
      {"system", "incremental", 100, 0, S_COUNT, PG_CPU_SYSTEM}}},
    {"cpu_context_switches",
     "CPU context switches",
     "",
     "switches/s",
     "cpu",
     "stacked",
     20010,
     {{"voluntary", "incremental", 1, 1, S_COUNT, PG_CTX_VOLUNTARY},
      {"involuntary", "incremental", 1, 1, S_COUNT, PG_CTX_NONVOLUNTARY}}},
    {"mem_usage",
     "Memory RSS usage",
     "",
     "MiB",
     "mem",
     "area",
     20055,
     {{"rss", "absolute", 1, MIB, S_MEM, PG_MEM_RESIDENT}}},
    {"mem_page_faults",
     "Memory page faults",
     "",
     "pgfaults/s",
     "mem",
     "stacked",
     20060,
     {{"minor", "incremental", 1, 1, S_COUNT, PG_MINOR_FAULTS},
      {"major", "incremental", 1, 1, S_COUNT, PG_MAJOR_FAULTS}}},
    {"vmem_usage",
     "Virtual memory size",
     "",
     "MiB",
     "mem",
     "line",
     20065,
     {{"vmem", "absolute", 1, MIB, S_MEM, PG_MEM_VIRTUAL}}},
    {"swap_usage",
     "Swap usage",
     "",
     "MiB",
     "mem",
     "area",
     20066,
     {{"swap", "absolute", 1, MIB, S_MEM, PG_MEM_SWAP}}},
    {"disk_physical_io",
     "Physical disk IO",
     "",
     "KiB/s",
     "disk",
     "area",
     20100,
     {{"reads", "incremental", 1, 1024, S_COUNT, PG_READ_BYTES},
      {"writes", "incremental", -1, 1024, S_COUNT, PG_WRITE_BYTES}}},
    {"processes",
     "Processes",
     "",
     "processes",
     "processes",
     "line",
     20150,
     {{"processes", "absolute", 1, 1, S_PROCS, 0}}},
    {"threads",
     "Threads",
     "",
     "threads",
     "processes",
     "line",
     20155,
     {{"threads", "absolute", 1, 1, S_THREADS, 0}}},
    {"thread_states",
     "Thread states",
     "",
     "threads",
     "processes",
     "stacked",
     20160,
     {{"running", "absolute", 1, 1, S_STATE, PG_RUNNING},
      {"sleeping", "absolute", 1, 1, S_STATE, PG_SLEEPING},
      {"waiting", "absolute", 1, 1, S_STATE, PG_WAITING},
      {"zombie", "absolute", 1, 1, S_STATE, PG_ZOMBIE},
      {"other", "absolute", 1, 1, S_STATE, PG_OTHER}}},
    {"fds_open_limit",
     "Open file descriptors limit",
     "",
     "percentage",
     "fds",
     "line",
     20200,
     {{"limit", "absolute", 1, 1000, S_FD_RATIO, 0}}},
    {"fds_open",
     "Open file descriptors",
     "",
     "fds",
     "fds",
     "stacked",
     20210,
     {{"fds", "absolute", 1, 1, S_FDS, 0}}},
    {"uptime",
     "Uptime",
     "",
     "seconds",
     "uptime",
     "line",
     20250,
     {{"uptime", "absolute", 1, 1, S_UPTIME, 0}}},
};
#define NUM_CHARTS (sizeof(charts) / sizeof(charts[0]))

/* What the plugin has told Netdata about one group. */
enum ent_state { ENT_NEW, ENT_LIVE, ENT_OBSOLETE };

struct ent {
        char *name; /* the group name, as the tracker spells it */
        char key[ND_KEY_MAX + 1];
        char label[ND_LABEL_MAX + 1];
        enum ent_state state;
        bool fresh;    /* charts (re)defined this cycle: no usec in BEGIN */
        uint64_t seen; /* cycle in which the tracker last listed it */
};

struct plugin {
        struct pg_tracker *t;
        struct pg_out out;
        int update_every;
        bool internals;
        bool internals_defined;
        bool apps_layout;     /* netdata_apps_layout: app.*, as apps.plugin */
        bool overflow_logged; /* a cap was hit and said so */
        struct ent *ents;     /* sorted by name */
        size_t num_ents, cap_ents;
        uint64_t cycle;
        uint64_t last_usec;  /* monotonic time of the previous data */
        uint64_t last_write; /* monotonic time of the last line sent */
        /* rate limit for hard-error messages: at most 10 a minute */
        uint64_t err_window;
        unsigned err_count;
};

static volatile sig_atomic_t got_term;

static void on_term(int sig) {
        got_term = 1;
}

static uint64_t now_usec(clockid_t clk) {
        struct timespec ts;

        clock_gettime(clk, &ts);
        return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

static void on_hard_error(void *ctx, pid_t pid, const char *file, int err) {
        struct plugin *pl = ctx;
        uint64_t now = now_usec(CLOCK_MONOTONIC);

        if (now - pl->err_window > KEEPALIVE_USEC) {
                pl->err_window = now;
                pl->err_count = 0;
        }
        if (pl->err_count++ < 10)
                fprintf(stderr, PLUGIN ": pid %d: %s: %s, skipped this scan\n", (int)pid, file,
                        pg_strerror(err));
}

/* Once per rule (the tracker sees to that), outside the hard errors'
 * rate limit: a regex limit hit is a soft error. */
static void on_limit_hit(void *ctx, pid_t pid, const char *rule, const char *why) {
        (void)ctx;
        fprintf(stderr,
                PLUGIN ": rule \"%s\": cmdline regex stopped on pid %d: %s; counted as no match "
                       "(logged once per rule)\n",
                rule, (int)pid, why);
}

static int ent_cmp(const void *a, const void *b) {
        return strcmp(((const struct ent *)a)->name, ((const struct ent *)b)->name);
}

static bool key_taken(const struct plugin *pl, const char *key) {
        for (size_t i = 0; i < pl->num_ents; i++)
                if (strcmp(pl->ents[i].key, key) == 0)
                        return true;
        return false;
}

/* Find the entry of a group, or add one with a key no other group has:
 * names that sanitise alike ("a b", "a'b") get _2, _3, ... */
static struct ent *ent_get(struct plugin *pl, const char *name) {
        struct ent probe = {.name = (char *)name}, *e;
        size_t lo = 0, hi = pl->num_ents;

        if (pl->num_ents) {
                e = bsearch(&probe, pl->ents, pl->num_ents, sizeof(*e), ent_cmp);
                if (e)
                        return e;
        }
        if (PG_GROW(pl->ents, pl->num_ents + 1, pl->cap_ents) < 0)
                return NULL;
        memset(&probe, 0, sizeof(probe));
        probe.name = strdup(name);
        if (!probe.name)
                return NULL;
        nd_sanitize_id(name, ND_KEY_MAX - 8, probe.key);
        if (key_taken(pl, probe.key)) {
                char base[ND_KEY_MAX + 1];
                strcpy(base, probe.key);
                for (unsigned k = 2; key_taken(pl, probe.key); k++)
                        snprintf(probe.key, sizeof(probe.key), "%s_%u", base, k);
        }
        nd_sanitize_label(name, probe.label);
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (strcmp(pl->ents[mid].name, name) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        memmove(pl->ents + lo + 1, pl->ents + lo, (pl->num_ents - lo) * sizeof(*e));
        pl->ents[lo] = probe;
        pl->num_ents++;
        return &pl->ents[lo];
}

static void out_chart_line(struct plugin *pl, const char *type, const char *id, const char *title,
                           const char *units, const char *family, const char *context,
                           const char *ctype, int priority, const char *options,
                           const char *module) {
        struct pg_out *o = &pl->out;

        pg_out_str(o, "CHART ");
        pg_out_str(o, type);
        pg_out_char(o, '.');
        pg_out_str(o, id);
        pg_out_str(o, " '' ");
        nd_out_quoted(o, title);
        pg_out_char(o, ' ');
        nd_out_quoted(o, units);
        pg_out_char(o, ' ');
        nd_out_quoted(o, family);
        pg_out_char(o, ' ');
        nd_out_quoted(o, context);
        pg_out_char(o, ' ');
        pg_out_str(o, ctype);
        pg_out_char(o, ' ');
        pg_out_u64(o, (uint64_t)priority);
        pg_out_char(o, ' ');
        pg_out_u64(o, (uint64_t)pl->update_every);
        pg_out_char(o, ' ');
        nd_out_quoted(o, options);
        pg_out_str(o, " '" PLUGIN "' ");
        nd_out_quoted(o, module);
        pg_out_char(o, '\n');
}

static void out_dimension(struct plugin *pl, const char *id, const char *algorithm, long mul,
                          long div) {
        struct pg_out *o = &pl->out;

        pg_out_str(o, "DIMENSION ");
        pg_out_str(o, id);
        pg_out_str(o, " '' ");
        pg_out_str(o, algorithm);
        pg_out_char(o, ' ');
        pg_out_i64(o, mul);
        pg_out_char(o, ' ');
        pg_out_i64(o, div);
        pg_out_str(o, " ''\n");
}

static void out_begin(struct plugin *pl, const char *type, const char *id, uint64_t usec) {
        pg_out_str(&pl->out, "BEGIN ");
        pg_out_str(&pl->out, type);
        pg_out_char(&pl->out, '.');
        pg_out_str(&pl->out, id);
        /* A chart's first BEGIN carries no interval: Netdata has none to
         * compare it with. */
        if (usec) {
                pg_out_char(&pl->out, ' ');
                pg_out_u64(&pl->out, usec);
        }
        pg_out_char(&pl->out, '\n');
}

static void out_set(struct plugin *pl, const char *dim, uint64_t v) {
        pg_out_str(&pl->out, "SET ");
        pg_out_str(&pl->out, dim);
        pg_out_str(&pl->out, " = ");
        nd_out_value(&pl->out, v);
        pg_out_char(&pl->out, '\n');
}

/* The chart type (and context prefix) of the group charts. */
static const char *group_type(const struct plugin *pl) {
        return pl->apps_layout ? "app" : "procgroups";
}

/* Announce (or, with obsolete, retire) every chart of one group. */
static void define_group(struct plugin *pl, const struct ent *e, bool obsolete) {
        long ticks = pg_tracker_procfs(pl->t)->ticks;
        const char *type = group_type(pl);

        for (size_t c = 0; c < NUM_CHARTS; c++) {
                const struct chart_def *cd = &charts[c];
                char id[ND_KEY_MAX + 64], ctx[64], title[ND_LABEL_MAX + 128];

                snprintf(id, sizeof(id), "%s_%s", e->key, cd->suffix);
                snprintf(ctx, sizeof(ctx), "%s.%s", type, cd->suffix);
                if (pl->apps_layout) {
                        snprintf(title, sizeof(title), "%s%s", cd->title, cd->note);
                        out_chart_line(pl, type, id, title, cd->units, cd->family, ctx, cd->type,
                                       cd->priority, obsolete ? "obsolete" : "", "groups");
                        pg_out_str(&pl->out, "CLABEL app_group ");
                } else {
                        snprintf(title, sizeof(title), "%s of group %s%s", cd->title, e->label,
                                 cd->note);
                        out_chart_line(pl, type, id, title, cd->units, e->label, ctx, cd->type,
                                       cd->priority + PRIO_SHIFT, obsolete ? "obsolete" : "",
                                       "groups");
                        pg_out_str(&pl->out, "CLABEL procgroup ");
                }
                nd_out_quoted(&pl->out, e->label);
                pg_out_str(&pl->out, " 1\nCLABEL_COMMIT\n");
                if (obsolete)
                        continue;
                for (int d = 0; d < MAX_DIMS && cd->dims[d].id; d++) {
                        const struct dim_def *dd = &cd->dims[d];
                        out_dimension(pl, dd->id, dd->algorithm, dd->multiplier,
                                      dd->divisor ? dd->divisor : ticks);
                }
        }
}

static uint64_t dim_value(const struct plugin *pl, const struct pg_group *g,
                          const struct dim_def *dd) {
        const struct pg_procfs *fs = pg_tracker_procfs(pl->t);

        switch (dd->src) {
        case S_COUNT: return g->counts.v[dd->idx];
        case S_MEM: return g->memory.v[dd->idx];
        case S_STATE: return g->states.v[dd->idx];
        case S_PROCS: return g->procs;
        case S_THREADS: return g->threads;
        case S_FDS: return g->open_fds;
        case S_FD_RATIO:
                if (!(g->worst_fd_ratio > 0) || !isfinite(g->worst_fd_ratio))
                        return 0;
                return (uint64_t)llround(fmin(g->worst_fd_ratio, 1e6) * 100000.0);
        case S_UPTIME: {
                /* Wall clock minus the start (boot time + start ticks), so
                 * that a fake procfs tree works as well as /proc. */
                uint64_t start =
                    pg_sat_add(fs->boot_time, g->oldest_start_ticks / (uint64_t)fs->ticks);
                uint64_t now = (uint64_t)time(NULL);
                return now > start ? now - start : 0;
        }
        }
        return 0;
}

static void send_group_data(struct plugin *pl, const struct pg_group *g, struct ent *e,
                            uint64_t dt) {
        for (size_t c = 0; c < NUM_CHARTS; c++) {
                const struct chart_def *cd = &charts[c];
                char id[ND_KEY_MAX + 64];

                snprintf(id, sizeof(id), "%s_%s", e->key, cd->suffix);
                out_begin(pl, group_type(pl), id, e->fresh ? 0 : dt);
                for (int d = 0; d < MAX_DIMS && cd->dims[d].id; d++)
                        out_set(pl, cd->dims[d].id, dim_value(pl, g, &cd->dims[d]));
                pg_out_str(&pl->out, "END\n");
        }
        e->fresh = false;
}

/* The plugin's own charts: how long a scan takes and what it met. */
static void send_internals(struct plugin *pl, uint64_t dt) {
        const struct pg_track_stats *st = pg_tracker_stats(pl->t);
        uint64_t first = pl->internals_defined ? dt : 0;

        if (!pl->internals_defined) {
                out_chart_line(pl, "netdata", "procgroups_scan_time", "procgroups.plugin scan time",
                               "milliseconds", PLUGIN, "netdata.procgroups_scan_time", "line",
                               140000, "", "internals");
                out_dimension(pl, "scan", "absolute", 1, 1000);
                out_chart_line(pl, "netdata", "procgroups_processes",
                               "procgroups.plugin processes per scan", "processes", PLUGIN,
                               "netdata.procgroups_processes", "line", 140001, "", "internals");
                out_dimension(pl, "processes", "absolute", 1, 1);
                out_dimension(pl, "vanished", "absolute", 1, 1);
                out_dimension(pl, "hidden", "absolute", 1, 1);
                out_chart_line(pl, "netdata", "procgroups_errors",
                               "procgroups.plugin read errors per scan", "errors", PLUGIN,
                               "netdata.procgroups_errors", "line", 140002, "", "internals");
                out_dimension(pl, "soft", "absolute", 1, 1);
                out_dimension(pl, "hard", "absolute", 1, 1);
                out_chart_line(pl, "netdata", "procgroups_groups", "procgroups.plugin groups",
                               "groups", PLUGIN, "netdata.procgroups_groups", "line", 140003, "",
                               "internals");
                out_dimension(pl, "listed", "absolute", 1, 1);
                out_dimension(pl, "forgotten", "incremental", 1, 1);
                out_dimension(pl, "overflow", "absolute", 1, 1);
                out_chart_line(pl, "netdata", "procgroups_exit_records",
                               "procgroups.plugin exit records", "processes/s", PLUGIN,
                               "netdata.procgroups_exit_records", "line", 140004, "", "internals");
                out_dimension(pl, "credited", "incremental", 1, 1);
                out_dimension(pl, "lost", "incremental", 1, 1);
                out_dimension(pl, "bad", "incremental", 1, 1);
                pl->internals_defined = true;
        }
        out_begin(pl, "netdata", "procgroups_scan_time", first);
        out_set(pl, "scan", (uint64_t)llround(st->seconds * 1e6));
        pg_out_str(&pl->out, "END\n");
        out_begin(pl, "netdata", "procgroups_processes", first);
        out_set(pl, "processes", st->procs);
        out_set(pl, "vanished", st->vanished);
        out_set(pl, "hidden", st->hidden);
        pg_out_str(&pl->out, "END\n");
        out_begin(pl, "netdata", "procgroups_errors", first);
        out_set(pl, "soft", st->soft_errors);
        out_set(pl, "hard", st->hard_errors);
        pg_out_str(&pl->out, "END\n");
        /* listed: groups the tracker lists now; forgotten: since start;
         * overflow: processes and thread names put in _other by a cap in
         * the last scan. */
        out_begin(pl, "netdata", "procgroups_groups", first);
        out_set(pl, "listed", st->groups);
        out_set(pl, "forgotten", st->groups_forgotten);
        out_set(pl, "overflow", st->overflow);
        pg_out_str(&pl->out, "END\n");
        /* Totals since the start (incremental): processes credited from
         * their exit records, records the kernel dropped (those processes
         * fell back to the /proc method), malformed records. All stay 0
         * while the listener is not active (said once on stderr). */
        out_begin(pl, "netdata", "procgroups_exit_records", first);
        out_set(pl, "credited", st->exits_credited);
        out_set(pl, "lost", st->exits_lost);
        out_set(pl, "bad", st->exits_bad);
        pg_out_str(&pl->out, "END\n");
}

/* Once for the life of the plugin: a cap is hit when the tracker first
 * puts something in _other; after that the dimension "overflow" of
 * netdata.procgroups_groups shows how much, without a line per scan. */
static void log_overflow(struct plugin *pl) {
        const struct pg_track_stats *st = pg_tracker_stats(pl->t);
        const struct pg_track_opts *o = pg_tracker_opts(pl->t);

        if (pl->overflow_logged || st->overflow == 0)
                return;
        pl->overflow_logged = true;
        fprintf(stderr,
                PLUGIN ": %" PRIu64 " groups reached max_groups (%" PRIu32 ") or a group its "
                       "max_thread_names (%" PRIu32 "): new names go to group \"" PG_GROUP_OTHER
                       "\" (%" PRIu64 " this scan; logged once)\n",
                st->groups, o->max_groups, o->max_thread_names, st->overflow);
}

/* A group the tracker no longer lists was forgotten (empty for
 * forget_after): retire its charts if they are still live, then drop its
 * entry, so that the plugin holds no more entries than the tracker lists
 * groups and a group that comes back is charted anew (under the same key
 * unless another group took it meanwhile). Returns whether it wrote. */
static bool drop_unlisted(struct plugin *pl) {
        bool sent = false;
        size_t j = 0;

        for (size_t i = 0; i < pl->num_ents; i++) {
                struct ent *e = &pl->ents[i];

                if (e->seen == pl->cycle) {
                        /* the survivors keep their order: still sorted */
                        if (j != i)
                                pl->ents[j] = *e;
                        j++;
                        continue;
                }
                if (e->state == ENT_LIVE) {
                        define_group(pl, e, true);
                        sent = true;
                }
                free(e->name);
        }
        pl->num_ents = j;
        /* After a burst of short-lived names, give the room back. */
        if (pl->cap_ents > 64 && pl->num_ents < pl->cap_ents / 4) {
                struct ent *n = realloc(pl->ents, pl->cap_ents / 2 * sizeof(*n));
                if (n) {
                        pl->ents = n;
                        pl->cap_ents /= 2;
                }
        }
        return sent;
}

/* One cycle: scan, announce what is new, retire what emptied, send data.
 * Returns 0, or a negative errno when stdout is gone. */
static int cycle(struct plugin *pl) {
        const struct pg_group *const *groups;
        uint64_t now, dt;
        bool sent = pl->internals;
        size_t n;
        int r;

        r = pg_tracker_scan(pl->t);
        if (r < 0)
                fprintf(stderr, PLUGIN ": cannot list the procfs root: %s\n", strerror(-r));
        now = now_usec(CLOCK_MONOTONIC);
        dt = pl->last_usec ? now - pl->last_usec : 0;
        pl->last_usec = now;
        pl->cycle++;
        log_overflow(pl);

        n = pg_tracker_groups(pl->t, &groups);
        for (size_t i = 0; i < n; i++) {
                const struct pg_group *g = groups[i];
                struct ent *e = ent_get(pl, g->name);

                if (!e)
                        return -ENOMEM;
                e->seen = pl->cycle;
                if (g->procs > 0) {
                        if (e->state != ENT_LIVE) {
                                define_group(pl, e, false);
                                e->state = ENT_LIVE;
                                e->fresh = true;
                        }
                        send_group_data(pl, g, e, dt);
                        sent = true;
                } else if (e->state == ENT_LIVE) {
                        define_group(pl, e, true);
                        e->state = ENT_OBSOLETE;
                        sent = true;
                }
        }
        if (drop_unlisted(pl))
                sent = true;
        if (pl->internals)
                send_internals(pl, dt);
        /* FLUSH is a no-op outside BEGIN; it keeps a plugin with nothing to
         * report from looking dead to a Netdata that kills silent ones. */
        if (!sent && now - pl->last_write >= KEEPALIVE_USEC) {
                pg_out_str(&pl->out, "FLUSH\n");
                sent = true;
        }
        if (sent)
                pl->last_write = now;
        return pg_out_flush(&pl->out);
}

/* Sleep until the next multiple of update_every on the wall clock (as
 * Netdata's own heartbeat), watching stdin and stdout meanwhile: ppoll
 * rather than clock_nanosleep because EOF on stdin or a hang-up on stdout
 * must end the plugin at once, and SIGTERM is unblocked only inside ppoll
 * (here and in wait_stdout) so it cannot slip in between the check and the
 * sleep. Returns 0 at the
 * boundary, -1 when the plugin should exit. */
static int heartbeat(struct plugin *pl, const sigset_t *waitmask, bool *stdin_open) {
        uint64_t step = (uint64_t)pl->update_every * USEC_PER_SEC;
        uint64_t rt = now_usec(CLOCK_REALTIME);
        /* The boundary comes from the wall clock, the wait is measured on
         * the monotonic one: a clock step never makes us sleep longer than
         * one interval. */
        uint64_t now = now_usec(CLOCK_MONOTONIC);
        uint64_t next = now + ((rt / step + 1) * step - rt);

        for (;;) {
                /* The exit listener's socket last: its records are taken
                 * as they come (pg_tracker_drain), so that a burst of exits
                 * between two scans never overflows it. Asked each time: a
                 * listener whose socket failed is gone. */
                struct pollfd fds[3] = {{.fd = STDOUT_FILENO, .events = 0},
                                        {.fd = STDIN_FILENO, .events = POLLIN},
                                        {.fd = pg_tracker_exits_fd(pl->t), .events = POLLIN}};
                struct timespec ts;
                int r;

                if (got_term)
                        return -1;
                now = now_usec(CLOCK_MONOTONIC);
                if (now >= next)
                        return 0;
                ts.tv_sec = (time_t)((next - now) / USEC_PER_SEC);
                ts.tv_nsec = (long)((next - now) % USEC_PER_SEC) * 1000;
                /* A closed stdin's slot is skipped (fd -1), not cut. */
                if (!*stdin_open)
                        fds[1].fd = -1;
                r = ppoll(fds, fds[2].fd >= 0 ? 3 : 2, &ts, waitmask);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return -1;
                }
                if (fds[2].revents)
                        pg_tracker_drain(pl->t);
                if (fds[0].revents & (POLLERR | POLLHUP))
                        return -1;
                if (*stdin_open && (fds[1].revents & POLLNVAL)) {
                        *stdin_open = false; /* no stdin at all: nothing to watch */
                } else if (*stdin_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
                        char buf[4096];
                        ssize_t k = read(STDIN_FILENO, buf, sizeof(buf));
                        /* Netdata 1.37 sends nothing we act on: discard. */
                        if (k == 0 || (k < 0 && errno != EINTR && errno != EAGAIN))
                                return -1;
                }
        }
}

/* stdout is non-blocking, so a reader that stops reading cannot hold the
 * plugin past a SIGTERM: a write that would block waits here, in ppoll with
 * the termination signals unblocked (blocked everywhere else, none can slip
 * in between the flag check and the wait). Returns 0 to write again (the
 * pipe has room, or an error the write will report), -ECANCELED when the
 * plugin should exit. */
static int wait_stdout(void *ctx) {
        const sigset_t *waitmask = ctx;
        struct pollfd pfd = {.fd = STDOUT_FILENO, .events = POLLOUT};

        for (;;) {
                if (got_term)
                        return -ECANCELED;
                if (ppoll(&pfd, 1, NULL, waitmask) >= 0)
                        return 0;
                if (errno != EINTR)
                        return -errno;
        }
}

static int parse_every(const char *s, int *ret) {
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || end == s || *end || v < 1 || v > 86400)
                return -EINVAL;
        *ret = (int)v;
        return 0;
}

/* The config file: user dir, then stock dir, then the built-in default. */
static int load_config(struct pg_config *cfg) {
        static const char *const envs[] = {"NETDATA_USER_CONFIG_DIR", "NETDATA_STOCK_CONFIG_DIR"};
        char path[PATH_MAX], err[512];

        for (size_t i = 0; i < 2; i++) {
                const char *dir = getenv(envs[i]);
                if (!dir || !*dir)
                        continue;
                if ((size_t)snprintf(path, sizeof(path), "%s/procgroups.conf", dir) >= sizeof(path))
                        continue;
                if (access(path, F_OK) < 0)
                        continue;
                err[0] = '\0';
                if (pg_config_load(path, cfg, err, sizeof(err)) < 0) {
                        fprintf(stderr, "%s\n", err[0] ? err : path);
                        return -1;
                }
                return 0;
        }
        return pg_config_default(cfg) < 0 ? -1 : 0;
}

/* Tell Netdata not to restart us (a bad config will not fix itself). */
static int fail(void) {
        static const char msg[] = "DISABLE\n";
        if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0) {
                /* nothing left to tell */
        }
        return 1;
}

int main(int argc, char **argv) {
        struct plugin pl = {.update_every = 1, .internals = true};
        struct pg_config cfg;
        struct pg_setup setup = {.own_process = true,
                                 .error_fn = on_hard_error,
                                 .error_ctx = &pl,
                                 .limit_fn = on_limit_hit};
        enum pg_setup_step step;
        struct sigaction sa = {.sa_handler = on_term};
        sigset_t block, waitmask;
        char root[PATH_MAX];
        const char *env, *prefix;
        long iterations = -1;
        bool stdin_open = true;
        int r, ret = 0, stdout_flags;

        /* EPIPE from write() instead of death, whoever started us. */
        signal(SIGPIPE, SIG_IGN);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        sigemptyset(&block);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGINT);
        sigprocmask(SIG_BLOCK, &block, &waitmask);
        sigdelset(&waitmask, SIGTERM);
        sigdelset(&waitmask, SIGINT);

        if (argc > 1 && strcmp(argv[1], "--version") == 0) {
                puts(PLUGIN " " PG_VERSION);
                return 0;
        }
        if (argc > 1) {
                if (parse_every(argv[1], &pl.update_every) < 0) {
                        fprintf(stderr, PLUGIN ": bad update_every '%s' (1..86400)\n", argv[1]);
                        return fail();
                }
        } else if ((env = getenv("NETDATA_UPDATE_EVERY")) && *env) {
                if (parse_every(env, &pl.update_every) < 0)
                        pl.update_every = 1;
        }
        if ((env = getenv("NETDATA_INTERNALS_MONITORING")) && strcmp(env, "NO") == 0)
                pl.internals = false;
        if ((env = getenv("PROCGROUPS_ITERATIONS")) && *env)
                iterations = strtol(env, NULL, 10);

        if (load_config(&cfg) < 0)
                return fail();
        prefix = getenv("NETDATA_HOST_PREFIX");
        if (prefix && *prefix)
                snprintf(root, sizeof(root), "%s/proc", prefix);
        else
                snprintf(root, sizeof(root), "%s", cfg.procfs ? cfg.procfs : "/proc");
        setup.procfs = root;
        setup.opts = cfg.opts;
        pl.apps_layout = cfg.netdata_apps_layout;
        r = pg_setup_tracker(&setup, pg_config_take_rules(&cfg), &pl.t, &step);
        pg_config_free(&cfg);
        if (r < 0) {
                if (step == PG_SETUP_ROOT)
                        fprintf(stderr, PLUGIN ": cannot open procfs root %s: %s\n", root,
                                pg_strerror(r));
                else
                        fprintf(stderr, PLUGIN ": %s\n", strerror(-r));
                return fail();
        }
        /* Once: asked for, not used. Netdata's package gives the plugin
         * cap_net_admin; a netdata.service whose bounding set lacks it, or
         * a container, is where this says why. */
        if (pg_tracker_opts(pl.t)->exit_records && !pg_tracker_exits_active(pl.t))
                fprintf(stderr,
                        PLUGIN ": exit records not used (%s): processes that exit between scans "
                               "are counted by the /proc method (children_time)\n",
                        pg_tracker_exits_why(pl.t));
        pg_out_init(&pl.out, STDOUT_FILENO);
        pl.out.wait = wait_stdout;
        pl.out.wait_ctx = &waitmask;
        stdout_flags = fcntl(STDOUT_FILENO, F_GETFL);
        if (stdout_flags >= 0 && !(stdout_flags & O_NONBLOCK) &&
            fcntl(STDOUT_FILENO, F_SETFL, stdout_flags | O_NONBLOCK) < 0)
                stdout_flags = -1;

        for (long i = 0; iterations < 0 || i < iterations; i++) {
                if (i > 0 && heartbeat(&pl, &waitmask, &stdin_open) < 0)
                        break;
                if (cycle(&pl) < 0) {
                        /* stdout gone (Netdata exited) or a termination
                         * signal while stdout was full: leave quietly */
                        if (pl.out.err != -EPIPE && pl.out.err != -ECANCELED)
                                ret = 1;
                        break;
                }
        }
        /* The flag lives on the open file, which others may share. */
        if (stdout_flags >= 0 && !(stdout_flags & O_NONBLOCK))
                fcntl(STDOUT_FILENO, F_SETFL, stdout_flags);
        pg_tracker_free(pl.t);
        for (size_t i = 0; i < pl.num_ents; i++)
                free(pl.ents[i].name);
        free(pl.ents);
        pg_out_free(&pl.out);
        return ret;
}
