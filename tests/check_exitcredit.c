/* SPDX-License-Identifier: MIT */
/* The tracker and exit records (common/exitcredit.c) on a fake tree: the
 * records are injected as the listener would hand them over, the tree
 * shows what /proc would (a parent's cutime grows when it reaps). CPU in
 * clock ticks of 10 ms (ticks pinned to 100); records carry nanoseconds.
 *
 * The scenarios are doc/exits.md's: a "make" whose children no scan sees,
 * reaped by it or by init (orphans), chains (make -> sh -> cc), a child a
 * scan did see, a reaper that reads before it reaps, a pid reused, rules
 * that need the argv a record lacks, and records lost. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tests/check_main.h"
#include "common/exits.h"
#include "common/track.h"
#include "tests/fakeproc.h"

#define BTIME 1700000000u
#define MS    1000000u /* ns */

static char root[256];
static struct pg_rules *rules;
static struct pg_track_opts opts;
static struct pg_tracker *trk;
static uint64_t now_wall;

static void setup(void) {
        const char *tmp = getenv("TMPDIR");
        static const char stat[] = "cpu  1 0 1 1 0 0 0 0 0 0\nbtime 1700000000\nprocesses 1\n";
        int fd;

        snprintf(root, sizeof(root), "%s/check_exitcredit.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        ck_assert_ptr_nonnull(mkdtemp(root));
        fd = open(root, O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(pg_fake_put(fd, "stat", stat, strlen(stat)), 0);
        close(fd);
        ck_assert_int_eq(pg_rules_new(&rules), 0);
        opts = (struct pg_track_opts)PG_TRACK_OPTS_DEFAULT;
        trk = NULL;
        now_wall = (uint64_t)time(NULL);
}

static void teardown(void) {
        if (trk)
                pg_tracker_free(trk);
        else
                pg_rules_free(rules);
        ck_assert_int_eq(pg_fake_rm_rf(root), 0);
}

static void rule(const char *name, const char *comm) {
        char err[256];
        ck_assert_int_eq(pg_rules_add(rules, name, &comm, 1, NULL, 0, NULL, 0, err, sizeof(err)),
                         0);
}

/* A live process: its directory, with these counts (ticks). */
struct live {
        pid_t pid, ppid;
        const char *comm;
        uint64_t start; /* ticks after boot */
        uint64_t utime, stime, cutime, cstime, minflt, cminflt, rbytes;
};

static void show(const struct live *l) {
        struct pg_fake_proc fp = {.task = {.pid = l->pid,
                                           .ppid = l->ppid,
                                           .comm = l->comm,
                                           .uid = 1000,
                                           .euid = 1000,
                                           .utime = l->utime,
                                           .stime = l->stime,
                                           .cutime = (int64_t)l->cutime,
                                           .cstime = (int64_t)l->cstime,
                                           .minflt = l->minflt,
                                           .cminflt = l->cminflt,
                                           .start = l->start},
                                  .read_bytes = l->rbytes};
        int fd = open(root, O_DIRECTORY | O_CLOEXEC);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(pg_fake_proc_write(fd, &fp), 0);
        close(fd);
}

static void gone(pid_t pid) {
        char path[512];
        snprintf(path, sizeof(path), "%s/%d", root, (int)pid);
        ck_assert_int_eq(pg_fake_rm_rf(path), 0);
}

/* The record of a single-threaded process that exited: run_ns all user
 * unless sys_ns; btime of a live one's start, or now for one born and
 * gone between scans. */
static void exited(pid_t pid, pid_t ppid, const char *comm, uint64_t btime, uint64_t user_ns,
                   uint64_t sys_ns, uint64_t minflt, uint64_t rbytes) {
        struct pg_exit_rec r = {.pid = pid,
                                .tgid = pid,
                                .ppid = ppid,
                                .version = 16,
                                .btime = btime,
                                .utime_us = user_ns / 1000,
                                .stime_us = sys_ns / 1000,
                                .run_ns = user_ns + sys_ns,
                                .minflt = minflt,
                                .read_bytes = rbytes,
                                .exe_dev = 1,
                                .exe_inode = 1};

        snprintf(r.comm, sizeof(r.comm), "%s", comm);
        pg_tracker_exits_inject(trk, &r);
}

static uint64_t btime_of(const struct live *l) {
        return BTIME + l->start / 100;
}

static void start(void) {
        struct pg_source *src;

        ck_assert_int_eq(pg_source_new(root, &src), 0);
        pg_source_procfs_mut(src)->ticks = 100;
        pg_source_procfs_mut(src)->page_size = 4096;
        ck_assert_int_eq(pg_tracker_new(src, rules, &opts, &trk), 0);
}

static void scan(void) {
        if (!trk)
                start();
        ck_assert_int_eq(pg_tracker_scan(trk), 0);
}

static const struct pg_group *find(const char *name) {
        const struct pg_group *const *gs;
        size_t n = pg_tracker_groups(trk, &gs);

        for (size_t i = 0; i < n; i++)
                if (strcmp(gs[i]->name, name) == 0)
                        return gs[i];
        return NULL;
}

/* Assert a group's CPU (user, system ticks). */
static void cpu_is(const char *name, uint64_t user, uint64_t sys) {
        const struct pg_group *g = find(name);

        ck_assert_msg(g != NULL, "no group %s", name);
        ck_assert_msg(g->counts.v[PG_CPU_USER] == user && g->counts.v[PG_CPU_SYSTEM] == sys,
                      "group %s: cpu %" PRIu64 "+%" PRIu64 ", want %" PRIu64 "+%" PRIu64, name,
                      g->counts.v[PG_CPU_USER], g->counts.v[PG_CPU_SYSTEM], user, sys);
}

static uint64_t count(const char *name, enum pg_count_id k) {
        const struct pg_group *g = find(name);
        ck_assert_msg(g != NULL, "no group %s", name);
        return g->counts.v[k];
}

/* make reaps children no scan sees: each is credited to its own group
 * from its record, exactly (30 x 25 ms = 750 ms, not 30 x 2 ticks), and
 * make's cutime growth is not counted again. */
START_TEST(unseen_children_reaped) {
        struct live mk = {.pid = 100, .ppid = 1, .comm = "make", .start = 500, .utime = 10};

        rule("mk", "make");
        rule("cc", "cc");
        show(&mk);
        scan();
        cpu_is("mk", 10, 0);
        for (int i = 0; i < 30; i++)
                exited(200 + i, 100, "cc", now_wall, 25 * MS, 0, 100, 4096);
        mk.utime = 12, mk.cutime = 75, mk.cminflt = 3000, mk.rbytes = 30 * 4096;
        show(&mk);
        scan();
        cpu_is("cc", 75, 0);
        ck_assert_uint_eq(count("cc", PG_MINOR_FAULTS), 3000);
        ck_assert_uint_eq(count("cc", PG_READ_BYTES), 30 * 4096);
        cpu_is("mk", 12, 0);
        ck_assert_uint_eq(count("mk", PG_MINOR_FAULTS), 0);
        ck_assert_uint_eq(count("mk", PG_READ_BYTES), 0);
        ck_assert_uint_eq(pg_tracker_stats(trk)->exits_credited, 30);
        /* Parts of a tick add up across scans: 3 more of 25 ms. */
        for (int i = 0; i < 3; i++)
                exited(300 + i, 100, "cc", now_wall, 25 * MS, 0, 0, 0);
        mk.cutime = 82; /* 825 ms shown as whole ticks */
        show(&mk);
        scan();
        cpu_is("cc", 82, 0);
        cpu_is("mk", 12, 0);
        exited(303, 100, "cc", now_wall, 25 * MS, 0, 0, 0);
        mk.cutime = 85;
        show(&mk);
        scan();
        cpu_is("cc", 85, 0);
        cpu_is("mk", 12, 0);
}
END_TEST

/* The reaper read its stat before it reaped: its cutime grows a scan
 * later, and the debt waits for it. With children_time off, only the I/O
 * that the kernel folds into the parent's io has to be paid. */
START_TEST(reaper_reads_before_reap) {
        bool ctime = _i;
        struct live mk = {.pid = 100, .ppid = 1, .comm = "make", .start = 500, .utime = 10};

        opts.children_time = ctime;
        rule("mk", "make");
        rule("cc", "cc");
        show(&mk);
        scan();
        exited(200, 100, "cc", now_wall, 300 * MS, 100 * MS, 50, 8192);
        scan();
        cpu_is("cc", 30, 10);
        cpu_is("mk", 10, 0);
        mk.cutime = 30, mk.cstime = 10, mk.cminflt = 50, mk.rbytes = 8192;
        show(&mk);
        scan();
        cpu_is("cc", 30, 10);
        cpu_is("mk", 10, 0);
        ck_assert_uint_eq(count("mk", PG_MINOR_FAULTS), 0);
        ck_assert_uint_eq(count("mk", PG_READ_BYTES), 0);
        /* A child whose record was never seen (lost before we listened)
         * is still the reaper's, as without records. */
        mk.cutime = 50;
        show(&mk);
        scan();
        cpu_is("mk", ctime ? 30 : 10, 0);
}
END_TEST

/* Orphans: double-forked, reaped by init. Each is credited to its group;
 * init's group does not gain them a second time. */
START_TEST(orphans_reaped_by_init) {
        struct live init = {.pid = 1, .ppid = 0, .comm = "init", .start = 1, .utime = 100};
        struct live mk = {.pid = 100, .ppid = 1, .comm = "make", .start = 500, .utime = 10};

        rule("init", "init");
        rule("mk", "make");
        rule("cc", "cc");
        show(&init);
        show(&mk);
        scan();
        for (int i = 0; i < 10; i++) {
                /* The middle process, named make too, exits at once. */
                exited(300 + i, 100, "make", now_wall, 1 * MS, 0, 0, 0);
                exited(200 + i, 1, "cc", now_wall, 30 * MS, 0, 0, 0);
        }
        init.cutime = 30;
        mk.cutime = 1;
        show(&init);
        show(&mk);
        scan();
        cpu_is("cc", 30, 0);
        cpu_is("init", 100, 0);
        cpu_is("mk", 11, 0); /* its own, and its 10 middle children's 10 ms */
}
END_TEST

/* make -> sh -> cc, sh and cc born and gone between two scans: cc to
 * its group, sh (no rule) to its ancestor's, make's cutime (sh's own and
 * sh's cutime) paid in full. */
START_TEST(chain_between_scans) {
        struct live mk = {.pid = 100, .ppid = 1, .comm = "make", .start = 500, .utime = 10};

        rule("mk", "make");
        rule("cc", "cc");
        show(&mk);
        scan();
        exited(201, 200, "cc", now_wall, 200 * MS, 0, 0, 0);
        exited(202, 200, "cc", now_wall, 100 * MS, 0, 0, 0);
        exited(200, 100, "sh", now_wall, 50 * MS, 0, 0, 0);
        mk.cutime = 35;
        show(&mk);
        scan();
        cpu_is("cc", 30, 0);
        cpu_is("mk", 15, 0);
}
END_TEST

/* A child a scan saw: its last read was credited then, its record adds
 * the tail, and the reaper's cutime (its whole life) is paid. */
START_TEST(seen_child_tail) {
        struct live mk = {.pid = 100, .ppid = 1, .comm = "make", .start = 500, .utime = 10};
        struct live c = {
            .pid = 200, .ppid = 100, .comm = "cc", .start = 600, .utime = 20, .stime = 4};

        rule("mk", "make");
        rule("cc", "cc");
        show(&mk);
        show(&c);
        scan();
        cpu_is("cc", 20, 4);
        exited(200, 100, "cc", btime_of(&c), 450 * MS, 50 * MS, 0, 0);
        gone(200);
        mk.cutime = 45, mk.cstime = 5;
        show(&mk);
        scan();
        cpu_is("cc", 45, 5);
        cpu_is("mk", 10, 0);
        ck_assert_uint_eq(pg_tracker_stats(trk)->exits_credited, 1);
        /* Once only. */
        scan();
        cpu_is("cc", 45, 5);
}
END_TEST

/* A child a scan saw still bearing its parent's name (between fork and
 * exec) and that exec'd before it exited: what it did since that scan goes
 * to the group of its record's name, not its parent's. */
START_TEST(renamed_child_follows_record) {
        struct live mk = {.pid = 100, .ppid = 1, .comm = "make", .start = 500, .utime = 10};
        struct live c = {
            .pid = 200, .ppid = 100, .comm = "make", .start = 600, .utime = 20, .stime = 4};

        rule("mk", "make");
        rule("cc", "cc");
        show(&mk);
        show(&c);
        scan();
        cpu_is("mk", 30, 4);
        exited(200, 100, "cc", btime_of(&c), 450 * MS, 50 * MS, 0, 0);
        gone(200);
        mk.cutime = 45, mk.cstime = 5;
        show(&mk);
        scan();
        cpu_is("cc", 25, 1);
        cpu_is("mk", 30, 4);
}
END_TEST

/* A zombie keeps its directory: its record waits until it is reaped. */
START_TEST(zombie_waits) {
        struct live mk = {.pid = 100, .ppid = 1, .comm = "make", .start = 500, .utime = 10};
        struct live c = {.pid = 200, .ppid = 100, .comm = "cc", .start = 600, .utime = 20};

        rule("mk", "make");
        rule("cc", "cc");
        show(&mk);
        show(&c);
        scan();
        c.utime = 30;
        show(&c); /* a zombie: its final counts, still listed */
        exited(200, 100, "cc", btime_of(&c), 300 * MS, 0, 0, 0);
        /* Meanwhile one born and reaped between the scans is done. */
        exited(201, 100, "cc", now_wall, 100 * MS, 0, 0, 0);
        mk.cutime = 10;
        show(&mk);
        scan();
        cpu_is("cc", 40, 0);
        cpu_is("mk", 10, 0);
        ck_assert_uint_eq(pg_tracker_stats(trk)->exits_credited, 1);
        gone(200);
        mk.cutime = 40;
        show(&mk);
        scan();
        cpu_is("cc", 40, 0);
        cpu_is("mk", 10, 0);
        ck_assert_uint_eq(pg_tracker_stats(trk)->exits_credited, 2);
}
END_TEST

/* The pid of a process that exited unseen is already another's, which the
 * walk saw: the record is the old one's (its start differs). */
START_TEST(pid_reused) {
        struct live mk = {.pid = 100, .ppid = 1, .comm = "make", .start = 500, .utime = 10};
        struct live n = {.pid = 200, .ppid = 1, .comm = "other", .start = 900000, .utime = 1};

        rule("mk", "make");
        rule("cc", "cc");
        rule("other", "other");
        show(&mk);
        scan();
        show(&n);
        exited(200, 100, "cc", now_wall, 100 * MS, 0, 0, 0);
        ck_assert_uint_ne(now_wall, btime_of(&n));
        mk.cutime = 10;
        show(&mk);
        scan();
        cpu_is("cc", 10, 0);
        cpu_is("mk", 10, 0);
        cpu_is("other", 1, 0);
}
END_TEST

/* A rule that needs the argv cannot be decided from a record: the
 * process goes to its parent's group, as the issue asks. */
START_TEST(argv_rule_falls_back_to_parent) {
        const char *re = "--compile";
        char err[256];
        struct live mk = {.pid = 100, .ppid = 1, .comm = "make", .start = 500, .utime = 10};

        ck_assert_int_eq(
            pg_rules_add(rules, "compilers", NULL, 0, NULL, 0, &re, 1, err, sizeof(err)), 0);
        rule("mk", "make");
        show(&mk);
        scan();
        exited(200, 100, "cc", now_wall, 100 * MS, 0, 0, 0);
        mk.cutime = 10;
        show(&mk);
        scan();
        cpu_is("mk", 20, 0);
        ck_assert_ptr_null(find("compilers"));
}
END_TEST

/* Records past what the tracker holds are lost: that scan and the next
 * credit none of their records, and the reaper keeps its /proc method;
 * nothing goes back, nothing counts twice. */
START_TEST(records_lost_fall_back) {
        struct live mk = {.pid = 100, .ppid = 1, .comm = "make", .start = 500, .utime = 10};
        const int n = 16 * 1024 + 10;

        rule("mk", "make");
        rule("cc", "cc");
        show(&mk);
        scan();
        for (int i = 0; i < n; i++)
                exited(1000 + i, 100, "cc", now_wall, 1 * MS, 0, 0, 0);
        mk.cutime = (uint64_t)n / 10;
        show(&mk);
        scan();
        ck_assert_uint_eq(pg_tracker_stats(trk)->exits_lost, 10);
        ck_assert_uint_eq(pg_tracker_stats(trk)->exits_credited, 0);
        ck_assert_ptr_null(find("cc"));
        cpu_is("mk", 10 + (uint64_t)n / 10, 0);
        /* The next scan is quiet too (a process's records may straddle
         * the loss): its child stays the reaper's. */
        exited(500, 100, "cc", now_wall, 20 * MS, 0, 0, 0);
        mk.cutime += 2;
        show(&mk);
        scan();
        ck_assert_ptr_null(find("cc"));
        cpu_is("mk", 12 + (uint64_t)n / 10, 0);
        /* Then records are credited again. */
        exited(501, 100, "cc", now_wall, 20 * MS, 0, 0, 0);
        mk.cutime += 2;
        show(&mk);
        scan();
        cpu_is("cc", 2, 0);
        cpu_is("mk", 12 + (uint64_t)n / 10, 0);
}
END_TEST

/* Records before the first scan are history, like the cutime then. */
START_TEST(first_scan_history) {
        struct live mk = {.pid = 100, .ppid = 1, .comm = "make", .start = 500, .utime = 10};

        rule("mk", "make");
        rule("cc", "cc");
        show(&mk);
        start();
        exited(200, 100, "cc", now_wall, 100 * MS, 0, 0, 0);
        mk.cutime = 10;
        show(&mk);
        scan();
        ck_assert_ptr_null(find("cc"));
        cpu_is("mk", 10, 0);
        scan();
        ck_assert_ptr_null(find("cc"));
        ck_assert_uint_eq(pg_tracker_stats(trk)->exits_credited, 0);
}
END_TEST

/* A thread that exited: its final context switches. */
static void thread_exited(pid_t tid, pid_t tgid, uint64_t btime, uint64_t vol, uint64_t invol) {
        struct pg_exit_rec r = {.pid = tid,
                                .tgid = tgid,
                                .ppid = 1,
                                .version = 16,
                                .btime = btime,
                                .nvcsw = vol,
                                .nivcsw = invol};

        snprintf(r.comm, sizeof(r.comm), "worker");
        pg_tracker_exits_inject(trk, &r);
}

/* Process 100 ("srv", started at tick 500) with threads of these context
 * switch counts (tids 100, 101, ...), from scratch. */
static void show_threads(const uint64_t *vol, size_t n) {
        struct pg_fake_proc fp = {.task = {.pid = 100,
                                           .ppid = 1,
                                           .comm = "srv",
                                           .uid = 1000,
                                           .euid = 1000,
                                           .utime = 10,
                                           .nthreads = n,
                                           .start = 500,
                                           .vol = vol[0]}};
        int fd;

        gone(100);
        fd = open(root, O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(pg_fake_proc_write(fd, &fp), 0);
        for (size_t i = 0; n > 1 && i < n; i++) {
                struct pg_fake_task k = fp.task;
                k.pid = 100 + (pid_t)i;
                k.tgid = 100;
                k.vol = vol[i];
                k.utime = i == 0 ? 10 : 0;
                ck_assert_int_eq(pg_fake_thread_write(fd, 100, &k, "0", false), 0);
        }
        close(fd);
}

/* Context switches are summed thread by thread: a thread that exits
 * after its last read adds its tail from its record, and one born and
 * gone between two scans all of it. Without records neither shows. */
START_TEST(thread_tails) {
        bool records = _i;
        const uint64_t two[] = {10, 50}, one[] = {12};

        rule("srv", "srv");
        show_threads(two, 2);
        start();
        scan();
        ck_assert_uint_eq(count("srv", PG_CTX_VOLUNTARY), 60);
        show_threads(one, 1);
        if (records) {
                thread_exited(101, 100, BTIME + 5, 80, 3);
                thread_exited(102, 100, now_wall, 7, 1);
        }
        scan();
        ck_assert_uint_eq(count("srv", PG_CTX_VOLUNTARY), records ? 60 + 2 + 30 + 7 : 62);
        ck_assert_uint_eq(count("srv", PG_CTX_NONVOLUNTARY), records ? 4 : 0);
        /* Nothing twice. */
        scan();
        ck_assert_uint_eq(count("srv", PG_CTX_VOLUNTARY), records ? 99 : 62);
}
END_TEST

/* A group only records feed (its members never alive at a scan: a build
 * box's compilers) is live while they come: forget_after does not forget
 * it, which would start its counters again. */
START_TEST(record_group_stays) {
        struct live mk = {.pid = 100, .ppid = 1, .comm = "make", .start = 500, .utime = 10};

        opts.forget_after = 0.2;
        rule("mk", "make");
        rule("cc", "cc");
        show(&mk);
        scan();
        for (int i = 0; i < 4; i++) {
                exited(200 + i, 100, "cc", now_wall, 100 * MS, 0, 0, 0);
                mk.cutime += 10;
                show(&mk);
                usleep(120 * 1000);
                scan();
                cpu_is("cc", 10 * (uint64_t)(i + 1), 0);
        }
        usleep(300 * 1000);
        scan();
        ck_assert_ptr_null(find("cc"));
}
END_TEST

/* A rule on the executable (argv[0], as process-exporter's exe) judges
 * a process no scan saw by argv[0] of another process of the same
 * executable and comm that a scan did see; an executable never seen is
 * undecided, and the process goes to its parent's group. */
START_TEST(exe_rule_from_a_seen_process) {
        static const char *const exe[] = {"cc1"};
        struct live mk = {.pid = 100, .ppid = 1, .comm = "make", .start = 500, .utime = 10};
        struct pg_fake_proc seen = {.task = {.pid = 300, .ppid = 100, .comm = "cc1", .start = 700},
                                    .cmdline = "/usr/libexec/gcc/cc1\0-quiet",
                                    .cmdline_len = sizeof("/usr/libexec/gcc/cc1\0-quiet")};
        struct pg_exit_rec r = {.version = 16, .ppid = 100, .run_ns = 100 * MS};
        char err[256], bin[300], other[300];
        struct stat st, st2;
        int fd, dfd;

        ck_assert_int_eq(
            pg_rules_add(rules, "compilers", NULL, 0, exe, 1, NULL, 0, err, sizeof(err)), 0);
        rule("mk", "make");
        snprintf(bin, sizeof(bin), "%s/cc1.bin", root);
        snprintf(other, sizeof(other), "%s/other.bin", root);
        fd = open(root, O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_eq(pg_fake_put(fd, "cc1.bin", "x", 1), 0);
        ck_assert_int_eq(pg_fake_put(fd, "other.bin", "y", 1), 0);
        ck_assert_int_eq(stat(bin, &st), 0);
        ck_assert_int_eq(stat(other, &st2), 0);
        show(&mk);
        scan();
        exited(999, 1, "noise", now_wall, 0, 0, 0, 0); /* records are in use */
        ck_assert_int_eq(pg_fake_proc_write(fd, &seen), 0);
        dfd = openat(fd, "300", O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(dfd, 0);
        ck_assert_int_eq(pg_fake_link(dfd, "exe", bin), 0);
        close(dfd);
        close(fd);
        scan(); /* sees 300 and notes its argv[0] */
        ck_assert_uint_eq(count("compilers", PG_CPU_USER), 0);
        /* 301: the same executable and comm, never seen. */
        r.pid = r.tgid = 301;
        r.btime = now_wall;
        r.utime_us = 100000;
        r.exe_dev = st.st_dev;
        r.exe_inode = st.st_ino;
        snprintf(r.comm, sizeof(r.comm), "cc1");
        pg_tracker_exits_inject(trk, &r);
        /* 302: another executable of the same comm: undecided. */
        r.pid = r.tgid = 302;
        r.exe_inode = st2.st_ino;
        r.exe_dev = st2.st_dev;
        pg_tracker_exits_inject(trk, &r);
        mk.cutime = 20;
        show(&mk);
        scan();
        cpu_is("compilers", 10, 0);
        cpu_is("mk", 20, 0);
}
END_TEST

Suite *pg_test_suite(void) {
        Suite *s = suite_create("exitcredit");
        TCase *tc = tcase_create("records");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, unseen_children_reaped);
        tcase_add_loop_test(tc, reaper_reads_before_reap, 0, 2);
        tcase_add_test(tc, orphans_reaped_by_init);
        tcase_add_test(tc, chain_between_scans);
        tcase_add_test(tc, seen_child_tail);
        tcase_add_test(tc, renamed_child_follows_record);
        tcase_add_test(tc, zombie_waits);
        tcase_add_test(tc, pid_reused);
        tcase_add_test(tc, argv_rule_falls_back_to_parent);
        tcase_add_test(tc, records_lost_fall_back);
        tcase_add_test(tc, first_scan_history);
        tcase_add_loop_test(tc, thread_tails, 0, 2);
        tcase_add_test(tc, record_group_stays);
        tcase_add_test(tc, exe_rule_from_a_seen_process);
        suite_add_tcase(s, tc);
        return s;
}
