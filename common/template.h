/* SPDX-License-Identifier: MIT */
/* Name templates in process-exporter's syntax (Go's text/template, the
 * part of it that names a process): literal text with {{.Comm}},
 * {{.ExeBase}}, {{.ExeFull}}, {{.Username}}, {{.PID}}, {{.StartTime}},
 * {{.Cgroups}}, {{.Matches.NAME}} and {{index .Matches "NAME"}}; spaces
 * inside the braces, Go's trim markers ("{{- " and " -}}") and Go's
 * comment actions, as Go reads them. https://pkg.go.dev/text/template */
#ifndef PG_TEMPLATE_H
#define PG_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "match.h"

struct pg_template;

/* What a template can expand besides the process itself. */
struct pg_template_ctx {
        const struct pg_match_input *in;
        /* Named captures: names[i] = values[i] (values[i] of vlen[i] bytes). */
        const char *const *cap_names;
        const char *const *cap_values;
        const size_t *cap_lens;
        size_t ncaps;
};

/* Compile text. Returns 0, or -EINVAL with a message in err (unknown
 * variable, unclosed {{). */
int pg_template_new(const char *text, struct pg_template **ret, char *err, size_t errsz);
void pg_template_free(struct pg_template *t);

/* Call fn(name) for each {{.Matches.NAME}}, so the caller can check that a
 * regex defines it. Returns the first non-zero fn result. */
int pg_template_each_match(const struct pg_template *t, int (*fn)(void *ud, const char *name),
                           void *ud);

/* What expanding t needs of the process besides its comm, pid, start
 * and user: argv[0] (ExeBase, ExeFull), or its whole argv or its live
 * directory (Matches, Cgroups). */
#define PG_NEEDS_ARGV0 1u
#define PG_NEEDS_ALL   2u
unsigned pg_template_needs(const struct pg_template *t);

/* Expand into out (always NUL-terminated, cut at outsz-1 bytes). A capture
 * that did not participate expands to "". Returns the length written. */
size_t pg_template_expand(const struct pg_template *t, const struct pg_template_ctx *ctx, char *out,
                          size_t outsz);

#endif
