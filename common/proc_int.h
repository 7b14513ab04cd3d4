/* The process model's private side, for proc.c, the tracker's modules
 * (track_int.h) and the tests: how a /proc file's raw values become
 * metrics. Both readers (pg_proc_idinfo for --list, the tracker's scan)
 * convert through these, so a unit or a field is chosen in one place.
 * Static inline: the scan calls them per process and per thread. */
#ifndef PG_PROC_INT_H
#define PG_PROC_INT_H

#include <string.h>

#include "parse.h"
#include "proc.h"
#include "sat.h"

/* Map a stat state letter to its pg_state_id (R S D Z; the rest other). */
static inline enum pg_state_id pg_state_from_char(char c) {
        switch (c) {
        case 'R': return PG_RUNNING;
        case 'S': return PG_SLEEPING;
        case 'D': return PG_WAITING;
        case 'Z': return PG_ZOMBIE;
        default: return PG_OTHER;
        }
}

/* stat (proc(5) fields 10-15): CPU in ticks and page faults. */
static inline void pg_counts_from_stat(struct pg_counts *c, const struct pg_stat *st) {
        c->v[PG_CPU_USER] = st->utime;
        c->v[PG_CPU_SYSTEM] = st->stime;
        c->v[PG_MAJOR_FAULTS] = st->majflt;
        c->v[PG_MINOR_FAULTS] = st->minflt;
}

/* status: voluntary_ctxt_switches and nonvoluntary_ctxt_switches. */
static inline void pg_counts_from_status(struct pg_counts *c, const struct pg_status *ss) {
        c->v[PG_CTX_VOLUNTARY] = ss->ctx_voluntary;
        c->v[PG_CTX_NONVOLUNTARY] = ss->ctx_involuntary;
}

/* io: read_bytes and write_bytes, what reached the storage layer (not
 * rchar/wchar, which count reads served from the page cache). */
static inline void pg_counts_from_io(struct pg_counts *c, const struct pg_io *io) {
        c->v[PG_READ_BYTES] = io->read_bytes;
        c->v[PG_WRITE_BYTES] = io->write_bytes;
}

/* The one state a task is in, from its stat. */
static inline void pg_states_from_stat(struct pg_states *s, const struct pg_stat *st) {
        memset(s, 0, sizeof(*s));
        s->v[pg_state_from_char(st->state)] = 1;
}

/* What a process's stat gives: its CPU and faults, resident (rss is in
 * pages) and virtual memory, its threads and its state. */
static inline void pg_metrics_from_stat(struct pg_metrics *m, const struct pg_stat *st,
                                        long page_size) {
        pg_counts_from_stat(&m->counts, st);
        m->memory.v[PG_MEM_RESIDENT] = pg_sat_mul(st->rss, (uint64_t)page_size);
        m->memory.v[PG_MEM_VIRTUAL] = st->vsize;
        m->num_threads = st->num_threads;
        pg_states_from_stat(&m->states, st);
}

/* What a process's status gives: context switches and swap (VmSwap, kB). */
static inline void pg_metrics_from_status(struct pg_metrics *m, const struct pg_status *ss) {
        pg_counts_from_status(&m->counts, ss);
        m->memory.v[PG_MEM_SWAP] = pg_sat_mul(ss->vm_swap_kb, 1024);
}

/* What thread tid's stat gives: its identity, name, CPU, faults, state. */
static inline void pg_thread_from_stat(struct pg_thread *t, pid_t tid, const struct pg_stat *st) {
        t->id.pid = tid;
        t->id.start_ticks = st->starttime;
        memcpy(t->name, st->comm, sizeof(t->name));
        pg_counts_from_stat(&t->counts, st);
        pg_states_from_stat(&t->states, st);
}

#endif
