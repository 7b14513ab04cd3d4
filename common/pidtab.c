/* SPDX-License-Identifier: MIT */
/* The tracker's process table: see pidtab.h. Owns the pool of entries and
 * the pid index; what an entry holds (kept fds, threads) is its caller's
 * to release before it is erased. */
#include "config.h"
#include "pidtab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

static int grow_index(struct pg_pidtab *pt) {
        size_t ncap = pt->cap ? pt->cap * 2 : 1024;
        uint32_t *tab = calloc(ncap, sizeof(*tab));

        if (!tab)
                return -ENOMEM;
        free(pt->tab);
        pt->tab = tab;
        pt->cap = ncap;
        for (size_t k = 0; k < pt->n; k++)
                if (pg_pidtab_at(pt, k)->pid)
                        tab[pg_pidtab_slot(pt, pg_pidtab_at(pt, k)->pid)] = (uint32_t)(k + 1);
        return 0;
}

int pg_pidtab_init(struct pg_pidtab *pt) {
        memset(pt, 0, sizeof(*pt));
        return grow_index(pt);
}

void pg_pidtab_free(struct pg_pidtab *pt) {
        for (size_t i = 0; i < pt->nchunks; i++)
                free(pt->chunks[i]);
        free(pt->chunks);
        free(pt->tab);
}

struct tproc *pg_pidtab_insert(struct pg_pidtab *pt, pid_t pid) {
        struct tproc *e;

        if ((pt->n + 1) * 2 > pt->cap && grow_index(pt) < 0)
                return NULL;
        if (pt->n == pt->nchunks * PIDTAB_CHUNK) {
                if (PG_GROW(pt->chunks, pt->nchunks + 1, pt->capchunks) < 0)
                        return NULL;
                pt->chunks[pt->nchunks] = malloc(PIDTAB_CHUNK * sizeof(**pt->chunks));
                if (!pt->chunks[pt->nchunks])
                        return NULL;
                pt->nchunks++;
        }
        e = pg_pidtab_at(pt, pt->n++);
        memset(e, 0, sizeof(*e));
        e->pid = pid;
        e->group = -1;
        e->stat_fd = e->sched_fd = -1;
        e->status_fd = e->io_fd = e->wchan_fd = -1;
        e->reaped = -1;
        pt->tab[pg_pidtab_slot(pt, pid)] = (uint32_t)pt->n;
        return e;
}

/* Backward-shift deletion of index slot i (no tombstones): each following
 * slot of the run moves into the hole unless its home lies in (i, j]. */
static void unindex(struct pg_pidtab *pt, size_t i) {
        size_t j = i;

        for (;;) {
                size_t k;
                j = (j + 1) & (pt->cap - 1);
                if (!pt->tab[j])
                        break;
                k = pg_pidtab_home(pt, pg_pidtab_at(pt, pt->tab[j] - 1)->pid);
                if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
                        pt->tab[i] = pt->tab[j];
                        i = j;
                }
        }
        pt->tab[i] = 0;
}

void pg_pidtab_erase(struct pg_pidtab *pt, struct tproc *e) {
        unindex(pt, pg_pidtab_slot(pt, e->pid));
        e->pid = 0;
        e->group = -1;
        e->seen = 0;
        e->cur_valid = false;
        e->thr = NULL;
        e->nthr = e->capthr = 0;
}

void pg_pidtab_compact(struct pg_pidtab *pt) {
        for (size_t i = 0; i < pt->n;) {
                struct tproc *e = pg_pidtab_at(pt, i);

                if (e->pid) {
                        i++;
                        continue;
                }
                /* Move the last entry into the hole and look again: it may
                 * be a hole too. */
                if (i != --pt->n) {
                        *e = *pg_pidtab_at(pt, pt->n);
                        if (e->pid)
                                pt->tab[pg_pidtab_slot(pt, e->pid)] = (uint32_t)(i + 1);
                }
        }
        /* Keep one spare chunk so that churn at a boundary does not
         * allocate and free every scan. */
        while (pt->nchunks > 1 && pt->n + 2 * PIDTAB_CHUNK <= pt->nchunks * PIDTAB_CHUNK)
                free(pt->chunks[--pt->nchunks]);
}
