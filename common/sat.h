/* SPDX-License-Identifier: MIT */
/* Saturating arithmetic for counters and gauges.
 *
 * Every value here comes from a file another user controls the content of
 * (a fake tree, a hostile or corrupted /proc, a process with a huge rss or
 * limit): a sum or product that wrapped would print a tiny gauge, make a
 * counter go back or put a start time before boot. They stop at 2^64-1
 * instead, which front ends print as the largest value there is. */
#ifndef PG_SAT_H
#define PG_SAT_H

#include <stdint.h>

/* a + b, or UINT64_MAX when it does not fit. */
static inline uint64_t pg_sat_add(uint64_t a, uint64_t b) {
        uint64_t r;

        return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

/* a * b, or UINT64_MAX when it does not fit. */
static inline uint64_t pg_sat_mul(uint64_t a, uint64_t b) {
        uint64_t r;

        return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

/* A start time in clock ticks since the epoch: boot_time seconds plus
 * start_ticks at hz ticks a second, UINT64_MAX when that is beyond what
 * 64 bits of ticks hold. */
static inline uint64_t pg_sat_epoch_ticks(uint64_t boot_time, uint64_t hz, uint64_t start_ticks) {
        return pg_sat_add(pg_sat_mul(boot_time, hz), start_ticks);
}

#endif
