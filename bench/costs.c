/* SPDX-License-Identifier: MIT */
/* costs: what each way of learning "did this process run, what are its
 * counters" costs per process per scan, in CPU and in kernel memory held
 * between scans (doc/memory.md).
 *
 *   costs [-n N] [-r ROUNDS] [-m MIN_MS] [-R MEM_REPS] [-b BATCH] [-L LOAD]
 *         [-F FLOOR] [-G PGSCAN] [-S] [-q]
 *
 * Starts LOAD -n N (bench/load: N sleeping processes, N/20 of them with 20
 * threads, 5 extra fds each; LOAD, FLOOR and PGSCAN default to the programs
 * next to this one) in a private PID and mount namespace with its own
 * /proc (-S: stay in the initial namespaces), then:
 *
 * 1. Kernel memory. For each kind of object a collector could keep between
 *    scans (a read stat fd per process, a read schedstat fd per process, a
 *    read task/TID/schedstat fd per task, a pid directory fd, a pidfd, a
 *    pidfd in an epoll set), each kind alone, MEM_REPS (5) times
 *    interleaved: SUnreclaim and SReclaimable (/proc/meminfo), the bytes
 *    of live slab objects (/proc/slabinfo, active objects x object size,
 *    split by the cache's reclaim_account) and the kernel memory charged
 *    to our memory cgroup (only our processes: other tenants do not move
 *    it) before, open one per process (or task), the same after; the
 *    growth over the count. Empty slabs are
 *    given back first (/sys/kernel/slab/X/shrink) so that the pages counted
 *    are new ones. Machine-wide figures: the median of the repetitions; a
 *    "nothing" row opens nothing to show the noise.
 * 2. CPU. ROUNDS (7) rounds; in each every method opens what it keeps,
 *    makes one unmeasured pass, then passes over every load process until
 *    it has used MIN_MS (20) ms of CPU (CLOCK_PROCESS_CPUTIME_ID), and
 *    closes what it kept (all kinds at once would not fit RLIMIT_NOFILE);
 *    the methods in an order rotated round by round, so that the noise of
 *    a shared machine hits every method alike; a round also
 *    runs FLOOR -F and PGSCAN once as references. The figure is the median
 *    over rounds of CPU ns per process per pass; the spread is the lowest
 *    and highest round.
 * 3. Facts: what the kernel allows (other users' processes, zombies, a
 *    PID, network or user namespace) and which taskstats fields a
 *    TGID and a PID query fill with delay accounting as it is.
 *
 * Taskstats queries need CAP_NET_ADMIN; BATCH (256) requests go in one
 * sendmsg, the replies come back with recvmmsg. Run as root: the
 * namespace, /proc/slabinfo and the slab shrink need it. The soft fd limit
 * is raised as far as allowed; N = 5000 needs about 10,000 (a task
 * schedstat fd per task). -q: fewer rounds and repetitions (a quick look). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/taskstats.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kmem.h"

/* The process CPU clock of pid (clock_getcpuclockid without the check
 * call): the kernel's MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED). */
#define PROCESS_CLOCK(pid) ((clockid_t)((~(unsigned)(pid)) << 3) | 2)
/* The same for one thread (MAKE_THREAD_CPUCLOCK): only for our own. */
#define THREAD_CLOCK(tid) ((clockid_t)((~(unsigned)(tid)) << 3) | 6)

#define MAXB 1024 /* requests per batch at most */

struct proc {
        pid_t pid;
        size_t task0, ntask; /* its tasks in tasks[] */
        char name[16];       /* "PID" */
        char stat_path[32];  /* "PID/stat" */
        int stat_fd, sched_fd, dir_fd, pidfd;
        int epfd; /* another pidfd, in the epoll set */
};

struct task {
        pid_t pid, tid;
        int fd; /* task/TID/schedstat */
};

static struct proc *procs;
static struct task *tasks;
static size_t nprocs, ntasks;
static int proc_fd = -1, epoll_fd = -1;
static char buf[64 * 1024];
static volatile uint64_t sink; /* keeps results live */

static double cpu_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void sleep_ms(int ms) {
        struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

static double median(double *v, size_t n) {
        qsort(v, n, sizeof *v, cmp_double);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A whole small file (relative to dir) into b, NUL-terminated; its length or -1. */
static ssize_t slurp(int dir, const char *path, char *b, size_t size) {
        int fd = openat(dir, path, O_RDONLY | O_CLOEXEC);
        size_t n = 0;
        ssize_t r;

        if (fd < 0)
                return -1;
        while (n < size - 1 && (r = read(fd, b + n, size - 1 - n)) > 0)
                n += (size_t)r;
        close(fd);
        b[n] = '\0';
        return (ssize_t)n;
}

/* ------------------------------------------------------------ memory -- */

#define MAXCACHE 1024
struct snap {
        struct kmem k;
        int ncache;
        char cache[MAXCACHE][64];
        double bytes[MAXCACHE]; /* live objects x object size */
};

static void note_cache(const char *name, double bytes, void *ctx) {
        struct snap *s = ctx;
        if (s->ncache < MAXCACHE) {
                snprintf(s->cache[s->ncache], sizeof s->cache[0], "%s", name);
                s->bytes[s->ncache++] = bytes;
        }
}

static void snapshot(struct snap *s) {
        kmem_read(&s->k);
        s->ncache = 0;
        kmem_caches(note_cache, s);
}

enum kind { K_NONE, K_STAT, K_SCHED, K_TSCHED, K_DIR, K_PIDFD, K_EPOLL, K_MAX };
static const char *kind_name[K_MAX] = {
    "nothing (noise)",  "stat fd, read", "schedstat fd, read",   "task schedstat fd, read",
    "pid directory fd", "pidfd",         "pidfd in an epoll set"};

static int pidfd_open(pid_t pid, unsigned flags) {
        return (int)syscall(SYS_pidfd_open, pid, flags);
}

static int pidfd_send_signal(int fd, int sig) {
        return (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
}

static void close_fd(int *fd) {
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

/* Open one object of kind k per process (or task); the number opened. */
static size_t open_kind(enum kind k) {
        char path[64];
        size_t n = 0;

        for (size_t i = 0; k != K_TSCHED && k != K_NONE && i < nprocs; i++) {
                struct proc *p = &procs[i];
                int fd = -1;
                switch (k) {
                case K_STAT:
                        fd = p->stat_fd = openat(proc_fd, p->stat_path, O_RDONLY | O_CLOEXEC);
                        break;
                case K_SCHED:
                        snprintf(path, sizeof path, "%d/schedstat", (int)p->pid);
                        fd = p->sched_fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
                        break;
                case K_DIR:
                        fd = p->dir_fd =
                            openat(proc_fd, p->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        break;
                case K_PIDFD: fd = p->pidfd = pidfd_open(p->pid, 0); break;
                case K_EPOLL:
                        fd = p->epfd = pidfd_open(p->pid, 0);
                        if (fd >= 0) {
                                struct epoll_event ev = {.events = EPOLLIN, .data.u64 = i};
                                if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
                                        close_fd(&p->epfd);
                                fd = p->epfd;
                        }
                        break;
                default: break;
                }
                if (fd < 0)
                        continue;
                n++;
                /* a seq_file gets its buffer at the first read */
                if (k == K_STAT || k == K_SCHED)
                        sink += (uint64_t)pread(fd, buf, sizeof buf, 0);
        }
        for (size_t j = 0; k == K_TSCHED && j < ntasks; j++) {
                struct task *t = &tasks[j];
                snprintf(path, sizeof path, "%d/task/%d/schedstat", (int)t->pid, (int)t->tid);
                t->fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
                if (t->fd < 0)
                        continue;
                n++;
                sink += (uint64_t)pread(t->fd, buf, sizeof buf, 0);
        }
        return n;
}

static void close_kind(enum kind k) {
        for (size_t i = 0; i < nprocs; i++) {
                struct proc *p = &procs[i];
                if (k == K_STAT)
                        close_fd(&p->stat_fd);
                if (k == K_SCHED)
                        close_fd(&p->sched_fd);
                if (k == K_DIR)
                        close_fd(&p->dir_fd);
                if (k == K_PIDFD)
                        close_fd(&p->pidfd);
                if (k == K_EPOLL)
                        close_fd(&p->epfd); /* closing removes it from the set */
        }
        for (size_t j = 0; k == K_TSCHED && j < ntasks; j++)
                close_fd(&tasks[j].fd);
}

/* Median of three snapshots 5 ms apart (SUnreclaim moves with the whole
 * machine, so the window is kept short): the median of each figure. */
static void settle(struct snap *s) {
        static struct snap t[3];
        double su[3], sr[3], sb[3], rb[3], cg[3];

        for (int i = 0; i < 3; i++) {
                sleep_ms(5);
                snapshot(&t[i]);
                su[i] = t[i].k.sunreclaim_kb;
                sr[i] = t[i].k.sreclaimable_kb;
                sb[i] = t[i].k.slab_kb;
                rb[i] = t[i].k.rslab_kb;
                cg[i] = t[i].k.cgroup_kb;
        }
        *s = t[1];
        s->k.sunreclaim_kb = median(su, 3);
        s->k.sreclaimable_kb = median(sr, 3);
        s->k.slab_kb = median(sb, 3);
        s->k.rslab_kb = median(rb, 3);
        s->k.cgroup_kb = median(cg, 3);
}

struct kept_mem {
        size_t count;        /* objects (the last repetition) */
        double unrecl[16];   /* SUnreclaim growth per object, bytes, per repetition */
        double recl[16];     /* SReclaimable growth per object */
        double slab[16];     /* live objects of unreclaimable caches, bytes per object */
        double rslab[16];    /* live objects of reclaimable caches (pinned while open) */
        double cgroup[16];   /* kernel memory charged to our memory cgroup, -1: unknown */
        char top[3][64];     /* the caches that grew most (last repetition) */
        double top_bytes[3]; /* their growth per object */
};
static struct kept_mem kept_mem[K_MAX];

static void note_top(struct kept_mem *m, const struct snap *a, const struct snap *b, size_t n) {
        for (int t = 0; t < 3; t++) {
                m->top_bytes[t] = 0;
                m->top[t][0] = '\0';
        }
        for (int i = 0; i < b->ncache; i++) {
                double before = 0, d;
                for (int j = 0; j < a->ncache; j++)
                        if (strcmp(a->cache[j], b->cache[i]) == 0) {
                                before = a->bytes[j];
                                break;
                        }
                d = (b->bytes[i] - before) / (double)n;
                for (int t = 0; t < 3; t++) {
                        if (d <= m->top_bytes[t])
                                continue;
                        for (int u = 2; u > t; u--) {
                                m->top_bytes[u] = m->top_bytes[u - 1];
                                memcpy(m->top[u], m->top[u - 1], sizeof m->top[u]);
                        }
                        m->top_bytes[t] = d;
                        snprintf(m->top[t], sizeof m->top[t], "%s", b->cache[i]);
                        break;
                }
        }
}

/* Each kind alone (the others closed: pidfds of one process share an
 * inode, files of one pid its directory's), REPS times, interleaved. */
static void measure_memory(int reps) {
        static struct snap a, b;

        for (int r = 0; r < reps; r++) {
                for (int k = 0; k < K_MAX; k++) {
                        struct kept_mem *m = &kept_mem[k];
                        size_t n, div;
                        kmem_shrink();
                        settle(&a);
                        n = open_kind((enum kind)k);
                        settle(&b);
                        /* "nothing" is divided by the processes, like the others */
                        div = k == K_NONE ? nprocs : n;
                        if (div == 0)
                                div = 1;
                        m->count = n;
                        m->unrecl[r] = (b.k.sunreclaim_kb - a.k.sunreclaim_kb) * 1024 / (double)div;
                        m->recl[r] =
                            (b.k.sreclaimable_kb - a.k.sreclaimable_kb) * 1024 / (double)div;
                        m->slab[r] = (b.k.slab_kb - a.k.slab_kb) * 1024 / (double)div;
                        m->rslab[r] = (b.k.rslab_kb - a.k.rslab_kb) * 1024 / (double)div;
                        m->cgroup[r] = a.k.cgroup_kb < 0
                                           ? -1
                                           : (b.k.cgroup_kb - a.k.cgroup_kb) * 1024 / (double)div;
                        if (r == reps - 1)
                                note_top(m, &a, &b, div);
                        close_kind((enum kind)k);
                        sleep_ms(50); /* frees that wait for RCU */
                }
        }
}

/* ---------------------------------------------------------- taskstats -- */

static struct mnl_socket *nl;
static uint16_t ts_family;
static uint32_t nl_seq;
static const char *ts_why = "not tried";
static _Alignas(8) char nlbuf[MAXB * 2048];

static int family_attr(const struct nlattr *a, void *data) {
        if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID && mnl_attr_validate(a, MNL_TYPE_U16) == 0)
                *(uint16_t *)data = mnl_attr_get_u16(a);
        return MNL_CB_OK;
}

static int family_reply(const struct nlmsghdr *nlh, void *data) {
        return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr, data);
}

static struct nlmsghdr *put_request(char *at, uint16_t type, uint8_t cmd, int flags) {
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(at);
        struct genlmsghdr *g;

        nlh->nlmsg_type = type;
        nlh->nlmsg_flags = NLM_F_REQUEST | flags;
        nlh->nlmsg_seq = ++nl_seq;
        g = mnl_nlmsg_put_extra_header(nlh, sizeof *g);
        g->cmd = cmd;
        g->version = TASKSTATS_GENL_VERSION;
        return nlh;
}

/* A generic netlink socket and the TASKSTATS family; NULL or why not. */
static struct mnl_socket *ts_socket(uint16_t *family, const char **why) {
        struct mnl_socket *s = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
        char req[256];
        int rcv = 16 << 20, r;
        ssize_t n;

        *why = NULL;
        if (!s || mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
                *why = "no generic netlink socket";
                goto fail;
        }
        /* a batch's replies are all queued before we read one */
        if (setsockopt(mnl_socket_get_fd(s), SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof rcv) < 0)
                (void)setsockopt(mnl_socket_get_fd(s), SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
        struct nlmsghdr *nlh = put_request(req, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK);
        mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, TASKSTATS_GENL_NAME);
        *family = 0;
        if (mnl_socket_sendto(s, nlh, nlh->nlmsg_len) < 0) {
                *why = "send failed";
                goto fail;
        }
        do {
                n = mnl_socket_recvfrom(s, nlbuf, 65536);
                r = n > 0 ? mnl_cb_run(nlbuf, (size_t)n, nlh->nlmsg_seq, mnl_socket_get_portid(s),
                                       family_reply, family)
                          : -1;
        } while (r > MNL_CB_STOP);
        if (r < 0 || *family == 0) {
                *why = "no TASKSTATS family in this network namespace";
                goto fail;
        }
        return s;
fail:
        if (s)
                mnl_socket_close(s);
        return NULL;
}

/* The fields of a reply that we look at. */
struct tsrec {
        uint32_t id;
        struct taskstats st; /* as much as the kernel sent, zero beyond */
};

/* Parse one reply datagram; 1 with *out filled, 0 for an error message
 * (its errno in *err), -1 malformed. */
static int ts_parse(const struct nlmsghdr *nlh, size_t len, struct tsrec *out, int *err) {
        const struct nlattr *a, *b;

        if (len < sizeof *nlh || !mnl_nlmsg_ok(nlh, (int)len))
                return -1;
        if (nlh->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
                *err = -e->error;
                return 0;
        }
        memset(out, 0, sizeof *out);
        mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
                uint16_t t = mnl_attr_get_type(a);
                if (t != TASKSTATS_TYPE_AGGR_TGID && t != TASKSTATS_TYPE_AGGR_PID)
                        continue;
                mnl_attr_for_each_nested(b, a) {
                        uint16_t u = mnl_attr_get_type(b);
                        size_t l = mnl_attr_get_payload_len(b);
                        if ((u == TASKSTATS_TYPE_PID || u == TASKSTATS_TYPE_TGID) && l == 4)
                                memcpy(&out->id, mnl_attr_get_payload(b), 4);
                        else if (u == TASKSTATS_TYPE_STATS)
                                memcpy(&out->st, mnl_attr_get_payload(b),
                                       l < sizeof out->st ? l : sizeof out->st);
                }
                return 1;
        }
        return -1;
}

static size_t put_query(char *at, int attr, pid_t id) {
        struct nlmsghdr *nlh = put_request(at, ts_family, TASKSTATS_CMD_GET, 0);
        mnl_attr_put_u32(nlh, (uint16_t)attr, (uint32_t)id);
        return nlh->nlmsg_len;
}

/* One query, one reply: 1, 0 (*err set) or -1. */
static int ts_query(int attr, pid_t id, struct tsrec *out, int *err) {
        size_t len = put_query(nlbuf, attr, id);
        ssize_t n;

        if (mnl_socket_sendto(nl, nlbuf, len) < 0)
                return *err = errno, 0;
        n = recv(mnl_socket_get_fd(nl), nlbuf, 65536, 0);
        if (n <= 0)
                return -1;
        return ts_parse((const struct nlmsghdr *)nlbuf, (size_t)n, out, err);
}

/* Queries for ids[0..n) (attr: by TGID or PID), batch at a time in one
 * sendmsg, the replies by recvmmsg; the number of records that came. */
static size_t ts_batch(int attr, const pid_t *ids, size_t stride, size_t n, int batch) {
        static struct mmsghdr msgs[64];
        static struct iovec iov[64];
        static _Alignas(8) char rbuf[64][2048];
        static char req[MAXB * 32];
        size_t ok = 0;

        for (int i = 0; i < 64; i++) {
                iov[i].iov_base = rbuf[i];
                iov[i].iov_len = sizeof rbuf[i];
                memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
                msgs[i].msg_hdr.msg_iov = &iov[i];
                msgs[i].msg_hdr.msg_iovlen = 1;
        }
        for (size_t s = 0; s < n; s += (size_t)batch) {
                size_t m = n - s < (size_t)batch ? n - s : (size_t)batch, len = 0, got = 0;
                for (size_t i = 0; i < m; i++)
                        len += put_query(req + len, attr,
                                         *(const pid_t *)((const char *)ids + (s + i) * stride));
                if (send(mnl_socket_get_fd(nl), req, len, 0) < 0)
                        continue;
                /* the kernel answers each request inside our send */
                while (got < m) {
                        int want = m - got < 64 ? (int)(m - got) : 64;
                        int r = recvmmsg(mnl_socket_get_fd(nl), msgs, (unsigned)want, MSG_DONTWAIT,
                                         NULL);
                        if (r <= 0)
                                break;
                        for (int i = 0; i < r; i++) {
                                struct tsrec rec;
                                int err;
                                if (ts_parse((const struct nlmsghdr *)rbuf[i], msgs[i].msg_len,
                                             &rec, &err) == 1) {
                                        sink += rec.st.cpu_run_virtual_total;
                                        ok++;
                                }
                        }
                        got += (size_t)r;
                }
        }
        return ok;
}

/* ----------------------------------------------------------- methods -- */

static int ts_batch_size = 256;

static size_t m_list(void) {
        static char d[64 * 1024];
        size_t n = 0;
        long r;

        lseek(proc_fd, 0, SEEK_SET);
        while ((r = syscall(SYS_getdents64, proc_fd, d, sizeof d)) > 0)
                for (long off = 0; off < r;) {
                        struct dirent64 *e = (struct dirent64 *)(d + off);
                        off += e->d_reclen;
                        n += e->d_name[0] >= '1' && e->d_name[0] <= '9';
                }
        return n;
}

static size_t m_kept_stat(void) {
        size_t ok = 0;
        for (size_t i = 0; i < nprocs; i++)
                ok += pread(procs[i].stat_fd, buf, sizeof buf, 0) > 0;
        return ok;
}

static size_t m_kept_sched(void) {
        size_t ok = 0;
        for (size_t i = 0; i < nprocs; i++)
                ok += pread(procs[i].sched_fd, buf, sizeof buf, 0) > 0;
        return ok;
}

static size_t m_kept_tsched(void) {
        size_t ok = 0;
        for (size_t j = 0; j < ntasks; j++)
                ok += pread(tasks[j].fd, buf, sizeof buf, 0) > 0;
        return ok;
}

static size_t read_close(int fd) {
        ssize_t r;
        if (fd < 0)
                return 0;
        r = read(fd, buf, sizeof buf);
        close(fd);
        return r > 0;
}

static size_t m_open_stat(void) {
        size_t ok = 0;
        for (size_t i = 0; i < nprocs; i++)
                ok += read_close(openat(proc_fd, procs[i].stat_path, O_RDONLY | O_CLOEXEC));
        return ok;
}

static size_t m_dir_stat(void) {
        size_t ok = 0;
        for (size_t i = 0; i < nprocs; i++)
                ok += read_close(openat(procs[i].dir_fd, "stat", O_RDONLY | O_CLOEXEC));
        return ok;
}

static size_t m_clock(void) {
        struct timespec ts;
        size_t ok = 0;
        for (size_t i = 0; i < nprocs; i++)
                if (clock_gettime(PROCESS_CLOCK(procs[i].pid), &ts) == 0) {
                        sink += (uint64_t)ts.tv_nsec;
                        ok++;
                }
        return ok;
}

static size_t m_pidfd(void) {
        size_t ok = 0;
        for (size_t i = 0; i < nprocs; i++)
                ok += pidfd_send_signal(procs[i].pidfd, 0) == 0 || errno == EPERM;
        return ok;
}

/* The idle test without files: the clock first, then the pidfd says the
 * pid was still the same process when the clock was read. */
static size_t m_clock_pidfd(void) {
        struct timespec ts;
        size_t ok = 0;
        for (size_t i = 0; i < nprocs; i++)
                if (clock_gettime(PROCESS_CLOCK(procs[i].pid), &ts) == 0 &&
                    (pidfd_send_signal(procs[i].pidfd, 0) == 0 || errno == EPERM)) {
                        sink += (uint64_t)ts.tv_nsec;
                        ok++;
                }
        return ok;
}

/* Identity without anything kept: a pidfd for a moment, and its inode
 * (pidfs numbers every struct pid uniquely). */
static size_t m_pidfd_open(void) {
        struct stat st;
        size_t ok = 0;
        for (size_t i = 0; i < nprocs; i++) {
                int fd = pidfd_open(procs[i].pid, 0);
                if (fd < 0)
                        continue;
                if (fstat(fd, &st) == 0) {
                        sink += st.st_ino;
                        ok++;
                }
                close(fd);
        }
        return ok;
}

/* Which kept pidfds say their process exited (none here): one call for
 * the whole set, whatever its size. */
static size_t m_epoll(void) {
        struct epoll_event ev[64];
        int r = epoll_wait(epoll_fd, ev, 64, 0);
        return r == 0 ? nprocs : 0;
}

/* The idle test with identity for the cost of the clocks: the clocks,
 * then the exits; a pid whose process exited before the epoll_wait may
 * have been reused when its clock was read, and is dropped. */
static size_t m_clock_epoll(void) {
        size_t ok = m_clock();
        return m_epoll() ? ok : 0;
}

static size_t m_ts_one(void) {
        size_t ok = 0;
        for (size_t i = 0; i < nprocs; i++) {
                struct tsrec rec;
                int err;
                if (ts_query(TASKSTATS_CMD_ATTR_TGID, procs[i].pid, &rec, &err) == 1) {
                        sink += rec.st.cpu_run_virtual_total;
                        ok++;
                }
        }
        return ok;
}

static size_t m_ts_batch(void) {
        return ts_batch(TASKSTATS_CMD_ATTR_TGID, &procs[0].pid, sizeof procs[0], nprocs,
                        ts_batch_size);
}

static size_t m_ts_tasks(void) {
        return ts_batch(TASKSTATS_CMD_ATTR_PID, &tasks[0].tid, sizeof tasks[0], ntasks,
                        ts_batch_size);
}

struct method {
        const char *name;
        size_t (*fn)(void);
        enum kind kept; /* the kernel memory it keeps */
        int per_task;   /* one operation per task, not per process */
        int taskstats;  /* needs the taskstats socket */
        const char *needs, *tells;
        double ns[64]; /* per round */
        size_t ok;     /* successful operations in the last pass */
};

static struct method methods[] = {
    {.name = "list /proc (getdents64)",
     .fn = m_list,
     .kept = K_NONE,
     .per_task = 0,
     .taskstats = 0,
     .needs = "-",
     .tells = "which pids exist (every design pays it)"},
    {.name = "pread kept PID/stat",
     .fn = m_kept_stat,
     .kept = K_STAT,
     .per_task = 0,
     .taskstats = 0,
     .needs = "-",
     .tells = "ran? (utime+stime ticks, state, rss), counters: CPU, faults; identity (starttime)"},
    {.name = "pread kept PID/schedstat",
     .fn = m_kept_sched,
     .kept = K_SCHED,
     .per_task = 0,
     .taskstats = 0,
     .needs = "-",
     .tells = "ran? (main thread only: run ns, timeslices)"},
    {.name = "pread kept task/TID/schedstat, every task",
     .fn = m_kept_tsched,
     .kept = K_TSCHED,
     .per_task = 1,
     .taskstats = 0,
     .needs = "-",
     .tells = "ran? per thread (today's threads-on idle test)"},
    {.name = "openat(/proc, \"PID/stat\") + read + close",
     .fn = m_open_stat,
     .kept = K_NONE,
     .per_task = 0,
     .taskstats = 0,
     .needs = "-",
     .tells = "as kept stat, nothing kept"},
    {.name = "openat(kept PID dirfd, \"stat\") + read + close",
     .fn = m_dir_stat,
     .kept = K_DIR,
     .per_task = 0,
     .taskstats = 0,
     .needs = "-",
     .tells = "as kept stat; the dirfd pins the pid's identity"},
    {.name = "clock_gettime(process CPU clock)",
     .fn = m_clock,
     .kept = K_NONE,
     .per_task = 0,
     .taskstats = 0,
     .needs = "-",
     .tells = "ran? exact CPU ns of all threads, live and dead; no identity"},
    {.name = "pidfd_send_signal(kept pidfd, 0)",
     .fn = m_pidfd,
     .kept = K_PIDFD,
     .per_task = 0,
     .taskstats = 0,
     .needs = "-",
     .tells = "identity: same process (0/EPERM) or gone (ESRCH)"},
    {.name = "process CPU clock + kept pidfd",
     .fn = m_clock_pidfd,
     .kept = K_PIDFD,
     .per_task = 0,
     .taskstats = 0,
     .needs = "-",
     .tells = "ran? and identity: an idle test without files"},
    {.name = "epoll_wait over kept pidfds (exits only)",
     .fn = m_epoll,
     .kept = K_EPOLL,
     .per_task = 0,
     .taskstats = 0,
     .needs = "-",
     .tells = "identity: which processes exited, one call per scan"},
    {.name = "process CPU clock + epoll_wait over kept pidfds",
     .fn = m_clock_epoll,
     .kept = K_EPOLL,
     .per_task = 0,
     .taskstats = 0,
     .needs = "-",
     .tells = "ran? and identity: an idle test without files"},
    {.name = "pidfd_open + fstat + close",
     .fn = m_pidfd_open,
     .kept = K_NONE,
     .per_task = 0,
     .taskstats = 0,
     .needs = "-",
     .tells = "identity by pidfs inode, nothing kept"},
    {.name = "taskstats TGID, one request each",
     .fn = m_ts_one,
     .kept = K_NONE,
     .per_task = 0,
     .taskstats = 1,
     .needs = "CAP_NET_ADMIN",
     .tells = "ran? (run ns), utime/stime us, nvcsw/nivcsw; no faults, io, identity"},
    {.name = "taskstats TGID, batched",
     .fn = m_ts_batch,
     .kept = K_NONE,
     .per_task = 0,
     .taskstats = 1,
     .needs = "CAP_NET_ADMIN",
     .tells = "as above"},
    {.name = "taskstats PID (each task), batched",
     .fn = m_ts_tasks,
     .kept = K_NONE,
     .per_task = 1,
     .taskstats = 1,
     .needs = "CAP_NET_ADMIN",
     .tells = "per thread: CPU, faults, io, ctx switches, btime, pid/ppid/uid"},
};
#define NMETHODS (sizeof methods / sizeof methods[0])

/* A reference program's CPU ns per visible process per scan, or -1;
 * its kernel_kb into *kernel_kb when it says. */
static double reference(const char *cmd, double *kernel_kb) {
        char line[4096];
        FILE *f = popen(cmd, "r");
        double cpu = -1, procs_seen = 0;
        const char *p;

        if (!f)
                return -1;
        while (fgets(line, sizeof line, f)) {
                if ((p = strstr(line, "cpu_ms=")))
                        cpu = strtod(p + 7, NULL);
                if ((p = strstr(line, " procs=")))
                        procs_seen = strtod(p + 7, NULL);
                if (kernel_kb && (p = strstr(line, "kernel_kb=")))
                        *kernel_kb = strtod(p + 10, NULL);
        }
        if (pclose(f) != 0 || cpu < 0 || procs_seen <= 0)
                return -1;
        return cpu * 1e6 / procs_seen;
}

/* ------------------------------------------------------------- facts -- */

static const char *errname(int e) {
        static char b[4][64];
        static int k;
        k = (k + 1) % 4;
        if (e == 0)
                return "ok";
        snprintf(b[k], sizeof b[k], "%s", strerrorname_np(e) ? strerrorname_np(e) : "?");
        return b[k];
}

/* Run fn(arg) in a child as nobody, or in a new network namespace (netns
 * 1), or in a new user and network namespace (netns 2: every capability,
 * but in that namespace); its one line of findings into out. */
static void in_child(int netns, void (*fn)(pid_t, char *, size_t), pid_t arg, char *out,
                     size_t size) {
        int p[2];
        pid_t c;
        ssize_t n;

        out[0] = '\0';
        if (pipe2(p, O_CLOEXEC) < 0)
                return;
        c = fork();
        if (c == 0) {
                char line[512] = "";
                if (netns ? unshare(netns == 2 ? CLONE_NEWUSER | CLONE_NEWNET : CLONE_NEWNET) < 0
                          : (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
                             setresuid(65534, 65534, 65534) < 0))
                        snprintf(line, sizeof line, "could not switch: %s", errname(errno));
                else
                        fn(arg, line, sizeof line);
                (void)!write(p[1], line, strlen(line));
                _exit(0);
        }
        close(p[1]);
        n = c > 0 ? read(p[0], out, size - 1) : -1;
        out[n > 0 ? n : 0] = '\0';
        close(p[0]);
        if (c > 0)
                waitpid(c, NULL, 0);
}

static void as_nobody(pid_t target, char *out, size_t size) {
        struct timespec ts;
        const char *why;
        int e_clock = clock_gettime(PROCESS_CLOCK(target), &ts) == 0 ? 0 : errno;
        int fd = pidfd_open(target, 0), e_open = fd < 0 ? errno : 0;
        int e_sig = fd < 0 ? -1 : pidfd_send_signal(fd, 0) == 0 ? 0 : errno;
        struct mnl_socket *s = ts_socket(&ts_family, &why);
        int e_ts = -1;
        if (s) {
                struct tsrec rec;
                nl = s;
                if (ts_query(TASKSTATS_CMD_ATTR_TGID, target, &rec, &e_ts) == 1)
                        e_ts = 0;
        }
        snprintf(out, size,
                 "process clock: %s; pidfd_open: %s; pidfd_send_signal(0): %s; taskstats TGID: %s",
                 errname(e_clock), errname(e_open), e_sig < 0 ? "-" : errname(e_sig),
                 s ? errname(e_ts) : why);
}

static void in_netns(pid_t target, char *out, size_t size) {
        const char *why;
        struct mnl_socket *s = ts_socket(&ts_family, &why);
        int e = -1;
        if (s) {
                struct tsrec rec;
                nl = s;
                if (ts_query(TASKSTATS_CMD_ATTR_TGID, target, &rec, &e) == 1)
                        e = 0;
        }
        snprintf(out, size, "taskstats TGID query: %s", s ? errname(e) : why);
}

/* What pidfds and the process clock say about a process that exited:
 * before it is reaped (a zombie) and after. */
static void exit_facts(char *out, size_t size) {
        struct timespec ts;
        siginfo_t si;
        int fd, z_sig, z_clk, r_sig, r_clk;
        pid_t c = fork();

        if (c == 0) {
                pause();
                _exit(0);
        }
        fd = pidfd_open(c, 0);
        kill(c, SIGKILL);
        waitid(P_PID, (id_t)c, &si, WEXITED | WNOWAIT);
        z_sig = pidfd_send_signal(fd, 0) == 0 ? 0 : errno;
        z_clk = clock_gettime(PROCESS_CLOCK(c), &ts) == 0 ? 0 : errno;
        waitpid(c, NULL, 0);
        r_sig = pidfd_send_signal(fd, 0) == 0 ? 0 : errno;
        r_clk = clock_gettime(PROCESS_CLOCK(c), &ts) == 0 ? 0 : errno;
        close(fd);
        snprintf(out, size,
                 "pidfd_send_signal(0): zombie %s, reaped %s; process clock: zombie %s, reaped %s",
                 errname(z_sig), errname(r_sig), errname(z_clk), errname(r_clk));
}

static void print_ts(const char *what, const struct tsrec *r) {
        const struct taskstats *s = &r->st;
        printf("- %s: version %u, id %u; ac_utime %llu us, ac_stime %llu us, "
               "cpu_run_virtual_total %llu ns, cpu_run_real_total %llu ns, cpu_count %llu, "
               "nvcsw %llu, nivcsw %llu, ac_minflt %llu, ac_majflt %llu, read_char %llu, "
               "read_syscalls %llu, hiwater_rss %llu kB, ac_btime %u, ac_btime64 %llu, "
               "ac_etime %llu us, ac_pid %u, ac_ppid %u, ac_comm \"%.16s\"\n",
               what, (unsigned)s->version, (unsigned)r->id, (unsigned long long)s->ac_utime,
               (unsigned long long)s->ac_stime, (unsigned long long)s->cpu_run_virtual_total,
               (unsigned long long)s->cpu_run_real_total, (unsigned long long)s->cpu_count,
               (unsigned long long)s->nvcsw, (unsigned long long)s->nivcsw,
               (unsigned long long)s->ac_minflt, (unsigned long long)s->ac_majflt,
               (unsigned long long)s->read_char, (unsigned long long)s->read_syscalls,
               (unsigned long long)s->hiwater_rss, (unsigned)s->ac_btime,
               (unsigned long long)s->ac_btime64, (unsigned long long)s->ac_etime,
               (unsigned)s->ac_pid, (unsigned)s->ac_ppid, s->ac_comm);
}

static void facts(void) {
        char line[1024], b[256];
        struct timespec ts;
        const struct proc *multi = NULL;

        for (size_t i = 0; i < nprocs && !multi; i++)
                if (procs[i].ntask > 1)
                        multi = &procs[i];
        if (!multi)
                multi = &procs[0];

        printf("\nWhat the kernel allows (run as uid %d):\n\n", (int)getuid());
        in_child(0, as_nobody, procs[0].pid, line, sizeof line);
        printf("- as nobody, on a load process of root's: %s\n", line);
        exit_facts(line, sizeof line);
        printf("- a child that exited: %s\n", line);
        {
                /* another process's thread clock: the kernel allows only our own */
                int e = clock_gettime(THREAD_CLOCK(tasks[multi->task0 + multi->ntask - 1].tid),
                                      &ts) == 0
                            ? 0
                            : errno;
                printf("- the CPU clock of another process's thread: %s\n", errname(e));
        }
        {
                struct stat st;
                int pidns = stat("/proc/self/ns/pid", &st) == 0 && st.st_ino == 0xEFFFFFFCu;
                printf("- this process is %sin the initial PID namespace; the process clock, "
                       "pidfds and taskstats below take its pids\n",
                       pidns ? "" : "not ");
        }
        in_child(1, in_netns, multi->pid, line, sizeof line);
        printf("- from a new network namespace: %s\n", line);
        in_child(2, in_netns, multi->pid, line, sizeof line);
        printf("- from a new user namespace (with a network namespace of its own; CAP_NET_ADMIN "
               "there): %s\n",
               line);
        {
                /* ns-exact clocks rarely end in 000; tick-based ones always do */
                size_t whole = 0, seen = 0;
                for (size_t i = 0; i < nprocs; i++)
                        if (clock_gettime(PROCESS_CLOCK(procs[i].pid), &ts) == 0) {
                                seen++;
                                whole += ts.tv_nsec % 1000 == 0;
                        }
                printf("- process clocks that are whole microseconds: %zu of %zu (a "
                       "tick-based sched_clock would make them all)\n",
                       whole, seen);
        }
        if (slurp(AT_FDCWD, "/proc/sys/kernel/task_delayacct", b, sizeof b) > 0)
                printf("- kernel.task_delayacct = %.*s\n", (int)strcspn(b, "\n"), b);
        if (!nl) {
                printf("- taskstats: %s\n", ts_why);
                return;
        }
        struct tsrec r;
        int err = 0;
        if (clock_gettime(PROCESS_CLOCK(multi->pid), &ts) == 0)
                printf("- process clock of pid %d (%zu tasks): %lld ns\n", (int)multi->pid,
                       multi->ntask, (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
        if (ts_query(TASKSTATS_CMD_ATTR_TGID, multi->pid, &r, &err) == 1)
                print_ts("taskstats by TGID", &r);
        else
                printf("- taskstats by TGID: %s\n", errname(err));
        if (ts_query(TASKSTATS_CMD_ATTR_PID, multi->pid, &r, &err) == 1)
                print_ts("taskstats by PID (its main thread)", &r);
        else
                printf("- taskstats by PID: %s\n", errname(err));
        if (ts_query(TASKSTATS_CMD_ATTR_TGID, 999999, &r, &err) != 1)
                printf("- taskstats for a pid that does not exist: %s\n", errname(err));
}

/* -------------------------------------------------------- population -- */

/* A private PID and mount namespace with its own /proc: we go on as its
 * pid 1 (whatever is left dies with us); the caller waits and exits. */
static int enter_namespace(void) {
        pid_t c;
        int st;

        if (unshare(CLONE_NEWPID | CLONE_NEWNS) < 0)
                return -errno;
        c = fork();
        if (c < 0)
                return -errno;
        if (c > 0) {
                while (waitpid(c, &st, 0) < 0 && errno == EINTR)
                        ;
                exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
        }
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                return -errno;
        return 0;
}

static pid_t start_load(const char *load, int n, const char *pidfile) {
        char ns[16], max[16];
        pid_t c;

        snprintf(ns, sizeof ns, "%d", n);
        snprintf(max, sizeof max, "%d", 3600);
        c = fork();
        if (c == 0) {
                execl(load, load, "-n", ns, "-T", "20", "-f", "5", "-g", "10", "-m", max, "-p",
                      pidfile, (char *)NULL);
                _exit(127);
        }
        for (int i = 0; c > 0 && i < 6000; i++) {
                if (access(pidfile, F_OK) == 0)
                        return c;
                if (waitpid(c, NULL, WNOHANG) == c)
                        return -1;
                sleep_ms(50);
        }
        return -1;
}

static int read_population(const char *pidfile) {
        FILE *f = fopen(pidfile, "r");
        size_t cap = 0, tcap = 0;
        int pid;

        if (!f)
                return -1;
        while (fscanf(f, "%d", &pid) == 1) {
                if (nprocs == cap) {
                        cap = cap ? cap * 2 : 1024;
                        procs = realloc(procs, cap * sizeof *procs);
                        if (!procs)
                                return fclose(f), -1;
                }
                struct proc *p = &procs[nprocs++];
                memset(p, 0, sizeof *p);
                p->pid = pid;
                p->stat_fd = p->sched_fd = p->dir_fd = p->pidfd = p->epfd = -1;
                snprintf(p->name, sizeof p->name, "%d", pid);
                snprintf(p->stat_path, sizeof p->stat_path, "%d/stat", pid);
                /* its tasks, listed once */
                char path[64];
                snprintf(path, sizeof path, "/proc/%d/task", pid);
                DIR *d = opendir(path);
                struct dirent *e;
                p->task0 = ntasks;
                while (d && (e = readdir(d))) {
                        if (e->d_name[0] < '0' || e->d_name[0] > '9')
                                continue;
                        if (ntasks == tcap) {
                                tcap = tcap ? tcap * 2 : 2048;
                                tasks = realloc(tasks, tcap * sizeof *tasks);
                                if (!tasks)
                                        return fclose(f), -1;
                        }
                        tasks[ntasks++] = (struct task){pid, atoi(e->d_name), -1};
                }
                if (d)
                        closedir(d);
                p->ntask = ntasks - p->task0;
        }
        fclose(f);
        return nprocs ? 0 : -1;
}

/* A program next to ours, when the option did not name one. */
static const char *beside(const char *opt, const char *name) {
        static char b[4][4096];
        static int k;
        char self[4096];
        ssize_t n;

        if (opt)
                return opt;
        n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0)
                return name;
        self[n] = '\0';
        k = (k + 1) % 4;
        snprintf(b[k], sizeof b[k], "%.*s/%s", (int)(strrchr(self, '/') - self), self, name);
        return b[k];
}

/* ---------------------------------------------------------------- main -- */

static void usage(void) {
        fputs("usage: costs [-n N] [-r ROUNDS] [-m MIN_MS] [-R MEM_REPS] [-b BATCH] [-L LOAD]\n"
              "             [-F FLOOR] [-G PGSCAN] [-S] [-q]\n",
              stderr);
        exit(2);
}

int main(int argc, char **argv) {
        int c, n = 1000, rounds = 7, min_ms = 20, reps = 5, stay = 0;
        const char *load = NULL, *floor_bin = NULL, *pgscan = NULL;
        char pidfile[64], cmd[8192];
        double floor_ns[64], pg_ns[64], pg_kernel[64];
        int nfloor = 0, npg = 0;
        struct rlimit rl;
        struct utsname u;
        pid_t load_pid;

        while ((c = getopt(argc, argv, "n:r:m:R:b:L:F:G:Sq")) != -1) {
                switch (c) {
                case 'n': n = atoi(optarg); break;
                case 'r': rounds = atoi(optarg); break;
                case 'm': min_ms = atoi(optarg); break;
                case 'R': reps = atoi(optarg); break;
                case 'b': ts_batch_size = atoi(optarg); break;
                case 'L': load = optarg; break;
                case 'F': floor_bin = optarg; break;
                case 'G': pgscan = optarg; break;
                case 'S': stay = 1; break;
                case 'q':
                        rounds = 3;
                        reps = 2;
                        min_ms = 10;
                        break;
                default: usage();
                }
        }
        if (n < 1 || rounds < 1 || rounds > 64 || reps < 1 || reps > 16 || ts_batch_size < 1 ||
            ts_batch_size > MAXB)
                usage();
        load = beside(load, "load");
        floor_bin = beside(floor_bin, "floor");
        pgscan = beside(pgscan, "pgscan");
        if (!stay) {
                int r = enter_namespace();
                if (r < 0) {
                        fprintf(stderr, "costs: namespace: %s (root? -S stays)\n", strerror(-r));
                        return 1;
                }
        }
        /* every kept object is a descriptor: room for one kind of them */
        rl.rlim_cur = rl.rlim_max = 1 << 20;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0 && getrlimit(RLIMIT_NOFILE, &rl) == 0) {
                rl.rlim_cur = rl.rlim_max;
                setrlimit(RLIMIT_NOFILE, &rl);
        }
        snprintf(pidfile, sizeof pidfile, "/tmp/pgcosts.%d.pids", (int)getpid());
        unlink(pidfile);
        load_pid = start_load(load, n, pidfile);
        if (load_pid < 0 || read_population(pidfile) < 0) {
                fprintf(stderr, "costs: %s -n %d did not start\n", load, n);
                return 1;
        }
        proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        nl = ts_socket(&ts_family, &ts_why);
        if (nl) {
                struct tsrec r;
                int err = 0;
                if (ts_query(TASKSTATS_CMD_ATTR_TGID, procs[0].pid, &r, &err) != 1) {
                        ts_why = err == EPERM ? "EPERM (needs CAP_NET_ADMIN)" : errname(err);
                        mnl_socket_close(nl);
                        nl = NULL;
                }
        }
        uname(&u);
        printf("costs: %s %s, %zu load processes, %zu tasks, %s namespace, %d rounds of >= %d ms, "
               "memory %d reps, taskstats batch %d\n",
               u.sysname, u.release, nprocs, ntasks, stay ? "initial" : "private PID", rounds,
               min_ms, reps, ts_batch_size);

        measure_memory(reps);

        for (int r = 0; r < rounds; r++) {
                for (size_t j = 0; j < NMETHODS; j++) {
                        struct method *m = &methods[(j + (size_t)r) % NMETHODS];
                        double c0, used;
                        int passes = 0;
                        if (m->taskstats && !nl)
                                continue;
                        /* only this method's objects are open (all kinds at
                         * once would pass RLIMIT_NOFILE at N = 5000), then
                         * an unmeasured pass warms it up */
                        if (m->kept != K_NONE)
                                open_kind(m->kept);
                        m->fn();
                        c0 = cpu_ns();
                        do {
                                m->ok = m->fn();
                                passes++;
                                used = cpu_ns() - c0;
                        } while (used < min_ms * 1e6 || passes < 2);
                        m->ns[r] = used / passes / (double)nprocs;
                        if (m->kept != K_NONE)
                                close_kind(m->kept);
                }
                /* the references, once a round: scans of every visible process */
                double kk = -1, x;
                snprintf(cmd, sizeof cmd, "'%s' -F -t 0.3 -w 1 -n 3 -l full 2>/dev/null",
                         floor_bin);
                if ((x = reference(cmd, NULL)) > 0)
                        floor_ns[nfloor++] = x;
                snprintf(cmd, sizeof cmd, "'%s' -t 0.3 -w 2 -n 3 2>/dev/null", pgscan);
                if ((x = reference(cmd, &kk)) > 0) {
                        pg_kernel[npg] = kk;
                        pg_ns[npg++] = x;
                }
                fprintf(stderr, "costs: round %d of %d\n", r + 1, rounds);
        }

        printf("\n| method | CPU ns/proc/scan | rounds' range | kept: SUnreclaim B/proc | "
               "kept: unreclaimable objects B/proc | kept: cgroup B/proc | needs | tells |\n");
        printf("|---|---:|---:|---:|---:|---:|---|---|\n");
        for (size_t i = 0; i < NMETHODS; i++) {
                struct method *m = &methods[i];
                double v[64], lo, hi;
                if (m->taskstats && !nl) {
                        printf("| %s | - | - | 0 | 0 | 0 | %s | unavailable: %s |\n", m->name,
                               m->needs, ts_why);
                        continue;
                }
                memcpy(v, m->ns, sizeof(double) * (size_t)rounds);
                double med = median(v, (size_t)rounds);
                lo = v[0];
                hi = v[rounds - 1];
                char kb[64] = "0", sb[64] = "0", cb[64] = "0";
                if (m->kept != K_NONE) {
                        struct kept_mem *k = &kept_mem[m->kept];
                        double u2[16], s2[16], c2[16];
                        memcpy(u2, k->unrecl, sizeof(double) * (size_t)reps);
                        memcpy(s2, k->slab, sizeof(double) * (size_t)reps);
                        memcpy(c2, k->cgroup, sizeof(double) * (size_t)reps);
                        /* per process: a per-task object counts for each task */
                        double per = (double)k->count / (double)nprocs;
                        snprintf(kb, sizeof kb, "%.0f", median(u2, (size_t)reps) * per);
                        snprintf(sb, sizeof sb, "%.0f", median(s2, (size_t)reps) * per);
                        snprintf(cb, sizeof cb, "%.0f", median(c2, (size_t)reps) * per);
                }
                printf("| %s | %.0f | %.0f to %.0f | %s | %s | %s | %s | %s%s |\n", m->name, med,
                       lo, hi, kb, sb, cb, m->needs, m->tells,
                       m->ok < (m->per_task ? ntasks : nprocs) ? " (SOME FAILED)" : "");
        }
        if (nfloor)
                printf("| reference: floor -F (full scan, every file opened) | %.0f | | 0 | 0 | 0 "
                       "| - | "
                       "what a minimal full scanner pays |\n",
                       median(floor_ns, (size_t)nfloor));
        if (npg) {
                double k2[64];
                memcpy(k2, pg_kernel, sizeof(double) * (size_t)npg);
                printf(
                    "| reference: pgscan (procgroups today, threads on) | %.0f | | %.0f | | | - | "
                    "SUnreclaim growth over its run |\n",
                    median(pg_ns, (size_t)npg), median(k2, (size_t)npg) * 1024 / (double)n);
        }

        printf("\nKernel memory per kept object, each kind alone (bytes per object, median of %d; "
               "\"nothing\": per process; the slab caches that grew most in the last):\n\n",
               reps);
        printf("| object | count | SUnreclaim | unreclaimable objects | SReclaimable | "
               "reclaimable objects (pinned) | cgroup | grew most |\n");
        printf("|---|---:|---:|---:|---:|---:|---:|---|\n");
        for (int k = 0; k < K_MAX; k++) {
                struct kept_mem *m = &kept_mem[k];
                double a[16], b2[16], s[16], rs[16], cg[16];
                memcpy(a, m->unrecl, sizeof(double) * (size_t)reps);
                memcpy(b2, m->recl, sizeof(double) * (size_t)reps);
                memcpy(s, m->slab, sizeof(double) * (size_t)reps);
                memcpy(rs, m->rslab, sizeof(double) * (size_t)reps);
                memcpy(cg, m->cgroup, sizeof(double) * (size_t)reps);
                printf("| %s | %zu | %.0f | %.0f | %.0f | %.0f | %.0f | ", kind_name[k], m->count,
                       median(a, (size_t)reps), median(s, (size_t)reps), median(b2, (size_t)reps),
                       median(rs, (size_t)reps), median(cg, (size_t)reps));
                for (int t = 0; t < 3 && m->top[t][0]; t++)
                        printf("%s%s %.0f", t ? ", " : "", m->top[t], m->top_bytes[t]);
                printf(" |\n");
        }
        facts();
        kill(load_pid, SIGTERM);
        waitpid(load_pid, NULL, 0);
        unlink(pidfile);
        return 0;
}
