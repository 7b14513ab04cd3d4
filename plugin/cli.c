/* procgroups: the command-line face. Thin: options in, numbers out. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/format.h"
#include "common/proc.h"

static void usage(FILE *f) {
        fputs("usage: procgroups [--procfs DIR] --list [--format json] [--no-threads]\n"
              "\n"
              "  --procfs DIR     procfs root to read (default /proc)\n"
              "  --list           print every process (one JSON array)\n"
              "  --format FMT     json\n"
              "  --no-threads     do not read task/\n"
              "  --version        print the version\n",
              f);
}

static int bad_usage(const char *msg, const char *arg) {
        fprintf(stderr, "procgroups: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
        return 2;
}

static int run_list(const char *procfs, unsigned flags) {
        struct pg_source *src = NULL;
        struct pg_proc *p;
        struct pg_out o;
        int r, n = 0, ret = 0;

        r = pg_source_new(procfs, &src);
        if (r < 0) {
                fprintf(stderr, "procgroups: cannot open procfs root %s: %s\n", procfs,
                        strerror(-r));
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
                        if (r != PG_VANISHED)
                                fprintf(stderr, "procgroups: pid %d: %s\n", (int)p->pid,
                                        r == -EBADMSG ? "malformed /proc file, skipped"
                                                      : strerror(-r));
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

int main(int argc, char **argv) {
        static const struct option opts[] = {
            {"procfs", required_argument, NULL, 'p'},
            {"list", no_argument, NULL, 'l'},
            {"format", required_argument, NULL, 'f'},
            {"no-threads", no_argument, NULL, 'T'},
            {"version", no_argument, NULL, 'V'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        const char *procfs = "/proc", *format = "json";
        unsigned flags = PG_READ_ALL | PG_READ_THREADS;
        int list = 0, c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (c) {
                case 'p': procfs = optarg; break;
                case 'l': list = 1; break;
                case 'f': format = optarg; break;
                case 'T': flags &= ~(unsigned)PG_READ_THREADS; break;
                case 'V': puts("procgroups " PG_VERSION); return 0;
                case 'h': usage(stdout); return 0;
                default: return bad_usage("unknown or incomplete option", argv[optind - 1]);
                }
        }
        if (optind < argc)
                return bad_usage("unexpected argument", argv[optind]);
        if (strcmp(format, "json") != 0)
                return bad_usage("unknown format", format);
        if (!list)
                return bad_usage("nothing to do (try --list)", NULL);
        return run_list(procfs, flags);
}
