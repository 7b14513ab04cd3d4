/* SPDX-License-Identifier: MIT */
/* The exit listener: the kernel's final totals of every task that exits,
 * from taskstats over generic netlink (Documentation/accounting/taskstats
 * in the kernel: https://docs.kernel.org/accounting/taskstats.html).
 *
 * A listener registers for every possible CPU; each task (thread) that
 * exits then sends one record (TASKSTATS_TYPE_AGGR_PID), and the last
 * thread of a process that ever had several also sends the process's
 * CPU times (TASKSTATS_TYPE_AGGR_TGID: times only, no comm, no faults),
 * so a process's totals are the sum of its threads' PID records.
 *
 * The kernel lets only a process with CAP_NET_ADMIN in the initial user
 * and PID namespaces listen; anywhere else the listener is "unavailable"
 * (a state with a reason, not an error) and the tracker keeps its /proc
 * method. The socket is non-blocking: pg_exits_drain takes what is
 * queued. When the receive buffer overflows the kernel drops records and
 * says so once (ENOBUFS); the drops are counted exactly from the socket's
 * own drop counter (SO_MEMINFO). */
#ifndef PG_EXITS_H
#define PG_EXITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The receive buffer asked for: about 2,000 queued records (each costs
 * some 2 KiB of socket memory), enough for a burst of forks between two
 * drains; charged only while records wait. */
#define PG_EXITS_RCVBUF_DEFAULT (4 << 20)
/* The oldest record layout with what we need (ac_tgid, ac_exe_*). */
#define PG_EXITS_MIN_VERSION 12

enum pg_exits_state {
        PG_EXITS_OFF,         /* not asked for */
        PG_EXITS_UNAVAILABLE, /* asked for; the kernel or our rights say no */
        PG_EXITS_ACTIVE,
};

/* One exit record. Times: utime_us/stime_us are the kernel's tick samples
 * (multiples of a tick); run_ns is the task's exact run time
 * (sum_exec_runtime, cpu_run_virtual_total), which /proc's adjusted
 * utime + stime add up to. */
struct pg_exit_rec {
        pid_t pid;        /* the thread (ac_pid); the process for a total */
        pid_t tgid;       /* its process */
        pid_t ppid;       /* the parent when it exited */
        bool proc_total;  /* TASKSTATS_TYPE_AGGR_TGID: times only */
        uint8_t flag;     /* ac_flag (AFORK, ASU, ACORE, AXSIG) */
        uint16_t version; /* of the kernel's struct taskstats */
        uint32_t exitcode;
        uint64_t btime; /* start, seconds since the epoch (wall clock) */
        uint64_t utime_us;
        uint64_t stime_us;
        uint64_t run_ns;
        uint64_t minflt;
        uint64_t majflt;
        uint64_t read_bytes; /* storage I/O, as /proc/PID/io */
        uint64_t write_bytes;
        uint64_t rchar; /* io's system-call figures, as /proc/PID/io */
        uint64_t wchar;
        uint64_t syscr;
        uint64_t syscw;
        uint32_t uid; /* real user id */
        uint64_t nvcsw;
        uint64_t nivcsw;
        uint64_t exe_dev; /* the executable: 0/0 for none (kernel thread) */
        uint64_t exe_inode;
        char comm[32]; /* NUL-terminated */
};

struct pg_exits_stats {
        uint64_t records;   /* handed to the callback, totals included */
        uint64_t bad;       /* malformed or too old records: soft errors */
        uint64_t overflows; /* times the kernel said ENOBUFS */
        uint64_t lost;      /* records the kernel dropped, since the open */
};

typedef void (*pg_exits_fn)(void *ctx, const struct pg_exit_rec *rec);

struct pg_exits;

/* A listener with a receive buffer of rcvbuf bytes (0: the default).
 * *ret is set whenever the result is 0: pg_exits_state() says whether it
 * listens and pg_exits_why() why not. Returns 0 or -ENOMEM. */
int pg_exits_open(int rcvbuf, struct pg_exits **ret);
/* One that does not listen (the option is off). */
int pg_exits_open_off(struct pg_exits **ret);
/* Takes NULL. Deregisters and closes. */
void pg_exits_free(struct pg_exits *x);

enum pg_exits_state pg_exits_state(const struct pg_exits *x);
/* Why the listener is not active ("off", "needs CAP_NET_ADMIN", ...);
 * "" when it is. */
const char *pg_exits_why(const struct pg_exits *x);
/* The socket, for poll() (readable: records wait); -1 when not active. */
int pg_exits_fd(const struct pg_exits *x);
const struct pg_exits_stats *pg_exits_stats(const struct pg_exits *x);

/* Hand every queued record to fn, at most max_msgs messages (0: all that
 * are queued now; a bound keeps a fork storm from holding the caller).
 * Returns the number of records, 0 when not active, or a negative errno
 * for a socket that failed (the listener is then unavailable). */
int pg_exits_drain(struct pg_exits *x, size_t max_msgs, pg_exits_fn fn, void *ctx);

/* The pure part, for the tests: parse len bytes of netlink messages
 * received from the taskstats family (its id: family) and hand each
 * record to fn; malformed ones are counted in st->bad, others in
 * st->records. Messages of another type are skipped. */
void pg_exits_parse(uint16_t family, const void *buf, size_t len, pg_exits_fn fn, void *ctx,
                    struct pg_exits_stats *st);

#endif
