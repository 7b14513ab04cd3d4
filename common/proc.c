/* SPDX-License-Identifier: MIT */
/* The process model and the pid walk; see proc.h. */
#include "config.h"
#include "proc.h"
#include "proc_int.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "grow.h"
#include "sat.h"

/* Per-file cache bits of a pg_proc (its have). */
enum {
        HAVE_STAT = 1u << 0,
        HAVE_STATUS = 1u << 1,
        HAVE_IO = 1u << 2,
        HAVE_CMDLINE = 1u << 3,
        HAVE_WCHAN = 1u << 4,
        HAVE_SCHED = 1u << 5,
};

struct pg_source {
        struct pg_procfs fs;
        struct pg_buf buf;       /* every small file read */
        struct pg_buf cmdline;   /* the current process's argv */
        struct pg_buf dents;     /* getdents64 of the root */
        struct pg_buf scratch;   /* getdents64 of fd/ and task/ */
        struct pg_dir_walk walk; /* the pids of the root */
        struct pg_proc cur;
        struct pg_thread *threads;
        size_t threads_cap;
        pid_t *tids;
        size_t tids_cap;
        struct pg_scan_stats stats;
};

void pg_counts_add(struct pg_counts *c, const struct pg_counts *c2) {
        /* Saturating: a sum that wrapped would read as a counter going back. */
        for (int i = 0; i < PG_COUNT_MAX; i++)
                c->v[i] = pg_sat_add(c->v[i], c2->v[i]);
}

int pg_source_new(const char *path, struct pg_source **ret) {
        struct pg_source *src;
        int r;

        src = calloc(1, sizeof(*src));
        if (!src)
                return -ENOMEM;
        /* Not 0 from calloc: freeing a source whose root did not open
         * would close fd 0, whatever the process has there. */
        src->fs.root_fd = -1;
        src->cur.dir_fd = -1;
        r = pg_procfs_open(path, &src->fs);
        if (r < 0)
                goto fail;
        r = pg_dir_walk_init(&src->walk, src->fs.root_fd, &src->dents);
        if (r < 0)
                goto fail;
        *ret = src;
        return 0;
fail:
        pg_source_free(src);
        return r;
}

/* Done with the current process: its soft errors join the scan figures. */
static void proc_release(struct pg_proc *p) {
        if (p->dir_fd >= 0)
                close(p->dir_fd);
        p->dir_fd = -1;
        if (p->src)
                p->src->stats.soft_errors += p->soft_errors;
        p->soft_errors = 0;
        /* Cheap compares per process; frees only after an odd file. */
        if (p->src) {
                pg_buf_trim(&p->src->buf);
                pg_buf_trim(&p->src->cmdline);
        }
}

void pg_source_free(struct pg_source *src) {
        if (!src)
                return;
        proc_release(&src->cur);
        pg_procfs_close(&src->fs);
        pg_buf_free(&src->buf);
        pg_buf_free(&src->cmdline);
        pg_buf_free(&src->dents);
        pg_buf_free(&src->scratch);
        free(src->threads);
        free(src->tids);
        free(src);
}

const struct pg_procfs *pg_source_procfs(const struct pg_source *src) {
        return &src->fs;
}

struct pg_procfs *pg_source_procfs_mut(struct pg_source *src) {
        return &src->fs;
}

pid_t pg_proc_pid(const struct pg_proc *p) {
        return p->pid;
}

const char *pg_proc_failed(const struct pg_proc *p) {
        return p->failed ? p->failed : "?";
}

const struct pg_scan_stats *pg_source_stats(const struct pg_source *src) {
        return &src->stats;
}

int pg_source_begin(struct pg_source *src) {
        proc_release(&src->cur);
        if (lseek(src->fs.root_fd, 0, SEEK_SET) < 0)
                return -errno;
        /* The buffer is there since pg_source_new: this cannot fail. */
        (void)pg_dir_walk_init(&src->walk, src->fs.root_fd, &src->dents);
        memset(&src->stats, 0, sizeof(src->stats));
        return 0;
}

void pg_source_end(struct pg_source *src) {
        proc_release(&src->cur);
}

int pg_source_account(struct pg_source *src, int r) {
        if (r == PG_VANISHED)
                src->stats.vanished++;
        else if (r == PG_HIDDEN)
                src->stats.hidden++;
        else if (r < 0)
                src->stats.hard_errors++;
        return r;
}

/* Make p the current process. Its directory is opened on first need: a
 * process whose files the caller keeps open (pg_proc_read_kept) may need
 * none of it. */
static void proc_open(struct pg_source *src, pid_t pid) {
        struct pg_proc *p = &src->cur;

        proc_release(p);
        memset(p, 0, sizeof(*p));
        p->src = src;
        p->pid = pid;
        p->dir_fd = -1;
}

/* A permission error on a pid's directory or its stat: with hidepid=1
 * (noaccess) the directory is listed but may not be opened (EPERM; EACCES
 * on older kernels). stat is world-readable otherwise. */
static bool is_hidden(int r) {
        return r == -EPERM || r == -EACCES;
}

/* The pid directory: PG_VANISHED when it is gone, PG_HIDDEN when the kernel
 * hides it, or another error. */
static int pdir(struct pg_proc *p) {
        char name[16];
        int fd;

        if (p->dir_fd >= 0)
                return p->dir_fd;
        snprintf(name, sizeof(name), "%d", (int)p->pid);
        fd = pg_open_dir(p->src->fs.root_fd, name);
        if (fd < 0)
                return fd == -ENOENT || fd == -ESRCH ? PG_VANISHED : is_hidden(fd) ? PG_HIDDEN : fd;
        p->dir_fd = fd;
        return fd;
}

int pg_source_next(struct pg_source *src, struct pg_proc **ret) {
        const struct pg_dirent *d;
        pid_t pid;
        int r;

        while ((r = pg_dir_next(&src->walk, &d)) > 0) {
                if (d->d_type != DT_DIR && d->d_type != DT_UNKNOWN)
                        continue;
                pid = pg_name_to_pid(d->d_name);
                if (pid <= 0)
                        continue;
                proc_open(src, pid);
                src->stats.procs++;
                *ret = &src->cur;
                return 1;
        }
        /* At the end, the last process's figures join the scan's. */
        if (r == 0)
                proc_release(&src->cur);
        return r;
}

int pg_source_get(struct pg_source *src, pid_t pid, struct pg_proc **ret) {
        int r;

        proc_open(src, pid);
        r = pdir(&src->cur);
        if (r < 0)
                return r;
        *ret = &src->cur;
        return 0;
}

/* Whether a file opened on this tree needs its type checked: a real
 * procfs has only regular files where we read (no FIFO, no device), so
 * the fstat is spent on other trees only. */
static bool check_type(const struct pg_proc *p) {
        return !p->src->fs.is_procfs;
}

/* Read file name of p's directory into b, at most max bytes. */
static int read_at(struct pg_proc *p, const char *name, size_t max, struct pg_buf *b) {
        int d = pdir(p);

        return d < 0 ? d : pg_read_file(d, name, check_type(p), max, b);
}

static bool is_gone(int r) {
        return r == -ENOENT || r == -ESRCH;
}

/* An optional file failed with r: the process may have exited (then every
 * lookup under its directory fails), or only that file is unreadable. */
static int optional_outcome(struct pg_proc *p, int r) {
        if (is_gone(r) &&
            (p->dir_fd < 0 || (faccessat(p->dir_fd, "stat", F_OK, 0) < 0 && is_gone(-errno))))
                return PG_VANISHED;
        p->soft_errors++;
        return r;
}

int pg_proc_stat(struct pg_proc *p, const struct pg_stat **ret) {
        int none = -1;

        return pg_proc_stat_kept(p, &none, false, ret);
}

static int read_kept(struct pg_proc *p, const char *name, size_t max, int *kept_fd, bool may_keep,
                     struct pg_buf *b);

int pg_proc_status(struct pg_proc *p, const struct pg_status **ret) {
        int none = -1;

        return pg_proc_status_kept(p, &none, false, ret);
}

int pg_proc_status_kept(struct pg_proc *p, int *kept_fd, bool may_keep,
                        const struct pg_status **ret) {
        struct pg_buf *b = &p->src->buf;
        int r;

        if (!(p->have & HAVE_STATUS)) {
                r = read_kept(p, "status", PG_READ_STATUS, kept_fd, may_keep, b);
                if (r == PG_STALE)
                        return r;
                if (is_gone(r) || (r == 0 && b->len == 0))
                        return PG_VANISHED;
                if (r < 0) {
                        if (is_hidden(r))
                                return PG_HIDDEN;
                        p->failed = "status";
                        return r;
                }
                r = pg_parse_status(b->data, b->len, &p->status);
                if (r < 0) {
                        p->failed = "status";
                        return r;
                }
                p->have |= HAVE_STATUS;
        }
        *ret = &p->status;
        return 0;
}

int pg_proc_schedstat(struct pg_proc *p, const struct pg_schedstat **ret) {
        int none = -1;

        /* Not a metric, only a hint: no soft error when missing. */
        return pg_proc_schedstat_kept(p, &none, false, ret);
}

static int proc_id(struct pg_proc *p, struct pg_id *ret) {
        const struct pg_stat *st;
        int r = pg_proc_stat(p, &st);

        if (r < 0)
                return r;
        ret->pid = p->pid;
        ret->start_ticks = st->starttime;
        return 0;
}

static int read_cmdline(struct pg_proc *p) {
        struct pg_buf *b = &p->src->cmdline;
        int r;

        if (p->have & HAVE_CMDLINE)
                return 0;
        r = read_at(p, "cmdline", PG_READ_BIG, b);
        /* Longer than any argv: a fake tree. Its head is argv enough. */
        if (r == -EFBIG)
                r = 0;
        if (r < 0) {
                b->len = 0;
                if (is_gone(r))
                        return PG_VANISHED;
                /* cmdline is world-readable; anything else is odd but not
                 * worth the process: an empty argv, counted. */
                p->soft_errors++;
        }
        p->have |= HAVE_CMDLINE;
        return 0;
}

int pg_proc_static(struct pg_proc *p, struct pg_static *ret) {
        const struct pg_stat *st;
        const struct pg_status *ss;
        struct pg_buf *cb = &p->src->cmdline;
        int r;

        r = pg_proc_stat(p, &st);
        if (r < 0)
                return r;
        r = pg_proc_status(p, &ss);
        if (r < 0)
                return r;
        r = read_cmdline(p);
        if (r < 0)
                return r;
        ret->name = st->comm;
        ret->cmdline = cb->len ? cb->data : "";
        ret->cmdline_len = cb->len;
        /* Drop trailing NULs so that argv has no empty tail. */
        while (ret->cmdline_len > 0 && ret->cmdline[ret->cmdline_len - 1] == '\0')
                ret->cmdline_len--;
        ret->argc = pg_parse_cmdline_argc(ret->cmdline, ret->cmdline_len);
        ret->ppid = st->ppid;
        ret->start_ticks = st->starttime;
        ret->euid = ss->euid;
        return 0;
}

/* Read and parse an optional file into the cache, through *kept_fd (see
 * read_kept). */
static int read_io(struct pg_proc *p, int *kept_fd, bool may_keep) {
        struct pg_buf *b = &p->src->buf;
        int r;

        if (p->have & HAVE_IO)
                return 0;
        r = read_kept(p, "io", PG_READ_SMALL, kept_fd, may_keep, b);
        if (r == PG_STALE)
                return r;
        if (r < 0)
                return optional_outcome(p, r);
        r = pg_parse_io(b->data, b->len, &p->io);
        if (r < 0) {
                p->failed = "io";
                return r;
        }
        p->have |= HAVE_IO;
        return 0;
}

static int read_wchan(struct pg_proc *p, int *kept_fd, bool may_keep) {
        struct pg_buf *b = &p->src->buf;
        int r;

        if (p->have & HAVE_WCHAN)
                return 0;
        r = read_kept(p, "wchan", PG_READ_SMALL, kept_fd, may_keep, b);
        if (r == PG_STALE)
                return r;
        if (r < 0)
                return optional_outcome(p, r);
        pg_parse_wchan(b->data, b->len, p->wchan);
        p->have |= HAVE_WCHAN;
        return 0;
}

static int read_limits(struct pg_proc *p, uint64_t *ret) {
        struct pg_buf *b = &p->src->buf;
        int r;

        r = read_at(p, "limits", PG_READ_SMALL, b);
        if (r < 0)
                return optional_outcome(p, r);
        /* The kernel writes nothing when it cannot lock the task's signal
         * handlers: the process is exiting (seen by the soak). */
        if (b->len == 0)
                return PG_VANISHED;
        r = pg_parse_limits_nofile(b->data, b->len, ret);
        if (r < 0)
                p->failed = "limits";
        return r;
}

static int read_smaps(struct pg_proc *p, struct pg_smaps *ret) {
        struct pg_buf *b = &p->src->buf;
        int r;

        r = read_at(p, "smaps_rollup", PG_READ_SMALL, b);
        if (r < 0)
                return optional_outcome(p, r);
        r = pg_parse_smaps_rollup(b->data, b->len, ret);
        if (r < 0)
                p->failed = "smaps_rollup";
        return r;
}

/* A soft error leaves the field unknown; anything else ends the read. */
static bool fatal(int r) {
        return r == PG_VANISHED || r == -EBADMSG || r == -ENOMEM;
}

int pg_proc_metrics(struct pg_proc *p, unsigned flags, struct pg_metrics *ret) {
        const struct pg_procfs *fs = &p->src->fs;
        const struct pg_stat *st;
        const struct pg_status *ss;
        struct pg_metrics m = {.filedesc.open = -1, .maps = -1};
        int none = -1, r;

        r = pg_proc_stat(p, &st);
        if (r < 0)
                return r;
        r = pg_proc_status(p, &ss);
        if (r < 0)
                return r;
        pg_metrics_from_stat(&m, st, fs->page_size);
        pg_metrics_from_status(&m, ss);

        if (flags & PG_READ_IO) {
                r = read_io(p, &none, false);
                if (fatal(r))
                        return r;
                if (r == 0)
                        pg_counts_from_io(&m.counts, &p->io);
        }
        if (flags & PG_READ_FDS) {
                r = pg_proc_fds(p, &m.filedesc.open);
                if (r < 0) {
                        m.filedesc.open = -1;
                        if (fatal(r))
                                return r;
                }
        }
        if (flags & PG_READ_LIMITS) {
                r = read_limits(p, &m.filedesc.limit);
                if (fatal(r))
                        return r;
        }
        if (flags & PG_READ_WCHAN) {
                r = read_wchan(p, &none, false);
                if (fatal(r))
                        return r;
                if (r == 0)
                        memcpy(m.wchan, p->wchan, sizeof(m.wchan));
        }
        if (flags & PG_READ_MAPS) {
                r = pg_proc_maps(p, &m.maps);
                if (fatal(r))
                        return r;
        }
        if (flags & PG_READ_SMAPS) {
                struct pg_smaps sm;
                r = read_smaps(p, &sm);
                if (fatal(r))
                        return r;
                if (r == 0) {
                        m.memory.v[PG_MEM_PROP_RESIDENT] = pg_sat_mul(sm.pss_kb, 1024);
                        m.memory.v[PG_MEM_PROP_SWAP] = pg_sat_mul(sm.swap_pss_kb, 1024);
                }
        }
        *ret = m;
        return 0;
}

int pg_proc_threads(struct pg_proc *p, unsigned flags, struct pg_thread **ret, size_t *ret_n) {
        struct pg_source *src = p->src;
        unsigned what = PG_THREAD_STAT | PG_THREAD_STATUS;
        const pid_t *tids;
        size_t n = 0, ntids;
        int r;

        if (flags & PG_READ_IO)
                what |= PG_THREAD_IO;
        if (flags & PG_READ_WCHAN)
                what |= PG_THREAD_WCHAN;
        r = pg_proc_tids(p, &tids, &ntids);
        if (r < 0)
                return r;
        if (PG_GROW(src->threads, ntids, src->threads_cap) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < ntids; i++) {
                memset(&src->threads[n], 0, sizeof(src->threads[n]));
                r = pg_proc_thread(p, tids[i], what, &src->threads[n]);
                if (r == PG_VANISHED)
                        continue;
                if (r < 0)
                        return r;
                n++;
        }
        *ret = src->threads;
        *ret_n = n < 2 ? 0 : n;
        return 0;
}

int pg_proc_idinfo(struct pg_proc *p, unsigned flags, struct pg_idinfo *ret) {
        struct pg_idinfo ii = {0};
        struct pg_thread *t = NULL;
        size_t n = 0;
        int r;

        r = proc_id(p, &ii.id);
        if (r < 0)
                return r;
        r = pg_proc_static(p, &ii.st);
        if (r < 0)
                return r;
        r = pg_proc_metrics(p, flags, &ii.m);
        if (r < 0)
                return r;
        if (flags & PG_READ_THREADS) {
                r = pg_proc_threads(p, flags, &t, &n);
                if (r < 0)
                        return r;
        }
        ii.threads = t;
        ii.num_threads = n;
        ii.soft_errors = p->soft_errors;
        *ret = ii;
        return 0;
}

int pg_proc_io(struct pg_proc *p, const struct pg_io **ret) {
        int none = -1;

        return pg_proc_io_kept(p, &none, false, ret);
}

int pg_proc_io_kept(struct pg_proc *p, int *kept_fd, bool may_keep, const struct pg_io **ret) {
        int r = read_io(p, kept_fd, may_keep);

        if (r < 0)
                return r;
        *ret = &p->io;
        return 0;
}

int pg_proc_wchan_kept(struct pg_proc *p, int *kept_fd, bool may_keep, const char **ret) {
        int r = read_wchan(p, kept_fd, may_keep);

        if (r < 0)
                return r;
        *ret = p->wchan;
        return 0;
}

int pg_proc_fds(struct pg_proc *p, int64_t *ret) {
        char path[24];
        int r;

        /* A process whose files are all kept has no directory fd open:
         * name fd/ from the root rather than open the directory for it. */
        if (p->dir_fd >= 0) {
                r = pg_procfs_count_fds(&p->src->fs, p->dir_fd, "fd", &p->src->scratch, ret);
        } else {
                snprintf(path, sizeof(path), "%d/fd", (int)p->pid);
                r = pg_procfs_count_fds(&p->src->fs, p->src->fs.root_fd, path, &p->src->scratch,
                                        ret);
        }
        return r < 0 ? optional_outcome(p, r) : 0;
}

int pg_proc_exe_id(struct pg_proc *p, uint64_t *dev, uint64_t *ino) {
        struct stat st;
        char path[24];
        int r;

        /* Following the link stats the executable itself. */
        if (p->dir_fd >= 0) {
                r = fstatat(p->dir_fd, "exe", &st, 0);
        } else {
                snprintf(path, sizeof(path), "%d/exe", (int)p->pid);
                r = fstatat(p->src->fs.root_fd, path, &st, 0);
        }
        if (r < 0)
                return -errno;
        *dev = st.st_dev;
        *ino = st.st_ino;
        return 0;
}

/* maps is as long as the process has mappings (thousands for a JVM or a
 * browser): it is read through the scratch buffer, a piece at a time, and
 * only its newlines are counted. seq_file may stop a read short of the
 * buffer in mid-file, so the end is a read that returns 0. */
int pg_proc_maps(struct pg_proc *p, int64_t *ret) {
        struct pg_buf *b = &p->src->scratch;
        uint64_t lines = 0;
        size_t total = 0;
        int d, fd, r = 0;

        d = pdir(p);
        if (d < 0)
                return d;
        if (b->cap < PG_DIR_BUF && pg_buf_reserve(b, PG_DIR_BUF) < 0)
                return -ENOMEM;
        fd = pg_open_file(d, "maps", check_type(p));
        if (fd < 0)
                return optional_outcome(p, fd);
        for (;;) {
                ssize_t n = read(fd, b->data, b->cap);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        r = n < 0 ? -errno : 0;
                        break;
                }
                total += (size_t)n;
                if (total > PG_MAPS_MAX) {
                        r = -EFBIG;
                        break;
                }
                pg_count_lines(b->data, (size_t)n, &lines);
        }
        close(fd);
        if (r < 0)
                return optional_outcome(p, r);
        *ret = lines > INT64_MAX ? INT64_MAX : (int64_t)lines;
        return 0;
}

int pg_proc_limit_nofile(struct pg_proc *p, uint64_t *ret) {
        return read_limits(p, ret);
}

int pg_proc_tids(struct pg_proc *p, const pid_t **ret, size_t *ret_n) {
        struct pg_source *src = p->src;
        struct pg_dir_walk w;
        const struct pg_dirent *d;
        size_t n = 0;
        int task_fd, r;

        task_fd = pdir(p);
        if (task_fd < 0)
                return task_fd;
        task_fd = pg_open_dir(task_fd, "task");
        if (task_fd < 0)
                return is_gone(task_fd) ? PG_VANISHED : task_fd;
        r = pg_dir_walk_init(&w, task_fd, &src->scratch);
        if (r < 0)
                goto out;
        while ((r = pg_dir_next(&w, &d)) > 0) {
                pid_t tid = pg_name_to_pid(d->d_name);
                if (tid <= 0)
                        continue;
                if (PG_GROW(src->tids, n + 1, src->tids_cap) < 0) {
                        r = -ENOMEM;
                        goto out;
                }
                src->tids[n++] = tid;
        }
        if (r < 0) {
                r = is_gone(r) ? PG_VANISHED : r;
                goto out;
        }
        *ret = src->tids;
        *ret_n = n;
out:
        close(task_fd);
        return r;
}

int pg_proc_thread(struct pg_proc *p, pid_t tid, unsigned what, struct pg_thread *t) {
        struct pg_buf *b = &p->src->buf;
        char path[32];
        int fd, r = 0;

        /* task/<tid> relative to the pid dir: one openat per thread. */
        snprintf(path, sizeof(path), "task/%d", (int)tid);
        fd = pdir(p);
        if (fd < 0)
                return fd;
        fd = pg_open_dir(fd, path);
        if (fd < 0)
                return is_gone(fd) ? PG_VANISHED : fd;
        if (what & PG_THREAD_STAT) {
                struct pg_stat st;
                r = pg_read_file(fd, "stat", check_type(p), PG_READ_SMALL, b);
                if (is_gone(r) || (r == 0 && b->len == 0))
                        r = PG_VANISHED;
                if (r == 0)
                        r = pg_parse_stat(b->data, b->len, &st);
                if (r < 0 && r != PG_VANISHED)
                        p->failed = "task/*/stat";
                if (r < 0)
                        goto out;
                pg_thread_from_stat(t, tid, &st);
        }
        if (what & PG_THREAD_STATUS) {
                struct pg_status ss;
                r = pg_read_file(fd, "status", check_type(p), PG_READ_STATUS, b);
                if (is_gone(r) || (r == 0 && b->len == 0))
                        r = PG_VANISHED;
                if (r == 0)
                        r = pg_parse_status(b->data, b->len, &ss);
                if (r < 0 && r != PG_VANISHED)
                        p->failed = "task/*/status";
                if (r < 0)
                        goto out;
                pg_counts_from_status(&t->counts, &ss);
        }
        if (what & PG_THREAD_IO) {
                /* Optional per thread: a thread's io needs the same
                 * ptrace access as the process's, whose soft error is
                 * counted already. */
                struct pg_io io;
                if (pg_read_file(fd, "io", check_type(p), PG_READ_SMALL, b) == 0 &&
                    pg_parse_io(b->data, b->len, &io) == 0)
                        pg_counts_from_io(&t->counts, &io);
        }
        if (what & PG_THREAD_WCHAN) {
                t->wchan[0] = '\0';
                if (pg_read_file(fd, "wchan", check_type(p), PG_READ_SMALL, b) == 0)
                        pg_parse_wchan(b->data, b->len, t->wchan);
        }
        r = 0;
out:
        close(fd);
        return r;
}

/* Read file name of p through *kept_fd, a descriptor kept open across scans
 * and re-read from offset 0 (the kernel regenerates the text), so that a
 * steady process costs one pread, not openat+read+close of its directory
 * and file. When *kept_fd is -1 the file is opened through p's directory and,
 * if may_keep, left open in *kept_fd. A kept descriptor outlives its process: it
 * then reads ESRCH (or nothing) and PG_STALE is returned; its owner (the
 * tracker's kept.c) closes it and calls again. */
static int read_kept(struct pg_proc *p, const char *name, size_t max, int *kept_fd, bool may_keep,
                     struct pg_buf *b) {
        int d, fd, r;

        if (*kept_fd >= 0) {
                r = pg_read_fd(*kept_fd, max, b);
                if (r == 0 && b->len > 0)
                        return 0;
                return PG_STALE;
        }
        d = pdir(p);
        if (d < 0)
                return d;
        fd = pg_open_file(d, name, check_type(p));
        if (fd < 0)
                return fd;
        r = pg_read_fd(fd, max, b);
        if (r == 0 && may_keep)
                *kept_fd = fd;
        else
                close(fd);
        return r;
}

int pg_proc_stat_kept(struct pg_proc *p, int *kept_fd, bool may_keep, const struct pg_stat **ret) {
        struct pg_buf *b = &p->src->buf;
        int r;

        if (!(p->have & HAVE_STAT)) {
                r = read_kept(p, "stat", PG_READ_SMALL, kept_fd, may_keep, b);
                if (r == PG_STALE)
                        return r;
                if (is_gone(r) || (r == 0 && b->len == 0))
                        return PG_VANISHED;
                if (r < 0) {
                        /* stat is world-readable: refused, the kernel
                         * hides the process (hidepid). */
                        if (is_hidden(r))
                                return PG_HIDDEN;
                        p->failed = "stat";
                        return r;
                }
                r = pg_parse_stat(b->data, b->len, &p->stat);
                if (r < 0) {
                        p->failed = "stat";
                        return r;
                }
                p->have |= HAVE_STAT;
        }
        *ret = &p->stat;
        return 0;
}

int pg_proc_schedstat_kept(struct pg_proc *p, int *kept_fd, bool may_keep,
                           const struct pg_schedstat **ret) {
        struct pg_buf *b = &p->src->buf;
        int r;

        if (!(p->have & HAVE_SCHED)) {
                r = read_kept(p, "schedstat", PG_READ_SMALL, kept_fd, may_keep, b);
                if (r < 0)
                        return r;
                r = pg_parse_schedstat(b->data, b->len, &p->sched);
                if (r < 0)
                        return r;
                p->have |= HAVE_SCHED;
        }
        *ret = &p->sched;
        return 0;
}

int pg_proc_thread_sched_kept(struct pg_proc *p, pid_t tid, int *kept_fd, bool may_keep,
                              struct pg_schedstat *ret) {
        struct pg_buf *b = &p->src->buf;
        char path[40];
        int r;

        snprintf(path, sizeof(path), "task/%d/schedstat", (int)tid);
        r = read_kept(p, path, PG_READ_SMALL, kept_fd, may_keep, b);
        if (r == 0)
                return pg_parse_schedstat(b->data, b->len, ret);
        /* The thread may be gone, or only its schedstat (a hint) missing. */
        if (is_gone(r)) {
                int d = pdir(p);
                snprintf(path, sizeof(path), "task/%d/stat", (int)tid);
                if (d < 0 || (faccessat(d, path, F_OK, 0) < 0 && is_gone(-errno)))
                        return PG_VANISHED;
        }
        return r;
}
