/* SPDX-License-Identifier: MIT */
/* Pure parsers for the text files of /proc/<pid>/ (see proc(5)).
 *
 * Every parser takes a byte buffer and its length (the buffer need not be
 * NUL-terminated), fills a caller-owned struct and returns 0, or -EBADMSG
 * when the text is malformed. They never touch the filesystem, so they can
 * be unit-tested and fuzzed on literals. Integers are checked for overflow
 * up to 2^64-1. */
#ifndef PG_PARSE_H
#define PG_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Room for a task name: TASK_COMM_LEN is 16, but kernel threads show up to
 * 64 bytes (workqueue names) in stat since Linux 6.x. */
#define PG_COMM_MAX 64
/* Room for a wait channel symbol name (KSYM_NAME_LEN is 512). */
#define PG_WCHAN_MAX 128
/* RLIMIT_INFINITY as /proc/<pid>/limits prints it ("unlimited"). */
#define PG_UNLIMITED UINT64_MAX

/* /proc/<pid>/stat, the fields we use, named and numbered as in proc(5). */
/* stat (9): a kernel thread (include/linux/sched.h). */
#define PG_PF_KTHREAD 0x00200000u

struct pg_stat {
        char comm[PG_COMM_MAX]; /* (2) may hold any byte but NUL */
        char state;             /* (3) */
        pid_t ppid;             /* (4) */
        uint32_t flags;         /* (9) PF_* */
        uint64_t minflt;        /* (10) */
        uint64_t cminflt;       /* (11) */
        uint64_t majflt;        /* (12) */
        uint64_t cmajflt;       /* (13) */
        uint64_t utime;         /* (14) clock ticks */
        uint64_t stime;         /* (15) clock ticks */
        uint64_t cutime;        /* (16) clock ticks, of reaped children */
        uint64_t cstime;        /* (17) clock ticks, of reaped children */
        uint64_t num_threads;   /* (20) */
        uint64_t starttime;     /* (22) clock ticks after boot */
        uint64_t vsize;         /* (23) bytes */
        uint64_t rss;           /* (24) pages; negative values read as 0 */
};

/* The lines of /proc/<pid>/status we use. */
struct pg_status {
        uid_t euid;               /* Uid: second column */
        uint64_t vm_swap_kb;      /* VmSwap: (absent for zombies, kernel threads) */
        uint64_t vm_data_kb;      /* VmData: heap and private writable mappings */
        uint64_t vm_exe_kb;       /* VmExe: the executable's text */
        uint64_t vm_lib_kb;       /* VmLib: shared libraries' text */
        uint64_t vm_stk_kb;       /* VmStk: the main thread's stack */
        uint64_t ctx_voluntary;   /* voluntary_ctxt_switches: */
        uint64_t ctx_involuntary; /* nonvoluntary_ctxt_switches: */
};

/* /proc/<pid>/io: bytes that reached the storage layer (read_bytes,
 * write_bytes), and bytes and calls of read and write system calls
 * (rchar, wchar, syscr, syscw; page cache hits, pipes and sockets too). */
struct pg_io {
        uint64_t read_bytes;
        uint64_t write_bytes;
        uint64_t rchar;
        uint64_t wchar;
        uint64_t syscr;
        uint64_t syscw;
};

/* /proc/<pid>/schedstat: time on CPU (ns), time waiting to run (ns), number
 * of times the task was scheduled in. */
struct pg_schedstat {
        uint64_t run_ns;
        uint64_t wait_ns;
        uint64_t pcount;
};

/* /proc/<pid>/smaps_rollup: proportional figures, in kB. */
struct pg_smaps {
        uint64_t pss_kb;
        uint64_t swap_pss_kb;
};

/* Parse a decimal unsigned integer at *p (before end), advancing *p past it.
 * Returns 0, or -EBADMSG on no digits or overflow past 2^64-1. */
int pg_parse_u64(const char **p, const char *end, uint64_t *ret);

/* /proc/<pid>/stat. comm runs from the first '(' to the LAST ')'. */
int pg_parse_stat(const char *buf, size_t len, struct pg_stat *ret);

/* /proc/<pid>/status. Missing Vm* lines (zombies, kernel threads) read as
 * 0; a missing Uid or ctxt line is malformed. */
int pg_parse_status(const char *buf, size_t len, struct pg_status *ret);

/* /proc/<pid>/io: read_bytes and write_bytes must be present; rchar, wchar,
 * syscr and syscw read as 0 when missing (a kernel has had all six since
 * 2.6.20, but a fake tree may hold the two that process-exporter reads). */
int pg_parse_io(const char *buf, size_t len, struct pg_io *ret);

/* /proc/<pid>/limits: the soft limit of "Max open files"; "unlimited" is
 * PG_UNLIMITED. */
int pg_parse_limits_nofile(const char *buf, size_t len, uint64_t *ret);

/* /proc/<pid>/wchan: a symbol name; "0" and "" mean none and give "".
 * Names longer than PG_WCHAN_MAX-1 are truncated. Never fails on text. */
int pg_parse_wchan(const char *buf, size_t len, char ret[PG_WCHAN_MAX]);

/* /proc/<pid>/cmdline: NUL-separated argv. Returns the number of arguments
 * (trailing NULs do not add empty ones; a missing final NUL is accepted),
 * or 0 for an empty buffer (kernel thread, zombie). Never fails. */
int pg_parse_cmdline_argc(const char *buf, size_t len);

/* /proc/<pid>/schedstat: three unsigned integers. */
int pg_parse_schedstat(const char *buf, size_t len, struct pg_schedstat *ret);

/* /proc/<pid>/smaps_rollup: Pss: and SwapPss: lines (missing read as 0). */
int pg_parse_smaps_rollup(const char *buf, size_t len, struct pg_smaps *ret);

/* Count the lines (newlines) of len bytes of /proc/<pid>/maps, one per
 * mapping. Never fails: the count is added to *count so that a file read
 * in pieces is counted piece by piece. */
void pg_count_lines(const char *buf, size_t len, uint64_t *count);

/* <procfs>/stat: the "btime" line, seconds since the epoch. */
int pg_parse_btime(const char *buf, size_t len, uint64_t *ret);

#endif
