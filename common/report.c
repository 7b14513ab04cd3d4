/* SPDX-License-Identifier: MIT */
/* Group reports in JSON and Prometheus text; see report.h. */
#include "config.h"
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sat.h"

/* The names as printed. JSON and Prometheus show invalid UTF-8 as U+FFFD,
 * so two group names (or two thread names of a group) that differ only
 * there would print alike: duplicate object keys, duplicate series. Such
 * names get pg_names_distinct's suffixes; when every name is valid UTF-8
 * (the usual case) the raw names print as they are and nothing is
 * allocated. */
struct printed {
        char **groups;   /* NULL: the raw names */
        char ***threads; /* per group; NULL or a NULL entry: the raw names */
        const struct pg_group *const *gs;
        size_t n;
};

static int distinct(const char *const *raw, size_t n, char ***ret) {
        for (size_t i = 0; i < n; i++)
                if (!pg_utf8_valid(raw[i]))
                        return pg_names_distinct(raw, n, pg_name_utf8, 0, ret);
        *ret = NULL;
        return 0;
}

static void printed_free(struct printed *p) {
        pg_names_free(p->groups, p->n);
        for (size_t i = 0; p->threads && i < p->n; i++)
                pg_names_free(p->threads[i], p->gs[i]->num_thread_names);
        free(p->threads);
}

/* Returns 0 or -ENOMEM. */
static int printed_init(struct printed *p, const struct pg_group *const *gs, size_t n) {
        const char **raw = calloc(n ? n : 1, sizeof(*raw));
        int r = -ENOMEM;

        memset(p, 0, sizeof(*p));
        p->gs = gs;
        p->n = n;
        if (!raw)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                raw[i] = gs[i]->name;
        r = distinct(raw, n, &p->groups);
        free(raw);
        for (size_t i = 0; r == 0 && i < n; i++) {
                const struct pg_group *g = gs[i];
                char **names;

                if (g->num_thread_names < 2)
                        continue;
                raw = calloc(g->num_thread_names, sizeof(*raw));
                if (!raw) {
                        r = -ENOMEM;
                        break;
                }
                for (size_t k = 0; k < g->num_thread_names; k++)
                        raw[k] = g->thread_names[k].name;
                r = distinct(raw, g->num_thread_names, &names);
                free(raw);
                if (r < 0 || !names)
                        continue;
                if (!p->threads) {
                        p->threads = calloc(n, sizeof(*p->threads));
                        if (!p->threads) {
                                pg_names_free(names, g->num_thread_names);
                                r = -ENOMEM;
                                break;
                        }
                }
                p->threads[i] = names;
        }
        if (r < 0)
                printed_free(p);
        return r;
}

static const char *gname(const struct printed *p, size_t i) {
        return p->groups ? p->groups[i] : p->gs[i]->name;
}

static const char *tname(const struct printed *p, size_t i, size_t k) {
        return p->threads && p->threads[i] ? p->threads[i][k] : p->gs[i]->thread_names[k].name;
}

static void out_bool(struct pg_out *o, bool b) {
        pg_out_str(o, b ? "true" : "false");
}

static void memory_json(struct pg_out *o, const struct pg_memory *m, bool smaps) {
        pg_out_str(o, "{\"resident_bytes\":");
        pg_out_u64(o, m->v[PG_MEM_RESIDENT]);
        pg_out_str(o, ",\"virtual_bytes\":");
        pg_out_u64(o, m->v[PG_MEM_VIRTUAL]);
        pg_out_str(o, ",\"swap_bytes\":");
        pg_out_u64(o, m->v[PG_MEM_SWAP]);
        if (smaps) {
                pg_out_str(o, ",\"proportional_resident_bytes\":");
                pg_out_u64(o, m->v[PG_MEM_PROP_RESIDENT]);
                pg_out_str(o, ",\"proportional_swap_bytes\":");
                pg_out_u64(o, m->v[PG_MEM_PROP_SWAP]);
        }
        pg_out_char(o, '}');
}

static void group_json(struct pg_out *o, const struct pg_tracker *t, const struct printed *pn,
                       size_t gi) {
        const struct pg_procfs *fs = pg_tracker_procfs(t);
        const struct pg_group *g = pn->gs[gi];

        pg_out_str(o, "{\"procs\":");
        pg_out_u64(o, g->procs);
        pg_out_str(o, ",\"threads\":");
        pg_out_u64(o, g->threads);
        pg_out_str(o, ",\"counts\":");
        pg_format_counts_json(o, fs, &g->counts);
        pg_out_str(o, ",\"memory\":");
        memory_json(o, &g->memory, pg_tracker_opts(t)->smaps);
        pg_out_str(o, ",\"open_fds\":");
        pg_out_u64(o, g->open_fds);
        pg_out_str(o, ",\"worst_fd_ratio\":");
        pg_out_double(o, g->worst_fd_ratio);
        if (g->procs > 0) {
                pg_out_str(o, ",\"oldest_start_time\":");
                pg_out_ratio(
                    o,
                    pg_sat_epoch_ticks(fs->boot_time, (uint64_t)fs->ticks, g->oldest_start_ticks),
                    (uint64_t)fs->ticks);
        }
        pg_out_str(o, ",\"states\":");
        pg_format_states_json(o, &g->states);
        pg_out_str(o, ",\"wchan\":{");
        for (size_t i = 0; i < g->num_wchan; i++) {
                if (i)
                        pg_out_char(o, ',');
                pg_out_json_str(o, g->wchan[i].name, strlen(g->wchan[i].name));
                pg_out_char(o, ':');
                pg_out_u64(o, g->wchan[i].count);
        }
        pg_out_str(o, "},\"thread_names\":{");
        for (size_t i = 0; i < g->num_thread_names; i++) {
                const struct pg_thread_name *tn = &g->thread_names[i];
                const char *name = tname(pn, gi, i);
                if (i)
                        pg_out_char(o, ',');
                pg_out_json_str(o, name, strlen(name));
                pg_out_str(o, ":{\"count\":");
                pg_out_u64(o, tn->count);
                pg_out_str(o, ",\"counts\":");
                pg_format_counts_json(o, fs, &tn->counts);
                pg_out_char(o, '}');
        }
        pg_out_str(o, "}}");
}

/* The exit listener's state as the reports name it: "active", or the
 * tracker's reason ("off", "needs CAP_NET_ADMIN", ...). */
static const char *exits_state(const struct pg_tracker *t) {
        const char *why = pg_tracker_exits_why(t);

        if (pg_tracker_exits_active(t))
                return "active";
        return why && *why ? why : "unavailable";
}

static void exits_state_json(struct pg_out *o, const struct pg_tracker *t) {
        const char *v = exits_state(t);

        pg_out_json_str(o, v, strlen(v));
}

void pg_report_json(struct pg_out *o, const struct pg_tracker *t) {
        const struct pg_track_stats *s = pg_tracker_stats(t);
        const struct pg_track_opts *op = pg_tracker_opts(t);
        const struct pg_group *const *g;
        size_t n = pg_tracker_groups(t, &g);
        struct printed pn;
        const char *v;

        if (printed_init(&pn, g, n) < 0) {
                o->err = -ENOMEM;
                return;
        }
        pg_out_str(o, "{\"groups\":{");
        for (size_t i = 0; i < n; i++) {
                const char *name = gname(&pn, i);
                if (i)
                        pg_out_char(o, ',');
                pg_out_json_str(o, name, strlen(name));
                pg_out_char(o, ':');
                group_json(o, t, &pn, i);
        }
        printed_free(&pn);
        pg_out_str(o, "},\"scan\":{\"procs\":");
        pg_out_u64(o, s->procs);
        pg_out_str(o, ",\"vanished\":");
        pg_out_u64(o, s->vanished);
        pg_out_str(o, ",\"hidden\":");
        pg_out_u64(o, s->hidden);
        pg_out_str(o, ",\"soft_errors\":");
        pg_out_u64(o, s->soft_errors);
        pg_out_str(o, ",\"hard_errors\":");
        pg_out_u64(o, s->hard_errors);
        pg_out_str(o, ",\"seconds\":");
        pg_out_double(o, s->seconds);
        pg_out_str(o, ",\"groups\":");
        pg_out_u64(o, s->groups);
        pg_out_str(o, ",\"groups_forgotten\":");
        pg_out_u64(o, s->groups_forgotten);
        pg_out_str(o, ",\"overflow\":");
        pg_out_u64(o, s->overflow);
        pg_out_str(o, ",\"exits_credited\":");
        pg_out_u64(o, s->exits_credited);
        pg_out_str(o, ",\"exits_lost\":");
        pg_out_u64(o, s->exits_lost);
        pg_out_str(o, ",\"exits_bad\":");
        pg_out_u64(o, s->exits_bad);
        pg_out_str(o, ",\"clock_idle\":");
        pg_out_u64(o, s->clock_idle);
        pg_out_str(o, "},\"options\":{\"threads\":");
        out_bool(o, op->threads);
        pg_out_str(o, ",\"children\":");
        out_bool(o, op->children);
        pg_out_str(o, ",\"children_time\":");
        out_bool(o, op->children_time);
        pg_out_str(o, ",\"smaps\":");
        out_bool(o, op->smaps);
        pg_out_str(o, ",\"thread_series\":");
        out_bool(o, op->thread_series);
        pg_out_str(o, ",\"recheck\":");
        out_bool(o, op->recheck);
        /* "active", or why not: whoever reads the figures must know
         * whether exits were credited from records or by the /proc
         * method (children_time). */
        pg_out_str(o, ",\"exit_records\":");
        exits_state_json(o, t);
        /* Likewise whether idle processes were skipped by their CPU
         * clocks (their last read stands) or read in full. */
        pg_out_str(o, ",\"cpu_clock\":");
        v = pg_tracker_clock_active(t) ? "active" : pg_tracker_clock_why(t);
        pg_out_json_str(o, v, strlen(v));
        pg_out_str(o, "}}");
}

/* --- Prometheus text format ------------------------------------------ */

#define NS "namedprocess_namegroup_"

static void family(struct pg_out *o, const char *name, const char *type, const char *help) {
        pg_out_str(o, "# HELP ");
        pg_out_str(o, name);
        pg_out_char(o, ' ');
        pg_out_str(o, help);
        pg_out_str(o, "\n# TYPE ");
        pg_out_str(o, name);
        pg_out_char(o, ' ');
        pg_out_str(o, type);
        pg_out_char(o, '\n');
}

/* name{groupname="g"[,k="v"][,k2="v2"]} */
static void sample_head(struct pg_out *o, const char *name, const char *group, const char *k,
                        const char *v, const char *k2, const char *v2) {
        pg_out_str(o, name);
        pg_out_str(o, "{groupname=\"");
        pg_out_prom_label(o, group, strlen(group));
        if (k) {
                pg_out_str(o, "\",");
                pg_out_str(o, k);
                pg_out_str(o, "=\"");
                pg_out_prom_label(o, v, strlen(v));
        }
        if (k2) {
                pg_out_str(o, "\",");
                pg_out_str(o, k2);
                pg_out_str(o, "=\"");
                pg_out_prom_label(o, v2, strlen(v2));
        }
        pg_out_str(o, "\"} ");
}

static void end_u64(struct pg_out *o, uint64_t v) {
        pg_out_u64(o, v);
        pg_out_char(o, '\n');
}

static void end_secs(struct pg_out *o, uint64_t ticks, long hz) {
        pg_out_ratio(o, ticks, (uint64_t)hz);
        pg_out_char(o, '\n');
}

static const char *const state_labels[PG_STATE_MAX] = {"Running", "Sleeping", "Waiting", "Zombie",
                                                       "Other"};

/* A counter family: one sample per group (and thread name, for the
 * thread_* families) per value; with two values, key labels them. */
struct counter_family {
        const char *name, *help, *key;
        const char *vals[2];
        int ids[2];
        int nvals;
};

#define NFAM(a) (sizeof(a) / sizeof((a)[0]))

static const struct counter_family group_counters[] = {
    {NS "cpu_seconds_total",
     "Cpu user usage in seconds",
     "mode",
     {"user", "system"},
     {PG_CPU_USER, PG_CPU_SYSTEM},
     2},
    {NS "read_bytes_total", "number of bytes read by this group", NULL, {NULL}, {PG_READ_BYTES}, 1},
    {NS "write_bytes_total",
     "number of bytes written by this group",
     NULL,
     {NULL},
     {PG_WRITE_BYTES},
     1},
    {NS "major_page_faults_total", "Major page faults", NULL, {NULL}, {PG_MAJOR_FAULTS}, 1},
    {NS "minor_page_faults_total", "Minor page faults", NULL, {NULL}, {PG_MINOR_FAULTS}, 1},
    {NS "context_switches_total",
     "Context switches",
     "ctxswitchtype",
     {"voluntary", "nonvoluntary"},
     {PG_CTX_VOLUNTARY, PG_CTX_NONVOLUNTARY},
     2},
};

static const struct counter_family thread_counters[] = {
    {NS "thread_cpu_seconds_total",
     "Cpu user/system usage in seconds",
     "mode",
     {"user", "system"},
     {PG_CPU_USER, PG_CPU_SYSTEM},
     2},
    /* task/TID/io's read_bytes and write_bytes, as the exporter reads
     * them (what reached storage, like the group's read_bytes_total). */
    {NS "thread_io_bytes_total",
     "number of bytes read/written by these threads",
     "iomode",
     {"read", "write"},
     {PG_READ_BYTES, PG_WRITE_BYTES},
     2},
    {NS "thread_major_page_faults_total",
     "Major page faults for these threads",
     NULL,
     {NULL},
     {PG_MAJOR_FAULTS},
     1},
    {NS "thread_minor_page_faults_total",
     "Minor page faults for these threads",
     NULL,
     {NULL},
     {PG_MINOR_FAULTS},
     1},
    {NS "thread_context_switches_total",
     "Context switches for these threads",
     "ctxswitchtype",
     {"voluntary", "nonvoluntary"},
     {PG_CTX_VOLUNTARY, PG_CTX_NONVOLUNTARY},
     2},
};

static void end_count(struct pg_out *o, const struct pg_counts *c, int id, long hz) {
        if (id == PG_CPU_USER || id == PG_CPU_SYSTEM)
                end_secs(o, c->v[id], hz);
        else
                end_u64(o, c->v[id]);
}

static void counters(struct pg_out *o, const struct counter_family *fams, size_t nfams,
                     const struct printed *pn, long hz, bool threads) {
        const struct pg_group *const *gs = pn->gs;
        size_t n = pn->n;

        for (size_t f = 0; f < nfams; f++) {
                const struct counter_family *cf = &fams[f];
                family(o, cf->name, "counter", cf->help);
                for (size_t i = 0; i < n; i++) {
                        size_t nt = threads ? gs[i]->num_thread_names : 1;
                        for (size_t k = 0; k < nt; k++) {
                                const struct pg_thread_name *tn =
                                    threads ? &gs[i]->thread_names[k] : NULL;
                                for (int v = 0; v < cf->nvals; v++) {
                                        if (threads)
                                                sample_head(o, cf->name, gname(pn, i), "threadname",
                                                            tname(pn, i, k), cf->key, cf->vals[v]);
                                        else
                                                sample_head(o, cf->name, gname(pn, i), cf->key,
                                                            cf->vals[v], NULL, NULL);
                                        end_count(o, threads ? &tn->counts : &gs[i]->counts,
                                                  cf->ids[v], hz);
                                }
                        }
                }
        }
}

/* The group gauges: memory, fds, the worst fd ratio, the oldest start. */
static void group_gauges(struct pg_out *o, const struct pg_tracker *t, const struct printed *pnp) {
        const struct pg_procfs *fs = pg_tracker_procfs(t);
        const struct pg_track_opts *op = pg_tracker_opts(t);
        const struct pg_group *const *gs = pnp->gs;
        size_t n = pnp->n;
        long hz = fs->ticks;

        family(o, NS "memory_bytes", "gauge", "number of bytes of memory in use");
        for (size_t i = 0; i < n; i++) {
                static const char *const memtype[PG_MEM_MAX] = {"resident", "virtual", "swapped",
                                                                "proportionalResident",
                                                                "proportionalSwapped"};
                /* process-exporter's memtypes only (code, data, stack are not). */
                int nm = op->smaps ? PG_MEM_PROP_SWAP + 1 : PG_MEM_PROP_RESIDENT;
                for (int m = 0; m < nm; m++) {
                        sample_head(o, NS "memory_bytes", gname(pnp, i), "memtype", memtype[m],
                                    NULL, NULL);
                        end_u64(o, gs[i]->memory.v[m]);
                }
        }
        family(o, NS "open_filedesc", "gauge", "number of open file descriptors for this group");
        for (size_t i = 0; i < n; i++) {
                sample_head(o, NS "open_filedesc", gname(pnp, i), NULL, NULL, NULL, NULL);
                end_u64(o, gs[i]->open_fds);
        }
        family(o, NS "worst_fd_ratio", "gauge",
               "the worst (closest to 1) ratio between open fds and max fds among all procs in "
               "this group");
        for (size_t i = 0; i < n; i++) {
                sample_head(o, NS "worst_fd_ratio", gname(pnp, i), NULL, NULL, NULL, NULL);
                pg_out_double(o, gs[i]->worst_fd_ratio);
                pg_out_char(o, '\n');
        }
        family(o, NS "oldest_start_time_seconds", "gauge",
               "start time in seconds since 1970/01/01 of oldest process in group");
        for (size_t i = 0; i < n; i++) {
                if (gs[i]->procs == 0)
                        continue;
                sample_head(o, NS "oldest_start_time_seconds", gname(pnp, i), NULL, NULL, NULL,
                            NULL);
                end_secs(o,
                         pg_sat_epoch_ticks(fs->boot_time, (uint64_t)hz, gs[i]->oldest_start_ticks),
                         hz);
        }
}

/* Thread figures of each group: count, states, wait channels and, with
 * thread series, the names. */
static void thread_gauges(struct pg_out *o, const struct printed *pnp, bool names) {
        const struct pg_group *const *gs = pnp->gs;
        size_t n = pnp->n;

        family(o, NS "num_threads", "gauge", "Number of threads");
        for (size_t i = 0; i < n; i++) {
                sample_head(o, NS "num_threads", gname(pnp, i), NULL, NULL, NULL, NULL);
                end_u64(o, gs[i]->threads);
        }
        /* The exporter's words; like ours, it counts threads once it reads
         * them. */
        family(o, NS "states", "gauge",
               "Number of processes in states Running, Sleeping, Waiting, Zombie, or Other");
        for (size_t i = 0; i < n; i++)
                for (int k = 0; k < PG_STATE_MAX; k++) {
                        sample_head(o, NS "states", gname(pnp, i), "state", state_labels[k], NULL,
                                    NULL);
                        end_u64(o, gs[i]->states.v[k]);
                }
        family(o, NS "threads_wchan", "gauge",
               "Number of threads in this group waiting on each wchan");
        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < gs[i]->num_wchan; k++) {
                        sample_head(o, NS "threads_wchan", gname(pnp, i), "wchan",
                                    gs[i]->wchan[k].name, NULL, NULL);
                        end_u64(o, gs[i]->wchan[k].count);
                }
        if (!names)
                return;
        family(o, NS "thread_count", "gauge",
               "Number of threads in this group with same threadname");
        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < gs[i]->num_thread_names; k++) {
                        sample_head(o, NS "thread_count", gname(pnp, i), "threadname",
                                    tname(pnp, i, k), NULL, NULL);
                        end_u64(o, gs[i]->thread_names[k].count);
                }
}

/* process-exporter's error counters, since the start, from our scan
 * figures (README, "Prometheus"):
 * - scrape_errors: scans that failed as a whole (the root could not be
 *   listed, or memory ran out); the exporter's "no proc metrics collected
 *   during a cycle";
 * - scrape_partial_errors: soft errors, an optional file of a process
 *   (io, fd/, limits...) that could not be read while the rest was; the
 *   exporter counts at most about one per process, we count each file;
 * - scrape_procread_errors: hard errors, a process skipped for malformed
 *   content. Like the exporter, a process that vanished during the read
 *   is no error, and neither is one hidden by hidepid (the exporter
 *   cannot read its stat, and skips it silently). */
static void exporter_errors(struct pg_out *o, const struct pg_track_stats *s) {
        const struct {
                const char *name, *help;
                uint64_t v;
        } errs[] = {
            {"namedprocess_scrape_errors",
             "general scrape errors: no proc metrics collected during a cycle", s->failed_scans},
            {"namedprocess_scrape_partial_errors",
             "incremented each time a tracked proc's metrics collection fails partially, e.g. "
             "unreadable I/O stats",
             s->soft_errors_total},
            {"namedprocess_scrape_procread_errors",
             "incremented each time a proc's metrics collection fails", s->hard_errors_total},
        };
        for (size_t k = 0; k < NFAM(errs); k++) {
                family(o, errs[k].name, "counter", errs[k].help);
                pg_out_str(o, errs[k].name);
                pg_out_char(o, ' ');
                end_u64(o, errs[k].v);
        }
}

/* Exit records (doc/exits.md): whether they are used, and if not why, as
 * a label (absent when active, so that the series of an active listener
 * does not change with the wording of reasons); then what they did since
 * the start. */
static void exit_figures(struct pg_out *o, const struct pg_tracker *t) {
        const struct pg_track_stats *s = pg_tracker_stats(t);
        const struct {
                const char *name, *help;
                uint64_t v;
        } counters[] = {
            {"procgroups_exit_records_credited_total",
             "processes that exited credited to their group from their exit records",
             s->exits_credited},
            {"procgroups_exit_records_lost_total",
             "exit records the kernel dropped (socket full); their processes were counted by the "
             "/proc method",
             s->exits_lost},
            {"procgroups_exit_records_bad_total", "malformed exit records, skipped", s->exits_bad},
        };
        bool active = pg_tracker_exits_active(t);

        family(o, "procgroups_exit_records_active", "gauge",
               "1 when exits are credited from the kernel's exit records (taskstats); 0 with the "
               "reason when the /proc method (children_time) stands alone");
        pg_out_str(o, "procgroups_exit_records_active");
        if (!active) {
                const char *why = exits_state(t);
                pg_out_str(o, "{reason=\"");
                pg_out_prom_label(o, why, strlen(why));
                pg_out_str(o, "\"}");
        }
        pg_out_char(o, ' ');
        end_u64(o, active ? 1 : 0);
        for (size_t k = 0; k < NFAM(counters); k++) {
                family(o, counters[k].name, "counter", counters[k].help);
                pg_out_str(o, counters[k].name);
                pg_out_char(o, ' ');
                end_u64(o, counters[k].v);
        }
}

/* The collector's own figures of the last scan. */
static void scan_figures(struct pg_out *o, const struct pg_tracker *t) {
        const struct pg_track_stats *s = pg_tracker_stats(t);
        const struct pg_track_opts *op = pg_tracker_opts(t);

        const struct {
                const char *name, *help;
                uint64_t v;
        } figures[] = {
            {"procgroups_scan_processes", "processes seen by the last scan", s->procs},
            {"procgroups_scan_vanished", "processes that exited while the last scan read them",
             s->vanished},
            {"procgroups_scan_hidden",
             "processes the kernel hides from the last scan (procfs hidepid)", s->hidden},
            {"procgroups_scan_soft_errors",
             "files the last scan could not read (field unknown, process kept)", s->soft_errors},
            {"procgroups_scan_hard_errors",
             "processes the last scan skipped for malformed /proc content", s->hard_errors},
            {"procgroups_scan_kept_files",
             "/proc files kept open between scans (about 4 KiB of kernel memory each)",
             s->kept_files},
            {"procgroups_scan_groups", "groups listed after the last scan", s->groups},
            {"procgroups_scan_overflow",
             "processes and thread names the last scan put in _other because of a cap "
             "(max_groups, max_thread_names)",
             s->overflow},
        };
        for (size_t k = 0; k < NFAM(figures); k++) {
                family(o, figures[k].name, "gauge", figures[k].help);
                pg_out_str(o, figures[k].name);
                pg_out_char(o, ' ');
                end_u64(o, figures[k].v);
        }
        family(o, "procgroups_groups_forgotten_total", "counter",
               "groups forgotten after forget_after seconds without members");
        pg_out_str(o, "procgroups_groups_forgotten_total ");
        end_u64(o, s->groups_forgotten);
        family(o, "procgroups_scan_duration_seconds", "gauge", "wall time of the last scan");
        pg_out_str(o, "procgroups_scan_duration_seconds ");
        pg_out_double(o, s->seconds);
        pg_out_char(o, '\n');
        exit_figures(o, t);
        family(o, "procgroups_children_time", "gauge",
               "1 when reaped children's CPU time and faults are credited to their parent's group");
        pg_out_str(o, "procgroups_children_time ");
        end_u64(o, op->children_time ? 1 : 0);
}

void pg_report_prometheus(struct pg_out *o, const struct pg_tracker *t) {
        const struct pg_group *const *gs;
        size_t n = pg_tracker_groups(t, &gs);
        long hz = pg_tracker_procfs(t)->ticks;
        const struct pg_track_opts *op = pg_tracker_opts(t);
        struct printed pn;

        if (printed_init(&pn, gs, n) < 0) {
                o->err = -ENOMEM;
                return;
        }
        family(o, NS "num_procs", "gauge", "number of processes in this group");
        for (size_t i = 0; i < n; i++) {
                sample_head(o, NS "num_procs", gname(&pn, i), NULL, NULL, NULL, NULL);
                end_u64(o, gs[i]->procs);
        }
        counters(o, group_counters, NFAM(group_counters), &pn, hz, false);
        group_gauges(o, t, &pn);
        thread_gauges(o, &pn, op->thread_series);
        if (op->thread_series)
                counters(o, thread_counters, NFAM(thread_counters), &pn, hz, true);
        printed_free(&pn);
        exporter_errors(o, pg_tracker_stats(t));
        scan_figures(o, t);
}
