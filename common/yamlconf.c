/* SPDX-License-Identifier: MIT */
/* process-exporter's YAML config through libyaml's event parser; see
 * yamlconf.h. The grammar is fixed and shallow (a mapping, a list of
 * mappings, lists of strings), so the parser is driven one event at a
 * time and stops at the first event out of place: a deep or huge document
 * is refused at its first level too many, never built in memory. */
#include "config.h"
#include "yamlconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "grow.h"

struct yp {
        yaml_parser_t parser;
        yaml_event_t ev; /* the current event */
        bool have_ev;
        const char *path;
        char *err;
        size_t errsz;
};

/* A list of strings read from one key. */
struct strv {
        char **v;
        size_t n, cap;
        bool given;
        yaml_mark_t mark;
};

static int fail(struct yp *y, const yaml_mark_t *m, const char *fmt, ...) {
        char msg[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        snprintf(y->err, y->errsz, "%s:%zu:%zu: %s", y->path, m->line + 1, m->column + 1, msg);
        return -EINVAL;
}

static const char *anchor_of(const yaml_event_t *e) {
        switch (e->type) {
        case YAML_SCALAR_EVENT: return (const char *)e->data.scalar.anchor;
        case YAML_SEQUENCE_START_EVENT: return (const char *)e->data.sequence_start.anchor;
        case YAML_MAPPING_START_EVENT: return (const char *)e->data.mapping_start.anchor;
        default: return NULL;
        }
}

/* The next event, or -EINVAL with libyaml's own words (bad UTF-8, a tab in
 * the indentation, a syntax error) at its mark. Anchors and aliases are
 * refused: nothing in this format needs them, and an alias is how a small
 * file stands for a huge one. */
static int next(struct yp *y) {
        if (y->have_ev)
                yaml_event_delete(&y->ev);
        y->have_ev = false;
        if (!yaml_parser_parse(&y->parser, &y->ev)) {
                const yaml_mark_t *m = &y->parser.problem_mark;
                if (y->parser.error == YAML_MEMORY_ERROR)
                        return -ENOMEM;
                return fail(y, m, "%s%s%s", y->parser.problem ? y->parser.problem : "syntax error",
                            y->parser.context ? " " : "",
                            y->parser.context ? y->parser.context : "");
        }
        y->have_ev = true;
        if (y->ev.type == YAML_ALIAS_EVENT || anchor_of(&y->ev))
                return fail(y, &y->ev.start_mark, "YAML anchors and aliases are not supported");
        return 0;
}

static bool is_null(const yaml_event_t *e) {
        const char *v = (const char *)e->data.scalar.value;

        if (e->type != YAML_SCALAR_EVENT || e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
                return false;
        return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
               !strcmp(v, "NULL");
}

/* The current event as a string: a scalar without NUL bytes. */
static int scalar(struct yp *y, const char *what, const char **ret) {
        const yaml_event_t *e = &y->ev;

        if (e->type != YAML_SCALAR_EVENT)
                return fail(y, &e->start_mark, "%s: want a string", what);
        if (strlen((const char *)e->data.scalar.value) != e->data.scalar.length)
                return fail(y, &e->start_mark, "%s: NUL byte in string", what);
        *ret = (const char *)e->data.scalar.value;
        return 0;
}

static void strv_free(struct strv *s) {
        for (size_t i = 0; i < s->n; i++)
                free(s->v[i]);
        free(s->v);
        *s = (struct strv){0};
}

/* The value of key (current event: its first) as a list of strings. A null
 * is no list, as the exporter's decoder takes it. */
static int read_list(struct yp *y, const char *key, struct strv *s) {
        int r;

        s->mark = y->ev.start_mark;
        if (is_null(&y->ev))
                return 0;
        if (y->ev.type != YAML_SEQUENCE_START_EVENT)
                return fail(y, &y->ev.start_mark, "%s: want a list of strings", key);
        s->given = true;
        while ((r = next(y)) == 0 && y->ev.type != YAML_SEQUENCE_END_EVENT) {
                const char *v;
                if ((r = scalar(y, key, &v)) < 0)
                        return r;
                if (s->n == PG_YAML_MAX_ENTRIES)
                        return fail(y, &y->ev.start_mark, "%s: more than %d entries", key,
                                    PG_YAML_MAX_ENTRIES);
                if (PG_GROW(s->v, s->n + 1, s->cap) < 0 || !(s->v[s->n] = strdup(v)))
                        return -ENOMEM;
                s->n++;
        }
        if (r == 0 && s->n == 0)
                return fail(y, &s->mark, "%s: empty list (the rule could never match)", key);
        return r;
}

enum { K_NAME, K_COMM, K_EXE, K_CMDLINE, K_N };
static const char *const keys[K_N] = {"name", "comm", "exe", "cmdline"};

struct matcher {
        char *name;
        yaml_mark_t name_mark;
        struct strv sel[K_N]; /* K_COMM.. K_CMDLINE */
        yaml_mark_t start;
};

static int read_key(struct yp *y, struct matcher *m, unsigned *seen) {
        const char *k;
        int r = scalar(y, "key", &k), i;
        yaml_mark_t km = y->ev.start_mark;

        if (r < 0)
                return r;
        for (i = 0; i < K_N && strcmp(k, keys[i]) != 0; i++)
                ;
        if (i == K_N)
                return fail(y, &km,
                            "unknown key \"%.64s\" in a process_names entry (known: name, "
                            "comm, exe, cmdline)",
                            k);
        if (*seen & (1u << i))
                return fail(y, &km, "key \"%s\" given twice in one process_names entry", keys[i]);
        *seen |= 1u << i;
        if ((r = next(y)) < 0)
                return r;
        if (i != K_NAME)
                return read_list(y, keys[i], &m->sel[i]);
        m->name_mark = y->ev.start_mark;
        if (is_null(&y->ev))
                return 0;
        if ((r = scalar(y, "name", &k)) < 0)
                return r;
        m->name = strdup(k);
        return m->name ? 0 : -ENOMEM;
}

static int add_matcher(struct yp *y, struct matcher *m, struct pg_rules *rules) {
        const struct strv *c = &m->sel[K_COMM], *e = &m->sel[K_EXE], *re = &m->sel[K_CMDLINE];
        /* The exporter's default name. */
        const char *name = m->name && *m->name ? m->name : "{{.ExeBase}}";
        char msg[400];
        int r;

        if (!c->given && !e->given && !re->given)
                return fail(y, &m->start,
                            "process_names entry without a selector (give comm, exe or cmdline)");
        r = pg_rules_add(rules, name, (const char *const *)c->v, c->n, (const char *const *)e->v,
                         e->n, (const char *const *)re->v, re->n, msg, sizeof(msg));
        if (r == -EINVAL)
                return fail(y, m->name ? &m->name_mark : &m->start, "%s", msg);
        return r;
}

static int read_matcher(struct yp *y, struct pg_rules *rules) {
        struct matcher m = {.start = y->ev.start_mark};
        unsigned seen = 0;
        int r;

        if (y->ev.type != YAML_MAPPING_START_EVENT)
                return fail(y, &y->ev.start_mark,
                            "a process_names entry must be a mapping (name, comm, exe, cmdline)");
        while ((r = next(y)) == 0 && y->ev.type != YAML_MAPPING_END_EVENT)
                if ((r = read_key(y, &m, &seen)) < 0)
                        break;
        if (r == 0)
                r = add_matcher(y, &m, rules);
        free(m.name);
        for (int i = 0; i < K_N; i++)
                strv_free(&m.sel[i]);
        return r;
}

static int read_process_names(struct yp *y, struct pg_rules *rules) {
        int r;

        if (is_null(&y->ev))
                return 0;
        if (y->ev.type != YAML_SEQUENCE_START_EVENT)
                return fail(y, &y->ev.start_mark, "process_names: want a list of matchers");
        while ((r = next(y)) == 0 && y->ev.type != YAML_SEQUENCE_END_EVENT) {
                if (pg_rules_count(rules) == PG_YAML_MAX_RULES)
                        return fail(y, &y->ev.start_mark, "process_names: more than %d entries",
                                    PG_YAML_MAX_RULES);
                if ((r = read_matcher(y, rules)) < 0)
                        return r;
        }
        return r;
}

/* stream start, document start, the root mapping, document end, stream
 * end: one document only, or none (an empty file: no rules, as the
 * exporter reads it). */
static int read_root(struct yp *y, struct pg_rules *rules) {
        bool seen = false, map;
        int r;

        if ((r = next(y)) < 0 || (r = next(y)) < 0)
                return r;
        if (y->ev.type == YAML_STREAM_END_EVENT)
                return 0;
        if ((r = next(y)) < 0)
                return r;
        if (y->ev.type != YAML_MAPPING_START_EVENT && !is_null(&y->ev))
                return fail(y, &y->ev.start_mark,
                            "the top level must be a mapping with "
                            "process_names");
        map = y->ev.type == YAML_MAPPING_START_EVENT;
        while (map && (r = next(y)) == 0 && y->ev.type != YAML_MAPPING_END_EVENT) {
                const char *k;
                yaml_mark_t km = y->ev.start_mark;
                if ((r = scalar(y, "key", &k)) < 0)
                        return r;
                if (strcmp(k, "process_names") != 0)
                        return fail(y, &km,
                                    "unknown top-level key \"%.64s\" (known: process_names)", k);
                if (seen)
                        return fail(y, &km, "process_names given twice");
                seen = true;
                if ((r = next(y)) < 0 || (r = read_process_names(y, rules)) < 0)
                        return r;
        }
        if (r < 0 || (r = next(y)) < 0)
                return r;
        if ((r = next(y)) < 0)
                return r;
        if (y->ev.type != YAML_STREAM_END_EVENT)
                return fail(y, &y->ev.start_mark, "more than one YAML document");
        return 0;
}

int pg_yaml_load_text(const char *path, const char *text, size_t len, struct pg_config *ret,
                      char *err, size_t errsz) {
        struct yp y = {.path = path, .err = err, .errsz = errsz};
        struct pg_config c = {.opts = PG_TRACK_OPTS_DEFAULT};
        int r;

        if (errsz)
                err[0] = '\0';
        if (len > PG_YAML_MAX_BYTES) {
                snprintf(err, errsz, "%s: larger than %d bytes", path, PG_YAML_MAX_BYTES);
                return -EFBIG;
        }
        c.opts.kernel_group = false;
        c.procfs = strdup("/proc");
        if (!c.procfs || pg_rules_new(&c.rules) < 0 || !yaml_parser_initialize(&y.parser)) {
                pg_config_free(&c);
                return -ENOMEM;
        }
        yaml_parser_set_input_string(&y.parser, (const unsigned char *)text, len);
        r = read_root(&y, c.rules);
        if (y.have_ev)
                yaml_event_delete(&y.ev);
        yaml_parser_delete(&y.parser);
        if (r == -ENOMEM)
                snprintf(err, errsz, "%s: out of memory", path);
        if (r < 0) {
                pg_config_free(&c);
                return r;
        }
        *ret = c;
        return 0;
}

bool pg_yaml_path(const char *path) {
        size_t n = strlen(path);

        return (n > 4 && strcmp(path + n - 4, ".yml") == 0) ||
               (n > 5 && strcmp(path + n - 5, ".yaml") == 0);
}

/* Read at most PG_YAML_MAX_BYTES + 1 bytes of path (one more tells a file
 * too big), refusing what is not a regular file: a FIFO would block. */
static int read_bounded(const char *path, char **ret, size_t *len) {
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        size_t n = 0, cap = PG_YAML_MAX_BYTES + 1;
        struct stat sb;
        char *b = NULL;
        int r = 0;

        if (fd < 0)
                return -errno;
        if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
                r = S_ISDIR(sb.st_mode) ? -EISDIR : -EINVAL;
                goto out;
        }
        if ((size_t)sb.st_size < cap)
                cap = (size_t)sb.st_size + 1;
        b = malloc(cap);
        if (!b) {
                r = -ENOMEM;
                goto out;
        }
        while (n < cap) {
                ssize_t k = read(fd, b + n, cap - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        r = -errno;
                        goto out;
                }
                if (k == 0)
                        break;
                n += (size_t)k;
        }
        *ret = b;
        *len = n;
        b = NULL;
out:
        free(b);
        close(fd);
        return r;
}

int pg_yaml_load(const char *path, struct pg_config *ret, char *err, size_t errsz) {
        char *text = NULL;
        size_t len = 0;
        int r = read_bounded(path, &text, &len);

        if (r < 0) {
                snprintf(err, errsz, "%s: cannot read: %s", path,
                         r == -EINVAL ? "not a regular file" : strerror(-r));
                return r;
        }
        r = pg_yaml_load_text(path, text, len, ret, err, errsz);
        free(text);
        return r;
}
