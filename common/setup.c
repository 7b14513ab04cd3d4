/* SPDX-License-Identifier: MIT */
/* The faces' shared set-up: fd limit, "auto" kept files, source, tracker. */
#include "config.h"

#include "setup.h"

#include <errno.h>
#include <stddef.h>
#include <sys/resource.h>

#include "cpuclock.h"
#include "kept.h"
#include "proc.h"
#include "procfs.h"

/* Raise the soft RLIMIT_NOFILE to the hard limit, so that a standalone
 * collector (CLI, Netdata plugin) can keep files open between scans.
 * Returns 0 or a negative errno. */
static int nofile_raise(void) {
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
                return -errno;
        if (rl.rlim_cur == rl.rlim_max)
                return 0;
        rl.rlim_cur = rl.rlim_max;
        return setrlimit(RLIMIT_NOFILE, &rl) < 0 ? -errno : 0;
}

int pg_setup_kept_fds(int kept_fds, bool own_process) {
        /* The tracker would read 0 as a host process's "auto" whoever calls
         * it; resolving here makes the answer depend on the face's real
         * situation, and hands the tracker a number it clamps like any
         * other wish. */
        return kept_fds == 0 ? pg_kept_fds_auto(own_process) : kept_fds;
}

int pg_setup_tracker(const struct pg_setup *s, struct pg_rules *rules, struct pg_tracker **ret,
                     enum pg_setup_step *failed_step) {
        struct pg_track_opts opts = s->opts;
        struct pg_source *src = NULL;
        struct pg_tracker *t;
        enum pg_setup_step step = PG_SETUP_ROOT;
        const char *why;
        int r;

        /* Room to keep stat and schedstat open between scans; a plugin
         * inside another daemon leaves that daemon's limit alone. */
        if (s->own_process)
                (void)nofile_raise();
        opts.kept_fds = pg_setup_kept_fds(opts.kept_fds, s->own_process);
        r = pg_source_new(s->procfs, &src);
        if (r < 0)
                goto fail;
        /* Where the CPU clock is the idle test, only the processes that
         * ran keep files: "auto" is a memory budget, not the fd limit. */
        if (s->opts.kept_fds == 0 && !opts.no_cpu_clock && opts.kept_fds > PG_KEPT_FDS_CLOCK &&
            pg_cpuclock_usable(pg_source_procfs(src), &why))
                opts.kept_fds = PG_KEPT_FDS_CLOCK;
        step = PG_SETUP_TRACKER;
        /* pg_tracker_new takes src and rules only when it succeeds. */
        r = pg_tracker_new(src, rules, &opts, &t);
        if (r < 0)
                goto fail;
        pg_tracker_set_error_fn(t, s->error_fn, s->error_ctx);
        pg_tracker_set_limit_fn(t, s->limit_fn, s->limit_ctx);
        *ret = t;
        return 0;
fail:
        pg_source_free(src);
        pg_rules_free(rules);
        if (failed_step)
                *failed_step = step;
        return r;
}
