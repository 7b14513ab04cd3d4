/* The process model (process-exporter's proc/read.go in C) and a source
 * that iterates the processes of a procfs root.
 *
 * A struct pg_proc is one process during one step of the iteration. Each
 * getter reads its file at most once per step (process-exporter's proccache) and
 * returns 0, PG_VANISHED (the process exited: count it, say nothing), a
 * negative errno for an optional file that could not be read (a soft error:
 * the field is unknown, the process is kept), or -EBADMSG for malformed
 * content (a hard error: skip the process this scan). Data returned by
 * pointer is borrowed until the next pg_source_next(). A process the kernel
 * hides (hidepid) reads PG_HIDDEN from stat and status: not an error
 * either. */
#ifndef PG_PROC_H
#define PG_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "parse.h"
#include "procfs.h"

/* Counters common to threads, processes and groups. CPU is in clock ticks
 * (exact integers); front ends divide by ticks for seconds. */
enum pg_count_id {
        PG_CPU_USER,
        PG_CPU_SYSTEM,
        PG_READ_BYTES,
        PG_WRITE_BYTES,
        PG_MAJOR_FAULTS,
        PG_MINOR_FAULTS,
        PG_CTX_VOLUNTARY,
        PG_CTX_NONVOLUNTARY,
        PG_COUNT_MAX
};

enum pg_state_id { PG_RUNNING, PG_SLEEPING, PG_WAITING, PG_ZOMBIE, PG_OTHER, PG_STATE_MAX };

enum pg_mem_id {
        PG_MEM_RESIDENT,
        PG_MEM_VIRTUAL,
        PG_MEM_SWAP,
        PG_MEM_PROP_RESIDENT, /* smaps_rollup Pss, only when asked */
        PG_MEM_PROP_SWAP,     /* smaps_rollup SwapPss, only when asked */
        PG_MEM_MAX
};

struct pg_counts {
        uint64_t v[PG_COUNT_MAX];
};
struct pg_states {
        uint32_t v[PG_STATE_MAX];
};
struct pg_memory {
        uint64_t v[PG_MEM_MAX]; /* bytes */
};
struct pg_filedesc {
        int64_t open;   /* -1 when unknown */
        uint64_t limit; /* soft RLIMIT_NOFILE; 0 when unknown */
};

/* A process or thread identity: a reused pid has another start time. */
struct pg_id {
        pid_t pid;
        uint64_t start_ticks;
};

struct pg_static {
        const char *name;    /* comm */
        const char *cmdline; /* argv, NUL-separated, cmdline_len bytes */
        size_t cmdline_len;
        int argc;
        pid_t ppid;
        uint64_t start_ticks;
        uid_t euid;
};

struct pg_metrics {
        struct pg_counts counts;
        struct pg_memory memory;
        struct pg_filedesc filedesc;
        uint64_t num_threads;
        struct pg_states states; /* the process's own state */
        char wchan[PG_WCHAN_MAX];
};

struct pg_thread {
        struct pg_id id;
        char name[PG_COMM_MAX];
        struct pg_counts counts;
        struct pg_states states;
        char wchan[PG_WCHAN_MAX];
        struct pg_schedstat sched; /* valid when has_sched */
        bool has_sched;
};

/* IDInfo: everything known of one process after one read. The static
 * strings and threads are borrowed (see the header comment). */
struct pg_idinfo {
        struct pg_id id;
        struct pg_static st;
        struct pg_metrics m;
        const struct pg_thread *threads;
        size_t num_threads; /* entries in threads: 0 below two threads */
        unsigned soft_errors;
};

/* What a metrics read includes beyond stat and status. */
enum {
        PG_READ_IO = 1u << 0,
        PG_READ_FDS = 1u << 1,
        PG_READ_LIMITS = 1u << 2,
        PG_READ_WCHAN = 1u << 3,
        PG_READ_SMAPS = 1u << 4,
        PG_READ_THREADS = 1u << 5,
        PG_READ_ALL = PG_READ_IO | PG_READ_FDS | PG_READ_LIMITS | PG_READ_WCHAN,
};

/* Per-file cache bits of a pg_proc. */
enum {
        PG_HAVE_STAT = 1u << 0,
        PG_HAVE_STATUS = 1u << 1,
        PG_HAVE_IO = 1u << 2,
        PG_HAVE_CMDLINE = 1u << 3,
        PG_HAVE_WCHAN = 1u << 4,
        PG_HAVE_SCHED = 1u << 5,
};

struct pg_source;

struct pg_proc {
        struct pg_source *src;
        pid_t pid;
        int dir_fd;
        unsigned have;        /* PG_HAVE_* read this step */
        unsigned soft_errors; /* optional files that could not be read */
        const char *failed;   /* the file of the last -EBADMSG, for messages */
        struct pg_stat stat;
        struct pg_status status;
        struct pg_io io;
        struct pg_schedstat sched;
        char wchan[PG_WCHAN_MAX];
};

/* Per-scan figures of the source. */
struct pg_scan_stats {
        uint64_t procs;    /* processes returned */
        uint64_t vanished; /* exited while read */
        uint64_t hidden;   /* the kernel hides them from us (hidepid) */
        uint64_t soft_errors;
        uint64_t hard_errors;
};

/* Open a source over the procfs root at path. Returns 0 or a negative errno
 * (see pg_procfs_open). */
int pg_source_new(const char *path, struct pg_source **ret);
void pg_source_free(struct pg_source *src);

/* The root, for its ticks, page size and boot time. */
const struct pg_procfs *pg_source_procfs(const struct pg_source *src);
struct pg_procfs *pg_source_procfs_mut(struct pg_source *src);

/* Start a scan: rewind the pid walk and zero the scan figures. */
int pg_source_begin(struct pg_source *src);

/* Step to the next process. Returns 1 with *ret set (valid until the next
 * call), 0 at the end, or a negative errno when the root cannot be listed.
 * Entries that vanish before their directory opens are counted and
 * skipped. */
int pg_source_next(struct pg_source *src, struct pg_proc **ret);

/* End a scan: release the current process so that the scan figures are
 * complete. */
void pg_source_end(struct pg_source *src);

/* Open one process by pid outside the walk (the same rules as _next). */
int pg_source_get(struct pg_source *src, pid_t pid, struct pg_proc **ret);

/* Account the outcome r of reading p: PG_VANISHED, PG_HIDDEN and hard
 * errors go into the scan figures. Returns r. */
int pg_source_account(struct pg_source *src, int r);

const struct pg_scan_stats *pg_source_stats(const struct pg_source *src);

/* Getters; see the header comment for the return values. */
int pg_proc_stat(struct pg_proc *p, const struct pg_stat **ret);
int pg_proc_status(struct pg_proc *p, const struct pg_status **ret);
int pg_proc_id(struct pg_proc *p, struct pg_id *ret);
int pg_proc_static(struct pg_proc *p, struct pg_static *ret);
int pg_proc_schedstat(struct pg_proc *p, const struct pg_schedstat **ret);

/* Fill m from stat and status, plus the optional files that flags name.
 * An optional file that cannot be read leaves its field at the zero value
 * (filedesc.open -1), increments p->soft_errors and does not fail. */
int pg_proc_metrics(struct pg_proc *p, unsigned flags, struct pg_metrics *ret);

/* Read task/: per thread stat and status (and wchan, io per flags). Fills
 * *ret with a borrowed array of *ret_n threads; *ret_n is 0 when the
 * process has fewer than two (a lone main thread is the process). Threads that exit meanwhile
 * are left out. */
int pg_proc_threads(struct pg_proc *p, unsigned flags, struct pg_thread **ret, size_t *ret_n);

/* Read everything of p (stat, status, cmdline, the optional files of flags,
 * and task/ when PG_READ_THREADS is set) into ret. */
int pg_proc_idinfo(struct pg_proc *p, unsigned flags, struct pg_idinfo *ret);

/* Single optional files, cached per step like the others: 0, a soft
 * error (negative errno, counted in p->soft_errors), PG_VANISHED or
 * -EBADMSG. */
int pg_proc_io(struct pg_proc *p, const struct pg_io **ret);
int pg_proc_wchan(struct pg_proc *p, const char **ret);
int pg_proc_fds(struct pg_proc *p, int64_t *ret);
int pg_proc_limit_nofile(struct pg_proc *p, uint64_t *ret);

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

/* Add counts c2 to c, each stopping at 2^64-1 (never wraps). */
void pg_counts_add(struct pg_counts *c, const struct pg_counts *c2);

#endif
