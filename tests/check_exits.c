/* SPDX-License-Identifier: MIT */
/* The exit listener (common/exits.h): the parser on netlink messages built
 * by hand, well-formed and hostile; then, on the live kernel, a child the
 * test starts is reported with its own CPU, and a listener in a new PID
 * namespace says it is unavailable and why. */
#include "config.h"

#include <check.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/taskstats.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/check_main.h"
#include "common/exits.h"

#define FAMILY 31
#define NREC   8

/* What the callback saw. */
struct seen {
        struct pg_exit_rec r[NREC];
        size_t n;
};

static void collect(void *ctx, const struct pg_exit_rec *rec) {
        struct seen *s = ctx;
        if (s->n < NREC)
                s->r[s->n] = *rec;
        s->n++;
}

/* A message as the kernel sends one, into buf; its length. */
static struct nlmsghdr *put_msg(char *buf, uint16_t type, uint8_t cmd) {
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
        struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

        nlh->nlmsg_type = type;
        g->cmd = cmd;
        g->version = 1;
        return nlh;
}

static struct taskstats stats(uint32_t pid, uint32_t tgid) {
        struct taskstats ts;

        memset(&ts, 0, sizeof(ts));
        ts.version = 16;
        ts.ac_pid = pid;
        ts.ac_tgid = tgid;
        ts.ac_ppid = 1;
        strcpy(ts.ac_comm, "cc1");
        ts.ac_btime = 1700000000;
        ts.ac_btime64 = 1700000000;
        ts.ac_utime = 28000;
        ts.ac_stime = 4000;
        ts.cpu_run_virtual_total = 30123456;
        ts.ac_minflt = 500;
        ts.ac_majflt = 2;
        ts.read_bytes = 4096;
        ts.write_bytes = 8192;
        ts.nvcsw = 3;
        ts.nivcsw = 4;
        ts.ac_exe_dev = 2049;
        ts.ac_exe_inode = 12345;
        return ts;
}

/* An AGGR_PID (or AGGR_TGID) nest with id and len bytes of ts. */
static void put_aggr(struct nlmsghdr *nlh, bool tgid, uint32_t id, const struct taskstats *ts,
                     size_t len) {
        struct nlattr *nest =
            mnl_attr_nest_start(nlh, tgid ? TASKSTATS_TYPE_AGGR_TGID : TASKSTATS_TYPE_AGGR_PID);

        mnl_attr_put_u32(nlh, tgid ? TASKSTATS_TYPE_TGID : TASKSTATS_TYPE_PID, id);
        mnl_attr_put(nlh, TASKSTATS_TYPE_NULL, 0, NULL); /* the kernel's padding */
        mnl_attr_put(nlh, TASKSTATS_TYPE_STATS, len, ts);
        mnl_attr_nest_end(nlh, nest);
}

static void parse(const void *buf, size_t len, struct seen *s, struct pg_exits_stats *st) {
        memset(s, 0, sizeof(*s));
        memset(st, 0, sizeof(*st));
        pg_exits_parse(FAMILY, buf, len, collect, s, st);
}

START_TEST(one_process) {
        static char buf[4096];
        struct nlmsghdr *nlh = put_msg(buf, FAMILY, TASKSTATS_CMD_NEW);
        struct taskstats ts = stats(4242, 4242);
        struct pg_exits_stats st;
        struct seen s;

        put_aggr(nlh, false, 4242, &ts, sizeof(ts));
        parse(buf, nlh->nlmsg_len, &s, &st);
        ck_assert_uint_eq(s.n, 1);
        ck_assert_uint_eq(st.records, 1);
        ck_assert_uint_eq(st.bad, 0);
        ck_assert_int_eq(s.r[0].pid, 4242);
        ck_assert_int_eq(s.r[0].tgid, 4242);
        ck_assert_int_eq(s.r[0].ppid, 1);
        ck_assert(!s.r[0].proc_total);
        ck_assert_str_eq(s.r[0].comm, "cc1");
        ck_assert_uint_eq(s.r[0].btime, 1700000000);
        ck_assert_uint_eq(s.r[0].utime_us, 28000);
        ck_assert_uint_eq(s.r[0].stime_us, 4000);
        ck_assert_uint_eq(s.r[0].run_ns, 30123456);
        ck_assert_uint_eq(s.r[0].minflt, 500);
        ck_assert_uint_eq(s.r[0].majflt, 2);
        ck_assert_uint_eq(s.r[0].read_bytes, 4096);
        ck_assert_uint_eq(s.r[0].write_bytes, 8192);
        ck_assert_uint_eq(s.r[0].nvcsw, 3);
        ck_assert_uint_eq(s.r[0].nivcsw, 4);
        ck_assert_uint_eq(s.r[0].exe_dev, 2049);
        ck_assert_uint_eq(s.r[0].exe_inode, 12345);
}
END_TEST

/* The last thread of a multi-threaded process: its PID record, then the
 * process's times; and two messages in one buffer. */
START_TEST(thread_and_total) {
        static char buf[8192];
        struct nlmsghdr *a = put_msg(buf, FAMILY, TASKSTATS_CMD_NEW), *b;
        struct taskstats ts = stats(101, 100), tot;
        struct pg_exits_stats st;
        struct seen s;

        put_aggr(a, false, 101, &ts, sizeof(ts));
        memset(&tot, 0, sizeof(tot)); /* as the kernel: no version, no comm */
        tot.ac_utime = 1000000;
        tot.cpu_run_virtual_total = 999999999;
        put_aggr(a, true, 100, &tot, sizeof(tot));
        b = put_msg(buf + a->nlmsg_len, FAMILY, TASKSTATS_CMD_NEW);
        ts = stats(100, 100);
        put_aggr(b, false, 100, &ts, sizeof(ts));
        parse(buf, a->nlmsg_len + b->nlmsg_len, &s, &st);
        ck_assert_uint_eq(st.bad, 0);
        ck_assert_uint_eq(s.n, 3);
        ck_assert_int_eq(s.r[0].pid, 101);
        ck_assert_int_eq(s.r[0].tgid, 100);
        ck_assert(s.r[1].proc_total);
        ck_assert_int_eq(s.r[1].tgid, 100);
        ck_assert_uint_eq(s.r[1].run_ns, 999999999);
        ck_assert_str_eq(s.r[1].comm, "");
        ck_assert_int_eq(s.r[2].pid, 100);
}
END_TEST

/* The kernel's struct grows at its end: a longer one (a future version)
 * reads; the fields we need cut short do not. */
START_TEST(lengths) {
        static char buf[4096];
        char big[sizeof(struct taskstats) + 64];
        struct taskstats ts = stats(7, 7);
        struct pg_exits_stats st;
        struct nlmsghdr *nlh;
        struct seen s;

        memset(big, 0x5a, sizeof(big));
        memcpy(big, &ts, sizeof(ts));
        nlh = put_msg(buf, FAMILY, TASKSTATS_CMD_NEW);
        mnl_attr_put_u32(nlh, 99, 1); /* an attribute of a newer kernel */
        put_aggr(nlh, false, 7, (const struct taskstats *)big, sizeof(big));
        parse(buf, nlh->nlmsg_len, &s, &st);
        ck_assert_uint_eq(s.n, 1);
        ck_assert_uint_eq(s.r[0].run_ns, 30123456);

        nlh = put_msg(buf, FAMILY, TASKSTATS_CMD_NEW);
        put_aggr(nlh, false, 7, &ts, offsetof(struct taskstats, ac_exe_inode) + 4);
        parse(buf, nlh->nlmsg_len, &s, &st);
        ck_assert_uint_eq(s.n, 0);
        ck_assert_uint_eq(st.bad, 1);
}
END_TEST

/* Each malformed record is one soft error, and nothing reaches the
 * callback: an old layout, ids that disagree, a missing part, a nest
 * longer than its message, a message cut short. */
START_TEST(malformed) {
        static char buf[4096];
        struct taskstats ts = stats(7, 7);
        struct pg_exits_stats st;
        struct nlmsghdr *nlh;
        struct nlattr *nest;
        struct seen s;
        size_t len;

        ts.version = 11;
        nlh = put_msg(buf, FAMILY, TASKSTATS_CMD_NEW);
        put_aggr(nlh, false, 7, &ts, sizeof(ts));
        parse(buf, nlh->nlmsg_len, &s, &st);
        ck_assert_uint_eq(s.n + st.records, 0);
        ck_assert_uint_eq(st.bad, 1);

        ts = stats(7, 7);
        nlh = put_msg(buf, FAMILY, TASKSTATS_CMD_NEW);
        put_aggr(nlh, false, 8, &ts, sizeof(ts)); /* id 8, ac_pid 7 */
        parse(buf, nlh->nlmsg_len, &s, &st);
        ck_assert_uint_eq(s.n, 0);
        ck_assert_uint_eq(st.bad, 1);

        nlh = put_msg(buf, FAMILY, TASKSTATS_CMD_NEW);
        nest = mnl_attr_nest_start(nlh, TASKSTATS_TYPE_AGGR_PID);
        mnl_attr_put_u32(nlh, TASKSTATS_TYPE_PID, 7); /* no stats */
        mnl_attr_nest_end(nlh, nest);
        parse(buf, nlh->nlmsg_len, &s, &st);
        ck_assert_uint_eq(s.n, 0);
        ck_assert_uint_eq(st.bad, 1);

        nlh = put_msg(buf, FAMILY, TASKSTATS_CMD_NEW);
        nest = mnl_attr_nest_start(nlh, TASKSTATS_TYPE_AGGR_PID);
        mnl_attr_put_u16(nlh, TASKSTATS_TYPE_PID, 7); /* a u16 id */
        mnl_attr_put(nlh, TASKSTATS_TYPE_STATS, sizeof(ts), &ts);
        mnl_attr_nest_end(nlh, nest);
        parse(buf, nlh->nlmsg_len, &s, &st);
        ck_assert_uint_eq(s.n, 0);
        ck_assert_uint_eq(st.bad, 1);

        nlh = put_msg(buf, FAMILY, TASKSTATS_CMD_NEW);
        put_aggr(nlh, false, 7, &ts, sizeof(ts));
        nest = (struct nlattr *)((char *)mnl_nlmsg_get_payload(nlh) + GENL_HDRLEN);
        nest->nla_len = (uint16_t)(nest->nla_len + 64); /* past the message */
        parse(buf, nlh->nlmsg_len, &s, &st);
        ck_assert_uint_eq(s.n, 0);
        ck_assert_uint_eq(st.bad, 1);

        nlh = put_msg(buf, FAMILY, TASKSTATS_CMD_NEW);
        put_aggr(nlh, false, 7, &ts, sizeof(ts));
        parse(buf, nlh->nlmsg_len - 100, &s, &st); /* cut short */
        ck_assert_uint_eq(s.n, 0);
        ck_assert_uint_eq(st.bad, 1);

        /* A length past 2^31 walked libmnl's check (found by fuzz_exits). */
        nlh = put_msg(buf, FAMILY, TASKSTATS_CMD_NEW);
        put_aggr(nlh, false, 7, &ts, sizeof(ts));
        len = nlh->nlmsg_len;
        nlh->nlmsg_len = 0x8701037c;
        parse(buf, len, &s, &st);
        ck_assert_uint_eq(s.n, 0);
        ck_assert_uint_eq(st.bad, 1);

        nlh = put_msg(buf, FAMILY, TASKSTATS_CMD_NEW);
        nlh->nlmsg_len = sizeof(*nlh) + 2; /* no room for the genl header */
        parse(buf, nlh->nlmsg_len, &s, &st);
        ck_assert_uint_eq(s.n, 0);
        ck_assert_uint_eq(st.bad, 1);
}
END_TEST

/* Not ours to read: another family's message, a reply to a request. */
START_TEST(skipped) {
        static char buf[4096];
        struct taskstats ts = stats(7, 7);
        struct pg_exits_stats st;
        struct nlmsghdr *nlh;
        struct seen s;

        nlh = put_msg(buf, FAMILY + 1, TASKSTATS_CMD_NEW);
        put_aggr(nlh, false, 7, &ts, sizeof(ts));
        parse(buf, nlh->nlmsg_len, &s, &st);
        ck_assert_uint_eq(s.n + st.bad, 0);
        nlh = put_msg(buf, FAMILY, TASKSTATS_CMD_GET);
        put_aggr(nlh, false, 7, &ts, sizeof(ts));
        parse(buf, nlh->nlmsg_len, &s, &st);
        ck_assert_uint_eq(s.n + st.bad, 0);
}
END_TEST

static double cpu_now(void) {
        struct timespec t;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
        return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A child that burns ~80 ms, says how much through fd, and exits. */
static bool under_valgrind(void) {
        const char *pre = getenv("LD_PRELOAD");
        return pre && strstr(pre, "vgpreload");
}

static void burner(int fd) {
        double t0 = cpu_now(), t;
        volatile unsigned long x = 0;

        do {
                for (int i = 0; i < 100000; i++)
                        x += (unsigned long)i;
                t = cpu_now();
        } while (t - t0 < 0.08);
        if (write(fd, &t, sizeof(t)) != sizeof(t))
                _exit(1);
        _exit(0);
}

/* Keep the record of one pid, among the machine's other exits. */
struct want {
        pid_t pid;
        bool found;
        struct pg_exit_rec r;
};

static void want_cb(void *ctx, const struct pg_exit_rec *rec) {
        struct want *w = ctx;
        if (rec->pid == w->pid && !rec->proc_total) {
                w->r = *rec;
                w->found = true;
        }
}

/* The record of pid from x, waiting up to 3 s. */
static bool wait_record(struct pg_exits *x, pid_t pid, struct pg_exit_rec *ret) {
        struct pollfd p = {.fd = pg_exits_fd(x), .events = POLLIN};
        struct want w = {.pid = pid};

        for (int i = 0; i < 30 && !w.found; i++) {
                (void)poll(&p, 1, 100);
                ck_assert_int_ge(pg_exits_drain(x, 0, want_cb, &w), 0);
        }
        *ret = w.r;
        return w.found;
}

START_TEST(live_child) {
        struct pg_exits *x;
        struct pg_exit_rec rec;
        int fds[2];
        double cpu;
        pid_t pid;

        ck_assert_int_eq(pg_exits_open(0, &x), 0);
        if (pg_exits_state(x) != PG_EXITS_ACTIVE) {
                printf("check_exits: live listener skipped: %s\n", pg_exits_why(x));
                pg_exits_free(x);
                return;
        }
        ck_assert_str_eq(pg_exits_why(x), "");
        ck_assert_int_eq(pipe(fds), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0)
                burner(fds[1]);
        ck_assert_int_eq(read(fds[0], &cpu, sizeof(cpu)), sizeof(cpu));
        ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
        ck_assert_msg(wait_record(x, pid, &rec), "no exit record for %d", (int)pid);
        ck_assert_int_eq(rec.tgid, pid);
        ck_assert_int_eq(rec.ppid, getpid());
        ck_assert_uint_ge(rec.version, PG_EXITS_MIN_VERSION);
        /* The child's own clock ran until just before it exited. Under
         * valgrind (its preload in LD_PRELOAD) the child's exit runs
         * memcheck's leak check, tens of ms of CPU after that clock read:
         * there only the lower bound holds. */
        ck_assert_msg(rec.run_ns / 1e9 >= cpu &&
                          (under_valgrind() || rec.run_ns / 1e9 < cpu * 1.02 + 0.002),
                      "record %.6f s, child %.6f s", rec.run_ns / 1e9, cpu);
        ck_assert_uint_eq(pg_exits_stats(x)->lost, 0);
        pg_exits_free(x);
}
END_TEST

/* Count the records of the test's children (pids in [lo, hi]). */
struct span {
        pid_t lo, hi;
        uint64_t n;
};

static void span_cb(void *ctx, const struct pg_exit_rec *rec) {
        struct span *sp = ctx;
        sp->n += !rec->proc_total && rec->pid >= sp->lo && rec->pid <= sp->hi;
}

/* A bounded burst of exits into a receive buffer of a few records: the
 * drops are counted, exactly (every child either came or was counted
 * lost, give or take the other exits of the machine, which only add), and
 * a bounded drain stops at its bound. */
#define BURST 300
START_TEST(live_loss) {
        struct span sp = {0};
        struct pg_exits *x;
        pid_t pid;
        int r;

        ck_assert_int_eq(pg_exits_open(1, &x), 0);
        if (pg_exits_state(x) != PG_EXITS_ACTIVE) {
                printf("check_exits: loss case skipped: %s\n", pg_exits_why(x));
                pg_exits_free(x);
                return;
        }
        for (int i = 0; i < BURST; i++) {
                pid = fork();
                ck_assert_int_ge(pid, 0);
                if (pid == 0)
                        _exit(0);
                sp.lo = sp.lo ? sp.lo : pid;
                sp.hi = pid;
                ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
        }
        ck_assert_msg(sp.hi > sp.lo, "pids wrapped during the burst: run again");
        /* One message: a record, and a process's total with it at most. */
        ck_assert_int_le(pg_exits_drain(x, 1, span_cb, &sp), 2);
        do
                r = pg_exits_drain(x, 0, span_cb, &sp);
        while (r > 0);
        ck_assert_int_eq(r, 0);
        ck_assert_uint_ge(pg_exits_stats(x)->overflows, 1);
        ck_assert_uint_gt(pg_exits_stats(x)->lost, 0);
        ck_assert_msg(sp.n < BURST, "all %d came through a tiny buffer", BURST);
        ck_assert_msg(sp.n + pg_exits_stats(x)->lost >= BURST, "%llu came, %llu lost of %d",
                      (unsigned long long)sp.n, (unsigned long long)pg_exits_stats(x)->lost, BURST);
        printf("check_exits: a burst of %d: %llu came, %llu lost\n", BURST,
               (unsigned long long)sp.n, (unsigned long long)pg_exits_stats(x)->lost);
        pg_exits_free(x);
}
END_TEST

/* In a new namespace: the listener must say it is unavailable and why
 * (its reason holds want); the verdict goes to fd ('y' or 'n'), not to
 * the exit status, which memcheck takes for its own findings in a child. */
static void in_namespace(int fd, const char *want) {
        struct pg_exits *x;
        char ok = 'n';

        if (pg_exits_open(0, &x) == 0) {
                if (pg_exits_state(x) == PG_EXITS_UNAVAILABLE && strstr(pg_exits_why(x), want) &&
                    pg_exits_drain(x, 0, collect, NULL) == 0)
                        ok = 'y';
                else
                        fprintf(stderr, "state %d: %s\n", (int)pg_exits_state(x), pg_exits_why(x));
                pg_exits_free(x);
        }
        if (write(fd, &ok, 1) != 1)
                _exit(1);
        _exit(0);
}

/* The kernel takes listeners only in the initial PID namespace. A child
 * unshares, so that the test's own process stays where it was. */
START_TEST(pid_namespace) {
        int fds[2];
        char ok = 0;
        pid_t pid;

        if (geteuid() != 0) {
                printf("check_exits: PID namespace case skipped: not root\n");
                return;
        }
        ck_assert_int_eq(pipe(fds), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                pid_t inner;
                if (unshare(CLONE_NEWPID) < 0)
                        _exit(3);
                inner = fork();
                if (inner == 0)
                        in_namespace(fds[1], "not in the initial PID namespace");
                if (inner > 0)
                        waitpid(inner, NULL, 0);
                _exit(0);
        }
        close(fds[1]);
        ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
        ck_assert_int_eq(read(fds[0], &ok, 1), 1);
        close(fds[0]);
        ck_assert_int_eq(ok, 'y');
}
END_TEST

/* In another network namespace the kernel takes the registration and
 * then sends nothing: the listener must find that out and say so, as
 * under systemd's PrivateNetwork=. */
START_TEST(net_namespace) {
        int fds[2];
        char ok = 0;
        pid_t pid;

        if (geteuid() != 0) {
                printf("check_exits: network namespace case skipped: not root\n");
                return;
        }
        ck_assert_int_eq(pipe(fds), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                if (unshare(CLONE_NEWNET) < 0)
                        _exit(3);
                in_namespace(fds[1], "network namespace");
        }
        close(fds[1]);
        ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
        ck_assert_int_eq(read(fds[0], &ok, 1), 1);
        close(fds[0]);
        ck_assert_int_eq(ok, 'y');
}
END_TEST

START_TEST(off) {
        struct pg_exits *x;

        ck_assert_int_eq(pg_exits_open_off(&x), 0);
        ck_assert_int_eq(pg_exits_state(x), PG_EXITS_OFF);
        ck_assert_str_eq(pg_exits_why(x), "off");
        ck_assert_int_eq(pg_exits_fd(x), -1);
        ck_assert_int_eq(pg_exits_drain(x, 0, collect, NULL), 0);
        pg_exits_free(x);
        pg_exits_free(NULL);
}
END_TEST

Suite *pg_test_suite(void) {
        Suite *s = suite_create("exits");
        TCase *tc = tcase_create("parse");

        tcase_add_test(tc, one_process);
        tcase_add_test(tc, thread_and_total);
        tcase_add_test(tc, lengths);
        tcase_add_test(tc, malformed);
        tcase_add_test(tc, skipped);
        suite_add_tcase(s, tc);
        tc = tcase_create("live");
        tcase_add_test(tc, live_child);
        tcase_add_test(tc, live_loss);
        tcase_add_test(tc, pid_namespace);
        tcase_add_test(tc, net_namespace);
        tcase_add_test(tc, off);
        suite_add_tcase(s, tc);
        return s;
}
