/* SPDX-License-Identifier: MIT */
/* procgroups: the command-line face. Thin: options in, numbers out. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/conffile.h"
#include "common/format.h"
#include "common/outfile.h"
#include "common/proc.h"
#include "common/report.h"
#include "common/setup.h"
#include "common/track.h"
#include "plugin/cli_args.h"
#include "plugin/exporter.h"

/* A report buffer this big is given back when the reports shrink to a
 * quarter of it. */
#define OUT_SHRINK_AT (256 * 1024)

static volatile sig_atomic_t stop;
/* Set while a report goes to standard output (see on_signal). */
static volatile sig_atomic_t writing;

static void on_signal(int sig) {
        stop = 1;
        /* A write to a pipe or terminal whose reader stopped reading never
         * returns; the loop would only see stop after it. There is nothing
         * to finish or clean up in a half-written report on standard
         * output, so end now, by the signal itself, as without a handler.
         * signal() and raise() are async-signal-safe; the signal is blocked
         * until the handler returns, then delivered with SIG_DFL. */
        if (writing) {
                signal(sig, SIG_DFL);
                raise(sig);
        }
}

/* Once in the life of the process, when a cap first sends names to
 * _other: the figures say how often after that (scan.overflow). */
static void note_overflow(const struct pg_tracker *t, bool *noted) {
        const struct pg_track_opts *op = pg_tracker_opts(t);

        if (*noted || pg_tracker_stats(t)->overflow == 0)
                return;
        *noted = true;
        fprintf(stderr,
                "procgroups: a cap is reached (%llu groups; max_groups %u, max_thread_names %u "
                "per group): new names go to " PG_GROUP_OTHER "\n",
                (unsigned long long)pg_tracker_stats(t)->groups, op->max_groups,
                op->max_thread_names);
}

static void hard_error(void *ctx, pid_t pid, const char *file, int err) {
        (void)ctx;
        /* One line per process and scan; malformed files are rare. */
        fprintf(stderr, "procgroups: pid %d: %s: %s, skipped this scan\n", (int)pid, file,
                pg_strerror(err));
}

/* The tracker calls this once per rule: a process's command line made
 * the rule's regex hit its limits (a soft error, not a skipped process). */
static void limit_hit(void *ctx, pid_t pid, const char *rule, const char *why) {
        (void)ctx;
        fprintf(stderr,
                "procgroups: rule \"%s\": cmdline regex stopped on pid %d: %s; "
                "counted as no match (logged once per rule)\n",
                rule, (int)pid, why);
}

static int run_list(const char *procfs, unsigned flags) {
        struct pg_source *src = NULL;
        struct pg_proc *p;
        struct pg_out o;
        int r, n = 0, ret = 0;

        r = pg_source_new(procfs, &src);
        if (r < 0) {
                fprintf(stderr, "procgroups: cannot open procfs root %s: %s\n", procfs,
                        pg_strerror(r));
                return 2;
        }
        pg_out_init(&o, STDOUT_FILENO);
        pg_out_char(&o, '[');
        pg_source_begin(src);
        while ((r = pg_source_next(src, &p)) > 0) {
                struct pg_idinfo ii;
                r = pg_proc_idinfo(p, flags, &ii);
                if (r < 0) {
                        pg_source_account(src, r);
                        if (r != PG_VANISHED && r != PG_HIDDEN)
                                hard_error(NULL, pg_proc_pid(p), pg_proc_failed(p), r);
                        continue;
                }
                if (n++)
                        pg_out_char(&o, ',');
                pg_format_proc_json(&o, pg_source_procfs(src), &ii);
                pg_out_char(&o, '\n');
        }
        if (r < 0) {
                fprintf(stderr, "procgroups: cannot list %s: %s\n", procfs, strerror(-r));
                ret = 2;
        }
        pg_out_str(&o, "]\n");
        if (pg_out_flush(&o) < 0)
                ret = 1;
        pg_out_free(&o);
        pg_source_free(src);
        return ret;
}

/* Human units: 1023, 1.0K, 12.3M ... */
static void human(char *buf, size_t n, double v) {
        static const char units[] = "BKMGTP";
        int u = 0;

        while (v >= 1024 && u < 5) {
                v /= 1024;
                u++;
        }
        if (u == 0)
                snprintf(buf, n, "%.0f", v);
        else
                snprintf(buf, n, "%.1f%c", v, units[u]);
}

/* A group name as the table's GROUP column shows it: printable ASCII,
 * anything else '?' (names come from processes), at most NAME_COLS bytes. */
#define NAME_COLS 24
static char *table_name(const char *raw) {
        char *s = malloc(NAME_COLS + 1);
        size_t k = 0;

        if (!s)
                return NULL;
        for (const char *c = raw; *c && k < NAME_COLS; c++)
                s[k++] = (*c >= 0x20 && *c < 0x7f) ? *c : '?';
        s[k] = '\0';
        return s;
}

struct row {
        const struct pg_group *g;
        const char *name; /* as shown: distinct from every other row's */
        double cpu;       /* % of one core since the previous scan; < 0 unknown */
        double rd, wr;
};

static int cmp_row(const void *a, const void *b) {
        const struct row *x = a, *y = b;

        if (x->cpu != y->cpu)
                return x->cpu < y->cpu ? 1 : -1;
        if (x->g->procs != y->g->procs)
                return x->g->procs < y->g->procs ? 1 : -1;
        return strcmp(x->g->name, y->g->name);
}

/* Per-group counters of the previous scan, for rates. */
struct prev {
        char *name;
        uint64_t cpu, rd, wr;
};

static void print_table(struct pg_out *o, const struct pg_tracker *t, struct prev **prevp,
                        size_t *nprevp, double dt, bool tty) {
        const struct pg_group *const *gs;
        size_t n = pg_tracker_groups(t, &gs), nrows = 0, shown;
        long hz = pg_tracker_procfs(t)->ticks;
        struct row *rows = calloc(n ? n : 1, sizeof(*rows));
        struct prev *prev = *prevp, *next = calloc(n ? n : 1, sizeof(*next));
        const struct pg_track_stats *s = pg_tracker_stats(t);
        const char **raw = calloc(n ? n : 1, sizeof(*raw));
        char **names = NULL;
        char line[512];

        for (size_t i = 0; raw && i < n; i++)
                raw[i] = gs[i]->name;
        /* Names that show alike (cut, or '?' for other bytes) get suffixes,
         * so that no two rows read the same. */
        if (!rows || !next || !raw ||
            pg_names_distinct(raw, n, table_name, NAME_COLS, &names) < 0) {
                free(rows);
                free(next);
                free(raw);
                return;
        }
        for (size_t i = 0; i < n; i++) {
                const struct pg_group *g = gs[i];
                uint64_t cpu = g->counts.v[PG_CPU_USER] + g->counts.v[PG_CPU_SYSTEM];
                struct row *r = &rows[nrows];
                r->g = g;
                r->name = names[i];
                r->cpu = -1;
                for (size_t k = 0; k < *nprevp && dt > 0; k++) {
                        if (strcmp(prev[k].name, g->name) == 0) {
                                r->cpu = (double)(cpu - prev[k].cpu) * 100.0 / (double)hz / dt;
                                r->rd = (double)(g->counts.v[PG_READ_BYTES] - prev[k].rd) / dt;
                                r->wr = (double)(g->counts.v[PG_WRITE_BYTES] - prev[k].wr) / dt;
                                break;
                        }
                }
                next[i].name = strdup(g->name);
                next[i].cpu = cpu;
                next[i].rd = g->counts.v[PG_READ_BYTES];
                next[i].wr = g->counts.v[PG_WRITE_BYTES];
                if (g->procs > 0)
                        nrows++;
        }
        shown = nrows;
        qsort(rows, nrows, sizeof(*rows), cmp_row);
        if (tty) {
                /* Like top: the busiest groups that fit the terminal. */
                struct winsize ws;
                if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 3 &&
                    nrows > (size_t)ws.ws_row - 3)
                        shown = (size_t)ws.ws_row - 3;
                pg_out_str(o, "\033[H\033[2J");
        }
        snprintf(line, sizeof(line),
                 "procgroups: %zu groups, %llu processes, scan %.1f ms, %llu vanished, "
                 "%llu hidden, %llu soft / %llu hard errors\n",
                 nrows, (unsigned long long)s->procs, s->seconds * 1000,
                 (unsigned long long)s->vanished, (unsigned long long)s->hidden,
                 (unsigned long long)s->soft_errors, (unsigned long long)s->hard_errors);
        pg_out_str(o, line);
        snprintf(line, sizeof(line), "%-24s %6s %7s %7s %8s %8s %8s %9s %9s %6s\n", "GROUP",
                 "PROCS", "THREADS", "CPU%", "RSS", "VIRT", "SWAP", "READ/s", "WRITE/s", "FDS");
        pg_out_str(o, line);
        for (size_t i = 0; i < shown; i++) {
                const struct pg_group *g = rows[i].g;
                char cpu[16], rss[16], virt[16], swp[16], rd[16], wr[16];
                if (rows[i].cpu < 0)
                        snprintf(cpu, sizeof(cpu), "-");
                else
                        snprintf(cpu, sizeof(cpu), "%.1f", rows[i].cpu);
                human(rss, sizeof(rss), (double)g->memory.v[PG_MEM_RESIDENT]);
                human(virt, sizeof(virt), (double)g->memory.v[PG_MEM_VIRTUAL]);
                human(swp, sizeof(swp), (double)g->memory.v[PG_MEM_SWAP]);
                if (rows[i].cpu < 0) {
                        snprintf(rd, sizeof(rd), "-");
                        snprintf(wr, sizeof(wr), "-");
                } else {
                        human(rd, sizeof(rd), rows[i].rd);
                        human(wr, sizeof(wr), rows[i].wr);
                }
                snprintf(line, sizeof(line), "%-24s %6llu %7llu %7s %8s %8s %8s %9s %9s %6llu\n",
                         rows[i].name, (unsigned long long)g->procs, (unsigned long long)g->threads,
                         cpu, rss, virt, swp, rd, wr, (unsigned long long)g->open_fds);
                pg_out_str(o, line);
        }
        for (size_t k = 0; k < *nprevp; k++)
                free(prev[k].name);
        free(prev);
        *prevp = next;
        *nprevp = n;
        free(rows);
        free(raw);
        pg_names_free(names, n);
}

/* The report, built in memory, to standard output. A termination signal
 * that arrives from here on ends the process at once (on_signal), so a
 * reader that never reads cannot keep us alive; one that arrived before is
 * seen here. */
static int write_stdout(struct pg_out *o) {
        int r;

        writing = 1;
        if (stop) {
                writing = 0;
                o->len = 0;
                return -EINTR;
        }
        o->fd = STDOUT_FILENO;
        r = pg_out_flush(o);
        o->fd = -1;
        writing = 0;
        return r;
}

/* The report to the --output file (pg_outfile: the target replaced whole,
 * never through a name another user could have planted). */
static int write_file(struct pg_outfile *of, struct pg_out *o) {
        int r = o->err ? o->err : pg_outfile_write(of, o->data, o->len);

        o->len = 0;
        o->err = 0;
        return r;
}

/* The --output directory opened once, with a warning when other users can
 * write to it: there they can remove or replace the report (or, with the
 * sticky bit, at least fill the directory), whatever we do. */
static int open_output(const char *path, struct pg_outfile **ret) {
        struct pg_outfile *of;
        mode_t mode;
        int r;

        r = pg_outfile_open(path, 0, &of);
        if (r < 0) {
                fprintf(stderr, "procgroups: cannot write %s: %s\n", path, strerror(-r));
                return r;
        }
        if (pg_outfile_dir_shared(of, &mode) > 0)
                fprintf(stderr,
                        "procgroups: warning: directory %s of --output is writable by other "
                        "users (mode %04o): they can %s\n",
                        pg_outfile_dir(of), (unsigned)mode,
                        mode & S_ISVTX ? "fill it and create names next to the report"
                                       : "remove or replace the report");
        *ret = of;
        return 0;
}

/* The CLI's own figure, after the scan's, when Prometheus text goes to
 * --output: a textfile collector then sees writes that failed. */
static void prom_output_errors(struct pg_out *o, unsigned long long n) {
        char line[64];

        pg_out_str(o, "# HELP procgroups_output_errors_total reports that could not be written "
                      "to --output (the previous file was kept)\n"
                      "# TYPE procgroups_output_errors_total counter\n");
        snprintf(line, sizeof(line), "procgroups_output_errors_total %llu\n", n);
        pg_out_str(o, line);
}

/* Sleep until next + interval on the monotonic clock. Meanwhile, when exit
 * records are in use, take what the kernel queues on the listener's socket
 * as it comes (pg_tracker_drain), so that a burst of exits between two
 * scans never overflows it. A signal (stop) ends the wait as before. */
static void sleep_until(struct pg_tracker *t, struct timespec *next, double interval) {
        long long ns = (long long)(interval * 1e9);

        next->tv_sec += ns / 1000000000LL;
        next->tv_nsec += ns % 1000000000LL;
        if (next->tv_nsec >= 1000000000L) {
                next->tv_sec++;
                next->tv_nsec -= 1000000000L;
        }
        while (!stop) {
                /* Asked each time: a listener whose socket failed is gone. */
                struct pollfd pfd = {.fd = pg_tracker_exits_fd(t), .events = POLLIN};
                struct timespec now, left;

                if (pfd.fd < 0) {
                        if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, next, NULL) != EINTR)
                                return;
                        continue;
                }
                clock_gettime(CLOCK_MONOTONIC, &now);
                left.tv_sec = next->tv_sec - now.tv_sec;
                left.tv_nsec = next->tv_nsec - now.tv_nsec;
                if (left.tv_nsec < 0) {
                        left.tv_sec--;
                        left.tv_nsec += 1000000000L;
                }
                if (left.tv_sec < 0)
                        return;
                if (ppoll(&pfd, 1, &left, NULL) > 0)
                        pg_tracker_drain(t);
        }
}

/* What a run of scans carries from one to the next. */
struct run {
        const struct cli *c;
        struct pg_config cfg;
        struct pg_tracker *t;
        struct pg_outfile *of;
        struct pg_out o;
        struct prev *prev; /* the table's previous counters */
        size_t nprev;
        struct timespec last;
        bool tty, overflow_noted, out_failing;
        unsigned long long out_errors;
};

/* Config, command-line overrides, then the tracker. Returns 0, -1 after
 * --print-options (nothing more to do), or the exit status (2: a bad config or root, 1: anything
 * else), having said why on stderr. */
static int run_setup(struct run *rn) {
        const struct cli *c = rn->c;
        struct pg_setup setup = {
            .own_process = true, .error_fn = hard_error, .limit_fn = limit_hit};
        enum pg_setup_step step;
        char err[1024];
        int r;

        r = c->config ? pg_config_load(c->config, &rn->cfg, err, sizeof(err))
                      : pg_config_default(&rn->cfg);
        if (r < 0) {
                fprintf(stderr, "procgroups: %s\n", c->config ? err : strerror(-r));
                return 2;
        }
        r = pg_cli_apply(c, &rn->cfg, err, sizeof(err));
        if (r < 0) {
                fprintf(stderr, "procgroups: %s\n", r == -ENOMEM ? strerror(-r) : err);
                return r == -ENOMEM ? 1 : 2;
        }
        if (c->print_options) {
                pg_cli_print_options(c, &rn->cfg);
                return -1;
        }
        setup.procfs = rn->cfg.procfs;
        setup.opts = rn->cfg.opts;
        r = pg_setup_tracker(&setup, pg_config_take_rules(&rn->cfg), &rn->t, &step);
        if (r < 0) {
                if (step == PG_SETUP_ROOT)
                        fprintf(stderr, "procgroups: cannot open procfs root %s: %s\n",
                                rn->cfg.procfs, pg_strerror(r));
                else
                        fprintf(stderr, "procgroups: %s\n", strerror(-r));
                return step == PG_SETUP_ROOT ? 2 : 1;
        }
        return 0;
}

/* Once, at start, for a collector that runs on (--listen, or --interval
 * into a file or a pipe): exit records were asked for and are not used,
 * and why. --once stays quiet (its JSON options say it), and so does the
 * live table, which would wipe the line at once. */
static void note_exits(const struct run *rn) {
        const struct cli *c = rn->c;

        if (!pg_tracker_opts(rn->t)->exit_records || pg_tracker_exits_active(rn->t))
                return;
        if (!c->listen && (c->count == 1 || rn->tty))
                return;
        fprintf(stderr,
                "procgroups: exit records not used (%s): processes that exit between scans "
                "are counted by the /proc method (children_time)\n",
                pg_tracker_exits_why(rn->t));
}

/* This scan's report into rn->o, in the chosen format. */
static void render(struct run *rn, const struct timespec *now) {
        const struct cli *c = rn->c;

        switch (c->fmt) {
        case PG_FMT_JSON:
                pg_report_json(&rn->o, rn->t);
                pg_out_char(&rn->o, '\n');
                break;
        case PG_FMT_PROM:
                pg_report_prometheus(&rn->o, rn->t);
                if (rn->of)
                        prom_output_errors(&rn->o, rn->out_errors);
                break;
        case PG_FMT_TABLE: {
                double dt = rn->last.tv_sec ? (double)(now->tv_sec - rn->last.tv_sec) +
                                                  (double)(now->tv_nsec - rn->last.tv_nsec) / 1e9
                                            : 0;
                print_table(&rn->o, rn->t, &rn->prev, &rn->nprev, dt, rn->tty);
                if (!rn->tty && c->count != 1)
                        pg_out_char(&rn->o, '\n');
                break;
        }
        }
        rn->last = *now;
}

/* Write the report out. Returns 0 to go on, 1 to go on with exit status
 * 1 (a failed --output write in repeated mode), or -1 to stop (then
 * *ret_status is the exit status). */
static int deliver(struct run *rn, int *ret_status) {
        const struct cli *c = rn->c;
        size_t len = rn->o.len;
        int r = rn->of ? write_file(rn->of, &rn->o) : write_stdout(&rn->o);

        /* A churn of names made the reports big for a while: once its
         * groups are forgotten, the buffer need not stay so. */
        if (r == 0 && rn->o.cap > OUT_SHRINK_AT && rn->o.cap / 4 > len) {
                pg_out_free(&rn->o);
                pg_out_init(&rn->o, -1);
        }
        if (r < 0 && rn->of && c->count != 1) {
                /* Scanning on keeps the counters; the reader keeps the
                 * last complete report. One line per run of failures, and
                 * one when writing works again. */
                rn->out_errors++;
                if (!rn->out_failing)
                        fprintf(stderr,
                                "procgroups: cannot write %s: %s; keeping the previous "
                                "file and retrying every scan (%llu failures so far)\n",
                                c->output, strerror(-r), rn->out_errors);
                rn->out_failing = true;
                return 1;
        }
        if (r == 0 && rn->out_failing) {
                fprintf(stderr, "procgroups: %s written again (%llu failures so far)\n", c->output,
                        rn->out_errors);
                rn->out_failing = false;
        } else if (r == -EINTR && stop) {
                *ret_status = 0;
                return -1;
        } else if (r < 0) {
                if (r != -EPIPE)
                        fprintf(stderr, "procgroups: cannot write %s: %s\n",
                                c->output ? c->output : "output", strerror(-r));
                *ret_status = 1;
                return -1;
        }
        return 0;
}

static int run_groups(const struct cli *c) {
        struct run rn = {.c = c};
        struct timespec next, now;
        long done = 0;
        int r, ret = 0;

        rn.tty = c->fmt == PG_FMT_TABLE && !c->output && isatty(STDOUT_FILENO);
        if (c->output && open_output(c->output, &rn.of) < 0)
                return 1;
        ret = run_setup(&rn);
        if (ret) {
                ret = ret < 0 ? 0 : ret; /* --print-options: done */
                goto out;
        }
        note_exits(&rn);
        if (c->listen) {
                struct pg_exporter_opts xo = {
                    .listen = c->listen,
                    .path = c->telemetry_path,
                    .min_interval = c->min_interval,
                    .procfs = rn.cfg.procfs,
                    .stop = &stop,
                };
                ret = pg_exporter_run(rn.t, &xo);
                goto out;
        }
        /* A scheduler that repeats this (the textfile set-up) makes every
         * exit of a member look like a counter reset to Prometheus. */
        if (c->fmt == PG_FMT_PROM && c->count == 1 && c->output)
                fputs("procgroups: note: --once counters start from the live processes' lifetime "
                      "counts, so they drop when a member exits between runs; for a textfile "
                      "collector run --interval with --output instead\n",
                      stderr);
        /* Built in memory, written whole: see write_stdout(). */
        pg_out_init(&rn.o, -1);
        clock_gettime(CLOCK_MONOTONIC, &next);
        while (!stop) {
                int status = 0;

                r = pg_tracker_scan(rn.t);
                clock_gettime(CLOCK_MONOTONIC, &now);
                if (r < 0) {
                        fprintf(stderr, "procgroups: scan of %s failed: %s\n", rn.cfg.procfs,
                                strerror(-r));
                        ret = 1;
                        break;
                }
                note_overflow(rn.t, &rn.overflow_noted);
                render(&rn, &now);
                r = deliver(&rn, &status);
                if (r < 0) {
                        ret = ret ? ret : status;
                        break;
                }
                if (r > 0)
                        ret = 1;
                if (c->count && ++done >= c->count)
                        break;
                sleep_until(rn.t, &next, c->interval);
        }
out:
        for (size_t k = 0; k < rn.nprev; k++)
                free(rn.prev[k].name);
        free(rn.prev);
        pg_out_free(&rn.o);
        pg_outfile_free(rn.of);
        pg_tracker_free(rn.t);
        pg_config_free(&rn.cfg);
        return ret;
}

int main(int argc, char **argv) {
        struct cli c = PG_CLI_INIT;
        struct sigaction sa = {.sa_handler = on_signal};
        int r = pg_cli_parse(argc, argv, &c);

        if (r >= 0)
                return r;
        if (c.list)
                return run_list(c.procfs ? c.procfs : "/proc",
                                PG_READ_ALL | (c.threads == 0 ? 0 : PG_READ_THREADS));
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
        return run_groups(&c);
}
