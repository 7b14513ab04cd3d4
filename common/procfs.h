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
/* Room for n elements of size bytes in the array *arrp (a pointer to any
 * element pointer) of capacity *cap: grown to exactly n when smaller.
 * Returns 0 or -ENOMEM, leaving the array as it was. */
int pg_reserve(void *arrp, size_t *cap, size_t n, size_t size);
void pg_buf_free(struct pg_buf *b);

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
/* The text for a pg_procfs_open (or pg_source_new) error: strerror's, or
 * a hint for PG_NO_STAT. */
const char *pg_procfs_strerror(int err);
void pg_procfs_close(struct pg_procfs *fs);

/* Read the whole of dirfd/name into b (grown as needed; b->data is
 * NUL-terminated). Retries EINTR. Returns 0 or a negative errno as the
 * kernel gave it (ENOENT and ESRCH are the caller's to interpret). */
int pg_read_file(int dirfd, const char *name, struct pg_buf *b);

/* Read the whole of an open file from offset 0 into b, as pg_read_file:
 * for a /proc file kept open, each call regenerates its text. */
int pg_read_fd(int fd, struct pg_buf *b);

/* Count open fds of a process: path names its fd/ directory relative to
 * dirfd ("fd" under the pid's directory, or "PID/fd" under the root). On
 * real procfs with Linux >= 6.2 one fstatat() gives it; elsewhere the
 * entries of fd/ are counted, using scratch as the getdents buffer.
 * Returns 0 or a negative errno (-EACCES for another user's process). */
int pg_procfs_count_fds(const struct pg_procfs *fs, int dirfd, const char *path,
                        struct pg_buf *scratch, int64_t *ret);

/* Raise the soft RLIMIT_NOFILE to the hard limit, so that a standalone
 * collector (CLI, Netdata plugin) can keep files open between scans; a
 * plugin inside another daemon leaves that daemon's limit alone. Returns 0
 * or a negative errno. */
int pg_nofile_raise(void);

/* Open a numeric subdirectory of dirfd (a pid or tid). Returns the fd or a
 * negative errno. */
int pg_open_dir(int dirfd, const char *name);

/* Parse a directory entry name as a pid: returns it, or 0 when the name is
 * not a positive decimal (such entries are not processes). */
int pg_name_to_pid(const char *name);

#endif
