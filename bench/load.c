/* SPDX-License-Identifier: MIT */
/* load: a controlled population of sleeping processes for the benchmark.
 *
 *   load [-n N] [-t THREADED] [-T THREADS] [-g GROUPS] [-x PREFIX] [-f FDS]
 *        [-c CHURN_PER_S] [-l CHURN_LIFE_MS] [-m MAX_SECONDS] [-p PIDFILE]
 *
 * Starts N processes (THREADED of them, default N/20, with THREADS tasks
 * each, default 20), all asleep, named PREFIX0..PREFIX<GROUPS-1> round-robin
 * (default pgload0..pgload9) in both comm and cmdline: each child re-executes
 * this binary with argv = { "pgloadG" } and takes its setup from the
 * environment, so collectors that match on comm, argv[0] or the whole
 * cmdline all see the same name. Each child holds FDS extra fds (default 5).
 *
 * With -c, it also forks CHURN_PER_S short-lived processes a second (comm
 * "pgchurn"), each sleeping a uniform 0..CHURN_LIFE_MS ms (default 50), so
 * that PIDs vanish while a collector scans.
 *
 * When every child is set up, the PIDs of the N load processes are written
 * to PIDFILE (atomically: its existence means "ready"). The parent stops on
 * SIGTERM/SIGINT/SIGHUP or after MAX_SECONDS (default 600), kills every
 * child it started by PID, reaps them and removes PIDFILE. Children carry
 * PR_SET_PDEATHSIG=SIGKILL, so a SIGKILLed parent still takes them along. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHILD_ENV "PGLOAD_CHILD"

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
        (void)sig;
        stop = 1;
}

static double now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *sleeper(void *arg) {
        (void)arg;
        for (;;)
                pause();
        return NULL;
}

/* A load child: CHILD_ENV = "tasks,fds,ready_fd,parent_pid". */
static int child_main(const char *name, const char *setup) {
        int tasks, fds, ready;
        long parent;
        pthread_attr_t attr;
        char ok = 1;

        if (sscanf(setup, "%d,%d,%d,%ld", &tasks, &fds, &ready, &parent) != 4)
                _exit(2);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != (pid_t)parent)
                _exit(0); /* the parent died before PDEATHSIG was armed */
        /* after exec of /proc/self/exe the comm is "exe": name it */
        prctl(PR_SET_NAME, name);
        for (int i = 0; i < fds; i++)
                if (open("/dev/null", O_RDONLY | O_CLOEXEC) < 0)
                        _exit(3);
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 64 * 1024);
        for (int i = 1; i < tasks; i++) {
                pthread_t t;
                if (pthread_create(&t, &attr, sleeper, NULL) != 0)
                        _exit(4);
        }
        if (write(ready, &ok, 1) != 1)
                _exit(5);
        close(ready);
        for (;;)
                pause();
}

static pid_t spawn_load(const char *self, const char *name, int tasks, int fds, int ready) {
        char setup[96];
        pid_t pid;

        snprintf(setup, sizeof setup, "%d,%d,%d,%ld", tasks, fds, ready, (long)getpid());
        pid = fork();
        if (pid != 0)
                return pid;
        char *argv[] = {(char *)name, NULL};
        setenv(CHILD_ENV, setup, 1);
        execv(self, argv);
        _exit(127);
}

static pid_t spawn_churn(int life_ms) {
        pid_t pid = fork();
        if (pid != 0)
                return pid;
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        prctl(PR_SET_NAME, "pgchurn");
        srand((unsigned)getpid());
        if (life_ms > 0) {
                long ns = (long)(rand() % (life_ms + 1)) * 1000000L;
                struct timespec ts = {ns / 1000000000L, ns % 1000000000L};
                nanosleep(&ts, NULL);
        }
        _exit(0);
}

static int write_pidfile(const char *path, const pid_t *pids, int n) {
        char tmp[4096];
        FILE *f;

        snprintf(tmp, sizeof tmp, "%s.tmp", path);
        f = fopen(tmp, "w");
        if (!f)
                return -1;
        for (int i = 0; i < n; i++)
                fprintf(f, "%d\n", (int)pids[i]);
        if (fclose(f) != 0)
                return -1;
        return rename(tmp, path);
}

static void usage(void) {
        fputs("usage: load [-n N] [-t THREADED] [-T THREADS] [-g GROUPS] [-x PREFIX] [-f FDS]\n"
              "            [-c CHURN_PER_S] [-l CHURN_LIFE_MS] [-m MAX_SECONDS] [-p PIDFILE]\n",
              stderr);
        exit(2);
}

int main(int argc, char **argv) {
        int n = 1000, threaded = -1, threads = 20, groups = 10, fds = 5, churn = 0, life = 50;
        double max_s = 600;
        const char *prefix = "pgload", *pidfile = NULL, *setup;
        char self[4096], name[64];
        int pipefd[2], c, got = 0, ret = 0, nchurn = 0, step;
        pid_t *pids;
        double deadline, next_churn;
        struct sigaction sa;

        setup = getenv(CHILD_ENV);
        if (setup)
                return child_main(argv[0], setup);

        while ((c = getopt(argc, argv, "n:t:T:g:x:f:c:l:m:p:")) != -1) {
                switch (c) {
                case 'n': n = atoi(optarg); break;
                case 't': threaded = atoi(optarg); break;
                case 'T': threads = atoi(optarg); break;
                case 'g': groups = atoi(optarg); break;
                case 'x': prefix = optarg; break;
                case 'f': fds = atoi(optarg); break;
                case 'c': churn = atoi(optarg); break;
                case 'l': life = atoi(optarg); break;
                case 'm': max_s = atof(optarg); break;
                case 'p': pidfile = optarg; break;
                default: usage();
                }
        }
        if (n < 0 || groups < 1 || threads < 1 || fds < 0 || churn < 0 || life < 0)
                usage();
        if (threaded < 0)
                threaded = n / 20;
        if (threaded > n)
                threaded = n;
        step = threaded ? n / threaded : 0;
        /* re-exec through the real path: /proc/self/exe may not be mounted in
         * the caller's namespace the way it was when we started */
        ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
        if (len <= 0)
                return perror("load: readlink /proc/self/exe"), 1;
        self[len] = '\0';

        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);

        pids = calloc(n ? (size_t)n : 1, sizeof *pids);
        if (!pids || pipe2(pipefd, O_CLOEXEC) < 0 || fcntl(pipefd[1], F_SETFD, 0) < 0)
                return perror("load"), 1;
        deadline = now() + max_s;
        for (int i = 0; i < n && !stop; i++) {
                snprintf(name, sizeof name, "%s%d", prefix, i % groups);
                /* spread the multi-threaded ones over the population */
                int t = (step && i % step == 0 && i / step < threaded) ? threads : 1;
                pids[i] = spawn_load(self, name, t, fds, pipefd[1]);
                if (pids[i] < 0) {
                        perror("load: fork");
                        n = i;
                        ret = 1;
                        break;
                }
        }
        close(pipefd[1]);
        /* one byte per child that finished its setup; EOF means all exited */
        while (got < n && !stop && now() < deadline) {
                char b[4096];
                ssize_t r = read(pipefd[0], b, sizeof b);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        break;
                got += (int)r;
        }
        close(pipefd[0]);
        if (got < n && !stop) {
                fprintf(stderr, "load: only %d of %d children became ready\n", got, n);
                ret = 1;
                stop = 1;
        }
        if (!stop && pidfile && write_pidfile(pidfile, pids, n) < 0) {
                perror("load: pidfile");
                ret = 1;
                stop = 1;
        }

        next_churn = now();
        while (!stop && now() < deadline) {
                struct timespec ts = {0, 100 * 1000000L};
                if (churn > 0) {
                        double t = now();
                        while (next_churn <= t) {
                                if (spawn_churn(life) > 0)
                                        nchurn++;
                                next_churn += 1.0 / churn;
                        }
                        double wait = next_churn - t;
                        ts.tv_sec = (time_t)wait;
                        ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
                }
                nanosleep(&ts, NULL);
                while (waitpid(-1, NULL, WNOHANG) > 0)
                        ;
        }

        for (int i = 0; i < n; i++)
                if (pids[i] > 0)
                        kill(pids[i], SIGKILL);
        /* reaps the load children and whatever churn is still alive */
        while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
                ;
        if (pidfile)
                unlink(pidfile);
        free(pids);
        if (churn > 0)
                fprintf(stderr, "load: %d churn processes\n", nchurn);
        return ret;
}
