/* SPDX-License-Identifier: MIT */
/* The tracker's use of exit records (doc/exits.md): the records drained
 * from the listener (exits.h), summed per process, and the debts they
 * leave on the reapers. Private to the tracker (track_int.h includes it);
 * the crediting itself is in exitcredit.c.
 *
 * Why debts: a parent that reaps a child gains the child's CPU and
 * faults in its cutime, cstime, cminflt and cmajflt, and its I/O in its
 * own io. A child credited from its record must not be counted there
 * again, so its totals become a debt of its parent, paid from what the
 * parent's counters gain; a reaper may read before or after the reap, so
 * a debt waits one scan more before it lapses (a parent that ignores
 * SIGCHLD never gains its children's time). */
#ifndef PG_EXITCREDIT_H
#define PG_EXITCREDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What a record adds besides CPU, and what a debt holds: indexes
 * into xproc.v and into a debt's buckets. */
enum xval {
        X_MINFLT,
        X_MAJFLT,
        X_READ,
        X_WRITE,
        X_RCHAR,
        X_WCHAR,
        X_SYSCR,
        X_SYSCW,
        X_NVCSW, /* not in debts: a parent gains no context switches */
        X_NIVCSW,
        X_MAX
};

/* One process's records so far (each thread's, summed by tgid). */
struct xproc {
        pid_t tgid;
        pid_t ppid;     /* the leader's: its parent when it exited */
        bool leader;    /* the leader's record (pid == tgid) is in */
        uint8_t fate;   /* at a scan: exitcredit.c's enum fate */
        uint32_t uid;   /* the leader's */
        uint64_t seq;   /* arrival of its latest record: exit order */
        uint64_t btime; /* the leader's start, epoch seconds */
        uint64_t utime_us, stime_us, run_ns;
        uint64_t v[X_MAX];
        uint64_t exe_dev, exe_ino; /* the leader's executable */
        char comm[16];
};

/* What argv[0] a process of an executable (device, inode) and comm was
 * seen with, for a rule on argv[0] to judge one no scan saw: keyed by
 * comm too, as one executable answers to many names (busybox). A cache
 * of XEXE_SLOTS, the newest in each slot; a longer argv[0] is not kept. */
#define XEXE_SLOTS 1024
#define XEXE_ARGV0 256
struct xexe {
        uint64_t dev, ino;
        char comm[16];
        char argv0[XEXE_ARGV0];
};

/* A thread that exited (not a process's leader): its final context
 * switches, for the group of a member whose threads are summed one by
 * one (threads.c); and the last counts of the threads the walk found
 * gone, to take them from. */
struct xthread {
        pid_t tid;
        pid_t tgid;
        uint64_t btime; /* the thread's start */
        uint64_t nvcsw, nivcsw;
};

/* A parent's debt: CPU in ns (user, system), the rest as enum xval
 * through X_SYSCW, and the number of children it is for (DEBT_KIDS). cur
 * is this scan's; prev the last scan's, which lapses unpaid at the end of
 * this one. */
#define DEBT_KIDS (2 + X_NVCSW)
#define DEBT_VALS (3 + X_NVCSW)
struct xdebt {
        pid_t pid; /* 0: a free slot */
        uint64_t cur[DEBT_VALS];
        uint64_t prev[DEBT_VALS];
};

/* The most records summed and waiting between scans, and the most
 * parents with debts: a fork storm past them counts as records lost
 * (those processes keep the /proc method). */
#define XPROC_MAX (16 * 1024)
#define XDEBT_MAX 4096

struct pg_exits;

struct pg_exitcredit {
        struct pg_exits *x; /* the listener; NULL when the option is off */
        const char *why;    /* why it is not active, "" when it is */
        struct xproc *v;    /* drained, in arrival order, then by tgid */
        size_t n, cap;
        uint64_t seq;
        uint64_t dropped;    /* records past XPROC_MAX, since the start */
        uint64_t lost_seen;  /* lost + dropped at the last scan */
        int quiet;           /* scans that credit nothing (a loss, a storm) */
        struct xthread *thr; /* threads exited since the last scan */
        size_t nthr, capthr;
        struct xthread *gone; /* threads this scan's walk found gone */
        size_t ngone, capgone;
        struct xexe *exes; /* when a rule looks at argv[0] */
        bool use_argv0;
        struct xthread *idx; /* scratch: a member's threads by tid */
        size_t capidx;
        struct xdebt *debts; /* open addressing by pid, power of 2 */
        size_t ndebts, capdebts;
        uint64_t start_wall; /* when the tracker started, epoch seconds */
        uint64_t boot_ns;    /* the boot instant, ns since the epoch */
        bool injected;       /* tests: records come from pg_tracker_exits_inject */
};

#endif
