/* SPDX-License-Identifier: MIT */
/* {{.Cgroups}}: the cgroup paths of a process, as process-exporter names
 * them. Read only when a rule's template asks for them. */
#ifndef PG_CGROUP_H
#define PG_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The most of <pid>/cgroup that is read: one line per v1 hierarchy, a
 * dozen on a busy host; the rest is left out (its lines are lost, not
 * cut in the middle). */
#define PG_CGROUP_READ_MAX 4096

/* Format the path field (the third, after "ID:controllers:") of each line
 * of text as Go prints a []string: "[/a /b]"; "[]" for no line. out is
 * always NUL-terminated, cut at outsz - 1. Returns the length written. */
size_t pg_cgroup_format(const char *text, size_t len, char *out, size_t outsz);

/* Read <root_fd>/<pid>/cgroup (check_type: a fake tree, regular files
 * only) and format it as pg_cgroup_format. A process whose file cannot
 * be read gets "[]", as the exporter gives it. */
size_t pg_cgroup_read(int root_fd, pid_t pid, bool check_type, char *out, size_t outsz);

#endif
