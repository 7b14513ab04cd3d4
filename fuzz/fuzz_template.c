/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the name template compiler and expander. The input up
 * to its first NUL is the template text; what follows is the value of the
 * capture "name". The expansion of a compiled template must be
 * NUL-terminated within the buffer and report its length truthfully. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/template.h"

#define CHECK(c)                                                                                   \
        do {                                                                                       \
                if (!(c))                                                                          \
                        abort();                                                                   \
        } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_matches(void *ud, const char *name) {
        CHECK(name != NULL);
        (*(size_t *)ud)++;
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char cmdline[] = "/usr/bin/py\xffthon3\0-m\0http.server\0\n8000";
        const char *nul = memchr(data, '\0', size);
        size_t tlen = nul ? (size_t)(nul - (const char *)data) : size;
        char *text = malloc(tlen + 1), *val;
        size_t vlen = nul ? size - tlen - 1 : 0, nm = 0;
        struct pg_template *t = NULL;
        char err[256], out[PG_NAME_MAX], tiny[3];
        struct pg_match_input in = {
            .comm = "py\"th\non",
            .cmdline = cmdline,
            .cmdline_len = sizeof(cmdline) - 1,
            .argc = 4,
            .pid = 4242,
            .start_ticks = 123456,
            .boot_time = 1700000000,
            .ticks = 100,
            .euid = 65534,
        };
        const char *names[] = {"name", "other"};
        const char *values[2];
        size_t lens[2];
        struct pg_template_ctx ctx = {&in, names, values, lens, 2};

        if (!text)
                return 0;
        memcpy(text, data, tlen);
        text[tlen] = '\0';
        /* An exact-size copy, so a read past the capture's length shows. */
        val = malloc(vlen ? vlen : 1);
        if (!val)
                goto out;
        memcpy(val, nul ? nul + 1 : "", vlen);
        values[0] = val, lens[0] = vlen;
        values[1] = "", lens[1] = 0; /* did not participate, as match.c passes it */
        if (pg_template_new(text, &t, err, sizeof(err)) < 0) {
                CHECK(strnlen(err, sizeof(err)) < sizeof(err));
                goto out;
        }
        pg_template_each_match(t, count_matches, &nm);
        size_t n = pg_template_expand(t, &ctx, out, sizeof(out));
        CHECK(n < sizeof(out) && out[n] == '\0');
        n = pg_template_expand(t, &ctx, tiny, sizeof(tiny));
        CHECK(n < sizeof(tiny) && tiny[n] == '\0');
out:
        pg_template_free(t);
        free(val);
        free(text);
        return 0;
}
