/* SPDX-License-Identifier: MIT */
/* libFuzzer target: process-exporter's YAML config (common/yamlconf.c),
 * read from memory. A load either succeeds (and frees cleanly) or fails
 * with a message. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/yamlconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct pg_config c;
        char err[512];
        int r;

        err[0] = '\0';
        r = pg_yaml_load_text("fuzz.yml", (const char *)data, size, &c, err, sizeof(err));
        if (r == 0)
                pg_config_free(&c);
        else if (r != -ENOMEM && (err[0] == '\0' || strnlen(err, sizeof(err)) >= sizeof(err)))
                /* The contract: a refusal always says why. */
                abort();
        return 0;
}
