/* SPDX-License-Identifier: MIT */
/* Tests of the tracker (common/track.c), driven scan by scan over a fake
 * procfs tree that each test writes into its own temp dir and rewrites
 * between scans (see sample-proc/README, "track"). After every scan the
 * group counters are asserted, and checked never to be lower than after
 * the scan before. Ticks are pinned to 100 and pages to 4096 bytes. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/check_main.h"
#include "common/format.h"
#include "common/match.h"
#include "common/report.h"
#include "common/track.h"
#include "tests/fakeproc.h"

#define PAGE  4096u
#define BTIME 1700000000u

/* --- the fake tree ------------------------------------------------- */

struct fthr {
        pid_t tid;
        const char *comm;
        char state;
        uint64_t utime, stime, minflt, majflt, vol, nonvol, start;
        const char *wchan;
};

struct fproc {
        pid_t pid, ppid;
        const char *comm;
        char state; /* 'S' when 0 */
        uint64_t utime, stime, cutime, cstime, minflt, majflt, cminflt, cmajflt;
        uint64_t start, vsize, rss, swap_kb, vol, nonvol, rbytes, wbytes;
        int nfds;
        const char *nofile;  /* soft limit as limits prints it; "1024" when NULL */
        const char *wchan;   /* "0" when NULL */
        size_t nthr;         /* 0: one thread (task/<pid> -> ..) */
        bool no_sched;       /* no schedstat files (CONFIG_SCHED_INFO off) */
        uint32_t flags;      /* stat (9); a user process's when 0 */
        const char *cmdline; /* NUL-separated argv; NULL: comm */
        struct fthr thr[4];
};

static char root[256];

static int open_root(void) {
        int fd = open(root, O_DIRECTORY | O_CLOEXEC);

        ck_assert_msg(fd >= 0, "cannot open %s", root);
        return fd;
}

static void put(const char *rel, const char *text) {
        int fd = open_root();

        ck_assert_msg(pg_fake_put(fd, rel, text, strlen(text)) == 0, "cannot write %s/%s", root,
                      rel);
        close(fd);
}

static void mkdir_rel(const char *rel) {
        int fd = open_root(), d = pg_fake_dir(fd, rel);

        ck_assert_msg(d >= 0, "mkdir %s/%s", root, rel);
        close(d);
        close(fd);
}

/* The process exited and was reaped: its directory is gone. */
static void gone(pid_t pid) {
        char path[512];

        snprintf(path, sizeof(path), "%s/%d", root, (int)pid);
        ck_assert_int_eq(pg_fake_rm_rf(path), 0);
}

/* Thread tid of pid exited: its task/ directory is gone. */
static void gone_thread(pid_t pid, pid_t tid) {
        char path[512];

        snprintf(path, sizeof(path), "%s/%d/task/%d", root, (int)pid, (int)tid);
        ck_assert_int_eq(pg_fake_rm_rf(path), 0);
}

/* The stat and status of a task of p: the process (t NULL) or a thread. */
static struct pg_fake_task task_of(const struct fproc *p, const struct fthr *t) {
        struct pg_fake_task k = {.pid = p->pid,
                                 .ppid = p->ppid,
                                 .comm = p->comm,
                                 .state = p->state,
                                 .uid = 1000,
                                 .euid = 1000,
                                 .minflt = p->minflt,
                                 .cminflt = p->cminflt,
                                 .majflt = p->majflt,
                                 .cmajflt = p->cmajflt,
                                 .utime = p->utime,
                                 .stime = p->stime,
                                 .cutime = (int64_t)p->cutime,
                                 .cstime = (int64_t)p->cstime,
                                 .nthreads = p->nthr ? p->nthr : 1,
                                 .start = p->start,
                                 .vsize = p->vsize,
                                 .rss = (int64_t)p->rss,
                                 .swap_kb = p->swap_kb,
                                 .vol = p->vol,
                                 .nonvol = p->nonvol,
                                 .flags = p->flags};

        if (t) {
                k.pid = t->tid;
                k.tgid = p->pid;
                k.comm = t->comm;
                k.state = t->state;
                k.minflt = t->minflt;
                k.majflt = t->majflt;
                k.cminflt = k.cmajflt = 0;
                k.utime = t->utime;
                k.stime = t->stime;
                k.cutime = k.cstime = 0;
                k.start = t->start;
                k.vol = t->vol;
                k.nonvol = t->nonvol;
        }
        return k;
}

/* Write p's files over the ones there: in place, so that descriptors the
 * tracker keeps read the new text (threads that left stay listed). */
static void rewrite_proc(const struct fproc *p) {
        struct pg_fake_proc fp = {.task = task_of(p, NULL),
                                  .read_bytes = p->rbytes,
                                  .write_bytes = p->wbytes,
                                  .nofile = p->nofile,
                                  .wchan = p->wchan,
                                  .nfds = p->nfds,
                                  .no_sched = p->no_sched,
                                  .cmdline = p->cmdline,
                                  .cmdline_len = p->cmdline ? strlen(p->cmdline) + 1 : 0};
        int fd = open_root();

        ck_assert_int_eq(pg_fake_proc_write(fd, &fp), 0);
        for (size_t i = 0; i < p->nthr; i++) {
                struct pg_fake_task k = task_of(p, &p->thr[i]);
                ck_assert_int_eq(pg_fake_thread_write(fd, p->pid, &k, p->thr[i].wchan, p->no_sched),
                                 0);
        }
        close(fd);
}

/* Write (or rewrite from scratch) the directory of p. */
static void write_proc(const struct fproc *p) {
        gone(p->pid);
        rewrite_proc(p);
}

/* --- the order of the walk ------------------------------------------ */

/* The source lists the root with getdents64 through syscall(). Directory
 * order is the filesystem's (hashed on ext4, creation order or its
 * reverse on tmpfs, depending on the kernel), so this test is linked with
 * -Wl,--wrap=syscall (tests/local.mk) and lists the root's pids in the order
 * a test asks for: those of walk_order first, in that order, then the
 * rest as the filesystem gave them. Only this test binary is wrapped. */
static pid_t walk_order[256];
static size_t walk_n;
static struct stat root_st;

long __real_syscall(long nr, ...);
long __wrap_syscall(long nr, ...);

/* List the root's pids in this order from the next scan on. */
static void list_order(const pid_t *pids, size_t n) {
        ck_assert_uint_le(n, sizeof(walk_order) / sizeof(walk_order[0]));
        memcpy(walk_order, pids, n * sizeof(*pids));
        walk_n = n;
        ck_assert_int_eq(stat(root, &root_st), 0);
}

struct dent {
        uint64_t ino;
        int64_t off;
        unsigned short reclen;
        unsigned char type;
        char name[];
};

/* Rewrite the n bytes of records in buf: non-pid names, then walk_order,
 * then the other pids. */
static void reorder(char *buf, size_t n) {
        char *out = malloc(n);
        size_t len = 0;

        ck_assert_ptr_nonnull(out);
        for (size_t pass = 0; pass <= walk_n + 1; pass++) {
                for (size_t off = 0; off < n;) {
                        struct dent *d = (void *)(buf + off);
                        char *end;
                        long pid = strtol(d->name, &end, 10);
                        bool is_pid = *d->name && !*end;
                        bool listed = false, take;

                        for (size_t k = 0; is_pid && k < walk_n; k++)
                                listed = listed || walk_order[k] == pid;
                        if (pass == 0)
                                take = !is_pid;
                        else if (pass <= walk_n)
                                take = is_pid && walk_order[pass - 1] == pid;
                        else
                                take = is_pid && !listed;
                        if (take) {
                                memcpy(out + len, d, d->reclen);
                                len += d->reclen;
                        }
                        off += d->reclen;
                }
        }
        ck_assert_uint_eq(len, n);
        memcpy(buf, out, n);
        free(out);
}

long __wrap_syscall(long nr, ...) {
        struct stat st;
        va_list ap;
        int fd;
        char *buf;
        size_t cap;
        long n;

        /* libpgcore makes no other syscall() than getdents64. */
        ck_assert_int_eq(nr, SYS_getdents64);
        va_start(ap, nr);
        fd = va_arg(ap, int);
        buf = va_arg(ap, char *);
        cap = va_arg(ap, size_t);
        va_end(ap);
        n = __real_syscall(nr, fd, buf, cap);
        if (n > 0 && walk_n > 0 && fstat(fd, &st) == 0 && st.st_dev == root_st.st_dev &&
            st.st_ino == root_st.st_ino)
                reorder(buf, (size_t)n);
        return n;
}

/* --- the tracker under test ---------------------------------------- */

static struct pg_tracker *trk;
static struct pg_rules *rules;
static struct pg_track_opts opts;
/* Set by a test in which groups are forgotten: scan() then checks only
 * the groups still listed. */
static bool may_forget;

/* Counters of every group after the previous scan, to check that none
 * ever goes down and no group ever disappears. */
static struct {
        char name[64];
        struct pg_counts c;
} prev[16];
static size_t nprev;

static void setup(void) {
        const char *tmp = getenv("TMPDIR");

        snprintf(root, sizeof(root), "%s/check_track.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        ck_assert_ptr_nonnull(mkdtemp(root));
        put("stat", "cpu  1 0 1 1 0 0 0 0 0 0\nbtime 1700000000\nprocesses 1\n");
        ck_assert_int_eq(pg_rules_new(&rules), 0);
        opts = (struct pg_track_opts)PG_TRACK_OPTS_DEFAULT;
        trk = NULL;
        nprev = 0;
        walk_n = 0;
        may_forget = false;
}

static void teardown(void) {
        pg_tracker_free(trk);
        if (!trk)
                pg_rules_free(rules);
        trk = NULL;
        rules = NULL;
        ck_assert_int_eq(pg_fake_rm_rf(root), 0);
}

/* A rule named name over a list of comms (NULL-terminated). */
static void rule(const char *name, const char *comm1, const char *comm2) {
        const char *comm[2] = {comm1, comm2};
        char err[256];

        ck_assert_int_eq(
            pg_rules_add(rules, name, comm, comm2 ? 2 : 1, NULL, 0, NULL, 0, err, sizeof(err)), 0);
}

static int hard_errors_reported;
static void on_error(void *ctx, pid_t pid, const char *file, int err) {
        (void)ctx;
        (void)file;
        (void)pid;
        ck_assert_msg(err == -EBADMSG, "pid %d: error %d", (int)pid, err);
        hard_errors_reported++;
}

static void start(void) {
        struct pg_source *src;
        struct pg_procfs *fs;

        ck_assert_int_eq(pg_source_new(root, &src), 0);
        fs = pg_source_procfs_mut(src);
        fs->ticks = 100;
        fs->page_size = PAGE;
        ck_assert_int_eq(pg_tracker_new(src, rules, &opts, &trk), 0);
        pg_tracker_set_error_fn(trk, on_error, NULL);
        hard_errors_reported = 0;
}

static const struct pg_group *find(const char *name) {
        const struct pg_group *const *gs;
        size_t n = pg_tracker_groups(trk, &gs);

        for (size_t i = 0; i < n; i++)
                if (strcmp(gs[i]->name, name) == 0)
                        return gs[i];
        return NULL;
}

static const struct pg_group *group(const char *name) {
        const struct pg_group *g = find(name);

        ck_assert_msg(g != NULL, "no group %s", name);
        return g;
}

static void scan(void) {
        const struct pg_group *const *gs;
        size_t n;

        if (!trk)
                start();
        ck_assert_int_eq(pg_tracker_scan(trk), 0);
        n = pg_tracker_groups(trk, &gs);
        for (size_t i = 1; i < n; i++)
                ck_assert_int_lt(strcmp(gs[i - 1]->name, gs[i]->name), 0);
        for (size_t k = 0; k < nprev; k++) {
                const struct pg_group *g = find(prev[k].name);
                if (!g && may_forget)
                        continue;
                ck_assert_msg(g != NULL, "group %s disappeared", prev[k].name);
                for (int c = 0; c < PG_COUNT_MAX; c++)
                        ck_assert_msg(g->counts.v[c] >= prev[k].c.v[c],
                                      "group %s counter %d went back: %" PRIu64 " < %" PRIu64,
                                      g->name, c, g->counts.v[c], prev[k].c.v[c]);
        }
        ck_assert_uint_le(n, sizeof(prev) / sizeof(prev[0]));
        for (size_t i = 0; i < n; i++) {
                snprintf(prev[i].name, sizeof(prev[i].name), "%s", gs[i]->name);
                prev[i].c = gs[i]->counts;
        }
        nprev = n;
}

static const struct pg_track_stats *stats(void) {
        return pg_tracker_stats(trk);
}

/* Assert the eight counters of a group. */
static void counts_are(const char *name, uint64_t user, uint64_t sys, uint64_t rd, uint64_t wr,
                       uint64_t majf, uint64_t minf, uint64_t vol, uint64_t nonvol) {
        const struct pg_counts *c = &group(name)->counts;
        const uint64_t want[PG_COUNT_MAX] = {user, sys, rd, wr, majf, minf, vol, nonvol};

        for (int i = 0; i <= PG_CTX_NONVOLUNTARY; i++)
                ck_assert_msg(c->v[i] == want[i], "group %s counter %d: %" PRIu64 " != %" PRIu64,
                              name, i, c->v[i], want[i]);
}

/* --- scenarios ------------------------------------------------------ */

START_TEST(first_scan_lifetime) {
        struct fproc a = {.pid = 100,
                          .ppid = 1,
                          .comm = "app",
                          .utime = 150,
                          .stime = 25,
                          .minflt = 1000,
                          .majflt = 3,
                          .rbytes = 4096,
                          .wbytes = 8192,
                          .vol = 40,
                          .nonvol = 7,
                          .start = 500};
        struct fproc b = {.pid = 101,
                          .ppid = 1,
                          .comm = "app",
                          .utime = 10,
                          .stime = 5,
                          .minflt = 20,
                          .majflt = 1,
                          .rbytes = 1,
                          .wbytes = 2,
                          .vol = 4,
                          .nonvol = 3,
                          .start = 600,
                          .cutime = 900,
                          .cstime = 900};
        struct fproc c = {.pid = 102, .ppid = 1, .comm = "other", .utime = 7, .start = 700};

        rule("apps", "app", NULL);
        write_proc(&a);
        write_proc(&b);
        write_proc(&c);
        scan();
        /* What ps would show: the members' own lifetime counts; the time
         * of children reaped before we looked is not the group's. */
        counts_are("apps", 160, 30, 4097, 8194, 4, 1020, 44, 10);
        ck_assert_uint_eq(group("apps")->procs, 2);
        ck_assert_ptr_null(find("other"));
        ck_assert_uint_eq(stats()->procs, 3);
        ck_assert_uint_eq(stats()->hard_errors, 0);
}
END_TEST

START_TEST(process_exits) {
        struct fproc a = {.pid = 100,
                          .ppid = 1,
                          .comm = "app",
                          .utime = 100,
                          .vol = 10,
                          .rbytes = 1000,
                          .start = 500};
        struct fproc b = {.pid = 101,
                          .ppid = 1,
                          .comm = "app",
                          .utime = 50,
                          .vol = 5,
                          .rbytes = 300,
                          .start = 600};

        rule("apps", "app", NULL);
        write_proc(&a);
        write_proc(&b);
        scan();
        counts_are("apps", 150, 0, 1300, 0, 0, 0, 15, 0);
        a.utime = 120, a.vol = 12, a.rbytes = 1100;
        write_proc(&a);
        gone(101);
        scan();
        /* b's contribution stays; a adds its deltas. */
        counts_are("apps", 170, 0, 1400, 0, 0, 0, 17, 0);
        ck_assert_uint_eq(group("apps")->procs, 1);
        gone(100);
        scan();
        /* An empty group keeps its counters, with no oldest start time. */
        counts_are("apps", 170, 0, 1400, 0, 0, 0, 17, 0);
        ck_assert_uint_eq(group("apps")->procs, 0);
        ck_assert_uint_eq(group("apps")->threads, 0);
}
END_TEST

START_TEST(pid_reused) {
        struct fproc a = {
            .pid = 200, .ppid = 1, .comm = "app", .utime = 50, .minflt = 500, .start = 1000};

        rule("apps", "app", NULL);
        write_proc(&a);
        scan();
        counts_are("apps", 50, 0, 0, 0, 0, 500, 0, 0);
        /* Same pid, new start time: another process, born since the last
         * scan, so all of its counts are new (not 70 - 50). */
        a.start = 5000, a.utime = 70, a.minflt = 300;
        write_proc(&a);
        scan();
        counts_are("apps", 120, 0, 0, 0, 0, 800, 0, 0);
        ck_assert_uint_eq(group("apps")->procs, 1);
        ck_assert_uint_eq(group("apps")->oldest_start_ticks, 5000);
        a.utime = 75;
        write_proc(&a);
        scan();
        counts_are("apps", 125, 0, 0, 0, 0, 800, 0, 0);
}
END_TEST

/* The same with stat and schedstat kept open (and status, io, wchan once
 * the process is busy), which a fake tree allows only under
 * kept_on_any_root; the tree is rewritten in place, so the kept
 * descriptors read the new process as they would on procfs. Loop 0: the
 * new process is in the same group; 1: in another, and the old one's
 * counts stay in its own. */
START_TEST(pid_reused_kept) {
        struct fproc a = {.pid = 200,
                          .ppid = 1,
                          .comm = "app",
                          .utime = 50,
                          .stime = 5,
                          .rbytes = 4096,
                          .minflt = 500,
                          .vol = 10,
                          .start = 1000};
        struct fproc b = {.pid = 200,
                          .ppid = 1,
                          .comm = _i ? "other" : "app",
                          .utime = 7,
                          .stime = 1,
                          .rbytes = 100,
                          .minflt = 30,
                          .vol = 2,
                          .start = 5000};
        const char *bgroup = _i ? "others" : "apps";

        opts.kept_on_any_root = true;
        opts.kept_fds = 64;
        rule("apps", "app", NULL);
        rule("others", "other", NULL);
        write_proc(&a);
        scan();
        /* Busy twice: its status, io and wchan are kept from now on. */
        a.utime = 60, a.vol = 11;
        rewrite_proc(&a);
        scan();
        a.utime = 70, a.vol = 12;
        rewrite_proc(&a);
        scan();
        ck_assert_uint_ge(stats()->kept_files, 5);
        counts_are("apps", 70, 5, 4096, 0, 0, 500, 12, 0);

        /* A exits, B takes its pid: its files are rewritten in place. */
        rewrite_proc(&b);
        scan();
        ck_assert_uint_eq(stats()->hard_errors, 0);
        ck_assert_uint_eq(group(bgroup)->procs, 1);
        ck_assert_uint_eq(group(bgroup)->oldest_start_ticks, 5000);
        if (_i) {
                ck_assert_uint_eq(group("apps")->procs, 0);
                counts_are("apps", 70, 5, 4096, 0, 0, 500, 12, 0);
                counts_are("others", 7, 1, 100, 0, 0, 30, 2, 0);
        } else {
                counts_are("apps", 77, 6, 4196, 0, 0, 530, 14, 0);
        }

        /* B runs on: its deltas, read through the kept files. */
        b.utime = 9, b.rbytes = 300, b.vol = 3;
        rewrite_proc(&b);
        scan();
        ck_assert_uint_gt(stats()->kept_files, 0);
        if (_i) {
                counts_are("apps", 70, 5, 4096, 0, 0, 500, 12, 0);
                counts_are("others", 9, 1, 300, 0, 0, 30, 3, 0);
        } else {
                counts_are("apps", 79, 6, 4396, 0, 0, 530, 15, 0);
        }
}
END_TEST

START_TEST(thread_exits) {
        struct fproc p = {.pid = 300,
                          .ppid = 1,
                          .comm = "srv",
                          .utime = 60,
                          .start = 700,
                          .vol = 999,
                          .nonvol = 999,
                          .nthr = 3,
                          .thr = {{300, "srv", 'S', 10, 5, 0, 0, 10, 1, 700, NULL},
                                  {301, "worker", 'S', 20, 10, 0, 0, 20, 2, 701, NULL},
                                  {302, "worker", 'S', 30, 15, 0, 0, 30, 3, 702, NULL}}};
        const struct pg_group *g;

        rule("srv", "srv", NULL);
        write_proc(&p);
        scan();
        /* Context switches are summed per thread (status of the process
         * shows the main thread's only). */
        counts_are("srv", 60, 0, 0, 0, 0, 0, 60, 6);
        ck_assert_uint_eq(group("srv")->threads, 3);
        /* 302 exits; the process's utime still holds its time. */
        p.nthr = 2, p.utime = 70;
        p.thr[0].vol = 12;
        p.thr[1].vol = 25, p.thr[1].nonvol = 4;
        write_proc(&p);
        scan();
        counts_are("srv", 70, 0, 0, 0, 0, 0, 67, 8);
        g = group("srv");
        ck_assert_uint_eq(g->threads, 2);
        /* A thread born since: all of its switches are new. */
        p.nthr = 3;
        p.thr[2] = (struct fthr){303, "worker", 'R', 1, 1, 0, 0, 4, 1, 900, NULL};
        write_proc(&p);
        scan();
        counts_are("srv", 70, 0, 0, 0, 0, 0, 71, 9);
        /* Down to one thread: the process's status stands for it again;
         * its main thread's count continues from 12. */
        p.nthr = 0, p.vol = 13, p.nonvol = 1;
        write_proc(&p);
        scan();
        counts_are("srv", 70, 0, 0, 0, 0, 0, 72, 9);
}
END_TEST

START_TEST(worker_runs_main_sleeps) {
        struct fproc p = {.pid = 300,
                          .ppid = 1,
                          .comm = "srv",
                          .utime = 30,
                          .start = 700,
                          .rbytes = 10,
                          .nthr = 2,
                          .thr = {{300, "srv", 'S', 10, 0, 0, 0, 10, 1, 700, "do_epoll_wait"},
                                  {301, "worker", 'S', 20, 0, 0, 0, 20, 2, 701, "futex"}}};

        rule("srv", "srv", NULL);
        write_proc(&p);
        scan();
        counts_are("srv", 30, 0, 10, 0, 0, 0, 30, 3);
        /* Only the worker ran (the main thread's schedstat, which is the
         * process's, did not move); the process's own files show it. */
        p.utime = 45, p.rbytes = 5000, p.minflt = 9;
        p.thr[1].utime = 35, p.thr[1].vol = 21, p.thr[1].minflt = 9;
        write_proc(&p);
        scan();
        counts_are("srv", 45, 0, 5000, 0, 0, 9, 31, 3);
}
END_TEST

START_TEST(no_schedstat) {
        bool multi = _i;
        struct fproc p = {.pid = 300,
                          .ppid = 1,
                          .comm = "srv",
                          .utime = 30,
                          .start = 700,
                          .vol = 7,
                          .no_sched = true};
        struct fthr thr[2] = {{300, "srv", 'S', 10, 0, 0, 0, 10, 1, 700, NULL},
                              {301, "worker", 'S', 20, 0, 0, 0, 20, 2, 701, NULL}};

        /* schedstat needs CONFIG_SCHED_INFO: without it, nothing breaks. */
        if (multi) {
                p.nthr = 2;
                memcpy(p.thr, thr, sizeof(thr));
        }
        rule("srv", "srv", NULL);
        write_proc(&p);
        scan();
        ck_assert_uint_eq(stats()->hard_errors, 0);
        ck_assert_uint_eq(group("srv")->procs, 1);
        counts_are("srv", 30, 0, 0, 0, 0, 0, multi ? 30 : 7, multi ? 3 : 0);
        p.utime = 40, p.vol = 8;
        p.thr[1].vol = 25;
        write_proc(&p);
        scan();
        ck_assert_uint_eq(stats()->hard_errors, 0);
        counts_are("srv", 40, 0, 0, 0, 0, 0, multi ? 35 : 8, multi ? 3 : 0);
}
END_TEST

START_TEST(exec_rematch) {
        struct fproc p = {
            .pid = 400, .ppid = 1, .comm = "sh", .utime = 100, .minflt = 10, .start = 800};

        rule("shell", "sh", NULL);
        rule("app", "app", NULL);
        write_proc(&p);
        scan();
        counts_are("shell", 100, 0, 0, 0, 0, 10, 0, 0);
        ck_assert_ptr_null(find("app"));
        /* exec: same pid and start, new comm. The process joins "app"
         * with deltas from now on; "shell" keeps what it had. */
        p.comm = "app", p.utime = 130, p.minflt = 15;
        write_proc(&p);
        scan();
        counts_are("shell", 100, 0, 0, 0, 0, 10, 0, 0);
        counts_are("app", 0, 0, 0, 0, 0, 0, 0, 0);
        ck_assert_uint_eq(group("shell")->procs, 0);
        ck_assert_uint_eq(group("app")->procs, 1);
        p.utime = 150, p.minflt = 16;
        write_proc(&p);
        scan();
        counts_are("app", 20, 0, 0, 0, 0, 1, 0, 0);
        counts_are("shell", 100, 0, 0, 0, 0, 10, 0, 0);
}
END_TEST

/* The thread io of thread tid of p (task/<tid>/io). */
static void thread_io(pid_t pid, pid_t tid, uint64_t rd, uint64_t wr) {
        char rel[64], text[256];

        snprintf(rel, sizeof(rel), "%d/task/%d/io", (int)pid, (int)tid);
        ck_assert_int_lt(pg_fake_io_text(text, sizeof(text), rd, wr), (int)sizeof(text));
        put(rel, text);
}

static const struct pg_thread_name *thread_name(const struct pg_group *g, const char *name) {
        for (size_t i = 0; i < g->num_thread_names; i++)
                if (strcmp(g->thread_names[i].name, name) == 0)
                        return &g->thread_names[i];
        ck_abort_msg("group %s has no thread name %s", g->name, name);
        return NULL;
}

/* thread_series = false drops the names, not the threads: the group's
 * sums (context switches per thread, states, wait channels) are those of
 * thread_series = true, scan by scan, through a thread exit and a birth.
 * With the series, a thread's io reaches its name. */
START_TEST(thread_series_off_same_sums) {
        bool series = _i;
        struct fproc p = {.pid = 300,
                          .ppid = 1,
                          .comm = "srv",
                          .utime = 60,
                          .start = 700,
                          .rbytes = 4000,
                          .nthr = 3,
                          .thr = {{300, "srv", 'S', 10, 5, 0, 0, 10, 1, 700, "do_epoll_wait"},
                                  {301, "worker", 'S', 20, 10, 0, 0, 20, 2, 701, "futex"},
                                  {302, "worker", 'R', 30, 15, 0, 0, 30, 3, 702, NULL}}};
        const struct pg_group *g;

        opts.thread_series = series;
        rule("srv", "srv", NULL);
        write_proc(&p);
        thread_io(300, 301, 1000, 10);
        thread_io(300, 302, 3000, 20);
        scan();
        counts_are("srv", 60, 0, 4000, 0, 0, 0, 60, 6);
        g = group("srv");
        ck_assert_uint_eq(g->states.v[PG_SLEEPING], 2);
        ck_assert_uint_eq(g->states.v[PG_RUNNING], 1);
        ck_assert_uint_eq(g->num_wchan, 2);
        ck_assert_uint_eq(g->num_thread_names, series ? 2 : 0);
        if (series) {
                const struct pg_thread_name *w = thread_name(g, "worker");
                ck_assert_uint_eq(w->count, 2);
                ck_assert_uint_eq(w->counts.v[PG_READ_BYTES], 4000);
                ck_assert_uint_eq(w->counts.v[PG_WRITE_BYTES], 30);
        }
        /* 302 exits, 301 runs and reads; a thread is born. */
        p.utime = 90, p.rbytes = 4600;
        p.thr[1].utime = 40, p.thr[1].vol = 25, p.thr[1].nonvol = 4;
        p.thr[2] = (struct fthr){303, "worker", 'S', 1, 1, 0, 0, 4, 1, 900, NULL};
        write_proc(&p);
        gone_thread(300, 302);
        thread_io(300, 301, 1500, 10);
        thread_io(300, 303, 100, 0);
        scan();
        counts_are("srv", 90, 0, 4600, 0, 0, 0, 69, 9);
        g = group("srv");
        ck_assert_uint_eq(g->threads, 3);
        ck_assert_uint_eq(g->states.v[PG_SLEEPING], 3);
        ck_assert_uint_eq(g->num_thread_names, series ? 2 : 0);
        if (series) {
                const struct pg_thread_name *w = thread_name(g, "worker");
                ck_assert_uint_eq(w->count, 2);
                ck_assert_uint_eq(w->counts.v[PG_READ_BYTES], 4600);
                ck_assert_uint_eq(w->counts.v[PG_CTX_VOLUNTARY], 20 + 30 + 5 + 4);
        }
}
END_TEST

/* recheck: an argv rewrite with the same comm (setproctitle) moves the
 * process to the group its new argv names; the old group keeps what it
 * had (scan() checks that no counter goes back). Without recheck it
 * stays where it was. */
START_TEST(recheck_moves_on_argv) {
        bool recheck = _i;
        const char *a[] = {"^mode-a"}, *b[] = {"^mode-b"};
        struct fproc p = {.pid = 400,
                          .ppid = 1,
                          .comm = "srv",
                          .utime = 100,
                          .minflt = 10,
                          .start = 800,
                          .cmdline = "mode-a"};
        char err[256];

        opts.recheck = recheck;
        ck_assert_int_eq(pg_rules_add(rules, "a", NULL, 0, NULL, 0, a, 1, err, sizeof(err)), 0);
        ck_assert_int_eq(pg_rules_add(rules, "b", NULL, 0, NULL, 0, b, 1, err, sizeof(err)), 0);
        write_proc(&p);
        scan();
        counts_are("a", 100, 0, 0, 0, 0, 10, 0, 0);
        p.cmdline = "mode-b", p.utime = 130, p.minflt = 15;
        write_proc(&p);
        scan();
        if (!recheck) {
                counts_are("a", 130, 0, 0, 0, 0, 15, 0, 0);
                ck_assert_ptr_null(find("b"));
                return;
        }
        /* It joins "b" from now on, like a process that exec'd. */
        counts_are("a", 100, 0, 0, 0, 0, 10, 0, 0);
        counts_are("b", 0, 0, 0, 0, 0, 0, 0, 0);
        ck_assert_uint_eq(group("a")->procs, 0);
        ck_assert_uint_eq(group("b")->procs, 1);
        p.utime = 150, p.minflt = 16;
        write_proc(&p);
        scan();
        counts_are("a", 100, 0, 0, 0, 0, 10, 0, 0);
        counts_are("b", 20, 0, 0, 0, 0, 1, 0, 0);
        /* And back: "b" keeps its 20 ticks. */
        p.cmdline = "mode-a", p.utime = 160;
        write_proc(&p);
        scan();
        p.utime = 170;
        write_proc(&p);
        scan();
        counts_are("b", 20, 0, 0, 0, 0, 1, 0, 0);
        counts_are("a", 110, 0, 0, 0, 0, 10, 0, 0);
        ck_assert_uint_eq(group("a")->procs, 1);
        ck_assert_uint_eq(group("b")->procs, 0);
}
END_TEST

START_TEST(child_appears) {
        bool children = _i;
        struct fproc par = {.pid = 500, .ppid = 1, .comm = "parent", .utime = 10, .start = 100};
        struct fproc ch = {
            .pid = 501, .ppid = 500, .comm = "worker", .utime = 5, .stime = 2, .start = 300};
        struct fproc gch = {
            .pid = 502, .ppid = 501, .comm = "grandchild", .utime = 1, .start = 310};

        opts.children = children;
        rule("svc", "parent", NULL);
        write_proc(&par);
        scan();
        counts_are("svc", 10, 0, 0, 0, 0, 0, 0, 0);
        par.utime = 12;
        write_proc(&par);
        write_proc(&ch);
        write_proc(&gch);
        scan();
        if (children) {
                /* Born since the last scan: whole counts, in the nearest
                 * matched ancestor's group, grandchildren too. */
                counts_are("svc", 18, 2, 0, 0, 0, 0, 0, 0);
                ck_assert_uint_eq(group("svc")->procs, 3);
        } else {
                counts_are("svc", 12, 0, 0, 0, 0, 0, 0, 0);
                ck_assert_uint_eq(group("svc")->procs, 1);
        }
        ck_assert_ptr_null(find("worker"));
        ch.utime = 9;
        write_proc(&ch);
        scan();
        counts_are("svc", children ? 22 : 12, children ? 2 : 0, 0, 0, 0, 0, 0, 0);
}
END_TEST

START_TEST(child_before_parent_in_walk) {
        /* After pid wrap a child can have a lower pid than its parent: it
         * still joins the parent's group at its first scan. */
        struct fproc par = {.pid = 900, .ppid = 1, .comm = "parent", .utime = 10, .start = 100};
        struct fproc ch = {.pid = 50, .ppid = 900, .comm = "worker", .utime = 5, .start = 300};

        rule("svc", "parent", NULL);
        write_proc(&par);
        write_proc(&ch);
        scan();
        counts_are("svc", 15, 0, 0, 0, 0, 0, 0, 0);
        ck_assert_uint_eq(group("svc")->procs, 2);
}
END_TEST

/* The orders in which the walk lists a family: ascending pids, the
 * reverse, and a shuffle. */
static const pid_t family_orders[3][4] = {
    {150, 300, 700, 800}, {800, 700, 300, 150}, {300, 800, 150, 700}};

START_TEST(family_in_any_order) {
        /* A matched process, its child, grandchild and great-grandchild,
         * all new, their pids in no order (pid wrap): the whole family
         * joins the group at the first scan, however the root lists it. */
        struct fproc svc = {.pid = 700, .ppid = 1, .comm = "svc", .utime = 1, .start = 100};
        struct fproc a = {.pid = 300, .ppid = 700, .comm = "a", .utime = 10, .start = 200};
        struct fproc b = {.pid = 800, .ppid = 300, .comm = "b", .utime = 100, .start = 300};
        struct fproc c = {.pid = 150, .ppid = 800, .comm = "c", .utime = 1000, .start = 400};

        rule("svc", "svc", NULL);
        write_proc(&svc);
        write_proc(&a);
        write_proc(&b);
        write_proc(&c);
        list_order(family_orders[_i], 4);
        scan();
        counts_are("svc", 1111, 0, 0, 0, 0, 0, 0, 0);
        ck_assert_uint_eq(group("svc")->procs, 4);
        ck_assert_uint_eq(stats()->procs, 4);
        /* And they stay: a later scan does not classify them again. */
        scan();
        ck_assert_uint_eq(group("svc")->procs, 4);
}
END_TEST

START_TEST(child_listed_before_parent) {
        /* Ascending pids, but the root lists the child first. */
        struct fproc par = {.pid = 500, .ppid = 1, .comm = "parent", .utime = 10, .start = 100};
        struct fproc ch = {.pid = 501, .ppid = 500, .comm = "worker", .utime = 5, .start = 300};
        const pid_t order[] = {501, 500};

        rule("svc", "parent", NULL);
        write_proc(&par);
        write_proc(&ch);
        list_order(order, 2);
        scan();
        counts_are("svc", 15, 0, 0, 0, 0, 0, 0, 0);
        ck_assert_uint_eq(group("svc")->procs, 2);
        ck_assert_ptr_null(find("worker"));
}
END_TEST

START_TEST(new_chain_at_later_scan) {
        /* At the second scan a matched process has a new child, which
         * has a new child of its own, listed before its parent. */
        struct fproc svc = {.pid = 100, .ppid = 1, .comm = "svc", .utime = 1, .start = 100};
        struct fproc other = {.pid = 90, .ppid = 1, .comm = "other", .utime = 7, .start = 50};
        struct fproc par = {.pid = 400, .ppid = 100, .comm = "parent", .utime = 10, .start = 500};
        struct fproc ch = {.pid = 401, .ppid = 400, .comm = "worker", .utime = 5, .start = 510};
        const pid_t order[] = {401, 90, 400, 100};

        rule("svc", "svc", NULL);
        write_proc(&svc);
        write_proc(&other);
        list_order(order, 4);
        scan();
        counts_are("svc", 1, 0, 0, 0, 0, 0, 0, 0);
        write_proc(&par);
        write_proc(&ch);
        scan();
        /* Born since the last scan: their whole counts. */
        counts_are("svc", 16, 0, 0, 0, 0, 0, 0, 0);
        ck_assert_uint_eq(group("svc")->procs, 3);
        ch.utime = 8;
        write_proc(&ch);
        scan();
        counts_are("svc", 19, 0, 0, 0, 0, 0, 0, 0);
        ck_assert_uint_eq(group("svc")->procs, 3);
}
END_TEST

START_TEST(deep_chain_each_pid_below_its_parent) {
        /* A fork chain 200 deep under a matched process, each child's pid
         * below its parent's (a user can arrange that after pid wrap),
         * listed lowest first: every one is deferred, the deepest first in
         * pid order, and all join the group. */
        enum { DEPTH = 200 };
        struct fproc svc = {.pid = 3000, .ppid = 1, .comm = "svc", .utime = 1, .start = 100};
        pid_t order[DEPTH + 1];

        rule("svc", "svc", NULL);
        write_proc(&svc);
        for (int i = 1; i <= DEPTH; i++) {
                struct fproc c = {.pid = 3000 - i,
                                  .ppid = 3000 - i + 1,
                                  .comm = "link",
                                  .utime = 1,
                                  .start = 100 + (uint64_t)i};
                write_proc(&c);
        }
        for (int i = 0; i <= DEPTH; i++)
                order[i] = 3000 - DEPTH + i;
        list_order(order, DEPTH + 1);
        scan();
        ck_assert_uint_eq(stats()->procs, DEPTH + 1);
        ck_assert_uint_eq(group("svc")->procs, DEPTH + 1);
        counts_are("svc", DEPTH + 1, 0, 0, 0, 0, 0, 0, 0);
}
END_TEST

START_TEST(ppid_loop_ends) {
        /* A hostile or racy tree: two new processes each other's parent,
         * below a matched one. The scan ends; neither is anyone's child. */
        struct fproc svc = {.pid = 10, .ppid = 1, .comm = "svc", .utime = 1, .start = 100};
        struct fproc a = {.pid = 600, .ppid = 601, .comm = "a", .utime = 10, .start = 200};
        struct fproc b = {.pid = 601, .ppid = 600, .comm = "b", .utime = 100, .start = 300};
        const pid_t order[] = {601, 600, 10};

        rule("svc", "svc", NULL);
        write_proc(&svc);
        write_proc(&a);
        write_proc(&b);
        list_order(order, 3);
        scan();
        counts_are("svc", 1, 0, 0, 0, 0, 0, 0, 0);
        ck_assert_uint_eq(group("svc")->procs, 1);
        ck_assert_uint_eq(stats()->procs, 3);
}
END_TEST

START_TEST(counter_goes_back) {
        struct fproc p = {.pid = 600,
                          .ppid = 1,
                          .comm = "app",
                          .utime = 100,
                          .minflt = 50,
                          .wbytes = 1000,
                          .start = 100};

        rule("app", "app", NULL);
        write_proc(&p);
        scan();
        counts_are("app", 100, 0, 0, 1000, 0, 50, 0, 0);
        /* A value below the last one adds 0 (never wraps), and becomes
         * the new base. */
        p.utime = 90, p.minflt = 40, p.wbytes = 10;
        write_proc(&p);
        scan();
        counts_are("app", 100, 0, 0, 1000, 0, 50, 0, 0);
        p.utime = 95, p.minflt = 41, p.wbytes = 20;
        write_proc(&p);
        scan();
        counts_are("app", 105, 0, 0, 1010, 0, 51, 0, 0);
}
END_TEST

START_TEST(threads_off_reads_no_task) {
        bool threads = _i;
        struct fproc p = {.pid = 700,
                          .ppid = 1,
                          .comm = "mt",
                          .utime = 30,
                          .vol = 5,
                          .nonvol = 1,
                          .start = 100,
                          .nthr = 2,
                          .thr = {{700, "mt", 'S', 10, 5, 0, 0, 50, 10, 100, NULL},
                                  {701, "w", 'R', 20, 10, 0, 0, 60, 20, 101, NULL}}};

        opts.threads = threads;
        rule("mt", "mt", NULL);
        write_proc(&p);
        /* A malformed thread file: only a reader of task/ can see it. */
        put("700/task/701/stat", "701 (w) R 1\n");
        scan();
        if (threads) {
                ck_assert_uint_eq(stats()->hard_errors, 1);
                ck_assert_int_eq(hard_errors_reported, 1);
                ck_assert_uint_eq(group("mt")->procs, 0);
        } else {
                ck_assert_uint_eq(stats()->hard_errors, 0);
                ck_assert_int_eq(hard_errors_reported, 0);
                /* Context switches of the main thread only, as status
                 * shows them; no thread names; threads from stat. */
                counts_are("mt", 30, 0, 0, 0, 0, 0, 5, 1);
                ck_assert_uint_eq(group("mt")->procs, 1);
                ck_assert_uint_eq(group("mt")->threads, 2);
                ck_assert_uint_eq(group("mt")->num_thread_names, 0);
        }
}
END_TEST

START_TEST(gauges) {
        struct fproc a = {.pid = 800,
                          .ppid = 1,
                          .comm = "g",
                          .start = 500,
                          .vsize = 1000000,
                          .rss = 10,
                          .swap_kb = 4,
                          .nfds = 5,
                          .nofile = "10",
                          .wchan = "do_select"};
        struct fproc b = {.pid = 801,
                          .ppid = 1,
                          .comm = "g",
                          .start = 400,
                          .vsize = 2000000,
                          .rss = 20,
                          .swap_kb = 8,
                          .nfds = 3,
                          .nofile = "unlimited",
                          .wchan = "do_epoll_wait",
                          .nthr = 4,
                          .thr = {{801, "g", 'S', 1, 1, 1, 0, 1, 1, 400, "do_epoll_wait"},
                                  {802, "worker", 'R', 2, 2, 2, 0, 2, 2, 401, "0"},
                                  {803, "worker", 'D', 3, 3, 3, 1, 3, 3, 402, "io_schedule"},
                                  {804, "idle", 'S', 4, 4, 4, 0, 4, 4, 403, ""}}};
        struct fproc z = {.pid = 802 + 100,
                          .ppid = 1,
                          .comm = "g",
                          .state = 'Z',
                          .start = 600,
                          .nofile = "100",
                          .nfds = 0};
        const struct pg_group *g;
        size_t found = 0;

        rule("g", "g", NULL);
        write_proc(&a);
        write_proc(&b);
        write_proc(&z);
        scan();
        g = group("g");
        ck_assert_uint_eq(g->procs, 3);
        ck_assert_uint_eq(g->threads, 6);
        ck_assert_uint_eq(g->memory.v[PG_MEM_RESIDENT], 30u * PAGE);
        ck_assert_uint_eq(g->memory.v[PG_MEM_VIRTUAL], 3000000u);
        ck_assert_uint_eq(g->memory.v[PG_MEM_SWAP], 12u * 1024);
        ck_assert_uint_eq(g->open_fds, 8);
        /* 5 of 10 open; "unlimited" gives no ratio. */
        ck_assert_double_eq_tol(g->worst_fd_ratio, 0.5, 1e-12);
        ck_assert_uint_eq(g->oldest_start_ticks, 400);
        /* Each thread once: a (S), z (Z), b's four threads (S R D S). */
        ck_assert_uint_eq(g->states.v[PG_RUNNING], 1);
        ck_assert_uint_eq(g->states.v[PG_SLEEPING], 3);
        ck_assert_uint_eq(g->states.v[PG_WAITING], 1);
        ck_assert_uint_eq(g->states.v[PG_ZOMBIE], 1);
        ck_assert_uint_eq(g->states.v[PG_OTHER], 0);
        /* Threads per wait channel, without "" and "0". */
        ck_assert_uint_eq(g->num_wchan, 3);
        for (size_t i = 0; i < g->num_wchan; i++) {
                const char *n = g->wchan[i].name;
                ck_assert_msg(strcmp(n, "do_select") == 0 || strcmp(n, "do_epoll_wait") == 0 ||
                                  strcmp(n, "io_schedule") == 0,
                              "unexpected wchan \"%s\"", n);
                ck_assert_uint_eq(g->wchan[i].count, 1);
        }
        /* Thread names of the multi-threaded member, with counters. */
        ck_assert_uint_eq(g->num_thread_names, 3);
        for (size_t i = 0; i < g->num_thread_names; i++) {
                const struct pg_thread_name *tn = &g->thread_names[i];
                if (strcmp(tn->name, "worker") == 0) {
                        ck_assert_uint_eq(tn->count, 2);
                        ck_assert_uint_eq(tn->counts.v[PG_CPU_USER], 5);
                        ck_assert_uint_eq(tn->counts.v[PG_MINOR_FAULTS], 5);
                        ck_assert_uint_eq(tn->counts.v[PG_MAJOR_FAULTS], 1);
                        ck_assert_uint_eq(tn->counts.v[PG_CTX_VOLUNTARY], 5);
                        found++;
                } else if (strcmp(tn->name, "g") == 0 || strcmp(tn->name, "idle") == 0) {
                        ck_assert_uint_eq(tn->count, 1);
                        found++;
                }
        }
        ck_assert_uint_eq(found, 3);
        /* Gauges follow the live members: the oldest exits. */
        gone(801);
        scan();
        g = group("g");
        ck_assert_uint_eq(g->procs, 2);
        ck_assert_uint_eq(g->threads, 2);
        ck_assert_uint_eq(g->oldest_start_ticks, 500);
        ck_assert_uint_eq(g->open_fds, 5);
        ck_assert_uint_eq(g->memory.v[PG_MEM_RESIDENT], 10u * PAGE);
        ck_assert_uint_eq(g->states.v[PG_SLEEPING], 1);
        ck_assert_uint_eq(g->states.v[PG_ZOMBIE], 1);
        ck_assert_uint_eq(g->states.v[PG_RUNNING], 0);
        ck_assert_uint_eq(g->num_wchan, 1);
        ck_assert_str_eq(g->wchan[0].name, "do_select");
        for (size_t i = 0; i < g->num_thread_names; i++)
                ck_assert_uint_eq(g->thread_names[i].count, 0);
}
END_TEST

START_TEST(hard_error_keeps_counters) {
        struct fproc a = {
            .pid = 100, .ppid = 1, .comm = "app", .utime = 100, .minflt = 10, .start = 500};

        rule("app", "app", NULL);
        write_proc(&a);
        scan();
        counts_are("app", 100, 0, 0, 0, 0, 10, 0, 0);
        /* A truncated stat: malformed, counted, the process skipped for
         * this scan but not forgotten. */
        put("100/stat", "100 (app) S 1 100 100 0 -1 4194560 12 0 0\n");
        scan();
        ck_assert_uint_eq(stats()->hard_errors, 1);
        ck_assert_uint_eq(stats()->vanished, 0);
        ck_assert_int_eq(hard_errors_reported, 1);
        counts_are("app", 100, 0, 0, 0, 0, 10, 0, 0);
        ck_assert_uint_eq(group("app")->procs, 0);
        /* Readable again: deltas from the last good values, not its
         * lifetime counts a second time. */
        a.utime = 130, a.minflt = 12;
        write_proc(&a);
        scan();
        ck_assert_uint_eq(stats()->hard_errors, 0);
        counts_are("app", 130, 0, 0, 0, 0, 12, 0, 0);
        ck_assert_uint_eq(group("app")->procs, 1);
}
END_TEST

START_TEST(hard_error_in_status_keeps_counters) {
        struct fproc a = {.pid = 100, .ppid = 1, .comm = "app", .utime = 100, .start = 500};

        rule("app", "app", NULL);
        write_proc(&a);
        scan();
        a.utime = 110;
        write_proc(&a);
        put("100/status", "Name:\tapp\nUid:\t1\t1\t1\t1\n");
        scan();
        ck_assert_uint_eq(stats()->hard_errors, 1);
        counts_are("app", 100, 0, 0, 0, 0, 0, 0, 0);
        a.utime = 120;
        write_proc(&a);
        scan();
        counts_are("app", 120, 0, 0, 0, 0, 0, 0, 0);
}
END_TEST

START_TEST(vanished_not_error) {
        struct fproc a = {.pid = 100, .ppid = 1, .comm = "app", .utime = 100, .start = 500};

        rule("app", "app", NULL);
        write_proc(&a);
        mkdir_rel("121");
        scan();
        /* Both directories were opened; one held no process. */
        ck_assert_uint_eq(stats()->procs, 2);
        ck_assert_uint_eq(stats()->vanished, 1);
        ck_assert_uint_eq(stats()->hard_errors, 0);
        ck_assert_int_eq(hard_errors_reported, 0);
        /* A known member whose directory empties: vanished, kept counts. */
        gone(100);
        mkdir_rel("100");
        scan();
        ck_assert_uint_eq(stats()->vanished, 2);
        ck_assert_uint_eq(stats()->hard_errors, 0);
        ck_assert_int_eq(hard_errors_reported, 0);
        counts_are("app", 100, 0, 0, 0, 0, 0, 0, 0);
        ck_assert_uint_eq(group("app")->procs, 0);
}
END_TEST

/* --- reaped children ------------------------------------------------- */

START_TEST(unseen_child_time) {
        bool ctime = _i;
        struct fproc p = {.pid = 100,
                          .ppid = 1,
                          .comm = "make",
                          .utime = 10,
                          .stime = 5,
                          .cutime = 1000,
                          .cstime = 1000,
                          .minflt = 7,
                          .cminflt = 5000,
                          .start = 500};

        opts.children_time = ctime;
        rule("build", "make", NULL);
        write_proc(&p);
        scan();
        /* Children reaped before the first scan are not ours. */
        counts_are("build", 10, 5, 0, 0, 0, 7, 0, 0);
        /* A child came and went between the scans: only the parent's
         * cutime/cstime/cminflt/cmajflt show it. */
        p.utime = 11, p.cutime = 1040, p.cstime = 1010, p.cminflt = 5100, p.cmajflt = 2;
        write_proc(&p);
        scan();
        if (ctime)
                counts_are("build", 51, 15, 0, 0, 2, 107, 0, 0);
        else
                counts_are("build", 11, 5, 0, 0, 0, 7, 0, 0);
}
END_TEST

START_TEST(seen_child_reaped_once) {
        bool ctime = _i;
        struct fproc p = {.pid = 100,
                          .ppid = 1,
                          .comm = "make",
                          .utime = 10,
                          .start = 500,
                          .rbytes = 100,
                          .wbytes = 100};
        struct fproc c = {.pid = 101,
                          .ppid = 100,
                          .comm = "cc",
                          .utime = 30,
                          .stime = 5,
                          .minflt = 20,
                          .rbytes = 1000,
                          .wbytes = 2000,
                          .start = 600};

        opts.children_time = ctime;
        rule("build", "make", NULL);
        write_proc(&p);
        write_proc(&c);
        scan();
        counts_are("build", 40, 5, 1100, 2100, 0, 20, 0, 0);
        /* The child ran on to utime 50, stime 8, 35 faults, read 1500,
         * wrote 2600, exited and was reaped: all of it lands in the
         * parent's cutime, cstime, cminflt and io. */
        gone(101);
        p.cutime = 50, p.cstime = 8, p.cminflt = 35;
        p.rbytes = 100 + 1500, p.wbytes = 100 + 2600;
        p.vol = 1; /* the parent woke up in wait4() to reap it */
        write_proc(&p);
        scan();
        /* Its tail counted once (CPU only when asked); its io shows in
         * the parent's io either way, also once. */
        if (ctime)
                counts_are("build", 60, 8, 1600, 2700, 0, 35, 1, 0);
        else
                counts_are("build", 40, 5, 1600, 2700, 0, 20, 1, 0);
        /* Nothing more next time. */
        scan();
        if (ctime)
                counts_are("build", 60, 8, 1600, 2700, 0, 35, 1, 0);
        else
                counts_are("build", 40, 5, 1600, 2700, 0, 20, 1, 0);
        /* Then a child never seen came and went (utime 40, read 500):
         * all of it is new; the reaped one's sums must not be taken off
         * again. */
        p.cutime = 90, p.rbytes = 1600 + 500;
        p.vol = 2; /* woke up to reap it */
        write_proc(&p);
        scan();
        if (ctime)
                counts_are("build", 100, 8, 2100, 2700, 0, 35, 2, 0);
        else
                counts_are("build", 40, 5, 2100, 2700, 0, 20, 2, 0);
}
END_TEST

START_TEST(child_reaped_by_other_group) {
        struct fproc p = {.pid = 100, .ppid = 1, .comm = "sh", .utime = 10, .start = 500};
        struct fproc c = {.pid = 101, .ppid = 100, .comm = "job", .utime = 30, .start = 600};

        rule("shell", "sh", NULL);
        rule("jobs", "job", NULL);
        write_proc(&p);
        write_proc(&c);
        scan();
        counts_are("shell", 10, 0, 0, 0, 0, 0, 0, 0);
        counts_are("jobs", 30, 0, 0, 0, 0, 0, 0, 0);
        gone(101);
        p.cutime = 45;
        p.vol = 1; /* woke up in wait4() */
        write_proc(&p);
        scan();
        /* The tail (45 - 30) goes to the reaper's group; "jobs" keeps
         * what it had; together they hold the child's 45 once. */
        counts_are("shell", 25, 0, 0, 0, 0, 0, 1, 0);
        counts_are("jobs", 30, 0, 0, 0, 0, 0, 0, 0);
}
END_TEST

/* --- saturation ------------------------------------------------------ */

/* The text o holds, NUL-terminated, for strstr. */
static char *out_text(struct pg_out *o) {
        char *s;

        ck_assert_int_eq(o->err, 0);
        s = strndup(o->data, o->len);
        ck_assert_ptr_nonnull(s);
        return s;
}

START_TEST(gauges_saturate) {
        /* Values a corrupted or fake tree can hold: an rss of 2^62 pages
         * (times the page size does not fit in 64 bits), swap of 2^60 kB,
         * two virtual sizes and two fd limits whose sums do not fit. The
         * gauges stop at 2^64-1 rather than wrap to something small. */
        struct fproc a = {.pid = 100,
                          .ppid = 1,
                          .comm = "big",
                          .start = 500,
                          .rss = 1ull << 62,
                          .vsize = (1ull << 63) + 1,
                          .swap_kb = 1ull << 60,
                          .nofile = "9223372036854775808"};
        struct fproc b = {.pid = 101,
                          .ppid = 1,
                          .comm = "big",
                          .start = 600,
                          .rss = 1,
                          .vsize = 1ull << 63,
                          .swap_kb = 1,
                          .nofile = "9223372036854775808"};
        /* Started 2^64-1 ticks after boot: the latest there can be. */
        struct fproc late = {.pid = 102, .ppid = 1, .comm = "late", .start = UINT64_MAX};
        const struct pg_group *g;
        struct pg_source *src;
        struct pg_proc *p;
        struct pg_idinfo ii;
        struct pg_out o;
        char *text;

        opts.children = false;
        rule("big", "big", NULL);
        rule("late", "late", NULL);
        write_proc(&a);
        write_proc(&b);
        write_proc(&late);
        scan();
        g = group("big");
        ck_assert_uint_eq(g->procs, 2);
        ck_assert(g->memory.v[PG_MEM_RESIDENT] == UINT64_MAX);
        ck_assert(g->memory.v[PG_MEM_VIRTUAL] == UINT64_MAX);
        ck_assert(g->memory.v[PG_MEM_SWAP] == UINT64_MAX);
        ck_assert(g->fd_limit == UINT64_MAX);
        ck_assert(group("late")->oldest_start_ticks == UINT64_MAX);

        /* The JSON report: 2^64-1 ticks since the epoch at 100 Hz, not a
         * wrapped sum that would put the start before boot. */
        pg_out_init(&o, -1);
        pg_report_json(&o, trk);
        text = out_text(&o);
        ck_assert_msg(strstr(text, "\"oldest_start_time\":184467440737095516.15") != NULL, "%s",
                      text);
        ck_assert_msg(strstr(text, "\"resident_bytes\":18446744073709551615") != NULL, "%s", text);
        free(text);
        pg_out_free(&o);
        pg_out_init(&o, -1);
        pg_report_prometheus(&o, trk);
        text = out_text(&o);
        ck_assert_msg(strstr(text, "184467440737095516.15\n") != NULL, "%s", text);
        free(text);
        pg_out_free(&o);

        /* One process as the CLI's list reads and prints it. */
        ck_assert_int_eq(pg_source_new(root, &src), 0);
        pg_source_procfs_mut(src)->ticks = 100;
        pg_source_procfs_mut(src)->page_size = PAGE;
        ck_assert_int_eq(pg_source_get(src, 100, &p), 0);
        ck_assert_int_eq(pg_proc_idinfo(p, PG_READ_ALL, &ii), 0);
        ck_assert(ii.m.memory.v[PG_MEM_RESIDENT] == UINT64_MAX);
        ck_assert(ii.m.memory.v[PG_MEM_SWAP] == UINT64_MAX);
        ck_assert_int_eq(pg_source_get(src, 102, &p), 0);
        ck_assert_int_eq(pg_proc_idinfo(p, PG_READ_ALL, &ii), 0);
        pg_out_init(&o, -1);
        pg_format_proc_json(&o, pg_source_procfs(src), &ii);
        text = out_text(&o);
        ck_assert_msg(strstr(text, "\"start_time\":184467440737095516.15,") != NULL, "%s", text);
        free(text);
        pg_out_free(&o);
        pg_source_free(src);
}
END_TEST

/* --- lifetime, caps and the kernel group ---------------------------- */

/* Longer than forget_after in these tests (0.2 s). */
static void wait_forget(void) {
        usleep(300 * 1000);
}

/* A catch-all rule, like the built-in default. */
static void rule_by_comm(void) {
        char err[256];

        ck_assert_int_eq(
            pg_rules_add(rules, "{{.Comm}}", NULL, 0, NULL, 0, NULL, 0, err, sizeof(err)), 0);
}

START_TEST(group_forgotten) {
        struct fproc a = {
            .pid = 100, .ppid = 1, .comm = "app", .utime = 100, .vol = 10, .start = 500};
        struct fproc k = {.pid = 200, .ppid = 1, .comm = "keep", .utime = 7, .start = 510};

        may_forget = true;
        opts.forget_after = 0.2;
        rule("apps", "app", NULL);
        rule("keep", "keep", NULL);
        write_proc(&a);
        write_proc(&k);
        scan();
        counts_are("apps", 100, 0, 0, 0, 0, 0, 10, 0);
        gone(100);
        scan();
        /* Empty: listed with its counters, gauges 0. */
        counts_are("apps", 100, 0, 0, 0, 0, 0, 10, 0);
        ck_assert_uint_eq(group("apps")->procs, 0);
        ck_assert_uint_eq(stats()->groups, 2);
        wait_forget();
        scan();
        ck_assert_ptr_null(find("apps"));
        ck_assert_uint_eq(stats()->groups, 1);
        ck_assert_uint_eq(stats()->groups_forgotten, 1);
        counts_are("keep", 7, 0, 0, 0, 0, 0, 0, 0);
        /* Back: a new group, its counters from its member's values (a
         * counter reset), not added to the old ones. */
        a = (struct fproc){
            .pid = 101, .ppid = 1, .comm = "app", .utime = 30, .vol = 2, .start = 900};
        write_proc(&a);
        scan();
        counts_are("apps", 30, 0, 0, 0, 0, 0, 2, 0);
        ck_assert_uint_eq(group("apps")->procs, 1);
        /* Another name takes the forgotten slot; the others keep theirs. */
        k.utime = 9;
        write_proc(&k);
        scan();
        counts_are("keep", 9, 0, 0, 0, 0, 0, 0, 0);
        counts_are("apps", 30, 0, 0, 0, 0, 0, 2, 0);
        ck_assert_uint_eq(stats()->groups_forgotten, 1);
}
END_TEST

START_TEST(forget_never) {
        struct fproc a = {.pid = 100, .ppid = 1, .comm = "app", .utime = 100, .start = 500};

        opts.forget_after = 0;
        rule("apps", "app", NULL);
        write_proc(&a);
        scan();
        gone(100);
        scan();
        wait_forget();
        scan();
        counts_are("apps", 100, 0, 0, 0, 0, 0, 0, 0);
        ck_assert_uint_eq(stats()->groups_forgotten, 0);
}
END_TEST

/* A member whose stat turns malformed is skipped, not retired: its group
 * has no member in the scans, but is not forgotten under it (its index
 * must stay valid); its counters go on once stat reads well. */
START_TEST(group_kept_while_referenced) {
        struct fproc a = {.pid = 100, .ppid = 1, .comm = "app", .utime = 100, .start = 500};
        struct fproc b = {.pid = 300, .ppid = 1, .comm = "zz", .utime = 1, .start = 520};

        may_forget = true;
        opts.forget_after = 0.2;
        rule("apps", "app", NULL);
        rule("zz", "zz", NULL);
        write_proc(&a);
        scan();
        put("100/stat", "100 (app) S");
        scan();
        ck_assert_uint_eq(group("apps")->procs, 0);
        wait_forget();
        scan();
        /* New groups are made meanwhile: none may take its slot. */
        write_proc(&b);
        scan();
        ck_assert_ptr_nonnull(find("apps"));
        a.utime = 120;
        write_proc(&a);
        scan();
        counts_are("apps", 120, 0, 0, 0, 0, 0, 0, 0);
        counts_are("zz", 1, 0, 0, 0, 0, 0, 0, 0);
        ck_assert_uint_eq(stats()->groups_forgotten, 0);
}
END_TEST

START_TEST(max_groups_other) {
        const char *comms[] = {"a1", "a2", "a3", "a4", "a5"};

        opts.max_groups = 2;
        rule_by_comm();
        for (int i = 0; i < 5; i++) {
                struct fproc p = {.pid = 100 + i,
                                  .ppid = 1,
                                  .comm = comms[i],
                                  .utime = 10,
                                  .start = 500 + (uint64_t)i};
                write_proc(&p);
        }
        scan();
        ck_assert_uint_eq(stats()->groups, 3);
        ck_assert_uint_eq(group(PG_GROUP_OTHER)->procs, 3);
        counts_are(PG_GROUP_OTHER, 30, 0, 0, 0, 0, 0, 0, 0);
        ck_assert_uint_eq(stats()->overflow, 3);
        /* While the cap is hit, every scan says so. */
        scan();
        ck_assert_uint_eq(stats()->overflow, 3);
        ck_assert_uint_eq(stats()->groups, 3);
}
END_TEST

START_TEST(thread_names_capped_and_forgotten) {
        struct fproc p = {.pid = 300,
                          .ppid = 1,
                          .comm = "srv",
                          .utime = 60,
                          .start = 700,
                          .nthr = 4,
                          .thr = {{300, "srv", 'S', 10, 0, 0, 0, 1, 0, 700, NULL},
                                  {301, "w1", 'S', 10, 0, 0, 0, 1, 0, 701, NULL},
                                  {302, "w2", 'S', 10, 0, 0, 0, 1, 0, 702, NULL},
                                  {303, "w3", 'S', 30, 0, 0, 0, 1, 0, 703, NULL}}};
        const struct pg_group *g;
        bool other = false;

        opts.max_thread_names = 2;
        opts.forget_after = 0.2;
        rule("srv", "srv", NULL);
        write_proc(&p);
        scan();
        g = group("srv");
        ck_assert_uint_eq(g->num_thread_names, 3);
        for (size_t i = 0; i < g->num_thread_names; i++)
                if (strcmp(g->thread_names[i].name, PG_GROUP_OTHER) == 0) {
                        other = true;
                        ck_assert_uint_eq(g->thread_names[i].count, 2);
                }
        ck_assert(other);
        ck_assert_uint_eq(stats()->overflow, 2);
        /* Two threads exit: their names empty, then forgotten. */
        p.nthr = 2;
        gone(300);
        write_proc(&p);
        scan();
        ck_assert_uint_eq(group("srv")->num_thread_names, 3);
        wait_forget();
        scan();
        g = group("srv");
        ck_assert_uint_eq(g->num_thread_names, 2);
        ck_assert_uint_eq(stats()->overflow, 0);
        for (size_t i = 0; i < g->num_thread_names; i++)
                ck_assert_str_ne(g->thread_names[i].name, PG_GROUP_OTHER);
}
END_TEST

START_TEST(kernel_threads) {
        struct fproc kw = {.pid = 50,
                           .ppid = 2,
                           .comm = "kworker/u8:1-flush-254:0",
                           .stime = 4,
                           .start = 10,
                           .flags = PG_PF_KTHREAD};
        struct fproc kw2 = {.pid = 51,
                            .ppid = 2,
                            .comm = "kworker/0:2-events",
                            .stime = 1,
                            .start = 11,
                            .flags = PG_PF_KTHREAD};
        struct fproc ksw = {.pid = 52,
                            .ppid = 2,
                            .comm = "ksoftirqd/0",
                            .stime = 2,
                            .start = 12,
                            .flags = PG_PF_KTHREAD};
        struct fproc app = {.pid = 100, .ppid = 1, .comm = "app", .utime = 5, .start = 500};

        if (_i == 2)
                opts.kernel_group = false;
        /* A rule that names one by comm wins; the catch-all does not take
         * the others. */
        if (_i == 1)
                rule("softirq", "ksoftirqd/0", NULL);
        rule_by_comm();
        write_proc(&kw);
        write_proc(&kw2);
        write_proc(&ksw);
        write_proc(&app);
        scan();
        ck_assert_uint_eq(group("app")->procs, 1);
        if (_i == 2) {
                ck_assert_ptr_null(find(PG_GROUP_KERNEL));
                ck_assert_uint_eq(group("kworker/0:2-events")->procs, 1);
                return;
        }
        ck_assert_ptr_null(find("kworker/0:2-events"));
        ck_assert_ptr_null(find("ksoftirqd/0"));
        ck_assert_uint_eq(group(PG_GROUP_KERNEL)->procs, _i == 1 ? 2 : 3);
        if (_i == 1)
                ck_assert_uint_eq(group("softirq")->procs, 1);
        /* A renamed kworker makes no group. */
        kw.comm = "kworker/u8:1-events_unbound";
        write_proc(&kw);
        scan();
        ck_assert_ptr_null(find("kworker/u8:1-events_unbound"));
        ck_assert_uint_eq(stats()->groups, _i == 1 ? 3 : 2);
}
END_TEST

/* Many names in one scan: each found through the index, none merged and
 * none lost, and the view sorted once. */
START_TEST(many_names) {
        enum { N = 5000 };
        const struct pg_group *const *gs;
        size_t n;
        char comm[16];

        opts.max_groups = 0;
        rule_by_comm();
        for (int i = 0; i < N; i++) {
                snprintf(comm, sizeof(comm), "n%05d", i);
                struct fproc p = {
                    .pid = 1000 + i, .ppid = 1, .comm = comm, .utime = (uint64_t)i, .start = 500};
                rewrite_proc(&p);
        }
        start();
        ck_assert_int_eq(pg_tracker_scan(trk), 0);
        n = pg_tracker_groups(trk, &gs);
        ck_assert_uint_eq(n, N);
        ck_assert_uint_eq(stats()->groups, N);
        for (size_t i = 0; i < n; i++) {
                snprintf(comm, sizeof(comm), "n%05zu", i);
                ck_assert_str_eq(gs[i]->name, comm);
                ck_assert_uint_eq(gs[i]->procs, 1);
                ck_assert_uint_eq(gs[i]->counts.v[PG_CPU_USER], i);
        }
}
END_TEST

Suite *pg_test_suite(void) {
        Suite *s = suite_create("track");
        TCase *tc;

        tc = tcase_create("counters");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, first_scan_lifetime);
        tcase_add_test(tc, process_exits);
        tcase_add_test(tc, pid_reused);
        tcase_add_loop_test(tc, pid_reused_kept, 0, 2);
        tcase_add_test(tc, thread_exits);
        tcase_add_test(tc, worker_runs_main_sleeps);
        tcase_add_loop_test(tc, no_schedstat, 0, 2);
        tcase_add_test(tc, exec_rematch);
        tcase_add_loop_test(tc, recheck_moves_on_argv, 0, 2);
        tcase_add_loop_test(tc, thread_series_off_same_sums, 0, 2);
        tcase_add_loop_test(tc, child_appears, 0, 2);
        tcase_add_test(tc, child_before_parent_in_walk);
        tcase_add_test(tc, counter_goes_back);
        tcase_add_loop_test(tc, family_in_any_order, 0, 3);
        tcase_add_test(tc, child_listed_before_parent);
        tcase_add_test(tc, new_chain_at_later_scan);
        tcase_add_test(tc, deep_chain_each_pid_below_its_parent);
        tcase_add_test(tc, ppid_loop_ends);
        suite_add_tcase(s, tc);

        tc = tcase_create("reads");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_loop_test(tc, threads_off_reads_no_task, 0, 2);
        tcase_add_test(tc, gauges);
        tcase_add_test(tc, hard_error_keeps_counters);
        tcase_add_test(tc, hard_error_in_status_keeps_counters);
        tcase_add_test(tc, vanished_not_error);
        suite_add_tcase(s, tc);

        tc = tcase_create("children_time");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_loop_test(tc, unseen_child_time, 0, 2);
        tcase_add_loop_test(tc, seen_child_reaped_once, 0, 2);
        tcase_add_test(tc, child_reaped_by_other_group);
        suite_add_tcase(s, tc);

        tc = tcase_create("lifetime");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, group_forgotten);
        tcase_add_test(tc, forget_never);
        tcase_add_test(tc, group_kept_while_referenced);
        tcase_add_test(tc, max_groups_other);
        tcase_add_test(tc, thread_names_capped_and_forgotten);
        tcase_add_loop_test(tc, kernel_threads, 0, 3);
        tcase_add_test(tc, many_names);
        suite_add_tcase(s, tc);

        tc = tcase_create("saturation");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, gauges_saturate);
        suite_add_tcase(s, tc);
        return s;
}
