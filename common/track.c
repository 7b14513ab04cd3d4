/* SPDX-License-Identifier: MIT */
/* The tracker's scan (see track.h, and doc/architecture.md, "A scan"):
 * the walk visits every process (pg_track_visit: its entry, its group, a
 * member's reads) and finish() credits the counters, retires the exited
 * and publishes the groups. Also the tracker's life (new, free, options).
 *
 * Every process seen is kept in the process table (pidtab.h) keyed by pid,
 * with its start time to tell a reused pid. A scan reads every process's
 * CPU clock (cpuclock.h) and skips one whose clock has not moved since its
 * last full read: no thread of it ran, so its files say what they said.
 * The others get stat; only group members get the rest. Counter contributions are
 * deltas of raw kernel values, so nothing is ever subtracted from a
 * group. The other jobs live in kept.c, threads.c, children.c and
 * group.c (see track_int.h). */
#include "config.h"
#include "track.h"
#include "track_int.h"

#include "cpuclock.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Release what e holds: its kept descriptors and its threads. */
static void release(struct pg_tracker *t, struct tproc *e) {
        pg_kept_close_all(&t->kept, e);
        free(e->thr);
}

/* Forget e: release it and take it out of the table (it becomes a hole
 * until finish() compacts the pool; other entries do not move). */
void pg_track_forget(struct pg_tracker *t, struct tproc *e) {
        if (e->seen == t->gen)
                t->nseen--;
        pg_group_ref(&t->groups, e->group, -1);
        release(t, e);
        pg_pidtab_erase(&t->procs, e);
}

int pg_tracker_new(struct pg_source *src, struct pg_rules *rules, const struct pg_track_opts *opts,
                   struct pg_tracker **ret) {
        struct pg_tracker *t = calloc(1, sizeof(*t));

        if (!t || pg_pidtab_init(&t->procs) < 0) {
                free(t);
                return -ENOMEM;
        }
        t->src = src;
        t->rules = rules;
        t->opts = *opts;
        pg_groups_init(&t->groups, opts);
        t->clock_why = "off (no_cpu_clock)";
        /* recheck reads every process's argv each scan anyway. */
        t->clock = !opts->no_cpu_clock && !opts->recheck &&
                   pg_cpuclock_usable(pg_source_procfs(src), &t->clock_why);
        if (opts->recheck)
                t->clock_why = "off (recheck)";
        pg_kept_init(&t->kept, &t->procs, pg_source_procfs(src), opts->kept_fds,
                     opts->kept_on_any_root, t->clock);
        t->ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        if (t->ncpu < 1)
                t->ncpu = 1;
        if (pg_xc_open(t) < 0) {
                pg_pidtab_free(&t->procs);
                free(t);
                return -ENOMEM;
        }
        *ret = t;
        return 0;
}

void pg_tracker_free(struct pg_tracker *t) {
        if (!t)
                return;
        for (size_t i = 0; i < t->procs.n; i++)
                release(t, pg_pidtab_at(&t->procs, i));
        pg_pidtab_free(&t->procs);
        pg_groups_free(&t->groups);
        free(t->deferred);
        free(t->dstack);
        free(t->reaped.v);
        pg_xc_free(t);
        for (size_t i = 0; i < t->nwchans; i++)
                free(t->wchans[i]);
        free(t->wchans);
        free(t->tbuf);
        free(t->tids);
        pg_source_free(t->src);
        pg_rules_free(t->rules);
        free(t);
}

void pg_tracker_set_error_fn(struct pg_tracker *t, pg_track_error_fn fn, void *ctx) {
        t->err_fn = fn;
        t->err_ctx = ctx;
}

void pg_tracker_set_limit_fn(struct pg_tracker *t, pg_track_limit_fn fn, void *ctx) {
        t->limit_fn = fn;
        t->limit_ctx = ctx;
}

const struct pg_track_stats *pg_tracker_stats(const struct pg_tracker *t) {
        return &t->stats;
}

const struct pg_procfs *pg_tracker_procfs(const struct pg_tracker *t) {
        return pg_source_procfs(t->src);
}

const struct pg_track_opts *pg_tracker_opts(const struct pg_tracker *t) {
        return &t->opts;
}

bool pg_tracker_clock_active(const struct pg_tracker *t) {
        return t->clock;
}

const char *pg_tracker_clock_why(const struct pg_tracker *t) {
        return t->clock ? "" : t->clock_why;
}

/* Whether p is a kernel thread: PF_KTHREAD in its stat flags, or
 * kthreadd or one of its children with no command line (a tree whose
 * flags say nothing, like one written by hand). */
static bool is_kthread(const struct pg_proc *p, const struct pg_static *st) {
        return (p->stat.flags & PG_PF_KTHREAD) ||
               ((p->pid == 2 || p->stat.ppid == 2) && st->cmdline_len == 0);
}

/* Match p (first sight or after exec). Returns the group index, -1 for
 * none, or a negative errno below -1 (PG_VANISHED, -EBADMSG...); sets
 * *overflow when a cap put p in PG_GROUP_OTHER. */
static int classify(struct pg_tracker *t, struct pg_proc *p, struct tproc *e, bool *overflow) {
        const struct pg_procfs *fs = pg_source_procfs(t->src);
        struct pg_match_input in;
        struct pg_match_note note;
        struct pg_static st;
        char name[PG_NAME_MAX];
        int r;

        r = pg_proc_static(p, &st);
        if (r < 0)
                return r;
        pg_xc_note_exe(t, p, &st);
        in.comm = st.name;
        in.cmdline = st.cmdline;
        in.cmdline_len = st.cmdline_len;
        in.argc = st.argc;
        in.pid = p->pid;
        in.start_ticks = st.start_ticks;
        in.boot_time = fs->boot_time;
        in.ticks = fs->ticks;
        in.euid = st.euid;
        in.fs = fs;
        /* Kernel threads stay out of the catch-all: renamed kworkers would
         * each make a group. A rule that names them still does. */
        in.no_catchall = t->opts.kernel_group && is_kthread(p, &st);
        in.argv_unknown = false;
        r = pg_rules_match_note(t->rules, &in, name, sizeof(name), &note);
        /* A regex stopped by its limits decided nothing: a soft error of
         * the scan, each rule reported once (the process is any user's). */
        if (note.limit_hits) {
                p->soft_errors++;
                if (note.new_rule && t->limit_fn)
                        t->limit_fn(t->limit_ctx, p->pid, note.new_rule, note.why);
        }
        if (r)
                return pg_groups_index(&t->groups, name, overflow);
        if (in.no_catchall)
                return pg_groups_index(&t->groups, PG_GROUP_KERNEL, overflow);
        if (t->opts.children) {
                const struct tproc *a = e;
                for (int depth = 0; depth < MAX_ANCESTRY && a->ppid > 0; depth++) {
                        const struct tproc *child = a;
                        /* An ancestor's ppid is as of its last full read
                         * (the CPU clock skips idle ones): one younger
                         * than its child holds a reused pid. */
                        a = pg_pidtab_lookup(&t->procs, a->ppid);
                        if (!a || a->start > child->start)
                                break;
                        if (a->group >= 0)
                                return a->group;
                }
        }
        return -1;
}

/* Whether member e has not run since the last scan: a process that has not
 * cannot have changed its CPU, faults, context switches, I/O, fds or
 * wchan. It has not when its schedstat (every thread's, for a
 * multi-threaded one) has not moved, it is not runnable and its rss is
 * unchanged (swap moves only with rss). Reads the threads into t->tbuf
 * when multi (their number in *n; 0 for fewer than 2), or the schedstat
 * into *sched. Returns 1 (idle), 0 or a negative errno. */
static int check_idle(struct pg_tracker *t, struct pg_proc *p, struct tproc *e, bool multi,
                      size_t *n, const struct pg_schedstat **sched) {
        const struct pg_stat *st = &p->stat;
        bool idle = e->reusable && e->join == JOIN_SETTLED && st->state != 'R' &&
                    st->state == e->state && st->rss == e->rss;

        if (multi) {
                bool changed = true;
                int r = pg_threads_read(t, p, e, n, &changed);
                if (r < 0)
                        return r;
                if (*n < 2)
                        *n = 0;
                return idle && !changed;
        }
        if (st->num_threads > 1)
                return 0; /* other threads may have run; task/ is off */
        return idle && pg_kept_sched(&t->kept, p, e, sched) == 0 && sched_same(&e->sched, *sched);
}

/* An idle member: the rest of m is the last full read's. */
static void reuse_last_read(const struct tproc *e, struct pg_metrics *m) {
        m->counts.v[PG_READ_BYTES] = e->cur[R_READ];
        m->counts.v[PG_WRITE_BYTES] = e->cur[R_WRITE];
        m->counts.v[PG_RCHAR] = e->cur[R_RCHAR];
        m->counts.v[PG_WCHAR] = e->cur[R_WCHAR];
        m->counts.v[PG_SYSCR] = e->cur[R_SYSCR];
        m->counts.v[PG_SYSCW] = e->cur[R_SYSCW];
        /* Mappings, data and stack change only by the process's own
         * calls (mmap, brk, a stack that grows): it ran for that. */
        memcpy(&m->memory.v[PG_MEM_CODE], e->vm, sizeof(e->vm));
        m->maps = e->maps;
        if (e->nthr > 0) {
                m->counts.v[PG_CTX_VOLUNTARY] = e->thr[0].c.v[PG_CTX_VOLUNTARY];
                m->counts.v[PG_CTX_NONVOLUNTARY] = e->thr[0].c.v[PG_CTX_NONVOLUNTARY];
        }
        m->memory.v[PG_MEM_SWAP] = e->swap_bytes;
        m->filedesc.open = e->open_fds;
        copy_name(m->wchan, sizeof(m->wchan), e->wchan ? e->wchan : "");
}

/* A member that ran: status, io, fd count and wchan, and the schedstat of
 * a single-threaded one not read yet (into *sched, NULL if it fails). */
static int read_busy(struct pg_tracker *t, struct pg_proc *p, struct tproc *e, struct pg_metrics *m,
                     const struct pg_schedstat **sched) {
        const struct pg_status *ss;
        const struct pg_io *io;
        const char *w;
        int r;

        r = pg_kept_status(&t->kept, p, e, &ss);
        if (r < 0)
                return r;
        pg_metrics_from_status(m, ss);
        r = pg_kept_io(&t->kept, p, e, &io);
        if (r == 0)
                pg_counts_from_io(&m->counts, io);
        else if (r == PG_VANISHED || r == -EBADMSG)
                return r;
        r = pg_proc_fds(p, &m->filedesc.open);
        if (r == PG_VANISHED)
                return r;
        if (r < 0)
                m->filedesc.open = -1;
        r = pg_kept_wchan(&t->kept, p, e, &w);
        if (r == PG_VANISHED)
                return r;
        if (r == 0)
                copy_name(m->wchan, sizeof(m->wchan), w);
        if (t->opts.maps) {
                r = pg_proc_maps(p, &m->maps);
                if (r == PG_VANISHED || r == -ENOMEM)
                        return r;
                if (r < 0)
                        m->maps = -1;
        }
        if (!*sched && p->stat.num_threads <= 1 && pg_kept_sched(&t->kept, p, e, sched) < 0)
                *sched = NULL;
        return 0;
}

/* The soft RLIMIT_NOFILE of e: at first sight, then every LIMITS_EVERY
 * scans. The smaps totals into m when asked for. */
static int read_limits_smaps(struct pg_tracker *t, struct pg_proc *p, struct tproc *e,
                             struct pg_metrics *m) {
        int r;

        if (e->join != JOIN_SETTLED || ++e->limits_age >= LIMITS_EVERY) {
                r = pg_proc_limit_nofile(p, &e->fd_limit);
                if (r == PG_VANISHED || r == -EBADMSG)
                        return r;
                if (r < 0)
                        e->fd_limit = 0;
                /* Staggered by pid from first sight: the processes found
                 * at one scan do not all read their limits again at one
                 * later scan. */
                e->limits_age = e->join == JOIN_SETTLED ? 0 : (uint8_t)(e->pid % LIMITS_EVERY);
        }
        if (t->opts.smaps) {
                struct pg_metrics sm;
                r = pg_proc_metrics(p, PG_READ_SMAPS, &sm);
                if (r < 0)
                        return r;
                m->memory.v[PG_MEM_PROP_RESIDENT] = sm.memory.v[PG_MEM_PROP_RESIDENT];
                m->memory.v[PG_MEM_PROP_SWAP] = sm.memory.v[PG_MEM_PROP_SWAP];
        }
        return 0;
}

/* Remember this read in e: for the scans in which the process sleeps,
 * and its raw counter values (cur) for finish() to credit. */
static int remember_read(struct pg_tracker *t, struct tproc *e, const struct pg_stat *st,
                         const struct pg_metrics *m, const struct pg_schedstat *sched, bool multi) {
        e->reusable = sched != NULL || multi;
        if (sched)
                sched_note(&e->sched, sched);
        e->state = st->state;
        e->rss = st->rss;
        e->vsize = st->vsize;
        e->num_threads = st->num_threads > UINT32_MAX ? UINT32_MAX : (uint32_t)st->num_threads;
        e->open_fds = m->filedesc.open;
        e->swap_bytes = m->memory.v[PG_MEM_SWAP];
        memcpy(e->vm, &m->memory.v[PG_MEM_CODE], sizeof(e->vm));
        e->maps = m->maps;
        e->wchan = pg_wchan_intern(t, e->wchan, m->wchan);
        if (!e->wchan)
                return -ENOMEM;
        e->cur[R_UTIME] = st->utime;
        e->cur[R_STIME] = st->stime;
        e->cur[R_MINFLT] = st->minflt;
        e->cur[R_MAJFLT] = st->majflt;
        e->cur[R_READ] = m->counts.v[PG_READ_BYTES];
        e->cur[R_WRITE] = m->counts.v[PG_WRITE_BYTES];
        e->cur[R_RCHAR] = m->counts.v[PG_RCHAR];
        e->cur[R_WCHAR] = m->counts.v[PG_WCHAR];
        e->cur[R_SYSCR] = m->counts.v[PG_SYSCR];
        e->cur[R_SYSCW] = m->counts.v[PG_SYSCW];
        e->cur[R_CUTIME] = st->cutime;
        e->cur[R_CSTIME] = st->cstime;
        e->cur[R_CMINFLT] = st->cminflt;
        e->cur[R_CMAJFLT] = st->cmajflt;
        e->cur_valid = true;
        return 0;
}

/* Read what a group member costs this scan and add its gauges and thread
 * counters to its group; its process counters are credited in finish().
 * An idle member (check_idle) costs a read of stat and schedstat: the
 * rest is the last full read's. */
static int read_member(struct pg_tracker *t, struct pg_proc *p, struct tproc *e) {
        struct group *g = pg_group_at(&t->groups, e->group);
        const struct pg_stat *st = &p->stat;
        struct pg_metrics m = {.filedesc.open = -1, .maps = -1};
        bool multi = t->opts.threads && st->num_threads > 1;
        const struct pg_schedstat *sched = NULL;
        size_t n = 0;
        int idle, r;

        idle = check_idle(t, p, e, multi, &n, &sched);
        if (idle < 0)
                return idle;
        pg_metrics_from_stat(&m, st, pg_source_procfs(t->src)->page_size);
        if (idle) {
                pg_kept_close_busy(&t->kept, e);
                reuse_last_read(e, &m);
        } else {
                r = read_busy(t, p, e, &m, &sched);
                if (r < 0)
                        return r;
        }
        r = read_limits_smaps(t, p, e, &m);
        if (r < 0)
                return r;
        r = remember_read(t, e, st, &m, sched, multi);
        if (r < 0)
                return r;
        r = pg_threads_account(t, e, g, n ? t->tbuf : NULL, n, &m);
        if (r < 0)
                return r;
        pg_group_add_member(g, e, st->num_threads, &m);
        t->groups.overflow += e->overflowed;
        return 0;
}

/* May e, whose comm changed since its last match if changed, be matched
 * again now? comm changes with exec, but also at the process's will
 * (PR_SET_NAME), and one that changed it all the time would have the
 * rules run on it at every scan. Each re-match in a streak makes the next
 * wait 0, 1, 3, 7 ... up to 63 scans (it keeps its group meanwhile); a
 * scan without a change shortens the streak. Costs two byte tests a scan. */
#define REMATCH_STREAK_MAX 7
static bool rematch_due(struct tproc *e, bool changed) {
        if (e->rm_wait > 0) {
                e->rm_wait--;
                return false;
        }
        if (!changed) {
                if (e->rm_streak > 0)
                        e->rm_streak--;
                return false;
        }
        if (e->rm_streak < REMATCH_STREAK_MAX)
                e->rm_streak++;
        e->rm_wait = (uint8_t)((1u << (e->rm_streak - 1)) - 1);
        return true;
}

/* A read of p failed with r: make room when it was for want of a
 * descriptor, and hand a hard error to the front end's error callback
 * (vanished and hidden processes are not errors). */
static void report_error(struct pg_tracker *t, const struct pg_proc *p, int r) {
        pg_kept_read_failed(&t->kept, r);
        if (r == PG_VANISHED || r == PG_HIDDEN)
                return;
        if (t->err_fn)
                t->err_fn(t->err_ctx, p->pid, pg_proc_failed(p), r);
}

/* The entry of p, whose stat is st: *ret is the one its pid had (or NULL)
 * and becomes the known one, or a new one (*is_new), or NULL when p was
 * put off until the end of the walk. Returns 0 or -ENOMEM. */
static int entry_for(struct pg_tracker *t, struct pg_proc *p, const struct pg_stat *st,
                     bool defer_ok, struct tproc **ret, bool *is_new) {
        struct tproc *e = *ret;

        *ret = NULL;
        if (e && e->start != st->starttime) {
                /* The pid was reused: the old process exited unseen. */
                pg_track_forget(t, e);
                e = NULL;
        }
        if (!e) {
                /* Children attribution needs the parent classified first,
                 * and the root lists pids in no order we can rely on (pid
                 * wrap; a fake tree's directory order): a new process
                 * whose parent this scan has not reached yet waits for
                 * the end of the walk. */
                if (defer_ok && t->opts.children && st->ppid > 0) {
                        const struct tproc *parent = pg_pidtab_lookup(&t->procs, st->ppid);
                        if (!parent || parent->seen != t->gen)
                                return pg_defer(t, p->pid, st->ppid);
                }
                e = pg_pidtab_insert(&t->procs, p->pid);
                if (!e)
                        return -ENOMEM;
                e->start = st->starttime;
                *is_new = true;
        }
        e->ppid = st->ppid;
        *ret = e;
        return 0;
}

/* Match e, when new or when it may have exec'd, and set how its counters
 * join its group. Returns 0 or a negative errno (PG_VANISHED, -EBADMSG,
 * -ENOMEM...). */
static int match_entry(struct pg_tracker *t, struct pg_proc *p, struct tproc *e,
                       const struct pg_stat *st, bool is_new) {
        int32_t old = e->group;
        bool overflow = false;
        int r;

        /* recheck: every scan, as process-exporter's -recheck does; the
         * cost is a cmdline read and the rules per process, which the
         * regex limits of match.c bound. */
        if (!is_new && !t->opts.recheck && !rematch_due(e, e->comm_hash != pg_comm_hash(st->comm)))
                return 0;
        r = classify(t, p, e, &overflow);
        if (r < -1)
                return r;
        e->comm_hash = pg_comm_hash(st->comm);
        pg_group_ref(&t->groups, old, r);
        e->group = r;
        e->overflowed = overflow;
        if (is_new || r != old) {
                /* Lifetime counts at the first scan and for a process born
                 * since the last one; deltas from now on for one that joins
                 * mid-life (exec). */
                e->join = !is_new ? JOIN_EXEC : t->gen == 1 ? JOIN_FIRST_SCAN : JOIN_BORN;
                pg_threads_forget(t, e);
                pg_kept_close_busy(&t->kept, e);
        }
        return 0;
}

/* Reading entry e failed with r. */
static void entry_failed(struct pg_tracker *t, struct tproc *e, bool is_new, int r) {
        if (is_new && r != -ENOMEM) {
                pg_track_forget(t, e);
        } else if (r == -EBADMSG) {
                /* Keep the known process (its last counts stay the
                 * baseline); skip it for this scan. */
                mark_seen(t, e, t->gen);
                e->cur_valid = false;
        } else if (r == PG_VANISHED) {
                e->cur_valid = false;
                mark_seen(t, e, t->gen - 1); /* let finish() retire it */
        }
}

/* Whether e, whose CPU clock reads clk now, may skip this scan's reads:
 * the clock has not moved since its last full read (no thread of it ran),
 * it was seen at the last scan and settled, and no refresh is due (see
 * REFRESH_EVERY; proportional memory moves with other processes'
 * mappings). */
static bool clock_idle(const struct pg_tracker *t, const struct tproc *e, uint64_t clk) {
        if (!e->clock_valid || e->clock_ns != clk || e->seen != t->gen - 1 ||
            ((uint32_t)e->pid + t->gen) % REFRESH_EVERY == 0)
                return false;
        return e->group < 0 || (e->join == JOIN_SETTLED && !t->opts.smaps);
}

/* The metrics of member e's last full read. */
static void last_metrics(const struct pg_tracker *t, const struct tproc *e, struct pg_metrics *m) {
        struct pg_stat st = {.state = e->state,
                             .utime = e->cur[R_UTIME],
                             .stime = e->cur[R_STIME],
                             .minflt = e->cur[R_MINFLT],
                             .majflt = e->cur[R_MAJFLT],
                             .num_threads = e->num_threads,
                             .vsize = e->vsize,
                             .rss = e->rss};

        pg_metrics_from_stat(m, &st, pg_source_procfs(t->src)->page_size);
        reuse_last_read(e, m);
}

/* A process the CPU clock found idle (clock_idle): seen, its kept files
 * closed (only processes that run keep any: doc/memory.md), and for a
 * member its last full read stands for this scan's, with deltas of 0.
 * Returns 0 or -ENOMEM. */
static int visit_idle(struct pg_tracker *t, struct pg_proc *p, struct tproc *e) {
        struct pg_metrics m = {.filedesc.open = -1, .maps = -1};
        struct group *g;
        size_t n = 0;
        int r;

        mark_seen(t, e, t->gen);
        pg_kept_close_all(&t->kept, e);
        t->stats.clock_idle++;
        if (e->group < 0)
                return 0;
        g = pg_group_at(&t->groups, e->group);
        last_metrics(t, e, &m);
        if (t->opts.threads && e->num_threads > 1 && e->nthr > 1) {
                r = pg_threads_reuse(t, e, &n);
                if (r < 0)
                        return r;
        }
        r = pg_threads_account(t, e, g, n ? t->tbuf : NULL, n, &m);
        if (r < 0)
                return r;
        /* Limits change from outside (prlimit): their file alone, when
         * due. A process gone meanwhile keeps its last one until the next
         * scan retires it; a malformed file is reported, the last stays. */
        if (++e->limits_age >= LIMITS_EVERY) {
                uint64_t lim;
                r = pg_proc_limit_nofile(p, &lim);
                if (r == 0) {
                        e->fd_limit = lim;
                } else if (r != PG_VANISHED) {
                        pg_source_account(t->src, r);
                        report_error(t, p, r);
                }
                e->limits_age = 0;
        }
        pg_group_add_member(g, e, e->num_threads, &m);
        t->groups.overflow += e->overflowed;
        e->cur_valid = true;
        return 0;
}

/* Note e's CPU clock as read before this scan's full read of it. One read
 * in full although it had not run (a refresh, REFRESH_EVERY) keeps no
 * file: only processes that run do. */
static void note_clock(struct pg_tracker *t, struct tproc *e, bool have, uint64_t clk,
                       bool refresh) {
        e->clock_ns = clk;
        e->clock_valid = have;
        if (refresh)
                pg_kept_close_all(&t->kept, e);
}

int pg_track_visit(struct pg_tracker *t, struct pg_proc *p, bool defer_ok) {
        const struct pg_stat *st;
        struct tproc *e = pg_pidtab_lookup(&t->procs, p->pid);
        bool is_new = false;
        /* The clock first: whatever the process does after it shows at
         * the next scan. */
        uint64_t clk = 0;
        bool have_clk = t->clock && pg_cpuclock_read(p->pid, &clk) == 0;
        bool refresh = false;
        int r;

        if (e && have_clk && clock_idle(t, e, clk))
                return visit_idle(t, p, e);
        if (e) {
                refresh = have_clk && e->clock_valid && e->clock_ns == clk;
                e->clock_valid = false;
        }
        r = pg_kept_stat(&t->kept, p, e, &st);
        if (r < 0) {
                /* A known process whose stat is malformed stays known with
                 * its last good values as the baseline (its start time
                 * cannot be checked; a pid reused and broken within one
                 * interval is not worth more): retiring it would add its
                 * lifetime counts a second time once stat reads well. */
                if (e && r != PG_VANISHED)
                        mark_seen(t, e, t->gen);
                goto fail;
        }
        r = entry_for(t, p, st, defer_ok, &e, &is_new);
        if (r < 0 || !e)
                return r;
        r = match_entry(t, p, e, st, is_new);
        if (r < 0)
                goto fail_entry;
        mark_seen(t, e, t->gen);
        if (e->group < 0) {
                note_clock(t, e, have_clk, clk, refresh);
                return 0;
        }
        r = read_member(t, p, e);
        if (r < 0)
                goto fail_entry;
        note_clock(t, e, have_clk, clk, refresh);
        return 0;

fail_entry:
        entry_failed(t, e, is_new, r);
fail:
        if (r == -ENOMEM)
                return r;
        pg_source_account(t->src, r);
        report_error(t, p, r);
        return 0;
}

/* Credit e's group with e's counter deltas since the last scan (see
 * enum join for a new member's), less its tracked children's that exited. */
static void credit_deltas(struct pg_tracker *t, struct tproc *e, uint64_t cpu_cap) {
        struct group *g = pg_group_at(&t->groups, e->group);
        struct pg_counts *c = &g->pub.counts;
        uint64_t d[R_MAX];

        for (int i = 0; i < R_MAX; i++) {
                /* (A new entry's raw is 0, or what its children's debts
                 * paid: see pg_xc_pay.) */
                if (e->join == JOIN_SETTLED || e->join == JOIN_BORN)
                        d[i] = delta(e->cur[i], e->raw[i]);
                else
                        d[i] = e->join == JOIN_EXEC ? 0 : e->cur[i];
        }
        /* At the first scan a process's lifetime counts are what ps shows:
         * its own; its children reaped before we looked are history. One
         * born since the last scan brings its reaped children too: they
         * were born after that scan as well, so nobody counted them. And
         * one that joins mid-life starts from zero anyway. */
        if (e->join == JOIN_EXEC || e->join == JOIN_FIRST_SCAN)
                d[R_CUTIME] = d[R_CSTIME] = d[R_CMINFLT] = d[R_CMAJFLT] = 0;
        if (e->reaped >= 0)
                pg_reaped_deduct(t, e, d);
        if (t->opts.children_time) {
                sat_add(&d[R_UTIME], d[R_CUTIME]);
                sat_add(&d[R_STIME], d[R_CSTIME]);
                sat_add(&d[R_MINFLT], d[R_CMINFLT]);
                sat_add(&d[R_MAJFLT], d[R_CMAJFLT]);
        }
        /* Guard rail: one process cannot use more than the machine. */
        if (cpu_cap && e->join == JOIN_SETTLED &&
            (unsigned __int128)d[R_UTIME] + d[R_STIME] > cpu_cap) {
                /* 128 bits: a wrapped sum would make STIME underflow. */
                unsigned __int128 sum = (unsigned __int128)d[R_UTIME] + d[R_STIME];
                d[R_UTIME] = (uint64_t)((unsigned __int128)d[R_UTIME] * cpu_cap / sum);
                d[R_STIME] = cpu_cap - d[R_UTIME];
        }
        sat_add(&c->v[PG_CPU_USER], d[R_UTIME]);
        sat_add(&c->v[PG_CPU_SYSTEM], d[R_STIME]);
        sat_add(&c->v[PG_MINOR_FAULTS], d[R_MINFLT]);
        sat_add(&c->v[PG_MAJOR_FAULTS], d[R_MAJFLT]);
        sat_add(&c->v[PG_READ_BYTES], d[R_READ]);
        sat_add(&c->v[PG_WRITE_BYTES], d[R_WRITE]);
        sat_add(&c->v[PG_RCHAR], d[R_RCHAR]);
        sat_add(&c->v[PG_WCHAR], d[R_WCHAR]);
        sat_add(&c->v[PG_SYSCR], d[R_SYSCR]);
        sat_add(&c->v[PG_SYSCW], d[R_SYSCW]);
        memcpy(e->raw, e->cur, sizeof(e->raw));
        e->join = JOIN_SETTLED;
}

/* Credit every member read this scan with its counter deltas. */
static void credit_members(struct pg_tracker *t, uint64_t cpu_cap) {
        for (size_t i = 0; i < t->procs.n; i++) {
                struct tproc *e = pg_pidtab_at(&t->procs, i);
                if (e->seen == t->gen && e->group >= 0 && e->cur_valid)
                        credit_deltas(t, e, cpu_cap);
                e->cur_valid = false;
        }
}

/* Forget the entries not seen this scan (what they contributed stays) and
 * compact the pool: the one place entries move (see pidtab.h), where no
 * pointer into the pool is held. */
static void retire_exited(struct pg_tracker *t) {
        for (size_t i = 0; i < t->procs.n; i++) {
                struct tproc *e = pg_pidtab_at(&t->procs, i);
                if (e->pid && e->seen != t->gen)
                        pg_track_forget(t, e);
        }
        pg_pidtab_compact(&t->procs);
}

/* End of scan: sum the reaped children of the parents, credit counters,
 * retire processes that exited, publish the group views. */
static int finish(struct pg_tracker *t, uint64_t cpu_cap) {
        /* A steady scan (nobody exited) walks the pool once, to credit. */
        bool exits = t->nseen < t->procs.n;

        if (exits && pg_reaped_sum(t) < 0)
                return -ENOMEM;
        if (pg_xc_pay(t) < 0)
                return -ENOMEM;
        credit_members(t, cpu_cap);
        pg_reaped_reset(t);
        if (exits)
                retire_exited(t);
        return pg_groups_publish(&t->groups);
}

static double elapsed(const struct timespec *a, const struct timespec *b) {
        return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static int scan(struct pg_tracker *t) {
        const struct pg_procfs *fs = pg_source_procfs(t->src);
        const struct pg_scan_stats *ss;
        struct timespec t0, t1;
        struct pg_proc *p;
        uint64_t cpu_cap = 0;
        int r;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        t->gen++;
        t->nseen = 0;
        t->ndeferred = 0;
        t->stats.clock_idle = 0;
        r = pg_source_begin(t->src);
        if (r < 0)
                return r;
        if (t->kept.n > 0)
                pg_kept_fit_limit(&t->kept);
        pg_groups_reset_gauges(&t->groups, (double)t0.tv_sec + (double)t0.tv_nsec / 1e9);
        pg_tracker_drain(t);
        if (t->clock)
                pg_xc_unidle(t);
        while ((r = pg_source_next(t->src, &p)) > 0) {
                r = pg_track_visit(t, p, true);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = pg_visit_deferred(t);
        if (r < 0)
                return r;
        r = pg_xc_settle(t);
        if (r < 0)
                return r;
        /* The CPU a process can have used since the last scan, with slack
         * for tick rounding; only meaningful on a live procfs. */
        if (fs->is_procfs && t->gen > 1) {
                double dt = elapsed(&t->last_scan, &t0);
                cpu_cap =
                    (uint64_t)(dt * (double)t->ncpu * (double)fs->ticks) + 2 * (uint64_t)t->ncpu;
        }
        pg_source_end(t->src);
        r = finish(t, cpu_cap);
        if (r < 0)
                return r;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        t->last_scan = t0;
        ss = pg_source_stats(t->src);
        t->stats.procs = ss->procs;
        t->stats.vanished = ss->vanished;
        t->stats.hidden = ss->hidden;
        t->stats.soft_errors = ss->soft_errors;
        t->stats.hard_errors = ss->hard_errors;
        t->stats.kept_files = t->kept.n;
        t->stats.seconds = elapsed(&t0, &t1);
        t->stats.groups = t->groups.listed;
        t->stats.groups_forgotten = t->groups.forgotten;
        t->stats.overflow = t->groups.overflow;
        sat_add(&t->stats.soft_errors_total, ss->soft_errors);
        sat_add(&t->stats.hard_errors_total, ss->hard_errors);
        return 0;
}

int pg_tracker_scan(struct pg_tracker *t) {
        int r = scan(t);

        if (r < 0)
                t->stats.failed_scans++;
        return r;
}
