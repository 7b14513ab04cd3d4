/* SPDX-License-Identifier: MIT */
/* bpfiter: what a BPF task iterator would cost as the idle test, next to
 * what procgroups does (list /proc, read each process's CPU clock), per
 * process, with warm and with cold CPU caches (doc/memory.md).
 *
 *   bpfiter [-r ROUNDS] [-p PASSES]
 *
 * Measures the processes this /proc shows: run it in a PID namespace next
 * to bench/load (bench/README.md has the command). Three methods:
 *   bpf    one read of the iterator (bpfiter.bpf.c: a record per task,
 *          its ns pid, tgid, sum_exec_runtime, the group's dead threads'
 *          run time), summed per tgid into the process clock;
 *   clock  getdents64 of /proc and each process's clock, read as the
 *          tracker reads it (pg_cpuclock_read);
 *   list   getdents64 of /proc alone.
 * Each round runs every method PASSES (20) times back to back ("warm")
 * and PASSES times with the caches evicted before each pass ("cold",
 * evict.h); the figure is the median over ROUNDS (5) of a round's CPU
 * (CLOCK_PROCESS_CPUTIME_ID, the iterator's kernel work included) per
 * pass per process. It also checks the iterator against the clock: for
 * every process, the sum of its tasks' run times and its dead threads'
 * must equal clock_gettime of its clock read just after, unless it ran in
 * between (then the clock is larger). Needs root (CAP_BPF, CAP_PERFMON)
 * and a kernel with BTF; built by `make bench-bpf` only where clang,
 * bpftool and libbpf are. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfiter.skel.h"
#include "common/cpuclock.h"
#include "evict.h"

struct task_rec {
        uint32_t tgid, pid;
        uint64_t runtime, dead;
};

struct proc_sum {
        uint32_t tgid;
        uint64_t ns;
};

#define MAX_PROCS (1u << 16)
static struct proc_sum procs[MAX_PROCS];
static size_t nprocs;
static char buf[1 << 20];
static char dents[1 << 16];

static double cpu_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_u32(const void *a, const void *b) {
        uint32_t x = ((const struct proc_sum *)a)->tgid, y = ((const struct proc_sum *)b)->tgid;
        return (x > y) - (x < y);
}

/* Tasks come in tid order, so leaders (tid == tgid) come in tgid order
 * and procs[] stays sorted; a thread usually follows its leader, else it
 * is found by bisection. A thread whose tid is below its leader's (pids
 * wrapped) is missed: check_bpf() would count its process as "ran". */
static void add_task(const struct task_rec *r) {
        struct proc_sum key = {r->tgid, 0}, *p = NULL;

        if (r->pid == r->tgid) {
                if (nprocs < MAX_PROCS)
                        procs[nprocs++] = (struct proc_sum){r->tgid, r->dead + r->runtime};
                return;
        }
        if (nprocs && procs[nprocs - 1].tgid == r->tgid)
                p = &procs[nprocs - 1];
        else
                p = bsearch(&key, procs, nprocs, sizeof *procs, cmp_u32);
        if (p)
                p->ns += r->runtime;
}

/* One pass of the iterator: the process clocks in procs[]. */
static int pass_bpf(struct bpf_link *link) {
        ssize_t n;
        size_t got = 0;
        int fd = bpf_iter_create(bpf_link__fd(link));

        if (fd < 0)
                return -errno;
        nprocs = 0;
        while ((n = read(fd, buf + got, sizeof buf - got)) > 0) {
                got += (size_t)n;
                size_t whole = got - got % sizeof(struct task_rec);
                for (size_t off = 0; off < whole; off += sizeof(struct task_rec)) {
                        struct task_rec r;
                        memcpy(&r, buf + off, sizeof r);
                        add_task(&r);
                }
                memmove(buf, buf + whole, got - whole);
                got -= whole;
        }
        close(fd);
        return n < 0 ? -errno : 0;
}

static void pass_list(int with_clock) {
        int dfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        long n;

        if (dfd < 0)
                return;
        nprocs = 0;
        while ((n = syscall(SYS_getdents64, dfd, dents, sizeof dents)) > 0) {
                for (long off = 0; off < n;) {
                        struct {
                                uint64_t ino;
                                int64_t off;
                                unsigned short reclen;
                                unsigned char type;
                                char name[];
                        } *d = (void *)(dents + off);
                        off += d->reclen;
                        if (d->name[0] < '1' || d->name[0] > '9')
                                continue;
                        pid_t pid = (pid_t)strtol(d->name, NULL, 10);
                        uint64_t ns;
                        if (!with_clock || pg_cpuclock_read(pid, &ns) == 0)
                                nprocs++;
                }
        }
        close(dfd);
}

/* The iterator's sums against the clocks: equal, or the clock larger
 * (the process ran between the two reads). Returns the mismatches. */
static long check_bpf(struct bpf_link *link, long *equal, long *ran) {
        long bad = 0;

        if (pass_bpf(link) < 0)
                return -1;
        *equal = *ran = 0;
        for (size_t i = 0; i < nprocs; i++) {
                uint64_t c;
                if (pg_cpuclock_read((pid_t)procs[i].tgid, &c) != 0)
                        continue; /* gone */
                if (c == procs[i].ns)
                        ++*equal;
                else if (c > procs[i].ns)
                        ++*ran;
                else
                        bad++;
        }
        return bad;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

enum { M_BPF, M_CLOCK, M_LIST, M_N };
static const char *const names[M_N] = {"bpf", "clock", "list"};

/* CPU ns per pass of one method, PASSES passes, cold or warm. */
static double measure(int m, struct bpf_link *link, int passes, int cold, size_t *seen) {
        double sum = 0;

        for (int i = 0; i < passes; i++) {
                if (cold)
                        bench_evict();
                double c0 = cpu_ns();
                if (m == M_BPF)
                        pass_bpf(link);
                else
                        pass_list(m == M_CLOCK);
                sum += cpu_ns() - c0;
        }
        *seen = nprocs;
        return sum / passes;
}

int main(int argc, char **argv) {
        int c, rounds = 5, passes = 20, ret = 1;
        struct bpfiter *skel = NULL;
        struct bpf_link *link = NULL;
        double *fig[M_N][2] = {{0}};
        size_t seen = 0;
        long equal = 0, ran = 0, bad;

        while ((c = getopt(argc, argv, "r:p:")) != -1) {
                switch (c) {
                case 'r': rounds = atoi(optarg); break;
                case 'p': passes = atoi(optarg); break;
                default: fputs("usage: bpfiter [-r ROUNDS] [-p PASSES]\n", stderr); return 2;
                }
        }
        if (rounds < 1 || passes < 1)
                return 2;
        skel = bpfiter__open();
        if (!skel)
                return fprintf(stderr, "bpfiter: open: %s\n", strerror(errno)), 1;
        if (bpfiter__load(skel) != 0) {
                fprintf(stderr, "bpfiter: load: %s (root, and a kernel with BTF?)\n",
                        strerror(errno));
                goto out;
        }
        link = bpf_program__attach_iter(skel->progs.pg_task_iter, NULL);
        if (!link) {
                fprintf(stderr, "bpfiter: attach: %s\n", strerror(errno));
                goto out;
        }
        for (int m = 0; m < M_N; m++)
                for (int k = 0; k < 2; k++)
                        if (!(fig[m][k] = calloc((size_t)rounds, sizeof(double))))
                                goto out;
        bad = check_bpf(link, &equal, &ran);
        if (bad < 0) {
                fprintf(stderr, "bpfiter: reading the iterator failed\n");
                goto out;
        }
        printf("check: %zu processes, %ld clocks equal to the iterator's sum, %ld ran in between, "
               "%ld smaller (wrong)\n",
               nprocs, equal, ran, bad);
        for (int r = 0; r < rounds; r++)
                for (int i = 0; i < M_N; i++) {
                        int m = (i + r) % M_N;         /* rotated: drift hits all alike */
                        measure(m, link, 1, 0, &seen); /* unmeasured */
                        fig[m][0][r] = measure(m, link, passes, 0, &seen) / (double)seen;
                        fig[m][1][r] = measure(m, link, passes, 1, &seen) / (double)seen;
                }
        printf("%zu processes, us per process per pass, median of %d rounds (lowest-highest)\n",
               seen, rounds);
        for (int m = 0; m < M_N; m++)
                for (int k = 0; k < 2; k++) {
                        qsort(fig[m][k], (size_t)rounds, sizeof(double), cmp_double);
                        double med = rounds % 2
                                         ? fig[m][k][rounds / 2]
                                         : (fig[m][k][rounds / 2 - 1] + fig[m][k][rounds / 2]) / 2;
                        printf("method=%s caches=%s us_per_proc=%.2f low=%.2f high=%.2f\n",
                               names[m], k ? "cold" : "warm", med / 1e3, fig[m][k][0] / 1e3,
                               fig[m][k][rounds - 1] / 1e3);
                }
        /* a check that found no clock to compare proves nothing (pids from
         * the wrong namespace level would all look gone) */
        if (equal + ran == 0)
                fputs("bpfiter: no process's clock matched an iterator pid\n", stderr);
        ret = bad || equal + ran == 0 ? 1 : 0;
out:
        for (int m = 0; m < M_N; m++)
                for (int k = 0; k < 2; k++)
                        free(fig[m][k]);
        bpf_link__destroy(link);
        bpfiter__destroy(skel);
        return ret;
}
