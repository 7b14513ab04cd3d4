/* SPDX-License-Identifier: MIT */
/* The fake procfs writer of the C tests and the scan fuzzer (fakeproc.h).
 * Formats as proc(5) gives them, field numbers in the comments. */
#define _XOPEN_SOURCE_EXTENDED 1 /* nftw */
#include "config.h"

#include "tests/fakeproc.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int pg_fake_stat_text(char *buf, size_t n, const struct pg_fake_task *t) {
        pid_t tgid = t->tgid ? t->tgid : t->pid;

        /* (1) pid (2) comm (3) state (4) ppid (5) pgrp (6) session (7) tty
         * (8) tpgid (9) flags (10-13) faults (14-17) times (18) priority
         * (19) nice (20) threads (21) itrealvalue (22) starttime (23) vsize
         * (24) rss (25) rsslim, (26-52) addresses and the rest, with (38)
         * exit_signal. */
        return snprintf(buf, n,
                        "%d (%s) %c %d %d %d 0 -1 %" PRIu32 " %" PRIu64 " %" PRIu64 " %" PRIu64
                        " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRId64 " %" PRId64 " 20 0 %" PRIu64
                        " 0 %" PRIu64 " %" PRIu64 " %" PRId64
                        " 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0"
                        " 0\n",
                        (int)t->pid, t->comm, t->state ? t->state : 'S', (int)t->ppid, (int)tgid,
                        (int)tgid, t->flags ? t->flags : 0x400100u, t->minflt, t->cminflt,
                        t->majflt, t->cmajflt, t->utime, t->stime, t->cutime, t->cstime,
                        t->nthreads ? t->nthreads : 1, t->start, t->vsize, t->rss);
}

int pg_fake_status_text(char *buf, size_t n, const struct pg_fake_task *t) {
        return snprintf(
            buf, n,
            "Name:\t%s\nState:\t%c\nTgid:\t%d\nPid:\t%d\nPPid:\t%d\n"
            "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n"
            "VmSwap:\t%8" PRIu64 " kB\nThreads:\t%" PRIu64 "\n"
            "voluntary_ctxt_switches:\t%" PRIu64 "\nnonvoluntary_ctxt_switches:\t%" PRIu64 "\n",
            t->comm, t->state ? t->state : 'S', (int)(t->tgid ? t->tgid : t->pid), (int)t->pid,
            (int)t->ppid, t->uid, t->euid, t->uid, t->uid, t->uid, t->uid, t->uid, t->uid,
            t->swap_kb, t->nthreads ? t->nthreads : 1, t->vol, t->nonvol);
}

int pg_fake_io_text(char *buf, size_t n, uint64_t read_bytes, uint64_t write_bytes) {
        return snprintf(buf, n,
                        "rchar: 1\nwchar: 1\nsyscr: 1\nsyscw: 1\nread_bytes: %" PRIu64
                        "\nwrite_bytes: %" PRIu64 "\ncancelled_write_bytes: 0\n",
                        read_bytes, write_bytes);
}

int pg_fake_limits_text(char *buf, size_t n, const char *nofile) {
        return snprintf(buf, n, "%-25s %-20s %-20s %-10s\n%-25s %-20s %-20s %-10s\n", "Limit",
                        "Soft Limit", "Hard Limit", "Units", "Max open files", nofile, "524288",
                        "files");
}

int pg_fake_schedstat_text(char *buf, size_t n, uint64_t run_ns, uint64_t wait_ns,
                           uint64_t slices) {
        return snprintf(buf, n, "%" PRIu64 " %" PRIu64 " %" PRIu64 "\n", run_ns, wait_ns, slices);
}

int pg_fake_put(int dirfd, const char *name, const void *data, size_t len) {
        int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        ssize_t w = 0;
        int r = 0;

        if (fd < 0)
                return -errno;
        if (len > 0)
                w = write(fd, data, len);
        if (w < 0)
                r = -errno;
        else if ((size_t)w != len)
                r = -EIO;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        return r;
}

int pg_fake_dir(int dirfd, const char *name) {
        int fd;

        if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
                return -errno;
        fd = openat(dirfd, name, O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

int pg_fake_link(int dirfd, const char *name, const char *target) {
        if (symlinkat(target, dirfd, name) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
        (void)sb;
        (void)flag;
        (void)ftw;
        return remove(path) < 0 ? -1 : 0;
}

int pg_fake_rm_rf(const char *path) {
        struct stat sb;

        if (lstat(path, &sb) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
                return errno ? -errno : -EIO;
        return 0;
}

/* Write the len bytes that a text function put in buf (of size cap). */
static int put_text(int dirfd, const char *name, const char *buf, size_t cap, int len) {
        if (len < 0 || (size_t)len >= cap)
                return -EOVERFLOW;
        return pg_fake_put(dirfd, name, buf, (size_t)len);
}

int pg_fake_task_write(int dirfd, const struct pg_fake_task *t, const char *wchan, bool no_sched) {
        char b[1024];
        int r;

        r = put_text(dirfd, "stat", b, sizeof(b), pg_fake_stat_text(b, sizeof(b), t));
        if (r == 0)
                r = put_text(dirfd, "status", b, sizeof(b), pg_fake_status_text(b, sizeof(b), t));
        wchan = wchan ? wchan : "0";
        if (r == 0)
                r = pg_fake_put(dirfd, "wchan", wchan, strlen(wchan));
        if (r == 0 && !no_sched)
                r = put_text(dirfd, "schedstat", b, sizeof(b),
                             pg_fake_schedstat_text(b, sizeof(b),
                                                    (t->utime + t->stime) * 10000000u + t->minflt +
                                                        t->majflt,
                                                    1000, t->vol + t->nonvol + 1));
        return r;
}

/* fd/0 .. fd/n-1 and task/ (with task/<pid> -> .. for one thread). */
static int write_dirs(int dfd, const struct pg_fake_proc *p) {
        char name[16];
        int sub, r = 0;

        sub = pg_fake_dir(dfd, "fd");
        if (sub < 0)
                return sub;
        for (int i = 0; i < p->nfds && r == 0; i++) {
                snprintf(name, sizeof(name), "%d", i);
                r = pg_fake_link(sub, name, "/dev/null");
        }
        close(sub);
        if (r < 0)
                return r;
        sub = pg_fake_dir(dfd, "task");
        if (sub < 0)
                return sub;
        if (p->task.nthreads <= 1) {
                snprintf(name, sizeof(name), "%d", (int)p->task.pid);
                r = pg_fake_link(sub, name, "..");
        }
        close(sub);
        return r;
}

static int write_proc_files(int dfd, const struct pg_fake_proc *p) {
        const char *cmd = p->cmdline ? p->cmdline : p->task.comm;
        size_t cmdlen = p->cmdline ? p->cmdline_len : strlen(p->task.comm) + 1;
        const char *nofile = p->nofile ? p->nofile : "1024";
        char b[1024];
        int r;

        r = pg_fake_task_write(dfd, &p->task, p->wchan, p->no_sched);
        if (r == 0)
                r = put_text(dfd, "comm", b, sizeof(b),
                             snprintf(b, sizeof(b), "%s\n", p->task.comm));
        if (r == 0)
                r = pg_fake_put(dfd, "cmdline", cmd, cmdlen);
        if (r == 0)
                r = put_text(dfd, "io", b, sizeof(b),
                             pg_fake_io_text(b, sizeof(b), p->read_bytes, p->write_bytes));
        if (r == 0)
                r = put_text(dfd, "limits", b, sizeof(b),
                             pg_fake_limits_text(b, sizeof(b), nofile));
        return r < 0 ? r : write_dirs(dfd, p);
}

int pg_fake_proc_write(int rootfd, const struct pg_fake_proc *p) {
        char name[16];
        int dfd, r;

        snprintf(name, sizeof(name), "%d", (int)p->task.pid);
        dfd = pg_fake_dir(rootfd, name);
        if (dfd < 0)
                return dfd;
        r = write_proc_files(dfd, p);
        close(dfd);
        return r;
}

int pg_fake_thread_write(int rootfd, pid_t pid, const struct pg_fake_task *t, const char *wchan,
                         bool no_sched) {
        char path[48];
        int dfd, r;

        snprintf(path, sizeof(path), "%d/task", (int)pid);
        r = pg_fake_dir(rootfd, path);
        if (r < 0)
                return r;
        close(r);
        snprintf(path, sizeof(path), "%d/task/%d", (int)pid, (int)t->pid);
        dfd = pg_fake_dir(rootfd, path);
        if (dfd < 0)
                return dfd;
        r = pg_fake_task_write(dfd, t, wchan, no_sched);
        close(dfd);
        return r;
}
