/* SPDX-License-Identifier: MIT */
/* Tests of the process model and source (common/proc.c, common/procfs.c):
 * every scenario of sample-proc/basic with the values its files encode
 * (see sample-proc/README), then the live /proc: our own process, a child
 * that dies under an open pg_proc, and a zombie. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/check_main.h"
#include "common/format.h"
#include "common/proc.h"
#include "common/proc_int.h"

#define BASIC     SAMPLE_PROC "/basic"
#define BTIME     1700000000u
#define PAGE      4096u
#define U53P1     9007199254740993ull /* 2^53 + 1 */
#define FLAGS_ALL (PG_READ_ALL | PG_READ_THREADS)

static struct pg_source *src;

/* A source on basic/ with ticks and page size pinned, so that the values
 * do not depend on the machine. */
static void basic_setup(void) {
        struct pg_procfs *fs;

        ck_assert_int_eq(pg_source_new(BASIC, &src), 0);
        fs = pg_source_procfs_mut(src);
        fs->ticks = 100;
        fs->page_size = PAGE;
        ck_assert_int_eq(pg_source_begin(src), 0);
}

static void source_teardown(void) {
        pg_source_free(src);
        src = NULL;
}

/* Read pid of basic/ completely; returns the outcome. */
static int read_pid(pid_t pid, unsigned flags, struct pg_idinfo *ii) {
        struct pg_proc *p;
        int r = pg_source_get(src, pid, &p);

        if (r < 0)
                return r;
        ck_assert_int_eq(p->pid, pid);
        return pg_proc_idinfo(p, flags, ii);
}

static void assert_cmdline(const struct pg_static *st, const char *bytes, size_t len, int argc) {
        ck_assert_uint_eq(st->cmdline_len, len);
        ck_assert_int_eq(memcmp(st->cmdline, bytes, len), 0);
        ck_assert_int_eq(st->argc, argc);
}

static void assert_one_state(const struct pg_states *s, enum pg_state_id id) {
        for (int i = 0; i < PG_STATE_MAX; i++)
                ck_assert_uint_eq(s->v[i], i == (int)id ? 1 : 0);
}

static const struct pg_thread *find_thread(const struct pg_idinfo *ii, pid_t tid) {
        for (size_t i = 0; i < ii->num_threads; i++)
                if (ii->threads[i].id.pid == tid)
                        return &ii->threads[i];
        ck_abort_msg("thread %d not found", (int)tid);
        return NULL;
}

/* --- the scan of basic/ --- */

START_TEST(scan_basic) {
        static const pid_t want[] = {100, 101, 102, 103, 110, 111, 120, 121,
                                     122, 123, 124, 130, 131, 132, 140};
        int seen[sizeof(want) / sizeof(want[0])];

        for (int round = 0; round < 2; round++) {
                const struct pg_scan_stats *ss;
                struct pg_proc *p;
                int r, listed = 0;

                memset(seen, 0, sizeof(seen));
                ck_assert_int_eq(pg_source_begin(src), 0);
                while ((r = pg_source_next(src, &p)) > 0) {
                        struct pg_idinfo ii;
                        size_t k;

                        for (k = 0; k < sizeof(want) / sizeof(want[0]); k++)
                                if (want[k] == p->pid)
                                        break;
                        ck_assert_msg(k < sizeof(want) / sizeof(want[0]), "not a process: %d",
                                      (int)p->pid);
                        ck_assert_int_eq(seen[k], 0);
                        seen[k] = 1;
                        r = pg_source_account(src, pg_proc_idinfo(p, FLAGS_ALL, &ii));
                        if (p->pid == 121)
                                ck_assert_int_eq(r, PG_VANISHED);
                        else if (p->pid == 122)
                                ck_assert_int_eq(r, -EBADMSG);
                        else
                                ck_assert_msg(r == 0, "pid %d: %d", (int)p->pid, r);
                        listed += r == 0;
                }
                ck_assert_int_eq(r, 0);
                for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++)
                        ck_assert_msg(seen[k], "pid %d not returned", (int)want[k]);
                ss = pg_source_stats(src);
                ck_assert_int_eq(listed, 13);
                ck_assert_uint_eq(ss->procs, 15);
                ck_assert_uint_eq(ss->vanished, 1);
                ck_assert_uint_eq(ss->hard_errors, 1);
                /* 120 (no io) and 140 (no fd/). */
                ck_assert_uint_eq(ss->soft_errors, 2);
        }
}
END_TEST

START_TEST(root_basic) {
        const struct pg_procfs *fs = pg_source_procfs(src);

        ck_assert_uint_eq(fs->boot_time, BTIME);
        ck_assert(!fs->is_procfs);
        ck_assert(!fs->fd_size_ok);
}
END_TEST

START_TEST(root_bad) {
        struct pg_source *s = NULL;

        ck_assert_int_eq(pg_source_new(SAMPLE_PROC "/nobtime", &s), -EBADMSG);
        ck_assert_int_eq(pg_source_new(SAMPLE_PROC "/does-not-exist", &s), -ENOENT);
        ck_assert_int_eq(pg_source_new(SAMPLE_PROC "/README", &s), -ENOTDIR);
        ck_assert_ptr_null(s);
}
END_TEST

/* --- one TCase per pid of basic/ --- */

START_TEST(pid_normal) {
        static const char argv[] = "/usr/bin/normal\0--flag\0value with space";
        const struct pg_schedstat *sch;
        struct pg_metrics m;
        struct pg_idinfo ii;
        struct pg_proc *p;
        const uint64_t *c;

        ck_assert_int_eq(read_pid(100, FLAGS_ALL, &ii), 0);
        ck_assert_int_eq(ii.id.pid, 100);
        ck_assert_uint_eq(ii.id.start_ticks, 500);
        ck_assert_str_eq(ii.st.name, "normal");
        assert_cmdline(&ii.st, argv, sizeof(argv) - 1, 3);
        ck_assert_int_eq(ii.st.ppid, 1);
        ck_assert_uint_eq(ii.st.start_ticks, 500);
        ck_assert_uint_eq(ii.st.euid, 1001); /* effective, not real (1000) */
        c = ii.m.counts.v;
        ck_assert_uint_eq(c[PG_CPU_USER], 150);
        ck_assert_uint_eq(c[PG_CPU_SYSTEM], 25);
        ck_assert_uint_eq(c[PG_READ_BYTES], 4096);
        ck_assert_uint_eq(c[PG_WRITE_BYTES], 8192);
        ck_assert_uint_eq(c[PG_MAJOR_FAULTS], 3);
        ck_assert_uint_eq(c[PG_MINOR_FAULTS], 1000);
        ck_assert_uint_eq(c[PG_CTX_VOLUNTARY], 40);
        ck_assert_uint_eq(c[PG_CTX_NONVOLUNTARY], 7);
        ck_assert_uint_eq(c[PG_RCHAR], 6976);
        ck_assert_uint_eq(c[PG_WCHAR], 0);
        ck_assert_uint_eq(c[PG_SYSCR], 10);
        ck_assert_uint_eq(c[PG_SYSCW], 0);
        ck_assert_uint_eq(ii.m.memory.v[PG_MEM_CODE], (20 + 1528) * 1024);
        ck_assert_uint_eq(ii.m.memory.v[PG_MEM_DATA], 360 * 1024);
        ck_assert_uint_eq(ii.m.memory.v[PG_MEM_STACK], 132 * 1024);
        ck_assert_int_eq(ii.m.maps, -1); /* not asked for */
        ck_assert_uint_eq(ii.m.memory.v[PG_MEM_RESIDENT], 256 * PAGE);
        ck_assert_uint_eq(ii.m.memory.v[PG_MEM_VIRTUAL], 10485760);
        ck_assert_uint_eq(ii.m.memory.v[PG_MEM_SWAP], 12 * 1024);
        /* Not asked for: smaps_rollup. */
        ck_assert_uint_eq(ii.m.memory.v[PG_MEM_PROP_RESIDENT], 0);
        ck_assert_int_eq(ii.m.filedesc.open, 5);
        ck_assert_uint_eq(ii.m.filedesc.limit, 1024);
        ck_assert_uint_eq(ii.m.num_threads, 1);
        assert_one_state(&ii.m.states, PG_SLEEPING);
        ck_assert_str_eq(ii.m.wchan, "do_select");
        ck_assert_uint_eq(ii.num_threads, 0); /* one thread: none listed */
        ck_assert_uint_eq(ii.soft_errors, 0);

        /* smaps_rollup when asked; schedstat. */
        ck_assert_int_eq(pg_source_get(src, 100, &p), 0);
        ck_assert_int_eq(pg_proc_metrics(p, PG_READ_SMAPS, &m), 0);
        ck_assert_uint_eq(m.memory.v[PG_MEM_PROP_RESIDENT], 800 * 1024);
        ck_assert_uint_eq(m.memory.v[PG_MEM_PROP_SWAP], 12 * 1024);
        ck_assert_int_eq(pg_proc_schedstat(p, &sch), 0);
        ck_assert_uint_eq(sch->run_ns, 1500000000);
        ck_assert_uint_eq(sch->wait_ns, 2000000);
        ck_assert_uint_eq(sch->pcount, 120);
}
END_TEST

START_TEST(pid_normal_flags) {
        struct pg_metrics m;
        struct pg_proc *p;

        /* Without the optional files: their zero values, no soft error. */
        ck_assert_int_eq(pg_source_get(src, 100, &p), 0);
        ck_assert_int_eq(pg_proc_metrics(p, 0, &m), 0);
        ck_assert_uint_eq(m.counts.v[PG_READ_BYTES], 0);
        ck_assert_uint_eq(m.counts.v[PG_MINOR_FAULTS], 1000);
        ck_assert_int_eq(m.filedesc.open, -1);
        ck_assert_uint_eq(m.filedesc.limit, 0);
        ck_assert_str_eq(m.wchan, "");
        ck_assert_uint_eq(p->soft_errors, 0);

        /* The page size is the handle's, as pinned. */
        pg_source_procfs_mut(src)->page_size = 65536;
        ck_assert_int_eq(pg_source_get(src, 100, &p), 0);
        ck_assert_int_eq(pg_proc_metrics(p, 0, &m), 0);
        ck_assert_uint_eq(m.memory.v[PG_MEM_RESIDENT], 256 * 65536);

        /* Mappings only when asked: the five lines of 100/maps. */
        ck_assert_int_eq(pg_source_get(src, 100, &p), 0);
        ck_assert_int_eq(pg_proc_metrics(p, PG_READ_MAPS, &m), 0);
        ck_assert_int_eq(m.maps, 5);
        /* 101 has no maps file: a soft error, the count unknown. */
        ck_assert_int_eq(pg_source_get(src, 101, &p), 0);
        ck_assert_int_eq(pg_proc_metrics(p, PG_READ_MAPS, &m), 0);
        ck_assert_int_eq(m.maps, -1);
        ck_assert_uint_eq(p->soft_errors, 1);
}
END_TEST

START_TEST(pid_comm_parens) {
        struct pg_idinfo ii;

        ck_assert_int_eq(read_pid(101, FLAGS_ALL, &ii), 0);
        ck_assert_str_eq(ii.st.name, "a) (b c)");
        ck_assert_int_eq(ii.st.ppid, 100);
        ck_assert_uint_eq(ii.id.start_ticks, 600);
        assert_one_state(&ii.m.states, PG_RUNNING);
        ck_assert_str_eq(ii.m.wchan, ""); /* the file reads "0" */
        ck_assert_uint_eq(ii.m.counts.v[PG_MINOR_FAULTS], 10);
        ck_assert_uint_eq(ii.m.memory.v[PG_MEM_RESIDENT], 10 * PAGE);
        assert_cmdline(&ii.st, "./weird", 7, 1);
}
END_TEST

START_TEST(pid_comm_newline) {
        struct pg_idinfo ii;

        ck_assert_int_eq(read_pid(102, FLAGS_ALL, &ii), 0);
        ck_assert_str_eq(ii.st.name, "new\nline");
        ck_assert_int_eq(ii.st.ppid, 100);
        ck_assert_uint_eq(ii.m.counts.v[PG_MINOR_FAULTS], 11);
        ck_assert_uint_eq(ii.m.memory.v[PG_MEM_RESIDENT], 11 * PAGE);
}
END_TEST

START_TEST(pid_threads) {
        const struct pg_thread *t;
        struct pg_idinfo ii;

        ck_assert_int_eq(read_pid(103, FLAGS_ALL, &ii), 0);
        ck_assert_str_eq(ii.st.name, "server");
        ck_assert_uint_eq(ii.st.euid, 33);
        ck_assert_uint_eq(ii.m.num_threads, 3);
        ck_assert_uint_eq(ii.num_threads, 3);
        ck_assert_int_eq(ii.m.filedesc.open, 6);
        ck_assert_uint_eq(ii.m.counts.v[PG_CPU_USER], 60);
        ck_assert_uint_eq(ii.m.counts.v[PG_CPU_SYSTEM], 30);
        ck_assert_uint_eq(ii.m.counts.v[PG_READ_BYTES], 1000);
        ck_assert_uint_eq(ii.m.memory.v[PG_MEM_RESIDENT], 2048 * PAGE);
        assert_one_state(&ii.m.states, PG_SLEEPING);
        ck_assert_str_eq(ii.m.wchan, "do_epoll_wait");
        ck_assert_uint_eq(ii.soft_errors, 0);

        t = find_thread(&ii, 103);
        ck_assert_str_eq(t->name, "server");
        ck_assert_uint_eq(t->id.start_ticks, 700);
        assert_one_state(&t->states, PG_SLEEPING);
        ck_assert_str_eq(t->wchan, "do_epoll_wait");
        ck_assert_uint_eq(t->counts.v[PG_CPU_USER], 10);
        ck_assert_uint_eq(t->counts.v[PG_CPU_SYSTEM], 5);
        ck_assert_uint_eq(t->counts.v[PG_MINOR_FAULTS], 100);
        ck_assert_uint_eq(t->counts.v[PG_READ_BYTES], 100);
        ck_assert_uint_eq(t->counts.v[PG_WRITE_BYTES], 200);
        ck_assert_uint_eq(t->counts.v[PG_CTX_VOLUNTARY], 5);
        ck_assert_uint_eq(t->counts.v[PG_CTX_NONVOLUNTARY], 1);

        t = find_thread(&ii, 104);
        ck_assert_str_eq(t->name, "worker");
        ck_assert_uint_eq(t->id.start_ticks, 701);
        assert_one_state(&t->states, PG_RUNNING);
        ck_assert_str_eq(t->wchan, ""); /* "0" */
        ck_assert_uint_eq(t->counts.v[PG_CPU_USER], 20);
        ck_assert_uint_eq(t->counts.v[PG_READ_BYTES], 300);
        ck_assert_uint_eq(t->counts.v[PG_CTX_VOLUNTARY], 50);
        ck_assert_uint_eq(t->counts.v[PG_CTX_NONVOLUNTARY], 10);

        t = find_thread(&ii, 105);
        ck_assert_str_eq(t->name, "worker");
        ck_assert_uint_eq(t->id.start_ticks, 702);
        assert_one_state(&t->states, PG_WAITING);
        ck_assert_str_eq(t->wchan, "io_schedule");
        ck_assert_uint_eq(t->counts.v[PG_CPU_SYSTEM], 15);
        ck_assert_uint_eq(t->counts.v[PG_MINOR_FAULTS], 300);
        ck_assert_uint_eq(t->counts.v[PG_WRITE_BYTES], 1400);
        ck_assert_uint_eq(t->counts.v[PG_CTX_VOLUNTARY], 500);
        ck_assert_uint_eq(t->counts.v[PG_CTX_NONVOLUNTARY], 100);

        /* Without PG_READ_THREADS, task/ is not read; without
         * PG_READ_WCHAN and PG_READ_IO the threads have neither. */
        ck_assert_int_eq(read_pid(103, PG_READ_ALL, &ii), 0);
        ck_assert_uint_eq(ii.num_threads, 0);
        ck_assert_uint_eq(ii.m.num_threads, 3);
        ck_assert_int_eq(read_pid(103, PG_READ_THREADS, &ii), 0);
        ck_assert_uint_eq(ii.num_threads, 3);
        t = find_thread(&ii, 105);
        ck_assert_str_eq(t->wchan, "");
        ck_assert_uint_eq(t->counts.v[PG_WRITE_BYTES], 0);
        ck_assert_uint_eq(t->counts.v[PG_MINOR_FAULTS], 300);
}
END_TEST

START_TEST(pid_zombie) {
        struct pg_idinfo ii;

        ck_assert_int_eq(read_pid(110, FLAGS_ALL, &ii), 0);
        ck_assert_str_eq(ii.st.name, "defunct");
        ck_assert_int_eq(ii.st.ppid, 100);
        assert_cmdline(&ii.st, "", 0, 0);
        assert_one_state(&ii.m.states, PG_ZOMBIE);
        ck_assert_uint_eq(ii.m.memory.v[PG_MEM_RESIDENT], 0);
        ck_assert_uint_eq(ii.m.memory.v[PG_MEM_VIRTUAL], 0);
        ck_assert_uint_eq(ii.m.memory.v[PG_MEM_SWAP], 0); /* no VmSwap line */
        ck_assert_int_eq(ii.m.filedesc.open, 0);
        ck_assert_str_eq(ii.m.wchan, "");
        ck_assert_uint_eq(ii.m.counts.v[PG_CPU_USER], 3);
        ck_assert_uint_eq(ii.m.counts.v[PG_CPU_SYSTEM], 4);
        ck_assert_uint_eq(ii.m.counts.v[PG_READ_BYTES], 512);
        ck_assert_uint_eq(ii.m.counts.v[PG_CTX_VOLUNTARY], 2);
        ck_assert_uint_eq(ii.soft_errors, 0);
}
END_TEST

START_TEST(pid_kernel_thread) {
        struct pg_idinfo ii;

        ck_assert_int_eq(read_pid(111, FLAGS_ALL, &ii), 0);
        ck_assert_str_eq(ii.st.name, "kworker/u4:2-events_unbound");
        ck_assert_int_eq(ii.st.ppid, 2);
        assert_cmdline(&ii.st, "", 0, 0);
        assert_one_state(&ii.m.states, PG_OTHER); /* I (idle) */
        ck_assert_uint_eq(ii.m.counts.v[PG_CPU_SYSTEM], 42);
        ck_assert_uint_eq(ii.m.counts.v[PG_CTX_VOLUNTARY], 9000);
        ck_assert_uint_eq(ii.m.memory.v[PG_MEM_RESIDENT], 0);
        ck_assert_uint_eq(ii.m.memory.v[PG_MEM_SWAP], 0);
        ck_assert_int_eq(ii.m.filedesc.open, 0);
        ck_assert_str_eq(ii.m.wchan, "worker_thread");
        ck_assert_uint_eq(ii.id.start_ticks, 20);
        ck_assert_uint_eq(ii.soft_errors, 0);
}
END_TEST

START_TEST(pid_no_io) {
        struct pg_idinfo ii;

        ck_assert_int_eq(read_pid(120, FLAGS_ALL, &ii), 0);
        ck_assert_uint_eq(ii.soft_errors, 1);
        ck_assert_uint_eq(ii.m.counts.v[PG_READ_BYTES], 0);
        ck_assert_uint_eq(ii.m.counts.v[PG_WRITE_BYTES], 0);
        /* The rest is reported. */
        ck_assert_str_eq(ii.st.name, "noio");
        ck_assert_uint_eq(ii.m.counts.v[PG_CPU_USER], 5);
        ck_assert_uint_eq(ii.m.counts.v[PG_MINOR_FAULTS], 50);
        ck_assert_int_eq(ii.m.filedesc.open, 3);
        ck_assert_uint_eq(ii.m.filedesc.limit, 1024);
        /* Not asked, not an error. */
        ck_assert_int_eq(read_pid(120, PG_READ_FDS, &ii), 0);
        ck_assert_uint_eq(ii.soft_errors, 0);
}
END_TEST

START_TEST(pid_vanished) {
        const struct pg_stat *st;
        const struct pg_status *ss;
        struct pg_idinfo ii;
        struct pg_proc *p;

        /* 121 is an empty directory: it opens, but the process is gone. */
        ck_assert_int_eq(pg_source_get(src, 121, &p), 0);
        ck_assert_int_eq(pg_proc_stat(p, &st), PG_VANISHED);
        ck_assert_int_eq(pg_proc_status(p, &ss), PG_VANISHED);
        ck_assert_int_eq(read_pid(121, FLAGS_ALL, &ii), PG_VANISHED);
        /* A pid without a directory. */
        ck_assert_int_eq(pg_source_get(src, 555, &p), PG_VANISHED);
        ck_assert_int_eq(pg_source_account(src, PG_VANISHED), PG_VANISHED);
        ck_assert_uint_eq(pg_source_stats(src)->vanished, 1);
        ck_assert_uint_eq(pg_source_stats(src)->hard_errors, 0);
}
END_TEST

START_TEST(pid_malformed) {
        const struct pg_stat *st;
        struct pg_idinfo ii;
        struct pg_proc *p;

        ck_assert_int_eq(pg_source_get(src, 122, &p), 0);
        ck_assert_int_eq(pg_proc_stat(p, &st), -EBADMSG);
        ck_assert_int_eq(read_pid(122, FLAGS_ALL, &ii), -EBADMSG);
        ck_assert_int_eq(pg_source_account(src, -EBADMSG), -EBADMSG);
        ck_assert_uint_eq(pg_source_stats(src)->hard_errors, 1);
        ck_assert_uint_eq(pg_source_stats(src)->vanished, 0);
}
END_TEST

START_TEST(pid_huge) {
        struct pg_idinfo ii;
        const uint64_t *c;

        ck_assert_int_eq(read_pid(123, FLAGS_ALL, &ii), 0);
        c = ii.m.counts.v;
        ck_assert(c[PG_MINOR_FAULTS] == UINT64_MAX);
        ck_assert(c[PG_MAJOR_FAULTS] == U53P1);
        ck_assert(c[PG_CPU_USER] == U53P1);
        ck_assert(c[PG_CPU_SYSTEM] == UINT64_MAX);
        ck_assert(c[PG_READ_BYTES] == UINT64_MAX);
        ck_assert(c[PG_WRITE_BYTES] == U53P1);
        ck_assert(c[PG_CTX_VOLUNTARY] == UINT64_MAX);
        ck_assert(c[PG_CTX_NONVOLUNTARY] == U53P1);
        ck_assert(ii.id.start_ticks == U53P1);
        ck_assert(ii.m.memory.v[PG_MEM_VIRTUAL] == UINT64_MAX);
        ck_assert_uint_eq(ii.m.memory.v[PG_MEM_RESIDENT], 1000 * PAGE);
}
END_TEST

/* The JSON of 123 prints every big number exactly. */
START_TEST(pid_huge_json) {
        struct pg_idinfo ii;
        struct pg_out o;
        char *s;

        ck_assert_int_eq(read_pid(123, FLAGS_ALL, &ii), 0);
        pg_out_init(&o, -1);
        pg_format_proc_json(&o, pg_source_procfs(src), &ii);
        ck_assert_int_eq(o.err, 0);
        s = strndup(o.data, o.len);
        ck_assert_str_eq(
            s, "{\"pid\":123,\"start_ticks\":9007199254740993,\"name\":\"huge\","
               "\"cmdline\":[\"huge\"],\"ppid\":1,\"start_time\":90073692547409.93,\"euid\":0,"
               "\"counts\":{\"cpu_user_seconds\":90071992547409.93,"
               "\"cpu_system_seconds\":184467440737095516.15,"
               "\"read_bytes\":18446744073709551615,\"write_bytes\":9007199254740993,"
               "\"major_page_faults\":9007199254740993,"
               "\"minor_page_faults\":18446744073709551615,"
               "\"ctx_switches_voluntary\":18446744073709551615,"
               "\"ctx_switches_nonvoluntary\":9007199254740993},"
               "\"memory\":{\"resident_bytes\":4096000,\"virtual_bytes\":18446744073709551615,"
               "\"swap_bytes\":0},\"filedesc\":{\"open\":3,\"limit\":1024},\"num_threads\":1,"
               "\"states\":{\"running\":0,\"sleeping\":1,\"waiting\":0,\"zombie\":0,\"other\":0},"
               "\"wchan\":\"do_select\",\"soft_errors\":0,\"threads\":[]}");
        free(s);
        pg_out_free(&o);
}
END_TEST

START_TEST(pid_unlimited) {
        struct pg_idinfo ii;

        ck_assert_int_eq(read_pid(124, FLAGS_ALL, &ii), 0);
        ck_assert(ii.m.filedesc.limit == PG_UNLIMITED);
        ck_assert_int_eq(ii.m.filedesc.open, 3);
}
END_TEST

START_TEST(pid_cmdlines) {
        struct pg_idinfo ii;

        ck_assert_int_eq(read_pid(130, FLAGS_ALL, &ii), 0);
        assert_cmdline(&ii.st, "/bin/sh\0-c\0echo hi", 18, 3);
        ck_assert_int_eq(read_pid(131, FLAGS_ALL, &ii), 0);
        assert_cmdline(&ii.st, "title\0\0arg", 10, 3);
}
END_TEST

START_TEST(pid_wchan_zero) {
        struct pg_idinfo ii;

        ck_assert_int_eq(read_pid(132, FLAGS_ALL, &ii), 0);
        ck_assert_str_eq(ii.m.wchan, "");
        assert_one_state(&ii.m.states, PG_SLEEPING);
        ck_assert_uint_eq(ii.soft_errors, 0);
}
END_TEST

START_TEST(pid_no_fd_dir) {
        struct pg_idinfo ii;

        ck_assert_int_eq(read_pid(140, FLAGS_ALL, &ii), 0);
        ck_assert_int_eq(ii.m.filedesc.open, -1);
        ck_assert_uint_eq(ii.m.filedesc.limit, 1024);
        ck_assert_uint_eq(ii.soft_errors, 1);
        ck_assert_uint_eq(ii.m.memory.v[PG_MEM_RESIDENT], 70 * PAGE);
}
END_TEST

/* --- the live /proc --- */

static void live_setup(void) {
        ck_assert_int_eq(pg_source_new("/proc", &src), 0);
        ck_assert_int_eq(pg_source_begin(src), 0);
}

/* Read a file whole with plain syscalls, independently of the core. */
static size_t slurp(const char *path, char *buf, size_t cap) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        size_t len = 0;
        ssize_t n;

        ck_assert_int_ge(fd, 0);
        while ((n = read(fd, buf + len, cap - len)) > 0)
                len += (size_t)n;
        close(fd);
        ck_assert_uint_lt(len, cap);
        return len;
}

/* Our own maps counted by the core (in pieces, without stdio) and by
 * stdio's lines: the same, give or take what the reading itself maps. */
static void live_maps(struct pg_proc *p) {
        struct pg_metrics m;
        int64_t lines = 0;
        char line[8192];
        FILE *f = fopen("/proc/self/maps", "r");

        ck_assert_ptr_nonnull(f);
        while (fgets(line, sizeof(line), f))
                lines += strchr(line, '\n') != NULL;
        fclose(f);
        ck_assert_int_eq(pg_proc_metrics(p, PG_READ_MAPS, &m), 0);
        ck_assert_int_gt(m.maps, 10);
        ck_assert_msg(m.maps >= lines - 2 && m.maps <= lines + 2, "maps %lld, stdio %lld",
                      (long long)m.maps, (long long)lines);
}

START_TEST(live_self) {
        static char want[65536];
        char path[64];
        size_t want_len;

        /* Through task/: valgrind fakes /proc/self/cmdline and
         * /proc/<pid>/cmdline (open by exact path) but not this one, which
         * is what the core reads, through openat. */
        snprintf(path, sizeof(path), "/proc/%d/task/%d/cmdline", (int)getpid(), (int)getpid());
        want_len = slurp(path, want, sizeof(want));
        struct pg_proc *p;
        int r, found = 0;

        ck_assert(pg_source_procfs(src)->is_procfs);
        while (want_len > 0 && want[want_len - 1] == '\0')
                want_len--;
        while ((r = pg_source_next(src, &p)) > 0) {
                struct pg_idinfo ii;

                if (p->pid != getpid()) {
                        /* Every other process parses too (or vanished). */
                        r = pg_source_account(src, pg_proc_idinfo(p, FLAGS_ALL, &ii));
                        ck_assert_msg(r == 0 || r == PG_VANISHED, "pid %d: %d", (int)p->pid, r);
                        continue;
                }
                found++;
                ck_assert_int_eq(pg_proc_idinfo(p, FLAGS_ALL, &ii), 0);
                ck_assert_uint_eq(ii.st.cmdline_len, want_len);
                ck_assert_int_eq(memcmp(ii.st.cmdline, want, want_len), 0);
                ck_assert_int_ge(ii.st.argc, 1);
                ck_assert_int_eq(ii.st.ppid, getppid());
                ck_assert_uint_eq(ii.st.euid, geteuid());
                /* We are reading our own stat: running. */
                assert_one_state(&ii.m.states, PG_RUNNING);
                ck_assert_uint_ge(ii.m.filedesc.open, 3);
                ck_assert_uint_gt(ii.m.filedesc.limit, 0);
                ck_assert_uint_gt(ii.m.memory.v[PG_MEM_RESIDENT], 0);
                ck_assert_uint_gt(ii.m.memory.v[PG_MEM_CODE], 0);
                ck_assert_uint_gt(ii.m.memory.v[PG_MEM_STACK], 0);
                ck_assert_uint_gt(ii.m.counts.v[PG_SYSCR], 0);
                ck_assert_uint_eq(ii.soft_errors, 0);
                live_maps(p);
        }
        ck_assert_int_eq(r, 0);
        ck_assert_int_eq(found, 1);
        ck_assert_uint_eq(pg_source_stats(src)->hard_errors, 0);
}
END_TEST

static pid_t spawn_sleeper(void) {
        pid_t pid = fork();

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                for (;;)
                        pause();
        }
        return pid;
}

static void kill_and_reap(pid_t pid) {
        int status;

        ck_assert_int_eq(kill(pid, SIGKILL), 0);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFSIGNALED(status));
}

/* A child opened, then killed and reaped: every getter says vanished. */
START_TEST(live_vanished_unread) {
        pid_t pid = spawn_sleeper();
        const struct pg_stat *st;
        const struct pg_status *ss;
        struct pg_idinfo ii;
        struct pg_proc *p;

        ck_assert_int_eq(pg_source_get(src, pid, &p), 0);
        kill_and_reap(pid);
        ck_assert_int_eq(pg_proc_stat(p, &st), PG_VANISHED);
        ck_assert_int_eq(pg_proc_status(p, &ss), PG_VANISHED);
        ck_assert_int_eq(pg_proc_idinfo(p, FLAGS_ALL, &ii), PG_VANISHED);
        ck_assert_int_eq(pg_source_account(src, PG_VANISHED), PG_VANISHED);
        ck_assert_uint_eq(pg_source_stats(src)->vanished, 1);
        ck_assert_uint_eq(pg_source_stats(src)->hard_errors, 0);
        /* Opening it again: gone at the directory. */
        ck_assert_int_eq(pg_source_get(src, pid, &p), PG_VANISHED);
}
END_TEST

/* A child whose stat and status were read, then killed and reaped: the
 * files read afterwards (optional ones included) say vanished, not a soft
 * error. */
START_TEST(live_vanished_half_read) {
        pid_t pid = spawn_sleeper();
        const struct pg_stat *st;
        const struct pg_status *ss;
        struct pg_metrics m;
        struct pg_static sta;
        struct pg_thread *t;
        struct pg_proc *p;
        size_t n;

        ck_assert_int_eq(pg_source_get(src, pid, &p), 0);
        ck_assert_int_eq(pg_proc_stat(p, &st), 0);
        ck_assert_int_eq(pg_proc_status(p, &ss), 0);
        ck_assert_int_eq(st->ppid, getpid());
        kill_and_reap(pid);
        ck_assert_int_eq(pg_proc_metrics(p, PG_READ_IO, &m), PG_VANISHED);
        ck_assert_int_eq(pg_proc_metrics(p, PG_READ_FDS, &m), PG_VANISHED);
        ck_assert_int_eq(pg_proc_metrics(p, PG_READ_LIMITS, &m), PG_VANISHED);
        ck_assert_int_eq(pg_proc_metrics(p, PG_READ_WCHAN, &m), PG_VANISHED);
        ck_assert_int_eq(pg_proc_static(p, &sta), PG_VANISHED);
        ck_assert_int_eq(pg_proc_threads(p, FLAGS_ALL, &t, &n), PG_VANISHED);
        ck_assert_uint_eq(p->soft_errors, 0);
}
END_TEST

/* A killed child not yet reaped is a zombie: read fine, state Z. */
START_TEST(live_zombie) {
        pid_t pid = spawn_sleeper();
        struct pg_idinfo ii;
        struct pg_proc *p;
        siginfo_t si;

        ck_assert_int_eq(kill(pid, SIGKILL), 0);
        /* Wait for the death without reaping it. */
        memset(&si, 0, sizeof(si));
        ck_assert_int_eq(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
        ck_assert_int_eq(si.si_pid, pid);

        ck_assert_int_eq(pg_source_get(src, pid, &p), 0);
        ck_assert_int_eq(pg_proc_idinfo(p, FLAGS_ALL, &ii), 0);
        assert_one_state(&ii.m.states, PG_ZOMBIE);
        ck_assert_int_eq(ii.st.ppid, getpid());
        ck_assert_uint_eq(ii.st.euid, geteuid());
        ck_assert_int_eq(ii.st.argc, 0);
        ck_assert_uint_eq(ii.m.memory.v[PG_MEM_RESIDENT], 0);
        ck_assert_uint_eq(ii.m.memory.v[PG_MEM_SWAP], 0);
        ck_assert_str_eq(ii.m.wchan, "");
        ck_assert_uint_eq(ii.soft_errors, 0);
        ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
}
END_TEST

Suite *pg_test_suite(void) {
        const struct {
                const char *name;
                const TTest *test;
                int live;
        } tests[] = {
            {"scan_basic", scan_basic, 0},
            {"root_basic", root_basic, 0},
            {"root_bad", root_bad, 0},
            {"pid_normal", pid_normal, 0},
            {"pid_normal_flags", pid_normal_flags, 0},
            {"pid_comm_parens", pid_comm_parens, 0},
            {"pid_comm_newline", pid_comm_newline, 0},
            {"pid_threads", pid_threads, 0},
            {"pid_zombie", pid_zombie, 0},
            {"pid_kernel_thread", pid_kernel_thread, 0},
            {"pid_no_io", pid_no_io, 0},
            {"pid_vanished", pid_vanished, 0},
            {"pid_malformed", pid_malformed, 0},
            {"pid_huge", pid_huge, 0},
            {"pid_huge_json", pid_huge_json, 0},
            {"pid_unlimited", pid_unlimited, 0},
            {"pid_cmdlines", pid_cmdlines, 0},
            {"pid_wchan_zero", pid_wchan_zero, 0},
            {"pid_no_fd_dir", pid_no_fd_dir, 0},
            {"live_self", live_self, 1},
            {"live_vanished_unread", live_vanished_unread, 1},
            {"live_vanished_half_read", live_vanished_half_read, 1},
            {"live_zombie", live_zombie, 1},
        };
        Suite *s = suite_create("proc");

        for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
                TCase *tc = tcase_create(tests[i].name);
                tcase_add_checked_fixture(tc, tests[i].live ? live_setup : basic_setup,
                                          source_teardown);
                /* A live /proc walk on a loaded machine (thousands of
                 * processes) takes longer than Check's 4 s default. */
                if (tests[i].live)
                        tcase_set_timeout(tc, 60);
                tcase_add_test(tc, tests[i].test);
                suite_add_tcase(s, tc);
        }
        return s;
}
