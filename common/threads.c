/* SPDX-License-Identifier: MIT */
/* The tracker's threads: what it remembers of each thread of a group
 * member between scans (struct tthread, in its process's entry), the reads
 * of a multi-threaded member's threads that skip a thread which has not
 * run, and the accounting of every thread into its group (context
 * switches per thread, so that one that exits never lowers the sum; names,
 * states, wait channels). Also the interned wait channel names. */
#include "config.h"
#include "track.h"

#include <stdlib.h>
#include <string.h>

#include "track_int.h"

const char *pg_wchan_intern(struct pg_tracker *t, const char *was, const char *w) {
        char **v;

        if (!w[0])
                return "";
        if (was && strcmp(was, w) == 0)
                return was;
        for (size_t i = 0; i < t->nwchans; i++)
                if (strcmp(t->wchans[i], w) == 0)
                        return t->wchans[i];
        if (PG_GROW(t->wchans, t->nwchans + 1, t->capwchans) < 0)
                return NULL;
        v = t->wchans;
        v[t->nwchans] = strdup(w);
        if (!v[t->nwchans])
                return NULL;
        return v[t->nwchans++];
}

void pg_threads_forget(struct pg_tracker *t, struct tproc *e) {
        pg_kept_close_threads(&t->kept, e);
        e->nthr = 0;
}

/* The thread tid of e, or NULL. *hint is where the last one was found:
 * threads come in the same order scan after scan. */
static struct tthread *find_thread(struct tproc *e, pid_t tid, uint32_t *hint) {
        for (uint32_t i = *hint; i < e->nthr; i++)
                if (e->thr[i].tid == tid) {
                        *hint = i + 1;
                        return &e->thr[i];
                }
        for (uint32_t i = 0; i < *hint && i < e->nthr; i++)
                if (e->thr[i].tid == tid)
                        return &e->thr[i];
        return NULL;
}

static int add_thread(struct tproc *e, pid_t tid) {
        if (e->nthr == e->capthr) {
                uint32_t cap = e->capthr ? e->capthr * 2 : 1;
                struct tthread *n = realloc(e->thr, cap * sizeof(*n));
                if (!n)
                        return -ENOMEM;
                e->thr = n;
                e->capthr = cap;
        }
        memset(&e->thr[e->nthr], 0, sizeof(e->thr[0]));
        e->thr[e->nthr].sched_fd = -1;
        e->thr[e->nthr].tid = tid;
        return (int)e->nthr++;
}

/* Room in e for the threads th[0..n) new this scan, exactly: doubling
 * would leave a 20-thread process with room for 32. */
static int reserve_new_threads(struct tproc *e, const struct pg_thread *th, size_t n) {
        uint32_t hint = 0, nnew = 0;

        for (size_t i = 0; i < n; i++)
                if (!find_thread(e, th[i].id.pid, &hint))
                        nnew++;
        if (e->nthr + nnew > e->capthr) {
                uint32_t cap = e->nthr + nnew;
                struct tthread *v = realloc(e->thr, cap * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                e->thr = v;
                e->capthr = cap;
        }
        return 0;
}

/* Remember thread x of e for the next scans and set d to what its
 * counters add to the group. Returns 0 or -ENOMEM. */
static int note_thread(struct pg_tracker *t, struct tproc *e, const struct pg_thread *x,
                       uint32_t *hint, struct pg_counts *d) {
        struct tthread *tt = find_thread(e, x->id.pid, hint);
        bool count_all = false; /* its whole counts, not a delta */

        if (tt && tt->start != x->id.start_ticks) {
                tt->c = (struct pg_counts){{0}};
                count_all = true; /* a reused tid */
        }
        if (!tt) {
                int k = add_thread(e, x->id.pid);
                if (k < 0)
                        return k;
                tt = &e->thr[k];
                /* A thread new to a known process was born since the last
                 * scan; a new member's threads count as the process does. */
                count_all = e->join != JOIN_EXEC;
        }
        tt->start = x->id.start_ticks;
        tt->seen = t->gen;
        sched_note(&tt->sched, &x->sched);
        tt->has_sched = x->has_sched;
        tt->state = PG_OTHER;
        for (int s = 0; s < PG_STATE_MAX; s++)
                if (x->states.v[s])
                        tt->state = (uint8_t)s;
        tt->wchan = pg_wchan_intern(t, tt->wchan, x->wchan);
        if (!tt->wchan)
                return -ENOMEM;
        copy_name(tt->name, sizeof(tt->name), x->name);
        if (count_all || e->join == JOIN_SETTLED) {
                for (int c = 0; c < PG_COUNT_MAX; c++)
                        d->v[c] = count_all ? x->counts.v[c] : delta(x->counts.v[c], tt->c.v[c]);
        }
        tt->c = x->counts;
        return 0;
}

/* Forget the threads of e not seen this scan (their contribution stays),
 * and give back the room of many (a shrinking realloc does not fail in
 * practice; if it does, keep the old block). */
static void drop_exited(struct pg_tracker *t, struct tproc *e) {
        uint32_t live = 0;

        for (uint32_t i = 0; i < e->nthr; i++) {
                if (e->thr[i].seen == t->gen) {
                        e->thr[live++] = e->thr[i];
                } else {
                        pg_xc_thread_gone(t, e, &e->thr[i]);
                        pg_kept_close(&t->kept, &e->thr[i].sched_fd);
                }
        }
        e->nthr = live;
        if (e->capthr > 2 * live + 8) {
                struct tthread *v = realloc(e->thr, (live ? live : 1) * sizeof(*v));
                if (v) {
                        e->thr = v;
                        e->capthr = live ? live : 1;
                }
        }
}

int pg_threads_account(struct pg_tracker *t, struct tproc *e, struct group *g,
                       const struct pg_thread *th, size_t n, const struct pg_metrics *m) {
        struct pg_thread one;
        uint32_t hint = 0;
        bool multi = n > 0;
        /* Without thread series the names are not kept at all: no face
         * shows them, and their memory is saved. */
        bool named = multi && t->opts.thread_series;
        int r;

        if (!multi) {
                memset(&one, 0, sizeof(one));
                one.id.pid = e->pid;
                one.id.start_ticks = e->start;
                one.counts = m->counts;
                one.states = m->states;
                memcpy(one.wchan, m->wchan, sizeof(one.wchan));
                th = &one;
                n = 1;
        }
        r = reserve_new_threads(e, th, n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                struct pg_counts d = {{0}};

                r = note_thread(t, e, &th[i], &hint, &d);
                if (r < 0)
                        return r;
                if (pg_group_add_thread(&t->groups, g, &th[i], &d, named) < 0)
                        return -ENOMEM;
        }
        drop_exited(t, e);
        return 0;
}

/* The thread ids we know for e, when they can stand for a listing of
 * task/: a known process with as many threads as last time, each read
 * through a kept schedstat (a thread that exited makes its read fail and
 * the caller lists task/ after all). Returns false when they cannot. */
static bool known_tids(struct pg_tracker *t, struct proc_view *v) {
        struct tproc *e = v->e;

        if (e->join != JOIN_SETTLED || e->nthr != v->p->stat.num_threads)
                return false;
        if (PG_GROW(t->tids, e->nthr, t->tids_cap) < 0)
                return false;
        for (uint32_t i = 0; i < e->nthr; i++) {
                if (e->thr[i].sched_fd < 0)
                        return false;
                t->tids[i] = e->thr[i].tid;
        }
        return true;
}

/* Thread x, which has not run since the last scan, as tt last read it. */
static void reuse_thread(struct pg_thread *x, const struct tthread *tt) {
        x->id.pid = tt->tid;
        x->id.start_ticks = tt->start;
        memcpy(x->name, tt->name, sizeof(tt->name));
        x->counts = tt->c;
        x->states.v[tt->state] = 1;
        copy_name(x->wchan, sizeof(x->wchan), tt->wchan);
}

int pg_threads_reuse(struct pg_tracker *t, const struct tproc *e, size_t *ret_n) {
        if (PG_GROW(t->tbuf, e->nthr, t->tbuf_cap) < 0)
                return -ENOMEM;
        for (uint32_t i = 0; i < e->nthr; i++) {
                struct pg_thread *x = &t->tbuf[i];
                const struct tthread *tt = &e->thr[i];

                memset(x, 0, sizeof(*x));
                reuse_thread(x, tt);
                /* Its schedstat mark stays for the next read's skip. */
                x->sched.run_ns = tt->sched.run_ns;
                x->sched.pcount = tt->sched.pcount;
                x->has_sched = tt->has_sched;
        }
        *ret_n = e->nthr;
        return 0;
}

/* Read the threads tids[0..n) of v into t->tbuf (see pg_threads_read).
 * Returns 0, -EAGAIN when a thread vanished and the ids were not listed
 * (list task/ instead), or another error. */
static int read_thread_list(struct pg_tracker *t, struct proc_view *v, const pid_t *tids, size_t n,
                            bool listed, size_t *ret_n, bool *changed) {
        struct pg_proc *p = v->p;
        struct tproc *e = v->e;
        /* io only feeds the thread series (thread_io_bytes_total): the
         * group's bytes come from the process's own io. A thread that has
         * not run has not moved its io either, so the skip above holds. */
        unsigned what = PG_THREAD_STAT | PG_THREAD_STATUS | PG_THREAD_WCHAN |
                        (t->opts.thread_series ? PG_THREAD_IO : 0);
        uint32_t hint = 0;
        size_t k = 0;
        int r;

        if (PG_GROW(t->tbuf, n, t->tbuf_cap) < 0)
                return -ENOMEM;
        *changed = e->join != JOIN_SETTLED || n != e->nthr;
        for (size_t i = 0; i < n; i++) {
                struct pg_thread *x = &t->tbuf[k];
                struct tthread *tt = find_thread(e, tids[i], &hint);

                memset(x, 0, sizeof(*x));
                r = pg_kept_thread_sched(&t->kept, p, tids[i], tt, &x->sched);
                if (r == PG_VANISHED && !listed)
                        return -EAGAIN;
                x->has_sched = r == 0;
                /* No schedstat (CONFIG_SCHED_INFO off, a fake tree): no
                 * shortcut, a full read, whose stat tells a thread that
                 * exited. */
                if (r < 0 && r != PG_VANISHED && r != -ENOMEM)
                        r = 0;
                if (r == 0 && tt && e->join == JOIN_SETTLED && x->has_sched && tt->has_sched &&
                    tt->state != PG_RUNNING && sched_same(&tt->sched, &x->sched)) {
                        reuse_thread(x, tt);
                } else if (r == 0) {
                        r = pg_proc_thread(p, tids[i], what, x);
                        *changed = true;
                }
                if (r == PG_VANISHED) {
                        *changed = true;
                        continue;
                }
                if (r < 0)
                        return r;
                k++;
        }
        *ret_n = k;
        return 0;
}

int pg_threads_read(struct pg_tracker *t, struct pg_proc *p, struct tproc *e, size_t *ret_n,
                    bool *changed) {
        struct proc_view v = {p, e};
        const pid_t *tids;
        size_t n;
        int r;

        if (known_tids(t, &v)) {
                r = read_thread_list(t, &v, t->tids, e->nthr, false, ret_n, changed);
                if (r != -EAGAIN)
                        return r;
        }
        r = pg_proc_tids(p, &tids, &n);
        if (r < 0)
                return r;
        return read_thread_list(t, &v, tids, n, true, ret_n, changed);
}
