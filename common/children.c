/* SPDX-License-Identifier: MIT */
/* The tracker and children (doc/architecture.md, "Identity and
 * counters"): the credit of reaped children's time, and the order in
 * which new processes are classified so that children attribution finds
 * their parent's group.
 *
 * Reaped children: when a parent reaps a child the kernel adds the child's
 * CPU and faults to the parent's cutime, cstime, cminflt and cmajflt and
 * its I/O to the parent's io. A tracked child was counted already while
 * it lived, so per scan the last values of the tracked children that
 * exited are summed per parent (few parents have any: a side table, not a
 * field of every entry) and deducted from what the parent gained.
 *
 * Attribution order: a new process whose parent the walk has not reached
 * yet is put off (pg_defer) and visited after the walk, after its own
 * deferred ancestors (pg_visit_deferred). */
#include "config.h"
#include "track.h"

#include <stdlib.h>
#include <string.h>

#include "track_int.h"

void pg_reaped_reset(struct pg_tracker *t) {
        for (size_t k = 0; k < t->reaped.n; k++) {
                struct tproc *parent = pg_pidtab_lookup(&t->procs, t->reaped.v[k].parent);
                if (parent)
                        parent->reaped = -1;
        }
        t->reaped.n = 0;
}

/* The sums of parent, added when it has none yet. NULL on ENOMEM. */
static struct reaped_sum *sum_of(struct pg_tracker *t, struct tproc *parent) {
        struct pg_reaped *rs = &t->reaped;

        if (parent->reaped < 0) {
                if (PG_GROW(rs->v, rs->n + 1, rs->cap) < 0)
                        return NULL;
                memset(&rs->v[rs->n], 0, sizeof(rs->v[0]));
                rs->v[rs->n].parent = parent->pid;
                parent->reaped = (int32_t)rs->n++;
        }
        return &rs->v[parent->reaped];
}

int pg_reaped_sum(struct pg_tracker *t) {
        t->reaped.n = 0;
        for (size_t i = 0; i < t->procs.n; i++) {
                struct tproc *e = pg_pidtab_at(&t->procs, i), *parent;
                struct reaped_sum *sum;

                if (e->seen == t->gen || e->group < 0)
                        continue;
                /* e->ppid is as of e's last full read: a parent younger
                 * than e has its pid, not its place (e was reparented and
                 * the pid reused while e did not run). */
                parent = pg_pidtab_lookup(&t->procs, e->ppid);
                if (!parent || parent->seen != t->gen || parent->start > e->start)
                        continue;
                sum = sum_of(t, parent);
                if (!sum) {
                        pg_reaped_reset(t);
                        return -ENOMEM;
                }
                for (int k = 0; k < R_MAX; k++)
                        sat_add(&sum->v[k], e->raw[k]);
        }
        return 0;
}

void pg_reaped_deduct(const struct pg_tracker *t, const struct tproc *e, uint64_t d[R_MAX]) {
        const uint64_t *sum = t->reaped.v[e->reaped].v;

        /* What the parent's cutime (cstime, faults) gained for them is
         * only their tail: their own time and their reaped children's. */
        d[R_CUTIME] = delta(d[R_CUTIME], pg_sat_add(sum[R_UTIME], sum[R_CUTIME]));
        d[R_CSTIME] = delta(d[R_CSTIME], pg_sat_add(sum[R_STIME], sum[R_CSTIME]));
        d[R_CMINFLT] = delta(d[R_CMINFLT], pg_sat_add(sum[R_MINFLT], sum[R_CMINFLT]));
        d[R_CMAJFLT] = delta(d[R_CMAJFLT], pg_sat_add(sum[R_MAJFLT], sum[R_CMAJFLT]));
        if (e->join == JOIN_SETTLED) {
                d[R_READ] = delta(d[R_READ], sum[R_READ]);
                d[R_WRITE] = delta(d[R_WRITE], sum[R_WRITE]);
                for (int k = R_RCHAR; k <= R_SYSCW; k++)
                        d[k] = delta(d[k], sum[k]);
        }
}

int pg_defer(struct pg_tracker *t, pid_t pid, pid_t ppid) {
        if (PG_GROW(t->deferred, t->ndeferred + 1, t->capdeferred) < 0)
                return -ENOMEM;
        t->deferred[t->ndeferred++] = (struct deferred){.pid = pid, .ppid = ppid};
        return 0;
}

static int cmp_deferred(const void *a, const void *b) {
        const struct deferred *x = a, *y = b;
        return (x->pid > y->pid) - (x->pid < y->pid);
}

/* The deferred entry of pid, or NULL; t->deferred is sorted by pid. */
static struct deferred *find_deferred(struct pg_tracker *t, pid_t pid) {
        struct deferred key = {.pid = pid};
        return bsearch(&key, t->deferred, t->ndeferred, sizeof(key), cmp_deferred);
}

/* Visit the deferred processes, each after its deferred ancestors: a
 * chain born since the last scan (grandparent, parent, child), listed in
 * any order, joins the group of whoever of it matched. Each entry goes on
 * an ancestor chain at most once (which also ends a looping ppid chain),
 * so however deep a fork chain a user makes, this costs O(n log n) for n
 * deferred processes, not O(n^2). Returns 0 or -ENOMEM. */
int pg_visit_deferred(struct pg_tracker *t) {
        struct pg_proc *p;
        int r;

        if (t->ndeferred == 0)
                return 0;
        if (PG_GROW(t->dstack, t->ndeferred, t->capdstack) < 0)
                return -ENOMEM;
        qsort(t->deferred, t->ndeferred, sizeof(*t->deferred), cmp_deferred);
        for (size_t i = 0; i < t->ndeferred; i++) {
                struct deferred *d = &t->deferred[i];
                size_t depth = 0;

                if (d->queued)
                        continue;
                /* Climb while the parent is deferred and not visited. */
                do {
                        d->queued = true;
                        t->dstack[depth++] = (uint32_t)(d - t->deferred);
                        d = find_deferred(t, d->ppid);
                } while (d && !d->queued);
                /* Then down again, oldest ancestor first. */
                while (depth > 0) {
                        r = pg_source_get(t->src, t->deferred[t->dstack[--depth]].pid, &p);
                        if (r < 0) {
                                pg_source_account(t->src, r);
                                continue;
                        }
                        r = pg_track_visit(t, p, false);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}
