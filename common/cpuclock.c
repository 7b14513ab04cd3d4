/* SPDX-License-Identifier: MIT */
/* The process CPU clock (cpuclock.h). */
#include "config.h"
#include "cpuclock.h"

#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "procfs.h"

/* The clock id of process pid's CPU clock, as the kernel's
 * MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED) builds it (the ABI of
 * clock_getcpuclockid(3)), without the clock_getres() call glibc makes
 * to check the pid first: one system call per process, not two. */
static clockid_t process_clock(pid_t pid) {
        return (clockid_t)(((unsigned)~pid << 3) | 2u);
}

int pg_cpuclock_read(pid_t pid, uint64_t *ns) {
        struct timespec ts;

        if (pid <= 0)
                return -EINVAL;
        if (clock_gettime(process_clock(pid), &ts) < 0)
                return -errno;
        *ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
        return 0;
}

/* Whether our own thread's clock reads whole microseconds every time:
 * a scheduler clock that moves by ticks (or by µs) would. Eight reads
 * with a little work between them; a ns clock gives a multiple of 1,000
 * eight times once in 10^24. */
static bool clock_coarse(void) {
        volatile uint64_t sink = 0;
        int whole = 0;

        for (int i = 0; i < 8; i++) {
                struct timespec ts;
                for (int k = 0; k < 20000; k++)
                        sink += (uint64_t)k;
                if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
                        return true;
                whole += ts.tv_nsec % 1000 == 0;
        }
        return whole == 8;
}

bool pg_cpuclock_usable(const struct pg_procfs *fs, const char **why) {
        uint64_t ns;

        if (!pg_procfs_own_pidns(fs)) {
                *why = "the procfs root is not our own PID namespace's live /proc";
                return false;
        }
        if (pg_cpuclock_read(getpid(), &ns) < 0) {
                *why = "the process CPU clock cannot be read";
                return false;
        }
        /* A property of the machine: measured once per process (the faces'
         * set-up and the tracker both ask). */
        static int coarse = -1;
        if (coarse < 0)
                coarse = clock_coarse();
        if (coarse) {
                *why = "the scheduler clock is not finer than a microsecond";
                return false;
        }
        *why = "";
        return true;
}
