/* SPDX-License-Identifier: MIT */
/* {{.Cgroups}}; see cgroup.h. */
#include "config.h"
#include "cgroup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"

static void put(char *out, size_t outsz, size_t *n, const char *s, size_t len) {
        if (*n + 1 >= outsz)
                return;
        if (len > outsz - 1 - *n)
                len = outsz - 1 - *n;
        memcpy(out + *n, s, len);
        *n += len;
}

size_t pg_cgroup_format(const char *text, size_t len, char *out, size_t outsz) {
        const char *p = text, *end = text + len;
        size_t n = 0;
        bool first = true;

        if (outsz == 0)
                return 0;
        put(out, outsz, &n, "[", 1);
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                const char *le = nl ? nl : end;
                const char *c1 = memchr(p, ':', (size_t)(le - p));
                const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(le - c1 - 1)) : NULL;

                /* A line without two colons is no cgroup line: the
                 * exporter's procfs library fails the whole file then,
                 * and prints none. */
                if (!c2) {
                        n = 0;
                        put(out, outsz, &n, "[", 1);
                        first = true;
                        break;
                }
                if (!first)
                        put(out, outsz, &n, " ", 1);
                put(out, outsz, &n, c2 + 1, (size_t)(le - c2 - 1));
                first = false;
                p = nl ? nl + 1 : end;
        }
        put(out, outsz, &n, "]", 1);
        out[n] = '\0';
        return n;
}

size_t pg_cgroup_read(int root_fd, pid_t pid, bool check_type, char *out, size_t outsz) {
        char buf[PG_CGROUP_READ_MAX], num[16];
        size_t len = 0;
        int dfd, fd;

        snprintf(num, sizeof(num), "%d", (int)pid);
        dfd = pg_open_dir(root_fd, num);
        fd = dfd >= 0 ? pg_open_file(dfd, "cgroup", check_type) : -1;
        while (fd >= 0 && len < sizeof(buf)) {
                ssize_t k = read(fd, buf + len, sizeof(buf) - len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                len += (size_t)k;
        }
        /* A cut file keeps its complete lines only. */
        if (len == sizeof(buf)) {
                const char *nl = memrchr(buf, '\n', len);
                len = nl ? (size_t)(nl - buf) : 0;
        }
        if (fd >= 0)
                close(fd);
        if (dfd >= 0)
                close(dfd);
        return pg_cgroup_format(buf, len, out, outsz);
}
