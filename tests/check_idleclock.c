/* SPDX-License-Identifier: MIT */
/* The process CPU clock as the idle test (common/cpuclock.h, doc/memory.md):
 * a process whose clock has not moved is not read at all, its last read
 * stands. Each way a process changes is tried here on live processes,
 * and each must reach the group at the next scan, or within REFRESH_EVERY
 * scans for what can change without the process running:
 *   - a second thread runs (CPU, faults) while the main one sleeps;
 *   - a parent reaps a child (cutime, with exit records off);
 *   - a pid is reused (as root, through ns_last_pid);
 *   - rss drops without the process running (its mapped file truncated);
 *   - a thread exits (at once with exit records, else within the refresh).
 * Every test first checks that the clock is the idle test here and that
 * the scans before the change skipped processes (clock_idle). */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/check_main.h"
#include "common/match.h"
#include "common/proc.h"
#include "common/track.h"

/* REFRESH_EVERY of common/track_int.h, and a scan to spare. */
#define REFRESH_SCANS 65
#define BURN_MS       300

struct subject {
        pid_t pid;
        int cmd; /* write end: commands to the subject */
        int ack; /* read end: one byte per command done */
};

static void burn_cpu(int ms) {
        struct timespec a, b;

        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
        do
                clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
        while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < ms);
}

/* Fault in fresh memory: minor faults the scan must see. */
static void touch_mb(int mb) {
        size_t n = (size_t)mb << 20;
        char *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

        if (m == MAP_FAILED)
                _exit(3);
        for (size_t i = 0; i < n; i += 4096)
                m[i] = 1;
        munmap(m, n);
}

static int child_cmd, child_ack;

/* The second thread of a subject: 'b' burns CPU and faults, 'x' exits. */
static void *worker(void *arg) {
        char c;

        (void)arg;
        while (read(child_cmd, &c, 1) == 1) {
                if (c == 'b') {
                        burn_cpu(BURN_MS);
                        touch_mb(8);
                }
                /* 'x': no answer, which would wake the test and with
                 * it the scheduler's accounting of this thread's run;
                 * the test watches the thread count instead. */
                if (c == 'x' || write(child_ack, &c, 1) != 1)
                        return NULL;
        }
        return NULL;
}

/* Commands run by the main thread: 'f' forks a child that burns CPU and
 * reaps it; 'n' renames the process. */
static void serve(void) {
        char c;

        while (read(child_cmd, &c, 1) == 1) {
                if (c == 'f') {
                        pid_t k = fork();
                        if (k == 0) {
                                burn_cpu(BURN_MS);
                                _exit(0);
                        }
                        waitpid(k, NULL, 0);
                }
                if (write(child_ack, &c, 1) != 1)
                        _exit(2);
        }
        _exit(0);
}

/* A child named name; threaded: a worker thread takes the commands while
 * the main thread sleeps. */
static struct subject start(const char *name, bool threaded) {
        int cmd[2], ack[2];
        struct subject s;

        ck_assert_int_eq(pipe(cmd), 0);
        ck_assert_int_eq(pipe(ack), 0);
        s.pid = fork();
        ck_assert_int_ge(s.pid, 0);
        if (s.pid == 0) {
                pthread_t th;
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                prctl(PR_SET_NAME, name);
                close(cmd[1]);
                close(ack[0]);
                child_cmd = cmd[0];
                child_ack = ack[1];
                if (!threaded)
                        serve();
                if (pthread_create(&th, NULL, worker, NULL) != 0)
                        _exit(2);
                for (;;)
                        pause();
        }
        close(cmd[0]);
        close(ack[1]);
        s.cmd = cmd[1];
        s.ack = ack[0];
        return s;
}

static void command(const struct subject *s, char c) {
        char got;

        ck_assert_int_eq(write(s->cmd, &c, 1), 1);
        ck_assert_int_eq(read(s->ack, &got, 1), 1);
        ck_assert_int_eq(got, c);
}

static void stop(struct subject *s) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        close(s->cmd);
        close(s->ack);
}

static const char *const subjects[] = {"pgic_thr", "pgic_tx",  "pgic_par",
                                       "pgic_old", "pgic_new", "pgic_map"};

static struct pg_tracker *tracker(bool exit_records) {
        struct pg_track_opts opts = PG_TRACK_OPTS_DEFAULT;
        struct pg_source *src;
        struct pg_rules *rules;
        struct pg_tracker *t;

        opts.exit_records = exit_records;
        /* A group per subject, by comm; not the default rule, whose
         * groups other tests' crowds of names (visible here from their
         * PID namespaces) could push past max_groups. */
        ck_assert_int_eq(pg_rules_new(&rules), 0);
        for (size_t i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
                char err[256];
                ck_assert_int_eq(pg_rules_add(rules, subjects[i], &subjects[i], 1, NULL, 0, NULL, 0,
                                              err, sizeof(err)),
                                 0);
        }
        ck_assert_int_eq(pg_source_new("/proc", &src), 0);
        ck_assert_int_eq(pg_tracker_new(src, rules, &opts, &t), 0);
        return t;
}

/* The group called name, which must be listed. */
static const struct pg_group *group(const struct pg_tracker *t, const char *name) {
        const struct pg_group *const *g;
        size_t n = pg_tracker_groups(t, &g);

        for (size_t i = 0; i < n; i++)
                if (strcmp(g[i]->name, name) == 0)
                        return g[i];
        ck_abort_msg("no group %s", name);
        return NULL;
}

static uint64_t cpu_ticks(const struct pg_group *g) {
        return g->counts.v[PG_CPU_USER] + g->counts.v[PG_CPU_SYSTEM];
}

static void scan(struct pg_tracker *t) {
        ck_assert_int_eq(pg_tracker_scan(t), 0);
}

/* Scans until the subjects are settled and idle: the last one must have
 * skipped processes by their clocks. false: the clock is not the idle
 * test here (said on stderr), the test has nothing to check. */
static bool settle(struct pg_tracker *t, const char *test) {
        if (!pg_tracker_clock_active(t)) {
                fprintf(stderr, "%s: skipped: the CPU clock is not the idle test: %s\n", test,
                        pg_tracker_clock_why(t));
                return false;
        }
        for (int i = 0; i < 4; i++) {
                usleep(20000);
                scan(t);
        }
        ck_assert_uint_gt(pg_tracker_stats(t)->clock_idle, 0);
        return true;
}

/* BURN_MS of CPU in ticks, less a fifth for tick sampling. */
static uint64_t burn_ticks(void) {
        return (uint64_t)sysconf(_SC_CLK_TCK) * BURN_MS * 4 / 5 / 1000;
}

START_TEST(second_thread_runs) {
        struct pg_tracker *t = tracker(false);
        struct subject s = start("pgic_thr", true);
        const struct pg_group *g;
        uint64_t cpu, minflt;

        if (!settle(t, "second_thread_runs"))
                goto out;
        g = group(t, "pgic_thr");
        ck_assert_uint_eq(g->threads, 2);
        cpu = cpu_ticks(g);
        minflt = g->counts.v[PG_MINOR_FAULTS];
        command(&s, 'b'); /* the worker burns and faults; main sleeps */
        scan(t);
        g = group(t, "pgic_thr");
        ck_assert_uint_ge(cpu_ticks(g) - cpu, burn_ticks());
        ck_assert_uint_ge(g->counts.v[PG_MINOR_FAULTS] - minflt, 1500); /* 8 MB */
out:
        stop(&s);
        pg_tracker_free(t);
}
END_TEST

/* The number of threads of pid, from its status. */
static int live_threads(pid_t pid) {
        char path[64], buf[4096];
        const char *l;
        ssize_t n;
        int fd;

        snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        ck_assert_int_gt(n, 0);
        buf[n] = '\0';
        l = strstr(buf, "\nThreads:");
        ck_assert_ptr_nonnull(l);
        return atoi(l + 9);
}

/* A thread that exits is gone from the group's threads at the next scan
 * when exit records say so, else within the refresh. */
START_TEST(thread_exits) {
        struct pg_tracker *t = tracker(true);
        struct subject s = start("pgic_tx", true);
        bool records = pg_tracker_exits_active(t);
        int scans = 0;

        if (!settle(t, "thread_exits"))
                goto out;
        ck_assert_uint_eq(group(t, "pgic_tx")->threads, 2);
        ck_assert_int_eq(write(s.cmd, "x", 1), 1);
        for (int i = 0; i < 500 && live_threads(s.pid) != 1; i++)
                usleep(2000);
        ck_assert_int_eq(live_threads(s.pid), 1);
        usleep(20000); /* the thread's exit record reaches the socket */
        do {
                scan(t);
                scans++;
        } while (group(t, "pgic_tx")->threads != 1 && scans < REFRESH_SCANS);
        ck_assert_uint_eq(group(t, "pgic_tx")->threads, 1);
        if (records)
                ck_assert_int_eq(scans, 1);
out:
        stop(&s);
        pg_tracker_free(t);
}
END_TEST

/* The parent sleeps, wakes to reap a child that burned CPU, sleeps again:
 * its clock moved, its cutime is read (children_time credits it). */
START_TEST(parent_reaps_child) {
        struct pg_tracker *t = tracker(false);
        struct subject s = start("pgic_par", false);
        uint64_t cpu;

        if (!settle(t, "parent_reaps_child"))
                goto out;
        cpu = cpu_ticks(group(t, "pgic_par"));
        command(&s, 'f');
        scan(t);
        ck_assert_uint_ge(cpu_ticks(group(t, "pgic_par")) - cpu, burn_ticks());
out:
        stop(&s);
        pg_tracker_free(t);
}
END_TEST

/* A pid reused by another process: never mistaken for the old one. */
START_TEST(pid_reused) {
        struct pg_tracker *t = tracker(false);
        struct subject a = start("pgic_old", false), b = {.pid = -1};
        pid_t old = a.pid;
        int fd = -1;

        if (!settle(t, "pid_reused"))
                goto out;
        ck_assert_uint_eq(group(t, "pgic_old")->procs, 1);
        stop(&a);
        fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
                fprintf(stderr, "pid_reused: skipped: ns_last_pid: %s\n", strerror(errno));
                goto out;
        }
        for (int i = 0; i < 50 && b.pid != old; i++) {
                char buf[24];
                int n = snprintf(buf, sizeof(buf), "%d", (int)old - 1);
                if (b.pid > 0)
                        stop(&b);
                if (pwrite(fd, buf, (size_t)n, 0) != n)
                        break;
                b = start("pgic_new", false);
        }
        if (b.pid != old) {
                fprintf(stderr, "pid_reused: skipped: pid %d not reused\n", (int)old);
                goto out;
        }
        command(&b, 'n'); /* its name is set */
        scan(t);
        ck_assert_uint_eq(group(t, "pgic_old")->procs, 0);
        ck_assert_uint_eq(group(t, "pgic_new")->procs, 1);
out:
        if (fd >= 0)
                close(fd);
        if (b.pid > 0)
                stop(&b);
        pg_tracker_free(t);
}
END_TEST

/* rss drops while the process sleeps (its mapped file truncated by us):
 * its group shows it within the refresh. */
START_TEST(rss_drops_unseen) {
        struct pg_tracker *t = tracker(false);
        char path[] = "/tmp/pgic_mapXXXXXX";
        const size_t size = 16u << 20;
        int fd = mkstemp(path), ack[2], scans = 0;
        uint64_t rss;
        pid_t kid;
        char c;

        ck_assert_int_ge(fd, 0);
        unlink(path);
        ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
        ck_assert_int_eq(pipe(ack), 0);
        kid = fork();
        ck_assert_int_ge(kid, 0);
        if (kid == 0) {
                volatile char *m = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
                char sum = 0;
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                prctl(PR_SET_NAME, "pgic_map");
                if (m == MAP_FAILED)
                        _exit(2);
                for (size_t i = 0; i < size; i += 4096)
                        sum += m[i];
                if (write(ack[1], &sum, 1) != 1)
                        _exit(2);
                for (;;)
                        pause();
        }
        ck_assert_int_eq(read(ack[0], &c, 1), 1);
        if (!settle(t, "rss_drops_unseen"))
                goto out;
        rss = group(t, "pgic_map")->memory.v[PG_MEM_RESIDENT];
        ck_assert_uint_ge(rss, size);
        ck_assert_int_eq(ftruncate(fd, 0), 0); /* unmaps its pages */
        do {
                scan(t);
                scans++;
        } while (group(t, "pgic_map")->memory.v[PG_MEM_RESIDENT] > rss - size * 3 / 4 &&
                 scans < REFRESH_SCANS);
        ck_assert_uint_le(group(t, "pgic_map")->memory.v[PG_MEM_RESIDENT], rss - size * 3 / 4);
out:
        kill(kid, SIGKILL);
        waitpid(kid, NULL, 0);
        close(fd);
        close(ack[0]);
        close(ack[1]);
        pg_tracker_free(t);
}
END_TEST

Suite *pg_test_suite(void) {
        Suite *s = suite_create("idleclock");
        TCase *tc = tcase_create("idle");

        tcase_add_test(tc, second_thread_runs);
        tcase_add_test(tc, thread_exits);
        tcase_add_test(tc, parent_reaps_child);
        tcase_add_test(tc, pid_reused);
        tcase_add_test(tc, rss_drops_unseen);
        suite_add_tcase(s, tc);
        return s;
}
