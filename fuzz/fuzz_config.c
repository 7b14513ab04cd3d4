/* SPDX-License-Identifier: MIT */
/* libFuzzer target: procgroups.conf. libconfuse reads a path, so the input
 * goes to one temp file per fuzzer process, rewritten for every run. A load
 * either succeeds (and frees cleanly) or fails with a message. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/conffile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[] = "/tmp/pg-fuzz-config-XXXXXX";
static int fd = -1;

static void cleanup(void) {
        if (fd >= 0)
                unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct pg_config c;
        char err[512];
        int r;

        if (fd < 0) {
                fd = mkstemp(path);
                if (fd < 0)
                        abort();
                atexit(cleanup);
        }
        if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
                abort();
        err[0] = '\0';
        r = pg_config_load(path, &c, err, sizeof(err));
        if (r == 0) {
                pg_config_free(&c);
        } else if (err[0] == '\0' || strnlen(err, sizeof(err)) >= sizeof(err)) {
                /* The contract: a refusal always says why. */
                abort();
        }
        return 0;
}
