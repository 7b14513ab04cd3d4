/* SPDX-License-Identifier: MIT */
/* The procfs root, the read primitive and the fd count; see procfs.h. */
#include "config.h"
#include "procfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "parse.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

int pg_buf_reserve(struct pg_buf *b, size_t cap) {
        char *p;

        if (b->cap >= cap)
                return 0;
        p = realloc(b->data, cap);
        if (!p)
                return -ENOMEM;
        b->data = p;
        b->cap = cap;
        return 0;
}

void pg_buf_free(struct pg_buf *b) {
        if (!b)
                return;
        free(b->data);
        b->data = NULL;
        b->len = b->cap = 0;
}

void pg_buf_trim(struct pg_buf *b) {
        if (b->cap > PG_BUF_KEEP)
                pg_buf_free(b);
}

int pg_read_fd(int fd, size_t max, struct pg_buf *b) {
        int r = 0;

        if (b->cap < 4096 && pg_buf_reserve(b, 4096) < 0)
                return -ENOMEM;
        b->len = 0;
        for (;;) {
                /* A buffer grown for another file may exceed max. */
                size_t lim = b->cap < max ? b->cap : max, room;
                ssize_t n;

                /* Keep one byte for the terminating NUL. */
                if (b->len + 1 >= lim) {
                        if (lim >= max) {
                                r = -EFBIG;
                                break;
                        }
                        r = pg_buf_reserve(b, b->cap * 2 < max ? b->cap * 2 : max);
                        if (r < 0)
                                break;
                        lim = b->cap < max ? b->cap : max;
                }
                room = lim - 1 - b->len;
                n = pread(fd, b->data + b->len, room, (off_t)b->len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        break;
                }
                b->len += (size_t)n;
                /* A short read is the end: procfs generates a file's text
                 * at once (seq_file) and hands out all that fits, and a
                 * regular file reads short only at its end. This saves
                 * the read that would return 0. */
                if ((size_t)n < room)
                        break;
        }
        b->data[b->len] = '\0';
        return r;
}

int pg_open_file(int dirfd, const char *name, bool check_type) {
        struct stat st;
        int fd;

        /* O_NONBLOCK: opening a FIFO for reading would otherwise wait for
         * a writer; procfs files ignore the flag. */
        fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        /* Checked once at open, never per read of a kept descriptor. */
        if (check_type && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
                close(fd);
                return PG_NOT_REGULAR;
        }
        return fd;
}

int pg_read_file(int dirfd, const char *name, bool check_type, size_t max, struct pg_buf *b) {
        int fd, r;

        fd = pg_open_file(dirfd, name, check_type);
        if (fd < 0)
                return fd;
        r = pg_read_fd(fd, max, b);
        close(fd);
        return r;
}

const char *pg_strerror(int err) {
        switch (err) {
        case -EBADMSG: return "malformed content";
        case PG_NOT_REGULAR: return "not a regular file (not a procfs tree?)";
        case -EFBIG: return "larger than any procfs file (not a procfs tree?)";
        case PG_NO_STAT: return "no stat file in it; not a procfs root?";
        default: return strerror(-err);
        }
}

int pg_open_dir(int dirfd, const char *name) {
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

int pg_name_to_pid(const char *name) {
        long v = 0;

        if (*name < '1' || *name > '9')
                return 0;
        for (; *name; name++) {
                if (*name < '0' || *name > '9')
                        return 0;
                v = v * 10 + (*name - '0');
                if (v > INT32_MAX)
                        return 0;
        }
        return (int)v;
}

/* Linux >= 6.2 reports the number of open fds as the size of <pid>/fd.
 * Probe it on our own fds: we hold at least root_fd open, so a working
 * kernel reports a non-zero size. */
static bool probe_fd_size(int root_fd) {
        struct stat st;

        if (fstatat(root_fd, "self/fd", &st, 0) < 0)
                return false;
        return st.st_size > 0;
}

/* The boot time as btime in /proc/stat gives it: the wall clock minus the
 * time since boot (suspend included), in whole seconds rounded down. For a
 * procfs mounted with subset=pid, which has no stat file. */
static int clock_btime(uint64_t *ret) {
        struct timespec rt, bt;
        int64_t ns;

        if (clock_gettime(CLOCK_REALTIME, &rt) < 0 || clock_gettime(CLOCK_BOOTTIME, &bt) < 0)
                return -errno;
        ns = ((int64_t)rt.tv_sec - (int64_t)bt.tv_sec) * 1000000000 +
             ((int64_t)rt.tv_nsec - (int64_t)bt.tv_nsec);
        if (ns < 0)
                return -ERANGE;
        *ret = (uint64_t)(ns / 1000000000);
        return 0;
}

int pg_procfs_open(const char *path, struct pg_procfs *ret) {
        struct pg_procfs fs = {.root_fd = -1};
        struct pg_buf b = {0};
        struct statfs sfs;
        int r;

        fs.root_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fs.root_fd < 0)
                return -errno;
        fs.is_procfs = fstatfs(fs.root_fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
        fs.fd_size_ok = fs.is_procfs && probe_fd_size(fs.root_fd);
        fs.ticks = sysconf(_SC_CLK_TCK);
        fs.page_size = sysconf(_SC_PAGESIZE);
        if (fs.ticks <= 0)
                fs.ticks = 100;
        if (fs.page_size <= 0)
                fs.page_size = 4096;

        r = pg_read_file(fs.root_fd, "stat", !fs.is_procfs, PG_READ_BIG, &b);
        if (r == 0)
                r = pg_parse_btime(b.data, b.len, &fs.boot_time);
        else if (r == -ENOENT && fs.is_procfs)
                r = clock_btime(&fs.boot_time); /* mounted with subset=pid */
        else if (r == -ENOENT)
                r = PG_NO_STAT; /* the directory is there, the stat file not */
        pg_buf_free(&b);
        if (r < 0) {
                close(fs.root_fd);
                return r;
        }
        *ret = fs;
        return 0;
}

void pg_procfs_close(struct pg_procfs *fs) {
        if (fs && fs->root_fd >= 0) {
                close(fs->root_fd);
                fs->root_fd = -1;
        }
}

bool pg_procfs_own_pidns(const struct pg_procfs *fs) {
        char buf[32];
        ssize_t n;

        if (!fs->is_procfs)
                return false;
        /* "self" names us by our pid in the namespace of the procfs: ours
         * only if that is our namespace (a procfs of another one names
         * us by another number, or not at all). */
        n = readlinkat(fs->root_fd, "self", buf, sizeof(buf) - 1);
        if (n <= 0)
                return false;
        buf[n] = '\0';
        return strtol(buf, NULL, 10) == (long)getpid();
}

int pg_dir_walk_init(struct pg_dir_walk *w, int fd, struct pg_buf *buf) {
        if (buf->cap < PG_DIR_BUF && pg_buf_reserve(buf, PG_DIR_BUF) < 0)
                return -ENOMEM;
        *w = (struct pg_dir_walk){.fd = fd, .buf = buf};
        return 0;
}

int pg_dir_walk_fill(struct pg_dir_walk *w) {
        long n;

        if (w->eof)
                return 0;
        do
                n = syscall(SYS_getdents64, w->fd, w->buf->data, w->buf->cap);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        w->off = 0;
        w->len = (size_t)n;
        w->eof = n == 0;
        return n > 0;
}

int pg_procfs_count_fds(const struct pg_procfs *fs, int dirfd, const char *path,
                        struct pg_buf *scratch, int64_t *ret) {
        struct pg_dir_walk w;
        const struct pg_dirent *d;
        int64_t count = 0;
        int fd, r;

        if (fs->fd_size_ok) {
                struct stat st;
                if (fstatat(dirfd, path, &st, 0) < 0)
                        return -errno;
                *ret = st.st_size;
                return 0;
        }
        fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = pg_dir_walk_init(&w, fd, scratch);
        if (r < 0)
                goto out;
        while ((r = pg_dir_next(&w, &d)) > 0)
                if (d->d_name[0] != '.')
                        count++;
        if (r == 0)
                *ret = count;
out:
        close(fd);
        return r;
}
