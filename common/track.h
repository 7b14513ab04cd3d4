/* SPDX-License-Identifier: MIT */
/* The tracker: processes keyed by (pid, start time), grouped by the rules,
 * with group counters that never go backwards. See doc/architecture.md.
 *
 * Counters (struct pg_counts, CPU in clock ticks) only grow: a group starts
 * from its members' lifetime counts at the first scan, then adds deltas;
 * what an exited process contributed stays. Gauges are sums over the live
 * members of the last scan. */
#ifndef PG_TRACK_H
#define PG_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kept.h"
#include "match.h"
#include "proc.h"

struct pg_track_opts {
        bool threads;       /* read task/ of multi-threaded processes */
        bool children;      /* unmatched processes join their ancestor's group */
        bool smaps;         /* proportional memory from smaps_rollup */
        bool children_time; /* credit reaped children's cutime/cstime */
        bool maps;          /* count the mappings (lines of maps) of members */
        /* Files kept open across scans (stat, schedstat; status, io and
         * wchan of a process while it runs) and re-read with pread, on a
         * real procfs only: 0 = auto (pg_kept_fds_auto(false)); < 0 =
         * none; > 0 = at most that many. Each saves openat+close of its
         * directory and file per scan and costs the kernel about 4 KiB
         * (its seq_file buffer, charged to our memory cgroup). */
        int kept_fds;
        /* Tests only: keep fds on a fake tree too (its files are then
         * re-read by pread and must be rewritten in place, since a kept
         * descriptor of a replaced file reads the old text forever). */
        bool kept_on_any_root;
        /* Seconds an empty group, thread name or wait channel stays listed
         * (counters kept, gauges 0) before it is forgotten; 0: never. One
         * of that name later is a new group: its counters start again
         * from its members' (a counter reset, once). */
        double forget_after;
        /* Past this many groups a new name goes to PG_GROUP_OTHER; 0: no
         * cap. */
        uint32_t max_groups;
        /* The same per group, for thread names and wait channels. */
        uint32_t max_thread_names;
        /* Kernel threads that no rule with a selector (comm, exe,
         * cmdline) names join PG_GROUP_KERNEL; rules without a selector
         * do not take them. */
        bool kernel_group;
        /* Per-thread-name series (thread names and their counters): false
         * drops them from every output, while the threads are still read
         * so that the group's context switches and states stay exact
         * (threads = false stops reading them). */
        bool thread_series;
        /* Match every live process again at each scan (its argv re-read),
         * not only after its comm changed: one that rewrites its argv
         * (setproctitle) moves to its new group. */
        bool recheck;
        /* Credit each process that exits with its final totals from the
         * kernel's exit records (common/exits.h, doc/exits.md), in the
         * group its own rules give it, even when no scan saw it. Only on
         * a live procfs of our own PID namespace, with CAP_NET_ADMIN in
         * the initial namespaces; elsewhere, and for the records the
         * kernel drops, the /proc method (children_time) stays, and
         * pg_tracker_exits_why() says why. */
        bool exit_records;
        /* The listener's receive buffer in bytes (0: 4 MiB, about 2,000
         * records): what a burst of exits between two drains may fill
         * before the kernel drops records. */
        int exit_buffer;
        /* Tests and benchmarks: never take the process CPU clock as the
         * idle test (cpuclock.h), read every process's files each scan. */
        bool no_cpu_clock;
};

#define PG_FORGET_AFTER_DEFAULT     300
#define PG_MAX_GROUPS_DEFAULT       1000
#define PG_MAX_THREAD_NAMES_DEFAULT 64
/* What the front ends accept: a year, and a million names. */
#define PG_FORGET_AFTER_MAX 31536000
#define PG_CAP_MAX          1000000
/* The overflow group (and thread name) past a cap; the kernel threads'. */
#define PG_GROUP_OTHER  "_other"
#define PG_GROUP_KERNEL "kernel"

#define PG_TRACK_OPTS_DEFAULT                                                                      \
        {                                                                                          \
                .threads = true, .children = true, .smaps = false, .children_time = true,          \
                .forget_after = PG_FORGET_AFTER_DEFAULT, .max_groups = PG_MAX_GROUPS_DEFAULT,      \
                .max_thread_names = PG_MAX_THREAD_NAMES_DEFAULT, .kernel_group = true,             \
                .thread_series = true, .recheck = false, .exit_records = true                      \
        }

struct pg_wchan_count {
        const char *name;
        uint64_t count; /* threads waiting there */
};

struct pg_thread_name {
        const char *name;
        uint64_t count;          /* live threads of that name */
        struct pg_counts counts; /* monotonic, like the group's */
};

/* A group as the front ends see it after a scan. */
struct pg_group {
        const char *name;
        uint64_t procs;   /* live members */
        uint64_t threads; /* their threads */
        struct pg_counts counts;
        struct pg_memory memory;
        uint64_t open_fds;
        /* Sum of the members' soft RLIMIT_NOFILE where known and finite:
         * the room their open_fds have. */
        uint64_t fd_limit;
        double worst_fd_ratio;
        uint64_t maps;               /* mappings of the members, when opts.maps */
        uint64_t oldest_start_ticks; /* valid when procs > 0 */
        struct pg_states states;
        const struct pg_wchan_count *wchan;
        size_t num_wchan;
        const struct pg_thread_name *thread_names;
        size_t num_thread_names;
};

/* Figures of the last scan. */
struct pg_track_stats {
        uint64_t procs;    /* processes seen */
        uint64_t vanished; /* exited while read */
        uint64_t hidden;   /* not visible to us (hidepid): not errors */
        uint64_t soft_errors;
        uint64_t hard_errors;
        uint64_t kept_files;       /* open between scans (kept_fds) */
        double seconds;            /* wall time of the scan */
        uint64_t groups;           /* listed now (pg_tracker_groups) */
        uint64_t groups_forgotten; /* since the start (forget_after) */
        /* Processes and thread names put in PG_GROUP_OTHER by a cap in
         * this scan: > 0 means a cap is hit. */
        uint64_t overflow;
        /* Since the start, as process-exporter's namedprocess_scrape_*
         * counters: scans that failed (the root could not be listed, or
         * memory ran out), and the soft and hard errors of every scan. */
        uint64_t failed_scans;
        uint64_t soft_errors_total;
        uint64_t hard_errors_total;
        /* Exit records (exit_records), since the start: processes
         * credited from them; records the kernel dropped (their
         * processes fell back to the /proc method); malformed ones. */
        uint64_t exits_credited;
        uint64_t exits_lost;
        uint64_t exits_bad;
        /* This scan: processes whose CPU clock had not moved, so that no
         * file of theirs was read (doc/memory.md). */
        uint64_t clock_idle;
};

/* Called once per hard error (malformed file: file names it, relative to
 * the pid's directory, or is "?") so that a front end can log it; common/
 * never logs. */
typedef void (*pg_track_error_fn)(void *ctx, pid_t pid, const char *file, int err);

/* Called when a cmdline regex of rule (its template) was stopped by a
 * PCRE2 resource limit (why names it) on process pid: only the first time
 * for each rule in the life of the tracker, so that a front end can log it
 * once. Not a hard error: every hit counts a soft error of its scan and the
 * rule counts as not matching. */
typedef void (*pg_track_limit_fn)(void *ctx, pid_t pid, const char *rule, const char *why);

struct pg_tracker;

/* Take ownership of src and rules. Returns 0 or -ENOMEM. */
int pg_tracker_new(struct pg_source *src, struct pg_rules *rules, const struct pg_track_opts *opts,
                   struct pg_tracker **ret);
void pg_tracker_free(struct pg_tracker *t);
void pg_tracker_set_error_fn(struct pg_tracker *t, pg_track_error_fn fn, void *ctx);
void pg_tracker_set_limit_fn(struct pg_tracker *t, pg_track_limit_fn fn, void *ctx);

/* One scan of the procfs root. Returns 0, or a negative errno when the
 * root could not be listed (the groups keep their last values). */
int pg_tracker_scan(struct pg_tracker *t);

/* The groups, sorted by name, valid until the next scan. Groups persist
 * with procs == 0 after their last member exits, so counters stay, for
 * forget_after seconds (track opts); then they are no longer listed. */
size_t pg_tracker_groups(const struct pg_tracker *t, const struct pg_group *const **ret);

const struct pg_track_stats *pg_tracker_stats(const struct pg_tracker *t);
const struct pg_procfs *pg_tracker_procfs(const struct pg_tracker *t);
const struct pg_track_opts *pg_tracker_opts(const struct pg_tracker *t);

/* Whether the process CPU clock is the idle test (cpuclock.h), and why not
 * when it is not ("off (recheck)", "not the procfs of our own PID
 * namespace", ...; "" when it is). */
bool pg_tracker_clock_active(const struct pg_tracker *t);
const char *pg_tracker_clock_why(const struct pg_tracker *t);

/* Whether exit records are in use, and why not when they are not ("off",
 * "needs CAP_NET_ADMIN", "not in the initial PID namespace", ...; "" when
 * they are). */
bool pg_tracker_exits_active(const struct pg_tracker *t);
const char *pg_tracker_exits_why(const struct pg_tracker *t);
/* The exit listener's socket, readable when records wait; -1 when none.
 * A front end that sleeps between scans polls it and calls
 * pg_tracker_drain() when it is readable, so that a burst of exits never
 * overflows the socket: the records wait, in bounded memory, for the
 * next scan. */
int pg_tracker_exits_fd(const struct pg_tracker *t);
void pg_tracker_drain(struct pg_tracker *t);

/* Tests only: use exit records from now on, on any root, and take rec as
 * if the listener had received it. */
struct pg_exit_rec;
void pg_tracker_exits_inject(struct pg_tracker *t, const struct pg_exit_rec *rec);

#endif
