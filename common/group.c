/* SPDX-License-Identifier: MIT */
/* The tracker's groups: the table of groups by name (a hash index, and
 * slots that forgotten groups leave for new ones), their gauges (reset
 * every scan, summed over the live members), the wait channel and thread
 * name counts of their threads, the lifetime of all three (forget_after)
 * and their caps (max_groups, max_thread_names), and the sorted views the
 * front ends read (pg_tracker_groups). Counters are added by the scan
 * (track.c) and the threads (threads.c); nothing here subtracts from one:
 * a forgotten group is gone, and one of that name later is a new one. */
#include "config.h"
#include "track.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "track_int.h"

/* Once this many groups were forgotten, a sweep that forgets one gives the
 * freed memory back to the system (glibc keeps it otherwise, and a churn
 * of names would leave its peak behind for good). */
#define TRIM_AFTER 16

/* Name lists this short are searched in order, not through their index. */
#define LINEAR_MAX 8

static int cmp_group(const void *a, const void *b) {
        const struct pg_group *const *x = a, *const *y = b;
        return strcmp((*x)->name, (*y)->name);
}

size_t pg_tracker_groups(const struct pg_tracker *t, const struct pg_group *const **ret) {
        *ret = t->groups.sorted;
        return t->groups.nsorted;
}

void pg_groups_init(struct pg_groups *gs, const struct pg_track_opts *opts) {
        *gs = (struct pg_groups){0};
        gs->forget_after = opts->forget_after > 0 ? opts->forget_after : 0;
        gs->max_groups = opts->max_groups;
        gs->max_thread_names = opts->max_thread_names;
}

/* A free slot for a new group: a forgotten group's, or one more. */
static int new_slot(struct pg_groups *gs, uint32_t *ret) {
        struct group **v;

        if (gs->nfree > 0) {
                *ret = gs->free[--gs->nfree];
                return 0;
        }
        if (gs->n >= INT32_MAX)
                return -ENOMEM;
        if (PG_GROW(gs->v, gs->n + 1, gs->capv) < 0)
                return -ENOMEM;
        v = gs->v;
        /* Room for it on the free list too: forgetting never allocates. */
        if (PG_GROW(gs->free, gs->n + 1, gs->capfree) < 0)
                return -ENOMEM;
        v[gs->n] = NULL;
        *ret = (uint32_t)gs->n++;
        return 0;
}

static int create(struct pg_groups *gs, const char *name) {
        struct group *g = calloc(1, sizeof(*g));
        uint32_t i;

        if (!g)
                return -ENOMEM;
        g->name = strdup(name);
        if (!g->name || new_slot(gs, &i) < 0)
                goto fail;
        if (pg_nameidx_add(&gs->ix, g->name, i) < 0) {
                gs->free[gs->nfree++] = i;
                goto fail;
        }
        g->pub.name = g->name;
        g->last_live = gs->now;
        gs->v[i] = g;
        gs->listed++;
        gs->dirty = true;
        return (int)i;
fail:
        free(g->name);
        free(g);
        return -ENOMEM;
}

int pg_groups_index(struct pg_groups *gs, const char *name, bool *ret_overflow) {
        uint32_t i;

        if (pg_nameidx_find(&gs->ix, name, &i))
                return (int)i;
        if (gs->max_groups && gs->listed >= gs->max_groups) {
                *ret_overflow = true;
                if (pg_nameidx_find(&gs->ix, PG_GROUP_OTHER, &i))
                        return (int)i;
                name = PG_GROUP_OTHER; /* the one group past the cap */
        }
        return create(gs, name);
}

static void list_free(struct name_list *l) {
        for (size_t i = 0; i < l->n; i++)
                free(l->v[i].name);
        free(l->v);
        pg_nameidx_free(&l->ix);
}

static void group_free(struct group *g) {
        free(g->name);
        list_free(&g->wchan);
        free(g->wchan_pub);
        list_free(&g->tnames);
        free(g->tnames_pub);
        free(g);
}

void pg_groups_free(struct pg_groups *gs) {
        for (size_t i = 0; i < gs->n; i++)
                if (gs->v[i])
                        group_free(gs->v[i]);
        free(gs->v);
        free(gs->free);
        free(gs->sorted);
        pg_nameidx_free(&gs->ix);
}

void pg_groups_reset_gauges(struct pg_groups *gs, double now) {
        gs->now = now;
        gs->overflow = 0;
        for (size_t i = 0; i < gs->n; i++) {
                struct group *g = gs->v[i];
                if (!g)
                        continue;
                struct pg_counts counts = g->pub.counts;
                g->pub = (struct pg_group){.name = g->name, .counts = counts};
                for (size_t k = 0; k < g->wchan.n; k++)
                        g->wchan.v[k].count = 0;
                for (size_t k = 0; k < g->tnames.n; k++)
                        g->tnames.v[k].count = 0;
        }
}

/* The count of name in l, added when new; past the cap (max, 0: none) a
 * new name counts as PG_GROUP_OTHER, and *overflow grows. NULL on ENOMEM. */
static struct name_count *name_slot(struct name_list *l, const char *name, uint32_t max, double now,
                                    uint64_t *overflow) {
        struct name_count *a;
        uint32_t i;

        /* Most groups have a few names: comparing them costs less than
         * hashing, per thread and scan. */
        if (l->n <= LINEAR_MAX) {
                for (i = 0; i < l->n; i++)
                        if (strcmp(l->v[i].name, name) == 0)
                                return &l->v[i];
        } else if (pg_nameidx_find(&l->ix, name, &i)) {
                return &l->v[i];
        }
        if (max && l->n >= max) {
                (*overflow)++;
                if (pg_nameidx_find(&l->ix, PG_GROUP_OTHER, &i))
                        return &l->v[i];
                name = PG_GROUP_OTHER;
        }
        if (PG_GROW(l->v, l->n + 1, l->cap) < 0)
                return NULL;
        a = &l->v[l->n];
        memset(a, 0, sizeof(*a));
        a->name = strdup(name);
        if (!a->name)
                return NULL;
        if (pg_nameidx_add(&l->ix, a->name, (uint32_t)l->n) < 0) {
                free(a->name);
                return NULL;
        }
        a->last_live = now;
        l->n++;
        return a;
}

int pg_group_add_thread(struct pg_groups *gs, struct group *g, const struct pg_thread *x,
                        const struct pg_counts *d, bool named) {
        sat_add(&g->pub.counts.v[PG_CTX_VOLUNTARY], d->v[PG_CTX_VOLUNTARY]);
        sat_add(&g->pub.counts.v[PG_CTX_NONVOLUNTARY], d->v[PG_CTX_NONVOLUNTARY]);
        for (int s = 0; s < PG_STATE_MAX; s++)
                g->pub.states.v[s] += x->states.v[s];
        if (x->wchan[0] && strcmp(x->wchan, "0") != 0) {
                struct name_count *w =
                    name_slot(&g->wchan, x->wchan, gs->max_thread_names, gs->now, &gs->overflow);
                if (!w)
                        return -ENOMEM;
                w->count++;
        }
        if (named) {
                struct name_count *tn =
                    name_slot(&g->tnames, x->name, gs->max_thread_names, gs->now, &gs->overflow);
                if (!tn)
                        return -ENOMEM;
                tn->count++;
                pg_counts_add(&tn->counts, d);
        }
        return 0;
}

void pg_group_add_member(struct group *g, const struct tproc *e, uint64_t threads,
                         const struct pg_metrics *m) {
        /* Gauges saturate like counters: a wrapped sum would be small. */
        g->pub.procs++;
        sat_add(&g->pub.threads, threads);
        for (int i = 0; i < PG_MEM_MAX; i++)
                sat_add(&g->pub.memory.v[i], m->memory.v[i]);
        if (m->filedesc.open >= 0) {
                sat_add(&g->pub.open_fds, (uint64_t)m->filedesc.open);
                if (e->fd_limit > 0 && e->fd_limit != PG_UNLIMITED) {
                        sat_add(&g->pub.fd_limit, e->fd_limit);
                        double ratio = (double)m->filedesc.open / (double)e->fd_limit;
                        if (ratio > g->pub.worst_fd_ratio)
                                g->pub.worst_fd_ratio = ratio;
                }
        }
        if (m->maps > 0)
                sat_add(&g->pub.maps, (uint64_t)m->maps);
        if (g->pub.procs == 1 || e->start < g->pub.oldest_start_ticks)
                g->pub.oldest_start_ticks = e->start;
}

/* Whether something last live at last has been empty for forget_after. */
static bool expired(const struct pg_groups *gs, double last) {
        return gs->forget_after > 0 && gs->now - last >= gs->forget_after;
}

/* Whether a of l, without threads for forget_after, was forgotten: the
 * last name then takes its place k. Otherwise notes when a was last live. */
static bool forget_name(const struct pg_groups *gs, struct name_list *l, size_t k) {
        struct name_count *a = &l->v[k];

        if (a->count) {
                a->last_live = gs->now;
                return false;
        }
        if (!expired(gs, a->last_live))
                return false;
        pg_nameidx_del(&l->ix, a->name);
        free(a->name);
        if (k != --l->n) {
                *a = l->v[l->n];
                pg_nameidx_move(&l->ix, a->name, (uint32_t)k);
        }
        return true;
}

/* Publish g's wait channels (those with threads there now) and thread
 * names (all that are listed: they keep their counters, like the group),
 * forgetting on the way those empty for forget_after. Grown only when a
 * name is new: a steady scan allocates nothing. */
static int publish(const struct pg_groups *gs, struct group *g) {
        size_t nw = 0, nt = 0;

        if (PG_GROW(g->wchan_pub, g->wchan.n, g->wchan_pub_cap) < 0)
                return -ENOMEM;
        for (size_t k = 0; k < g->wchan.n;) {
                if (forget_name(gs, &g->wchan, k))
                        continue;
                if (g->wchan.v[k].count)
                        g->wchan_pub[nw++] =
                            (struct pg_wchan_count){g->wchan.v[k].name, g->wchan.v[k].count};
                k++;
        }
        if (PG_GROW(g->tnames_pub, g->tnames.n, g->tnames_pub_cap) < 0)
                return -ENOMEM;
        for (size_t k = 0; k < g->tnames.n;) {
                if (forget_name(gs, &g->tnames, k))
                        continue;
                g->tnames_pub[nt++] = (struct pg_thread_name){
                    g->tnames.v[k].name, g->tnames.v[k].count, g->tnames.v[k].counts};
                k++;
        }
        g->pub.wchan = g->wchan_pub;
        g->pub.num_wchan = nw;
        g->pub.thread_names = g->tnames_pub;
        g->pub.num_thread_names = nt;
        return 0;
}

/* Forget the group in slot i: no entry has it (refs == 0). */
static void forget(struct pg_groups *gs, size_t i) {
        pg_nameidx_del(&gs->ix, gs->v[i]->name);
        group_free(gs->v[i]);
        gs->v[i] = NULL;
        gs->free[gs->nfree++] = (uint32_t)i; /* room reserved by new_slot */
        gs->listed--;
        gs->forgotten++;
        gs->dirty = true;
}

/* The sorted view, after groups came or went. */
static int sort_view(struct pg_groups *gs) {
        size_t n = 0;

        if (PG_GROW(gs->sorted, gs->listed, gs->capsorted) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < gs->n; i++)
                if (gs->v[i])
                        gs->sorted[n++] = &gs->v[i]->pub;
        if (n > 1) /* sorted may be NULL while no group was ever listed */
                qsort(gs->sorted, n, sizeof(*gs->sorted), cmp_group);
        gs->nsorted = n;
        gs->dirty = false;
        return 0;
}

int pg_groups_publish(struct pg_groups *gs) {
        uint64_t forgotten = gs->forgotten;

        for (size_t i = 0; i < gs->n; i++) {
                struct group *g = gs->v[i];
                if (!g)
                        continue;
                /* An entry that has the group (a member whose read failed
                 * this scan) keeps it: its index must stay valid. */
                if (g->pub.procs || g->refs) {
                        g->last_live = gs->now;
                } else if (expired(gs, g->last_live)) {
                        forget(gs, i);
                        continue;
                }
                if (publish(gs, g) < 0)
                        return -ENOMEM;
        }
        if (gs->dirty && sort_view(gs) < 0)
                return -ENOMEM;
#ifdef __GLIBC__
        gs->untrimmed += gs->forgotten - forgotten;
        if (gs->forgotten > forgotten && gs->untrimmed >= TRIM_AFTER) {
                malloc_trim(0);
                gs->untrimmed = 0;
        }
#endif
        return 0;
}
