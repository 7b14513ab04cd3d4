/* SPDX-License-Identifier: MIT */
/* The procfs root, the one read primitive, and the open-fd count.
 *
 * Every file is opened with openat() relative to a directory fd; no path is
 * ever built from a pid. Functions return 0, PG_VANISHED when the process is
 * gone, or another negative errno. */
#ifndef PG_PROCFS_H
#define PG_PROCFS_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The race with an exiting process was lost: not an error, never logged. */
#define PG_VANISHED (-ESRCH)

/* The kernel hides the process from us (procfs mounted with hidepid=1 or
 * =noaccess: its directory is listed but may not be opened): counted as
 * not visible, never logged. */
#define PG_HIDDEN (-EPERM)

/* A file of the tree is not a regular file (a FIFO, a device): the root is
 * not procfs, or a tree built to hang the reader or exhaust its memory. */
#define PG_NOT_REGULAR (-EMEDIUMTYPE)

/* The most a read may hold (what pg_read_file's max is), per use. Every
 * bound lies well above what a real /proc file holds and keeps a fake
 * tree (a symlink to /dev/zero) from growing a buffer without end:
 * - stat, io, schedstat, wchan, limits, smaps_rollup: under 2 KiB;
 * - status: its Groups line lists up to 65536 gids, about 720 KiB;
 * - cmdline: the argv area of exec is at most 6 MiB (3/4 of the 8 MiB
 *   stack cap); the root's stat: a line per CPU, a count per IRQ. */
#define PG_READ_SMALL  ((size_t)64 << 10)
#define PG_READ_STATUS ((size_t)1 << 20)
#define PG_READ_BIG    ((size_t)8 << 20)

/* A buffer that grew past this is given back when its process is done:
 * one odd file does not pin megabytes for the life of the collector. */
#define PG_BUF_KEEP PG_READ_SMALL

/* A growable byte buffer, reused for every read of a scan. */
struct pg_buf {
        char *data;
        size_t len;
        size_t cap;
};

/* The root of a procfs tree (/proc, or a fake tree for tests). */
struct pg_procfs {
        int root_fd;
        bool is_procfs;     /* statfs says PROC_SUPER_MAGIC */
        bool fd_size_ok;    /* st_size of <pid>/fd is the fd count (>= 6.2) */
        long ticks;         /* sysconf(_SC_CLK_TCK); tests may pin it */
        long page_size;     /* sysconf(_SC_PAGESIZE); tests may pin it */
        uint64_t boot_time; /* btime of <root>/stat (or from the clocks), epoch s */
};

int pg_buf_reserve(struct pg_buf *b, size_t cap);
void pg_buf_free(struct pg_buf *b);
/* Free b's memory when it grew past PG_BUF_KEEP (b->data is then NULL). */
void pg_buf_trim(struct pg_buf *b);

/* pg_procfs_open: the root is a directory without a stat file (and is not
 * procfs): most likely a wrong path, not a missing one. */
#define PG_NO_STAT (-ENODATA)

/* Open the procfs root at path and read its boot time: btime of
 * <root>/stat, or, on real procfs without that file (mounted with
 * subset=pid), the wall clock minus CLOCK_BOOTTIME. Returns 0, -ENOENT/
 * -ENOTDIR/-EACCES when the directory cannot be opened, PG_NO_STAT when a
 * tree that is not procfs has no stat file, -EBADMSG when <root>/stat has
 * no btime line. On success *ret is the caller's to close. */
int pg_procfs_open(const char *path, struct pg_procfs *ret);
void pg_procfs_close(struct pg_procfs *fs);
/* Whether fs is a live procfs of our own PID namespace: its pids are the
 * pids our system calls take (clocks, exit records). */
bool pg_procfs_own_pidns(const struct pg_procfs *fs);

/* Open dirfd/name for pg_read_fd: never blocking (a FIFO would wait for a
 * writer forever) and, when check_type, only a regular file (fstat; real
 * procfs files are all regular, so a caller on real procfs skips that
 * syscall). Returns the fd, PG_NOT_REGULAR, or a negative errno as the
 * kernel gave it (ENOENT and ESRCH are the caller's to interpret). */
int pg_open_file(int dirfd, const char *name, bool check_type);

/* Read the whole of dirfd/name (opened as pg_open_file) into b, grown as
 * needed up to max bytes (one of PG_READ_*); b->data is NUL-terminated.
 * Retries EINTR. Returns 0, -EFBIG when its end is not within max - 1
 * bytes (b then holds those), or an error of pg_open_file. */
int pg_read_file(int dirfd, const char *name, bool check_type, size_t max, struct pg_buf *b);

/* Read the whole of an open file from offset 0 into b, as pg_read_file:
 * for a /proc file kept open, each call regenerates its text. */
int pg_read_fd(int fd, size_t max, struct pg_buf *b);

/* A message for an error of this library: strerror, but for -EBADMSG,
 * PG_NOT_REGULAR, -EFBIG and PG_NO_STAT, which the kernel's words would
 * misname. */
const char *pg_strerror(int err);

/* Count open fds of a process: path names its fd/ directory relative to
 * dirfd ("fd" under the pid's directory, or "PID/fd" under the root). On
 * real procfs with Linux >= 6.2 one fstatat() gives it; elsewhere the
 * entries of fd/ are counted, using scratch as the getdents buffer.
 * Returns 0 or a negative errno (-EACCES for another user's process). */
int pg_procfs_count_fds(const struct pg_procfs *fs, int dirfd, const char *path,
                        struct pg_buf *scratch, int64_t *ret);

/* A directory entry: the record getdents64(2) returns. */
struct pg_dirent {
        uint64_t d_ino;
        int64_t d_off;
        unsigned short d_reclen;
        unsigned char d_type; /* DT_*, or DT_UNKNOWN where the fs does not say */
        char d_name[];
};

/* A walk over the entries of an open directory, a bufferful of getdents64
 * records at a time: no DIR stream to allocate per directory, and the
 * buffer is the caller's, reused walk after walk. */
struct pg_dir_walk {
        int fd;
        struct pg_buf *buf;
        size_t off, len; /* the records in buf not yet returned */
        bool eof;
};

/* The getdents64 buffer of a walk: room for about a thousand pids. */
#define PG_DIR_BUF ((size_t)32768)

/* Start (or restart, after an lseek to 0) a walk over the open directory
 * fd with buf, grown to PG_DIR_BUF, as its buffer. Returns 0 or -ENOMEM. */
int pg_dir_walk_init(struct pg_dir_walk *w, int fd, struct pg_buf *buf);

/* Refill w's buffer (pg_dir_next's slow path, retrying EINTR). Returns 1,
 * 0 at the end of the directory, or a negative errno of getdents64. */
int pg_dir_walk_fill(struct pg_dir_walk *w);

/* The next entry of w, "." and ".." included. Returns 1 with *ret set
 * (valid until the next call), 0 at the end, or a negative errno (the
 * walk may be tried again). Inline: the pid walk takes one per process. */
static inline int pg_dir_next(struct pg_dir_walk *w, const struct pg_dirent **ret) {
        const struct pg_dirent *d;

        if (w->off >= w->len) {
                int r = pg_dir_walk_fill(w);
                if (r <= 0)
                        return r;
        }
        d = (const void *)(w->buf->data + w->off);
        w->off += d->d_reclen;
        *ret = d;
        return 1;
}

/* Open a numeric subdirectory of dirfd (a pid or tid). Returns the fd or a
 * negative errno. */
int pg_open_dir(int dirfd, const char *name);

/* Parse a directory entry name as a pid: returns it, or 0 when the name is
 * not a positive decimal (such entries are not processes). */
int pg_name_to_pid(const char *name);

#endif
