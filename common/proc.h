/* SPDX-License-Identifier: MIT */
/* The process model (process-exporter's proc/read.go in C) and a source
 * that iterates the processes of a procfs root.
 *
 * A struct pg_proc is one process during one step of the iteration, opaque
 * here (the tracker's modules and the tests see it through proc_int.h).
 * Each read of it takes its file at most once per step (process-exporter's
 * proccache) and returns 0, PG_VANISHED (the process exited: count it, say
 * nothing), a negative errno for an optional file that could not be read
 * (a soft error: the field is unknown, the process is kept), or -EBADMSG
 * for malformed content (a hard error: skip the process this scan). Data
 * returned by pointer is borrowed until the next pg_source_next(). A
 * process the kernel hides (hidepid) reads PG_HIDDEN from stat and status:
 * not an error either. */
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
        /* io's system-call figures: bytes passed to read and write calls
         * (cache hits, pipes and sockets too), and the number of calls. */
        PG_RCHAR,
        PG_WCHAR,
        PG_SYSCR,
        PG_SYSCW,
        PG_COUNT_MAX
};

enum pg_state_id { PG_RUNNING, PG_SLEEPING, PG_WAITING, PG_ZOMBIE, PG_OTHER, PG_STATE_MAX };

enum pg_mem_id {
        PG_MEM_RESIDENT,
        PG_MEM_VIRTUAL,
        PG_MEM_SWAP,
        PG_MEM_PROP_RESIDENT, /* smaps_rollup Pss, only when asked */
        PG_MEM_PROP_SWAP,     /* smaps_rollup SwapPss, only when asked */
        PG_MEM_CODE,          /* status VmExe + VmLib: text, own and libraries' */
        PG_MEM_DATA,          /* status VmData */
        PG_MEM_STACK,         /* status VmStk */
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
        int64_t maps;            /* lines of maps (PG_READ_MAPS), -1 when not read */
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

/* What a read (pg_proc_idinfo) includes beyond stat, status and cmdline. */
enum {
        PG_READ_IO = 1u << 0,
        PG_READ_FDS = 1u << 1,
        PG_READ_LIMITS = 1u << 2,
        PG_READ_WCHAN = 1u << 3,
        PG_READ_SMAPS = 1u << 4,
        PG_READ_THREADS = 1u << 5,
        PG_READ_MAPS = 1u << 6, /* count the lines of maps: costly, only when asked */
        PG_READ_ALL = PG_READ_IO | PG_READ_FDS | PG_READ_LIMITS | PG_READ_WCHAN,
};

/* Per-scan figures of the source. */
struct pg_scan_stats {
        uint64_t procs;    /* processes returned */
        uint64_t vanished; /* exited while read */
        uint64_t hidden;   /* the kernel hides them from us (hidepid) */
        uint64_t soft_errors;
        uint64_t hard_errors;
};

struct pg_source;
struct pg_proc;

/* Open a source over the procfs root at path. Returns 0 or a negative errno
 * (see pg_procfs_open). */
int pg_source_new(const char *path, struct pg_source **ret);
/* Close the root and free src; NULL is a no-op. */
void pg_source_free(struct pg_source *src);

/* The root, for its ticks, page size and boot time; _mut for the tests and
 * fuzzers that pin ticks and page size. */
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

/* The pid of p. */
pid_t pg_proc_pid(const struct pg_proc *p);

/* The file whose content made the last read of p fail with -EBADMSG, for
 * the message that names it ("stat", "io", a thread's stat...); "?" when
 * no file is to blame. */
const char *pg_proc_failed(const struct pg_proc *p);

/* Read everything of p (stat, status, cmdline, the optional files of flags,
 * and task/ when PG_READ_THREADS is set) into ret. */
int pg_proc_idinfo(struct pg_proc *p, unsigned flags, struct pg_idinfo *ret);

/* Add counts c2 to c, each stopping at 2^64-1 (never wraps). */
void pg_counts_add(struct pg_counts *c, const struct pg_counts *c2);

#endif
