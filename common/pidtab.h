/* SPDX-License-Identifier: MIT */
/* The tracker's process table (private to the tracker's modules): what it
 * remembers of each process between scans (struct tproc), kept densely in
 * a pool of fixed chunks and found by pid through an open-addressing index.
 *
 * Handles: a struct tproc pointer stays valid, and names the same process,
 * until pg_pidtab_compact(). pg_pidtab_insert() never moves an entry (chunks are
 * never reallocated) and pg_pidtab_erase() only leaves a hole (pid 0) where
 * the entry was. pg_pidtab_compact() fills the holes by moving entries: it is
 * called once, in the tracker's finish phase, when no pointer into the
 * pool is held. */
#ifndef PG_PIDTAB_H
#define PG_PIDTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Raw per-process values whose deltas feed the group counters. */
enum raw_id {
        R_UTIME,
        R_STIME,
        R_MINFLT,
        R_MAJFLT,
        R_READ,
        R_WRITE,
        R_RCHAR, /* io's system-call figures */
        R_WCHAR,
        R_SYSCR,
        R_SYSCW,
        R_CUTIME, /* of reaped children: credited with children_time */
        R_CSTIME,
        R_CMINFLT,
        R_CMAJFLT,
        R_MAX
};

/* Of a schedstat, what tells that a task ran: its run time and count
 * (wait time moves while it only waits to run). */
struct sched_mark {
        uint64_t run_ns;
        uint64_t pcount;
};

/* How a process's counters reach its group at the next settlement. */
enum join {
        JOIN_SETTLED,    /* a member since an earlier scan: deltas */
        JOIN_FIRST_SCAN, /* seen at the tracker's first scan: its own
                          * lifetime counts (what ps shows) */
        JOIN_BORN,       /* born since the last scan: all of its counts,
                          * its reaped children's too */
        JOIN_EXEC,       /* joined mid-life (exec, re-match): from zero */
};

struct tthread;

struct tproc {
        pid_t pid; /* 0: a hole left by pg_pidtab_erase */
        pid_t ppid;
        uint64_t start;
        uint32_t seen;       /* scan generation */
        int32_t group;       /* -1: not in any group */
        uint8_t join;        /* enum join */
        bool cur_valid;      /* cur holds this scan's values, to settle */
        bool reusable;       /* the "last full read" fields below are valid */
        char state;          /* of that read */
        uint8_t limits_age;  /* scans since limits was read (< LIMITS_EVERY) */
        uint8_t rm_wait;     /* scans before a re-match (rematch_due) */
        uint8_t rm_streak;   /* recent re-matches */
        bool overflowed;     /* in PG_GROUP_OTHER because of max_groups */
        uint64_t comm_hash;  /* of comm: a change means exec */
        uint64_t raw[R_MAX]; /* values at the previous scan */
        uint64_t cur[R_MAX]; /* values at this scan */
        int32_t reaped;      /* index in the reaped-children sums this scan, -1: none */
        int stat_fd;         /* kept stat, -1: none (kept.c opens and closes) */
        int sched_fd;        /* kept schedstat, -1: none */
        /* Kept while the process runs from scan to scan (kept.c). */
        int status_fd, io_fd, wchan_fd;
        uint64_t fd_limit;
        /* The last full read, reused while the process has not run. */
        uint64_t clock_ns; /* its CPU clock just before that read */
        bool clock_valid;  /* clock_ns may tell that it has not run since */
        uint32_t num_threads;
        uint64_t vsize;
        uint64_t rss;
        struct sched_mark sched;
        int64_t open_fds;
        uint64_t swap_bytes;
        uint64_t vm[3];    /* code, data, stack bytes (PG_MEM_CODE..) */
        int64_t maps;      /* lines of maps when counted, -1 otherwise */
        const char *wchan; /* interned */
        struct tthread *thr;
        uint32_t nthr;
        uint32_t capthr;
};

#define PIDTAB_CHUNK 512

struct pg_pidtab {
        /* Processes live densely in a pool of fixed chunks (growing it
         * never copies, so the peak RSS is the live size); tab is an
         * open-addressing index (linear probing) of pool slot + 1, 0 for
         * empty, so the table's slack costs 4 bytes a slot, not a whole
         * entry. */
        struct tproc **chunks;
        size_t nchunks;
        size_t capchunks;
        size_t n; /* pool slots in use, holes included */
        uint32_t *tab;
        size_t cap; /* power of two */
};

/* Set up an empty table. Returns 0 or -ENOMEM. */
int pg_pidtab_init(struct pg_pidtab *pt);

/* Free the table. What its entries hold (kept fds, threads) must have been
 * released. */
void pg_pidtab_free(struct pg_pidtab *pt);

/* A new entry for pid (not in the table), zeroed but for pid, with no group
 * (-1), no kept fd (-1) and no reaped-children sums (-1), at the end of the
 * pool. NULL on ENOMEM. */
struct tproc *pg_pidtab_insert(struct pg_pidtab *pt, pid_t pid);

/* Take e out of the index: lookups no longer find it and it becomes a
 * hole (pid 0, no group, never seen) until pg_pidtab_compact(). What it holds
 * must have been released. Moves no entry. */
void pg_pidtab_erase(struct pg_pidtab *pt, struct tproc *e);

/* Fill the holes, moving entries from the end of the pool, and give back
 * spare chunks. Invalidates every struct tproc pointer. */
void pg_pidtab_compact(struct pg_pidtab *pt);

/* Pool slot k (< pt->n); may be a hole. */
static inline struct tproc *pg_pidtab_at(const struct pg_pidtab *pt, size_t k) {
        return &pt->chunks[k / PIDTAB_CHUNK][k % PIDTAB_CHUNK];
}

static inline size_t pg_pidtab_home(const struct pg_pidtab *pt, pid_t pid) {
        return ((uint32_t)pid * 2654435761u) & (pt->cap - 1);
}

/* The index slot that holds pid, or the empty slot where it would go. */
static inline size_t pg_pidtab_slot(const struct pg_pidtab *pt, pid_t pid) {
        size_t i = pg_pidtab_home(pt, pid);

        while (pt->tab[i] && pg_pidtab_at(pt, pt->tab[i] - 1)->pid != pid)
                i = (i + 1) & (pt->cap - 1);
        return i;
}

/* The entry of pid, or NULL. */
static inline struct tproc *pg_pidtab_lookup(const struct pg_pidtab *pt, pid_t pid) {
        size_t i = pg_pidtab_slot(pt, pid);

        return pt->tab[i] ? pg_pidtab_at(pt, pt->tab[i] - 1) : NULL;
}

#endif
