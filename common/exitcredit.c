/* SPDX-License-Identifier: MIT */
/* The tracker and exit records (exitcredit.h, doc/exits.md): each process
 * that exits is credited with its final totals, in the group its rules
 * give it, and the totals become a debt of its parent, paid from what the
 * parent's reaped-children counters gain.
 *
 * A scan: the walk; then pg_xc_settle() drains the listener (a process's
 * records all arrive before its /proc directory goes: they are sent when
 * its threads exit, the directory goes when it is reaped), sums them per
 * process, and credits, in exit order, each process whose leader's record
 * is in and whose directory is gone; then finish() pays the debts
 * (pg_xc_pay) before the members' deltas are credited. A scan that lost
 * records credits none (their processes keep the /proc method, that scan). */
#include "config.h"
#include "track.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exits.h"
#include "track_int.h"

/* qsort and bsearch with nothing to sort: the array may be NULL, which
 * they must not be given. */
static void sort(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *)) {
        if (n > 1)
                qsort(v, n, size, cmp);
}

static void *search(const void *key, const void *v, size_t n, size_t size,
                    int (*cmp)(const void *, const void *)) {
        return n ? bsearch(key, v, n, size, cmp) : NULL;
}

/* Messages taken per drain: a fork storm does not hold a scan. */
#define DRAIN_MAX 4096

/* A debt that lapses unpaid leaves at most this many ticks behind: the
 * parts of a tick that /proc's whole ticks have not shown yet. */
#define DEBT_KEEP_TICKS 2

static uint64_t min_u64(uint64_t a, uint64_t b) {
        return a < b ? a : b;
}

static uint64_t ns_per_tick(const struct pg_tracker *t) {
        long hz = pg_source_procfs(t->src)->ticks;
        return hz > 0 && hz <= 1000000000 ? 1000000000u / (uint64_t)hz : 10000000u;
}

/* The boot instant, ns since the epoch: on a live procfs the wall clock
 * less CLOCK_BOOTTIME (the root's btime is whole seconds, cut down, so
 * a start computed from it is up to a second early); else btime. */
static uint64_t boot_ns(const struct pg_procfs *fs) {
        struct timespec real, boot;
        uint64_t ns = fs->boot_time * 1000000000u;

        if (fs->is_procfs && clock_gettime(CLOCK_REALTIME, &real) == 0 &&
            clock_gettime(CLOCK_BOOTTIME, &boot) == 0) {
                int64_t d = ((int64_t)real.tv_sec - boot.tv_sec) * 1000000000 +
                            (real.tv_nsec - boot.tv_nsec);
                /* Only a correction within the second btime names. */
                if (d >= (int64_t)ns && d < (int64_t)ns + 1000000000)
                        ns = (uint64_t)d;
        }
        return ns;
}

int pg_xc_open(struct pg_tracker *t) {
        struct pg_exitcredit *xc = &t->xc;
        int r;

        xc->why = "off";
        xc->start_wall = (uint64_t)time(NULL);
        xc->boot_ns = boot_ns(pg_source_procfs(t->src));
        if (!t->opts.exit_records)
                return 0;
        if (!pg_procfs_own_pidns(pg_source_procfs(t->src))) {
                xc->why = "the procfs root is not our own PID namespace's live /proc";
                return 0;
        }
        xc->use_argv0 = pg_rules_use_argv0(t->rules);
        r = pg_exits_open(t->opts.exit_buffer, &xc->x);
        if (r < 0)
                return r;
        xc->why = pg_exits_why(xc->x);
        if (pg_exits_state(xc->x) != PG_EXITS_ACTIVE) {
                pg_exits_free(xc->x);
                xc->x = NULL;
        }
        return 0;
}

void pg_xc_free(struct pg_tracker *t) {
        pg_exits_free(t->xc.x);
        free(t->xc.v);
        free(t->xc.thr);
        free(t->xc.gone);
        free(t->xc.idx);
        free(t->xc.exes);
        free(t->xc.debts);
}

bool pg_tracker_exits_active(const struct pg_tracker *t) {
        return t->xc.x != NULL || t->xc.injected;
}

const char *pg_tracker_exits_why(const struct pg_tracker *t) {
        return t->xc.why;
}

int pg_tracker_exits_fd(const struct pg_tracker *t) {
        return t->xc.x ? pg_exits_fd(t->xc.x) : -1;
}

/* One record: a new row (rows are summed per process at the scan). */
static void on_record(void *ctx, const struct pg_exit_rec *r) {
        struct pg_exitcredit *xc = ctx;
        struct xproc *p;

        if (r->proc_total)
                return; /* times only; the threads' records have them */
        if (r->pid != r->tgid) {
                if (xc->nthr == XPROC_MAX || PG_GROW(xc->thr, xc->nthr + 1, xc->capthr) < 0) {
                        xc->dropped++;
                        return;
                }
                xc->thr[xc->nthr++] = (struct xthread){.tid = r->pid,
                                                       .tgid = r->tgid,
                                                       .btime = r->btime,
                                                       .nvcsw = r->nvcsw,
                                                       .nivcsw = r->nivcsw};
        }
        if (xc->n == XPROC_MAX || PG_GROW(xc->v, xc->n + 1, xc->cap) < 0) {
                xc->dropped++;
                return;
        }
        p = &xc->v[xc->n++];
        memset(p, 0, sizeof(*p));
        p->tgid = r->tgid;
        p->leader = r->pid == r->tgid;
        p->seq = ++xc->seq;
        if (p->leader) {
                p->ppid = r->ppid;
                p->uid = r->uid;
                p->btime = r->btime;
                p->exe_dev = r->exe_dev;
                p->exe_ino = r->exe_inode;
                copy_name(p->comm, sizeof(p->comm), r->comm);
        }
        p->utime_us = r->utime_us;
        p->stime_us = r->stime_us;
        p->run_ns = r->run_ns;
        p->v[X_MINFLT] = r->minflt;
        p->v[X_MAJFLT] = r->majflt;
        p->v[X_READ] = r->read_bytes;
        p->v[X_WRITE] = r->write_bytes;
        p->v[X_RCHAR] = r->rchar;
        p->v[X_WCHAR] = r->wchar;
        p->v[X_SYSCR] = r->syscr;
        p->v[X_SYSCW] = r->syscw;
        p->v[X_NVCSW] = r->nvcsw;
        p->v[X_NIVCSW] = r->nivcsw;
}

/* Drain at most DRAIN_MAX messages; *cut: it took that many, so more
 * may wait. */
static void drain(struct pg_tracker *t, bool *cut) {
        int r = t->xc.x ? pg_exits_drain(t->xc.x, DRAIN_MAX, on_record, &t->xc) : 0;

        *cut = r >= DRAIN_MAX;
        if (r < 0) {
                t->xc.why = pg_exits_why(t->xc.x);
                pg_exits_free(t->xc.x);
                t->xc.x = NULL;
        }
}

void pg_tracker_drain(struct pg_tracker *t) {
        bool cut;
        drain(t, &cut);
}

void pg_tracker_exits_inject(struct pg_tracker *t, const struct pg_exit_rec *r) {
        if (!t->xc.injected)
                t->xc.use_argv0 = pg_rules_use_argv0(t->rules);
        t->xc.injected = true;
        t->xc.why = "";
        on_record(&t->xc, r);
}

static int cmp_tgid_seq(const void *a, const void *b) {
        const struct xproc *x = a, *y = b;
        if (x->tgid != y->tgid)
                return (x->tgid > y->tgid) - (x->tgid < y->tgid);
        return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Sum the rows of each process into one (its threads, and what waited
 * from earlier scans). */
static void merge_rows(struct pg_exitcredit *xc) {
        size_t w = 0;

        sort(xc->v, xc->n, sizeof(*xc->v), cmp_tgid_seq);
        for (size_t i = 0; i < xc->n; i++) {
                struct xproc *p = &xc->v[i], *q = w ? &xc->v[w - 1] : NULL;

                if (!q || q->tgid != p->tgid) {
                        xc->v[w++] = *p;
                        continue;
                }
                if (p->leader) {
                        q->leader = true;
                        q->ppid = p->ppid;
                        q->uid = p->uid;
                        q->btime = p->btime;
                        q->exe_dev = p->exe_dev;
                        q->exe_ino = p->exe_ino;
                        memcpy(q->comm, p->comm, sizeof(q->comm));
                }
                q->seq = p->seq;
                sat_add(&q->utime_us, p->utime_us);
                sat_add(&q->stime_us, p->stime_us);
                sat_add(&q->run_ns, p->run_ns);
                for (int k = 0; k < X_MAX; k++)
                        sat_add(&q->v[k], p->v[k]);
        }
        xc->n = w;
}

/* Whether e is the process whose leader started at btime. A record's
 * btime is the wall clock at its exit, in whole seconds, less its
 * elapsed time, in whole seconds: the true start lies within a second
 * of it. e's start is known to a tick from the boot instant, which on a
 * live procfs is known to the nanosecond (xc->boot_ns). */
static bool same_start(const struct pg_tracker *t, const struct tproc *e, uint64_t btime) {
        uint64_t nspt = ns_per_tick(t);
        unsigned __int128 start =
            (unsigned __int128)t->xc.boot_ns + (unsigned __int128)e->start * nspt;
        unsigned __int128 b = (unsigned __int128)btime * 1000000000u;
        unsigned __int128 slack = 1000000000u + nspt;

        return start + slack > b && b + slack > start;
}

/* In the order settle takes them: the done ones first. */
enum fate { DONE, WAIT, DROP };

/* What to do with process p's rows now. */
static enum fate fate_of(struct pg_tracker *t, const struct xproc *p) {
        const struct tproc *e = pg_pidtab_lookup(&t->procs, p->tgid);
        char name[16];

        if (e && e->seen == t->gen)
                /* Alive this scan, unless the pid was reused since. */
                return p->leader && !same_start(t, e, p->btime) ? DONE : WAIT;
        snprintf(name, sizeof(name), "%d", (int)p->tgid);
        if (faccessat(pg_source_procfs(t->src)->root_fd, name, F_OK, 0) == 0)
                return WAIT; /* a zombie, or born after the walk passed */
        /* Gone: all its records are in, or its leader's was lost. */
        return p->leader ? DONE : DROP;
}

static int debts_rebuild(struct pg_exitcredit *xc, size_t cap);

static bool debt_zero(const struct xdebt *d) {
        for (int k = 0; k < DEBT_VALS; k++)
                if (d->cur[k] || d->prev[k])
                        return false;
        return true;
}

/* The debt slot of pid (creating it when add), or NULL. */
static struct xdebt *debt_of(struct pg_exitcredit *xc, pid_t pid, bool add) {
        size_t mask, i;

        if (xc->capdebts == 0 || (add && 2 * (xc->ndebts + 1) > xc->capdebts)) {
                if (!add)
                        return NULL;
                if (xc->ndebts >= XDEBT_MAX ||
                    debts_rebuild(xc, xc->capdebts ? 2 * xc->capdebts : 64) < 0)
                        return NULL;
        }
        mask = xc->capdebts - 1;
        for (i = (size_t)pid * 2654435761u & mask;; i = (i + 1) & mask) {
                struct xdebt *d = &xc->debts[i];
                if (d->pid == pid)
                        return d;
                if (d->pid == 0) {
                        if (!add)
                                return NULL;
                        memset(d, 0, sizeof(*d));
                        d->pid = pid;
                        xc->ndebts++;
                        return d;
                }
        }
}

/* The table again at cap slots, without the debts that are all zero. */
static int debts_rebuild(struct pg_exitcredit *xc, size_t cap) {
        struct xdebt *old = xc->debts, *v;
        size_t oldcap = xc->capdebts;

        v = calloc(cap, sizeof(*v));
        if (!v)
                return -ENOMEM;
        xc->debts = v;
        xc->capdebts = cap;
        xc->ndebts = 0;
        for (size_t i = 0; i < oldcap; i++) {
                if (old[i].pid && !debt_zero(&old[i])) {
                        struct xdebt *d = debt_of(xc, old[i].pid, true);
                        *d = old[i];
                }
        }
        free(old);
        return 0;
}

/* run_ns split as the kernel's cputime_adjust splits a task's exact run
 * time for /proc: in the ratio of the tick samples; all user when there
 * is no system sample. */
static uint64_t user_ns(const struct xproc *p) {
        uint64_t ticks = p->utime_us + p->stime_us;

        if (p->stime_us == 0 || ticks == 0)
                return p->run_ns;
        return (uint64_t)((unsigned __int128)p->run_ns * p->utime_us / ticks);
}

/* Add a debt of u_ns, s_ns and v (enum xval through X_SYSCW) to pid. */
static void owe(struct xdebt *d, uint64_t u_ns, uint64_t s_ns, const uint64_t *v) {
        sat_add(&d->cur[0], u_ns);
        sat_add(&d->cur[1], s_ns);
        for (int k = 0; k < X_NVCSW; k++)
                sat_add(&d->cur[2 + k], v[k]);
        sat_add(&d->cur[DEBT_KIDS], 1);
}

/* Move the unpaid debt of a process that exited to its parent's: the
 * parent gains it with the rest of the process's reaped children. */
static void fold(struct pg_exitcredit *xc, pid_t pid, struct xdebt *to) {
        struct xdebt *d = debt_of(xc, pid, false);

        if (!d)
                return;
        if (to && to != d) {
                for (int k = 0; k < DEBT_VALS; k++)
                        sat_add(&to->cur[k], pg_sat_add(d->cur[k], d->prev[k]));
        }
        memset(d->cur, 0, sizeof(d->cur));
        memset(d->prev, 0, sizeof(d->prev));
}

/* Credit g with u_ns, s_ns of CPU and v. The CPU goes through the
 * group's remainders of a tick (its total's, and its user part's), so
 * that many short processes add up exactly: the total is short of the
 * truth by less than a tick, and user and system each by less than two. */
static void credit_group(struct pg_tracker *t, struct group *g, uint64_t u_ns, uint64_t s_ns,
                         const uint64_t v[X_MAX]) {
        struct pg_counts *c = &g->pub.counts;
        uint64_t nspt = ns_per_tick(t), all, user;

        /* A member exited this scan: the group was live (forget_after). */
        g->last_live = t->groups.now;
        g->rem_ns[0] = pg_sat_add(g->rem_ns[0], u_ns);
        g->rem_ns[1] = pg_sat_add(g->rem_ns[1], pg_sat_add(u_ns, s_ns));
        all = g->rem_ns[1] / nspt;
        user = min_u64(g->rem_ns[0] / nspt, all);
        sat_add(&c->v[PG_CPU_USER], user);
        sat_add(&c->v[PG_CPU_SYSTEM], all - user);
        g->rem_ns[0] -= user * nspt;
        g->rem_ns[1] -= all * nspt;
        sat_add(&c->v[PG_MINOR_FAULTS], v[X_MINFLT]);
        sat_add(&c->v[PG_MAJOR_FAULTS], v[X_MAJFLT]);
        sat_add(&c->v[PG_READ_BYTES], v[X_READ]);
        sat_add(&c->v[PG_WRITE_BYTES], v[X_WRITE]);
        sat_add(&c->v[PG_RCHAR], v[X_RCHAR]);
        sat_add(&c->v[PG_WCHAR], v[X_WCHAR]);
        sat_add(&c->v[PG_SYSCR], v[X_SYSCR]);
        sat_add(&c->v[PG_SYSCW], v[X_SYSCW]);
        sat_add(&c->v[PG_CTX_VOLUNTARY], v[X_NVCSW]);
        sat_add(&c->v[PG_CTX_NONVOLUNTARY], v[X_NIVCSW]);
}

/* A tracked member e exited: credit group g with what it did since the
 * last scan (its final totals less what was credited), and owe its parent
 * all it will gain: its own final totals and its reaped children's as
 * last seen. */
static void credit_tracked(struct pg_tracker *t, struct tproc *e, int g, const struct xproc *p,
                           struct xdebt *d) {
        static const int raw_of[X_NVCSW] = {R_MINFLT, R_MAJFLT, R_READ,  R_WRITE,
                                            R_RCHAR,  R_WCHAR,  R_SYSCR, R_SYSCW};
        uint64_t nspt = ns_per_tick(t), tail[X_MAX] = {0}, own[X_NVCSW];
        uint64_t seen_u = e->raw[R_UTIME] * nspt, seen_s = e->raw[R_STIME] * nspt;
        uint64_t fu = user_ns(p), total = delta(p->run_ns, seen_u + seen_s), du;

        du = fu > seen_u ? fu - seen_u : 0;
        if (du > total)
                du = total;
        for (int k = 0; k < X_NVCSW; k++) {
                tail[k] = delta(p->v[k], e->raw[raw_of[k]]);
                own[k] = p->v[k] > e->raw[raw_of[k]] ? p->v[k] : e->raw[raw_of[k]];
        }
        credit_group(t, pg_group_at(&t->groups, g), du, total - du, tail);
        own[X_MINFLT] = pg_sat_add(own[X_MINFLT], e->raw[R_CMINFLT]);
        own[X_MAJFLT] = pg_sat_add(own[X_MAJFLT], e->raw[R_CMAJFLT]);
        if (d)
                owe(d, pg_sat_add(seen_u + du, e->raw[R_CUTIME] * nspt),
                    pg_sat_add(seen_s + total - du, e->raw[R_CSTIME] * nspt), own);
}

static struct xexe *exe_slot(struct pg_exitcredit *xc, uint64_t dev, uint64_t ino,
                             const char *comm) {
        uint64_t h = (dev * 0x9E3779B97F4A7C15u) ^ ino;

        for (; *comm; comm++)
                h = (h ^ (unsigned char)*comm) * 1099511628211u;
        return &xc->exes[(h ^ (h >> 29)) & (XEXE_SLOTS - 1)];
}

void pg_xc_note_exe(struct pg_tracker *t, struct pg_proc *p, const struct pg_static *st) {
        struct pg_exitcredit *xc = &t->xc;
        size_t len = st->argc > 0 ? strnlen(st->cmdline, st->cmdline_len) : 0;
        uint64_t dev, ino;
        struct xexe *x;

        if (!xc->use_argv0 || !pg_tracker_exits_active(t) || len == 0 || len >= XEXE_ARGV0)
                return;
        if (!xc->exes && !(xc->exes = calloc(XEXE_SLOTS, sizeof(*xc->exes))))
                return; /* then rules on argv[0] stay undecided */
        if (pg_proc_exe_id(p, &dev, &ino) < 0)
                return;
        x = exe_slot(xc, dev, ino, st->name);
        x->dev = dev;
        x->ino = ino;
        copy_name(x->comm, sizeof(x->comm), st->name);
        memcpy(x->argv0, st->cmdline, len);
        x->argv0[len] = '\0';
}

/* argv[0] of a process of p's executable and comm, or NULL. */
static const char *argv0_of(struct pg_exitcredit *xc, const struct xproc *p) {
        const struct xexe *x;

        if (!xc->exes || (p->exe_dev == 0 && p->exe_ino == 0))
                return NULL;
        x = exe_slot(xc, p->exe_dev, p->exe_ino, p->comm);
        return x->dev == p->exe_dev && x->ino == p->exe_ino && strcmp(x->comm, p->comm) == 0
                   ? x->argv0
                   : NULL;
}

/* The group of a process no scan saw, from its record: its rules on what
 * the record has (comm, pid, start, user); when they would need its argv,
 * or none matches and children are attributed, its nearest tracked
 * ancestor's. -1: none; -ENOMEM. */
static int group_of_record(struct pg_tracker *t, const struct xproc *p) {
        const struct pg_procfs *fs = pg_source_procfs(t->src);
        struct pg_match_input in = {0};
        char name[PG_NAME_MAX];
        bool overflow = false;
        const struct tproc *a;
        pid_t up = p->ppid;
        int r;

        if (p->tgid == 2 || p->ppid == 2)
                return -1; /* kernel threads: kthreadd reaps them, nobody gains */
        in.comm = p->comm;
        in.cmdline = argv0_of(&t->xc, p);
        in.argc = in.cmdline ? 1 : 0;
        in.cmdline_len = in.cmdline ? strlen(in.cmdline) + 1 : 0;
        if (!in.cmdline)
                in.cmdline = "";
        in.pid = p->tgid;
        in.boot_time = fs->boot_time;
        in.ticks = fs->ticks;
        in.start_ticks =
            p->btime > fs->boot_time ? (p->btime - fs->boot_time) * (uint64_t)fs->ticks : 0;
        in.euid = p->uid;
        in.argv_unknown = true;
        r = pg_rules_match(t->rules, &in, name, sizeof(name));
        if (r == 1) {
                r = pg_groups_index(&t->groups, name, &overflow);
                t->groups.overflow += overflow;
                return r;
        }
        if (r == 0 && !t->opts.children)
                return -1;
        for (int depth = 0; depth < MAX_ANCESTRY && up > 0; depth++) {
                a = pg_pidtab_lookup(&t->procs, up);
                if (!a)
                        break;
                if (a->group >= 0)
                        return a->group;
                up = a->ppid;
        }
        return -1;
}

/* Settle process p, which exited: credit it (when credit: this scan may)
 * and make its parent owe what it will gain for it, and what p itself
 * was owed for its own children. Returns 0 or -ENOMEM. */
static int settle_one(struct pg_tracker *t, const struct xproc *p, bool credit) {
        struct pg_exitcredit *xc = &t->xc;
        struct tproc *e = pg_pidtab_lookup(&t->procs, p->tgid);
        const struct xdebt *owed = debt_of(xc, p->tgid, false);
        struct xdebt *d = NULL;
        int g = -1;

        if (e && (e->seen == t->gen || !same_start(t, e, p->btime)))
                e = NULL; /* its pid is another process's: p went unseen */
        if (credit && e) {
                g = e->group;
                /* It exec'd or renamed itself since the last scan saw it
                 * (a make's child seen between fork and exec, still
                 * bearing make's name): what it did since goes where its
                 * rules put it now, as for one no scan saw. */
                if (p->leader && pg_comm_hash(p->comm) != e->comm_hash) {
                        int r = group_of_record(t, p);
                        if (r < -1)
                                return r;
                        if (r >= 0)
                                g = r;
                }
        } else if (credit && p->btime + 1 >= xc->start_wall) {
                /* (One older than the tracker that no scan saw is
                 * history, as at the first scan.) */
                g = group_of_record(t, p);
                if (g < -1)
                        return g;
        }
        if (p->ppid > 0 && (g >= 0 || (owed && !debt_zero(owed))))
                d = debt_of(xc, p->ppid, true); /* NULL when full: not credited */
        fold(xc, p->tgid, d);
        if (g < 0 || !d)
                return 0;
        t->stats.exits_credited++;
        if (e) {
                credit_tracked(t, e, g, p, d);
                pg_track_forget(t, e);
        } else {
                uint64_t u = user_ns(p);
                credit_group(t, pg_group_at(&t->groups, g), u, p->run_ns - u, p->v);
                owe(d, u, p->run_ns - u, p->v);
        }
        return 0;
}

void pg_xc_thread_gone(struct pg_tracker *t, const struct tproc *e, const struct tthread *tt) {
        struct pg_exitcredit *xc = &t->xc;

        if (!pg_tracker_exits_active(t) || xc->ngone == XPROC_MAX ||
            PG_GROW(xc->gone, xc->ngone + 1, xc->capgone) < 0)
                return; /* its tail is not credited: as without records */
        xc->gone[xc->ngone++] = (struct xthread){.tid = tt->tid,
                                                 .tgid = e->pid,
                                                 .nvcsw = tt->c.v[PG_CTX_VOLUNTARY],
                                                 .nivcsw = tt->c.v[PG_CTX_NONVOLUNTARY]};
}

void pg_xc_unidle(struct pg_tracker *t) {
        const struct pg_exitcredit *xc = &t->xc;

        for (size_t i = 0; i < xc->nthr; i++) {
                struct tproc *e = pg_pidtab_lookup(&t->procs, xc->thr[i].tgid);
                if (e)
                        e->clock_valid = false;
        }
}

static int cmp_tid(const void *a, const void *b) {
        const struct xthread *x = a, *y = b;
        return (x->tid > y->tid) - (x->tid < y->tid);
}

static int cmp_tgid_tid(const void *a, const void *b) {
        const struct xthread *x = a, *y = b;
        if (x->tgid != y->tgid)
                return (x->tgid > y->tgid) - (x->tgid < y->tgid);
        return cmp_tid(a, b);
}

/* xc->idx: the threads of e as (tid, index in e->thr), sorted by tid. */
static int index_threads(struct pg_exitcredit *xc, const struct tproc *e) {
        if (PG_GROW(xc->idx, e->nthr, xc->capidx) < 0)
                return -ENOMEM;
        for (uint32_t i = 0; i < e->nthr; i++)
                xc->idx[i] = (struct xthread){.tid = e->thr[i].tid, .tgid = (pid_t)i};
        sort(xc->idx, e->nthr, sizeof(*xc->idx), cmp_tid);
        return 0;
}

/* The context switches of member e already counted for thread th: its
 * last read, while the walk knew it (*tt, in e), or when this scan's walk
 * found it gone; else 0 (no read saw it). */
static void thread_last(struct pg_exitcredit *xc, struct tproc *e, const struct xthread *th,
                        struct tthread **tt, uint64_t *vol, uint64_t *invol) {
        const struct xthread *g = search(th, xc->idx, e->nthr, sizeof(*th), cmp_tid);

        *tt = g ? &e->thr[g->tgid] : NULL;
        *vol = *invol = 0;
        if (*tt) {
                *vol = (*tt)->c.v[PG_CTX_VOLUNTARY];
                *invol = (*tt)->c.v[PG_CTX_NONVOLUNTARY];
                return;
        }
        g = search(th, xc->gone, xc->ngone, sizeof(*th), cmp_tid);
        if (g && g->tgid == th->tgid) {
                *vol = g->nvcsw;
                *invol = g->nivcsw;
        }
}

/* Credit thread th of member e (see settle_threads). */
static void settle_thread(struct pg_tracker *t, struct tproc *e, const struct xthread *th) {
        struct pg_exitcredit *xc = &t->xc;
        struct pg_counts *c = &pg_group_at(&t->groups, e->group)->pub.counts;
        struct tthread *tt;
        uint64_t vol, invol;

        thread_last(xc, e, th, &tt, &vol, &invol);
        if (!tt && vol == 0 && invol == 0 && th->btime + 1 < xc->start_wall)
                return; /* no read saw it, and it is older than us */
        sat_add(&c->v[PG_CTX_VOLUNTARY], delta(th->nvcsw, vol));
        sat_add(&c->v[PG_CTX_NONVOLUNTARY], delta(th->nivcsw, invol));
        if (tt) {
                /* Read alive by this scan, gone since: counted now. */
                tt->c.v[PG_CTX_VOLUNTARY] = th->nvcsw > vol ? th->nvcsw : vol;
                tt->c.v[PG_CTX_NONVOLUNTARY] = th->nivcsw > invol ? th->nivcsw : invol;
        }
}

/* Threads that exited, of members whose threads are counted one by one:
 * what each did after its last read (or all it did, when no read saw it
 * and it is younger than us) goes to its group's context switches; a
 * process's CPU, faults and I/O already hold its dead threads'. Returns
 * 0 or -ENOMEM. */
static int settle_threads(struct pg_tracker *t) {
        struct pg_exitcredit *xc = &t->xc;
        struct tproc *e = NULL;
        int r = 0;

        sort(xc->gone, xc->ngone, sizeof(*xc->gone), cmp_tid);
        sort(xc->thr, xc->nthr, sizeof(*xc->thr), cmp_tgid_tid);
        for (size_t i = 0; i < xc->nthr && xc->quiet == 0 && t->opts.threads && r == 0; i++) {
                const struct xthread *th = &xc->thr[i];

                if (i == 0 || th->tgid != xc->thr[i - 1].tgid) {
                        e = pg_pidtab_lookup(&t->procs, th->tgid);
                        if (e && e->group >= 0)
                                r = index_threads(xc, e);
                }
                /* A member, and the thread not older than it (else the
                 * tgid was reused). */
                if (r == 0 && e && e->group >= 0 &&
                    th->btime + 1 >= (xc->boot_ns + e->start * ns_per_tick(t)) / 1000000000u)
                        settle_thread(t, e, th);
        }
        xc->nthr = 0;
        xc->ngone = 0;
        return r;
}

static int cmp_fate_seq(const void *a, const void *b) {
        const struct xproc *x = a, *y = b;
        if (x->fate != y->fate)
                return (x->fate > y->fate) - (x->fate < y->fate);
        return (x->seq > y->seq) - (x->seq < y->seq);
}

int pg_xc_settle(struct pg_tracker *t) {
        struct pg_exitcredit *xc = &t->xc;
        uint64_t lost;
        size_t ndone = 0, nwait = 0;
        bool cut;
        int r = 0;

        if (!pg_tracker_exits_active(t))
                return 0;
        drain(t, &cut);
        lost = xc->dropped;
        if (xc->x) {
                lost += pg_exits_stats(xc->x)->lost;
                t->stats.exits_bad = pg_exits_stats(xc->x)->bad;
        }
        t->stats.exits_lost = lost;
        /* The first scan's are history. A scan that lost records, or left
         * some queued (a storm), keeps the /proc method for all (a record
         * missing from a chain would leave a debt where the CPU is not),
         * and so does the next: records of a process may straddle it. */
        if (t->gen == 1 || cut || lost != xc->lost_seen)
                xc->quiet = 2;
        xc->lost_seen = lost;
        merge_rows(xc);
        for (size_t i = 0; i < xc->n; i++) {
                xc->v[i].fate = (uint8_t)fate_of(t, &xc->v[i]);
                ndone += xc->v[i].fate == DONE;
                nwait += xc->v[i].fate == WAIT;
        }
        sort(xc->v, xc->n, sizeof(*xc->v), cmp_fate_seq);
        r = settle_threads(t);
        for (size_t i = 0; i < ndone && r == 0; i++)
                r = settle_one(t, &xc->v[i], xc->quiet == 0);
        if (nwait)
                memmove(xc->v, xc->v + ndone, nwait * sizeof(*xc->v));
        xc->n = nwait;
        if (xc->quiet > 0)
                xc->quiet--;
        return r;
}

/* Take up to amount from debt value k, the older bucket first. */
static void take(struct xdebt *d, int k, uint64_t amount) {
        uint64_t a = amount < d->prev[k] ? amount : d->prev[k];

        d->prev[k] -= a;
        amount -= a;
        d->cur[k] -= amount < d->cur[k] ? amount : d->cur[k];
}

static uint64_t ceil_div(uint64_t a, uint64_t b) {
        return a / b + (a % b != 0);
}

/* Pay d from what member e gained this scan: its cutime and cstime, its
 * cminflt and cmajflt and its I/O. Paying moves e's baseline (raw), so
 * that credit_deltas() credits only the rest.
 *
 * The CPU is in whole ticks, rounded down by /proc (a tick of slack), and
 * each child's time in cutime/cstime holds what it spent after its exit
 * record was sent: freeing its memory and files, about 0.6-1.1 ms a
 * process on a VM (doc/exits.md), in no record. That tail is the child's
 * but no truth the child can log includes it: up to a tick per child is
 * taken from the parent's gain and credited to nobody, so the parent's
 * group keeps its own time only. */
static void pay(struct pg_tracker *t, struct tproc *e, struct xdebt *d) {
        static const int raw_of[X_NVCSW] = {R_CMINFLT, R_CMAJFLT, R_READ,  R_WRITE,
                                            R_RCHAR,   R_WCHAR,   R_SYSCR, R_SYSCW};
        uint64_t nspt = ns_per_tick(t);
        uint64_t gu = delta(e->cur[R_CUTIME], e->raw[R_CUTIME]);
        uint64_t gs = delta(e->cur[R_CSTIME], e->raw[R_CSTIME]);
        uint64_t du = pg_sat_add(d->cur[0], d->prev[0]), ds = pg_sat_add(d->cur[1], d->prev[1]);
        uint64_t kids = pg_sat_add(d->cur[DEBT_KIDS], d->prev[DEBT_KIDS]);

        if (du || ds) {
                uint64_t slack = kids > 1 ? kids : 1;
                uint64_t all = min_u64(gu + gs, ceil_div(pg_sat_add(du, ds), nspt) + slack);
                uint64_t pu = min_u64(min_u64(gu, ceil_div(du, nspt)), all);
                uint64_t ps = min_u64(gs, all - pu);

                pu = min_u64(gu, all - ps);
                e->raw[R_CUTIME] += pu;
                e->raw[R_CSTIME] += ps;
                take(d, 0, pu * nspt);
                take(d, 1, ps * nspt);
                /* Paid in full: the tails came with it. */
                if (pg_sat_add(d->cur[0], d->prev[0]) == 0 &&
                    pg_sat_add(d->cur[1], d->prev[1]) == 0)
                        d->cur[DEBT_KIDS] = d->prev[DEBT_KIDS] = 0;
        }
        for (int k = 0; k < X_NVCSW; k++) {
                uint64_t g = delta(e->cur[raw_of[k]], e->raw[raw_of[k]]);
                uint64_t p = min_u64(g, pg_sat_add(d->cur[2 + k], d->prev[2 + k]));
                e->raw[raw_of[k]] += p;
                take(d, 2 + k, p);
        }
}

int pg_xc_pay(struct pg_tracker *t) {
        struct pg_exitcredit *xc = &t->xc;
        uint64_t keep = DEBT_KEEP_TICKS * ns_per_tick(t);
        bool zero = false;

        for (size_t i = 0; i < xc->capdebts; i++) {
                struct xdebt *d = &xc->debts[i];
                struct tproc *e;

                if (!d->pid)
                        continue;
                e = pg_pidtab_lookup(&t->procs, d->pid);
                if (e && e->seen != t->gen)
                        e = NULL;
                if (e && e->cur_valid && e->group >= 0 &&
                    (e->join == JOIN_SETTLED || e->join == JOIN_BORN))
                        pay(t, e, d);
                /* The last scan's unpaid lapses, but for a live parent
                 * the parts of a tick that /proc has not shown yet. */
                d->prev[0] = min_u64(d->prev[0], e ? keep : 0);
                d->prev[1] = min_u64(d->prev[1], e ? keep : 0);
                for (int k = 0; k < DEBT_VALS; k++) {
                        d->cur[k] = pg_sat_add(d->cur[k], k < 2 ? d->prev[k] : 0);
                        d->prev[k] = d->cur[k];
                        d->cur[k] = 0;
                }
                zero |= debt_zero(d);
        }
        return zero ? debts_rebuild(xc, xc->capdebts) : 0;
}
