/* SPDX-License-Identifier: MIT */
/* libFuzzer targets for the pure parsers of common/parse.c and the escapers
 * of common/format.c. One source, one binary per target: build with
 * -DFUZZ_<NAME> (see the `fuzz` rule in Makefile.am).
 *
 * The input is copied into a heap buffer of exactly its size, so that ASan
 * catches a parser that reads one byte past len (the buffers are not
 * NUL-terminated). Besides "no crash", each target checks what the header
 * promises of a successful parse. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/format.h"
#include "common/parse.h"

#define CHECK(c)                                                                                   \
        do {                                                                                       \
                if (!(c))                                                                          \
                        abort();                                                                   \
        } while (0)

#if defined(FUZZ_JSON_STR) || defined(FUZZ_PROM_LABEL)
/* The escaped output must be valid UTF-8 with no raw control byte: that is
 * what keeps a process name from forging a line or breaking a parser. */
static void check_escaped(const struct pg_out *o, int prom) {
        const unsigned char *p = (const unsigned char *)o->data, *end;

        if (o->len == 0)
                return;
        end = p + o->len;
        while (p < end) {
                size_t l = pg_utf8_seq_len(p, (size_t)(end - p));
                CHECK(l > 0);
                CHECK(*p != '\n');
                if (!prom)
                        CHECK(*p >= 0x20 && *p != 0x7f);
                if (*p == '\\') {
                        /* An escape consumes the next byte: "\\", "\"", "\n", "\u". */
                        CHECK(p + 1 < end);
                        p += 2;
                        continue;
                }
                /* A quote only ever appears escaped (the JSON string's own
                 * quotes are stripped by the caller). */
                CHECK(*p != '"');
                p += l;
        }
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *buf = malloc(size ? size : 1);

        if (!buf)
                return 0;
        memcpy(buf, data, size);
#if defined(FUZZ_STAT)
        {
                struct pg_stat st;
                if (pg_parse_stat(buf, size, &st) == 0) {
                        CHECK(strnlen(st.comm, sizeof(st.comm)) < sizeof(st.comm));
                        CHECK(st.ppid >= 0);
                }
        }
#elif defined(FUZZ_STATUS)
        {
                struct pg_status st;
                (void)pg_parse_status(buf, size, &st);
        }
#elif defined(FUZZ_IO)
        {
                struct pg_io io;
                (void)pg_parse_io(buf, size, &io);
        }
#elif defined(FUZZ_LIMITS)
        {
                uint64_t v;
                (void)pg_parse_limits_nofile(buf, size, &v);
        }
#elif defined(FUZZ_CMDLINE)
        {
                int argc = pg_parse_cmdline_argc(buf, size);
                CHECK(argc >= 0 && (size_t)argc <= size);
        }
#elif defined(FUZZ_WCHAN)
        {
                char w[PG_WCHAN_MAX];
                CHECK(pg_parse_wchan(buf, size, w) == 0);
                CHECK(strnlen(w, sizeof(w)) < sizeof(w));
        }
#elif defined(FUZZ_SCHEDSTAT)
        {
                struct pg_schedstat s;
                (void)pg_parse_schedstat(buf, size, &s);
        }
#elif defined(FUZZ_SMAPS_ROLLUP)
        {
                struct pg_smaps s;
                (void)pg_parse_smaps_rollup(buf, size, &s);
        }
#elif defined(FUZZ_BTIME)
        {
                uint64_t v;
                (void)pg_parse_btime(buf, size, &v);
        }
#elif defined(FUZZ_JSON_STR)
        {
                struct pg_out o;
                pg_out_init(&o, -1);
                pg_out_json_str(&o, buf, size);
                CHECK(o.err == 0 && o.len >= 2 && o.data[0] == '"' && o.data[o.len - 1] == '"');
                o.data++, o.len -= 2;
                check_escaped(&o, 0);
                o.data--;
                pg_out_free(&o);
        }
#elif defined(FUZZ_PROM_LABEL)
        {
                struct pg_out o;
                pg_out_init(&o, -1);
                pg_out_prom_label(&o, buf, size);
                CHECK(o.err == 0);
                check_escaped(&o, 1);
                pg_out_free(&o);
        }
#else
#error "define one FUZZ_<TARGET>"
#endif
        free(buf);
        return 0;
}
