/* SPDX-License-Identifier: MIT */
/* Sanitising and value output for the Netdata protocol; see ndproto.h. */
#include "config.h"
#include "ndproto.h"

#include <string.h>

static int id_byte_ok(unsigned char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == '-';
}

size_t nd_sanitize_id(const char *name, size_t max, char *ret) {
        size_t n = 0;

        if (max > ND_KEY_MAX)
                max = ND_KEY_MAX;
        for (const unsigned char *s = (const unsigned char *)name; *s && n < max; s++)
                ret[n++] = id_byte_ok(*s) ? (char)*s : '_';
        if (n == 0) {
                strcpy(ret, "unnamed");
                return strlen(ret);
        }
        ret[n] = '\0';
        return n;
}

/* Bytes that would end the quoted word or the line, or that Netdata's
 * word splitter treats specially inside quotes (the backslash escapes the
 * closing quote). */
static int label_byte_bad(unsigned char c) {
        return c < 0x20 || c == 0x7f || c == '\'' || c == '"' || c == '\\';
}

size_t nd_sanitize_label(const char *name, char *ret) {
        const unsigned char *s = (const unsigned char *)name;
        size_t len = strlen(name), i = 0, n = 0;

        while (i < len) {
                size_t k = 1;
                if (s[i] >= 0x80) {
                        k = pg_utf8_seq_len(s + i, len - i);
                        if (k == 0) {
                                if (n + 1 > ND_LABEL_MAX)
                                        break;
                                ret[n++] = '_';
                                i++;
                                continue;
                        }
                }
                if (n + k > ND_LABEL_MAX)
                        break;
                if (k == 1)
                        ret[n++] = label_byte_bad(s[i]) ? '_' : (char)s[i];
                else
                        memcpy(ret + n, s + i, k), n += k;
                i += k;
        }
        if (n == 0) {
                strcpy(ret, "unnamed");
                return strlen(ret);
        }
        ret[n] = '\0';
        return n;
}

void nd_out_value(struct pg_out *o, uint64_t v) {
        pg_out_u64(o, v > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : v);
}

void nd_out_quoted(struct pg_out *o, const char *s) {
        pg_out_char(o, '\'');
        pg_out_str(o, s);
        pg_out_char(o, '\'');
}
