/* SPDX-License-Identifier: MIT */
/* The budget of files the tracker keeps open between scans (see
 * doc/architecture.md, "Kept files"): what a front end asks for. The
 * tracker's own use of it is private (common/kept.c). */
#ifndef PG_KEPT_H
#define PG_KEPT_H

#include <stdbool.h>

/* The kept_fds budget that "auto" stands for, from the soft
 * RLIMIT_NOFILE: a collector that is a process of its own (the CLI, the
 * Netdata plugin; it raises its soft limit to the hard one first) keeps all
 * of it but PG_FD_RESERVE, so that a scan costs the same per process at any
 * population its limit covers; a plugin inside another daemon (collectd)
 * takes half and leaves the rest to the daemon. Returns -1 (keep none)
 * when nothing is left. */
#define PG_FD_RESERVE 128
int pg_kept_fds_auto(bool own_process);

/* The kept_fds budget a tracker really uses for a wish of want (> 0):
 * want, but no more than the soft RLIMIT_NOFILE less PG_FD_RESERVE, so
 * that the reads that open files (and the front end) always find room.
 * Returns -1 (keep none) when nothing is left. */
int pg_kept_fds_clamp(int want);

/* "auto" where the process CPU clock is the idle test (cpuclock.h): only
 * processes that ran read their files, so files are kept only for them,
 * within a budget of kernel memory instead of the fd limit: each kept file
 * holds about 4.4 kB (its seq_file buffer, doc/memory.md), so 768 hold
 * about 3.4 MB whatever the number of processes. */
#define PG_KEPT_FDS_CLOCK 768

#endif
