/* SPDX-License-Identifier: MIT */
/* Name templates; see template.h. */
#include "config.h"
#include "template.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup.h"
#include "grow.h"
#include "procfs.h"
#include "sat.h"

enum part_kind { P_TEXT, P_COMM, P_EXEBASE, P_EXEFULL, P_USER, P_PID, P_START, P_CGROUPS, P_MATCH };

struct part {
        enum part_kind kind;
        char *text; /* P_TEXT: the literal; P_MATCH: the capture name */
        size_t len;
};

#define UID_CACHE 8

struct pg_template {
        struct part *parts;
        size_t nparts;
        size_t cap_parts;
        /* Effective uid -> user name, for {{.Username}}: a lookup reads
         * /etc/passwd, and a template expands once per new process. */
        struct {
                uid_t uid;
                char name[64];
                int used;
        } users[UID_CACHE];
        unsigned next_user;
};

static const struct {
        const char *name;
        enum part_kind kind;
} vars[] = {
    {"Comm", P_COMM}, {"ExeBase", P_EXEBASE}, {"ExeFull", P_EXEFULL}, {"Username", P_USER},
    {"PID", P_PID},   {"StartTime", P_START}, {"Cgroups", P_CGROUPS},
};

static int add_part(struct pg_template *t, enum part_kind kind, const char *s, size_t n) {
        struct part *p;

        if (PG_GROW(t->parts, t->nparts + 1, t->cap_parts) < 0)
                return -ENOMEM;
        p = &t->parts[t->nparts];
        p->kind = kind;
        p->len = n;
        p->text = NULL;
        if (kind == P_TEXT || kind == P_MATCH) {
                p->text = strndup(s, n);
                if (!p->text)
                        return -ENOMEM;
        }
        t->nparts++;
        return 0;
}

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A Go identifier after .Matches. or in index's quotes: what a named
 * capture can be called. */
static bool is_ident(const char *s, size_t n) {
        if (n == 0)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (i > 0 && c >= '0' && c <= '9')))
                        return false;
        }
        return true;
}

/* {{index .Matches "NAME"}}: Go's way to a capture whose name is no
 * field name; the only function the exporter's configs are seen to use. */
static int parse_index(struct pg_template *t, const char *s, size_t n) {
        static const char pre[] = "index";
        size_t k = sizeof(pre) - 1;

        if (n <= k || memcmp(s, pre, k) != 0 || !is_space(s[k]))
                return 1;
        while (k < n && is_space(s[k]))
                k++;
        if (n - k < 8 || memcmp(s + k, ".Matches", 8) != 0 || n - k == 8 || !is_space(s[k + 8]))
                return 1;
        k += 8;
        while (k < n && is_space(s[k]))
                k++;
        if (n - k < 3 || (s[k] != '"' && s[k] != '`') || s[n - 1] != s[k] ||
            !is_ident(s + k + 1, n - k - 2))
                return 1;
        return add_part(t, P_MATCH, s + k + 1, n - k - 2);
}

/* Parse an action, the inside of {{ }} with Go's trim markers and spaces
 * already taken off. */
static int parse_var(struct pg_template *t, const char *s, size_t n, char *err, size_t errsz) {
        int r;

        if (n > 9 && memcmp(s, ".Matches.", 9) == 0 && is_ident(s + 9, n - 9))
                return add_part(t, P_MATCH, s + 9, n - 9);
        if (n > 1 && s[0] == '.')
                for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
                        if (strlen(vars[i].name) == n - 1 &&
                            memcmp(vars[i].name, s + 1, n - 1) == 0)
                                return add_part(t, vars[i].kind, NULL, 0);
        r = parse_index(t, s, n);
        if (r <= 0)
                return r;
        snprintf(err, errsz,
                 "%s \"{{%.*s}}\" (known: .Comm .ExeBase .ExeFull .Username .PID .StartTime "
                 ".Cgroups .Matches.NAME, index .Matches \"NAME\", comments)",
                 n > 0 && s[0] == '.' && !memchr(s, ' ', n) && !memchr(s, '|', n)
                     ? "unknown template variable"
                     : "unsupported template action (no functions or pipelines)",
                 (int)(n > 64 ? 64 : n), s);
        return -EINVAL;
}

/* Go's "{{- " trims the white space before the action, " -}}" the white
 * space after it; the marker needs its space ("{{-3}}" is the number -3). */
static void trim_last_text(struct pg_template *t) {
        struct part *p = t->nparts ? &t->parts[t->nparts - 1] : NULL;

        if (!p || p->kind != P_TEXT)
                return;
        while (p->len > 0 && is_space(p->text[p->len - 1]))
                p->text[--p->len] = '\0';
}

/* One action from open (at "{{"); sets *next past its "}}". */
static int parse_action(struct pg_template *t, const char *text, const char *open,
                        const char **next, char *err, size_t errsz) {
        const char *s = open + 2, *close, *e;
        bool trim_after;

        if (s[0] == '-' && is_space(s[1])) {
                trim_last_text(t);
                s += 2;
        }
        while (is_space(*s))
                s++;
        /* A comment may hold "}}"; it ends at its own close. */
        if (s[0] == '/' && s[1] == '*') {
                const char *c = strstr(s + 2, "*/");
                close = c ? strstr(c + 2, "}}") : NULL;
                if (!close) {
                        snprintf(err, errsz, "unclosed comment in template \"%s\"", text);
                        return -EINVAL;
                }
                trim_after = close - 2 >= c + 2 && close[-1] == '-' && is_space(close[-2]);
                *next = close + 2;
                if (trim_after)
                        while (is_space(**next))
                                (*next)++;
                return 0;
        }
        close = strstr(s, "}}");
        if (!close) {
                snprintf(err, errsz, "unclosed \"{{\" in template \"%s\"", text);
                return -EINVAL;
        }
        e = close;
        trim_after = e - s >= 2 && e[-1] == '-' && is_space(e[-2]);
        if (trim_after)
                e -= 2;
        while (e > s && is_space(e[-1]))
                e--;
        *next = close + 2;
        if (trim_after)
                while (is_space(**next))
                        (*next)++;
        return parse_var(t, s, (size_t)(e - s), err, errsz);
}

int pg_template_new(const char *text, struct pg_template **ret, char *err, size_t errsz) {
        struct pg_template *t = calloc(1, sizeof(*t));
        const char *p = text;
        int r = 0;

        if (!t)
                return -ENOMEM;
        while (*p) {
                const char *open = strstr(p, "{{");
                if (!open) {
                        r = add_part(t, P_TEXT, p, strlen(p));
                        break;
                }
                if (open > p && (r = add_part(t, P_TEXT, p, (size_t)(open - p))) < 0)
                        break;
                r = parse_action(t, text, open, &p, err, errsz);
                if (r < 0)
                        break;
        }
        if (r < 0) {
                pg_template_free(t);
                return r;
        }
        *ret = t;
        return 0;
}

void pg_template_free(struct pg_template *t) {
        if (!t)
                return;
        for (size_t i = 0; i < t->nparts; i++)
                free(t->parts[i].text);
        free(t->parts);
        free(t);
}

int pg_template_each_match(const struct pg_template *t, int (*fn)(void *ud, const char *name),
                           void *ud) {
        for (size_t i = 0; i < t->nparts; i++) {
                if (t->parts[i].kind == P_MATCH) {
                        int r = fn(ud, t->parts[i].text);
                        if (r)
                                return r;
                }
        }
        return 0;
}

unsigned pg_template_needs(const struct pg_template *t) {
        unsigned needs = 0;

        for (size_t i = 0; i < t->nparts; i++) {
                enum part_kind k = t->parts[i].kind;
                if (k == P_EXEBASE || k == P_EXEFULL)
                        needs |= PG_NEEDS_ARGV0;
                else if (k == P_CGROUPS || k == P_MATCH)
                        needs |= PG_NEEDS_ALL;
        }
        return needs;
}

struct sink {
        char *out;
        size_t len;
        size_t cap; /* room for text, NUL excluded */
};

static void put(struct sink *s, const char *p, size_t n) {
        if (n > s->cap - s->len)
                n = s->cap - s->len;
        memcpy(s->out + s->len, p, n);
        s->len += n;
}

static const char *user_name(struct pg_template *t, uid_t uid, char *num, size_t numsz) {
        struct passwd pw, *res = NULL;
        char buf[1024];
        unsigned i;

        for (i = 0; i < UID_CACHE; i++)
                if (t->users[i].used && t->users[i].uid == uid)
                        return t->users[i].name;
        snprintf(num, numsz, "%u", (unsigned)uid);
        if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || !res)
                return num;
        i = t->next_user++ % UID_CACHE;
        t->users[i].uid = uid;
        t->users[i].used = 1;
        snprintf(t->users[i].name, sizeof(t->users[i].name), "%s", pw.pw_name);
        return t->users[i].name;
}

/* The last second that prints with a four-digit year, 9999-12-31
 * 23:59:59 UTC. Later start times (a btime or start ticks out of range,
 * from a corrupted or fake tree) print as it: gmtime_r cannot represent
 * them all, and a name should not grow with a bogus year. */
#define MAX_START_SECS 253402300799u

/* Go's time.Time.String() in UTC: "2006-01-02 15:04:05.05 +0000 UTC". */
static void put_start_time(struct sink *s, const struct pg_match_input *in) {
        uint64_t ticks = (uint64_t)(in->ticks > 0 ? in->ticks : 100);
        uint64_t usecs = pg_sat_add(in->boot_time, in->start_ticks / ticks);
        uint64_t frac_ns = (in->start_ticks % ticks) * 1000000000u / ticks;
        time_t secs;
        char buf[80];
        struct tm tm;
        size_t n;

        if (usecs > MAX_START_SECS) {
                usecs = MAX_START_SECS;
                frac_ns = 0;
        }
        secs = (time_t)usecs;
        /* A 32-bit time_t cannot hold every second up to the clamp. */
        if ((uint64_t)secs != usecs || !gmtime_r(&secs, &tm)) {
                static const char clamp[] = "9999-12-31 23:59:59";
                put(s, clamp, sizeof(clamp) - 1);
                put(s, " +0000 UTC", 10);
                return;
        }
        n = strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
        if (frac_ns) {
                int k = snprintf(buf + n, sizeof(buf) - n, ".%09llu", (unsigned long long)frac_ns);
                n += (size_t)k;
                while (buf[n - 1] == '0')
                        n--;
        }
        put(s, buf, n);
        put(s, " +0000 UTC", 10);
}

/* Go's filepath.Base, as the exporter's {{.ExeBase}}: trailing slashes
 * go, "" is ".", only slashes is "/". Returns the start, *len the length. */
static const char *go_base(const char *path, size_t *len) {
        size_t n = strlen(path), b;

        if (n == 0) {
                *len = 1;
                return ".";
        }
        while (n > 1 && path[n - 1] == '/')
                n--;
        if (n == 1 && path[0] == '/') {
                *len = 1;
                return path;
        }
        for (b = n; b > 0 && path[b - 1] != '/'; b--)
                ;
        *len = n - b;
        return path + b;
}

size_t pg_template_expand(const struct pg_template *tc, const struct pg_template_ctx *ctx,
                          char *out, size_t outsz) {
        /* The uid cache is the only state that expansion changes. */
        struct pg_template *t = (struct pg_template *)tc;
        const struct pg_match_input *in = ctx->in;
        struct sink s = {out, 0, outsz ? outsz - 1 : 0};
        const char *exe = in->argc > 0 ? in->cmdline : in->comm;
        const char *base;
        size_t blen;
        char num[24];

        if (outsz == 0)
                return 0;
        base = go_base(exe, &blen);
        for (size_t i = 0; i < t->nparts; i++) {
                const struct part *p = &t->parts[i];
                switch (p->kind) {
                case P_TEXT: put(&s, p->text, p->len); break;
                case P_COMM: put(&s, in->comm, strlen(in->comm)); break;
                case P_EXEBASE: put(&s, base, blen); break;
                case P_EXEFULL: put(&s, exe, strlen(exe)); break;
                case P_USER: {
                        const char *u = user_name(t, in->euid, num, sizeof(num));
                        put(&s, u, strlen(u));
                        break;
                }
                case P_PID:
                        snprintf(num, sizeof(num), "%d", (int)in->pid);
                        put(&s, num, strlen(num));
                        break;
                case P_START: put_start_time(&s, in); break;
                case P_CGROUPS: {
                        char cg[PG_NAME_MAX];
                        size_t n = in->fs ? pg_cgroup_read(in->fs->root_fd, in->pid,
                                                           !in->fs->is_procfs, cg, sizeof(cg))
                                          : pg_cgroup_format("", 0, cg, sizeof(cg));
                        put(&s, cg, n);
                        break;
                }
                case P_MATCH:
                        for (size_t k = 0; k < ctx->ncaps; k++) {
                                if (strcmp(ctx->cap_names[k], p->text) == 0) {
                                        put(&s, ctx->cap_values[k], ctx->cap_lens[k]);
                                        break;
                                }
                        }
                        break;
                }
        }
        out[s.len] = '\0';
        return s.len;
}
