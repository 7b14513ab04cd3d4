/* SPDX-License-Identifier: MIT */
/* spawner: a parent that keeps forking short CPU-burning children, and
 * knows exactly how much CPU it and its children used (the children benchmark's live
 * benchmark of accounting for processes that live between two scans).
 *
 *   spawner [-d SECONDS] [-r CHILDREN_PER_S] [-a MIN_MS] [-b MAX_MS]
 *           [-t THREADS_PER_S] [-H HOLD_SECONDS]
 *
 * Its comm is "pgspawner" (children inherit it). For SECONDS (60) it forks
 * CHILDREN_PER_S (15) children a second, each burning a uniform MIN_MS..
 * MAX_MS (20..50) ms of CPU and exiting; it also starts THREADS_PER_S (2)
 * threads a second that burn 10 ms each and exit. Then it waits for every
 * child and prints the ground truth on stdout:
 *   truth_cpu_seconds=S user_seconds=U system_seconds=Y children=K threads=M
 * from getrusage(RUSAGE_SELF) + getrusage(RUSAGE_CHILDREN), user + system.
 * It then stays idle for HOLD_SECONDS (3) so that a collector scanning
 * once a second sees its final counters before it exits. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double clock_s(clockid_t c) {
        struct timespec ts;
        clock_gettime(c, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Spin until this thread (or process) has used ms of CPU. */
static void burn(clockid_t c, double ms) {
        volatile unsigned long x = 0;
        double end = clock_s(c) + ms / 1e3;
        while (clock_s(c) < end)
                for (int i = 0; i < 10000; i++)
                        x += (unsigned long)i;
}

static void *burner(void *arg) {
        (void)arg;
        burn(CLOCK_THREAD_CPUTIME_ID, 10);
        return NULL;
}

static double tv(struct timeval t) {
        return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

int main(int argc, char **argv) {
        double seconds = 60, rate = 15, thread_rate = 2, hold = 3, next_child, next_thread, end;
        int min_ms = 20, max_ms = 50, c, children = 0, threads = 0;
        struct rusage self, kids;

        while ((c = getopt(argc, argv, "d:r:a:b:t:H:")) != -1) {
                switch (c) {
                case 'd': seconds = atof(optarg); break;
                case 'r': rate = atof(optarg); break;
                case 'a': min_ms = atoi(optarg); break;
                case 'b': max_ms = atoi(optarg); break;
                case 't': thread_rate = atof(optarg); break;
                case 'H': hold = atof(optarg); break;
                default:
                        fputs("usage: spawner [-d SECONDS] [-r CHILDREN_PER_S] [-a MIN_MS] "
                              "[-b MAX_MS] [-t THREADS_PER_S] [-H HOLD_SECONDS]\n",
                              stderr);
                        return 2;
                }
        }
        if (rate <= 0 || min_ms < 0 || max_ms < min_ms)
                return fputs("spawner: bad rate or burn range\n", stderr), 2;
        prctl(PR_SET_NAME, "pgspawner");
        srand((unsigned)getpid());

        next_child = next_thread = clock_s(CLOCK_MONOTONIC);
        end = next_child + seconds;
        for (;;) {
                double now = clock_s(CLOCK_MONOTONIC);
                if (now >= end)
                        break;
                if (now >= next_child) {
                        int ms = min_ms + rand() % (max_ms - min_ms + 1);
                        pid_t pid = fork();
                        if (pid == 0) {
                                prctl(PR_SET_PDEATHSIG, SIGKILL);
                                burn(CLOCK_PROCESS_CPUTIME_ID, ms);
                                _exit(0);
                        }
                        if (pid > 0)
                                children++;
                        next_child += 1.0 / rate;
                }
                if (thread_rate > 0 && now >= next_thread) {
                        pthread_t t;
                        if (pthread_create(&t, NULL, burner, NULL) == 0) {
                                pthread_detach(t);
                                threads++;
                        }
                        next_thread += 1.0 / thread_rate;
                }
                while (waitpid(-1, NULL, WNOHANG) > 0)
                        ;
                usleep(2000);
        }
        while (wait(NULL) > 0)
                ;
        usleep(50 * 1000); /* let the last detached threads finish */
        getrusage(RUSAGE_SELF, &self);
        getrusage(RUSAGE_CHILDREN, &kids);
        double user = tv(self.ru_utime) + tv(kids.ru_utime);
        double sys = tv(self.ru_stime) + tv(kids.ru_stime);
        printf("truth_cpu_seconds=%.3f user_seconds=%.3f system_seconds=%.3f children=%d "
               "threads=%d\n",
               user + sys, user, sys, children, threads);
        fflush(stdout);
        if (hold > 0)
                usleep((useconds_t)(hold * 1e6));
        return 0;
}
