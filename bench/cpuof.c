/* SPDX-License-Identifier: MIT */
/* cpuof: CPU time and peak RSS of another process, for the benchmark
 * script (the shell has no nanosecond CPU clock of another process).
 *
 *   cpuof PID           prints "cpu_ns=N hwm_kb=K" of a running process:
 *                       its CPU clock (clock_getcpuclockid: all threads,
 *                       user+sys, ns) and VmHWM from its status
 *   cpuof -- CMD ARG..  runs CMD, waits, prints the same for it (wait4's
 *                       rusage: user+sys and ru_maxrss); stdout of CMD goes
 *                       to /dev/null, its exit status is ours
 *   cpuof -k            prints "sunreclaim_kb=N slab_kb=M cgroup_kb=C": the
 *                       kernel memory figures now (kmem.h; -1 for what
 *                       cannot be read: /proc/slabinfo is root's) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kmem.h"

static long hwm_kb(pid_t pid) {
        char path[64], b[8192];
        const char *p;
        ssize_t n;
        int fd;

        snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        n = read(fd, b, sizeof b - 1);
        close(fd);
        if (n <= 0)
                return -1;
        b[n] = '\0';
        p = strstr(b, "\nVmHWM:");
        return p ? strtol(p + 7, NULL, 10) : -1;
}

static int run(char **argv) {
        struct rusage ru;
        int status, fd;
        pid_t pid = fork();

        if (pid < 0)
                return perror("cpuof: fork"), 1;
        if (pid == 0) {
                fd = open("/dev/null", O_WRONLY);
                if (fd >= 0)
                        dup2(fd, 1);
                execvp(argv[0], argv);
                _exit(127);
        }
        if (wait4(pid, &status, 0, &ru) < 0)
                return perror("cpuof: wait4"), 1;
        long long ns = ((long long)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
                       ((long long)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
        printf("cpu_ns=%lld hwm_kb=%ld\n", ns, ru.ru_maxrss);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char **argv) {
        struct timespec ts;
        clockid_t clk;
        pid_t pid;

        if (argc >= 3 && strcmp(argv[1], "--") == 0)
                return run(argv + 2);
        if (argc == 2 && strcmp(argv[1], "-k") == 0) {
                struct kmem k;
                if (kmem_read(&k) < 0)
                        return fputs("cpuof: no /proc/meminfo\n", stderr), 1;
                printf("sunreclaim_kb=%.0f slab_kb=%.0f cgroup_kb=%.0f\n", k.sunreclaim_kb,
                       k.slab_kb, k.cgroup_kb);
                return 0;
        }
        if (argc != 2)
                return fputs("usage: cpuof PID | cpuof -- CMD [ARG...] | cpuof -k\n", stderr), 2;
        pid = (pid_t)atoi(argv[1]);
        if (clock_getcpuclockid(pid, &clk) != 0 || clock_gettime(clk, &ts) != 0)
                return fprintf(stderr, "cpuof: no CPU clock for pid %d\n", (int)pid), 1;
        printf("cpu_ns=%lld hwm_kb=%ld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec,
               hwm_kb(pid));
        return 0;
}
