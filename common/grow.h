/* SPDX-License-Identifier: MIT */
/* Growing arrays: the one way an array of this project gets room (in the
 * manner of git's ALLOC_GROW), so that the growth policy, the overflow
 * check and "on failure the array is as it was" are written once. */
#ifndef PG_GROW_H
#define PG_GROW_H

#include <stddef.h>

/* Make room for n elements in the array arr (a pointer lvalue) whose
 * capacity, in elements, is the size_t lvalue cap. When cap < n both grow,
 * to twice cap (16 at the least) or to n if that is more: adding one at a
 * time costs amortised constant reallocs. Evaluates to 0, or -ENOMEM with
 * arr and cap as they were. The room test is inline (the scan reserves per
 * process); arr, n and cap are evaluated more than once. */
#define PG_GROW(arr, n, cap)                                                                       \
        ((n) <= (cap) ? 0 : pg_grow((void *)&(arr), &(cap), (n), sizeof(*(arr))))

/* PG_GROW's slow path: arrp points at the array pointer. */
int pg_grow(void *arrp, size_t *cap, size_t n, size_t size);

#endif
