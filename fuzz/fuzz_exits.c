/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the exit listener's parser (common/exits_parse.c). The
 * input is what one receive would hold, netlink messages of the taskstats
 * family (id 31 in fuzz/corpus/exits). Every record handed out has a NUL-terminated
 * comm and a positive pid, and the count of records is the number of
 * calls. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/exits.h"

#define CHECK(c)                                                                                   \
        do {                                                                                       \
                if (!(c))                                                                          \
                        abort();                                                                   \
        } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_rec(void *ctx, const struct pg_exit_rec *r) {
        CHECK(memchr(r->comm, '\0', sizeof(r->comm)) != NULL);
        CHECK(r->pid > 0 && r->tgid > 0);
        (*(uint64_t *)ctx)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct pg_exits_stats st = {0};
        uint64_t calls = 0;
        /* A copy: the parser may rely on the alignment of a receive buffer. */
        void *buf = malloc(size ? size : 1);

        CHECK(buf != NULL);
        memcpy(buf, data, size);
        pg_exits_parse(31, buf, size, on_rec, &calls, &st);
        CHECK(st.records == calls);
        free(buf);
        return 0;
}
