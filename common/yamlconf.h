/* SPDX-License-Identifier: MIT */
/* process-exporter's YAML config (libyaml), read into the same struct
 * pg_config as procgroups.conf, with the exporter's semantics:
 * https://github.com/ncabatoff/process-exporter#using-a-config-file
 *
 *   process_names:            matchers tried in order, the first wins
 *     - name: "{{.ExeBase}}"  a template; {{.ExeBase}} when left out
 *       comm: [bash]          exact comm, any of them
 *       exe: [postgres]       argv[0]: with a '/' the whole, else its base
 *       cmdline: ['-c (?P<X>\S+)']   regexes on the space-joined argv, all
 *
 * A matcher needs at least one of comm, exe, cmdline; when it has more,
 * all must match. Unlike the exporter (whose YAML decoder drops them),
 * unknown and repeated keys, empty lists, anchors and aliases are refused
 * with a "FILE:LINE:COL: message": a misspelt selector would silently
 * widen a rule. The options keep their defaults but kernel_group, which
 * is off: the exporter has no kernel group. */
#ifndef PG_YAMLCONF_H
#define PG_YAMLCONF_H

#include <stdbool.h>
#include <stddef.h>

#include "conffile.h"

/* Bounds on what a file may hold (each refused with a message past it). */
#define PG_YAML_MAX_BYTES   (1024 * 1024)
#define PG_YAML_MAX_RULES   10000
#define PG_YAML_MAX_ENTRIES 4096 /* in one comm, exe or cmdline list */

/* Whether path names a YAML file: it ends in ".yml" or ".yaml". */
bool pg_yaml_path(const char *path);

/* Load path as pg_config_load does (same contract). */
int pg_yaml_load(const char *path, struct pg_config *ret, char *err, size_t errsz);

/* The same on text of len bytes (path only names it in messages). */
int pg_yaml_load_text(const char *path, const char *text, size_t len, struct pg_config *ret,
                      char *err, size_t errsz);

#endif
