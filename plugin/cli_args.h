/* SPDX-License-Identifier: MIT */
/* procgroups' command line: our options and process-exporter's flag names
 * (-config.path, -threads=false, ...) read as Go's flag package reads
 * them, so that a unit written for the exporter needs only a new binary
 * path. */
#ifndef PG_CLI_ARGS_H
#define PG_CLI_ARGS_H

#include <stdbool.h>

#include "common/conffile.h"

enum pg_cli_fmt { PG_FMT_TABLE, PG_FMT_JSON, PG_FMT_PROM };

/* The shortest and longest --interval: below 10 ms a scan of a busy host
 * cannot keep up anyway, and a week keeps interval * 1e9 far inside the
 * nanoseconds of a sleep. */
#define PG_INTERVAL_MIN 0.01
#define PG_INTERVAL_MAX (7 * 86400.0)

struct cli {
        const char *config;
        const char *procfs;
        const char *output;
        enum pg_cli_fmt fmt;
        bool fmt_set;
        bool list;
        bool once;
        bool print_options;
        double interval;     /* seconds; < 0: not given */
        long count;          /* scans; 0: forever */
        double forget_after; /* < 0: not given */
        long max_groups;     /* < 0: not given */
        /* Options that override the config: < 0 not given, else 0/1. */
        int threads;
        int children;
        int thread_series;
        int smaps;
        int recheck;
        int remove_empty;
        int exit_records;
        long exit_buffer; /* bytes; < 0: not given */
        /* The exporter's rules from flags (instead of a config). */
        const char *procnames;
        const char *namemapping;
        /* The HTTP exporter's address and path (--listen and
         * --telemetry-path, -web.listen-address, -web.telemetry-path). */
        const char *listen;
        const char *telemetry_path;
        double min_interval; /* --min-interval; < 0: not given */
};

/* What a struct cli starts as: nothing given. */
#define PG_CLI_INIT                                                                                \
        {                                                                                          \
                .interval = -1, .forget_after = -1, .max_groups = -1, .threads = -1,               \
                .children = -1, .thread_series = -1, .smaps = -1, .recheck = -1,                   \
                .remove_empty = -1, .exit_records = -1, .exit_buffer = -1, .min_interval = -1      \
        }

/* Parse argv into c (from PG_CLI_INIT); settles the format, --once,
 * --interval and --count. Returns -1 to go on, or the exit status (0 after
 * --help or --version, 2 after a usage error, said on stderr). */
int pg_cli_parse(int argc, char **argv, struct cli *c);

/* Apply c's overrides and flag rules to cfg (loaded or default). Returns
 * 0, or -EINVAL/-ENOMEM with a message in err. */
int pg_cli_apply(const struct cli *c, struct pg_config *cfg, char *err, size_t errsz);

/* The options a run would use, one JSON object on standard output. */
void pg_cli_print_options(const struct cli *c, const struct pg_config *cfg);

#endif
