/* SPDX-License-Identifier: MIT */
/* Unit tests of the pure /proc parsers (common/parse.c) and of the exact
 * number and string output (common/format.c), on string literals. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/check_main.h"
#include "common/format.h"
#include "common/parse.h"

#define LIT(s) s, sizeof(s) - 1

/* A realistic stat line of a normal process (proc(5) fields 1..52). */
#define STAT_TAIL                                                                                  \
        " 20 0 1 0 43784 3133440 393 18446744073709551615 94115011342336 94115011362217 "          \
        "140729836014544 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 94115011378224 94115011379840 "          \
        "94115662225408 140729836022396 140729836022416 140729836022416 140729836023787 0\n"

static int parse_stat_str(const char *s, struct pg_stat *st) {
        return pg_parse_stat(s, strlen(s), st);
}

/* --- u64 --- */

START_TEST(u64_limits) {
        const char *s, *end;
        uint64_t v;

        s = "18446744073709551615 rest";
        end = s + strlen(s);
        ck_assert_int_eq(pg_parse_u64(&s, end, &v), 0);
        ck_assert(v == UINT64_MAX);
        ck_assert_str_eq(s, " rest");

        s = "18446744073709551616";
        end = s + strlen(s);
        ck_assert_int_eq(pg_parse_u64(&s, end, &v), -EBADMSG);
        s = "99999999999999999999";
        end = s + strlen(s);
        ck_assert_int_eq(pg_parse_u64(&s, end, &v), -EBADMSG);
        s = "-1";
        end = s + strlen(s);
        ck_assert_int_eq(pg_parse_u64(&s, end, &v), -EBADMSG);
        s = "";
        ck_assert_int_eq(pg_parse_u64(&s, s, &v), -EBADMSG);
        /* The end bound is honoured even when the digits go on. */
        s = "12345";
        end = s + 3;
        ck_assert_int_eq(pg_parse_u64(&s, end, &v), 0);
        ck_assert_uint_eq(v, 123);
}
END_TEST

/* --- stat --- */

START_TEST(stat_normal) {
        struct pg_stat st;

        ck_assert_int_eq(parse_stat_str("12024 (cat) R 10141 10141 9716 0 -1 4194304 100 7 2 1 "
                                        "15 4 6 3" STAT_TAIL,
                                        &st),
                         0);
        ck_assert_str_eq(st.comm, "cat");
        ck_assert_int_eq(st.state, 'R');
        ck_assert_int_eq(st.ppid, 10141);
        ck_assert_uint_eq(st.minflt, 100);
        ck_assert_uint_eq(st.cminflt, 7);
        ck_assert_uint_eq(st.majflt, 2);
        ck_assert_uint_eq(st.cmajflt, 1);
        ck_assert_uint_eq(st.utime, 15);
        ck_assert_uint_eq(st.stime, 4);
        ck_assert_uint_eq(st.cutime, 6);
        ck_assert_uint_eq(st.cstime, 3);
        ck_assert_uint_eq(st.num_threads, 1);
        ck_assert_uint_eq(st.starttime, 43784);
        ck_assert_uint_eq(st.vsize, 3133440);
        ck_assert_uint_eq(st.rss, 393);
}
END_TEST

START_TEST(stat_hostile_comm) {
        struct pg_stat st;

        /* comm runs to the LAST ')': "a) (b) c". */
        ck_assert_int_eq(
            parse_stat_str("1 (a) (b) c) S 0 1 1 0 -1 4194560 5 0 0 0 1 2 0 0" STAT_TAIL, &st), 0);
        ck_assert_str_eq(st.comm, "a) (b) c");
        ck_assert_int_eq(st.state, 'S');
        ck_assert_int_eq(st.ppid, 0);
        ck_assert_uint_eq(st.minflt, 5);
        ck_assert_uint_eq(st.utime, 1);
        ck_assert_uint_eq(st.stime, 2);

        /* A comm that looks like the start of the fields. */
        ck_assert_int_eq(
            parse_stat_str("7 () S 1 2 3) R 3 1 1 0 -1 0 9 0 0 0 0 0 0 0" STAT_TAIL, &st), 0);
        ck_assert_str_eq(st.comm, ") S 1 2 3");
        ck_assert_int_eq(st.state, 'R');
        ck_assert_int_eq(st.ppid, 3);
        ck_assert_uint_eq(st.minflt, 9);

        /* An empty comm. */
        ck_assert_int_eq(parse_stat_str("8 () S 1 2 3 0 -1 0 9 0 0 0 0 0 0 0" STAT_TAIL, &st), 0);
        ck_assert_str_eq(st.comm, "");
}
END_TEST

START_TEST(stat_newline_in_comm) {
        struct pg_stat st;

        ck_assert_int_eq(
            parse_stat_str("102 (new\nline) S 100 1 1 0 -1 0 11 0 0 0 0 0 0 0" STAT_TAIL, &st), 0);
        ck_assert_str_eq(st.comm, "new\nline");
        ck_assert_int_eq(st.ppid, 100);
        ck_assert_uint_eq(st.minflt, 11);
}
END_TEST

START_TEST(stat_long_comm) {
        char line[512], comm[100];
        struct pg_stat st;

        memset(comm, 'x', 80);
        comm[80] = '\0';
        snprintf(line, sizeof(line), "5 (%s) I 2 0 0 0 -1 0 0 0 0 0 0 42 0 0" STAT_TAIL, comm);
        ck_assert_int_eq(parse_stat_str(line, &st), 0);
        /* Truncated to PG_COMM_MAX - 1 bytes, still NUL-terminated. */
        ck_assert_uint_eq(strlen(st.comm), PG_COMM_MAX - 1);
        ck_assert_int_eq(memcmp(st.comm, comm, PG_COMM_MAX - 1), 0);
        ck_assert_int_eq(st.state, 'I');
        ck_assert_uint_eq(st.stime, 42);
}
END_TEST

START_TEST(stat_big_counters) {
        struct pg_stat st;

        ck_assert_int_eq(parse_stat_str("123 (huge) S 1 1 1 0 -1 0 18446744073709551615 0 "
                                        "9007199254740993 0 9007199254740993 18446744073709551615"
                                        " 0 0 20 0 1 0 9007199254740993 18446744073709551615 1000"
                                        " 18446744073709551615 0\n",
                                        &st),
                         0);
        ck_assert(st.minflt == UINT64_MAX);
        ck_assert(st.majflt == 9007199254740993ull);
        ck_assert(st.utime == 9007199254740993ull);
        ck_assert(st.stime == UINT64_MAX);
        ck_assert(st.starttime == 9007199254740993ull);
        ck_assert(st.vsize == UINT64_MAX);
        /* 2^64 in a counter is malformed, not wrapped. */
        ck_assert_int_eq(parse_stat_str("123 (huge) S 1 1 1 0 -1 0 18446744073709551616 0 0 0 0 0"
                                        " 0 0 20 0 1 0 5 6 7\n",
                                        &st),
                         -EBADMSG);
}
END_TEST

START_TEST(stat_negative_signed) {
        struct pg_stat st;

        /* cutime, cstime and rss are "%ld": negative reads as 0. */
        ck_assert_int_eq(parse_stat_str("9 (n) S 1 1 1 0 -1 0 1 0 0 0 5 6 -3 -4 20 0 1 0 77 4096"
                                        " -12 18446744073709551615 0\n",
                                        &st),
                         0);
        ck_assert_uint_eq(st.cutime, 0);
        ck_assert_uint_eq(st.cstime, 0);
        ck_assert_uint_eq(st.rss, 0);
        ck_assert_uint_eq(st.utime, 5);
        ck_assert_uint_eq(st.starttime, 77);
        /* A lone '-' is not a number. */
        ck_assert_int_eq(
            parse_stat_str("9 (n) S 1 1 1 0 -1 0 1 0 0 0 5 6 - 0 20 0 1 0 77 4096 1 0\n", &st),
            -EBADMSG);
        /* Negative in an unsigned field is malformed. */
        ck_assert_int_eq(
            parse_stat_str("9 (n) S 1 1 1 0 -1 0 -1 0 0 0 5 6 0 0 20 0 1 0 77 4096 1 0\n", &st),
            -EBADMSG);
}
END_TEST

START_TEST(stat_truncated) {
        static const char *bad[] = {
            "",
            "122",
            "122 ",
            "122 (trunc",
            "122 (trunc)",
            "122 (trunc) ",
            "122 (trunc) S",
            "122 (trunc) S ",
            "122 (trunc) S 1 122 122 0 -1 4194560 12 0 0\n",
            /* rss (24) missing */
            "9 (n) S 1 1 1 0 -1 0 1 0 0 0 5 6 0 0 20 0 1 0 77 4096\n",
            "9 (n) S 1 1 1 0 -1 0 1 0 0 0 5 6 0 0 20 0 1 0 77 4096 \n",
            /* a missing field: two spaces */
            "9 (n) S 1 1 1 0 -1 0 1  0 0 5 6 0 0 20 0 1 0 77 4096 1 0\n",
            /* no space before '(' or after ')' */
            "9(n) S 1 1 1 0 -1 0 1 0 0 0 5 6 0 0 20 0 1 0 77 4096 1 0\n",
            "9 (n)S 1 1 1 0 -1 0 1 0 0 0 5 6 0 0 20 0 1 0 77 4096 1 0\n",
            /* not a number where one is used */
            "9 (n) S 1 1 1 0 -1 0 x 0 0 0 5 6 0 0 20 0 1 0 77 4096 1 0\n",
            "x (n) S 1 1 1 0 -1 0 1 0 0 0 5 6 0 0 20 0 1 0 77 4096 1 0\n",
            /* ppid beyond pid_t */
            "9 (n) S 4294967296 1 1 0 -1 0 1 0 0 0 5 6 0 0 20 0 1 0 77 4096 1 0\n",
        };
        struct pg_stat st;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                ck_assert_msg(parse_stat_str(bad[i], &st) == -EBADMSG, "accepted: \"%s\"", bad[i]);
        /* The length bounds the parse even when the buffer goes on. */
        {
                static const char full[] =
                    "9 (n) S 1 1 1 0 -1 0 1 0 0 0 5 6 0 0 20 0 1 0 77 4096 1 0";
                ck_assert_int_eq(pg_parse_stat(full, sizeof(full) - 1, &st), 0);
                ck_assert_int_eq(pg_parse_stat(full, sizeof(full) - 5, &st), -EBADMSG);
        }
}
END_TEST

/* --- status --- */

static const char status_full[] = "Name:\tcat\nUmask:\t0022\nState:\tR (running)\nTgid:\t12021\n"
                                  "Ngid:\t0\nPid:\t12021\nPPid:\t10141\nTracerPid:\t0\n"
                                  "Uid:\t1000\t1001\t1002\t1003\nGid:\t0\t0\t0\t0\n"
                                  "FDSize:\t256\nGroups:\t \nVmPeak:\t    3060 kB\n"
                                  "VmSize:\t    3060 kB\nVmRSS:\t    1672 kB\n"
                                  "VmSwap:\t     123 kB\nHugetlbPages:\t       0 kB\n"
                                  "Threads:\t1\nvoluntary_ctxt_switches:\t18446744073709551615\n"
                                  "nonvoluntary_ctxt_switches:\t4\n";

START_TEST(status_normal) {
        struct pg_status ss;

        ck_assert_int_eq(pg_parse_status(LIT(status_full), &ss), 0);
        ck_assert_uint_eq(ss.euid, 1001);
        ck_assert_uint_eq(ss.vm_swap_kb, 123);
        ck_assert(ss.ctx_voluntary == UINT64_MAX);
        ck_assert_uint_eq(ss.ctx_involuntary, 4);
        /* Without its final newline too. */
        ck_assert_int_eq(pg_parse_status(status_full, sizeof(status_full) - 2, &ss), 0);
        ck_assert_uint_eq(ss.ctx_involuntary, 4);
}
END_TEST

START_TEST(status_zombie) {
        /* Zombies and kernel threads have no Vm lines: swap reads 0. */
        static const char z[] = "Name:\tsleep\nState:\tZ (zombie)\nTgid:\t12978\nPid:\t12978\n"
                                "PPid:\t12976\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"
                                "FDSize:\t0\nThreads:\t1\nvoluntary_ctxt_switches:\t2\n"
                                "nonvoluntary_ctxt_switches:\t0\n";
        struct pg_status ss;

        memset(&ss, 0xff, sizeof(ss));
        ck_assert_int_eq(pg_parse_status(LIT(z), &ss), 0);
        ck_assert_uint_eq(ss.euid, 0);
        ck_assert_uint_eq(ss.vm_swap_kb, 0);
        ck_assert_uint_eq(ss.vm_data_kb, 0);
        ck_assert_uint_eq(ss.vm_exe_kb, 0);
        ck_assert_uint_eq(ss.vm_lib_kb, 0);
        ck_assert_uint_eq(ss.vm_stk_kb, 0);
        ck_assert_uint_eq(ss.ctx_voluntary, 2);
        ck_assert_uint_eq(ss.ctx_involuntary, 0);
}
END_TEST

/* The Vm* lines behind collectd's ps_data, ps_code and ps_stacksize; the
 * others (VmPeak, VmRSS, VmPTE...) are skipped, a bad number is not. */
START_TEST(status_vm_lines) {
        static const char s[] = "Uid:\t0\t0\t0\t0\nVmPeak:\t   10240 kB\nVmData:\t     360 kB\n"
                                "VmStk:\t     132 kB\nVmExe:\t      20 kB\nVmLib:\t    1528 kB\n"
                                "VmPTE:\t      44 kB\nVmSwap:\t      12 kB\n"
                                "voluntary_ctxt_switches:\t1\nnonvoluntary_ctxt_switches:\t0\n";
        static const char bad[] = "Uid:\t0\t0\t0\t0\nVmStk:\t     - kB\n"
                                  "voluntary_ctxt_switches:\t1\nnonvoluntary_ctxt_switches:\t0\n";
        struct pg_status ss;

        ck_assert_int_eq(pg_parse_status(LIT(s), &ss), 0);
        ck_assert_uint_eq(ss.vm_data_kb, 360);
        ck_assert_uint_eq(ss.vm_stk_kb, 132);
        ck_assert_uint_eq(ss.vm_exe_kb, 20);
        ck_assert_uint_eq(ss.vm_lib_kb, 1528);
        ck_assert_uint_eq(ss.vm_swap_kb, 12);
        ck_assert_int_eq(pg_parse_status(LIT(bad), &ss), -EBADMSG);
}
END_TEST

/* maps: one mapping a line; a piece without a final newline counts the
 * lines it ends, so that pieces add up. */
START_TEST(count_lines_cases) {
        static const char a[] = "1-2 r-xp 0 08:02 1 /bin/x\n3-4 rw-p 0 00:00 0 [heap]\n5-6";
        static const char b[] = " rw-p 0 00:00 0 [stack]\n";
        uint64_t n = 0;

        pg_count_lines(LIT(a), &n);
        ck_assert_uint_eq(n, 2);
        pg_count_lines(LIT(b), &n);
        ck_assert_uint_eq(n, 3);
        pg_count_lines("", 0, &n);
        ck_assert_uint_eq(n, 3);
}
END_TEST

START_TEST(status_malformed) {
        static const char *bad[] = {
            "",
            /* no ctxt lines */
            "Name:\tx\nUid:\t0\t0\t0\t0\n",
            /* no nonvoluntary line */
            "Uid:\t0\t0\t0\t0\nvoluntary_ctxt_switches:\t1\n",
            /* no Uid */
            "voluntary_ctxt_switches:\t1\nnonvoluntary_ctxt_switches:\t1\n",
            /* Uid with one column */
            "Uid:\t0\nvoluntary_ctxt_switches:\t1\nnonvoluntary_ctxt_switches:\t1\n",
            /* euid beyond uid_t */
            "Uid:\t0\t4294967296\t0\t0\nvoluntary_ctxt_switches:\t1\n"
            "nonvoluntary_ctxt_switches:\t1\n",
            /* a value that is no number */
            "Uid:\t0\t0\t0\t0\nvoluntary_ctxt_switches:\tx\nnonvoluntary_ctxt_switches:\t1\n",
            "Uid:\t0\t0\t0\t0\nVmSwap:\t  kB\nvoluntary_ctxt_switches:\t1\n"
            "nonvoluntary_ctxt_switches:\t1\n",
            /* 2^64 */
            "Uid:\t0\t0\t0\t0\nvoluntary_ctxt_switches:\t18446744073709551616\n"
            "nonvoluntary_ctxt_switches:\t1\n",
        };
        struct pg_status ss;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                ck_assert_msg(pg_parse_status(bad[i], strlen(bad[i]), &ss) == -EBADMSG,
                              "accepted: \"%s\"", bad[i]);
        /* A key that only starts like one we use is not it. */
        {
                static const char s[] = "Uid:\t0\t7\t0\t0\nvoluntary_ctxt_switches_x:\t5\n"
                                        "voluntary_ctxt_switches:\t1\n"
                                        "nonvoluntary_ctxt_switches:\t2\n";
                ck_assert_int_eq(pg_parse_status(LIT(s), &ss), 0);
                ck_assert_uint_eq(ss.euid, 7);
                ck_assert_uint_eq(ss.ctx_voluntary, 1);
        }
}
END_TEST

/* --- io --- */

START_TEST(io_cases) {
        static const char full[] = "rchar: 6976\nwchar: 0\nsyscr: 10\nsyscw: 0\n"
                                   "read_bytes: 4096\nwrite_bytes: 18446744073709551615\n"
                                   "cancelled_write_bytes: 0\n";
        static const char no_write[] = "rchar: 6976\nwchar: 0\nsyscr: 10\nsyscw: 0\n"
                                       "read_bytes: 4096\ncancelled_write_bytes: 0\n";
        static const char bad_num[] = "read_bytes: 4096\nwrite_bytes: lots\n";
        struct pg_io io;

        ck_assert_int_eq(pg_parse_io(LIT(full), &io), 0);
        ck_assert_uint_eq(io.read_bytes, 4096);
        ck_assert(io.write_bytes == UINT64_MAX);
        ck_assert_uint_eq(io.rchar, 6976);
        ck_assert_uint_eq(io.wchar, 0);
        ck_assert_uint_eq(io.syscr, 10);
        ck_assert_uint_eq(io.syscw, 0);
        /* The two process-exporter reads are enough: the rest read 0. */
        {
                static const char two[] = "read_bytes: 5\nwrite_bytes: 6\n";
                ck_assert_int_eq(pg_parse_io(LIT(two), &io), 0);
                ck_assert_uint_eq(io.write_bytes, 6);
                ck_assert_uint_eq(io.rchar, 0);
                ck_assert_uint_eq(io.syscw, 0);
        }
        /* A bad optional figure is as bad as a bad mandatory one. */
        {
                static const char s[] = "rchar: x\nread_bytes: 5\nwrite_bytes: 6\n";
                ck_assert_int_eq(pg_parse_io(LIT(s), &io), -EBADMSG);
        }
        ck_assert_int_eq(pg_parse_io(LIT(no_write), &io), -EBADMSG);
        ck_assert_int_eq(pg_parse_io(LIT(bad_num), &io), -EBADMSG);
        ck_assert_int_eq(pg_parse_io("", 0, &io), -EBADMSG);
        /* "cancelled_write_bytes" is not "write_bytes". */
        {
                static const char s[] = "read_bytes: 1\ncancelled_write_bytes: 9\n";
                ck_assert_int_eq(pg_parse_io(LIT(s), &io), -EBADMSG);
        }
}
END_TEST

/* --- limits --- */

#define LIMITS_HEAD                                                                                \
        "Limit                     Soft Limit           Hard Limit           Units     \n"         \
        "Max cpu time              unlimited            unlimited            seconds   \n"         \
        "Max processes             96365                96365                processes \n"
#define LIMITS_TAIL                                                                                \
        "Max locked memory         8388608              8388608              bytes     \n"

START_TEST(limits_cases) {
        static const char num[] = LIMITS_HEAD "Max open files            20000                "
                                              "524288               files     \n" LIMITS_TAIL;
        static const char unl[] = LIMITS_HEAD "Max open files            unlimited            "
                                              "unlimited            files     \n" LIMITS_TAIL;
        static const char missing[] = LIMITS_HEAD LIMITS_TAIL;
        static const char garbage[] = LIMITS_HEAD
            "Max open files            lots                 lots                 files     \n";
        uint64_t v;

        ck_assert_int_eq(pg_parse_limits_nofile(LIT(num), &v), 0);
        ck_assert_uint_eq(v, 20000);
        ck_assert_int_eq(pg_parse_limits_nofile(LIT(unl), &v), 0);
        ck_assert(v == PG_UNLIMITED);
        ck_assert_int_eq(pg_parse_limits_nofile(LIT(missing), &v), -EBADMSG);
        ck_assert_int_eq(pg_parse_limits_nofile(LIT(garbage), &v), -EBADMSG);
        ck_assert_int_eq(pg_parse_limits_nofile("", 0, &v), -EBADMSG);
}
END_TEST

/* --- wchan --- */

START_TEST(wchan_cases) {
        char w[PG_WCHAN_MAX], longname[300];

        memset(w, 'q', sizeof(w));
        ck_assert_int_eq(pg_parse_wchan(LIT("0"), w), 0);
        ck_assert_str_eq(w, "");
        ck_assert_int_eq(pg_parse_wchan(LIT("0\n"), w), 0);
        ck_assert_str_eq(w, "");
        ck_assert_int_eq(pg_parse_wchan("", 0, w), 0);
        ck_assert_str_eq(w, "");
        ck_assert_int_eq(pg_parse_wchan(LIT("do_select"), w), 0);
        ck_assert_str_eq(w, "do_select");
        ck_assert_int_eq(pg_parse_wchan(LIT("io_schedule\n"), w), 0);
        ck_assert_str_eq(w, "io_schedule");
        /* "00" and "10" are symbols as far as we know, not "none". */
        ck_assert_int_eq(pg_parse_wchan(LIT("00"), w), 0);
        ck_assert_str_eq(w, "00");
        memset(longname, 'z', sizeof(longname));
        ck_assert_int_eq(pg_parse_wchan(longname, sizeof(longname), w), 0);
        ck_assert_uint_eq(strlen(w), PG_WCHAN_MAX - 1);
        ck_assert_int_eq(w[0], 'z');
}
END_TEST

/* --- cmdline --- */

START_TEST(cmdline_argc) {
        ck_assert_int_eq(pg_parse_cmdline_argc("", 0), 0);
        ck_assert_int_eq(pg_parse_cmdline_argc(LIT("\0")), 0);
        ck_assert_int_eq(pg_parse_cmdline_argc(LIT("\0\0\0")), 0);
        ck_assert_int_eq(pg_parse_cmdline_argc(LIT("/sbin/init\0")), 1);
        ck_assert_int_eq(pg_parse_cmdline_argc(LIT("/sbin/init")), 1);
        ck_assert_int_eq(pg_parse_cmdline_argc(LIT("/bin/sh\0-c\0echo hi")), 3);
        ck_assert_int_eq(pg_parse_cmdline_argc(LIT("/bin/sh\0-c\0echo hi\0")), 3);
        ck_assert_int_eq(pg_parse_cmdline_argc(LIT("prog\0arg\0\0\0\0")), 2);
        /* An empty argument in the middle stays. */
        ck_assert_int_eq(pg_parse_cmdline_argc(LIT("title\0\0arg\0\0\0\0")), 3);
        /* setproctitle() style: one argument with spaces. */
        ck_assert_int_eq(pg_parse_cmdline_argc(LIT("postgres: writer process   ")), 1);
}
END_TEST

/* --- schedstat, smaps_rollup, btime --- */

START_TEST(schedstat_cases) {
        struct pg_schedstat s;

        ck_assert_int_eq(pg_parse_schedstat(LIT("518568 64195 1\n"), &s), 0);
        ck_assert_uint_eq(s.run_ns, 518568);
        ck_assert_uint_eq(s.wait_ns, 64195);
        ck_assert_uint_eq(s.pcount, 1);
        ck_assert_int_eq(pg_parse_schedstat(LIT("18446744073709551615 0 7"), &s), 0);
        ck_assert(s.run_ns == UINT64_MAX);
        ck_assert_uint_eq(s.pcount, 7);
        ck_assert_int_eq(pg_parse_schedstat(LIT("518568 64195\n"), &s), -EBADMSG);
        ck_assert_int_eq(pg_parse_schedstat(LIT("518568\n"), &s), -EBADMSG);
        ck_assert_int_eq(pg_parse_schedstat("", 0, &s), -EBADMSG);
        ck_assert_int_eq(pg_parse_schedstat(LIT("18446744073709551616 1 1\n"), &s), -EBADMSG);
}
END_TEST

START_TEST(smaps_cases) {
        static const char full[] = "55d1c8a3e000-7ffd2d5fe000 ---p 00000000 00:00 0     [rollup]\n"
                                   "Rss:                1024 kB\nPss:                 800 kB\n"
                                   "Pss_Dirty:           100 kB\nPss_Anon:            100 kB\n"
                                   "Swap:                 12 kB\nSwapPss:               11 kB\n"
                                   "Locked:                0 kB\n";
        static const char noswap[] = "Rss:                1024 kB\nPss:                 800 kB\n";
        static const char bad[] = "Pss:                 lots kB\n";
        struct pg_smaps s;

        ck_assert_int_eq(pg_parse_smaps_rollup(LIT(full), &s), 0);
        ck_assert_uint_eq(s.pss_kb, 800);
        ck_assert_uint_eq(s.swap_pss_kb, 11);
        ck_assert_int_eq(pg_parse_smaps_rollup(LIT(noswap), &s), 0);
        ck_assert_uint_eq(s.pss_kb, 800);
        ck_assert_uint_eq(s.swap_pss_kb, 0);
        ck_assert_int_eq(pg_parse_smaps_rollup(LIT(bad), &s), -EBADMSG);
}
END_TEST

START_TEST(btime_cases) {
        static const char stat[] = "cpu  3009 0 2886 80191 937 0 37 169 0 0\n"
                                   "intr 1285163 0 9 0\nctxt 2533961\nbtime 1795773573\n"
                                   "processes 13021\n";
        uint64_t v;

        ck_assert_int_eq(pg_parse_btime(LIT(stat), &v), 0);
        ck_assert_uint_eq(v, 1795773573);
        ck_assert_int_eq(pg_parse_btime(LIT("btime 1700000000"), &v), 0);
        ck_assert_uint_eq(v, 1700000000);
        ck_assert_int_eq(pg_parse_btime(LIT("cpu 1 2 3\nctxt 5\n"), &v), -EBADMSG);
        ck_assert_int_eq(pg_parse_btime(LIT("btime \n"), &v), -EBADMSG);
        ck_assert_int_eq(pg_parse_btime(LIT("btime x\n"), &v), -EBADMSG);
        ck_assert_int_eq(pg_parse_btime("", 0, &v), -EBADMSG);
}
END_TEST

/* --- output: exact ratios and JSON strings --- */

/* Collect what f writes into a NUL-terminated string (static buffer). */
static const char *out_str(struct pg_out *o) {
        static char buf[512];

        ck_assert_int_eq(o->err, 0);
        ck_assert_uint_lt(o->len, sizeof(buf));
        memcpy(buf, o->data ? o->data : "", o->len);
        buf[o->len] = '\0';
        return buf;
}

static const char *ratio(uint64_t num, uint64_t den) {
        struct pg_out o;
        const char *s;

        pg_out_init(&o, -1);
        pg_out_ratio(&o, num, den);
        s = out_str(&o);
        pg_out_free(&o);
        return s;
}

START_TEST(out_ratio) {
        ck_assert_str_eq(ratio(5, 100), "0.05");
        ck_assert_str_eq(ratio(150, 100), "1.5");
        ck_assert_str_eq(ratio(100, 100), "1");
        ck_assert_str_eq(ratio(0, 100), "0");
        ck_assert_str_eq(ratio(1, 3), "0.333333333");
        ck_assert_str_eq(ratio(2, 3), "0.666666667");
        ck_assert_str_eq(ratio(1, 250), "0.004");
        ck_assert_str_eq(ratio(7, 0), "0");
        /* Rounding that carries into the whole part. */
        ck_assert_str_eq(ratio(1999999999999ull, 1000000000000ull), "2");
        /* Above 2^53: exact, never through a double. */
        ck_assert_str_eq(ratio(9007199254740993ull, 100), "90071992547409.93");
        ck_assert_str_eq(ratio(UINT64_MAX, 100), "184467440737095516.15");
        ck_assert_str_eq(ratio(UINT64_MAX, 1), "18446744073709551615");
}
END_TEST

START_TEST(out_ints) {
        struct pg_out o;

        pg_out_init(&o, -1);
        pg_out_u64(&o, UINT64_MAX);
        pg_out_char(&o, ' ');
        pg_out_u64(&o, 0);
        pg_out_char(&o, ' ');
        pg_out_i64(&o, -1);
        pg_out_char(&o, ' ');
        pg_out_i64(&o, INT64_MIN);
        ck_assert_str_eq(out_str(&o), "18446744073709551615 0 -1 -9223372036854775808");
        pg_out_free(&o);
}
END_TEST

static const char *json_str(const char *s, size_t n) {
        struct pg_out o;
        const char *r;

        pg_out_init(&o, -1);
        pg_out_json_str(&o, s, n);
        r = out_str(&o);
        pg_out_free(&o);
        return r;
}

/* A minimal strict check of RFC 8259 string syntax: quotes around, no raw
 * control byte, only the escapes JSON has, and valid UTF-8 inside. */
static int is_json_string(const char *s) {
        const unsigned char *p = (const unsigned char *)s;
        size_t n = strlen(s);

        if (n < 2 || p[0] != '"' || p[n - 1] != '"')
                return 0;
        for (size_t i = 1; i < n - 1;) {
                if (p[i] < 0x20 || p[i] == '"')
                        return 0;
                if (p[i] == '\\') {
                        if (i + 1 >= n - 1)
                                return 0;
                        if (strchr("\"\\/bfnrt", p[i + 1]) && p[i + 1]) {
                                i += 2;
                                continue;
                        }
                        if (p[i + 1] != 'u' || i + 6 > n - 1)
                                return 0;
                        for (int k = 2; k < 6; k++)
                                if (!strchr("0123456789abcdefABCDEF", p[i + k]) || !p[i + k])
                                        return 0;
                        i += 6;
                        continue;
                }
                size_t l = pg_utf8_seq_len(p + i, n - 1 - i);
                if (l == 0)
                        return 0;
                i += l;
        }
        return 1;
}

START_TEST(out_json_str) {
        const char *r;

        ck_assert_str_eq(json_str(LIT("plain")), "\"plain\"");
        ck_assert_str_eq(json_str(LIT("a\"b\\c")), "\"a\\\"b\\\\c\"");
        ck_assert_str_eq(json_str(LIT("new\nline\ttab\x01\x1f\x7f")),
                         "\"new\\u000aline\\u0009tab\\u0001\\u001f\\u007f\"");
        /* A NUL inside the given length is escaped, not a terminator. */
        ck_assert_str_eq(json_str(LIT("a\0b")), "\"a\\u0000b\"");
        /* Valid UTF-8 passes through. */
        ck_assert_str_eq(json_str(LIT("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80")),
                         "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
        /* Invalid UTF-8: lone continuation, truncated sequence, overlong,
         * surrogate, beyond U+10FFFF, 0xff: each bad byte becomes U+FFFD. */
        ck_assert_str_eq(json_str(LIT("\x80")), "\"\\ufffd\"");
        ck_assert_str_eq(json_str(LIT("x\xc3")), "\"x\\ufffd\"");
        ck_assert_str_eq(json_str(LIT("\xc0\xaf")), "\"\\ufffd\\ufffd\"");
        ck_assert_str_eq(json_str(LIT("\xe0\x80\xaf")), "\"\\ufffd\\ufffd\\ufffd\"");
        ck_assert_str_eq(json_str(LIT("\xed\xa0\x80")), "\"\\ufffd\\ufffd\\ufffd\"");
        ck_assert_str_eq(json_str(LIT("\xf4\x90\x80\x80")), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
        ck_assert_str_eq(json_str(LIT("\xff")), "\"\\ufffd\"");
        /* A comm truncated in the middle of a character (stat_long_comm). */
        ck_assert_str_eq(json_str(LIT("ab\xe2\x82")), "\"ab\\ufffd\\ufffd\"");

        /* Every single byte, and every byte pair, gives a valid string. */
        for (int c = 0; c < 256; c++) {
                char b[2] = {(char)c, 'x'};
                r = json_str(b, 2);
                ck_assert_msg(is_json_string(r), "byte 0x%02x gives %s", c, r);
                for (int d = 0x80; d < 256; d += 7) {
                        char b2[3] = {(char)c, (char)d, (char)0xe2};
                        r = json_str(b2, 3);
                        ck_assert_msg(is_json_string(r), "bytes 0x%02x 0x%02x", c, d);
                }
        }
        /* The checker itself rejects raw control bytes and bad escapes. */
        ck_assert(!is_json_string("\"a\nb\""));
        ck_assert(!is_json_string("\"a\\xb\""));
        ck_assert(!is_json_string("\"\xff\""));
}
END_TEST

Suite *pg_test_suite(void) {
        const struct {
                const char *name;
                const TTest *test;
        } tests[] = {
            {"u64", u64_limits},
            {"stat_normal", stat_normal},
            {"stat_hostile_comm", stat_hostile_comm},
            {"stat_newline_in_comm", stat_newline_in_comm},
            {"stat_long_comm", stat_long_comm},
            {"stat_big_counters", stat_big_counters},
            {"stat_negative_signed", stat_negative_signed},
            {"stat_truncated", stat_truncated},
            {"status_normal", status_normal},
            {"status_zombie", status_zombie},
            {"status_malformed", status_malformed},
            {"status_vm_lines", status_vm_lines},
            {"io", io_cases},
            {"count_lines", count_lines_cases},
            {"limits", limits_cases},
            {"wchan", wchan_cases},
            {"cmdline", cmdline_argc},
            {"schedstat", schedstat_cases},
            {"smaps_rollup", smaps_cases},
            {"btime", btime_cases},
            {"out_ratio", out_ratio},
            {"out_ints", out_ints},
            {"out_json_str", out_json_str},
        };
        Suite *s = suite_create("parse");

        for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
                TCase *tc = tcase_create(tests[i].name);
                tcase_add_test(tc, tests[i].test);
                suite_add_tcase(s, tc);
        }
        return s;
}
