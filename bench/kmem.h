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
 *                  live: a few slabs per cache and CPU of slack. */
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
