/* SPDX-License-Identifier: MIT */
/* The process model's private side, for proc.c, the tracker's modules
 * (through track_int.h) and the tests; the faces see proc.h only.
 *
 * - struct pg_proc itself: the tracker reads its pid and the stat it
 *   cached per process, which an accessor call would cost on the hot path;
 * - the reads of single files, plain and through a descriptor kept across
 *   scans (kept.c decides which), and of threads;
 * - how a /proc file's raw values become metrics: both readers
 *   (pg_proc_idinfo for --list, the tracker's scan) convert through these
 *   static inline helpers, so a unit or a field is chosen in one place.
 *
 * Return values are those of proc.h's header comment. */
#ifndef PG_PROC_INT_H
#define PG_PROC_INT_H

#include <string.h>

#include "parse.h"
#include "proc.h"
#include "sat.h"

/* One process during one step of a source's walk. */
struct pg_proc {
        struct pg_source *src;
        pid_t pid;
        int dir_fd;           /* -1 until a read needs the directory */
        unsigned have;        /* files cached this step (proc.c) */
        unsigned soft_errors; /* optional files that could not be read */
        const char *failed;   /* the file of the last -EBADMSG, for messages */
        struct pg_stat stat;
        struct pg_status status;
        struct pg_io io;
        struct pg_schedstat sched;
        char wchan[PG_WCHAN_MAX];
};

/* stat and status (mandatory: PG_VANISHED when missing), and schedstat
 * (a hint of whether the task ran; no soft error when missing), cached
 * per step. */
int pg_proc_stat(struct pg_proc *p, const struct pg_stat **ret);
int pg_proc_status(struct pg_proc *p, const struct pg_status **ret);
int pg_proc_schedstat(struct pg_proc *p, const struct pg_schedstat **ret);

/* The device and inode of p's executable (what an exit record names it
 * by). Returns 0 or a negative errno (a kernel thread has none). */
int pg_proc_exe_id(struct pg_proc *p, uint64_t *dev, uint64_t *ino);

/* What never changes in a process's life but at exec: comm, argv, ppid,
 * start time, euid (stat, status and cmdline). Strings are borrowed. */
int pg_proc_static(struct pg_proc *p, struct pg_static *ret);

/* Fill m from stat and status, plus the optional files that flags name.
 * An optional file that cannot be read leaves its field at the zero value
 * (filedesc.open -1), increments p->soft_errors and does not fail. */
int pg_proc_metrics(struct pg_proc *p, unsigned flags, struct pg_metrics *ret);

/* Read task/: per thread stat and status (and wchan, io per flags). Fills
 * *ret with a borrowed array of *ret_n threads; *ret_n is 0 when the
 * process has fewer than two (a lone main thread is the process).
 * Threads that exit meanwhile are left out. */
int pg_proc_threads(struct pg_proc *p, unsigned flags, struct pg_thread **ret, size_t *ret_n);

/* Single optional files, cached per step like the others: 0, a soft
 * error (negative errno, counted in p->soft_errors), PG_VANISHED or
 * -EBADMSG. */
int pg_proc_io(struct pg_proc *p, const struct pg_io **ret);
int pg_proc_fds(struct pg_proc *p, int64_t *ret);
int pg_proc_limit_nofile(struct pg_proc *p, uint64_t *ret);
/* The most of maps we read: vm.max_map_count (65530 by default, raised to
 * 262144 for some databases) lines of at most a few hundred bytes, with
 * room to spare; a fake tree's endless file stops here. */
#define PG_MAPS_MAX ((size_t)128 << 20)
/* The number of mappings (lines of maps), read in pieces through a fixed
 * buffer; a file past PG_MAPS_MAX bytes is a soft error (-EFBIG). */
int pg_proc_maps(struct pg_proc *p, int64_t *ret);

/* The thread ids of task/, ascending, in a borrowed array. Returns 0,
 * PG_VANISHED or a negative errno. */
int pg_proc_tids(struct pg_proc *p, const pid_t **ret, size_t *ret_n);

/* What pg_proc_thread reads of one thread. */
enum {
        PG_THREAD_STAT = 1u << 1,   /* stat: id, name, cpu, faults, state */
        PG_THREAD_STATUS = 1u << 2, /* context switches */
        PG_THREAD_WCHAN = 1u << 3,
        PG_THREAD_IO = 1u << 4, /* io, silently 0 when unreadable */
};

/* Read the files `what` names of thread tid of p into t (fields of files
 * not read are left as they are). Returns 0, PG_VANISHED (the thread
 * exited) or a negative errno. */
int pg_proc_thread(struct pg_proc *p, pid_t tid, unsigned what, struct pg_thread *t);

/* A kept descriptor no longer reads (its process exited): returned by the
 * _kept reads, never by another function. Not an errno. */
#define PG_STALE (-4096)

/* The same reads through a descriptor the caller keeps across scans in
 * *kept_fd (-1: none yet; when may_keep, the file is opened, read and left open in
 * *kept_fd). The caller owns *kept_fd and is the only one to close it: when it no
 * longer reads (its process exited) the read returns PG_STALE and leaves
 * it as it is, and the caller closes it and calls again, which opens the
 * file afresh (finding a new process if the pid was reused).
 * pg_proc_thread_sched_kept returns PG_VANISHED when thread tid is gone, a
 * negative errno when only its schedstat is missing. */
int pg_proc_stat_kept(struct pg_proc *p, int *kept_fd, bool may_keep, const struct pg_stat **ret);
int pg_proc_schedstat_kept(struct pg_proc *p, int *kept_fd, bool may_keep,
                           const struct pg_schedstat **ret);
int pg_proc_thread_sched_kept(struct pg_proc *p, pid_t tid, int *kept_fd, bool may_keep,
                              struct pg_schedstat *ret);
int pg_proc_status_kept(struct pg_proc *p, int *kept_fd, bool may_keep,
                        const struct pg_status **ret);
int pg_proc_io_kept(struct pg_proc *p, int *kept_fd, bool may_keep, const struct pg_io **ret);
int pg_proc_wchan_kept(struct pg_proc *p, int *kept_fd, bool may_keep, const char **ret);

/* Map a stat state letter to its pg_state_id (R S D Z; the rest other). */
static inline enum pg_state_id pg_state_from_char(char c) {
        switch (c) {
        case 'R': return PG_RUNNING;
        case 'S': return PG_SLEEPING;
        case 'D': return PG_WAITING;
        case 'Z': return PG_ZOMBIE;
        default: return PG_OTHER;
        }
}

/* stat (proc(5) fields 10-15): CPU in ticks and page faults. */
static inline void pg_counts_from_stat(struct pg_counts *c, const struct pg_stat *st) {
        c->v[PG_CPU_USER] = st->utime;
        c->v[PG_CPU_SYSTEM] = st->stime;
        c->v[PG_MAJOR_FAULTS] = st->majflt;
        c->v[PG_MINOR_FAULTS] = st->minflt;
}

/* status: voluntary_ctxt_switches and nonvoluntary_ctxt_switches. */
static inline void pg_counts_from_status(struct pg_counts *c, const struct pg_status *ss) {
        c->v[PG_CTX_VOLUNTARY] = ss->ctx_voluntary;
        c->v[PG_CTX_NONVOLUNTARY] = ss->ctx_involuntary;
}

/* io: read_bytes and write_bytes, what reached the storage layer, and
 * rchar, wchar, syscr, syscw, what the read and write calls moved (reads
 * served from the page cache too). */
static inline void pg_counts_from_io(struct pg_counts *c, const struct pg_io *io) {
        c->v[PG_READ_BYTES] = io->read_bytes;
        c->v[PG_WRITE_BYTES] = io->write_bytes;
        c->v[PG_RCHAR] = io->rchar;
        c->v[PG_WCHAR] = io->wchar;
        c->v[PG_SYSCR] = io->syscr;
        c->v[PG_SYSCW] = io->syscw;
}

/* The one state a task is in, from its stat. */
static inline void pg_states_from_stat(struct pg_states *s, const struct pg_stat *st) {
        memset(s, 0, sizeof(*s));
        s->v[pg_state_from_char(st->state)] = 1;
}

/* What a process's stat gives: its CPU and faults, resident (rss is in
 * pages) and virtual memory, its threads and its state. */
static inline void pg_metrics_from_stat(struct pg_metrics *m, const struct pg_stat *st,
                                        long page_size) {
        pg_counts_from_stat(&m->counts, st);
        m->memory.v[PG_MEM_RESIDENT] = pg_sat_mul(st->rss, (uint64_t)page_size);
        m->memory.v[PG_MEM_VIRTUAL] = st->vsize;
        m->num_threads = st->num_threads;
        pg_states_from_stat(&m->states, st);
}

/* What a process's status gives: context switches, swap, and the code
 * (executable and libraries), data and stack sizes (Vm* lines, kB). */
static inline void pg_metrics_from_status(struct pg_metrics *m, const struct pg_status *ss) {
        pg_counts_from_status(&m->counts, ss);
        m->memory.v[PG_MEM_SWAP] = pg_sat_mul(ss->vm_swap_kb, 1024);
        m->memory.v[PG_MEM_CODE] = pg_sat_mul(pg_sat_add(ss->vm_exe_kb, ss->vm_lib_kb), 1024);
        m->memory.v[PG_MEM_DATA] = pg_sat_mul(ss->vm_data_kb, 1024);
        m->memory.v[PG_MEM_STACK] = pg_sat_mul(ss->vm_stk_kb, 1024);
}

/* What thread tid's stat gives: its identity, name, CPU, faults, state. */
static inline void pg_thread_from_stat(struct pg_thread *t, pid_t tid, const struct pg_stat *st) {
        t->id.pid = tid;
        t->id.start_ticks = st->starttime;
        memcpy(t->name, st->comm, sizeof(t->name));
        pg_counts_from_stat(&t->counts, st);
        pg_states_from_stat(&t->states, st);
}

#endif
