/* SPDX-License-Identifier: MIT */
/* Growing arrays; see grow.h. */
#include "config.h"
#include "grow.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int pg_grow(void *arrp, size_t *cap, size_t n, size_t size) {
        size_t want = *cap > SIZE_MAX / 2 ? n : *cap * 2;
        void *p;

        if (n <= *cap)
                return 0;
        if (want < 16)
                want = 16;
        if (want < n)
                want = n;
        if (size && want > SIZE_MAX / size)
                return -ENOMEM;
        /* memcpy: arrp points at a typed pointer, not at a void *. */
        memcpy(&p, arrp, sizeof(p));
        p = realloc(p, want * size);
        if (!p)
                return -ENOMEM;
        memcpy(arrp, &p, sizeof(p));
        *cap = want;
        return 0;
}
