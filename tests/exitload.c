/* SPDX-License-Identifier: MIT */
/* Test helper for the exit records (doc/exits.md): the workloads of
 * exit-attrib.test, exit-loss.test and bench/children.sh, and a probe of
 * what pids the records carry for a process in a child PID namespace.
 *
 *     exitload -t TAG [-o] [-d SECONDS] [-r PER_S] [-m MS] [-H HOLD]
 *
 * The "make" workload (bench/exitsum.c's, without its listener): this
 * process, named rp.TAG, is the reaper (PR_SET_CHILD_SUBREAPER; PID 1 when
 * started under `unshare --pid --fork`). It forks mk.TAG, which starts
 * PER_S (15) programs a second for SECONDS (20), each named cc.TAG and
 * burning MS (30) ms of CPU. mk reaps each cc, or with -o each cc is an
 * orphan: mk forks mi.TAG, which forks the cc and exits at once, and the
 * reaper reaps the cc. (The middle process gets a name of its own so that
 * mk's group is mk alone: the issue compares it with mk's RUSAGE_SELF.)
 * Every cc and mi sends its own CPU (CLOCK_PROCESS_CPUTIME_ID, the truth)
 * to the reaper before it exits; mk sends its getrusage SELF and CHILDREN,
 * then sleeps HOLD (2) s so that a scan sees its final counters while it
 * lives. When every process is reaped the reaper prints one line,
 *
 *     cc=S n_cc=N mi=S n_mi=N mk_self=S mk_children=S rp_self=S rp_children=S
 *
 * (seconds of CPU, user + system), sleeps HOLD s and exits.
 *
 *     exitload -b N -t TAG [-H HOLD]
 *
 * A fork bomb bounded in count: bp.TAG forks N children (bc.TAG) as fast
 * as it can, at most 64 alive at once; each takes a few page faults and
 * about 0.1 ms of CPU, and every 16th forks a grandchild (bg.TAG) that does
 * the same, so that records of a chain are among those the kernel drops.
 * Prints "forked=N" when all are reaped, then sleeps HOLD s.
 *
 *     exitload -P
 *
 * Root: opens the exit listener here (initial namespaces), forks a process
 * that enters a new PID namespace and, there, a process at its PID 2, and
 * prints what the record of that process says next to its pids as /proc
 * shows them here (NSpid of its status). Exit 0 when the record's pid and
 * parent are the initial namespace's, 1 when not, 77 when the listener is
 * unavailable. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sched.h>
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

/* One message on the truth pipe: small, so each write is atomic. */
struct msg {
        char kind; /* 'c' cc, 'i' mi, 'k' mk's SELF, 'K' mk's CHILDREN */
        double cpu;
};

static char tag[16];

static double clock_s(clockid_t c) {
        struct timespec ts;
        clock_gettime(c, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double tv_s(const struct timeval *tv) {
        return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

/* The kernel keeps 15 bytes of it: TAG should be at most 12. */
static void name(const char *prefix) {
        char n[32];
        snprintf(n, sizeof(n), "%s.%s", prefix, tag);
        prctl(PR_SET_NAME, n, 0, 0, 0);
}

static void send_msg(int fd, char kind, double cpu) {
        struct msg m = {.kind = kind, .cpu = cpu};
        if (write(fd, &m, sizeof(m)) != sizeof(m))
                _exit(1);
}

static void sleep_s(double s) {
        struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static void burn(double secs) {
        volatile unsigned long x = 0;
        double t0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
        do {
                for (int i = 0; i < 10000; i++)
                        x += (unsigned long)i;
        } while (clock_s(CLOCK_PROCESS_CPUTIME_ID) - t0 < secs);
}

static void cc(int fd, double ms) {
        name("cc");
        burn(ms / 1e3);
        /* The last clock read: what the exit path costs after it is the
         * records' small surplus (doc/exits.md). */
        send_msg(fd, 'c', clock_s(CLOCK_PROCESS_CPUTIME_ID));
        _exit(0);
}

static void mk(int fd, double secs, int rate, double ms, int orphan, double hold) {
        double end = clock_s(CLOCK_MONOTONIC) + secs;
        struct rusage self, kids;
        pid_t pid;

        name("mk");
        while (clock_s(CLOCK_MONOTONIC) < end) {
                pid = fork();
                if (pid == 0) {
                        if (!orphan)
                                cc(fd, ms);
                        name("mi");
                        if (fork() == 0)
                                cc(fd, ms);
                        send_msg(fd, 'i', clock_s(CLOCK_PROCESS_CPUTIME_ID));
                        _exit(0);
                }
                if (pid > 0)
                        waitpid(pid, NULL, 0); /* cc, or the middle one */
                usleep((useconds_t)(1e6 / rate));
        }
        while (waitpid(-1, NULL, 0) > 0)
                ;
        getrusage(RUSAGE_SELF, &self);
        getrusage(RUSAGE_CHILDREN, &kids);
        send_msg(fd, 'k', tv_s(&self.ru_utime) + tv_s(&self.ru_stime));
        send_msg(fd, 'K', tv_s(&kids.ru_utime) + tv_s(&kids.ru_stime));
        close(fd);
        sleep_s(hold);
        _exit(0);
}

static int workload(double secs, int rate, double ms, int orphan, double hold) {
        double sum_cc = 0, sum_mi = 0, mk_self = 0, mk_kids = 0;
        unsigned n_cc = 0, n_mi = 0;
        int fds[2], eof = 0;
        struct rusage self, kids;
        struct msg m;
        pid_t pid;

        name("rp");
        /* Outside a PID namespace the orphans come here too, not to init. */
        prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        if (pipe(fds) < 0 || (pid = fork()) < 0)
                return 1;
        if (pid == 0) {
                close(fds[0]);
                mk(fds[1], secs, rate, ms, orphan, hold);
        }
        close(fds[1]);
        /* Until every writer is gone (EOF) and every process reaped. */
        for (;;) {
                struct pollfd p = {.fd = fds[0], .events = POLLIN};
                while (waitpid(-1, NULL, WNOHANG) > 0)
                        ;
                if (eof) {
                        if (waitpid(-1, NULL, 0) < 0 && errno == ECHILD)
                                break;
                        continue;
                }
                if (poll(&p, 1, 100) <= 0)
                        continue;
                ssize_t n = read(fds[0], &m, sizeof(m));
                if (n == 0) {
                        eof = 1;
                        continue;
                }
                if (n != sizeof(m))
                        continue;
                switch (m.kind) {
                case 'c': sum_cc += m.cpu, n_cc++; break;
                case 'i': sum_mi += m.cpu, n_mi++; break;
                case 'k': mk_self = m.cpu; break;
                case 'K': mk_kids = m.cpu; break;
                }
        }
        getrusage(RUSAGE_SELF, &self);
        getrusage(RUSAGE_CHILDREN, &kids);
        printf("cc=%.6f n_cc=%u mi=%.6f n_mi=%u mk_self=%.6f mk_children=%.6f rp_self=%.6f "
               "rp_children=%.6f\n",
               sum_cc, n_cc, sum_mi, n_mi, mk_self, mk_kids,
               tv_s(&self.ru_utime) + tv_s(&self.ru_stime),
               tv_s(&kids.ru_utime) + tv_s(&kids.ru_stime));
        fflush(stdout);
        /* The reaper's own last gains, seen by a scan while it lives. */
        sleep_s(hold);
        return 0;
}

/* A bomb child: some page faults and about 0.1 ms of CPU. */
static void bomb_child(const char *prefix) {
        static char page[16 * 4096];
        name(prefix);
        for (size_t i = 0; i < sizeof(page); i += 4096)
                page[i] = 1;
        burn(1e-4);
}

static int bomb(long n, double hold) {
        long alive = 0;
        pid_t pid;

        name("bp");
        for (long i = 0; i < n; i++) {
                pid = fork();
                if (pid == 0) {
                        bomb_child("bc");
                        if (i % 16 == 0 && fork() == 0)
                                bomb_child("bg");
                        _exit(0);
                }
                if (pid > 0)
                        alive++;
                while (waitpid(-1, NULL, WNOHANG) > 0)
                        alive--;
                /* A bound on pids in use, not on the rate. */
                while (alive >= 64 && waitpid(-1, NULL, 0) > 0)
                        alive--;
        }
        while (waitpid(-1, NULL, 0) > 0)
                ;
        printf("forked=%ld\n", n);
        fflush(stdout);
        sleep_s(hold);
        return 0;
}

/* The pid of the only child of pid (/proc/PID/task/PID/children). */
static pid_t child_of(pid_t pid) {
        char path[64];
        long c = 0;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
        for (int i = 0; i < 200 && c == 0; i++) {
                if ((f = fopen(path, "r")) != NULL) {
                        if (fscanf(f, "%ld", &c) != 1)
                                c = 0;
                        fclose(f);
                }
                if (c == 0)
                        usleep(10000);
        }
        return (pid_t)c;
}

struct probe {
        char comm[16];
        struct pg_exit_rec rec;
        int seen;
};

static void on_probe_rec(void *ctx, const struct pg_exit_rec *r) {
        struct probe *p = ctx;
        if (!r->proc_total && strcmp(r->comm, p->comm) == 0) {
                p->rec = *r;
                p->seen = 1;
        }
}

static int probe(void) {
        struct probe p = {.seen = 0};
        struct pg_exits *x;
        char nspid[256] = "", path[64], line[256];
        int go[2], ok;
        pid_t outer, init, inner;
        FILE *f;

        if (pg_exits_open(0, &x) < 0 || pg_exits_state(x) != PG_EXITS_ACTIVE) {
                printf("listener unavailable: %s\n", x ? pg_exits_why(x) : "no memory");
                return 77;
        }
        snprintf(tag, sizeof(tag), "%d", (int)getpid() % 100000);
        snprintf(p.comm, sizeof(p.comm), "ns.%.5s", tag);
        if (pipe(go) < 0 || (outer = fork()) < 0)
                return 1;
        if (outer == 0) {
                /* Here: unshare, then the namespace's PID 1 and its child,
                 * PID 2, which waits for the word to exit. */
                close(go[1]);
                if (unshare(CLONE_NEWPID) < 0)
                        _exit(3);
                if (fork() == 0) {
                        if (fork() == 0) {
                                char b;
                                name("ns");
                                if (read(go[0], &b, 1) < 0)
                                        _exit(1);
                                _exit(getpid() == 2 ? 0 : 4);
                        }
                        while (wait(NULL) > 0)
                                ;
                        _exit(0);
                }
                while (wait(NULL) > 0)
                        ;
                _exit(0);
        }
        close(go[0]);
        init = child_of(outer);
        inner = init ? child_of(init) : 0;
        snprintf(path, sizeof(path), "/proc/%d/status", (int)inner);
        if (inner && (f = fopen(path, "r")) != NULL) {
                while (fgets(line, sizeof(line), f))
                        if (strncmp(line, "NSpid:", 6) == 0)
                                snprintf(nspid, sizeof(nspid), "%s", line + 6);
                fclose(f);
        }
        nspid[strcspn(nspid, "\n")] = 0;
        close(go[1]); /* the word */
        waitpid(outer, NULL, 0);
        for (int i = 0; i < 40 && !p.seen; i++) {
                pg_exits_drain(x, 0, on_probe_rec, &p);
                if (!p.seen)
                        usleep(50000);
        }
        printf("namespace init: pid %d here; its child: pid %d here, NSpid:%s\n", (int)init,
               (int)inner, nspid);
        if (!p.seen) {
                printf("no record for %s\n", p.comm);
                pg_exits_free(x);
                return 1;
        }
        printf("record: pid %d tgid %d ppid %d comm %s\n", (int)p.rec.pid, (int)p.rec.tgid,
               (int)p.rec.ppid, p.rec.comm);
        ok = inner > 0 && p.rec.pid == inner && p.rec.tgid == inner && p.rec.ppid == init;
        printf("%s\n", ok ? "the record's pids are this namespace's (the listener's)"
                          : "the record's pids are NOT this namespace's");
        pg_exits_free(x);
        return ok ? 0 : 1;
}

int main(int argc, char **argv) {
        double secs = 20, ms = 30, hold = 2;
        int rate = 15, orphan = 0, c;
        long bomb_n = 0;

        while ((c = getopt(argc, argv, "t:od:r:m:H:b:P")) != -1) {
                switch (c) {
                case 't': snprintf(tag, sizeof(tag), "%s", optarg); break;
                case 'o': orphan = 1; break;
                case 'd': secs = atof(optarg); break;
                case 'r': rate = atoi(optarg); break;
                case 'm': ms = atof(optarg); break;
                case 'H': hold = atof(optarg); break;
                case 'b': bomb_n = atol(optarg); break;
                case 'P': return probe();
                default:
                        fprintf(stderr, "usage: exitload -t TAG [-o] [-d S] [-r PER_S] [-m MS] "
                                        "[-H HOLD] | -b N -t TAG [-H HOLD] | -P\n");
                        return 2;
                }
        }
        if (!tag[0] || rate <= 0) {
                fprintf(stderr, "exitload: -t TAG and a positive -r are needed\n");
                return 2;
        }
        return bomb_n > 0 ? bomb(bomb_n, hold) : workload(secs, rate, ms, orphan, hold);
}
