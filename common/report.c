/* Group reports in JSON and Prometheus text; see report.h. */
#include "config.h"
#include "report.h"

#include <string.h>

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

static void group_json(struct pg_out *o, const struct pg_tracker *t, const struct pg_group *g) {
        const struct pg_procfs *fs = pg_tracker_procfs(t);

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
                pg_out_ratio(o, fs->boot_time * (uint64_t)fs->ticks + g->oldest_start_ticks,
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
                if (i)
                        pg_out_char(o, ',');
                pg_out_json_str(o, tn->name, strlen(tn->name));
                pg_out_str(o, ":{\"count\":");
                pg_out_u64(o, tn->count);
                pg_out_str(o, ",\"counts\":");
                pg_format_counts_json(o, fs, &tn->counts);
                pg_out_char(o, '}');
        }
        pg_out_str(o, "}}");
}

void pg_report_json(struct pg_out *o, const struct pg_tracker *t) {
        const struct pg_track_stats *s = pg_tracker_stats(t);
        const struct pg_track_opts *op = pg_tracker_opts(t);
        const struct pg_group *const *g;
        size_t n = pg_tracker_groups(t, &g);

        pg_out_str(o, "{\"groups\":{");
        for (size_t i = 0; i < n; i++) {
                if (i)
                        pg_out_char(o, ',');
                pg_out_json_str(o, g[i]->name, strlen(g[i]->name));
                pg_out_char(o, ':');
                group_json(o, t, g[i]);
        }
        pg_out_str(o, "},\"scan\":{\"procs\":");
        pg_out_u64(o, s->procs);
        pg_out_str(o, ",\"vanished\":");
        pg_out_u64(o, s->vanished);
        pg_out_str(o, ",\"soft_errors\":");
        pg_out_u64(o, s->soft_errors);
        pg_out_str(o, ",\"hard_errors\":");
        pg_out_u64(o, s->hard_errors);
        pg_out_str(o, ",\"seconds\":");
        pg_out_double(o, s->seconds);
        pg_out_str(o, "},\"options\":{\"threads\":");
        out_bool(o, op->threads);
        pg_out_str(o, ",\"children\":");
        out_bool(o, op->children);
        pg_out_str(o, ",\"children_time\":");
        out_bool(o, op->children_time);
        pg_out_str(o, ",\"smaps\":");
        out_bool(o, op->smaps);
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

void pg_report_prometheus(struct pg_out *o, const struct pg_tracker *t) {
        const struct pg_procfs *fs = pg_tracker_procfs(t);
        const struct pg_track_stats *s = pg_tracker_stats(t);
        const struct pg_track_opts *op = pg_tracker_opts(t);
        const struct pg_group *const *gs;
        size_t n = pg_tracker_groups(t, &gs);
        long hz = fs->ticks;

        family(o, NS "num_procs", "gauge", "number of processes in this group");
        for (size_t i = 0; i < n; i++) {
                sample_head(o, NS "num_procs", gs[i]->name, NULL, NULL, NULL, NULL);
                end_u64(o, gs[i]->procs);
        }
        family(o, NS "cpu_seconds_total", "counter", "Cpu user usage in seconds");
        for (size_t i = 0; i < n; i++) {
                sample_head(o, NS "cpu_seconds_total", gs[i]->name, "mode", "user", NULL, NULL);
                end_secs(o, gs[i]->counts.v[PG_CPU_USER], hz);
                sample_head(o, NS "cpu_seconds_total", gs[i]->name, "mode", "system", NULL, NULL);
                end_secs(o, gs[i]->counts.v[PG_CPU_SYSTEM], hz);
        }
        static const struct {
                const char *name, *help;
                int id;
        } simple[] = {
            {NS "read_bytes_total", "number of bytes read by this group", PG_READ_BYTES},
            {NS "write_bytes_total", "number of bytes written by this group", PG_WRITE_BYTES},
            {NS "major_page_faults_total", "Major page faults", PG_MAJOR_FAULTS},
            {NS "minor_page_faults_total", "Minor page faults", PG_MINOR_FAULTS},
        };
        for (size_t k = 0; k < sizeof(simple) / sizeof(simple[0]); k++) {
                family(o, simple[k].name, "counter", simple[k].help);
                for (size_t i = 0; i < n; i++) {
                        sample_head(o, simple[k].name, gs[i]->name, NULL, NULL, NULL, NULL);
                        end_u64(o, gs[i]->counts.v[simple[k].id]);
                }
        }
        family(o, NS "context_switches_total", "counter", "Context switches");
        for (size_t i = 0; i < n; i++) {
                sample_head(o, NS "context_switches_total", gs[i]->name, "ctxswitchtype",
                            "voluntary", NULL, NULL);
                end_u64(o, gs[i]->counts.v[PG_CTX_VOLUNTARY]);
                sample_head(o, NS "context_switches_total", gs[i]->name, "ctxswitchtype",
                            "nonvoluntary", NULL, NULL);
                end_u64(o, gs[i]->counts.v[PG_CTX_NONVOLUNTARY]);
        }
        family(o, NS "memory_bytes", "gauge", "number of bytes of memory in use");
        for (size_t i = 0; i < n; i++) {
                static const char *const memtype[PG_MEM_MAX] = {"resident", "virtual", "swapped",
                                                                "proportionalResident",
                                                                "proportionalSwapped"};
                int nm = op->smaps ? PG_MEM_MAX : PG_MEM_PROP_RESIDENT;
                for (int m = 0; m < nm; m++) {
                        sample_head(o, NS "memory_bytes", gs[i]->name, "memtype", memtype[m], NULL,
                                    NULL);
                        end_u64(o, gs[i]->memory.v[m]);
                }
        }
        family(o, NS "open_filedesc", "gauge", "number of open file descriptors for this group");
        for (size_t i = 0; i < n; i++) {
                sample_head(o, NS "open_filedesc", gs[i]->name, NULL, NULL, NULL, NULL);
                end_u64(o, gs[i]->open_fds);
        }
        family(o, NS "worst_fd_ratio", "gauge",
               "the worst (closest to 1) ratio between open fds and max fds among all procs in "
               "this group");
        for (size_t i = 0; i < n; i++) {
                sample_head(o, NS "worst_fd_ratio", gs[i]->name, NULL, NULL, NULL, NULL);
                pg_out_double(o, gs[i]->worst_fd_ratio);
                pg_out_char(o, '\n');
        }
        family(o, NS "oldest_start_time_seconds", "gauge",
               "start time in seconds since 1970/01/01 of oldest process in group");
        for (size_t i = 0; i < n; i++) {
                if (gs[i]->procs == 0)
                        continue;
                sample_head(o, NS "oldest_start_time_seconds", gs[i]->name, NULL, NULL, NULL, NULL);
                end_secs(o, fs->boot_time * (uint64_t)hz + gs[i]->oldest_start_ticks, hz);
        }
        family(o, NS "num_threads", "gauge", "Number of threads");
        for (size_t i = 0; i < n; i++) {
                sample_head(o, NS "num_threads", gs[i]->name, NULL, NULL, NULL, NULL);
                end_u64(o, gs[i]->threads);
        }
        family(o, NS "states", "gauge", "Number of threads in each state");
        for (size_t i = 0; i < n; i++)
                for (int k = 0; k < PG_STATE_MAX; k++) {
                        sample_head(o, NS "states", gs[i]->name, "state", state_labels[k], NULL,
                                    NULL);
                        end_u64(o, gs[i]->states.v[k]);
                }
        family(o, NS "threads_wchan", "gauge",
               "Number of threads in this group waiting on each wchan");
        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < gs[i]->num_wchan; k++) {
                        sample_head(o, NS "threads_wchan", gs[i]->name, "wchan",
                                    gs[i]->wchan[k].name, NULL, NULL);
                        end_u64(o, gs[i]->wchan[k].count);
                }
        family(o, NS "thread_count", "gauge",
               "Number of threads in this group with same threadname");
        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < gs[i]->num_thread_names; k++) {
                        sample_head(o, NS "thread_count", gs[i]->name, "threadname",
                                    gs[i]->thread_names[k].name, NULL, NULL);
                        end_u64(o, gs[i]->thread_names[k].count);
                }
        family(o, NS "thread_cpu_seconds_total", "counter", "Cpu user/system usage in seconds");
        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < gs[i]->num_thread_names; k++) {
                        const struct pg_thread_name *tn = &gs[i]->thread_names[k];
                        sample_head(o, NS "thread_cpu_seconds_total", gs[i]->name, "threadname",
                                    tn->name, "mode", "user");
                        end_secs(o, tn->counts.v[PG_CPU_USER], hz);
                        sample_head(o, NS "thread_cpu_seconds_total", gs[i]->name, "threadname",
                                    tn->name, "mode", "system");
                        end_secs(o, tn->counts.v[PG_CPU_SYSTEM], hz);
                }
        family(o, NS "thread_major_page_faults_total", "counter",
               "Major page faults for these threads");
        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < gs[i]->num_thread_names; k++) {
                        sample_head(o, NS "thread_major_page_faults_total", gs[i]->name,
                                    "threadname", gs[i]->thread_names[k].name, NULL, NULL);
                        end_u64(o, gs[i]->thread_names[k].counts.v[PG_MAJOR_FAULTS]);
                }
        family(o, NS "thread_minor_page_faults_total", "counter",
               "Minor page faults for these threads");
        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < gs[i]->num_thread_names; k++) {
                        sample_head(o, NS "thread_minor_page_faults_total", gs[i]->name,
                                    "threadname", gs[i]->thread_names[k].name, NULL, NULL);
                        end_u64(o, gs[i]->thread_names[k].counts.v[PG_MINOR_FAULTS]);
                }
        family(o, NS "thread_context_switches_total", "counter",
               "Context switches for these threads");
        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < gs[i]->num_thread_names; k++) {
                        const struct pg_thread_name *tn = &gs[i]->thread_names[k];
                        sample_head(o, NS "thread_context_switches_total", gs[i]->name,
                                    "threadname", tn->name, "ctxswitchtype", "voluntary");
                        end_u64(o, tn->counts.v[PG_CTX_VOLUNTARY]);
                        sample_head(o, NS "thread_context_switches_total", gs[i]->name,
                                    "threadname", tn->name, "ctxswitchtype", "nonvoluntary");
                        end_u64(o, tn->counts.v[PG_CTX_NONVOLUNTARY]);
                }

        family(o, "procgroups_scan_processes", "gauge", "processes seen by the last scan");
        pg_out_str(o, "procgroups_scan_processes ");
        end_u64(o, s->procs);
        family(o, "procgroups_scan_vanished", "gauge",
               "processes that exited while the last scan read them");
        pg_out_str(o, "procgroups_scan_vanished ");
        end_u64(o, s->vanished);
        family(o, "procgroups_scan_soft_errors", "gauge",
               "files the last scan could not read (field unknown, process kept)");
        pg_out_str(o, "procgroups_scan_soft_errors ");
        end_u64(o, s->soft_errors);
        family(o, "procgroups_scan_hard_errors", "gauge",
               "processes the last scan skipped for malformed /proc content");
        pg_out_str(o, "procgroups_scan_hard_errors ");
        end_u64(o, s->hard_errors);
        family(o, "procgroups_scan_duration_seconds", "gauge", "wall time of the last scan");
        pg_out_str(o, "procgroups_scan_duration_seconds ");
        pg_out_double(o, s->seconds);
        pg_out_char(o, '\n');
        family(o, "procgroups_children_time", "gauge",
               "1 when reaped children's CPU time and faults are credited to their parent's group");
        pg_out_str(o, "procgroups_children_time ");
        end_u64(o, op->children_time ? 1 : 0);
}
