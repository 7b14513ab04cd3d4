/* SPDX-License-Identifier: MIT */
/* A report file replaced atomically: a new file, then renameat(2) over the
 * target, every step relative to the directory opened once. */
#include "config.h"

#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Attempts at a free random name before giving up: a collision of 64
 * random bits means someone fills the directory on purpose. */
#define NAME_TRIES 64

struct pg_outfile {
        int dir_fd;
        char *dir;    /* as given, for messages */
        char *base;   /* the target's name in dir */
        bool named;   /* O_TMPFILE unusable here: random names from the start */
        uint64_t seq; /* mixed into names when getrandom() has nothing */
};

int pg_outfile_open(const char *path, unsigned flags, struct pg_outfile **ret) {
        struct pg_outfile *f;
        const char *slash = strrchr(path, '/');
        const char *base = slash ? slash + 1 : path;
        int r;

        if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
                return -EISDIR;
        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->dir_fd = -1;
        f->named = flags & PG_OUTFILE_NAMED;
        if (!slash)
                f->dir = strdup(".");
        else if (slash == path)
                f->dir = strdup("/");
        else
                f->dir = strndup(path, (size_t)(slash - path));
        f->base = strdup(base);
        if (!f->dir || !f->base) {
                r = -ENOMEM;
                goto fail;
        }
        f->dir_fd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (f->dir_fd < 0) {
                r = -errno;
                goto fail;
        }
        *ret = f;
        return 0;
fail:
        pg_outfile_free(f);
        return r;
}

void pg_outfile_free(struct pg_outfile *f) {
        if (!f)
                return;
        if (f->dir_fd >= 0)
                close(f->dir_fd);
        free(f->dir);
        free(f->base);
        free(f);
}

const char *pg_outfile_dir(const struct pg_outfile *f) {
        return f->dir;
}

int pg_outfile_dir_shared(const struct pg_outfile *f, mode_t *ret_mode) {
        struct stat st;

        if (fstat(f->dir_fd, &st) < 0)
                return -errno;
        if (ret_mode)
                *ret_mode = st.st_mode & 07777;
        /* The owner can chmod the directory whatever its bits say. */
        if (st.st_uid != 0 && st.st_uid != geteuid())
                return 1;
        if (st.st_mode & S_IWOTH)
                return 1;
        return (st.st_mode & S_IWGRP) && st.st_gid != 0;
}

/* A name no other user can predict, hidden (leading dot) and without the
 * target's suffix, so a textfile collector that reads "*.prom" skips it. */
static void tmp_name(struct pg_outfile *f, char *buf, size_t n) {
        uint64_t r;

        if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
                /* Early boot: the clock's nanoseconds are still unknown to
                 * others, and a guessed name only costs us a retry. */
                struct timespec ts;
                clock_gettime(CLOCK_MONOTONIC, &ts);
                r = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)ts.tv_sec ^
                    ((uint64_t)getpid() << 32) ^ ++f->seq;
        }
        snprintf(buf, n, ".procgroups-tmp.%016llx", (unsigned long long)r);
}

/* A new file under a random name. O_EXCL never opens what is there, and
 * O_NOFOLLOW says so for symlinks too: a planted symlink, FIFO or file at
 * the name is EEXIST and we pick another name. */
static int open_named(struct pg_outfile *f, char *name, size_t n, int *ret_fd) {
        for (int i = 0; i < NAME_TRIES; i++) {
                int fd;
                tmp_name(f, name, n);
                fd = openat(f->dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                            0644);
                if (fd >= 0) {
                        *ret_fd = fd;
                        return 0;
                }
                if (errno != EEXIST)
                        return -errno;
        }
        return -EEXIST;
}

/* Give the O_TMPFILE file fd a random name. linkat() refuses to replace an
 * existing name, so it cannot take the target's place directly: the rename
 * that follows does. Returns -EOPNOTSUPP when neither way of linking an fd
 * works here (AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH before Linux 6.10,
 * the /proc/self/fd way needs /proc). */
static int link_anon(struct pg_outfile *f, int fd, char *name, size_t n) {
        char proc[64];

        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        for (int i = 0; i < NAME_TRIES; i++) {
                tmp_name(f, name, n);
                if (linkat(fd, "", f->dir_fd, name, AT_EMPTY_PATH) == 0)
                        return 0;
                if (errno == EEXIST)
                        continue;
                if (errno != ENOENT && errno != EPERM)
                        return -errno;
                if (linkat(AT_FDCWD, proc, f->dir_fd, name, AT_SYMLINK_FOLLOW) == 0)
                        return 0;
                if (errno == EEXIST)
                        continue;
                if (errno == ENOENT || errno == EPERM || errno == EACCES)
                        return -EOPNOTSUPP;
                return -errno;
        }
        return -EEXIST;
}

static int write_all(int fd, const char *p, size_t n) {
        while (n > 0) {
                ssize_t w = write(fd, p, n);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += w;
                n -= (size_t)w;
        }
        return 0;
}

int pg_outfile_write(struct pg_outfile *f, const void *data, size_t len) {
        char name[64];
        bool linked;
        int fd = -1, r;

again:
        linked = false;
        if (!f->named) {
                fd = openat(f->dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
                /* EISDIR: a kernel older than O_TMPFILE; EOPNOTSUPP: a file
                 * system without it. Both for good. */
                if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR))
                        f->named = true;
                else if (fd < 0)
                        return -errno;
        }
        if (f->named) {
                r = open_named(f, name, sizeof(name), &fd);
                if (r < 0)
                        return r;
                linked = true;
        }
        r = write_all(fd, data, len);
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (r == 0 && !linked) {
                r = link_anon(f, fd, name, sizeof(name));
                linked = r == 0;
        }
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == -EOPNOTSUPP && !f->named) {
                f->named = true;
                goto again;
        }
        /* rename(2) replaces the name, never follows it: a symlink that
         * another user planted at the target (in a sticky directory root
         * may still replace it) is itself replaced, and what it pointed to
         * is left alone. */
        if (r == 0 && renameat(f->dir_fd, name, f->dir_fd, f->base) < 0)
                r = -errno;
        if (r < 0 && linked)
                unlinkat(f->dir_fd, name, 0);
        return r;
}
