/* SPDX-License-Identifier: MIT */
/* From the options a face has read to a tracker ready to scan: the one
 * set-up the CLI, the collectd plugin and the Netdata plugin share, so
 * that they agree on the fd limit, on what "auto" kept files means and on
 * who frees what when a step fails.
 *
 * Reading the options stays in each face (procgroups.conf, the
 * <Plugin procgroups> block, Netdata's directories); so does logging. */
#ifndef PG_SETUP_H
#define PG_SETUP_H

#include <stdbool.h>

#include "match.h"
#include "track.h"

/* The largest exit_buffer (the exit listener's receive buffer, bytes) a
 * face accepts: a GiB is some 500,000 waiting records, far past any burst
 * between two drains; more is a typo that would pin kernel memory. */
#define PG_EXIT_BUFFER_MAX (1 << 30)

struct pg_setup {
        const char *procfs;        /* the procfs root; borrowed for the call */
        struct pg_track_opts opts; /* kept_fds 0 is "auto", resolved here */
        /* The collector is a process of its own (the CLI, the Netdata
         * plugin), not a plugin inside another daemon (collectd): see
         * pg_setup_kept_fds(). */
        bool own_process;
        pg_track_error_fn error_fn; /* may be NULL: hard errors not told */
        void *error_ctx;
        pg_track_limit_fn limit_fn; /* may be NULL: limit hits not told */
        void *limit_ctx;
};

/* The step a failed pg_setup_tracker() stopped at, so that each face can
 * word its own message. */
enum pg_setup_step {
        PG_SETUP_ROOT,    /* opening the procfs root: name it, pg_strerror() */
        PG_SETUP_TRACKER, /* creating the tracker: out of memory */
};

/* The kept_fds a tracker is given for a wish of kept_fds: a wish other than
 * 0 unchanged (the tracker clamps it to the fd limit), 0 ("auto") as
 * pg_kept_fds_auto(own_process) has it. The only place the faces' "auto"
 * is resolved (doc/architecture.md, "Kept files"). */
int pg_setup_kept_fds(int kept_fds, bool own_process);

/* Open the procfs root of s and build a tracker over it with rules and the
 * options of s, its callbacks set. A collector that is its own process
 * first raises its soft RLIMIT_NOFILE to the hard one (a failure to raise
 * is not an error: it keeps fewer files).
 *
 * Always takes rules (not NULL): the tracker owns them on success, they are
 * freed on failure; either way the caller must not touch them again.
 * Returns 0 and the tracker in *ret (pg_tracker_free() frees it), or a
 * negative errno, *ret untouched and the step that failed in *failed_step
 * (which may be NULL). */
int pg_setup_tracker(const struct pg_setup *s, struct pg_rules *rules, struct pg_tracker **ret,
                     enum pg_setup_step *failed_step);

#endif
