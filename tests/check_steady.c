/* SPDX-License-Identifier: MIT */
/* "A steady-state scan does no heap allocation". The program is
 * linked with -Wl,--wrap for malloc, calloc, realloc and strdup, so every
 * call our code (common/, linked in statically) makes goes through the
 * counters below; libc and PCRE2 are shared objects and keep theirs. A
 * scan after the warm-up ones, over an unchanged tree, must make none. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/check_main.h"
#include "common/match.h"
#include "common/proc.h"
#include "common/track.h"

static unsigned long allocs;

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);

void *__wrap_malloc(size_t n) {
        allocs++;
        return __real_malloc(n);
}

void *__wrap_calloc(size_t k, size_t n) {
        allocs++;
        return __real_calloc(k, n);
}

void *__wrap_realloc(void *p, size_t n) {
        allocs++;
        return __real_realloc(p, n);
}

char *__wrap_strdup(const char *s) {
        allocs++;
        return __real_strdup(s);
}

/* Scans of tree with opts: the first ones may allocate (first sight,
 * tables, names), the later ones must not. */
static void steady(const char *tree, const struct pg_track_opts *opts) {
        struct pg_source *src;
        struct pg_rules *rules;
        struct pg_tracker *t;
        unsigned long before, counted;
        int failed = 0;

        ck_assert_int_eq(pg_source_new(tree, &src), 0);
        ck_assert_int_eq(pg_rules_new_default(&rules), 0);
        ck_assert_int_eq(pg_tracker_new(src, rules, opts, &t), 0);
        for (int i = 0; i < 3; i++)
                ck_assert_int_eq(pg_tracker_scan(t), 0);
        ck_assert_uint_gt(allocs, 0); /* the counters do count */
        /* No ck_assert in the window: libcheck (linked statically on
         * Debian) allocates to record where an assertion is. */
        before = allocs;
        for (int i = 0; i < 20; i++)
                failed += pg_tracker_scan(t) != 0;
        counted = allocs - before;
        ck_assert_int_eq(failed, 0);
        ck_assert_uint_eq(counted, 0);
        ck_assert_uint_gt(pg_tracker_stats(t)->procs, 0);
        pg_tracker_free(t);
}

START_TEST(steady_scan_allocates_nothing) {
        struct pg_track_opts opts = PG_TRACK_OPTS_DEFAULT;

        /* Threads, wchan, thread names, a malformed process (a hard error
         * every scan), children: the basic tree has them all. */
        steady(SAMPLE_PROC "/basic", &opts);
        opts.threads = false;
        opts.smaps = true;
        steady(SAMPLE_PROC "/basic", &opts);
        /* Hostile names: escapes and truncation in the name paths. */
        opts = (struct pg_track_opts)PG_TRACK_OPTS_DEFAULT;
        steady(SAMPLE_PROC "/hostile", &opts);
}
END_TEST

Suite *pg_test_suite(void) {
        Suite *s = suite_create("steady");
        TCase *tc = tcase_create("alloc");

        tcase_add_test(tc, steady_scan_allocates_nothing);
        suite_add_tcase(s, tc);
        return s;
}
