/* SPDX-License-Identifier: MIT */
/* libFuzzer target: a whole scan over a small procfs tree built from the
 * input. The bytes decide, per process, its pid, parent, comm, cmdline,
 * threads, fds and, file by file, whether it is well formed (numbers from
 * the input, extremes included), raw input bytes, or absent. The tracker
 * scans, the tree changes (exits, counters that step back, pid reuse, raw
 * garbage), it scans again, and both reports are written to memory.
 *
 * With flag 32, exit records built from the input are injected before the
 * second scan and again before a third (common/exitcredit.c: processes
 * and threads, seen or not, parents owed, pids reused, sums at the edges).
 *
 * Checked beyond "no crash, no sanitizer report": no group counter is
 * lower after a scan than after the one before, and the JSON report is
 * valid UTF-8 without raw control bytes. */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/exits.h"
#include "common/format.h"
#include "common/match.h"
#include "common/proc.h"
#include "common/report.h"
#include "common/track.h"
#include "tests/fakeproc.h"

#define CHECK(c)                                                                                   \
        do {                                                                                       \
                if (!(c))                                                                          \
                        abort();                                                                   \
        } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct in {
        const uint8_t *p, *end;
};

static unsigned byte(struct in *in) {
        return in->p < in->end ? *in->p++ : 0;
}

/* A counter value: mostly small, sometimes at the edges. */
static uint64_t num(struct in *in) {
        unsigned b = byte(in);

        if (b == 0xff)
                return UINT64_MAX;
        if (b == 0xfe)
                return (UINT64_C(1) << 53) + 1;
        if (b == 0xfd)
                return UINT64_MAX / 2;
        return (uint64_t)b * 37;
}

/* Raw bytes: a length byte, then that many bytes of input. */
static size_t raw(struct in *in, char *buf, size_t cap) {
        size_t n = byte(in), avail = (size_t)(in->end - in->p);

        if (n > avail)
                n = avail;
        if (n > cap)
                n = cap;
        memcpy(buf, in->p, n);
        in->p += n;
        return n;
}

/* A short tree is still a tree to scan: write errors are ignored. */
static void put(int dirfd, const char *name, const char *s, size_t n) {
        (void)pg_fake_put(dirfd, name, s, n);
}

static char root[] = "/dev/shm/pg-fuzz-scan-XXXXXX";
static char rootcopy[sizeof(root)];

static void clear_tree(void) {
        (void)pg_fake_rm_rf(root);
}

static void at_exit(void) {
        clear_tree();
}

struct fake {
        int pid, ppid, nthreads, nfds;
        uint64_t start, c[8];
        char comm[24];
        unsigned files; /* bit i: file i is well formed (else raw or absent) */
};

/* One task directory (a process or a thread): stat, status, io, wchan,
 * schedstat, in the kernel's formats or as raw input. */
static void write_task(int dfd, const struct fake *f, int tid, struct in *in) {
        const struct pg_fake_task k = {.pid = tid,
                                       .tgid = f->pid,
                                       .ppid = f->ppid,
                                       .comm = f->comm,
                                       .state = "RSDZIT"[f->c[0] % 6],
                                       .euid = (unsigned)(f->c[0] % 3) * 1000,
                                       .minflt = f->c[1],
                                       .majflt = f->c[2],
                                       .utime = f->c[3],
                                       .stime = f->c[4],
                                       .cutime = (int64_t)(f->c[5] % 1000) - 10,
                                       .nthreads = f->nthreads > 0 ? (uint64_t)f->nthreads : 1,
                                       .start = f->start,
                                       .vsize = f->c[6],
                                       .rss = (int64_t)(f->c[7] % 100000),
                                       .swap_kb = f->c[7],
                                       .vol = f->c[3],
                                       .nonvol = f->c[4]};
        char buf[1024];
        size_t n;
        int len;

        for (int i = 0; i < 5; i++) {
                unsigned mode = byte(in) % 4;
                static const char *const names[] = {"stat", "status", "io", "wchan", "schedstat"};

                if (mode == 2) {
                        n = raw(in, buf, sizeof(buf));
                        put(dfd, names[i], buf, n);
                        continue;
                }
                if (mode == 3 && i >= 2) /* optional files may be missing */
                        continue;
                switch (i) {
                case 0: len = pg_fake_stat_text(buf, sizeof(buf), &k); break;
                case 1: len = pg_fake_status_text(buf, sizeof(buf), &k); break;
                case 2: len = pg_fake_io_text(buf, sizeof(buf), f->c[1], f->c[6]); break;
                case 3:
                        len = snprintf(buf, sizeof(buf), "%s", f->c[2] % 2 ? "do_wait" : "0");
                        break;
                default: len = pg_fake_schedstat_text(buf, sizeof(buf), f->c[4], f->c[5], f->c[0]);
                }
                put(dfd, names[i], buf, (size_t)len);
        }
}

static void write_proc(int rootfd, struct fake *f, struct in *in) {
        char name[16], buf[512];
        size_t n;
        int dfd, tfd, len;

        snprintf(name, sizeof(name), "%d", f->pid);
        dfd = pg_fake_dir(rootfd, name);
        if (dfd < 0)
                return;
        write_task(dfd, f, f->pid, in);
        n = raw(in, buf, sizeof(buf)); /* cmdline: any bytes */
        put(dfd, "cmdline", buf, n);
        put(dfd, "comm", f->comm, strlen(f->comm));
        switch (byte(in) % 3) {
        case 0:
                len = pg_fake_limits_text(buf, sizeof(buf), "1024");
                put(dfd, "limits", buf, (size_t)len);
                break;
        case 1: n = raw(in, buf, sizeof(buf)), put(dfd, "limits", buf, n); break;
        }
        if (byte(in) % 2) {
                n = raw(in, buf, sizeof(buf));
                put(dfd, "smaps_rollup", buf, n);
        } else {
                put(dfd, "smaps_rollup", "Pss:  800 kB\nSwapPss:  12 kB\n", 30);
        }
        if (f->nfds >= 0) {
                tfd = pg_fake_dir(dfd, "fd");
                for (int i = 0; tfd >= 0 && i < f->nfds; i++) {
                        snprintf(name, sizeof(name), "%d", i);
                        pg_fake_link(tfd, name, "/dev/null");
                }
                if (tfd >= 0)
                        close(tfd);
        }
        tfd = pg_fake_dir(dfd, "task");
        if (tfd >= 0) {
                if (f->nthreads < 2) {
                        snprintf(name, sizeof(name), "%d", f->pid);
                        pg_fake_link(tfd, name, "..");
                }
                for (int i = 0; f->nthreads >= 2 && i < f->nthreads; i++) {
                        int tid = f->pid + i * 100, thfd;
                        snprintf(name, sizeof(name), "%d", tid);
                        thfd = pg_fake_dir(tfd, name);
                        if (thfd >= 0) {
                                write_task(thfd, f, tid, in);
                                close(thfd);
                        }
                }
                close(tfd);
        }
        close(dfd);
}

static struct pg_rules *rules(unsigned flags) {
        static const char *const comms[] = {"a", "b)", "sh"};
        static const char *const exes[] = {"sh", "/usr/bin/python3"};
        static const char *const res[] = {"^(?<bin>\\S+) -m (?<mod>\\S*)"};
        struct pg_rules *rs;
        char err[256];

        if (pg_rules_new(&rs) < 0)
                return NULL;
        pg_rules_add(rs, "py:{{.Matches.mod}}", NULL, 0, NULL, 0, res, 1, err, sizeof(err));
        pg_rules_add(rs, "{{.Comm}}-{{.PID}}", comms, 3, NULL, 0, NULL, 0, err, sizeof(err));
        pg_rules_add(rs, "{{.ExeBase}}:{{.Username}}:{{.StartTime}}", NULL, 0, exes, 2, NULL, 0,
                     err, sizeof(err));
        if (flags & 1)
                pg_rules_add(rs, "{{.Comm}}", NULL, 0, NULL, 0, NULL, 0, err, sizeof(err));
        return rs;
}

struct snap {
        char name[PG_NAME_MAX];
        struct pg_counts c;
};

static void check_json(const struct pg_out *o) {
        const unsigned char *p = (const unsigned char *)o->data, *end = p + o->len;

        while (p < end) {
                size_t l = pg_utf8_seq_len(p, (size_t)(end - p));
                CHECK(l > 0 && *p >= 0x20 && *p != 0x7f);
                p += l;
        }
}

/* Up to 7 exit records from the input, as the listener hands them over. */
static void inject(struct in *in, struct pg_tracker *t) {
        int n = (int)(byte(in) % 8);

        for (int i = 0; i < n; i++) {
                struct pg_exit_rec r = {.version = 16};
                size_t len;

                r.tgid = 1 + (int)(byte(in) % 40);
                r.pid = byte(in) % 3 ? r.tgid : 1 + (int)(byte(in) % 40);
                r.ppid = (int)(byte(in) % 40);
                /* Now-ish (credited), or the tree's own epoch (a start to
                 * match a tracked process), or anything. */
                switch (byte(in) % 3) {
                case 0: r.btime = (uint64_t)time(NULL); break;
                case 1: r.btime = 1700000000u + num(in) % 100000; break;
                default: r.btime = num(in);
                }
                r.utime_us = num(in);
                r.stime_us = num(in);
                r.run_ns = num(in);
                r.minflt = num(in);
                r.majflt = num(in);
                r.read_bytes = num(in);
                r.write_bytes = num(in);
                r.rchar = num(in);
                r.nvcsw = num(in);
                r.nivcsw = num(in);
                r.exe_dev = byte(in);
                r.exe_inode = byte(in);
                len = raw(in, r.comm, 15);
                r.comm[len] = '\0';
                pg_tracker_exits_inject(t, &r);
        }
}

/* The groups' counters, to compare with the next scan's. */
static struct snap *snapshot(struct pg_tracker *t, size_t *nsnap) {
        const struct pg_group *const *gs;
        size_t ng = pg_tracker_groups(t, &gs);
        struct snap *snap = calloc(ng ? ng : 1, sizeof(*snap));

        CHECK(snap != NULL);
        for (size_t i = 0; i < ng; i++) {
                snprintf(snap[i].name, sizeof(snap[i].name), "%s", gs[i]->name);
                snap[i].c = gs[i]->counts;
        }
        *nsnap = ng;
        return snap;
}

/* No counter went back since snap, and no group went away. */
static void check_monotonic(struct pg_tracker *t, const struct snap *snap, size_t nsnap) {
        const struct pg_group *const *gs;
        size_t ng = pg_tracker_groups(t, &gs);

        for (size_t i = 0; i < ng; i++)
                for (size_t k = 0; k < nsnap; k++)
                        if (strcmp(gs[i]->name, snap[k].name) == 0)
                                for (int c = 0; c < PG_COUNT_MAX; c++)
                                        if (gs[i]->counts.v[c] < snap[k].c.v[c]) {
                                                fprintf(stderr,
                                                        "group %s counter %d: %llu -> %llu\n",
                                                        gs[i]->name, c,
                                                        (unsigned long long)snap[k].c.v[c],
                                                        (unsigned long long)gs[i]->counts.v[c]);
                                                abort();
                                        }
        CHECK(ng >= nsnap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct in in = {data, data + size};
        struct pg_track_opts opts = PG_TRACK_OPTS_DEFAULT;
        struct fake procs[6];
        struct pg_source *src = NULL;
        struct pg_tracker *t = NULL;
        struct snap *snap = NULL;
        struct pg_out o;
        size_t nsnap;
        unsigned flags;
        int rootfd, nprocs;

        if (!rootcopy[0]) {
                if (!mkdtemp(root))
                        abort();
                memcpy(rootcopy, root, sizeof(root));
                atexit(at_exit);
        }
        clear_tree();
        if (mkdir(root, 0755) < 0)
                abort();
        rootfd = open(root, O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                abort();
        put(rootfd, "stat", "cpu 1 2 3\nbtime 1700000000\n", 27);

        flags = byte(&in);
        opts.threads = flags & 2;
        opts.children = flags & 4;
        opts.smaps = flags & 8;
        opts.children_time = flags & 16;
        nprocs = 1 + (int)(byte(&in) % 6);
        for (int i = 0; i < nprocs; i++) {
                struct fake *f = &procs[i];
                size_t n;

                f->pid = 1 + (int)(byte(&in) % 40);
                f->ppid = (int)(byte(&in) % 40);
                n = raw(&in, f->comm, sizeof(f->comm) - 1);
                f->comm[n] = '\0';
                for (size_t k = 0; k < n; k++)
                        if (f->comm[k] == '\0')
                                f->comm[k] = '?';
                f->start = num(&in);
                for (int k = 0; k < 8; k++)
                        f->c[k] = num(&in);
                f->nthreads = (int)(byte(&in) % 4);
                f->nfds = (int)(byte(&in) % 5) - 1;
                write_proc(rootfd, f, &in);
        }

        if (pg_source_new(root, &src) < 0)
                goto out;
        pg_source_procfs_mut(src)->ticks = 100;
        pg_source_procfs_mut(src)->page_size = 4096;
        if (pg_tracker_new(src, rules(flags), &opts, &t) < 0) {
                pg_source_free(src);
                goto out;
        }
        pg_tracker_scan(t);
        snap = snapshot(t, &nsnap);

        /* The world moves on: exits, counters up or down, pid reuse, garbage. */
        for (int i = 0; i < nprocs; i++) {
                struct fake *f = &procs[i];
                char name[16];

                snprintf(name, sizeof(name), "%d", f->pid);
                switch (byte(&in) % 5) {
                case 0: break;
                case 1: { /* exited */
                        char path[sizeof(root) + 16];
                        snprintf(path, sizeof(path), "%s/%s", root, name);
                        (void)pg_fake_rm_rf(path);
                        break;
                }
                case 2: /* counters move, either way */
                        for (int k = 0; k < 8; k++)
                                f->c[k] = byte(&in) % 2 ? f->c[k] + num(&in) : num(&in);
                        write_proc(rootfd, f, &in);
                        break;
                case 3: /* the pid is reused */
                        f->start = num(&in);
                        write_proc(rootfd, f, &in);
                        break;
                default: write_proc(rootfd, f, &in);
                }
        }
        if (flags & 32)
                inject(&in, t);
        pg_tracker_scan(t);
        check_monotonic(t, snap, nsnap);
        if (flags & 32) {
                free(snap);
                snap = snapshot(t, &nsnap);
                inject(&in, t);
                pg_tracker_scan(t);
                check_monotonic(t, snap, nsnap);
        }

        pg_out_init(&o, -1);
        pg_report_json(&o, t);
        check_json(&o);
        pg_out_free(&o);
        pg_out_init(&o, -1);
        pg_report_prometheus(&o, t);
        pg_out_free(&o);
        pg_tracker_free(t);
out:
        free(snap);
        close(rootfd);
        return 0;
}
