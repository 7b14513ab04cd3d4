/* Name templates; see template.h. */
#include "config.h"
#include "template.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grow.h"
#include "sat.h"

enum part_kind { P_TEXT, P_COMM, P_EXEBASE, P_EXEFULL, P_USER, P_PID, P_START, P_MATCH };

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
    {"Comm", P_COMM},     {"ExeBase", P_EXEBASE}, {"ExeFull", P_EXEFULL},
    {"Username", P_USER}, {"PID", P_PID},         {"StartTime", P_START},
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

/* Parse the inside of {{ }} (spaces allowed around it). */
static int parse_var(struct pg_template *t, const char *s, size_t n, char *err, size_t errsz) {
        while (n > 0 && *s == ' ')
                s++, n--;
        while (n > 0 && s[n - 1] == ' ')
                n--;
        if (n > 9 && memcmp(s, ".Matches.", 9) == 0)
                return add_part(t, P_MATCH, s + 9, n - 9);
        if (n > 1 && s[0] == '.')
                for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
                        if (strlen(vars[i].name) == n - 1 &&
                            memcmp(vars[i].name, s + 1, n - 1) == 0)
                                return add_part(t, vars[i].kind, NULL, 0);
        snprintf(err, errsz,
                 "unknown template variable \"{{%.*s}}\" (known: .Comm .ExeBase .ExeFull "
                 ".Username .PID .StartTime .Matches.NAME)",
                 (int)(n > 64 ? 64 : n), s);
        return -EINVAL;
}

int pg_template_new(const char *text, struct pg_template **ret, char *err, size_t errsz) {
        struct pg_template *t = calloc(1, sizeof(*t));
        const char *p = text;
        int r = 0;

        if (!t)
                return -ENOMEM;
        while (*p) {
                const char *open = strstr(p, "{{"), *close;
                if (!open) {
                        r = add_part(t, P_TEXT, p, strlen(p));
                        break;
                }
                if (open > p && (r = add_part(t, P_TEXT, p, (size_t)(open - p))) < 0)
                        break;
                close = strstr(open + 2, "}}");
                if (!close) {
                        snprintf(err, errsz, "unclosed \"{{\" in template \"%s\"", text);
                        r = -EINVAL;
                        break;
                }
                r = parse_var(t, open + 2, (size_t)(close - open - 2), err, errsz);
                if (r < 0)
                        break;
                p = close + 2;
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

size_t pg_template_expand(const struct pg_template *tc, const struct pg_template_ctx *ctx,
                          char *out, size_t outsz) {
        /* The uid cache is the only state that expansion changes. */
        struct pg_template *t = (struct pg_template *)tc;
        const struct pg_match_input *in = ctx->in;
        struct sink s = {out, 0, outsz ? outsz - 1 : 0};
        const char *exe = in->argc > 0 ? in->cmdline : in->comm;
        const char *base;
        char num[24];

        if (outsz == 0)
                return 0;
        base = strrchr(exe, '/');
        base = base ? base + 1 : exe;
        for (size_t i = 0; i < t->nparts; i++) {
                const struct part *p = &t->parts[i];
                switch (p->kind) {
                case P_TEXT: put(&s, p->text, p->len); break;
                case P_COMM: put(&s, in->comm, strlen(in->comm)); break;
                case P_EXEBASE: put(&s, base, strlen(base)); break;
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
