/* SPDX-License-Identifier: MIT */
/* `procgroups --listen` (see exporter.h): the scan cache behind the HTTP
 * server of http.c, the exporter's own process_* figures, and the wait
 * for a signal. */
#include "config.h"

#include "exporter.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "common/format.h"
#include "common/parse.h"
#include "common/procfs.h"
#include "common/report.h"
#include "http.h"

struct exporter {
        const struct pg_exporter_opts *o;
        double min_interval;
        /* The tracker is not thread-safe. The HTTP server calls page() from
         * its one thread; the main thread drains exit records between
         * scrapes (wait_for_stop): this lock keeps them apart. */
        pthread_mutex_t lock;
        struct pg_tracker *t;
        struct pg_out text; /* the last scan's rendering */
        struct timespec last;
        uint64_t scans; /* made so far */
        bool valid;     /* text holds a complete rendering */
        /* /proc (not --procfs, which may be a fake tree) for our own
         * figures; root_fd < 0 where it could not be opened. */
        struct pg_procfs self;
        struct pg_buf buf;
};

static double since(const struct timespec *a, const struct timespec *b) {
        return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* A family's HELP and TYPE lines, then its one sample's name: the caller
 * prints the value and the newline. */
static void gauge(struct pg_out *o, const char *name, const char *type, const char *help) {
        pg_out_str(o, "# HELP ");
        pg_out_str(o, name);
        pg_out_char(o, ' ');
        pg_out_str(o, help);
        pg_out_str(o, "\n# TYPE ");
        pg_out_str(o, name);
        pg_out_char(o, ' ');
        pg_out_str(o, type);
        pg_out_char(o, '\n');
        pg_out_str(o, name);
        pg_out_char(o, ' ');
}

/* The families every Prometheus client library exports for its own
 * process, from /proc/self, under the same names and units:
 * https://prometheus.io/docs/instrumenting/writing_clientlibs/#process-metrics
 * Left out (not an error) when /proc/self cannot be read. */
static void self_metrics(struct exporter *x, struct pg_out *o) {
        const struct pg_procfs *fs = &x->self;
        struct pg_stat st;
        struct rlimit rl;
        int64_t fds = -1;

        if (fs->root_fd < 0 ||
            pg_read_file(fs->root_fd, "self/stat", false, PG_READ_SMALL, &x->buf) < 0 ||
            pg_parse_stat(x->buf.data, x->buf.len, &st) < 0)
                return;
        gauge(o, "process_cpu_seconds_total", "counter",
              "Total user and system CPU time spent in "
              "seconds.");
        pg_out_ratio(o, st.utime + st.stime, (uint64_t)fs->ticks);
        pg_out_char(o, '\n');
        gauge(o, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
        pg_out_u64(o, st.rss * (uint64_t)fs->page_size);
        pg_out_char(o, '\n');
        gauge(o, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
        pg_out_u64(o, st.vsize);
        pg_out_char(o, '\n');
        gauge(o, "process_start_time_seconds", "gauge",
              "Start time of the process since unix epoch in seconds.");
        pg_out_ratio(o, fs->boot_time * (uint64_t)fs->ticks + st.starttime, (uint64_t)fs->ticks);
        pg_out_char(o, '\n');
        if (pg_procfs_count_fds(fs, fs->root_fd, "self/fd", &x->buf, &fds) == 0) {
                gauge(o, "process_open_fds", "gauge", "Number of open file descriptors.");
                pg_out_i64(o, fds);
                pg_out_char(o, '\n');
        }
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
                gauge(o, "process_max_fds", "gauge", "Maximum number of open file descriptors.");
                pg_out_u64(o, rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : rl.rlim_cur);
                pg_out_char(o, '\n');
        }
}

/* A fresh scan rendered into x->text. Returns 0 or a negative errno with
 * msg written. */
static int rescan(struct exporter *x, char *msg, size_t n) {
        int r = pg_tracker_scan(x->t);

        if (r < 0) {
                snprintf(msg, n, "procgroups: scan of %s failed: %s", x->o->procfs, strerror(-r));
                fprintf(stderr, "%s\n", msg);
                return r;
        }
        /* From the end of the scan: a slow scan does not shorten the time
         * its rendering is served. */
        x->scans++;
        x->valid = false;
        clock_gettime(CLOCK_MONOTONIC, &x->last);
        x->text.len = 0;
        x->text.err = 0;
        pg_report_prometheus(&x->text, x->t);
        gauge(&x->text, "procgroups_exporter_scans_total", "counter",
              "scans made for scrapes (at most one per --min-interval)");
        pg_out_u64(&x->text, x->scans);
        pg_out_char(&x->text, '\n');
        self_metrics(x, &x->text);
        if (x->text.err) {
                snprintf(msg, n, "procgroups: cannot render the report: %s",
                         strerror(-x->text.err));
                return x->text.err;
        }
        x->valid = true;
        return 0;
}

/* http.c's page callback: the last rendering, renewed when it is
 * min_interval old. */
static int page(void *ctx, struct pg_http_page *ret, char *msg, size_t n) {
        struct exporter *x = ctx;
        struct timespec now;
        int r = 0;

        pthread_mutex_lock(&x->lock);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (!x->valid || since(&x->last, &now) >= x->min_interval)
                r = rescan(x, msg, n);
        if (r == 0) {
                ret->data = x->text.data;
                ret->len = x->text.len;
                ret->gen = x->scans;
        }
        pthread_mutex_unlock(&x->lock);
        return r;
}

/* What a signal taken from the blocked set does: 1 to stop (said on
 * stderr), 0 to go on. SIGHUP is taken and ignored: there is nothing to
 * reload that a restart would not do better. */
static int on_signal(int sig) {
        if (sig == SIGHUP) {
                fputs("procgroups: SIGHUP ignored (restart to reload the config)\n", stderr);
                return 0;
        }
        fprintf(stderr, "procgroups: %s, stopping\n", strsignal(sig));
        return 1;
}

/* Wait for a signal of set (blocked in every thread: the server thread
 * inherits the mask) while taking the exit records that the kernel queues
 * between scrapes (pg_tracker_drain, under the tracker's lock), so that a
 * burst of exits between two scans never overflows the listener's socket.
 * The signals come through a signalfd next to the listener's socket;
 * without exit records, or without a signalfd, sigwait as before. */
static void wait_for_stop(struct exporter *x, const sigset_t *set,
                          const volatile sig_atomic_t *stop) {
        int sfd = pg_tracker_exits_fd(x->t) >= 0 ? signalfd(-1, set, SFD_CLOEXEC) : -1;
        int sig = 0;

        while (!(stop && *stop)) {
                struct pollfd pfd[2] = {{.fd = sfd, .events = POLLIN}, {.events = POLLIN}};
                struct signalfd_siginfo si;

                if (sfd < 0) {
                        if (sigwait(set, &sig) == 0 && on_signal(sig))
                                break;
                        continue;
                }
                pthread_mutex_lock(&x->lock);
                pfd[1].fd = pg_tracker_exits_fd(x->t);
                pthread_mutex_unlock(&x->lock);
                if (poll(pfd, pfd[1].fd >= 0 ? 2 : 1, -1) < 0)
                        continue;
                if (pfd[1].revents) {
                        pthread_mutex_lock(&x->lock);
                        pg_tracker_drain(x->t);
                        pthread_mutex_unlock(&x->lock);
                }
                if ((pfd[0].revents & POLLIN) && read(sfd, &si, sizeof(si)) == sizeof(si) &&
                    on_signal((int)si.ssi_signo))
                        break;
        }
        if (sfd >= 0)
                close(sfd);
}

int pg_exporter_run(struct pg_tracker *t, const struct pg_exporter_opts *o) {
        struct exporter x = {.o = o, .t = t, .self = {.root_fd = -1}};
        struct pg_http_opts ho = {.listen = o->listen, .path = o->path, .page = page, .ctx = &x};
        struct pg_http *h = NULL;
        sigset_t set, old;
        char err[512];
        int r;

        x.min_interval = o->min_interval < 0 ? PG_EXPORTER_MIN_INTERVAL_DEFAULT : o->min_interval;
        pthread_mutex_init(&x.lock, NULL);
        pg_out_init(&x.text, -1);
        if (pg_procfs_open("/proc", &x.self) < 0)
                x.self.root_fd = -1;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &set, &old);
        r = pg_http_start(&ho, &h, err, sizeof(err));
        if (r < 0) {
                fprintf(stderr, "procgroups: %s\n", r == -ENOMEM ? strerror(ENOMEM) : err);
                r = r == -EINVAL || r == -EADDRINUSE || r == -EADDRNOTAVAIL || r == -EACCES ? 2 : 1;
                goto out;
        }
        fprintf(stderr, "procgroups: listening on %s, metrics at %s (scans at most every %g s)\n",
                pg_http_bound(h), o->path ? o->path : PG_EXPORTER_PATH_DEFAULT, x.min_interval);
        wait_for_stop(&x, &set, o->stop);
        r = 0;
out:
        pg_http_stop(h);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (x.self.root_fd >= 0)
                pg_procfs_close(&x.self);
        pg_buf_free(&x.buf);
        pg_out_free(&x.text);
        pthread_mutex_destroy(&x.lock);
        return r;
}
