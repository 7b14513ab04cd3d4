/* SPDX-License-Identifier: MIT */
/* floor: the least work a per-process scan of /proc must do, to compare a
 * collector with. No parsing beyond finding num_threads in stat.
 *
 *   floor [-F] [-p FILES] [-T FILES] [-R FILE] [-P] [-k] [-E] [-n MIN_SCANS]
 *         [-N MAX_SCANS] [-w WARMUP] [-t SECONDS] [-s SLEEP_MS] [-D ROOT] [-l LABEL]
 *
 * Per scan: list ROOT (getdents64 on a dirfd kept open, rewound each scan);
 * for every numeric entry open/read/close "PID/stat", "PID/status",
 * "PID/io" (openat relative to the root dirfd, one read() into one reused
 * buffer) and count the fds with fstatat("PID/fd").st_size (procfs, Linux
 * 6.2 and later, counts the open fds without listing them).
 *   -F  "full": also "PID/limits" and "PID/wchan", and for every process
 *       whose stat says num_threads > 1, list "PID/task" and read
 *       task/TID/stat and task/TID/status of each thread;
 *   -p, -T  any other file set: comma lists of files per process ("fd" is
 *       the fd count) and per task of multi-threaded processes ("none"),
 *       to compare a collector with a floor that reads the same files;
 *       without "stat" in -p, task/ is listed for every process;
 *   -P  open a per-pid (and per-task) O_PATH dirfd and the files relative
 *       to it, as a collector that keeps a dirfd per process does;
 *   -R  replay a list instead: FILE holds one path per line relative to
 *       ROOT, "PID/.../name" (open, read, close), "PID/fd" (the fd count)
 *       or "PID/task/" (list the directory); every scan lists ROOT and then
 *       does exactly those operations, with a dirfd per pid under -P and
 *       kept fds under -k. run.sh makes the list from strace of one
 *       procgroups scan: the same files, read the cheapest way;
 *   -k  keep every file open across scans and re-read it with
 *       pread(fd, 0) (the kernel regenerates the text); a per-pid O_PATH
 *       dirfd is kept for the fd count. A read that fails (the process
 *       exited, or its pid was reused) closes and re-opens once. Keeps
 *       below RLIMIT_NOFILE; beyond it files are opened per scan.
 *   -w  unmeasured warm-up scans (2); then at least MIN_SCANS (5) and at
 *       least SECONDS (0) of scans, at most MAX_SCANS (1000);
 *   -s  sleep between scans (colder caches, like a 1 s collector);
 *   -E  evict the CPU caches before each measured scan (evict.h).
 * Output: one line of key=value pairs; cpu_ms is the median over the
 * measured scans of CLOCK_PROCESS_CPUTIME_ID per scan (user+sys);
 * kernel_kb, slab_kb and cgroup_kb the growth of SUnreclaim, of live
 * unreclaimable slab objects (both machine-wide) and of the kernel memory
 * charged to our memory cgroup (kmem.h): their medians over samples taken
 * after the first 15 measured scans, outside the timed part, less the
 * medians of three samples taken at the start; cgroup_at_kb the cgroup's
 * median itself, for run.sh to compare with after we exit. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "evict.h"
#include "kmem.h"

#define MAXF 12
static const char *pfiles[MAXF], *tfiles[MAXF];
static int npf, ntf, stat_at = -1, fd_at = -1;

/* What is kept open for one pid or tid (-k). */
struct slot {
        int dir;       /* O_PATH dirfd of PID/, for the fd count */
        int pf[MAXF];  /* PID/<file> */
        int tf[MAXF];  /* PID/task/TID/<file> */
        unsigned seen; /* scan number that last saw it */
        int active;    /* listed in the active array */
};

static int root_fd, keep, per_dir;
static unsigned scan_no;
static struct slot *slots;
static size_t nslots;
static int *active; /* ids with a slot in use, to close the stale ones */
static size_t nactive, cap_active;
static long kept, budget;
static uint64_t files_read, procs, tasks, errors;
static char buf[64 * 1024];

static double clock_ms(clockid_t c) {
        struct timespec ts;
        clock_gettime(c, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static struct slot *slot_of(int id) {
        if ((size_t)id >= nslots) {
                size_t n = nslots ? nslots : 4096;
                while (n <= (size_t)id)
                        n *= 2;
                struct slot *s = realloc(slots, n * sizeof *s);
                if (!s)
                        return NULL;
                for (size_t i = nslots; i < n; i++) {
                        s[i].dir = -1;
                        s[i].seen = 0;
                        s[i].active = 0;
                        for (int f = 0; f < MAXF; f++)
                                s[i].pf[f] = -1;
                        for (int f = 0; f < MAXF; f++)
                                s[i].tf[f] = -1;
                }
                slots = s;
                nslots = n;
        }
        struct slot *s = &slots[id];
        if (!s->active) {
                if (nactive == cap_active) {
                        size_t c = cap_active ? cap_active * 2 : 1024;
                        int *a = realloc(active, c * sizeof *a);
                        if (!a)
                                return NULL;
                        active = a;
                        cap_active = c;
                }
                active[nactive++] = id;
                s->active = 1;
        }
        s->seen = scan_no;
        return s;
}

static void close_kept(int *fd) {
        if (*fd >= 0) {
                close(*fd);
                *fd = -1;
                kept--;
        }
}

static void slot_close(struct slot *s) {
        close_kept(&s->dir);
        for (int f = 0; f < MAXF; f++)
                close_kept(&s->pf[f]);
        for (int f = 0; f < MAXF; f++)
                close_kept(&s->tf[f]);
}

/* Forget the pids and tids that this scan did not see. */
static void drop_stale(void) {
        size_t j = 0;
        for (size_t i = 0; i < nactive; i++) {
                struct slot *s = &slots[active[i]];
                if (s->seen == scan_no) {
                        active[j++] = active[i];
                        continue;
                }
                slot_close(s);
                s->active = 0;
        }
        nactive = j;
}

/* Read path (relative to dir) once; with a kept fd, pread it instead.
 * Returns the bytes read or -1. */
static ssize_t read_file(int dir, const char *path, int *kept_fd) {
        ssize_t r;
        int fd;

        if (kept_fd && *kept_fd >= 0) {
                r = pread(*kept_fd, buf, sizeof buf - 1, 0);
                if (r >= 0)
                        goto done;
                close_kept(kept_fd); /* exited or reused: open again */
        }
        fd = openat(dir, path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        r = read(fd, buf, sizeof buf - 1);
        if (kept_fd && r >= 0 && kept < budget) {
                *kept_fd = fd;
                kept++;
        } else {
                close(fd);
        }
done:
        if (r >= 0) {
                buf[r] = '\0';
                files_read++;
        }
        return r;
}

/* num_threads is field 20 of stat, the 18th after the comm's last ')'. */
static long stat_threads(const char *s) {
        const char *p = strrchr(s, ')');
        if (!p)
                return 0;
        for (int field = 2; field < 20 && p; field++)
                p = strchr(p + 1, ' ');
        return p ? strtol(p + 1, NULL, 10) : 0;
}

static int is_pid(const char *name) {
        if (*name < '1' || *name > '9')
                return 0;
        for (name++; *name; name++)
                if (*name < '0' || *name > '9')
                        return 0;
        return 1;
}

/* The fd count: fstatat(dir, path).st_size, procfs counting for us. */
static void count_fds(int dir, const char *path) {
        struct stat st;
        if (fstatat(dir, path, &st, 0) < 0)
                errors++;
}

/* "123/...": a pid then a slash. */
static int is_pid_prefix(const char *s) {
        if (*s < '1' || *s > '9')
                return 0;
        while (*s >= '0' && *s <= '9')
                s++;
        return *s == '/';
}

static void scan_tasks(const char *pid, int pid_dir) {
        char path[600];
        char dbuf[32 * 1024];
        long n;
        int tfd;

        snprintf(path, sizeof path, "%s/task", pid);
        tfd = pid_dir >= 0 ? openat(pid_dir, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                           : openat(root_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (tfd < 0)
                return;
        while ((n = syscall(SYS_getdents64, tfd, dbuf, sizeof dbuf)) > 0) {
                for (long off = 0; off < n;) {
                        struct dirent64 *d = (struct dirent64 *)(dbuf + off);
                        off += d->d_reclen;
                        if (!is_pid(d->d_name))
                                continue;
                        struct slot *s = keep ? slot_of(atoi(d->d_name)) : NULL;
                        int dir = root_fd;
                        tasks++;
                        if (per_dir && !s) {
                                dir = openat(tfd, d->d_name, O_PATH | O_DIRECTORY | O_CLOEXEC);
                                if (dir < 0) {
                                        errors++;
                                        continue;
                                }
                        }
                        for (int f = 0; f < ntf; f++) {
                                if (dir != root_fd)
                                        snprintf(path, sizeof path, "%s", tfiles[f]);
                                else
                                        snprintf(path, sizeof path, "%s/task/%s/%s", pid, d->d_name,
                                                 tfiles[f]);
                                if (read_file(dir, path, s ? &s->tf[f] : NULL) < 0)
                                        errors++;
                        }
                        if (dir != root_fd)
                                close(dir);
                }
        }
        close(tfd);
}

static void scan_pid(const char *pid) {
        char path[600];
        struct slot *s = keep ? slot_of(atoi(pid)) : NULL;
        long threads = stat_at < 0 ? 2 : 1; /* unknown: list task/ */
        int dir = root_fd;

        procs++;
        if (s) {
                /* kept: a dirfd per pid for the fd count (and opening) */
                if (s->dir < 0 && kept < budget) {
                        s->dir = openat(root_fd, pid, O_PATH | O_DIRECTORY | O_CLOEXEC);
                        if (s->dir >= 0)
                                kept++;
                }
                if (s->dir >= 0)
                        dir = s->dir;
        } else if (per_dir) {
                dir = openat(root_fd, pid, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (dir < 0) {
                        errors++;
                        return;
                }
        }
        for (int f = 0; f < npf; f++) {
                if (dir != root_fd)
                        snprintf(path, sizeof path, "%s", pfiles[f]);
                else
                        snprintf(path, sizeof path, "%s/%s", pid, pfiles[f]);
                if (f == fd_at) {
                        count_fds(dir, path);
                        continue;
                }
                ssize_t r = read_file(dir, path, s ? &s->pf[f] : NULL);
                if (r < 0) {
                        errors++;
                        if (f == stat_at)
                                goto out; /* gone */
                        continue;
                }
                if (f == stat_at && ntf > 0)
                        threads = stat_threads(buf);
        }
        if (ntf > 0 && threads > 1)
                scan_tasks(pid, s || dir == root_fd ? -1 : dir);
out:
        if (!s && dir != root_fd)
                close(dir);
}

/* Split a comma list into names; "none" is the empty list. */
static int parse_list(char *arg, const char **names) {
        int n = 0;
        if (strcmp(arg, "none") == 0)
                return 0;
        for (char *t = strtok(arg, ","); t; t = strtok(NULL, ","))
                if (n < MAXF)
                        names[n++] = t;
        return n;
}

/* -R: one operation of the replayed list. */
struct op {
        char *path;      /* relative to ROOT */
        const char *rel; /* the part after "PID/" */
        int pid;
        int kind; /* 0 read, 1 fd count, 2 list */
        int fd;   /* kept (-k) */
};
static struct op *ops;
static size_t nops;

static int load_ops(const char *file) {
        FILE *f = fopen(file, "r");
        char line[600];
        size_t cap = 0;

        if (!f)
                return -1;
        while (fgets(line, sizeof line, f)) {
                size_t len = strcspn(line, "\n");
                char *slash;
                line[len] = '\0';
                slash = strchr(line, '/');
                if (!len || !slash || !is_pid_prefix(line))
                        continue;
                if (nops == cap) {
                        cap = cap ? cap * 2 : 1024;
                        struct op *o = realloc(ops, cap * sizeof *o);
                        if (!o)
                                return fclose(f), -1;
                        ops = o;
                }
                struct op *o = &ops[nops++];
                o->path = strdup(line);
                if (!o->path)
                        return fclose(f), -1;
                o->rel = o->path + (slash - line) + 1;
                o->pid = atoi(line);
                o->kind = line[len - 1] == '/' ? 2 : strcmp(o->rel, "fd") == 0 ? 1 : 0;
                o->fd = -1;
        }
        fclose(f);
        return 0;
}

static void replay(void) {
        char dbuf[32 * 1024], pidname[16];
        int dir = -1, dir_pid = 0, d;
        long n;

        for (size_t i = 0; i < nops; i++) {
                struct op *o = &ops[i];
                const char *path = o->path;
                int at = root_fd;
                if (o->pid != dir_pid) {
                        procs++;
                        if (per_dir) {
                                if (dir >= 0)
                                        close(dir);
                                snprintf(pidname, sizeof pidname, "%d", o->pid);
                                dir = openat(root_fd, pidname, O_PATH | O_DIRECTORY | O_CLOEXEC);
                        }
                        dir_pid = o->pid;
                }
                if (per_dir) {
                        if (dir < 0) {
                                errors++;
                                continue;
                        }
                        at = dir;
                        path = o->rel;
                }
                switch (o->kind) {
                case 0:
                        if (read_file(at, path, keep ? &o->fd : NULL) < 0)
                                errors++;
                        break;
                case 1: count_fds(at, path); break;
                case 2:
                        d = openat(at, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (d < 0) {
                                errors++;
                                break;
                        }
                        while ((n = syscall(SYS_getdents64, d, dbuf, sizeof dbuf)) > 0)
                                tasks++;
                        close(d);
                        break;
                }
        }
        if (dir >= 0)
                close(dir);
}

static void scan(void) {
        static char dbuf[64 * 1024];
        long n;

        scan_no++;
        procs = tasks = files_read = errors = 0;
        lseek(root_fd, 0, SEEK_SET);
        while ((n = syscall(SYS_getdents64, root_fd, dbuf, sizeof dbuf)) > 0) {
                for (long off = 0; off < n;) {
                        struct dirent64 *d = (struct dirent64 *)(dbuf + off);
                        off += d->d_reclen;
                        if (!ops && is_pid(d->d_name))
                                scan_pid(d->d_name);
                }
        }
        if (ops)
                replay();
        if (keep && !ops)
                drop_stale();
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

/* The kernel memory figures now (kmem.h), and after the first KMEM_SAMPLES
 * measured scans, outside the timed part. */
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

int main(int argc, char **argv) {
        int c, min_scans = 5, max_scans = 1000, warm = 2, sleep_ms = 0, cold = 0;
        double seconds = 0, *cpu, unrecl0, slab0, cg0;
        const char *root = "/proc", *label = NULL;
        char *plist = NULL, *tlist = NULL;
        const char *replay_file = NULL;
        int full = 0;
        struct rlimit rl;
        struct rusage ru;

        while ((c = getopt(argc, argv, "Fp:T:PR:kEn:N:w:t:s:D:l:")) != -1) {
                switch (c) {
                case 'F': full = 1; break;
                case 'p': plist = optarg; break;
                case 'T': tlist = optarg; break;
                case 'P': per_dir = 1; break;
                case 'R': replay_file = optarg; break;
                case 'k': keep = 1; break;
                case 'E': cold = 1; break;
                case 'n': min_scans = atoi(optarg); break;
                case 'N': max_scans = atoi(optarg); break;
                case 'w': warm = atoi(optarg); break;
                case 't': seconds = atof(optarg); break;
                case 's': sleep_ms = atoi(optarg); break;
                case 'D': root = optarg; break;
                case 'l': label = optarg; break;
                default:
                        fputs(
                            "usage: floor [-F] [-p FILES] [-T FILES] [-R FILE] [-P] [-k] [-E]\n"
                            "             [-n MIN_SCANS] [-N MAX_SCANS] [-w WARMUP] [-t SECONDS]\n"
                            "             [-s SLEEP_MS] [-D ROOT] [-l LABEL]\n",
                            stderr);
                        return 2;
                }
        }
        if (min_scans < 1 || max_scans < min_scans)
                return fputs("floor: need 1 <= MIN_SCANS <= MAX_SCANS\n", stderr), 2;
        for (int i = 0; i < 3; i++) {
                if (i)
                        usleep(5000);
                kmem_sample();
        }
        unrecl0 = median(k_unrecl, k_n);
        slab0 = median(k_slab, k_n);
        cg0 = median(k_cg, k_n);
        k_n = 0;
        {
                static char pdef[64], tdef[64];
                snprintf(pdef, sizeof pdef, "%s",
                         full ? "stat,status,io,fd,limits,wchan" : "stat,status,io,fd");
                snprintf(tdef, sizeof tdef, "%s", full ? "stat,status" : "none");
                npf = parse_list(plist ? plist : pdef, pfiles);
                ntf = parse_list(tlist ? tlist : tdef, tfiles);
                for (int f = 0; f < npf; f++) {
                        if (strcmp(pfiles[f], "stat") == 0 && stat_at < 0)
                                stat_at = f;
                        if (strcmp(pfiles[f], "fd") == 0)
                                fd_at = f;
                }
        }
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
                rl.rlim_cur = rl.rlim_max;
                setrlimit(RLIMIT_NOFILE, &rl);
                getrlimit(RLIMIT_NOFILE, &rl);
                budget = (long)rl.rlim_cur - 64;
        }
        root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return perror(root), 1;
        if (replay_file && (load_ops(replay_file) < 0 || nops == 0))
                return fprintf(stderr, "floor: %s: no operations\n", replay_file), 1;
        cpu = calloc((size_t)max_scans, sizeof *cpu);
        if (!cpu)
                return 1;

        for (int i = 0; i < warm; i++)
                scan();
        int k = 0;
        double wall = 0, sum = 0, t_start = clock_ms(CLOCK_MONOTONIC);
        while (k < max_scans) {
                if (sleep_ms > 0)
                        usleep((useconds_t)sleep_ms * 1000);
                if (cold)
                        bench_evict();
                double w0 = clock_ms(CLOCK_MONOTONIC), c0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
                scan();
                cpu[k] = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
                wall += clock_ms(CLOCK_MONOTONIC) - w0;
                kmem_sample(); /* outside the timed part */
                sum += cpu[k++];
                if (k >= min_scans && clock_ms(CLOCK_MONOTONIC) - t_start >= seconds * 1e3)
                        break;
        }
        qsort(cpu, (size_t)k, sizeof *cpu, cmp_double);
        getrusage(RUSAGE_SELF, &ru);
        char variant[128];
        snprintf(variant, sizeof variant, "%s%s%s%s%s",
                 replay_file      ? "replay"
                 : plist || tlist ? "files"
                 : full           ? "full"
                                  : "min",
                 per_dir ? "-dirfd" : "", keep ? "-kept" : "", sleep_ms ? "-sleep" : "",
                 cold ? "-cold" : "");
        printf("collector=floor variant=%s scans=%d cpu_ms=%.3f cpu_ms_mean=%.3f "
               "cpu_ms_min=%.3f wall_ms=%.3f procs=%llu tasks=%llu files=%llu errors=%llu "
               "kept_fds=%ld peak_rss_kb=%ld kernel_kb=%.0f slab_kb=%.0f cgroup_kb=%.0f "
               "cgroup_at_kb=%.0f\n",
               label ? label : variant, k, k % 2 ? cpu[k / 2] : (cpu[k / 2 - 1] + cpu[k / 2]) / 2,
               sum / k, cpu[0], wall / k, (unsigned long long)procs, (unsigned long long)tasks,
               (unsigned long long)files_read, (unsigned long long)errors, kept, ru.ru_maxrss,
               median(k_unrecl, k_n) - unrecl0, slab0 < 0 ? -1 : median(k_slab, k_n) - slab0,
               cg0 < 0 ? -1 : median(k_cg, k_n) - cg0, cg0 < 0 ? -1 : median(k_cg, k_n));
        free(cpu);
        return 0;
}
