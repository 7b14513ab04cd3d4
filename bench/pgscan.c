/* SPDX-License-Identifier: MIT */
/* pgscan: the CPU cost of one procgroups scan, measured inside the process
 * that scans (no CLI, no output formatting).
 *
 *   pgscan [-T] [-M] [-X] [-C] [-E] [-n MIN_SCANS] [-N MAX_SCANS] [-w WARMUP] [-t SECONDS]
 *          [-s SLEEP_MS] [-D ROOT] [-K KEPT_FDS] [-l LABEL]
 *
 * Builds a tracker with the built-in default rule (every process, named by
 * comm) and the default options over ROOT (/proc), -T turning threads off,
 * -M counting mappings, -X turning exit records off (they are on only as
 * root in the initial namespaces: BENCH_ISOLATE=0), -C not taking the
 * process CPU clock as the idle test (every process's files read each
 * scan: the method of doc/memory.md's "today"), -E evicting the CPU caches
 * before each measured scan (evict.h: the cost of a scan on a host whose
 * work runs between scans), and runs scans back to back: WARMUP (2)
 * unmeasured scans first (the first sight of every process reads its static files), then at least
 * MIN_SCANS (5) and at least SECONDS (0), at most MAX_SCANS (1000). -s sleeps between scans, like
 * an interval-driven collector. -K sets kept_fds (0: the CLI's default budget, -1: keep none).
 * Output: one line of key=value pairs: cpu_ms (median CPU per scan, user+sys
 * from CLOCK_PROCESS_CPUTIME_ID), cpu_ms_mean, wall_ms (mean), peak_rss_kb
 * (VmHWM at the end), the tracker's figures of the last scan, kept_files,
 * kernel_kb, slab_kb and cgroup_kb (the growth of SUnreclaim, of live
 * unreclaimable slab objects and of our memory cgroup's kernel memory,
 * kmem.h: their medians over samples after the first 15
 * measured scans, outside the timed part, less the medians of three
 * samples at the start; mostly the kept files' seq_file buffers; the first
 * two machine-wide, so rough figures), cgroup_at_kb (the cgroup's median
 * itself, for run.sh to compare with after we exit) and exit_records
 * (active or off). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/match.h"
#include "common/proc.h"
#include "common/setup.h"
#include "common/track.h"
#include "evict.h"
#include "kmem.h"

static double clock_ms(clockid_t c) {
        struct timespec ts;
        clock_gettime(c, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The "Key: N kB" figure of a /proc file (key given with its colon), or
 * -1: VmHWM of /proc/self/status, SUnreclaim of /proc/meminfo (the kernel
 * memory that kept files pin, among everything else on the machine). */
static long kb_field(const char *path, const char *key) {
        char b[8192], nkey[32];
        ssize_t n;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        const char *p;

        if (fd < 0)
                return -1;
        n = read(fd, b, sizeof b - 1);
        close(fd);
        if (n <= 0)
                return -1;
        b[n] = '\0';
        snprintf(nkey, sizeof nkey, "\n%s", key);
        p = strstr(b, nkey);
        return p ? strtol(p + strlen(nkey), NULL, 10) : -1;
}

static long vm_hwm_kb(void) {
        return kb_field("/proc/self/status", "VmHWM:");
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

static double median(double *v, int n) {
        if (n < 1)
                return 0;
        qsort(v, (size_t)n, sizeof *v, cmp_double);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The kernel memory figures now (kmem.h); kept for the first KMEM_SAMPLES. */
#define KMEM_SAMPLES 15
static double k_unrecl[KMEM_SAMPLES], k_slab[KMEM_SAMPLES], k_cg[KMEM_SAMPLES];
static int k_n;

static void kmem_sample(void) {
        struct kmem k;
        if (k_n < KMEM_SAMPLES && kmem_read(&k) == 0) {
                k_unrecl[k_n] = k.sunreclaim_kb;
                k_cg[k_n] = k.cgroup_kb;
                k_slab[k_n++] = k.slab_kb;
        }
}

static int usage(void) {
        fputs(
            "usage: pgscan [-T] [-M] [-X] [-C] [-E] [-n MIN_SCANS] [-N MAX_SCANS] [-w WARMUP] [-t "
            "SECONDS]\n"
            "              [-s SLEEP_MS] [-D ROOT] [-K KEPT_FDS] [-l LABEL]\n",
            stderr);
        return 2;
}

int main(int argc, char **argv) {
        struct pg_track_opts opts = PG_TRACK_OPTS_DEFAULT;
        struct pg_rules *rules;
        struct pg_tracker *t = NULL;
        enum pg_setup_step step;
        const struct pg_group *const *groups;
        const struct pg_track_stats *st;
        bool cold = false;
        int c, r, min_scans = 5, max_scans = 1000, warm = 2, sleep_ms = 0, k = 0, ret = 1;
        double seconds = 0, *cpu = NULL, wall = 0, sum = 0, t0, unrecl0, slab0, cg0;
        const char *root = "/proc", *label = NULL;

        while ((c = getopt(argc, argv, "TMXCEn:N:w:t:s:D:K:l:")) != -1) {
                switch (c) {
                case 'T': opts.threads = false; break;
                case 'M': opts.maps = true; break; /* collectd's CollectMemoryMaps */
                case 'X': opts.exit_records = false; break;
                case 'C': opts.no_cpu_clock = true; break;
                case 'E': cold = true; break;
                case 'n': min_scans = atoi(optarg); break;
                case 'N': max_scans = atoi(optarg); break;
                case 'w': warm = atoi(optarg); break;
                case 't': seconds = atof(optarg); break;
                case 's': sleep_ms = atoi(optarg); break;
                case 'D': root = optarg; break;
                case 'K': opts.kept_fds = atoi(optarg); break;
                case 'l': label = optarg; break;
                default: return usage();
                }
        }
        if (min_scans < 1 || max_scans < min_scans)
                return usage();
        /* before anything is open: the median of three 5 ms apart */
        for (int i = 0; i < 3; i++) {
                if (i)
                        usleep(5000);
                kmem_sample();
        }
        unrecl0 = median(k_unrecl, k_n);
        slab0 = median(k_slab, k_n);
        cg0 = median(k_cg, k_n);
        k_n = 0;
        cpu = calloc((size_t)max_scans, sizeof *cpu);
        if (!cpu)
                goto out;
        r = pg_rules_new_default(&rules);
        if (r < 0)
                goto fail;
        /* Like the CLI: the whole fd limit but a reserve for kept files. */
        r = pg_setup_tracker(&(struct pg_setup){.procfs = root, .opts = opts, .own_process = true},
                             rules, &t, &step);
        if (r < 0 && step == PG_SETUP_ROOT) {
                fprintf(stderr, "pgscan: %s: %s\n", root, strerror(-r));
                goto out;
        }
        if (r < 0)
                goto fail;

        for (int i = 0; i < warm; i++) {
                r = pg_tracker_scan(t);
                if (r < 0)
                        goto fail;
        }
        t0 = clock_ms(CLOCK_MONOTONIC);
        while (k < max_scans) {
                if (sleep_ms > 0)
                        usleep((useconds_t)sleep_ms * 1000);
                if (cold)
                        bench_evict();
                double w0 = clock_ms(CLOCK_MONOTONIC), c0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
                r = pg_tracker_scan(t);
                cpu[k] = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
                wall += clock_ms(CLOCK_MONOTONIC) - w0;
                if (r < 0)
                        goto fail;
                kmem_sample(); /* outside the timed part */
                sum += cpu[k++];
                if (k >= min_scans && clock_ms(CLOCK_MONOTONIC) - t0 >= seconds * 1e3)
                        break;
        }
        qsort(cpu, (size_t)k, sizeof *cpu, cmp_double);
        st = pg_tracker_stats(t);
        printf("collector=procgroups variant=%s%s scans=%d cpu_ms=%.3f cpu_ms_mean=%.3f "
               "cpu_ms_min=%.3f wall_ms=%.3f procs=%llu groups=%zu vanished=%llu "
               "soft_errors=%llu hard_errors=%llu peak_rss_kb=%ld kept_files=%llu kernel_kb=%.0f "
               "slab_kb=%.0f cgroup_kb=%.0f cgroup_at_kb=%.0f exit_records=%s clock_idle=%llu\n",
               label          ? label
               : opts.threads ? "threads-on"
                              : "threads-off",
               cold && !label ? "-cold" : "", k,
               k % 2 ? cpu[k / 2] : (cpu[k / 2 - 1] + cpu[k / 2]) / 2, sum / k, cpu[0], wall / k,
               (unsigned long long)st->procs, pg_tracker_groups(t, &groups),
               (unsigned long long)st->vanished, (unsigned long long)st->soft_errors,
               (unsigned long long)st->hard_errors, vm_hwm_kb(), (unsigned long long)st->kept_files,
               median(k_unrecl, k_n) - unrecl0, slab0 < 0 ? -1 : median(k_slab, k_n) - slab0,
               cg0 < 0 ? -1 : median(k_cg, k_n) - cg0, cg0 < 0 ? -1 : median(k_cg, k_n),
               pg_tracker_exits_active(t) ? "active" : "off", (unsigned long long)st->clock_idle);
        ret = 0;
        goto out;
fail:
        fprintf(stderr, "pgscan: %s\n", strerror(-r));
out:
        pg_tracker_free(t);
        free(cpu);
        return ret;
}
