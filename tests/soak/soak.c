/* SPDX-License-Identifier: MIT */
/* Churn soak: a tracker scans the live /proc at 10 Hz through the
 * public API while a spawner forks short-lived processes at a set rate and
 * a threader starts threads that come and go.
 *
 *   soak [-t SECONDS] [-r FORKS_PER_S] [-i SCAN_INTERVAL_S] [-w WARMUP_S]
 *
 * Asserts, and exits 1 when any fails: every scan succeeds; no group
 * counter is ever lower than in the previous scan; no hard error (a process
 * that exits while read is "vanished", never malformed); the scanner's open
 * fds are the same after the run as before; its RSS stays within 1 MiB of
 * its value after warm-up (not asserted under ASan, whose quarantine holds
 * freed memory by design). Prints forks survived, max RSS drift, fd drift.
 *
 * Bounded in time: the helpers have an alarm() of the run time plus a
 * margin, and every process started is killed by PID (the spawner kills
 * its live children by PID when told to stop). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/match.h"
#include "common/proc.h"
#include "common/track.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

static double now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s) {
        struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* --- the churn ------------------------------------------------------- */

static volatile sig_atomic_t stop;
static void on_term(int sig) {
        (void)sig;
        stop = 1;
}

static void *short_thread(void *arg) {
        unsigned us = (unsigned)(uintptr_t)arg;
        volatile unsigned x = 0;
        for (unsigned i = 0; i < us * 2; i++)
                x += i;
        usleep(us);
        return NULL;
}

/* One short-lived child: maybe renamed (as if it exec'd), maybe with
 * threads, a little CPU, then gone. */
static void child(unsigned seed) {
        pthread_t th[3];
        int n = (int)(seed % 4);

        if (seed & 8)
                prctl(PR_SET_NAME, "soak-child");
        for (int i = 0; i < n && i < 3; i++)
                if (pthread_create(&th[i], NULL, short_thread, (void *)(uintptr_t)(seed % 5000)))
                        n = i;
        short_thread((void *)(uintptr_t)(seed % 20000));
        for (int i = 0; i < n && i < 3; i++)
                pthread_join(th[i], NULL);
        _exit(0);
}

/* The spawner: fork at rate/s, reap, and on SIGTERM kill the live children
 * by PID. Reports its fork count on fd out. */
#define MAX_KIDS 4096
static void spawner(double rate, double seconds, int out) {
        static pid_t kids[MAX_KIDS];
        unsigned long forks = 0, seed = 12345;
        size_t nkids = 0;
        double t0 = now();
        pid_t pid;
        int st;

        prctl(PR_SET_NAME, "soak-spawn");
        alarm((unsigned)seconds + 30);
        while (!stop) {
                double target = (now() - t0) * rate;
                while (!stop && (double)forks < target && nkids < MAX_KIDS) {
                        seed = seed * 6364136223846793005UL + 1442695040888963407UL;
                        pid = fork();
                        if (pid == 0)
                                child((unsigned)(seed >> 33));
                        if (pid < 0)
                                break;
                        kids[nkids++] = pid;
                        forks++;
                }
                while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
                        for (size_t i = 0; i < nkids; i++)
                                if (kids[i] == pid) {
                                        kids[i] = kids[--nkids];
                                        break;
                                }
                sleep_s(0.001);
        }
        for (size_t i = 0; i < nkids; i++)
                kill(kids[i], SIGKILL);
        while (waitpid(-1, &st, 0) > 0)
                ;
        if (write(out, &forks, sizeof(forks)) < 0)
                _exit(3);
        _exit(0);
}

/* The threader: a new thread every 2 ms, each living 0-20 ms. */
static void *thr_main(void *arg) {
        short_thread(arg);
        return NULL;
}

static void threader(double seconds) {
        unsigned long seed = 777;

        prctl(PR_SET_NAME, "soak-threads");
        alarm((unsigned)seconds + 30);
        while (!stop) {
                pthread_attr_t a;
                pthread_t th;
                pthread_attr_init(&a);
                pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
                seed = seed * 6364136223846793005UL + 1442695040888963407UL;
                pthread_create(&th, &a, thr_main, (void *)(uintptr_t)((seed >> 33) % 20000));
                pthread_attr_destroy(&a);
                sleep_s(0.002);
        }
        _exit(0);
}

/* --- the scanner ------------------------------------------------------ */

static int count_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *e;
        int n = 0;

        if (!d)
                return -1;
        while ((e = readdir(d)))
                if (e->d_name[0] != '.')
                        n++;
        closedir(d);
        return n - 1; /* the DIR's own fd */
}

static long rss_kib(void) {
        char buf[4096];
        long v = -1;
        int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return -1;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return -1;
        buf[n] = '\0';
        char *p = strstr(buf, "VmRSS:");
        if (p)
                v = strtol(p + 6, NULL, 10);
        return v;
}

struct snap {
        char *name;
        struct pg_counts c;
};

static unsigned long hard_errs;
static void on_error(void *ctx, pid_t pid, const char *file, int err) {
        (void)ctx;
        hard_errs++;
        fprintf(stderr, "soak: hard error on pid %d, %s: %s\n", (int)pid, file, strerror(-err));
}

static pid_t start(void (*fn)(double), double arg) {
        pid_t pid = fork();
        if (pid == 0) {
                fn(arg);
                _exit(0);
        }
        return pid;
}

int main(int argc, char **argv) {
        double seconds = 60, rate = 500, interval = 0.1, warmup = -1;
        struct snap *prev = NULL;
        size_t nprev = 0;
        unsigned long scans = 0, backwards = 0, failed = 0, forks = 0, vanished = 0;
        long rss0 = -1, rss_max_drift = 0, rss_first;
        int fds0, fds1, opt, pfd[2], ret = 0, st;
        struct pg_source *src;
        struct pg_rules *rules;
        struct pg_tracker *t;
        struct pg_track_opts opts = PG_TRACK_OPTS_DEFAULT;
        struct sigaction sa = {0};
        pid_t sp, tp;
        double t0, t_end;

        while ((opt = getopt(argc, argv, "t:r:i:w:")) != -1) {
                switch (opt) {
                case 't': seconds = atof(optarg); break;
                case 'r': rate = atof(optarg); break;
                case 'i': interval = atof(optarg); break;
                case 'w': warmup = atof(optarg); break;
                default:
                        fprintf(stderr, "usage: soak [-t S] [-r FORKS/S] [-i S] [-w S]\n");
                        return 2;
                }
        }
        if (warmup < 0)
                warmup = seconds / 4 < 5 ? seconds / 4 : 5;

        sa.sa_handler = on_term;
        sigaction(SIGTERM, &sa, NULL);
        if (pipe(pfd) < 0)
                return 2;
        sp = fork();
        if (sp == 0) {
                close(pfd[0]);
                spawner(rate, seconds, pfd[1]);
        }
        close(pfd[1]);
        tp = start(threader, seconds);
        if (sp < 0 || tp < 0) {
                fprintf(stderr, "soak: fork failed\n");
                ret = 2;
                goto kill;
        }

        fds0 = count_fds();
        if (pg_source_new("/proc", &src) < 0 || pg_rules_new_default(&rules) < 0 ||
            pg_tracker_new(src, rules, &opts, &t) < 0) {
                fprintf(stderr, "soak: cannot start the tracker\n");
                ret = 2;
                goto kill;
        }
        pg_tracker_set_error_fn(t, on_error, NULL);
        rss_first = rss_kib();

        t0 = now();
        t_end = t0 + seconds;
        for (double next = t0; now() < t_end; next += interval) {
                const struct pg_group *const *gs;
                struct snap *cur;
                size_t ng;

                if (pg_tracker_scan(t) < 0) {
                        failed++;
                        continue;
                }
                scans++;
                vanished += pg_tracker_stats(t)->vanished;
                ng = pg_tracker_groups(t, &gs);
                cur = calloc(ng ? ng : 1, sizeof(*cur));
                if (!cur)
                        abort();
                /* Both lists are sorted by name: merge. */
                for (size_t i = 0, k = 0; i < ng; i++) {
                        cur[i].name = strdup(gs[i]->name);
                        cur[i].c = gs[i]->counts;
                        while (k < nprev && strcmp(prev[k].name, gs[i]->name) < 0)
                                k++;
                        if (k < nprev && strcmp(prev[k].name, gs[i]->name) == 0)
                                for (int c = 0; c < PG_COUNT_MAX; c++)
                                        if (cur[i].c.v[c] < prev[k].c.v[c]) {
                                                backwards++;
                                                fprintf(stderr,
                                                        "soak: group %s counter %d went back "
                                                        "%llu -> %llu\n",
                                                        gs[i]->name, c,
                                                        (unsigned long long)prev[k].c.v[c],
                                                        (unsigned long long)cur[i].c.v[c]);
                                        }
                }
                for (size_t k = 0; k < nprev; k++)
                        free(prev[k].name);
                free(prev);
                prev = cur;
                nprev = ng;

                long rss = rss_kib();
                if (now() - t0 >= warmup) {
                        if (rss0 < 0)
                                rss0 = rss;
                        else if (labs(rss - rss0) > rss_max_drift)
                                rss_max_drift = labs(rss - rss0);
                }
                double d = next + interval - now();
                if (d > 0)
                        sleep_s(d);
        }
        /* The tracker keeps descriptors of live processes open between
         * scans (within its budget): what must come back is the count
         * once it is freed. */
        pg_tracker_free(t);
        fds1 = count_fds();
        for (size_t k = 0; k < nprev; k++)
                free(prev[k].name);
        free(prev);

kill:
        /* Stop the helpers by PID; the spawner kills its children. */
        if (sp > 0)
                kill(sp, SIGTERM);
        if (tp > 0)
                kill(tp, SIGKILL);
        if (sp > 0 && read(pfd[0], &forks, sizeof(forks)) != sizeof(forks))
                forks = 0;
        if (sp > 0)
                waitpid(sp, &st, 0);
        if (tp > 0)
                waitpid(tp, &st, 0);
        close(pfd[0]);
        if (ret)
                return ret;

        printf("soak: %.0f s, %lu scans (%lu failed), %lu forks survived (%.0f/s), "
               "%lu vanished during scans\n",
               seconds, scans, failed, forks, (double)forks / seconds, vanished);
        printf("soak: hard errors %lu, counters backwards %lu\n", hard_errs, backwards);
        printf("soak: fd drift %d (%d -> %d)\n", fds1 - fds0, fds0, fds1);
        printf("soak: RSS %ld KiB at start, %ld KiB after %.0f s warm-up, max drift %ld KiB%s\n",
               rss_first, rss0, warmup, rss_max_drift,
               UNDER_ASAN ? " (ASan: reported, not asserted)" : "");
        if (failed || hard_errs || backwards || fds1 != fds0 || scans == 0 || forks == 0)
                ret = 1;
        if (!UNDER_ASAN && rss_max_drift > 1024)
                ret = 1;
        /* The churn must have been real for the run to mean anything.
         * Under ASan a fork copies a huge shadow mapping: a fifth will do. */
        if ((double)forks < rate * seconds / (UNDER_ASAN ? 5 : 2)) {
                fprintf(stderr, "soak: only %lu forks of %.0f asked\n", forks, rate * seconds);
                ret = 1;
        }
        printf("soak: %s\n", ret ? "FAIL" : "ok");
        return ret;
}
