/* SPDX-License-Identifier: MIT */
/* procgroups.conf (libconfuse): options and rules for the CLI and the
 * Netdata plugin.
 *
 *   procfs = "/proc"
 *   threads = true
 *   children = true
 *   children_time = true
 *   smaps = false
 *   kept_fds = 0
 *   forget_after = 300       seconds; 0: never
 *   max_groups = 1000        0: no cap
 *   max_thread_names = 64    per group; 0: no cap
 *   kernel_group = true
 *   exit_records = true     credit exits from the kernel's taskstats records
 *   exit_buffer = 0          their socket's receive buffer, bytes; 0: 4 MiB
 *   netdata_apps_layout = false   procgroups.plugin: apps.plugin's app.* charts
 *   match "{{.Comm}}" { comm = {...} exe = {...} cmdline = {"regex", ...} }
 */
#ifndef PG_CONFFILE_H
#define PG_CONFFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "match.h"
#include "track.h"

struct pg_config {
        char *procfs;
        struct pg_track_opts opts;
        struct pg_rules *rules;   /* owned; the default rule when none given */
        bool netdata_apps_layout; /* procgroups.plugin charts as app.* */
};

/* Defaults: /proc, PG_TRACK_OPTS_DEFAULT, the {{.Comm}} rule. */
int pg_config_default(struct pg_config *ret);

/* Load path: process-exporter's YAML (yamlconf.h) when its name ends in
 * .yml or .yaml, procgroups.conf otherwise. Returns 0, or a negative errno with a "FILE:LINE:
 * message" in err (unknown option, type error, empty rule, bad regex or template); on failure
 * nothing is half-applied and *ret is untouched. */
int pg_config_load(const char *path, struct pg_config *ret, char *err, size_t errsz);

/* Hand the rules to a tracker: the config keeps a NULL. */
struct pg_rules *pg_config_take_rules(struct pg_config *c);
void pg_config_free(struct pg_config *c);

#endif
