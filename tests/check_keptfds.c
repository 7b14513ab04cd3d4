/* SPDX-License-Identifier: MIT */
/* The kept_fds budget against RLIMIT_NOFILE: a wish above the limit is
 * clamped (else every open past it fails with EMFILE and each process is
 * a hard error), and a limit lowered under a running tracker makes it
 * close kept files and read unkept, losing no process; the automatic
 * budget follows the soft limit, and kept_files counts the descriptors
 * really held. Each test runs in its own process (Check's fork mode): the
 * limits set here end with it (under CK_FORK=no, each sets its own). */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/check_main.h"
#include "common/kept.h"
#include "common/match.h"
#include "common/proc.h"
#include "common/track.h"

#define CHILDREN 300

static void set_soft_nofile(rlim_t n) {
        struct rlimit rl;

        ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
        if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < n)
                n = rl.rlim_max;
        rl.rlim_cur = n;
        ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

START_TEST(clamp_to_limit) {
        set_soft_nofile(300);
        ck_assert_int_eq(pg_kept_fds_clamp(5000), 300 - PG_FD_RESERVE);
        ck_assert_int_eq(pg_kept_fds_clamp(100), 100);
        ck_assert_int_eq(pg_kept_fds_clamp(0), -1);
        set_soft_nofile(PG_FD_RESERVE);
        ck_assert_int_eq(pg_kept_fds_clamp(5000), -1);
}
END_TEST

/* The largest group: the children below share our comm. */
static uint64_t largest_group(const struct pg_tracker *t) {
        const struct pg_group *const *g;
        size_t n = pg_tracker_groups(t, &g);
        uint64_t most = 0;

        for (size_t i = 0; i < n; i++)
                if (g[i]->procs > most)
                        most = g[i]->procs;
        return most;
}

START_TEST(limit_lowered_under_tracker) {
        struct pg_track_opts opts = PG_TRACK_OPTS_DEFAULT;
        struct pg_source *src;
        struct pg_rules *rules;
        struct pg_tracker *t;
        pid_t kids[CHILDREN];
        uint64_t hard = 0, least = UINT64_MAX;

        for (int i = 0; i < CHILDREN; i++) {
                kids[i] = fork();
                ck_assert_int_ge(kids[i], 0);
                if (kids[i] == 0) {
                        pause();
                        _exit(0);
                }
        }
        set_soft_nofile(2048);
        ck_assert_int_eq(pg_source_new("/proc", &src), 0);
        if (!pg_source_procfs(src)->is_procfs) {
                /* Files are kept on real procfs only. */
                for (int i = 0; i < CHILDREN; i++)
                        kill(kids[i], SIGKILL);
                pg_source_free(src);
                return;
        }
        ck_assert_int_eq(pg_rules_new_default(&rules), 0);
        opts.kept_fds = 100000;
        opts.no_cpu_clock = true; /* every process's files, each scan */
        ck_assert_int_eq(pg_tracker_new(src, rules, &opts, &t), 0);
        for (int i = 0; i < 3; i++)
                ck_assert_int_eq(pg_tracker_scan(t), 0);
        /* stat and schedstat of each child at least. */
        ck_assert_uint_gt(pg_tracker_stats(t)->kept_files, 2 * CHILDREN);
        ck_assert_uint_ge(largest_group(t), CHILDREN);

        /* Below what is open now: every open fails until some close. */
        set_soft_nofile(300);
        for (int i = 0; i < 4; i++) {
                uint64_t most;
                ck_assert_int_eq(pg_tracker_scan(t), 0);
                hard += pg_tracker_stats(t)->hard_errors;
                most = largest_group(t);
                if (most < least)
                        least = most;
        }
        ck_assert_uint_eq(hard, 0);
        ck_assert_uint_ge(least, CHILDREN);
        /* PG_FD_RESERVE / 2 stay free besides the kept files. */
        ck_assert_uint_le(pg_tracker_stats(t)->kept_files, 300 - PG_FD_RESERVE / 2);
        pg_tracker_free(t);
        for (int i = 0; i < CHILDREN; i++) {
                kill(kids[i], SIGKILL);
                waitpid(kids[i], NULL, 0);
        }
}
END_TEST

/* Open descriptors of this process. */
static int count_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        int n = 0;

        ck_assert_ptr_nonnull(d);
        while ((de = readdir(d)))
                n += de->d_name[0] != '.';
        closedir(d);
        return n - 1; /* the listing's own */
}

/* The automatic budget follows the soft fd limit, and the kept_files
 * figure is the number of descriptors really held. */
START_TEST(kept_budget_follows_nofile) {
        struct pg_track_opts opts = PG_TRACK_OPTS_DEFAULT;
        struct pg_source *src;
        struct pg_rules *rules;
        struct pg_tracker *t;
        struct rlimit saved;
        int base, listener;

        /* CK_FORK=no (valgrind) runs the tests in one process. */
        ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &saved), 0);
        set_soft_nofile(1000);
        ck_assert_int_eq(pg_kept_fds_auto(false), 500);
        ck_assert_int_eq(pg_kept_fds_auto(true), 1000 - PG_FD_RESERVE);
        set_soft_nofile(100);
        ck_assert_int_eq(pg_kept_fds_auto(false), 50);
        ck_assert_int_eq(pg_kept_fds_auto(true), -1);

        /* kept_fds = 0 inside a host process: half the soft limit (when
         * every process's files are read at each scan). */
        opts.no_cpu_clock = true;
        set_soft_nofile(64);
        ck_assert_int_eq(pg_rules_new_default(&rules), 0);
        ck_assert_int_eq(pg_source_new("/proc", &src), 0);
        opts.kept_fds = 0;
        ck_assert_int_eq(pg_tracker_new(src, rules, &opts, &t), 0);
        base = count_fds();
        ck_assert_int_eq(pg_tracker_scan(t), 0);
        ck_assert_int_eq(pg_tracker_scan(t), 0);
        ck_assert_uint_le(pg_tracker_stats(t)->kept_files, 32);
        ck_assert_uint_gt(pg_tracker_stats(t)->kept_files, 0);
        ck_assert_int_eq(count_fds() - base, (int)pg_tracker_stats(t)->kept_files);
        listener = pg_tracker_exits_fd(t) >= 0;
        pg_tracker_free(t);
        /* And the root's fd went too, and the exit listener's (as root). */
        ck_assert_int_eq(count_fds(), base - 1 - listener);

        /* kept_fds = -1: nothing stays open. */
        ck_assert_int_eq(pg_rules_new_default(&rules), 0);
        ck_assert_int_eq(pg_source_new("/proc", &src), 0);
        opts.kept_fds = -1;
        ck_assert_int_eq(pg_tracker_new(src, rules, &opts, &t), 0);
        base = count_fds();
        ck_assert_int_eq(pg_tracker_scan(t), 0);
        ck_assert_int_eq(pg_tracker_scan(t), 0);
        ck_assert_uint_eq(pg_tracker_stats(t)->kept_files, 0);
        ck_assert_int_eq(count_fds(), base);
        pg_tracker_free(t);
        set_soft_nofile(saved.rlim_cur);
}
END_TEST

/* With the CPU clock as the idle test, sleeping processes keep no file
 * and are still counted, a busy one keeps its files, and "auto" is a
 * memory budget (PG_KEPT_FDS_CLOCK), whatever the fd limit. */
START_TEST(clock_keeps_files_of_busy_only) {
        struct pg_track_opts opts = PG_TRACK_OPTS_DEFAULT;
        struct pg_source *src;
        struct pg_rules *rules;
        struct pg_tracker *t;
        pid_t kids[CHILDREN], busy;
        const struct pg_track_stats *st;

        set_soft_nofile(4096);
        for (int i = 0; i < CHILDREN; i++) {
                kids[i] = fork();
                ck_assert_int_ge(kids[i], 0);
                if (kids[i] == 0) {
                        pause();
                        _exit(0);
                }
        }
        busy = fork();
        ck_assert_int_ge(busy, 0);
        if (busy == 0)
                for (volatile unsigned long n = 0;; n++)
                        ;
        ck_assert_int_eq(pg_rules_new_default(&rules), 0);
        ck_assert_int_eq(pg_source_new("/proc", &src), 0);
        opts.kept_fds = 0;
        ck_assert_int_eq(pg_tracker_new(src, rules, &opts, &t), 0);
        if (!pg_tracker_clock_active(t)) {
                fprintf(stderr, "clock_keeps_files_of_busy_only: skipped: %s\n",
                        pg_tracker_clock_why(t));
                goto out;
        }
        for (int i = 0; i < 4; i++) {
                ck_assert_int_eq(pg_tracker_scan(t), 0);
                usleep(20000);
        }
        st = pg_tracker_stats(t);
        ck_assert_uint_ge(largest_group(t), CHILDREN);
        /* The sleepers were found idle by their clocks and hold nothing:
         * reading every process would keep two files each; those read
         * in full at any scan (REFRESH_EVERY, limits) or running keep
         * theirs until they are found idle. */
        ck_assert_uint_ge(st->clock_idle, CHILDREN - CHILDREN / 8);
        ck_assert_uint_lt(st->kept_files, st->procs / 4);
        /* The busy one ran at every scan: its stat and schedstat stay. */
        ck_assert_uint_ge(st->kept_files, 2);
        ck_assert_uint_le(st->kept_files, PG_KEPT_FDS_CLOCK);
out:
        pg_tracker_free(t);
        kill(busy, SIGKILL);
        waitpid(busy, NULL, 0);
        for (int i = 0; i < CHILDREN; i++) {
                kill(kids[i], SIGKILL);
                waitpid(kids[i], NULL, 0);
        }
}
END_TEST

Suite *pg_test_suite(void) {
        Suite *s = suite_create("keptfds");
        TCase *tc = tcase_create("clamp");

        tcase_add_test(tc, clamp_to_limit);
        suite_add_tcase(s, tc);
        tc = tcase_create("emfile");
        tcase_add_test(tc, limit_lowered_under_tracker);
        suite_add_tcase(s, tc);
        tc = tcase_create("auto");
        tcase_add_test(tc, kept_budget_follows_nofile);
        suite_add_tcase(s, tc);
        tc = tcase_create("clock");
        tcase_add_test(tc, clock_keeps_files_of_busy_only);
        suite_add_tcase(s, tc);
        return s;
}
