/* SPDX-License-Identifier: MIT */
/* The tracker's private header: the state its modules share and the small
 * helpers the scan calls per process or per thread (static inline, so
 * that splitting the tracker into files costs the hot path nothing).
 *
 *   track.c     the scan: visit() each process, finish() the scan
 *   pidtab.c    the process table (pidtab.h)
 *   kept.c      descriptors kept open between scans, and their budget
 *   threads.c   per-thread state and the thread reads
 *   children.c  reaped children's credit; children attribution order
 *   group.c     the groups and their published views
 *
 * See doc/architecture.md ("A scan", "Identity and counters", "Kept
 * files") for what they implement. */
#ifndef PG_TRACK_INT_H
#define PG_TRACK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "exitcredit.h"
#include "grow.h"
#include "nameidx.h"
#include "pidtab.h"
#include "proc_int.h"
#include "sat.h"
#include "track.h"

/* A process the CPU clock finds idle is still read in full every this
 * many scans: what can change without it running (its rss under reclaim,
 * a memory or fd table shared with another process, a thread that exited
 * between two updates of its run time; doc/memory.md) is never older. */
#define REFRESH_EVERY 64
/* Limits change rarely (prlimit): re-read them every this many scans. */
#define LIMITS_EVERY 32
_Static_assert(LIMITS_EVERY < 256, "tproc.limits_age is a uint8_t");
/* A broken ppid chain must not loop. */
#define MAX_ANCESTRY 64

/* Fields ordered to leave no holes: there is one per thread, tens of
 * thousands on a big host. */
struct tthread {
        pid_t tid;
        uint32_t seen;
        uint64_t start;
        struct pg_counts c; /* last raw counts */
        /* What a thread that has not run since keeps: */
        struct sched_mark sched;
        bool has_sched;
        uint8_t state;     /* enum pg_state_id */
        int sched_fd;      /* kept schedstat, -1: none (kept.c) */
        const char *wchan; /* interned */
        char name[16];     /* TASK_COMM_LEN */
};

/* A process that visit() put off until the walk was over. */
struct deferred {
        pid_t pid;
        pid_t ppid;  /* as its stat said during the walk */
        bool queued; /* on visit_deferred's chain or visited */
};

/* A process of this scan and its entry. */
struct proc_view {
        struct pg_proc *p;
        struct tproc *e;
};

struct name_count {
        char *name;
        uint64_t count;
        struct pg_counts counts;
        double last_live; /* the last scan it had threads, or its first */
};

/* A group's thread names or wait channels: an array and its index, in no
 * order (a forgotten name's place takes the last one). */
struct name_list {
        struct name_count *v;
        size_t n;
        size_t cap;
        struct pg_nameidx ix;
};

struct group {
        struct pg_group pub;
        char *name;
        uint32_t refs;      /* process entries whose group this is */
        uint64_t rem_ns[2]; /* exit records' CPU short of a tick: user, total */
        double last_live;   /* the last scan it had members, or its first */
        struct name_list wchan;
        struct pg_wchan_count *wchan_pub;
        size_t wchan_pub_cap;
        struct name_list tnames;
        struct pg_thread_name *tnames_pub;
        size_t tnames_pub_cap;
};

/* Per scan: the last values of the tracked children that exited, summed
 * per parent (children.c); a parent's entry has the index of its sums. */
struct reaped_sum {
        uint64_t v[R_MAX];
        pid_t parent; /* whose sums they are, to reset its index after */
};

struct pg_reaped {
        struct reaped_sum *v;
        size_t n;
        size_t cap;
};

/* The groups (group.c). A process's group is its index into v, which
 * stays while any entry has it (refs): a forgotten group leaves a NULL slot
 * that a new group reuses. Each group is allocated on its own, so that
 * its public view stays put; sorted is that view, sorted by name, and
 * sorted again only after a scan in which groups came or went. */
struct pg_groups {
        struct group **v;
        size_t n; /* slots, free ones included */
        size_t capv;
        uint32_t *free;
        size_t nfree;
        size_t capfree;
        struct pg_nameidx ix;
        const struct pg_group **sorted;
        size_t nsorted;
        size_t capsorted;
        bool dirty;
        size_t listed; /* groups in v */
        /* From the options (track.h). */
        double forget_after;
        uint32_t max_groups;
        uint32_t max_thread_names;
        double now;         /* monotonic time of this scan, seconds */
        uint64_t overflow;  /* this scan's, see pg_track_stats */
        uint64_t forgotten; /* since the start */
        uint64_t untrimmed; /* forgotten since the last malloc_trim */
};

/* Descriptors kept open across scans (kept.c). */
struct pg_kept {
        size_t n;                /* open now */
        size_t max;              /* the budget */
        struct pg_pidtab *procs; /* whose descriptors relieve() may close */
        const struct pg_procfs *fs;
};

struct pg_tracker {
        struct pg_source *src;
        struct pg_rules *rules;
        struct pg_track_opts opts;
        pg_track_error_fn err_fn;
        void *err_ctx;
        pg_track_limit_fn limit_fn;
        void *limit_ctx;

        struct pg_pidtab procs;

        struct pg_groups groups;

        struct pg_kept kept;
        /* The process CPU clock is the idle test (cpuclock.h). */
        bool clock;
        const char *clock_why; /* why not, when not */

        uint32_t gen;
        struct pg_track_stats stats;
        struct timespec last_scan;
        long ncpu;

        /* Wait channels are kernel symbols, a small set: interned so that
         * cached threads hold a pointer, not a copy. */
        char **wchans;
        size_t nwchans;
        size_t capwchans;
        struct pg_thread *tbuf; /* this scan's threads of one process */
        size_t tbuf_cap;
        pid_t *tids; /* the known thread ids of one process */
        size_t tids_cap;

        struct pg_reaped reaped;
        struct pg_exitcredit xc;
        /* Entries seen this scan: fewer than the pool means some exited,
         * and only then does finish() walk the pool for them. */
        size_t nseen;

        /* New processes whose parent was not seen yet when the walk
         * reached them, visited after the walk (see visit_deferred). */
        struct deferred *deferred;
        size_t ndeferred;
        size_t capdeferred;
        uint32_t *dstack; /* visit_deferred's ancestor chain */
        size_t capdstack;
};

static inline bool sched_same(const struct sched_mark *m, const struct pg_schedstat *s) {
        return m->run_ns == s->run_ns && m->pcount == s->pcount;
}

static inline void sched_note(struct sched_mark *m, const struct pg_schedstat *s) {
        m->run_ns = s->run_ns;
        m->pcount = s->pcount;
}

/* FNV-1a: enough to notice that comm changed (exec), in 8 bytes. */
static inline uint64_t pg_comm_hash(const char *s) {
        uint64_t h = 14695981039346656037u;

        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 1099511628211u;
        return h;
}

/* Clamp a delta: a counter that went back (a reused tid we did not catch,
 * a main thread seen through the process) adds nothing. */
static inline uint64_t delta(uint64_t now, uint64_t before) {
        return now > before ? now - before : 0;
}

/* Add to a counter, stopping at 2^64-1: a sum that wrapped would read as
 * a counter going back (found by fuzz/fuzz_scan). */
static inline void sat_add(uint64_t *c, uint64_t d) {
        *c = pg_sat_add(*c, d);
}

/* Copy a name, truncated to size (snprintf's "%s" costs a format parse per
 * thread per scan). */
static inline void copy_name(char *dst, size_t size, const char *src) {
        size_t n = strnlen(src, size - 1);
        memcpy(dst, src, n);
        dst[n] = '\0';
}

/* Mark e seen in scan gen (t->gen, or t->gen - 1 to have finish() retire
 * it), keeping count of the entries seen this scan. */
static inline void mark_seen(struct pg_tracker *t, struct tproc *e, uint32_t gen) {
        t->nseen = t->nseen - (e->seen == t->gen) + (gen == t->gen);
        e->seen = gen;
}

/* threads.c */
/* The interned copy of wait channel w ("" for none); was is the caller's
 * last one, most often the same wait channel again. NULL on ENOMEM. */
const char *pg_wchan_intern(struct pg_tracker *t, const char *was, const char *w);
/* Forget e's threads, closing what they kept. */
void pg_threads_forget(struct pg_tracker *t, struct tproc *e);
/* The threads of a multi-threaded member p (entry e) into t->tbuf, their
 * number in *ret_n. Each thread's schedstat is read first: one whose run
 * time and run count have not moved (and that was not runnable) has not
 * run since the last scan, so its counters, state and wchan are the last
 * read's and its stat, status and wchan are not read. *changed is set when
 * any thread ran, came or went. Returns 0 or a negative errno. */
int pg_threads_read(struct pg_tracker *t, struct pg_proc *p, struct tproc *e, size_t *ret_n,
                    bool *changed);
/* The threads of e as its last read left them, into t->tbuf (their number
 * in *ret_n): none of them has run since. Returns 0 or -ENOMEM. */
int pg_threads_reuse(struct pg_tracker *t, const struct tproc *e, size_t *ret_n);
/* Account the threads of e into g: context switches (per thread, so that
 * an exiting thread never lowers the sum), thread names, states, wchan.
 * th/n are this scan's threads (n == 0: the process stands for its one
 * thread, with its own counts m). Returns 0 or -ENOMEM. */
int pg_threads_account(struct pg_tracker *t, struct tproc *e, struct group *g,
                       const struct pg_thread *th, size_t n, const struct pg_metrics *m);

/* children.c */
/* After the walk: sum the last values of the tracked members that exited
 * into their parent's reaped-children sums (tproc.reaped). Returns 0 or
 * -ENOMEM (then no parent has sums). */
int pg_reaped_sum(struct pg_tracker *t);
/* Deduct from e's deltas d what its tracked children that exited were
 * counted already (e->reaped >= 0). */
void pg_reaped_deduct(const struct pg_tracker *t, const struct tproc *e, uint64_t d[R_MAX]);
/* Forget this scan's sums. */
void pg_reaped_reset(struct pg_tracker *t);
/* Put pid (whose parent is ppid) off until the walk is over. Returns 0 or
 * -ENOMEM. */
int pg_defer(struct pg_tracker *t, pid_t pid, pid_t ppid);
/* After the walk: visit the deferred processes, each after its deferred
 * ancestors. Returns 0 or -ENOMEM. */
int pg_visit_deferred(struct pg_tracker *t);

/* exitcredit.c */
/* The listener when opts.exit_records asks for it and the root allows it.
 * Returns 0 (active or not: t->xc.why) or -ENOMEM. */
int pg_xc_open(struct pg_tracker *t);
void pg_xc_free(struct pg_tracker *t);
/* After the walk: drain, and credit the processes whose records are all
 * in. Returns 0 or -ENOMEM. */
int pg_xc_settle(struct pg_tracker *t);
/* Before the walk: the members with a thread that exited since the last
 * scan are read in full (a thread can exit without its process's CPU
 * clock moving: its last run time may not have been added yet). */
void pg_xc_unidle(struct pg_tracker *t);
/* Before the members are credited: pay the parents' debts from what they
 * gained. Returns 0 or -ENOMEM. */
int pg_xc_pay(struct pg_tracker *t);
/* Classifying p (static st): note argv[0] of its executable, for rules on
 * argv[0] to judge processes of it that exit unseen (only when a rule
 * looks at argv[0] and the records are in use: one fstatat). */
void pg_xc_note_exe(struct pg_tracker *t, struct pg_proc *p, const struct pg_static *st);
/* The walk found thread tt of member e gone: its last counts, for its
 * exit record to be credited from. */
void pg_xc_thread_gone(struct pg_tracker *t, const struct tproc *e, const struct tthread *tt);

/* track.c */
/* Forget e (what it contributed stays): its place is a hole until the
 * end of the scan. */
void pg_track_forget(struct pg_tracker *t, struct tproc *e);
/* One process of the walk; defer_ok: a new process whose parent the walk
 * has not reached yet may be put off. Returns 0 or -ENOMEM (the only error
 * that ends a scan); vanished and malformed processes are counted. */
int pg_track_visit(struct pg_tracker *t, struct pg_proc *p, bool defer_ok);

/* group.c */
/* Limits from opts; no group yet. */
void pg_groups_init(struct pg_groups *gs, const struct pg_track_opts *opts);
/* The index of the group called name, created when new. Past max_groups
 * a new name gets PG_GROUP_OTHER's instead, and *ret_overflow is set.
 * Returns the index or -ENOMEM. */
int pg_groups_index(struct pg_groups *gs, const char *name, bool *ret_overflow);
/* The group at index i (one that an entry has). */
static inline struct group *pg_group_at(const struct pg_groups *gs, int32_t i) {
        return gs->v[i];
}
/* Entry references: an entry's group changes from old to new (-1: none). */
static inline void pg_group_ref(struct pg_groups *gs, int32_t old, int32_t new_) {
        if (old >= 0)
                gs->v[old]->refs--;
        if (new_ >= 0)
                gs->v[new_]->refs++;
}
void pg_groups_free(struct pg_groups *gs);
/* Before a scan at monotonic time now (seconds): gauges and name counts
 * to zero; counters stay. */
void pg_groups_reset_gauges(struct pg_groups *gs, double now);
/* Add thread x of a member, with its counter deltas d, to g: context
 * switches, state, wait channel and, when named (a multi-threaded
 * process), its name's count and counters. Returns 0 or -ENOMEM. */
int pg_group_add_thread(struct pg_groups *gs, struct group *g, const struct pg_thread *x,
                        const struct pg_counts *d, bool named);
/* Add member e's gauges (threads, m's memory and fds) to g. */
void pg_group_add_member(struct group *g, const struct tproc *e, uint64_t threads,
                         const struct pg_metrics *m);
/* After a scan: forget the groups, thread names and wait channels empty
 * for forget_after, then publish the views of the rest. Returns 0 or
 * -ENOMEM. */
int pg_groups_publish(struct pg_groups *gs);

/* kept.c: the only code that closes a kept descriptor or counts them.
 * The reads keep their file within the budget and return what the _kept
 * reads of proc.h return; pg_kept_stat takes a NULL e (a process not known
 * yet: nothing is kept), pg_kept_thread_sched a NULL tt. */
/* The budget from kept_fds (track.h); none on a root that is not procfs
 * unless any_root (tests); with clock (the CPU clock is the idle test),
 * "auto" is PG_KEPT_FDS_CLOCK at most. */
void pg_kept_init(struct pg_kept *k, struct pg_pidtab *procs, const struct pg_procfs *fs,
                  int kept_fds, bool any_root, bool clock);
void pg_kept_close(struct pg_kept *k, int *fd);
void pg_kept_close_busy(struct pg_kept *k, struct tproc *e);    /* status, io, wchan */
void pg_kept_close_threads(struct pg_kept *k, struct tproc *e); /* every thread's */
void pg_kept_close_all(struct pg_kept *k, struct tproc *e);
/* Before a scan: leave room under the soft RLIMIT_NOFILE for the reads that
 * open and close, whatever happened since the last one (the limit lowered
 * under us, descriptors taken by the front end). One getrlimit and, where
 * the kernel gives the fd count as the size of fd/ (see procfs.h), one
 * fstatat per scan, not per process. Without that count, the kept files
 * alone are weighed against the limit. */
void pg_kept_fit_limit(struct pg_kept *k);
/* A read that opens and closes failed with r: when for want of a
 * descriptor, make room for the next ones (the kept reads retry on their
 * own). */
void pg_kept_read_failed(struct pg_kept *k, int r);
int pg_kept_stat(struct pg_kept *k, struct pg_proc *p, struct tproc *e, const struct pg_stat **ret);
int pg_kept_sched(struct pg_kept *k, struct pg_proc *p, struct tproc *e,
                  const struct pg_schedstat **ret);
int pg_kept_thread_sched(struct pg_kept *k, struct pg_proc *p, pid_t tid, struct tthread *tt,
                         struct pg_schedstat *ret);
/* status, io and wchan: kept only for a process that runs scan after scan. */
int pg_kept_status(struct pg_kept *k, struct pg_proc *p, struct tproc *e,
                   const struct pg_status **ret);
int pg_kept_io(struct pg_kept *k, struct pg_proc *p, struct tproc *e, const struct pg_io **ret);
int pg_kept_wchan(struct pg_kept *k, struct pg_proc *p, struct tproc *e, const char **ret);

#endif
