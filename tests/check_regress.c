/* SPDX-License-Identifier: MIT */
/* Regression tests for bugs found by the fuzzers, the soak and the
 * hostile-name tests (fuzz/, tests/soak/, tests/hostile.test).
 * Each test names the finding it pins. Trees are built in a temp dir, so
 * the values that broke things sit next to the assertion. */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/check_main.h"
#include "common/match.h"
#include "common/proc.h"
#include "common/track.h"
#include "tests/fakeproc.h"

static char root[64];

static void put(const char *dir, const char *name, const char *text, size_t n) {
        char path[128];
        int fd;

        snprintf(path, sizeof(path), "%s/%s", root, dir);
        fd = open(path, O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(pg_fake_put(fd, name, text, n), 0);
        close(fd);
}

/* A one-thread process pid named comm with the given io read_bytes and
 * utime ticks, in the kernel's formats (rewritten in place if there). */
static void make_proc(int pid, const char *comm, unsigned long long read_bytes,
                      unsigned long long utime) {
        struct pg_fake_proc p = {.task = {.pid = pid,
                                          .ppid = 1,
                                          .comm = comm,
                                          .utime = utime,
                                          .start = 100,
                                          .vsize = 4096,
                                          .rss = 1,
                                          .vol = 1,
                                          .nonvol = 1},
                                 .read_bytes = read_bytes};
        int fd = open(root, O_DIRECTORY | O_CLOEXEC);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(pg_fake_proc_write(fd, &p), 0);
        close(fd);
}

static void tree_setup(void) {
        snprintf(root, sizeof(root), "/tmp/pg-regress-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(root));
        put("", "stat", "btime 1700000000\n", 17);
}

static void tree_teardown(void) {
        ck_assert_int_eq(pg_fake_rm_rf(root), 0);
}

static struct pg_tracker *tracker(void) {
        struct pg_track_opts opts = PG_TRACK_OPTS_DEFAULT;
        struct pg_source *src;
        struct pg_rules *rules;
        struct pg_tracker *t;

        ck_assert_int_eq(pg_source_new(root, &src), 0);
        pg_source_procfs_mut(src)->ticks = 100;
        pg_source_procfs_mut(src)->page_size = 4096;
        ck_assert_int_eq(pg_rules_new_default(&rules), 0);
        ck_assert_int_eq(pg_tracker_new(src, rules, &opts, &t), 0);
        return t;
}

static const struct pg_group *group(const struct pg_tracker *t, const char *name) {
        const struct pg_group *const *gs;
        size_t n = pg_tracker_groups(t, &gs);

        for (size_t i = 0; i < n; i++)
                if (strcmp(gs[i]->name, name) == 0)
                        return gs[i];
        ck_abort_msg("no group %s", name);
        return NULL;
}

/* fuzz_scan: two members near 2^63 summed past 2^64 wrapped the group's
 * read_bytes (and cpu), which then read as a counter going back. Sums now
 * stop at 2^64-1 and stay there. */
START_TEST(group_sum_saturates) {
        const unsigned long long big = (1ull << 63) + 1;
        struct pg_tracker *t;
        const struct pg_group *g;

        make_proc(10, "big", big, big);
        make_proc(11, "big", big, big);
        t = tracker();
        ck_assert_int_eq(pg_tracker_scan(t), 0);
        g = group(t, "big");
        ck_assert_uint_eq(g->procs, 2);
        ck_assert_uint_eq(g->counts.v[PG_READ_BYTES], UINT64_MAX);
        ck_assert_uint_eq(g->counts.v[PG_CPU_USER], UINT64_MAX);
        /* A member grows: still the maximum, never lower. */
        make_proc(11, "big", big + 5, big + 5);
        ck_assert_int_eq(pg_tracker_scan(t), 0);
        g = group(t, "big");
        ck_assert_uint_eq(g->counts.v[PG_READ_BYTES], UINT64_MAX);
        ck_assert_uint_eq(g->counts.v[PG_CPU_USER], UINT64_MAX);
        pg_tracker_free(t);
}
END_TEST

/* soak: an exiting process's limits reads empty (the kernel cannot lock
 * its signal handlers any more) and was a hard error, "limits: Bad
 * message". It is a process that vanished. */
START_TEST(empty_limits_is_vanished) {
        struct pg_tracker *t;
        const struct pg_track_stats *st;

        make_proc(10, "dying", 0, 1);
        put("10", "limits", "", 0);
        make_proc(11, "alive", 0, 1);
        t = tracker();
        ck_assert_int_eq(pg_tracker_scan(t), 0);
        st = pg_tracker_stats(t);
        ck_assert_uint_eq(st->hard_errors, 0);
        ck_assert_uint_eq(st->vanished, 1);
        ck_assert_uint_eq(group(t, "alive")->procs, 1);
        pg_tracker_free(t);
}
END_TEST

/* The same for the per-thread-name sums, which go through pg_counts_add. */
START_TEST(counts_add_saturates) {
        struct pg_counts a = {{0}}, b = {{0}};

        a.v[PG_CTX_VOLUNTARY] = UINT64_MAX - 1;
        b.v[PG_CTX_VOLUNTARY] = 5;
        a.v[PG_READ_BYTES] = 7;
        b.v[PG_READ_BYTES] = 8;
        pg_counts_add(&a, &b);
        ck_assert_uint_eq(a.v[PG_CTX_VOLUNTARY], UINT64_MAX);
        ck_assert_uint_eq(a.v[PG_READ_BYTES], 15);
}
END_TEST

Suite *pg_test_suite(void) {
        Suite *s = suite_create("regress");
        TCase *tc = tcase_create("saturation");

        tcase_add_checked_fixture(tc, tree_setup, tree_teardown);
        tcase_add_test(tc, group_sum_saturates);
        tcase_add_test(tc, counts_add_saturates);
        tcase_add_test(tc, empty_limits_is_vanished);
        suite_add_tcase(s, tc);
        return s;
}
