/* SPDX-License-Identifier: MIT */
/* The faces' shared set-up (common/setup.c): "auto" kept files resolved in
 * one place, callbacks set, and the ownership its header promises when a
 * step fails: the rules and the source are freed, *ret is untouched.
 *
 * The program is linked with -Wl,--wrap for the allocator, so every call
 * our code (common/, linked in statically) makes is counted as a live
 * block, and any one of them can be made to fail; libc and PCRE2 are
 * shared objects and keep theirs. The default rule compiles no regex, so
 * every block the set-up makes or frees passes through the counters. */
#include "config.h"

#include "tests/check_main.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/match.h"
#include "common/setup.h"
#include "common/track.h"

static long live;            /* blocks allocated and not freed */
static unsigned long calls;  /* allocation calls since the last arm() */
static unsigned long fail_n; /* the fail_n-th call fails; 0: none */

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
void __wrap_free(void *p);

/* Whether this allocation call is the one armed to fail. */
static int failing(void) {
        return ++calls == fail_n;
}

/* A new block (p not NULL) counts as live. */
static void *counted(void *p) {
        if (p)
                live++;
        return p;
}

void *__wrap_malloc(size_t n) {
        return failing() ? NULL : counted(__real_malloc(n));
}

void *__wrap_calloc(size_t k, size_t n) {
        return failing() ? NULL : counted(__real_calloc(k, n));
}

void *__wrap_realloc(void *p, size_t n) {
        void *q;

        if (failing())
                return NULL;
        q = __real_realloc(p, n);
        /* Growing NULL makes a block; moving one does not. */
        return p ? q : counted(q);
}

char *__wrap_strdup(const char *s) {
        return failing() ? NULL : counted(__real_strdup(s));
}

char *__wrap_strndup(const char *s, size_t n) {
        return failing() ? NULL : counted(__real_strndup(s, n));
}

void __wrap_free(void *p) {
        if (p)
                live--;
        __real_free(p);
}

/* From now on, the n-th allocation call fails (0: none does). */
static void arm(unsigned long n) {
        calls = 0;
        fail_n = n;
}

struct seen {
        int errors;
        pid_t pid;
        char file[32];
};

static void on_error(void *ctx, pid_t pid, const char *file, int err) {
        struct seen *s = ctx;

        (void)err;
        s->errors++;
        s->pid = pid;
        snprintf(s->file, sizeof(s->file), "%s", file);
}

START_TEST(auto_resolved_once) {
        ck_assert_int_eq(pg_setup_kept_fds(0, true), pg_kept_fds_auto(true));
        ck_assert_int_eq(pg_setup_kept_fds(0, false), pg_kept_fds_auto(false));
        ck_assert_int_eq(pg_setup_kept_fds(-1, true), -1);
        ck_assert_int_eq(pg_setup_kept_fds(-1, false), -1);
        ck_assert_int_eq(pg_setup_kept_fds(77, true), 77);
        ck_assert_int_eq(pg_setup_kept_fds(77, false), 77);
}
END_TEST

/* A root that cannot be opened: the rules handed over are freed, *ret is
 * untouched, the step says the root, and fd 0 (whatever the face has
 * there) is left open. */
static void bad_root(const char *root, int want) {
        struct pg_setup s = {.procfs = root, .opts = PG_TRACK_OPTS_DEFAULT};
        struct pg_tracker *sentinel = (struct pg_tracker *)&s, *t = sentinel;
        enum pg_setup_step step = PG_SETUP_TRACKER;
        struct pg_rules *rules;
        long before = live;

        if (fcntl(0, F_GETFD) < 0)
                ck_assert_int_eq(dup2(open("/dev/null", O_RDONLY), 0), 0);
        ck_assert_int_eq(pg_rules_new_default(&rules), 0);
        ck_assert_int_gt(live, before);
        ck_assert_int_eq(pg_setup_tracker(&s, rules, &t, &step), want);
        ck_assert_int_eq(step, PG_SETUP_ROOT);
        ck_assert_ptr_eq(t, sentinel);
        ck_assert_int_eq(live, before);
        ck_assert_int_ge(fcntl(0, F_GETFD), 0);
}

START_TEST(bad_root_frees_rules) {
        bad_root(SAMPLE_PROC "/does-not-exist", -ENOENT);
        bad_root(SAMPLE_PROC "/README", -ENOTDIR);
        bad_root(SAMPLE_PROC "/nobtime", -EBADMSG);
}
END_TEST

/* Every allocation of the set-up made to fail in turn, the source's and
 * the tracker's: each failure leaves nothing behind, and the last run
 * succeeds. */
START_TEST(every_failure_frees_all) {
        struct pg_setup s = {.procfs = SAMPLE_PROC "/basic", .opts = PG_TRACK_OPTS_DEFAULT};
        int root_fails = 0, tracker_fails = 0;
        unsigned long n;

        for (n = 1; n < 1000; n++) {
                enum pg_setup_step step;
                struct pg_rules *rules;
                struct pg_tracker *t = NULL;
                long before = live;
                int r;

                ck_assert_int_eq(pg_rules_new_default(&rules), 0);
                arm(n);
                r = pg_setup_tracker(&s, rules, &t, &step);
                arm(0);
                if (r == 0) {
                        pg_tracker_free(t);
                        ck_assert_int_eq(live, before);
                        break;
                }
                ck_assert_int_eq(r, -ENOMEM);
                ck_assert_ptr_null(t);
                ck_assert_int_eq(live, before);
                if (step == PG_SETUP_ROOT)
                        root_fails++;
                else
                        tracker_fails++;
        }
        ck_assert_uint_lt(n, 1000);
        ck_assert_int_gt(root_fails, 0);
        ck_assert_int_gt(tracker_fails, 0);
}
END_TEST

/* A tracker from the set-up tells its hard errors to the face: basic/ has
 * one, pid 122's truncated stat (sample-proc/README). */
START_TEST(callbacks_set) {
        struct seen seen = {0};
        struct pg_setup s = {.procfs = SAMPLE_PROC "/basic",
                             .opts = PG_TRACK_OPTS_DEFAULT,
                             .own_process = true,
                             .error_fn = on_error,
                             .error_ctx = &seen};
        struct pg_rules *rules;
        struct pg_tracker *t;

        ck_assert_int_eq(pg_rules_new_default(&rules), 0);
        ck_assert_int_eq(pg_setup_tracker(&s, rules, &t, NULL), 0);
        ck_assert_int_eq(pg_tracker_scan(t), 0);
        ck_assert_int_eq(seen.errors, 1);
        ck_assert_int_eq(seen.pid, 122);
        ck_assert_str_eq(seen.file, "stat");
        pg_tracker_free(t);
}
END_TEST

Suite *pg_test_suite(void) {
        Suite *s = suite_create("setup");
        TCase *tc = tcase_create("kept_fds");

        tcase_add_test(tc, auto_resolved_once);
        suite_add_tcase(s, tc);
        tc = tcase_create("ownership");
        tcase_add_test(tc, bad_root_frees_rules);
        tcase_add_test(tc, every_failure_frees_all);
        suite_add_tcase(s, tc);
        tc = tcase_create("callbacks");
        tcase_add_test(tc, callbacks_set);
        suite_add_tcase(s, tc);
        return s;
}
