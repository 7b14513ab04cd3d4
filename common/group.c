/* The tracker's groups: the table of groups by name, their gauges (reset
 * every scan, summed over the live members), the wait channel and thread
 * name counts of their threads, and the sorted views the front ends read
 * (pg_tracker_groups). Counters are added by the scan (track.c) and the
 * threads (threads.c); nothing here subtracts from one. */
#include "config.h"
#include "track.h"

#include <stdlib.h>
#include <string.h>

#include "track_int.h"

static int cmp_group(const void *a, const void *b) {
        const struct pg_group *const *x = a, *const *y = b;
        return strcmp((*x)->name, (*y)->name);
}

size_t pg_tracker_groups(const struct pg_tracker *t, const struct pg_group *const **ret) {
        *ret = t->groups.sorted;
        return t->groups.n;
}

int pg_groups_index(struct pg_groups *gs, const char *name) {
        struct group *g;
        const struct pg_group **s;

        for (size_t i = 0; i < gs->n; i++)
                if (strcmp(gs->v[i].name, name) == 0)
                        return (int)i;
        g = realloc(gs->v, (gs->n + 1) * sizeof(*g));
        if (!g)
                return -ENOMEM;
        gs->v = g;
        s = realloc(gs->sorted, (gs->n + 1) * sizeof(*s));
        if (!s)
                return -ENOMEM;
        gs->sorted = s;
        g = &gs->v[gs->n];
        memset(g, 0, sizeof(*g));
        g->name = strdup(name);
        if (!g->name)
                return -ENOMEM;
        gs->n++;
        /* Realloc moved the groups: rebuild the public views. */
        for (size_t i = 0; i < gs->n; i++) {
                gs->v[i].pub.name = gs->v[i].name;
                gs->sorted[i] = &gs->v[i].pub;
        }
        qsort(gs->sorted, gs->n, sizeof(*gs->sorted), cmp_group);
        return (int)(gs->n - 1);
}

static void group_free(struct group *g) {
        free(g->name);
        for (size_t i = 0; i < g->nwchan; i++)
                free(g->wchan[i].name);
        free(g->wchan);
        free(g->wchan_pub);
        for (size_t i = 0; i < g->ntnames; i++)
                free(g->tnames[i].name);
        free(g->tnames);
        free(g->tnames_pub);
}

void pg_groups_free(struct pg_groups *gs) {
        for (size_t i = 0; i < gs->n; i++)
                group_free(&gs->v[i]);
        free(gs->v);
        free(gs->sorted);
}

void pg_groups_reset_gauges(struct pg_groups *gs) {
        for (size_t i = 0; i < gs->n; i++) {
                struct group *g = &gs->v[i];
                struct pg_counts counts = g->pub.counts;
                g->pub = (struct pg_group){.name = g->name, .counts = counts};
                for (size_t k = 0; k < g->nwchan; k++)
                        g->wchan[k].count = 0;
                for (size_t k = 0; k < g->ntnames; k++)
                        g->tnames[k].count = 0;
        }
}

/* The count of name in arr[0..*n), added when new. NULL on ENOMEM. */
static struct name_count *name_slot(struct name_count **arr, size_t *n, const char *name) {
        struct name_count *a;

        for (size_t i = 0; i < *n; i++)
                if (strcmp((*arr)[i].name, name) == 0)
                        return &(*arr)[i];
        a = realloc(*arr, (*n + 1) * sizeof(*a));
        if (!a)
                return NULL;
        *arr = a;
        a = &a[*n];
        memset(a, 0, sizeof(*a));
        a->name = strdup(name);
        if (!a->name)
                return NULL;
        (*n)++;
        return a;
}

int pg_group_add_thread(struct group *g, const struct pg_thread *x, const struct pg_counts *d,
                        bool named) {
        sat_add(&g->pub.counts.v[PG_CTX_VOLUNTARY], d->v[PG_CTX_VOLUNTARY]);
        sat_add(&g->pub.counts.v[PG_CTX_NONVOLUNTARY], d->v[PG_CTX_NONVOLUNTARY]);
        for (int s = 0; s < PG_STATE_MAX; s++)
                g->pub.states.v[s] += x->states.v[s];
        if (x->wchan[0] && strcmp(x->wchan, "0") != 0) {
                struct name_count *w = name_slot(&g->wchan, &g->nwchan, x->wchan);
                if (!w)
                        return -ENOMEM;
                w->count++;
        }
        if (named) {
                struct name_count *tn = name_slot(&g->tnames, &g->ntnames, x->name);
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
        if (g->pub.procs == 1 || e->start < g->pub.oldest_start_ticks)
                g->pub.oldest_start_ticks = e->start;
}

/* Publish g's wait channels (those with threads there now) and thread
 * names (all of them: they keep their counters, like the group). Grown
 * only when a name is new: a steady scan allocates nothing. */
static int publish(struct group *g) {
        size_t nw = 0, nt = 0;

        if (PG_GROW(g->wchan_pub, g->nwchan, g->wchan_pub_cap) < 0)
                return -ENOMEM;
        for (size_t k = 0; k < g->nwchan; k++)
                if (g->wchan[k].count)
                        g->wchan_pub[nw++] =
                            (struct pg_wchan_count){g->wchan[k].name, g->wchan[k].count};
        if (PG_GROW(g->tnames_pub, g->ntnames, g->tnames_pub_cap) < 0)
                return -ENOMEM;
        for (size_t k = 0; k < g->ntnames; k++)
                g->tnames_pub[nt++] = (struct pg_thread_name){g->tnames[k].name, g->tnames[k].count,
                                                              g->tnames[k].counts};
        g->pub.wchan = g->wchan_pub;
        g->pub.num_wchan = nw;
        g->pub.thread_names = g->tnames_pub;
        g->pub.num_thread_names = nt;
        return 0;
}

int pg_groups_publish(struct pg_groups *gs) {
        for (size_t i = 0; i < gs->n; i++)
                if (publish(&gs->v[i]) < 0)
                        return -ENOMEM;
        return 0;
}
