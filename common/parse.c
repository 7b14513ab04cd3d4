/* SPDX-License-Identifier: MIT */
/* Pure parsers for /proc text; see parse.h. Field numbers cite proc(5). */
#include "config.h"
#include "parse.h"

#include <errno.h>
#include <stddef.h>
#include <stdbool.h>
#include <string.h>

int pg_parse_u64(const char **p, const char *end, uint64_t *ret) {
        const char *s = *p;
        uint64_t v = 0;

        if (s >= end || *s < '0' || *s > '9')
                return -EBADMSG;
        for (; s < end && *s >= '0' && *s <= '9'; s++) {
                unsigned d = (unsigned)(*s - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return -EBADMSG;
                v = v * 10 + d;
        }
        *p = s;
        *ret = v;
        return 0;
}

/* A signed decimal ("%ld" fields such as rss or cutime): negative values,
 * which the kernel never means as sizes or times, read as 0. */
static int parse_i64_clamped(const char **p, const char *end, uint64_t *ret) {
        bool neg = false;
        uint64_t v;
        int r;

        if (*p < end && **p == '-') {
                neg = true;
                (*p)++;
        }
        r = pg_parse_u64(p, end, &v);
        if (r < 0)
                return r;
        *ret = neg ? 0 : v;
        return 0;
}

static void skip_blanks(const char **p, const char *end) {
        while (*p < end && (**p == ' ' || **p == '\t'))
                (*p)++;
}

/* Skip one space-separated token of a stat line, and the space after it. */
static int skip_field(const char **p, const char *end) {
        const char *s = *p;

        while (s < end && *s != ' ' && *s != '\n')
                s++;
        if (s == *p || s >= end || *s != ' ')
                return -EBADMSG;
        *p = s + 1;
        return 0;
}

/* Expect the single space that separates stat fields. */
static int expect_space(const char **p, const char *end) {
        if (*p >= end || **p != ' ')
                return -EBADMSG;
        (*p)++;
        return 0;
}

int pg_parse_stat(const char *buf, size_t len, struct pg_stat *ret) {
        const char *end = buf + len, *p = buf, *open, *close;
        struct pg_stat st = {0};
        uint64_t v;
        size_t n;
        int field, r;

        /* (1) pid, then " (" */
        r = pg_parse_u64(&p, end, &v);
        if (r < 0)
                return r;
        if (end - p < 2 || p[0] != ' ' || p[1] != '(')
                return -EBADMSG;
        open = p + 1;
        /* (2) comm may contain ')' and newlines: it ends at the last ')'. */
        close = memrchr(open, ')', (size_t)(end - open));
        if (!close)
                return -EBADMSG;
        n = (size_t)(close - open - 1);
        if (n >= sizeof(st.comm))
                n = sizeof(st.comm) - 1;
        memcpy(st.comm, open + 1, n);
        st.comm[n] = '\0';
        p = close + 1;

        /* (3) state */
        if (expect_space(&p, end) < 0 || p >= end || *p == ' ' || *p == '\n')
                return -EBADMSG;
        st.state = *p++;
        if (expect_space(&p, end) < 0)
                return -EBADMSG;

        /* (4) .. (24); stop at rss, the last field we use. */
        for (field = 4; field <= 24; field++) {
                uint64_t *dst = NULL;

                switch (field) {
                case 4:
                        if (pg_parse_u64(&p, end, &v) < 0 || v > INT32_MAX)
                                return -EBADMSG;
                        st.ppid = (pid_t)v;
                        break;
                case 9:
                        if (pg_parse_u64(&p, end, &v) < 0 || v > UINT32_MAX)
                                return -EBADMSG;
                        st.flags = (uint32_t)v;
                        break;
                case 10: dst = &st.minflt; break;
                case 11: dst = &st.cminflt; break;
                case 12: dst = &st.majflt; break;
                case 13: dst = &st.cmajflt; break;
                case 14: dst = &st.utime; break;
                case 15: dst = &st.stime; break;
                case 22: dst = &st.starttime; break;
                case 23: dst = &st.vsize; break;
                case 16:
                case 17:
                case 20:
                case 24:
                        /* "%ld" fields. */
                        r = parse_i64_clamped(&p, end, &v);
                        if (r < 0)
                                return r;
                        if (field == 16)
                                st.cutime = v;
                        else if (field == 17)
                                st.cstime = v;
                        else if (field == 20)
                                st.num_threads = v;
                        else
                                st.rss = v;
                        break;
                default:
                        if (skip_field(&p, end) < 0)
                                return -EBADMSG;
                        continue;
                }
                if (dst && pg_parse_u64(&p, end, dst) < 0)
                        return -EBADMSG;
                /* Every field up to rss is followed by more fields. */
                if (field < 24 && expect_space(&p, end) < 0)
                        return -EBADMSG;
        }
        if (p < end && *p != ' ' && *p != '\n')
                return -EBADMSG;
        *ret = st;
        return 0;
}

/* One "Key: value" line: the key (keylen bytes, 0 when the line has no
 * colon), the value after the colon and the end of the line. */
struct kv_line {
        const char *key;
        const char *val;
        const char *eol;
        size_t keylen;
};

/* Iterate "Key: value" lines: returns false at the end of the buffer. */
static bool next_kv(const char **p, const char *end, struct kv_line *kv) {
        const char *s = *p, *colon, *eol;

        if (s >= end)
                return false;
        eol = memchr(s, '\n', (size_t)(end - s));
        if (!eol)
                eol = end;
        colon = memchr(s, ':', (size_t)(eol - s));
        kv->key = s;
        kv->keylen = colon ? (size_t)(colon - s) : 0;
        kv->val = colon ? colon + 1 : eol;
        kv->eol = eol;
        *p = eol < end ? eol + 1 : end;
        return true;
}

static bool key_is(const struct kv_line *kv, const char *key, size_t keylen) {
        return kv->keylen == keylen && memcmp(kv->key, key, keylen) == 0;
}

#define KEY(s) s, sizeof(s) - 1

/* Parse the first unsigned integer of a "Key:  value [kB]" line. */
static int kv_u64(const struct kv_line *kv, uint64_t *ret) {
        const char *p = kv->val;

        skip_blanks(&p, kv->eol);
        return pg_parse_u64(&p, kv->eol, ret);
}

/* The Vm* line of status we keep, or NULL (VmPeak, VmRSS, ... are not). */
static uint64_t *status_vm_field(struct pg_status *st, const struct kv_line *kv) {
        if (key_is(kv, KEY("VmSwap")))
                return &st->vm_swap_kb;
        if (key_is(kv, KEY("VmData")))
                return &st->vm_data_kb;
        if (key_is(kv, KEY("VmExe")))
                return &st->vm_exe_kb;
        if (key_is(kv, KEY("VmLib")))
                return &st->vm_lib_kb;
        if (key_is(kv, KEY("VmStk")))
                return &st->vm_stk_kb;
        return NULL;
}

int pg_parse_status(const char *buf, size_t len, struct pg_status *ret) {
        const char *p = buf, *end = buf + len;
        struct pg_status st = {0};
        struct kv_line kv;
        unsigned seen = 0;
        uint64_t v;

        while (next_kv(&p, end, &kv)) {
                if (key_is(&kv, KEY("Uid"))) {
                        const char *q = kv.val;
                        /* Uid: real effective saved fs */
                        skip_blanks(&q, kv.eol);
                        if (pg_parse_u64(&q, kv.eol, &v) < 0)
                                return -EBADMSG;
                        skip_blanks(&q, kv.eol);
                        if (pg_parse_u64(&q, kv.eol, &v) < 0 || v > UINT32_MAX)
                                return -EBADMSG;
                        st.euid = (uid_t)v;
                        seen |= 1;
                } else if (kv.keylen > 2 && memcmp(kv.key, "Vm", 2) == 0) {
                        uint64_t *dst = status_vm_field(&st, &kv);
                        if (dst && kv_u64(&kv, dst) < 0)
                                return -EBADMSG;
                } else if (key_is(&kv, KEY("voluntary_ctxt_switches"))) {
                        if (kv_u64(&kv, &st.ctx_voluntary) < 0)
                                return -EBADMSG;
                        seen |= 2;
                } else if (key_is(&kv, KEY("nonvoluntary_ctxt_switches"))) {
                        if (kv_u64(&kv, &st.ctx_involuntary) < 0)
                                return -EBADMSG;
                        seen |= 4;
                }
        }
        if (seen != 7)
                return -EBADMSG;
        *ret = st;
        return 0;
}

/* The line of io that fills a field of io, and its bit (bits 0 and 1 are
 * the mandatory ones); 0 for a line we do not use. */
static unsigned io_field(struct pg_io *io, const struct kv_line *kv, uint64_t **dst) {
        static const struct {
                const char *key;
                size_t len;
                size_t off;
        } keys[] = {
            {KEY("read_bytes"), offsetof(struct pg_io, read_bytes)},
            {KEY("write_bytes"), offsetof(struct pg_io, write_bytes)},
            {KEY("rchar"), offsetof(struct pg_io, rchar)},
            {KEY("wchar"), offsetof(struct pg_io, wchar)},
            {KEY("syscr"), offsetof(struct pg_io, syscr)},
            {KEY("syscw"), offsetof(struct pg_io, syscw)},
        };

        for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
                if (key_is(kv, keys[i].key, keys[i].len)) {
                        *dst = (uint64_t *)((char *)io + keys[i].off);
                        return 1u << i;
                }
        return 0;
}

int pg_parse_io(const char *buf, size_t len, struct pg_io *ret) {
        const char *p = buf, *end = buf + len;
        struct pg_io io = {0};
        struct kv_line kv;
        unsigned seen = 0;

        while (seen != 0x3f && next_kv(&p, end, &kv)) {
                uint64_t *dst;
                unsigned bit = io_field(&io, &kv, &dst);
                if (!bit)
                        continue;
                if (kv_u64(&kv, dst) < 0)
                        return -EBADMSG;
                seen |= bit;
        }
        if ((seen & 3) != 3)
                return -EBADMSG;
        *ret = io;
        return 0;
}

int pg_parse_limits_nofile(const char *buf, size_t len, uint64_t *ret) {
        static const char key[] = "Max open files";
        const char *p = buf, *end = buf + len;

        while (p < end) {
                const char *eol = memchr(p, '\n', (size_t)(end - p));
                if (!eol)
                        eol = end;
                if ((size_t)(eol - p) > sizeof(key) - 1 && memcmp(p, key, sizeof(key) - 1) == 0) {
                        const char *q = p + sizeof(key) - 1;
                        skip_blanks(&q, eol);
                        if ((size_t)(eol - q) >= 9 && memcmp(q, "unlimited", 9) == 0) {
                                *ret = PG_UNLIMITED;
                                return 0;
                        }
                        return pg_parse_u64(&q, eol, ret);
                }
                p = eol + 1;
        }
        return -EBADMSG;
}

int pg_parse_wchan(const char *buf, size_t len, char ret[PG_WCHAN_MAX]) {
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
                len--;
        if (len == 1 && buf[0] == '0')
                len = 0;
        if (len >= PG_WCHAN_MAX)
                len = PG_WCHAN_MAX - 1;
        memcpy(ret, buf, len);
        ret[len] = '\0';
        return 0;
}

int pg_parse_cmdline_argc(const char *buf, size_t len) {
        int argc = 0;
        size_t i;

        while (len > 0 && buf[len - 1] == '\0')
                len--;
        if (len == 0)
                return 0;
        for (i = 0; i < len; i++)
                if (buf[i] == '\0')
                        argc++;
        return argc + 1;
}

int pg_parse_schedstat(const char *buf, size_t len, struct pg_schedstat *ret) {
        const char *p = buf, *end = buf + len;
        struct pg_schedstat s;

        if (pg_parse_u64(&p, end, &s.run_ns) < 0 || expect_space(&p, end) < 0 ||
            pg_parse_u64(&p, end, &s.wait_ns) < 0 || expect_space(&p, end) < 0 ||
            pg_parse_u64(&p, end, &s.pcount) < 0)
                return -EBADMSG;
        *ret = s;
        return 0;
}

int pg_parse_smaps_rollup(const char *buf, size_t len, struct pg_smaps *ret) {
        const char *p = buf, *end = buf + len;
        struct pg_smaps s = {0};
        struct kv_line kv;

        while (next_kv(&p, end, &kv)) {
                if (key_is(&kv, KEY("Pss"))) {
                        if (kv_u64(&kv, &s.pss_kb) < 0)
                                return -EBADMSG;
                } else if (key_is(&kv, KEY("SwapPss"))) {
                        if (kv_u64(&kv, &s.swap_pss_kb) < 0)
                                return -EBADMSG;
                }
        }
        *ret = s;
        return 0;
}

void pg_count_lines(const char *buf, size_t len, uint64_t *count) {
        const char *p = buf, *end = buf + len;
        uint64_t n = 0;

        while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
                n++;
                p++;
        }
        *count += n;
}

int pg_parse_btime(const char *buf, size_t len, uint64_t *ret) {
        const char *p = buf, *end = buf + len;

        while (p < end) {
                const char *eol = memchr(p, '\n', (size_t)(end - p));
                if (!eol)
                        eol = end;
                if (eol - p > 6 && memcmp(p, "btime ", 6) == 0) {
                        const char *q = p + 6;
                        return pg_parse_u64(&q, eol, ret);
                }
                p = eol + 1;
        }
        return -EBADMSG;
}
