/* SPDX-License-Identifier: MIT */
/* kmem.h: the benchmark's figures of kernel memory (header only: every
 * bench program is one file).
 *
 * Two figures, both machine-wide (what other processes allocate counts
 * too):
 *   sunreclaim_kb  SUnreclaim of /proc/meminfo: slab pages the kernel
 *                  cannot reclaim, where kept files' seq_file buffers,
 *                  struct files and pidfds live. Pages, not objects: new
 *                  objects may fill holes that freed ones left in
 *                  partly used slabs and not show at all;
 *   slab_kb        the live objects of the unreclaimable slab caches
 *                  (/proc/slabinfo active objects x object size, caches
 *                  without reclaim_account in /sys/kernel/slab): what is
 *                  held, wherever it sits; -1 without /proc/slabinfo
 *                  (root only). SLUB counts objects of per-CPU slabs as
 *                  live: a few slabs per cache and CPU of slack;
 *   cgroup_kb      the kernel memory charged to our own memory cgroup
 *                  (v1 memory.kmem.usage_in_bytes, v2 memory.stat
 *                  "kernel"): what a host owner sees a collector's cgroup
 *                  hold, and only this cgroup's processes (the benchmark's:
 *                  its load, the collector, the script), so other tenants
 *                  of the machine do not move it. Objects, reclaimable
 *                  ones (dentries, inodes a first read creates) included;
 *                  -1 where there is no such file.
 * Other kernel memory (kernel stacks, page tables) is in cgroup_kb only. */
#ifndef PG_BENCH_KMEM_H
#define PG_BENCH_KMEM_H

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct kmem {
        double sunreclaim_kb, sreclaimable_kb;
        double slab_kb;  /* live objects, unreclaimable caches */
        double rslab_kb; /* live objects, reclaimable caches (dentries, inodes) */
        double cgroup_kb;
};

/* The whole of a small file into b (NUL-terminated); its length or -1. */
static inline ssize_t kmem_slurp(const char *path, char *b, size_t size) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        size_t n = 0;
        ssize_t r;

        if (fd < 0)
                return -1;
        while (n < size - 1 && (r = read(fd, b + n, size - 1 - n)) > 0)
                n += (size_t)r;
        close(fd);
        b[n] = '\0';
        return (ssize_t)n;
}

/* Whether slab cache name is reclaimable (SLAB_RECLAIM_ACCOUNT: its pages
 * count in SReclaimable); asked of /sys/kernel/slab once per name. */
static inline int kmem_reclaimable(const char *name) {
        static char names[1024][64];
        static int flags[1024], n;
        char path[256], v[8];

        for (int i = 0; i < n; i++)
                if (strcmp(names[i], name) == 0)
                        return flags[i];
        snprintf(path, sizeof path, "/sys/kernel/slab/%s/reclaim_account", name);
        int f = kmem_slurp(path, v, sizeof v) > 0 && v[0] == '1';
        if (n < 1024) {
                snprintf(names[n], sizeof names[n], "%s", name);
                flags[n++] = f;
        }
        return f;
}

/* For each slab cache: fn(name, bytes of live objects, ctx). */
static inline int kmem_caches(void (*fn)(const char *, double, void *), void *ctx) {
        static char b[512 * 1024];
        char *line, *save;

        if (kmem_slurp("/proc/slabinfo", b, sizeof b) <= 0)
                return -1;
        for (line = strtok_r(b, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char name[64];
                unsigned long active, total, size;
                if (line[0] == '#' ||
                    sscanf(line, "%63s %lu %lu %lu", name, &active, &total, &size) != 4)
                        continue;
                fn(name, (double)active * (double)size, ctx);
        }
        return 0;
}

/* The file that holds our memory cgroup's kernel memory, "" if none:
 * v1 "N:memory:/path" or v2 "0::/path" of /proc/self/cgroup. */
static inline const char *kmem_cgroup_file(int *v2) {
        static char path[4096];
        static int found = -1, is_v2;
        char b[8192], *line, *save;

        if (found >= 0) {
                *v2 = is_v2;
                return path;
        }
        found = 0;
        path[0] = '\0';
        if (kmem_slurp("/proc/self/cgroup", b, sizeof b) <= 0)
                return path;
        for (line = strtok_r(b, "\n", &save); line && !found; line = strtok_r(NULL, "\n", &save)) {
                const char *c = strchr(line, ':'), *rel = c ? strchr(c + 1, ':') : NULL;
                int fd;
                if (!rel)
                        continue;
                if (strncmp(c, ":memory:", 8) == 0)
                        snprintf(path, sizeof path,
                                 "/sys/fs/cgroup/memory%s/memory.kmem.usage_in_bytes", rel + 1);
                else if (strncmp(line, "0::", 3) == 0)
                        snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.stat", rel + 1);
                else
                        continue;
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd >= 0) {
                        close(fd);
                        found = 1;
                        is_v2 = line[0] == '0';
                }
        }
        if (!found)
                path[0] = '\0';
        *v2 = is_v2;
        return path;
}

static inline double kmem_cgroup_kb(void) {
        char b[8192];
        const char *p;
        int v2 = 0;
        const char *path = kmem_cgroup_file(&v2);

        if (!path[0] || kmem_slurp(path, b, sizeof b) <= 0)
                return -1;
        if (!v2)
                return strtod(b, NULL) / 1024;
        p = strstr(b, "\nkernel ");
        return p ? strtod(p + 8, NULL) / 1024 : -1;
}

static inline void kmem_add(const char *name, double bytes, void *ctx) {
        struct kmem *k = ctx;
        if (kmem_reclaimable(name))
                k->rslab_kb += bytes / 1024;
        else
                k->slab_kb += bytes / 1024;
}

/* The figures now; 0, or -1 without /proc/meminfo. */
static inline int kmem_read(struct kmem *k) {
        char b[8192];
        const char *p;

        memset(k, 0, sizeof *k);
        if (kmem_slurp("/proc/meminfo", b, sizeof b) <= 0)
                return -1;
        p = strstr(b, "\nSUnreclaim:");
        k->sunreclaim_kb = p ? strtod(p + 12, NULL) : -1;
        p = strstr(b, "\nSReclaimable:");
        k->sreclaimable_kb = p ? strtod(p + 14, NULL) : -1;
        if (kmem_caches(kmem_add, k) < 0)
                k->slab_kb = k->rslab_kb = -1;
        k->cgroup_kb = kmem_cgroup_kb();
        return 0;
}

/* Give empty slabs back to the page allocator (SLUB's shrink; root), so
 * that what is allocated next shows as new pages in SUnreclaim. */
static inline void kmem_shrink(void) {
        DIR *d = opendir("/sys/kernel/slab");
        struct dirent *e;
        char path[512];

        if (!d)
                return;
        while ((e = readdir(d))) {
                if (e->d_name[0] == '.' || e->d_type != DT_DIR)
                        continue;
                snprintf(path, sizeof path, "/sys/kernel/slab/%s/shrink", e->d_name);
                int fd = open(path, O_WRONLY | O_CLOEXEC);
                if (fd >= 0) {
                        (void)!write(fd, "1", 1);
                        close(fd);
                }
        }
        closedir(d);
}

#endif
