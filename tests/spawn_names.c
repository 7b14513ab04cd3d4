/* SPDX-License-Identifier: MIT */
/* Test helper: many processes, each with a command name of its own, the
 * churn of unique names that the faces must stay bounded against.
 *
 *     spawn_names COUNT PREFIX [SECONDS]
 *
 * forks COUNT children named PREFIX0, PREFIX1, ... (prctl(PR_SET_NAME),
 * so the comm in /proc/<pid>/stat; cut to 15 bytes by the kernel), prints
 * their pids on stdout, one a line, then "ready", and waits for them.
 * Each child sleeps SECONDS (default 0: until a signal) and exits. The
 * parent exits when every child has; on SIGTERM or SIGINT it kills its
 * children by pid first. Small, not a Python fork: a thousand of these
 * cost a few MB, not hundreds. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got_term;

static void on_term(int sig) {
        (void)sig;
        got_term = 1;
}

static void child(const char *prefix, unsigned i, unsigned seconds) {
        char name[64];

        snprintf(name, sizeof(name), "%s%u", prefix, i);
        if (prctl(PR_SET_NAME, name, 0, 0, 0) < 0)
                _exit(2);
        if (seconds)
                sleep(seconds);
        else
                for (;;)
                        pause();
        _exit(0);
}

int main(int argc, char **argv) {
        struct sigaction sa = {.sa_handler = on_term};
        unsigned count, seconds = 0, alive = 0;
        pid_t *pids;

        if (argc < 3 || argc > 4) {
                fprintf(stderr, "usage: spawn_names COUNT PREFIX [SECONDS]\n");
                return 2;
        }
        count = (unsigned)strtoul(argv[1], NULL, 10);
        if (argc == 4)
                seconds = (unsigned)strtoul(argv[3], NULL, 10);
        pids = calloc(count ? count : 1, sizeof(*pids));
        if (!pids)
                return 1;
        /* Handlers first: a signal while forking still kills what exists. */
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        for (unsigned i = 0; i < count && !got_term; i++) {
                pid_t p = fork();
                if (p < 0) {
                        perror("spawn_names: fork");
                        break;
                }
                if (p == 0) {
                        signal(SIGTERM, SIG_DFL);
                        signal(SIGINT, SIG_DFL);
                        child(argv[2], i, seconds);
                }
                pids[alive++] = p;
        }
        for (unsigned i = 0; i < alive; i++)
                printf("%d\n", (int)pids[i]);
        printf("ready\n");
        fflush(stdout);
        for (unsigned left = alive; left > 0;) {
                if (got_term) {
                        for (unsigned i = 0; i < alive; i++)
                                if (pids[i] > 0)
                                        kill(pids[i], SIGKILL);
                        got_term = 0;
                }
                pid_t p = wait(NULL);
                if (p < 0 && errno == ECHILD)
                        break;
                if (p < 0)
                        continue;
                for (unsigned i = 0; i < alive; i++)
                        if (pids[i] == p)
                                pids[i] = 0; /* reaped: never kill a reused pid */
                left--;
        }
        free(pids);
        return alive == count ? 0 : 1;
}
