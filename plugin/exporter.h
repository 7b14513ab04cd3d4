/* SPDX-License-Identifier: MIT */
/* `procgroups --listen`: a long-lived exporter in the manner of
 * process-exporter. Each scrape of the telemetry path gets the Prometheus
 * text of a scan made for it, or, within min_interval of the last scan,
 * that scan's text again: scans never come closer than min_interval, and
 * scrapes that arrive together share one. The exporter's own process_*
 * figures follow the groups' (in this mode only: in a textfile they would
 * collide with node_exporter's own). */
#ifndef PG_EXPORTER_H
#define PG_EXPORTER_H

#include <signal.h>

#include "common/track.h"

#define PG_EXPORTER_LISTEN_DEFAULT       ":9256"
#define PG_EXPORTER_PATH_DEFAULT         "/metrics"
#define PG_EXPORTER_MIN_INTERVAL_DEFAULT 1.0
/* A day: a longer cache would serve data older than any scrape interval. */
#define PG_EXPORTER_MIN_INTERVAL_MAX 86400.0

struct pg_exporter_opts {
        const char *listen;  /* HOST:PORT, [V6]:PORT, :PORT */
        const char *path;    /* NULL: PG_EXPORTER_PATH_DEFAULT */
        double min_interval; /* seconds; < 0: the default */
        const char *procfs;  /* the tracker's root, for messages */
        /* Set by the caller's signal handler before the exporter blocks
         * the signals: seen at start. */
        const volatile sig_atomic_t *stop;
};

/* Serve t (already set up; still the caller's to free) until SIGTERM or
 * SIGINT, which end it cleanly; SIGHUP is ignored. Prints the bound
 * address on stderr once listening. Returns the exit status: 0 after a
 * signal, 2 when the address or path is wrong or the port is taken, 1 on
 * any other failure to start. */
int pg_exporter_run(struct pg_tracker *t, const struct pg_exporter_opts *o);

#endif
