/* SPDX-License-Identifier: MIT */
/* evict.h: push the CPU caches' contents out between two measured scans
 * (header only: every bench program is one file).
 *
 * Back to back, a scan finds what the last one touched still in the
 * caches: the kernel's task and pid structures, our own tables. With
 * 1,000 processes that is a few MB and fits the last-level cache; with
 * 10,000 it does not, so per process a back-to-back scan looks cheaper at
 * small N than at large N. A collector that scans every second or ten on
 * a working host finds cold caches whatever N is. bench_evict() writes a
 * buffer of twice the last-level cache (64 MiB where the size is not
 * known), one byte per 64-byte line, outside the timed part, so that the
 * next scan pays for cold caches at every N. */
#ifndef PG_BENCH_EVICT_H
#define PG_BENCH_EVICT_H

#include <stdlib.h>
#include <unistd.h>

static size_t evict_size(void) {
        long llc = -1;
#ifdef _SC_LEVEL3_CACHE_SIZE
        llc = sysconf(_SC_LEVEL3_CACHE_SIZE);
#endif
        if (llc <= 0)
                return (size_t)64 << 20;
        return (size_t)llc * 2;
}

/* Returns -1 if the buffer could not be had (the scan then runs warm). */
static int bench_evict(void) {
        static volatile unsigned char *buf;
        static size_t size;

        if (!buf) {
                size = evict_size();
                buf = malloc(size);
                if (!buf)
                        return -1;
        }
        for (size_t i = 0; i < size; i += 64)
                buf[i]++;
        return 0;
}

#endif
