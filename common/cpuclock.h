/* SPDX-License-Identifier: MIT */
/* The process CPU clock as the tracker's idle test (doc/memory.md).
 *
 * clock_gettime() on another process's CPU clock gives the run time of
 * all its threads, live and dead, in nanoseconds: no file, no kernel
 * object kept, no privilege (the kernel checks none), about 2 µs. If it
 * has not moved since the last scan, no thread of the process ran, so
 * nothing that only its own running can change has changed: CPU, faults,
 * I/O, context switches, reaped children, threads, comm, fds, state. */
#ifndef PG_CPUCLOCK_H
#define PG_CPUCLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct pg_procfs;

/* The run time of process pid (of our PID namespace) into *ns. Returns 0
 * or a negative errno (-EINVAL: no such process, or reaped). */
int pg_cpuclock_read(pid_t pid, uint64_t *ns);

/* Whether the clock can be the idle test for the processes of fs: fs is
 * the procfs of our own PID namespace (the clock takes our pids), and the
 * clock is finer than the tick (where the scheduler's clock is
 * tick-based, a process can run and add nothing to it). When not, *why
 * says why. */
bool pg_cpuclock_usable(const struct pg_procfs *fs, const char **why);

#endif
