/* SPDX-License-Identifier: MIT */
/* Buffered output and escaping; see format.h. */
#include "config.h"
#include "format.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sat.h"

void pg_out_init(struct pg_out *o, int fd) {
        memset(o, 0, sizeof(*o));
        o->fd = fd;
}

void pg_out_free(struct pg_out *o) {
        free(o->data);
        o->data = NULL;
        o->len = o->cap = 0;
}

int pg_out_flush(struct pg_out *o) {
        size_t off = 0;

        if (o->fd < 0)
                return o->err;
        while (off < o->len && !o->err) {
                ssize_t n = write(o->fd, o->data + off, o->len - off);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if ((errno == EAGAIN || errno == EWOULDBLOCK) && o->wait) {
                                int r = o->wait(o->wait_ctx);
                                if (r == 0)
                                        continue;
                                o->err = r;
                                break;
                        }
                        o->err = -errno;
                        break;
                }
                off += (size_t)n;
        }
        o->len = 0;
        return o->err;
}

static int reserve(struct pg_out *o, size_t n) {
        size_t cap;
        char *p;

        if (o->len + n <= o->cap)
                return 0;
        /* Writers to an fd flush early rather than grow without bound. */
        if (o->fd >= 0 && o->len > 0 && o->len >= 65536) {
                pg_out_flush(o);
                if (o->len + n <= o->cap)
                        return 0;
        }
        cap = o->cap ? o->cap : 4096;
        while (cap < o->len + n)
                cap *= 2;
        p = realloc(o->data, cap);
        if (!p) {
                o->err = -ENOMEM;
                return -ENOMEM;
        }
        o->data = p;
        o->cap = cap;
        return 0;
}

void pg_out_mem(struct pg_out *o, const void *p, size_t n) {
        if (n == 0 || reserve(o, n) < 0)
                return;
        memcpy(o->data + o->len, p, n);
        o->len += n;
}

void pg_out_str(struct pg_out *o, const char *s) {
        pg_out_mem(o, s, strlen(s));
}

void pg_out_char(struct pg_out *o, char c) {
        pg_out_mem(o, &c, 1);
}

void pg_out_u64(struct pg_out *o, uint64_t v) {
        char buf[24];
        char *p = buf + sizeof(buf);

        do {
                *--p = (char)('0' + v % 10);
                v /= 10;
        } while (v);
        pg_out_mem(o, p, (size_t)(buf + sizeof(buf) - p));
}

void pg_out_i64(struct pg_out *o, int64_t v) {
        if (v < 0) {
                pg_out_char(o, '-');
                pg_out_u64(o, (uint64_t)0 - (uint64_t)v);
        } else {
                pg_out_u64(o, (uint64_t)v);
        }
}

void pg_out_ratio(struct pg_out *o, uint64_t num, uint64_t den) {
        uint64_t whole, rem;
        char frac[10];
        int n = 0;

        if (den == 0) {
                pg_out_char(o, '0');
                return;
        }
        whole = num / den;
        rem = num % den;
        /* Nine fractional digits, rounded half up; exact whenever den
         * divides 10^9 (ticks of 100, 250, 1000 Hz). */
        {
                unsigned __int128 f = (unsigned __int128)rem * 1000000000u;
                uint64_t q = (uint64_t)(f / den);
                if ((f % den) * 2 >= den)
                        q++;
                if (q >= 1000000000u) {
                        whole++;
                        q -= 1000000000u;
                }
                for (int i = 8; i >= 0; i--) {
                        frac[i] = (char)('0' + q % 10);
                        q /= 10;
                }
                n = 9;
                while (n > 0 && frac[n - 1] == '0')
                        n--;
        }
        pg_out_u64(o, whole);
        if (n > 0) {
                pg_out_char(o, '.');
                pg_out_mem(o, frac, (size_t)n);
        }
}

void pg_out_double(struct pg_out *o, double v) {
        char buf[32];
        int n;

        if (!isfinite(v))
                v = 0;
        n = snprintf(buf, sizeof(buf), "%.15g", v);
        if (strtod(buf, NULL) != v)
                n = snprintf(buf, sizeof(buf), "%.17g", v);
        pg_out_mem(o, buf, (size_t)n);
}

size_t pg_utf8_seq_len(const unsigned char *s, size_t n) {
        unsigned c = s[0];
        size_t len, i;
        unsigned cp;

        if (c < 0x80)
                return 1;
        if (c >= 0xc2 && c <= 0xdf)
                len = 2, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef)
                len = 3, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4)
                len = 4, cp = c & 0x07;
        else
                return 0;
        if (n < len)
                return 0;
        for (i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        /* Overlong forms, surrogates, beyond U+10FFFF. */
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return len;
}

bool pg_utf8_valid(const char *s) {
        const unsigned char *p = (const unsigned char *)s;
        size_t n = strlen(s);

        while (n > 0) {
                size_t l = pg_utf8_seq_len(p, n);
                if (l == 0)
                        return false;
                p += l;
                n -= l;
        }
        return true;
}

char *pg_name_utf8(const char *raw) {
        const unsigned char *p = (const unsigned char *)raw;
        size_t n = strlen(raw), k = 0;
        /* At worst every byte becomes the three bytes of U+FFFD. */
        char *out = malloc(3 * n + 1);

        if (!out)
                return NULL;
        while (n > 0) {
                size_t l = pg_utf8_seq_len(p, n);
                if (l == 0) {
                        memcpy(out + k, "\xef\xbf\xbd", 3);
                        k += 3;
                        l = 1;
                } else {
                        memcpy(out + k, p, l);
                        k += l;
                }
                p += l;
                n -= l;
        }
        out[k] = '\0';
        return out;
}

struct name_ent {
        const char *raw;
        char *printed;
        size_t idx;
};

static int cmp_name_ent(const void *a, const void *b) {
        const struct name_ent *x = a, *y = b;
        int c = strcmp(x->printed, y->printed);

        return c ? c : strcmp(x->raw, y->raw);
}

/* Is s the printed form of a name, i.e. the first of a run in the sorted
 * entries? */
static bool is_form(const struct name_ent *e, size_t n, const char *s) {
        size_t lo = 0, hi = n;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                int c = strcmp(e[mid].printed, s);
                if (c == 0)
                        return true;
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return false;
}

/* Length of s cut to at most max bytes without splitting a UTF-8 sequence. */
static size_t cut_utf8(const char *s, size_t len, size_t max) {
        if (len <= max)
                return len;
        while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
                max--;
        return max;
}

/* base cut to leave room for "_<k>" within max (0: no bound), then the
 * suffix; NULL when out of memory. */
static char *suffixed(const char *base, size_t k, size_t max) {
        char suf[24], *s;
        size_t sl = (size_t)snprintf(suf, sizeof(suf), "_%zu", k), keep = strlen(base);

        if (max)
                keep = cut_utf8(base, keep, max > sl ? max - sl : 0);
        s = malloc(keep + sl + 1);
        if (s) {
                memcpy(s, base, keep);
                memcpy(s + keep, suf, sl + 1);
        }
        return s;
}

int pg_names_distinct(const char *const *raw, size_t n, pg_name_fn print, size_t max, char ***ret) {
        struct name_ent *e = calloc(n ? n : 1, sizeof(*e));
        char **names = calloc(n ? n : 1, sizeof(*names));
        /* The suffixed names handed out so far: a cut base can make one
         * run's candidate equal another run's. Few unless names collide. */
        char **given = calloc(n ? n : 1, sizeof(*given));
        size_t ngiven = 0;
        int r = -ENOMEM;

        if (!e || !names || !given)
                goto out;
        for (size_t i = 0; i < n; i++) {
                e[i].raw = raw[i];
                e[i].idx = i;
                e[i].printed = print(raw[i]);
                if (!e[i].printed)
                        goto out;
        }
        qsort(e, n, sizeof(*e), cmp_name_ent);
        for (size_t i = 0, run = 0, k = 2; i < n; i++) {
                char *cand = NULL;

                if (i == 0 || strcmp(e[i].printed, e[run].printed) != 0) {
                        /* The first of a run keeps its printed form. */
                        run = i;
                        k = 2;
                        names[e[i].idx] = strdup(e[i].printed);
                        if (!names[e[i].idx])
                                goto out;
                        continue;
                }
                for (;; k++) {
                        bool used;

                        free(cand);
                        cand = suffixed(e[run].printed, k, max);
                        if (!cand)
                                goto out;
                        used = is_form(e, n, cand);
                        for (size_t x = 0; x < ngiven && !used; x++)
                                used = strcmp(given[x], cand) == 0;
                        if (!used)
                                break;
                }
                k++;
                names[e[i].idx] = cand;
                given[ngiven++] = cand;
        }
        *ret = names;
        names = NULL;
        r = 0;
out:
        for (size_t i = 0; e && i < n; i++)
                free(e[i].printed);
        free(e);
        free(given);
        pg_names_free(names, n);
        return r;
}

void pg_names_free(char **names, size_t n) {
        if (!names)
                return;
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
}

static const char hexdig[] = "0123456789abcdef";

void pg_out_json_str(struct pg_out *o, const char *s, size_t n) {
        const unsigned char *p = (const unsigned char *)s, *end = p + n;

        pg_out_char(o, '"');
        while (p < end) {
                unsigned c = *p;
                size_t l;

                if (c == '"' || c == '\\') {
                        char e[2] = {'\\', (char)c};
                        pg_out_mem(o, e, 2);
                        p++;
                } else if (c < 0x20 || c == 0x7f) {
                        char e[6] = {'\\', 'u', '0', '0', hexdig[c >> 4], hexdig[c & 15]};
                        pg_out_mem(o, e, 6);
                        p++;
                } else if ((l = pg_utf8_seq_len(p, (size_t)(end - p))) == 0) {
                        pg_out_str(o, "\\ufffd");
                        p++;
                } else {
                        pg_out_mem(o, p, l);
                        p += l;
                }
        }
        pg_out_char(o, '"');
}

void pg_out_prom_label(struct pg_out *o, const char *s, size_t n) {
        const unsigned char *p = (const unsigned char *)s, *end = p + n;

        while (p < end) {
                unsigned c = *p;
                size_t l;

                if (c == '\\') {
                        pg_out_str(o, "\\\\");
                        p++;
                } else if (c == '"') {
                        pg_out_str(o, "\\\"");
                        p++;
                } else if (c == '\n') {
                        pg_out_str(o, "\\n");
                        p++;
                } else if ((l = pg_utf8_seq_len(p, (size_t)(end - p))) == 0) {
                        pg_out_str(o, "\xef\xbf\xbd");
                        p++;
                } else {
                        pg_out_mem(o, p, l);
                        p += l;
                }
        }
}

static const char *const count_keys[PG_COUNT_MAX] = {
    [PG_CPU_USER] = "cpu_user_seconds",
    [PG_CPU_SYSTEM] = "cpu_system_seconds",
    [PG_READ_BYTES] = "read_bytes",
    [PG_WRITE_BYTES] = "write_bytes",
    [PG_MAJOR_FAULTS] = "major_page_faults",
    [PG_MINOR_FAULTS] = "minor_page_faults",
    [PG_CTX_VOLUNTARY] = "ctx_switches_voluntary",
    [PG_CTX_NONVOLUNTARY] = "ctx_switches_nonvoluntary",
};

static const char *const state_keys[PG_STATE_MAX] = {
    [PG_RUNNING] = "running", [PG_SLEEPING] = "sleeping", [PG_WAITING] = "waiting",
    [PG_ZOMBIE] = "zombie",   [PG_OTHER] = "other",
};

static void key(struct pg_out *o, const char *k, int first) {
        if (!first)
                pg_out_char(o, ',');
        pg_out_char(o, '"');
        pg_out_str(o, k);
        pg_out_str(o, "\":");
}

void pg_format_counts_json(struct pg_out *o, const struct pg_procfs *fs,
                           const struct pg_counts *c) {
        pg_out_char(o, '{');
        /* The JSON contract's eight (architecture.md, Output contract): io's
         * system-call figures are the collectd face's alone for now. */
        for (int i = 0; i <= PG_CTX_NONVOLUNTARY; i++) {
                key(o, count_keys[i], i == 0);
                if (i == PG_CPU_USER || i == PG_CPU_SYSTEM)
                        pg_out_ratio(o, c->v[i], (uint64_t)fs->ticks);
                else
                        pg_out_u64(o, c->v[i]);
        }
        pg_out_char(o, '}');
}

void pg_format_states_json(struct pg_out *o, const struct pg_states *s) {
        pg_out_char(o, '{');
        for (int i = 0; i < PG_STATE_MAX; i++) {
                key(o, state_keys[i], i == 0);
                pg_out_u64(o, s->v[i]);
        }
        pg_out_char(o, '}');
}

void pg_format_proc_json(struct pg_out *o, const struct pg_procfs *fs, const struct pg_idinfo *ii) {
        const struct pg_static *st = &ii->st;
        const struct pg_metrics *m = &ii->m;
        const char *a = st->cmdline, *end = st->cmdline + st->cmdline_len;

        pg_out_char(o, '{');
        key(o, "pid", 1);
        pg_out_i64(o, ii->id.pid);
        key(o, "start_ticks", 0);
        pg_out_u64(o, ii->id.start_ticks);
        key(o, "name", 0);
        pg_out_json_str(o, st->name, strlen(st->name));
        key(o, "cmdline", 0);
        pg_out_char(o, '[');
        for (int i = 0; i < st->argc; i++) {
                const char *z = memchr(a, '\0', (size_t)(end - a));
                if (!z)
                        z = end;
                if (i)
                        pg_out_char(o, ',');
                pg_out_json_str(o, a, (size_t)(z - a));
                a = z + 1;
        }
        pg_out_char(o, ']');
        key(o, "ppid", 0);
        pg_out_i64(o, st->ppid);
        key(o, "start_time", 0);
        pg_out_ratio(o, pg_sat_epoch_ticks(fs->boot_time, (uint64_t)fs->ticks, st->start_ticks),
                     (uint64_t)fs->ticks);
        key(o, "euid", 0);
        pg_out_u64(o, st->euid);
        key(o, "counts", 0);
        pg_format_counts_json(o, fs, &m->counts);
        key(o, "memory", 0);
        pg_out_str(o, "{\"resident_bytes\":");
        pg_out_u64(o, m->memory.v[PG_MEM_RESIDENT]);
        pg_out_str(o, ",\"virtual_bytes\":");
        pg_out_u64(o, m->memory.v[PG_MEM_VIRTUAL]);
        pg_out_str(o, ",\"swap_bytes\":");
        pg_out_u64(o, m->memory.v[PG_MEM_SWAP]);
        pg_out_str(o, "},\"filedesc\":{\"open\":");
        pg_out_i64(o, m->filedesc.open);
        pg_out_str(o, ",\"limit\":");
        pg_out_u64(o, m->filedesc.limit);
        pg_out_char(o, '}');
        key(o, "num_threads", 0);
        pg_out_u64(o, m->num_threads);
        key(o, "states", 0);
        pg_format_states_json(o, &m->states);
        key(o, "wchan", 0);
        pg_out_json_str(o, m->wchan, strlen(m->wchan));
        key(o, "soft_errors", 0);
        pg_out_u64(o, ii->soft_errors);
        key(o, "threads", 0);
        pg_out_char(o, '[');
        for (size_t i = 0; i < ii->num_threads; i++) {
                const struct pg_thread *t = &ii->threads[i];
                if (i)
                        pg_out_char(o, ',');
                pg_out_char(o, '{');
                key(o, "tid", 1);
                pg_out_i64(o, t->id.pid);
                key(o, "name", 0);
                pg_out_json_str(o, t->name, strlen(t->name));
                key(o, "counts", 0);
                pg_format_counts_json(o, fs, &t->counts);
                key(o, "states", 0);
                pg_format_states_json(o, &t->states);
                key(o, "wchan", 0);
                pg_out_json_str(o, t->wchan, strlen(t->wchan));
                pg_out_char(o, '}');
        }
        pg_out_str(o, "]}");
}
