/* SPDX-License-Identifier: MIT */
/* exitsum: how exact the exit records are for the "make" workload of
 * doc/exits.md, before
 * any tracker uses them (a figure, not a test).
 *
 *   exitsum [-d SECONDS] [-r PER_S] [-m MS] [-o]
 *
 * Opens the exit listener (common/exits.h), then runs a "make": a process
 * named "mk" that starts PER_S (15) programs a second for SECONDS (20),
 * each named "cc" and burning MS (30) ms of CPU; with -o each is an orphan
 * (double-forked, reaped by init), else mk reaps it. Every cc writes its
 * own CPU (CLOCK_PROCESS_CPUTIME_ID, the truth) to a pipe before it exits;
 * mk writes its getrusage(RUSAGE_SELF) at its end. Meanwhile the records
 * are drained every 100 ms and summed by comm, and at the end it prints,
 * for cc and mk: the truth, the records' exact run time (run_ns), and that
 * run time split in the ratio of the tick samples and converted to
 * USER_HZ ticks once per sum (what a tracker would credit); and the
 * records lost. The listener needs root in the initial PID namespace. */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/exits.h"

struct sum {
        const char *comm;
        uint64_t n, run_ns, user_ns, sys_ns;
};

static struct sum sums[2] = {{.comm = "cc"}, {.comm = "mk"}};
/* mk itself: the middle processes of -o are named mk too. */
static pid_t mk_pid;

static double clock_s(clockid_t c) {
        struct timespec ts;
        clock_gettime(c, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* run_ns split as the kernel's cputime_adjust splits the exact run time:
 * in the ratio of the tick samples (all user, or all system, when one of
 * them is zero). */
static void add(struct sum *s, const struct pg_exit_rec *r) {
        uint64_t sys = r->utime_us + r->stime_us == 0
                           ? 0
                           : (uint64_t)((unsigned __int128)r->run_ns * r->stime_us /
                                        (r->utime_us + r->stime_us));
        s->n++;
        s->run_ns += r->run_ns;
        s->sys_ns += sys;
        s->user_ns += r->run_ns - sys;
}

static void on_exit_rec(void *ctx, const struct pg_exit_rec *r) {
        if (r->proc_total)
                return;
        if (strcmp(r->comm, "cc") == 0)
                add(&sums[0], r);
        else if (r->pid == mk_pid)
                add(&sums[1], r);
}

static void cc(int fd, double ms) {
        volatile unsigned long x = 0;
        double t0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), t;

        prctl(PR_SET_NAME, "cc");
        do {
                for (int i = 0; i < 10000; i++)
                        x += (unsigned long)i;
                t = clock_s(CLOCK_PROCESS_CPUTIME_ID);
        } while (t - t0 < ms / 1e3);
        if (write(fd, &t, sizeof(t)) != sizeof(t))
                _exit(1);
        _exit(0);
}

static void mk(int fd, double secs, int rate, double ms, int orphan) {
        double end = clock_s(CLOCK_MONOTONIC) + secs, self;
        struct rusage ru;
        pid_t pid;

        prctl(PR_SET_NAME, "mk");
        while (clock_s(CLOCK_MONOTONIC) < end) {
                pid = fork();
                if (pid == 0) {
                        if (orphan && fork() != 0)
                                _exit(0);
                        cc(fd, ms);
                }
                if (pid > 0)
                        waitpid(pid, NULL, 0); /* cc, or the middle one */
                usleep((useconds_t)(1e6 / rate));
        }
        while (waitpid(-1, NULL, 0) > 0)
                ;
        getrusage(RUSAGE_SELF, &ru);
        self = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
               (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
        /* -self marks mk's line on the pipe. */
        self = -self;
        if (write(fd, &self, sizeof(self)) != sizeof(self))
                _exit(1);
        _exit(0);
}

static void report(const char *name, double truth, const struct sum *s) {
        long hz = sysconf(_SC_CLK_TCK);
        /* Ticks of the sums, converted once: per record, 30 ms at 100 Hz
         * would lose up to a tick in three. */
        uint64_t ticks =
            s->user_ns * (uint64_t)hz / 1000000000u + s->sys_ns * (uint64_t)hz / 1000000000u;

        printf("| %s | %.3f | %llu | %.3f (%+.2f %%) | %.2f (%+.2f %%) |\n", name, truth,
               (unsigned long long)s->n, (double)s->run_ns / 1e9,
               ((double)s->run_ns / 1e9 - truth) / truth * 100, (double)ticks / (double)hz,
               ((double)ticks / (double)hz - truth) / truth * 100);
}

int main(int argc, char **argv) {
        double secs = 20, ms = 30, v, truth_cc = 0, truth_mk = 0;
        int rate = 15, orphan = 0, c, fds[2], done = 0;
        struct pg_exits *x;
        pid_t pid;

        while ((c = getopt(argc, argv, "d:r:m:o")) != -1) {
                switch (c) {
                case 'd': secs = atof(optarg); break;
                case 'r': rate = atoi(optarg); break;
                case 'm': ms = atof(optarg); break;
                case 'o': orphan = 1; break;
                default:
                        fprintf(stderr, "usage: exitsum [-d S] [-r PER_S] [-m MS] [-o]\n");
                        return 2;
                }
        }
        if (pg_exits_open(0, &x) < 0 || pg_exits_state(x) != PG_EXITS_ACTIVE) {
                fprintf(stderr, "exitsum: listener unavailable: %s\n", x ? pg_exits_why(x) : "");
                return 77;
        }
        if (pipe(fds) < 0 || (pid = fork()) < 0)
                return 1;
        if (pid == 0) {
                close(fds[0]);
                mk(fds[1], secs, rate, ms, orphan);
        }
        close(fds[1]);
        mk_pid = pid;
        while (!done) {
                struct pollfd p[2] = {{.fd = fds[0], .events = POLLIN},
                                      {.fd = pg_exits_fd(x), .events = POLLIN}};
                if (poll(p, 2, 100) > 0 && (p[0].revents & (POLLIN | POLLHUP))) {
                        if (read(fds[0], &v, sizeof(v)) != sizeof(v))
                                done = 1;
                        else if (v < 0)
                                truth_mk = -v;
                        else
                                truth_cc += v;
                }
                pg_exits_drain(x, 0, on_exit_rec, NULL);
        }
        waitpid(pid, NULL, 0);
        for (int i = 0; i < 20; i++) { /* the last records */
                usleep(50000);
                pg_exits_drain(x, 0, on_exit_rec, NULL);
        }
        printf("mode: %s, %.0f s, %d/s, %.0f ms each\n", orphan ? "orphan" : "child", secs, rate,
               ms);
        printf("| group | truth s | records | run_ns sum s | credited (ticks) s |\n"
               "|---|---:|---:|---:|---:|\n");
        report("cc", truth_cc, &sums[0]);
        report("mk", truth_mk, &sums[1]);
        printf("records lost: %llu, malformed: %llu\n", (unsigned long long)pg_exits_stats(x)->lost,
               (unsigned long long)pg_exits_stats(x)->bad);
        pg_exits_free(x);
        return 0;
}
