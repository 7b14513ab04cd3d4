/* SPDX-License-Identifier: MIT */
/* A fake procfs tree for the C tests and the scan fuzzer: a process's
 * files in the kernel's formats (proc(5)), written under a directory fd
 * of a temp dir that the caller passes as the root to pg_source_new.
 *
 * The committed trees of sample-proc/ are written by the Python
 * generators there; this writes the throwaway trees of tests/check_track.c,
 * tests/check_regress.c, tests/check_collectd.c and fuzz/fuzz_scan.c.
 * No Check here (the fuzzer links it too): every function returns 0 or a
 * negative errno, which the caller asserts. */
#ifndef PG_FAKEPROC_H
#define PG_FAKEPROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One task (a process or one of its threads) as its stat and status show
 * it. Zero is a fine default for every field but pid and comm. */
struct pg_fake_task {
        pid_t pid;  /* the task's id: a thread's tid */
        pid_t tgid; /* its process; 0: pid */
        pid_t ppid;
        const char *comm;
        char state;         /* 'S' when 0 */
        unsigned uid, euid; /* status Uid: real, effective (saved, fs: real) */
        uint64_t minflt, cminflt, majflt, cmajflt;
        uint64_t utime, stime;  /* clock ticks */
        int64_t cutime, cstime; /* clock ticks; signed (%ld) in proc(5) */
        uint64_t nthreads;      /* 1 when 0 */
        uint64_t start;         /* clock ticks after boot */
        uint64_t vsize;         /* bytes */
        int64_t rss;            /* pages; signed (%ld) in proc(5) */
        uint64_t swap_kb;       /* status VmSwap */
        uint64_t vol, nonvol;   /* context switches */
        uint32_t flags;         /* stat (9); 0x400100 (a user process) when 0 */
};

/* The texts, snprintf-style: each returns the length it wanted (the
 * caller checks it against n). */
int pg_fake_stat_text(char *buf, size_t n, const struct pg_fake_task *t);
int pg_fake_status_text(char *buf, size_t n, const struct pg_fake_task *t);
int pg_fake_io_text(char *buf, size_t n, uint64_t read_bytes, uint64_t write_bytes);
/* limits with the one line we read; nofile is the soft limit as the
 * kernel prints it ("1024", "unlimited"). */
int pg_fake_limits_text(char *buf, size_t n, const char *nofile);
/* schedstat: run time and wait time (ns), time slices. */
int pg_fake_schedstat_text(char *buf, size_t n, uint64_t run_ns, uint64_t wait_ns, uint64_t slices);

/* Create name under dirfd, or rewrite it in place: O_TRUNC keeps the
 * inode, so a descriptor the tracker keeps open (pread from 0) reads the
 * new text, as it would on procfs. Returns 0 or -errno. */
int pg_fake_put(int dirfd, const char *name, const void *data, size_t len);
/* mkdirat (an existing one is fine), then open it. Returns the directory
 * fd or -errno. */
int pg_fake_dir(int dirfd, const char *name);
/* symlinkat; an existing name is left as it is. Returns 0 or -errno. */
int pg_fake_link(int dirfd, const char *name, const char *target);
/* Remove path and all below it (absent is fine): a process that exited
 * and was reaped, or the whole tree. Returns 0 or -errno. */
int pg_fake_rm_rf(const char *path);

/* The task's stat, status and wchan and, unless no_sched, its schedstat
 * in the directory dirfd (a pid's, or task/<tid> of a thread). schedstat
 * is as the kernel keeps it: a task whose counters moved has run, so its
 * run time or its number of time slices moved too; both are derived from
 * the task's ticks, faults and context switches. */
int pg_fake_task_write(int dirfd, const struct pg_fake_task *t, const char *wchan, bool no_sched);

/* One process: <pid>/ under rootfd with its main task's files, comm,
 * cmdline, io, limits, fd/ and task/. task/<pid> links to ".." when it
 * has one thread; the threads of a multi-threaded one are the caller's
 * (pg_fake_thread_write). Existing files are rewritten in place; fd/
 * only grows. */
struct pg_fake_proc {
        struct pg_fake_task task;
        const char *cmdline; /* NULL: comm and its NUL */
        size_t cmdline_len;
        uint64_t read_bytes, write_bytes;
        const char *nofile; /* soft limit; "1024" when NULL */
        const char *wchan;  /* "0" when NULL */
        int nfds;           /* fd/0 .. fd/nfds-1, links to /dev/null */
        bool no_sched;      /* no schedstat files (CONFIG_SCHED_INFO off) */
};
int pg_fake_proc_write(int rootfd, const struct pg_fake_proc *p);

/* Thread t of process pid: <pid>/task/<tid>/ under rootfd. */
int pg_fake_thread_write(int rootfd, pid_t pid, const struct pg_fake_task *t, const char *wchan,
                         bool no_sched);

#endif
