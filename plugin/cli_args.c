/* SPDX-License-Identifier: MIT */
/* procgroups' command line; see cli_args.h. getopt_long_only reads
 * "-name", "--name", "-name=value" and "-name value" alike, as Go's flag
 * package does; a bool flag takes its value only after '='. */
#include "config.h"
#include "cli_args.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/format.h"
#include "common/setup.h"
#include "common/track.h"
#include "plugin/exporter.h"

/* -remove-empty-groups: a group is forgotten at the first scan that finds
 * it empty, as the exporter drops it at that scrape. */
#define REMOVE_EMPTY_AFTER 1e-6

/* The exporter's flags we do not take, each with the reason. */
static const struct {
        const char *name;
        const char *why;
} refused[] = {
    {"web.config.file", "no TLS or basic auth: bind 127.0.0.1 behind a proxy"},
    {"recheck-with-time-limit", "no time limit on re-matching: use -recheck"},
    {"once-to-stdout-delay", "use --once (counters start from the live members)"},
    {"debug", "no debug log: procgroups logs errors only; --print-options shows the set-up"},
    {"man", "see procgroups(1)"},
};
#define REFUSED_BASE 1000

static void usage(FILE *f) {
        fputs("usage: procgroups [--config FILE] [--procfs DIR] [--format table|json|prometheus]\n"
              "                  [--once | --interval SECONDS [--count N]] [--output FILE]\n"
              "                  [--no-threads] [--no-children] [--forget-after SECONDS]\n"
              "                  [--max-groups N] [--exit-records[=BOOL]] [--exit-buffer BYTES]\n"
              "                  [--print-options]\n"
              "       procgroups [--procfs DIR] --list [--format json] [--no-threads]\n"
              "\n"
              "Groups processes by the rules of procgroups.conf(5) or of process-exporter's\n"
              "YAML (default: one group per command name) and prints what each group costs.\n"
              "\n"
              "  --config FILE     rules and options (libconfuse syntax; FILE.yml or FILE.yaml:\n"
              "                    process-exporter's process_names)\n"
              "  --procfs DIR      procfs root to read (default /proc)\n"
              "  --format FMT      table (default on a terminal), json (JSON Lines), prometheus\n"
              "  --once            one scan, then exit (default unless table or --interval)\n"
              "  --interval S      scan every S seconds, 0.01 to 604800 (one week)\n"
              "  --count N         stop after N scans\n"
              "  --output FILE     write each report to FILE atomically (textfile collectors)\n"
              "  --no-threads      do not read task/ (context switches: main thread only)\n"
              "  --no-children     do not put unmatched processes in their ancestor's group\n"
              "  --forget-after S  forget a group S seconds after its last process (0: never;\n"
              "                    default 300)\n"
              "  --max-groups N    past N groups new names go to _other (0: no cap; 1000)\n"
              "  --exit-records[=BOOL]  credit processes that exit from the kernel's exit\n"
              "                    records (default true; needs root: else the /proc method)\n"
              "  --exit-buffer B   their socket's receive buffer in bytes (0: 4 MiB; max 1 GiB)\n"
              "  --listen ADDR:PORT  serve /metrics over HTTP ([::1]:9256, :9256 for all)\n"
              "  --telemetry-path P  where the metrics are (default /metrics)\n"
              "  --min-interval S  with --listen, scan at most every S seconds (default 1)\n"
              "  --print-options   print the options a run would use (JSON) and exit\n"
              "  --list            print every process as a JSON array and exit\n"
              "  --version         print the version\n"
              "\n"
              "process-exporter's flags are accepted too (-config.path, -procnames, -namemapping,\n"
              "-children, -threads, -gather-smaps, -recheck, -remove-empty-groups, -procfs,\n"
              "-web.listen-address, -web.telemetry-path): see procgroups(1).\n",
              f);
}

static int bad_usage(const char *msg, const char *arg) {
        fprintf(stderr, "procgroups: %s%s%s (see --help)\n", msg, arg ? ": " : "", arg ? arg : "");
        return 2;
}

static int parse_double(const char *s, double *ret) {
        char *end;
        double v;

        errno = 0;
        v = strtod(s, &end);
        if (errno || end == s || *end || !isfinite(v) || v < 0)
                return -EINVAL;
        *ret = v;
        return 0;
}

/* A Go bool flag: no value is true; "=value" as strconv.ParseBool. */
static int parse_bool(const char *s) {
        static const char *const t[] = {"1", "t", "T", "true", "TRUE", "True"};
        static const char *const f[] = {"0", "f", "F", "false", "FALSE", "False"};

        if (!s)
                return 1;
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                if (strcmp(s, t[i]) == 0)
                        return 1;
                if (strcmp(s, f[i]) == 0)
                        return 0;
        }
        return -1;
}

static int parse_format(const char *s, struct cli *c) {
        c->fmt_set = true;
        if (strcmp(s, "table") == 0)
                c->fmt = PG_FMT_TABLE;
        else if (strcmp(s, "json") == 0)
                c->fmt = PG_FMT_JSON;
        else if (strcmp(s, "prometheus") == 0)
                c->fmt = PG_FMT_PROM;
        else
                return bad_usage("unknown format (table, json, prometheus)", s);
        return -1;
}

/* Our options with a value. Returns -1 to go on or the exit status. */
static int parse_valued(int ch, const char *arg, struct cli *c) {
        char *end;

        switch (ch) {
        case 'f': return parse_format(arg, c);
        case 'i':
                /* Out of range, a sleep of interval * 1e9 ns would
                 * overflow (and scan without pause) or be no sleep. */
                if (parse_double(arg, &c->interval) < 0 || c->interval < PG_INTERVAL_MIN ||
                    c->interval > PG_INTERVAL_MAX)
                        return bad_usage("--interval wants seconds from 0.01 to 604800", arg);
                return -1;
        case 'n':
                errno = 0;
                c->count = strtol(arg, &end, 10);
                if (errno || end == arg || *end || c->count < 1)
                        return bad_usage("--count wants a positive integer", arg);
                return -1;
        case 'F':
                if (parse_double(arg, &c->forget_after) < 0 ||
                    c->forget_after > PG_FORGET_AFTER_MAX)
                        return bad_usage("--forget-after wants seconds from 0 (never) to 31536000 "
                                         "(a year)",
                                         arg);
                return -1;
        case 'I':
                if (parse_double(arg, &c->min_interval) < 0 ||
                    c->min_interval > PG_EXPORTER_MIN_INTERVAL_MAX)
                        return bad_usage("--min-interval wants seconds from 0 to 86400", arg);
                return -1;
        case 'G':
                errno = 0;
                c->max_groups = strtol(arg, &end, 10);
                if (errno || end == arg || *end || c->max_groups < 0 || c->max_groups > PG_CAP_MAX)
                        return bad_usage("--max-groups wants 0 (no cap) or a count up to 1000000",
                                         arg);
                return -1;
        case 'B':
                errno = 0;
                c->exit_buffer = strtol(arg, &end, 10);
                if (errno || end == arg || *end || c->exit_buffer < 0 ||
                    c->exit_buffer > PG_EXIT_BUFFER_MAX)
                        return bad_usage("--exit-buffer wants bytes from 0 (the default, 4 MiB) to "
                                         "1073741824 (1 GiB)",
                                         arg);
                return -1;
        }
        return bad_usage("unknown option or missing argument", arg);
}

/* The exporter's bool flags. */
static int parse_go_bool(int ch, const char *name, const char *arg, struct cli *c) {
        int v = parse_bool(arg);
        int *to = ch == 'h' + 256   ? &c->children
                  : ch == 't' + 256 ? &c->thread_series
                  : ch == 's' + 256 ? &c->smaps
                  : ch == 'r' + 256 ? &c->recheck
                  : ch == 'x' + 256 ? &c->exit_records
                                    : &c->remove_empty;

        if (v < 0) {
                char msg[96];
                snprintf(msg, sizeof(msg), "-%s wants true or false (as -%s=false)", name, name);
                return bad_usage(msg, arg);
        }
        *to = v;
        return -1;
}

/* What the options given make of each other. */
static int check_modes(struct cli *c) {
        if (c->listen ? (c->list || c->once || c->interval >= 0 || c->count || c->output ||
                         (c->fmt_set && c->fmt != PG_FMT_PROM))
                      : (c->telemetry_path || c->min_interval >= 0))
                return bad_usage(c->listen ? "--listen excludes --list, --once, --interval, "
                                             "--count, --output and formats but prometheus"
                                           : "--telemetry-path and --min-interval need --listen",
                                 NULL);
        if (c->list) {
                if (c->fmt_set && c->fmt != PG_FMT_JSON)
                        return bad_usage("--list prints json only", NULL);
                return -1;
        }
        if (!c->fmt_set)
                c->fmt = isatty(STDOUT_FILENO) && !c->output ? PG_FMT_TABLE : PG_FMT_JSON;
        if (c->once && (c->interval >= 0 || c->count > 1))
                return bad_usage("--once excludes --interval and --count", NULL);
        if (c->once) {
                c->count = 1;
        } else if (c->interval < 0) {
                /* A table refreshes every second; other formats scan once. */
                if (c->fmt == PG_FMT_TABLE && !c->count)
                        c->interval = 1;
                else if (c->count > 1)
                        c->interval = 1;
                else
                        c->count = 1;
        }
        if (c->interval < 0)
                c->interval = 1;
        return -1;
}

int pg_cli_parse(int argc, char **argv, struct cli *c) {
        static const struct option opts[] = {
            {"config", required_argument, NULL, 'c'},
            {"procfs", required_argument, NULL, 'p'},
            {"list", no_argument, NULL, 'l'},
            {"format", required_argument, NULL, 'f'},
            {"once", no_argument, NULL, '1'},
            {"interval", required_argument, NULL, 'i'},
            {"count", required_argument, NULL, 'n'},
            {"output", required_argument, NULL, 'o'},
            {"no-threads", no_argument, NULL, 'T'},
            {"no-children", no_argument, NULL, 'C'},
            {"forget-after", required_argument, NULL, 'F'},
            {"max-groups", required_argument, NULL, 'G'},
            {"print-options", no_argument, NULL, 'O'},
            {"listen", required_argument, NULL, 'L'},
            {"telemetry-path", required_argument, NULL, 'P'},
            {"min-interval", required_argument, NULL, 'I'},
            {"exit-records", optional_argument, NULL, 'x' + 256},
            {"exit-buffer", required_argument, NULL, 'B'},
            {"version", no_argument, NULL, 'V'},
            {"help", no_argument, NULL, 'h'},
            /* process-exporter's names. */
            {"config.path", required_argument, NULL, 'c'},
            {"web.listen-address", required_argument, NULL, 'L'},
            {"web.telemetry-path", required_argument, NULL, 'P'},
            {"procnames", required_argument, NULL, 'N'},
            {"namemapping", required_argument, NULL, 'M'},
            {"children", optional_argument, NULL, 'h' + 256},
            {"threads", optional_argument, NULL, 't' + 256},
            {"gather-smaps", optional_argument, NULL, 's' + 256},
            {"recheck", optional_argument, NULL, 'r' + 256},
            {"remove-empty-groups", optional_argument, NULL, 'e' + 256},
            {"web.config.file", required_argument, NULL, REFUSED_BASE + 0},
            {"recheck-with-time-limit", required_argument, NULL, REFUSED_BASE + 1},
            {"once-to-stdout-delay", required_argument, NULL, REFUSED_BASE + 2},
            {"debug", optional_argument, NULL, REFUSED_BASE + 3},
            {"man", optional_argument, NULL, REFUSED_BASE + 4},
            {NULL, 0, NULL, 0},
        };
        int ch, idx = 0, r;

        opterr = 0;
        while ((ch = getopt_long_only(argc, argv, "", opts, &idx)) != -1) {
                r = -1;
                switch (ch) {
                case 'c': c->config = optarg; break;
                case 'p': c->procfs = optarg; break;
                case 'l': c->list = true; break;
                case '1': c->once = true; break;
                case 'o': c->output = optarg; break;
                case 'T': c->threads = 0; break;
                case 'C': c->children = 0; break;
                case 'O': c->print_options = true; break;
                case 'L': c->listen = optarg; break;
                case 'P': c->telemetry_path = optarg; break;
                case 'N': c->procnames = optarg; break;
                case 'M': c->namemapping = optarg; break;
                case 'V': puts("procgroups " PG_VERSION); return 0;
                case 'h': usage(stdout); return 0;
                case 'h' + 256:
                case 't' + 256:
                case 's' + 256:
                case 'r' + 256:
                case 'x' + 256:
                case 'e' + 256: r = parse_go_bool(ch, opts[idx].name, optarg, c); break;
                case 'f':
                case 'i':
                case 'n':
                case 'F':
                case 'G':
                case 'B':
                case 'I': r = parse_valued(ch, optarg, c); break;
                default:
                        if (ch >= REFUSED_BASE) {
                                char msg[160];
                                snprintf(msg, sizeof(msg), "-%s is not supported: %s",
                                         refused[ch - REFUSED_BASE].name,
                                         refused[ch - REFUSED_BASE].why);
                                fprintf(stderr, "procgroups: %s\n", msg);
                                return 2;
                        }
                        return bad_usage("unknown option or missing argument", argv[optind - 1]);
                }
                if (r >= 0)
                        return r;
        }
        if (optind < argc)
                return bad_usage("unexpected argument", argv[optind]);
        if (c->config && (c->procnames || c->namemapping))
                return bad_usage("-config.path cannot be used with -namemapping or -procnames",
                                 NULL);
        return check_modes(c);
}

/* Rules from -procnames and -namemapping, as the exporter builds its
 * name mapper: a map from comm to a regex (the last pair of a name wins)
 * or to nothing (the comm is the name). */
static int flag_rules(const struct cli *c, struct pg_rules *rs, char *err, size_t errsz) {
        char *nm = strdup(c->namemapping ? c->namemapping : "");
        char *pn = strdup(c->procnames ? c->procnames : "");
        char *tok[2 * 1024], *save = NULL, msg[400];
        size_t n = 0;
        int r = -ENOMEM;

        if (!nm || !pn)
                goto out;
        r = -EINVAL;
        for (char *p = nm, *e; *nm && p; p = e ? e + 1 : NULL) {
                e = strchr(p, ',');
                if (e)
                        *e = '\0';
                if (!*p || n == sizeof(tok) / sizeof(tok[0])) {
                        snprintf(err, errsz, "-namemapping: token %zu is %s", n,
                                 *p ? "past the 2048th" : "empty");
                        goto out;
                }
                tok[n++] = p;
        }
        if (n % 2) {
                snprintf(err, errsz, "-namemapping: odd number of tokens (want name,regex,...)");
                goto out;
        }
        for (size_t i = 0; i < n; i += 2) {
                bool later = false;
                for (size_t k = i + 2; k < n && !later; k += 2)
                        later = strcmp(tok[i], tok[k]) == 0;
                if (!later &&
                    (r = pg_rules_add_namemap(rs, tok[i], tok[i + 1], msg, sizeof(msg))) < 0) {
                        snprintf(err, errsz, "-namemapping %s,%s: %s", tok[i], tok[i + 1], msg);
                        goto out;
                }
        }
        for (char *p = strtok_r(pn, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
                const char *const comm[] = {p};
                bool mapped = false;
                for (size_t k = 0; k < n && !mapped; k += 2)
                        mapped = strcmp(tok[k], p) == 0;
                if (!mapped &&
                    (r = pg_rules_add(rs, "{{.Comm}}", comm, 1, NULL, 0, NULL, 0, err, errsz)) < 0)
                        goto out;
        }
        r = 0;
out:
        if (r == -ENOMEM)
                snprintf(err, errsz, "out of memory");
        free(nm);
        free(pn);
        return r;
}

int pg_cli_apply(const struct cli *c, struct pg_config *cfg, char *err, size_t errsz) {
        struct pg_track_opts *o = &cfg->opts;

        if (c->procnames || c->namemapping) {
                struct pg_rules *rs;
                int r = pg_rules_new(&rs);
                if (r == 0 && (r = flag_rules(c, rs, err, errsz)) < 0)
                        pg_rules_free(rs);
                if (r < 0)
                        return r;
                pg_rules_free(cfg->rules);
                cfg->rules = rs;
                /* The exporter's semantics: no kernel group. */
                o->kernel_group = false;
        }
        if (c->procfs) {
                char *p = strdup(c->procfs);
                if (!p)
                        return -ENOMEM;
                free(cfg->procfs);
                cfg->procfs = p;
        }
        if (c->threads >= 0)
                o->threads = c->threads;
        if (c->children >= 0)
                o->children = c->children;
        if (c->thread_series >= 0)
                o->thread_series = c->thread_series;
        if (c->smaps >= 0)
                o->smaps = c->smaps;
        if (c->recheck >= 0)
                o->recheck = c->recheck;
        if (c->remove_empty == 1)
                o->forget_after = REMOVE_EMPTY_AFTER;
        if (c->forget_after >= 0)
                o->forget_after = c->forget_after;
        if (c->max_groups >= 0)
                o->max_groups = (uint32_t)c->max_groups;
        if (c->exit_records >= 0)
                o->exit_records = c->exit_records;
        if (c->exit_buffer >= 0)
                o->exit_buffer = (int)c->exit_buffer;
        return 0;
}

static void opt_bool(struct pg_out *o, const char *key, bool v) {
        pg_out_str(o, ",\"");
        pg_out_str(o, key);
        pg_out_str(o, v ? "\":true" : "\":false");
}

static void opt_str(struct pg_out *o, const char *key, const char *v) {
        pg_out_str(o, ",\"");
        pg_out_str(o, key);
        pg_out_str(o, "\":");
        if (v)
                pg_out_json_str(o, v, strlen(v));
        else
                pg_out_str(o, "null");
}

void pg_cli_print_options(const struct cli *c, const struct pg_config *cfg) {
        const struct pg_track_opts *op = &cfg->opts;
        struct pg_out o;

        pg_out_init(&o, STDOUT_FILENO);
        pg_out_str(&o, "{\"procfs\":");
        pg_out_json_str(&o, cfg->procfs, strlen(cfg->procfs));
        opt_bool(&o, "threads", op->threads);
        opt_bool(&o, "thread_series", op->thread_series);
        opt_bool(&o, "children", op->children);
        opt_bool(&o, "children_time", op->children_time);
        opt_bool(&o, "smaps", op->smaps);
        opt_bool(&o, "recheck", op->recheck);
        opt_bool(&o, "kernel_group", op->kernel_group);
        opt_bool(&o, "exit_records", op->exit_records);
        pg_out_str(&o, ",\"exit_buffer\":");
        pg_out_i64(&o, op->exit_buffer);
        pg_out_str(&o, ",\"kept_fds\":");
        pg_out_i64(&o, op->kept_fds);
        pg_out_str(&o, ",\"forget_after\":");
        pg_out_double(&o, op->forget_after);
        pg_out_str(&o, ",\"max_groups\":");
        pg_out_u64(&o, op->max_groups);
        pg_out_str(&o, ",\"max_thread_names\":");
        pg_out_u64(&o, op->max_thread_names);
        pg_out_str(&o, ",\"rules\":");
        pg_out_u64(&o, cfg->rules ? pg_rules_count(cfg->rules) : 0);
        opt_str(&o, "listen", c->listen);
        opt_str(&o, "telemetry_path", c->telemetry_path);
        pg_out_str(&o, "}\n");
        pg_out_flush(&o);
        pg_out_free(&o);
}
