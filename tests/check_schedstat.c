/* SPDX-License-Identifier: MIT */
/* The claim the tracker's skipping rests on, checked on the live kernel:
 * a task whose schedstat has not moved has not changed its status
 * (context switches) or io; one that ran has a new schedstat. And the
 * tracker's figures for a child that sleeps, then works, are exact. */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/check_main.h"
#include "common/proc.h"
#include "common/proc_int.h"
#include "common/track.h"

static pid_t child;
static int to_child[2], from_child[2];
static char child_name[16] = "pgsched";

/* The child: sleep on a pipe; on each byte, burn ~50 ms of CPU, then say
 * so and sleep again. */
static void child_main(void) {
        char c;

        close(to_child[1]);
        close(from_child[0]);
        prctl(PR_SET_NAME, child_name);
        while (read(to_child[0], &c, 1) == 1) {
                struct timespec a, b;
                clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
                do
                        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
                while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 50000000L);
                if (write(from_child[1], &c, 1) != 1)
                        _exit(1);
        }
        _exit(0);
}

static void start_child(void) {
        ck_assert_int_eq(pipe(to_child), 0);
        ck_assert_int_eq(pipe(from_child), 0);
        child = fork();
        ck_assert_int_ge(child, 0);
        if (child == 0)
                child_main();
        /* Let it reach its read(). */
        usleep(100000);
}

static void poke_child(void) {
        char c = 'x';
        ck_assert_int_eq(write(to_child[1], &c, 1), 1);
        ck_assert_int_eq(read(from_child[0], &c, 1), 1);
        usleep(50000);
}

static void stop_child(void) {
        close(to_child[1]);
        waitpid(child, NULL, 0);
        close(to_child[0]);
        close(from_child[0]);
        close(from_child[1]);
}

struct snap {
        struct pg_schedstat sched;
        struct pg_status status;
        struct pg_io io;
        struct pg_stat stat;
};

static void take(struct pg_source *src, struct snap *s) {
        const struct pg_schedstat *sc;
        const struct pg_status *ss;
        const struct pg_stat *st;
        const struct pg_io *io;
        struct pg_proc *p;

        ck_assert_int_eq(pg_source_get(src, child, &p), 0);
        ck_assert_int_eq(pg_proc_schedstat(p, &sc), 0);
        ck_assert_int_eq(pg_proc_status(p, &ss), 0);
        ck_assert_int_eq(pg_proc_stat(p, &st), 0);
        ck_assert_int_eq(pg_proc_io(p, &io), 0);
        s->sched = *sc;
        s->status = *ss;
        s->stat = *st;
        s->io = *io;
}

START_TEST(unmoved_schedstat_means_unchanged) {
        struct pg_source *src;
        struct snap a, b, c;

        ck_assert_int_eq(pg_source_new("/proc", &src), 0);
        start_child();
        take(src, &a);
        usleep(300000);
        take(src, &b);
        ck_assert_uint_eq(a.sched.run_ns, b.sched.run_ns);
        ck_assert_uint_eq(a.sched.pcount, b.sched.pcount);
        ck_assert_uint_eq(a.status.ctx_voluntary, b.status.ctx_voluntary);
        ck_assert_uint_eq(a.status.ctx_involuntary, b.status.ctx_involuntary);
        ck_assert_uint_eq(a.io.read_bytes, b.io.read_bytes);
        ck_assert_uint_eq(a.io.write_bytes, b.io.write_bytes);
        ck_assert_uint_eq(a.stat.utime + a.stat.stime, b.stat.utime + b.stat.stime);

        poke_child();
        take(src, &c);
        ck_assert_uint_gt(c.sched.pcount, b.sched.pcount);
        ck_assert_uint_gt(c.sched.run_ns, b.sched.run_ns + 40000000u);
        ck_assert_uint_gt(c.status.ctx_voluntary + c.status.ctx_involuntary,
                          b.status.ctx_voluntary + b.status.ctx_involuntary);
        stop_child();
        pg_source_free(src);
}
END_TEST

static const struct pg_group *find_group(struct pg_tracker *t, const char *name) {
        const struct pg_group *const *gs;
        size_t n = pg_tracker_groups(t, &gs);

        for (size_t i = 0; i < n; i++)
                if (strcmp(gs[i]->name, name) == 0)
                        return gs[i];
        return NULL;
}

/* The tracker reads a sleeping child through its cache and a working one
 * in full: the group's CPU and context switches follow /proc exactly. */
START_TEST(tracker_follows_sleep_and_work) {
        struct pg_source *src, *peek;
        struct pg_rules *rules;
        struct pg_tracker *t;
        struct pg_track_opts opts = PG_TRACK_OPTS_DEFAULT;
        const struct pg_group *g;
        const char *comm[1];
        char name[16], err[256];
        struct snap s;

        snprintf(name, sizeof(name), "pgss%d", (int)getpid() % 100000);
        snprintf(child_name, sizeof(child_name), "%s", name);
        comm[0] = name;
        start_child();
        ck_assert_int_eq(pg_rules_new(&rules), 0);
        ck_assert_int_eq(pg_source_new("/proc", &peek), 0);
        ck_assert_int_eq(pg_rules_add(rules, "child", comm, 1, NULL, 0, NULL, 0, err, sizeof(err)),
                         0);
        ck_assert_int_eq(pg_source_new("/proc", &src), 0);
        opts.children_time = false;
        ck_assert_int_eq(pg_tracker_new(src, rules, &opts, &t), 0);

        /* Busy in scans 2-4 and 6 (status, io and wchan kept from its
         * second busy scan, closed when idle), idle in the others. */
        for (int round = 0; round < 8; round++) {
                ck_assert_int_eq(pg_tracker_scan(t), 0);
                g = find_group(t, "child");
                ck_assert_ptr_nonnull(g);
                ck_assert_uint_eq(g->procs, 1);
                take(peek, &s);
                ck_assert_uint_eq(g->counts.v[PG_CPU_USER], s.stat.utime);
                ck_assert_uint_eq(g->counts.v[PG_CPU_SYSTEM], s.stat.stime);
                ck_assert_uint_eq(g->counts.v[PG_CTX_VOLUNTARY], s.status.ctx_voluntary);
                ck_assert_uint_eq(g->counts.v[PG_CTX_NONVOLUNTARY], s.status.ctx_involuntary);
                /* Sleep through one scan, work before the next. */
                if (round % 2)
                        poke_child();
                else
                        usleep(100000);
        }
        stop_child();
        pg_tracker_free(t);
        pg_source_free(peek);
}
END_TEST

/* A child that renames itself, burns ms of CPU, tells the parent and
 * waits to be killed. Returns its pid once it has burned. */
static pid_t burner(const char *comm, long ms) {
        int fds[2];
        pid_t pid;
        char c;

        ck_assert_int_eq(pipe(fds), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                struct timespec a, b;
                prctl(PR_SET_NAME, comm);
                clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
                do
                        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
                while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < ms);
                if (write(fds[1], "x", 1) != 1)
                        _exit(1);
                pause();
                _exit(0);
        }
        close(fds[1]);
        ck_assert_int_eq(read(fds[0], &c, 1), 1);
        close(fds[0]);
        return pid;
}

static uint64_t cpu_ticks(pid_t pid) {
        struct pg_source *src;
        const struct pg_stat *st;
        struct pg_proc *p;
        uint64_t v;

        ck_assert_int_eq(pg_source_new("/proc", &src), 0);
        ck_assert_int_eq(pg_source_get(src, pid, &p), 0);
        ck_assert_int_eq(pg_proc_stat(p, &st), 0);
        v = st->utime + st->stime;
        pg_source_free(src);
        return v;
}

/* A pid reused between two scans while the tracker keeps the old
 * process's stat and schedstat open: the kept files read ESRCH, the new
 * process is found through the directory, and it counts as new (its whole
 * CPU added), never as a delta from the old one. The reuse is forced with
 * ns_last_pid (root, CONFIG_CHECKPOINT_RESTORE); skipped where it cannot
 * be, or when another fork takes the pid first. */
START_TEST(pid_reuse_with_kept_files) {
        struct pg_track_opts opts = PG_TRACK_OPTS_DEFAULT;
        struct pg_source *src;
        struct pg_rules *rules;
        struct pg_tracker *t;
        const struct pg_group *g;
        const char *comm[1] = {"pgreuse"};
        uint64_t a_ticks, b_ticks;
        pid_t a, b;
        char err[256], buf[32];
        FILE *f;

        if (access("/proc/sys/kernel/ns_last_pid", W_OK) != 0) {
                fprintf(stderr, "pid_reuse_with_kept_files: no ns_last_pid, skipped\n");
                return;
        }
        ck_assert_int_eq(pg_rules_new(&rules), 0);
        ck_assert_int_eq(pg_rules_add(rules, "reuse", comm, 1, NULL, 0, NULL, 0, err, sizeof(err)),
                         0);
        ck_assert_int_eq(pg_source_new("/proc", &src), 0);
        opts.kept_fds = 64;
        opts.children_time = false;
        ck_assert_int_eq(pg_tracker_new(src, rules, &opts, &t), 0);

        a = burner("pgreuse", 300);
        /* Two scans: the second reads A through kept files. */
        ck_assert_int_eq(pg_tracker_scan(t), 0);
        ck_assert_int_eq(pg_tracker_scan(t), 0);
        a_ticks = cpu_ticks(a);
        g = find_group(t, "reuse");
        ck_assert_ptr_nonnull(g);
        ck_assert_uint_eq(g->counts.v[PG_CPU_USER] + g->counts.v[PG_CPU_SYSTEM], a_ticks);

        kill(a, SIGKILL);
        waitpid(a, NULL, 0);
        f = fopen("/proc/sys/kernel/ns_last_pid", "w");
        ck_assert_ptr_nonnull(f);
        snprintf(buf, sizeof(buf), "%d", (int)a - 1);
        fputs(buf, f);
        ck_assert_int_eq(fclose(f), 0);
        b = burner("pgreuse", 100);
        if (b != a) {
                /* Someone else forked in between: nothing to test. */
                fprintf(stderr, "pid_reuse_with_kept_files: pid %d not reused (got %d), skipped\n",
                        (int)a, (int)b);
                kill(b, SIGKILL);
                waitpid(b, NULL, 0);
                pg_tracker_free(t);
                return;
        }
        b_ticks = cpu_ticks(b);
        ck_assert_int_eq(pg_tracker_scan(t), 0);
        g = find_group(t, "reuse");
        ck_assert_uint_eq(g->procs, 1);
        /* A's whole CPU stays, B's whole CPU is added. */
        ck_assert_uint_eq(g->counts.v[PG_CPU_USER] + g->counts.v[PG_CPU_SYSTEM], a_ticks + b_ticks);
        kill(b, SIGKILL);
        waitpid(b, NULL, 0);
        pg_tracker_free(t);
}
END_TEST

/* Kept files or not, the same numbers. */
START_TEST(kept_files_change_nothing) {
        struct pg_track_opts on = PG_TRACK_OPTS_DEFAULT, off = PG_TRACK_OPTS_DEFAULT;
        struct pg_tracker *t[2];
        const struct pg_group *g[2];
        const char *comm[1] = {child_name};
        uint64_t ctx_at_1 = 0;
        char err[256];

        snprintf(child_name, sizeof(child_name), "pgkept%d", (int)getpid() % 100000);
        start_child();
        on.kept_fds = 64;
        off.kept_fds = -1;
        for (int i = 0; i < 2; i++) {
                struct pg_source *src;
                struct pg_rules *rules;
                ck_assert_int_eq(pg_rules_new(&rules), 0);
                ck_assert_int_eq(
                    pg_rules_add(rules, "c", comm, 1, NULL, 0, NULL, 0, err, sizeof(err)), 0);
                ck_assert_int_eq(pg_source_new("/proc", &src), 0);
                ck_assert_int_eq(pg_tracker_new(src, rules, i ? &off : &on, &t[i]), 0);
        }
        /* Busy in scans 2-4 and 6 (status, io and wchan kept from its
         * second busy scan, closed when idle), idle in the others. */
        for (int round = 0; round < 8; round++) {
                for (int i = 0; i < 2; i++) {
                        ck_assert_int_eq(pg_tracker_scan(t[i]), 0);
                        g[i] = find_group(t[i], "c");
                        ck_assert_ptr_nonnull(g[i]);
                }
                for (int k = 0; k < PG_COUNT_MAX; k++)
                        ck_assert_uint_eq(g[0]->counts.v[k], g[1]->counts.v[k]);
                ck_assert_uint_eq(g[0]->open_fds, g[1]->open_fds);
                ck_assert_uint_eq(g[0]->memory.v[PG_MEM_RESIDENT], g[1]->memory.v[PG_MEM_RESIDENT]);
                ck_assert_uint_eq(
                    g[0]->counts.v[PG_CTX_VOLUNTARY] + g[0]->counts.v[PG_CTX_NONVOLUNTARY],
                    g[1]->counts.v[PG_CTX_VOLUNTARY] + g[1]->counts.v[PG_CTX_NONVOLUNTARY]);
                if (round == 4) {
                        /* Three busy scans: its context switches grew in
                         * each, read through kept files or not. */
                        ck_assert_uint_gt(g[0]->counts.v[PG_CTX_VOLUNTARY], ctx_at_1);
                }
                if (round == 1)
                        ctx_at_1 = g[0]->counts.v[PG_CTX_VOLUNTARY];
                if (round == 1 || round == 2 || round == 3 || round == 5)
                        poke_child();
                else
                        usleep(50000);
        }
        stop_child();
        pg_tracker_free(t[0]);
        pg_tracker_free(t[1]);
}
END_TEST

Suite *pg_test_suite(void) {
        Suite *s = suite_create("schedstat");
        TCase *tc = tcase_create("live");

        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, unmoved_schedstat_means_unchanged);
        tcase_add_test(tc, tracker_follows_sleep_and_work);
        tcase_add_test(tc, kept_files_change_nothing);
        tcase_add_test(tc, pid_reuse_with_kept_files);
        suite_add_tcase(s, tc);
        return s;
}
