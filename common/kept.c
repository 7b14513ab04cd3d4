/* SPDX-License-Identifier: MIT */
/* Descriptors kept open between scans (doc/architecture.md, "Kept
 * files"): the budget and every decision about it. This is the one module
 * that closes a kept descriptor and counts them; the reads in proc.c open
 * one when asked to keep it and report PG_STALE when one no longer reads.
 *
 * Which files: stat and schedstat of every known process and thread, and
 * status, io and wchan of a process that runs from scan to scan (see
 * busy_room). The budget (pg_kept.max) comes from the kept_fds option,
 * never past the soft RLIMIT_NOFILE less a reserve, and shrinks when the
 * process runs short of descriptors (relieve). */
#include "config.h"
#include "kept.h"

#include <limits.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "track_int.h"

/* Kept descriptors closed at least when the process runs out of them. */
#define RELIEF 32

int pg_kept_fds_auto(bool own_process) {
        struct rlimit rl;
        rlim_t n;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
                return -1;
        /* RLIMIT_NOFILE cannot exceed fs.nr_open, but be safe for int. */
        n = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)INT_MAX ? (rlim_t)INT_MAX
                                                                          : rl.rlim_cur;
        if (!own_process)
                n /= 2;
        else
                n = n > PG_FD_RESERVE ? n - PG_FD_RESERVE : 0;
        return n > 0 ? (int)n : -1;
}

int pg_kept_fds_clamp(int want) {
        struct rlimit rl;
        rlim_t room;

        if (want <= 0 || getrlimit(RLIMIT_NOFILE, &rl) < 0)
                return -1;
        if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)INT_MAX)
                return want;
        /* Past the limit every kept file would make a later open fail
         * (EMFILE) and every process a hard error; the reserve is for the
         * files a scan opens and closes and for the front end's own. */
        room = rl.rlim_cur > PG_FD_RESERVE ? rl.rlim_cur - PG_FD_RESERVE : 0;
        if (room == 0)
                return -1;
        return (rlim_t)want < room ? want : (int)room;
}

void pg_kept_init(struct pg_kept *k, struct pg_pidtab *procs, const struct pg_procfs *fs,
                  int kept_fds, bool any_root, bool clock) {
        bool regenerates = fs->is_procfs || any_root;
        int n = -1;

        k->n = 0;
        k->procs = procs;
        k->fs = fs;
        /* Only procfs regenerates a file's text on every read of an open
         * descriptor; a kept fd of a fake tree's file would read stale
         * (tests that rewrite their files in place may allow it). */
        if (regenerates && kept_fds > 0)
                n = pg_kept_fds_clamp(kept_fds);
        else if (regenerates && kept_fds == 0)
                n = pg_kept_fds_auto(false);
        if (clock && kept_fds == 0 && n > PG_KEPT_FDS_CLOCK)
                n = PG_KEPT_FDS_CLOCK;
        k->max = n > 0 ? (size_t)n : 0;
}

void pg_kept_close(struct pg_kept *k, int *fd) {
        if (*fd >= 0) {
                close(*fd);
                *fd = -1;
                k->n--;
        }
}

void pg_kept_close_busy(struct pg_kept *k, struct tproc *e) {
        pg_kept_close(k, &e->status_fd);
        pg_kept_close(k, &e->io_fd);
        pg_kept_close(k, &e->wchan_fd);
}

void pg_kept_close_threads(struct pg_kept *k, struct tproc *e) {
        for (uint32_t i = 0; i < e->nthr; i++)
                pg_kept_close(k, &e->thr[i].sched_fd);
}

void pg_kept_close_all(struct pg_kept *k, struct tproc *e) {
        pg_kept_close_threads(k, e);
        pg_kept_close_busy(k, e);
        pg_kept_close(k, &e->stat_fd);
        pg_kept_close(k, &e->sched_fd);
}

/* Descriptors left free besides the kept ones, for the reads that open
 * and close (the root, a pid's and a task's directory, the file) and for
 * the front end: PG_FD_RESERVE / 2, or a quarter of a small limit (the
 * collectd plugin keeps half of collectd's). */
static rlim_t headroom(rlim_t limit) {
        return limit / 4 < PG_FD_RESERVE / 2 ? limit / 4 : PG_FD_RESERVE / 2;
}

/* The process ran out of descriptors, or is about to: EMFILE (the soft
 * limit was lowered under us, or the front end took more) or ENFILE (the
 * whole system). Close at least need kept files, RELIEF at the least, and
 * keep no more than remain from now on, so that the reads that open and
 * close find room. Rare: it may walk the pool. */
static void relieve(struct pg_kept *k, size_t need) {
        size_t want;

        if (need < RELIEF)
                need = RELIEF;
        want = k->n > need ? k->n - need : 0;
        for (size_t i = 0; i < k->procs->n && k->n > want; i++)
                pg_kept_close_all(k, pg_pidtab_at(k->procs, i));
        k->max = k->n;
}

void pg_kept_fit_limit(struct pg_kept *k) {
        struct rlimit rl;
        struct stat st;
        rlim_t open = k->n;

        if (k->n == 0 || getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
                return;
        if (k->fs->fd_size_ok && fstatat(k->fs->root_fd, "self/fd", &st, 0) == 0 && st.st_size > 0)
                open = (rlim_t)st.st_size;
        if (open + headroom(rl.rlim_cur) > rl.rlim_cur)
                relieve(k, (size_t)(open + headroom(rl.rlim_cur) - rl.rlim_cur));
}

void pg_kept_read_failed(struct pg_kept *k, int r) {
        if (r == -EMFILE || r == -ENFILE)
                relieve(k, RELIEF);
}

/* Room for the stat and schedstat of one more task. */
static bool room(const struct pg_kept *k) {
        return k->n < k->max;
}

/* A process that ran since the last scan may well run until the next (a
 * busy server, or any multi-threaded one with threads off): its status, io
 * and wchan are kept too, until a scan finds it idle, which never costs
 * more syscalls than not keeping them. Not at first sight, and a quarter
 * of the budget stays for the stat and schedstat of processes to come. */
static bool busy_room(const struct pg_kept *k, const struct tproc *e) {
        return e->join == JOIN_SETTLED && k->n < k->max - k->max / 4;
}

/* One kept read through *fd, decided once (may_keep) before its first try. */
struct attempt {
        int *fd;
        bool may_keep; /* may the read leave the file open in *fd */
        bool was;      /* *fd was open before this try */
        bool unkept;   /* retried without keeping, for want of a descriptor */
};

static struct attempt attempt(int *fd, bool may_keep) {
        return (struct attempt){.fd = fd, .may_keep = may_keep, .was = *fd >= 0};
}

/* After a try of a that returned r: count the descriptor it opened and
 * kept, and return true to have it tried again. A stale descriptor (its
 * process exited) is closed, and the file opened afresh. A read that found
 * no descriptor (EMFILE, ENFILE) makes room and is tried once more without
 * keeping (the process is not lost for it), counted as a soft error unless
 * the read counted one already (an optional file: counted). */
static bool again(struct pg_kept *k, struct pg_proc *p, struct attempt *a, int r, bool counted) {
        if (!a->was && *a->fd >= 0)
                k->n++;
        if (r == PG_STALE) {
                pg_kept_close(k, a->fd);
                a->was = false;
                return true;
        }
        if ((r != -EMFILE && r != -ENFILE) || a->unkept)
                return false;
        relieve(k, RELIEF);
        if (!counted)
                p->soft_errors++;
        a->may_keep = false;
        a->unkept = true;
        a->was = *a->fd >= 0;
        return true;
}

int pg_kept_stat(struct pg_kept *k, struct pg_proc *p, struct tproc *e,
                 const struct pg_stat **ret) {
        int none = -1;
        struct attempt a = attempt(e ? &e->stat_fd : &none, e && room(k));
        int r;

        do
                r = pg_proc_stat_kept(p, a.fd, a.may_keep, ret);
        while (again(k, p, &a, r, false));
        return r;
}

int pg_kept_sched(struct pg_kept *k, struct pg_proc *p, struct tproc *e,
                  const struct pg_schedstat **ret) {
        struct attempt a = attempt(&e->sched_fd, room(k));
        int r;

        do
                r = pg_proc_schedstat_kept(p, a.fd, a.may_keep, ret);
        while (again(k, p, &a, r, false));
        return r;
}

int pg_kept_thread_sched(struct pg_kept *k, struct pg_proc *p, pid_t tid, struct tthread *tt,
                         struct pg_schedstat *ret) {
        int none = -1;
        struct attempt a = attempt(tt ? &tt->sched_fd : &none, tt && room(k));
        int r;

        do
                r = pg_proc_thread_sched_kept(p, tid, a.fd, a.may_keep, ret);
        while (again(k, p, &a, r, false));
        return r;
}

int pg_kept_status(struct pg_kept *k, struct pg_proc *p, struct tproc *e,
                   const struct pg_status **ret) {
        struct attempt a = attempt(&e->status_fd, busy_room(k, e));
        int r;

        do
                r = pg_proc_status_kept(p, a.fd, a.may_keep, ret);
        while (again(k, p, &a, r, false));
        return r;
}

int pg_kept_io(struct pg_kept *k, struct pg_proc *p, struct tproc *e, const struct pg_io **ret) {
        struct attempt a = attempt(&e->io_fd, busy_room(k, e));
        int r;

        do
                r = pg_proc_io_kept(p, a.fd, a.may_keep, ret);
        while (again(k, p, &a, r, true));
        return r;
}

int pg_kept_wchan(struct pg_kept *k, struct pg_proc *p, struct tproc *e, const char **ret) {
        struct attempt a = attempt(&e->wchan_fd, busy_room(k, e));
        int r;

        do
                r = pg_proc_wchan_kept(p, a.fd, a.may_keep, ret);
        while (again(k, p, &a, r, true));
        return r;
}
