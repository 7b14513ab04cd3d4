/* SPDX-License-Identifier: MIT */
/* The exit listener's socket (exits.h): resolve the taskstats family,
 * register for every possible CPU, drain what is queued. The records are
 * parsed in exits_parse.c.
 *
 * Setting up is synchronous (each request asks for an acknowledgement, so
 * that a refusal has a reason); then the socket turns non-blocking. */
#include "config.h"
#include "exits.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/sock_diag.h>
#include <linux/taskstats.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The inode numbers of the initial namespaces (the kernel's
 * PROC_USER_INIT_INO, PROC_PID_INIT_INO): fixed since Linux 3.8. */
#define INIT_USER_NS_INO 0xEFFFFFFDu
#define INIT_PID_NS_INO  0xEFFFFFFCu
/* The initial network namespace's, fixed only on recent kernels. */
#define INIT_NET_NS_INO 0xEFFFFFF9u

/* A record is about 600 bytes and one comes per datagram; a request's
 * reply (the family) about 1 KiB. */
#define RECV_BUF 8192

struct pg_exits {
        struct mnl_socket *nl;
        enum pg_exits_state state;
        const char *why;
        uint16_t family;
        uint32_t seq;
        uint32_t drops; /* the socket's drop count at the last drain */
        struct pg_exits_stats st;
        _Alignas(8) char buf[RECV_BUF]; /* netlink messages are 4-aligned */
};

/* One datagram from the kernel into x->buf: its length (more than the
 * buffer when cut short), or -1 with errno. Anything another process
 * sends to our port is dropped (records are the kernel's to write). */
static ssize_t receive(struct pg_exits *x, int flags) {
        struct sockaddr_nl from;
        socklen_t len;
        ssize_t n;

        for (;;) {
                len = sizeof(from);
                n = recvfrom(mnl_socket_get_fd(x->nl), x->buf, sizeof(x->buf), flags | MSG_TRUNC,
                             (struct sockaddr *)&from, &len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 || (len == sizeof(from) && from.nl_pid == 0))
                        return n;
                x->st.bad++;
        }
}

/* A request of cmd to family (or the controller) with room for attrs. */
static struct nlmsghdr *request(struct pg_exits *x, char *out, uint16_t type, uint8_t cmd) {
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(out);
        struct genlmsghdr *g;

        nlh->nlmsg_type = type;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
        nlh->nlmsg_seq = ++x->seq;
        g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
        g->cmd = cmd;
        g->version = TASKSTATS_GENL_VERSION;
        return nlh;
}

static int family_cb(const struct nlattr *a, void *data) {
        uint16_t *family = data;

        if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID && mnl_attr_validate(a, MNL_TYPE_U16) == 0)
                *family = mnl_attr_get_u16(a);
        return MNL_CB_OK;
}

static int reply_cb(const struct nlmsghdr *nlh, void *data) {
        if (data && nlh->nlmsg_type == GENL_ID_CTRL)
                mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_cb, data);
        return MNL_CB_OK;
}

/* Send nlh and wait for its acknowledgement, handing the controller's
 * replies to reply_cb (family: where the id goes). Records that come in
 * meanwhile predate the listener's start: dropped. Returns 0 or the
 * kernel's negative errno. */
static int transact(struct pg_exits *x, struct nlmsghdr *nlh, uint16_t *family) {
        uint32_t port = mnl_socket_get_portid(x->nl), seq = nlh->nlmsg_seq;
        ssize_t n;
        int r;

        if (mnl_socket_sendto(x->nl, nlh, nlh->nlmsg_len) < 0)
                return -errno;
        for (;;) {
                n = receive(x, 0);
                if (n < 0)
                        return -errno;
                if ((size_t)n < sizeof(struct nlmsghdr) || (size_t)n > sizeof(x->buf))
                        return -EBADMSG;
                const struct nlmsghdr *m = (const struct nlmsghdr *)x->buf;
                if (m->nlmsg_seq != seq)
                        continue; /* an exit record, not our answer */
                r = mnl_cb_run(x->buf, (size_t)n, seq, port, reply_cb, family);
                if (r < 0)
                        return -errno;
                if (r == MNL_CB_STOP)
                        return 0;
        }
}

/* The possible CPUs as the kernel lists them ("0-63"), into cpus. */
static int possible_cpus(char *cpus, size_t size) {
        int fd = open("/sys/devices/system/cpu/possible", O_RDONLY | O_CLOEXEC);
        ssize_t n;
        int err;

        if (fd < 0)
                return -errno;
        n = read(fd, cpus, size - 1);
        err = errno;
        close(fd);
        if (n <= 0)
                return n < 0 ? -err : -EBADMSG;
        while (n > 0 && (cpus[n - 1] == '\n' || cpus[n - 1] == ' '))
                n--;
        cpus[n] = '\0';
        return n > 0 ? 0 : -EBADMSG;
}

/* Whether our namespace ns ("user", "pid") is the initial one. */
static bool initial_ns(const char *path, unsigned ino) {
        struct stat s;
        return stat(path, &s) < 0 || s.st_ino == ino; /* unknown: say yes */
}

/* Why the kernel refused to register us (r). In a user namespace of its
 * own the capability is there but not the initial one's: say where. */
static const char *register_refused(int r) {
        if (!initial_ns("/proc/self/ns/user", INIT_USER_NS_INO))
                return "not in the initial user namespace";
        if (!initial_ns("/proc/self/ns/pid", INIT_PID_NS_INO))
                return "not in the initial PID namespace";
        if (r == -EPERM)
                return "needs CAP_NET_ADMIN";
        return "the kernel refused the registration";
}

/* The socket's count of dropped datagrams (SK_MEMINFO_DROPS, 32 bits
 * that wrap) into *ret. Returns false where SO_MEMINFO is not (< 4.12). */
static bool drops(const struct pg_exits *x, uint32_t *ret) {
        uint32_t mem[SK_MEMINFO_VARS] = {0};
        socklen_t len = sizeof(mem);

        if (getsockopt(mnl_socket_get_fd(x->nl), SOL_SOCKET, SO_MEMINFO, mem, &len) < 0 ||
            len <= SK_MEMINFO_DROPS * sizeof(mem[0]))
                return false;
        *ret = mem[SK_MEMINFO_DROPS];
        return true;
}

/* Our socket's receive buffer: forced past rmem_max when we may. */
static void set_rcvbuf(struct pg_exits *x, int rcvbuf) {
        int fd = mnl_socket_get_fd(x->nl);

        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
                (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
}

struct probe {
        pid_t pid;
        bool seen;
};

static void probe_cb(void *ctx, const struct pg_exit_rec *r) {
        struct probe *p = ctx;
        p->seen |= r->tgid == p->pid;
}

/* Whether records reach us: a child that exits at once must send one
 * within a second. What the probe drains is history to the tracker. */
static bool records_arrive(struct pg_exits *x) {
        struct pollfd pfd = {.fd = mnl_socket_get_fd(x->nl), .events = POLLIN};
        struct probe p = {.pid = fork()};
        ssize_t n;

        if (p.pid < 0)
                return true; /* cannot tell */
        if (p.pid == 0)
                _exit(0);
        while (waitpid(p.pid, NULL, 0) < 0 && errno == EINTR)
                ;
        for (int i = 0; i < 10 && !p.seen; i++) {
                if (poll(&pfd, 1, 100) <= 0)
                        continue;
                while (!p.seen && (n = receive(x, MSG_DONTWAIT)) > 0)
                        if ((size_t)n <= sizeof(x->buf))
                                pg_exits_parse(x->family, x->buf, (size_t)n, probe_cb, &p, &x->st);
        }
        return p.seen;
}

/* The kernel sends exit records to listeners in the initial network
 * namespace only; in another it accepts the registration and then sends
 * nothing. Ours is compared with init's, or known by its fixed number,
 * or, where neither can tell, probed. NULL, or why not. */
static const char *netns_refused(struct pg_exits *x) {
        struct stat self, init;

        if (stat("/proc/self/ns/net", &self) < 0)
                return NULL;
        if (stat("/proc/1/ns/net", &init) == 0)
                return self.st_ino == init.st_ino && self.st_dev == init.st_dev
                           ? NULL
                           : "not in the initial network namespace";
        if (self.st_ino == INIT_NET_NS_INO || records_arrive(x))
                return NULL;
        return "no records arrive (not in the initial network namespace?)";
}

/* Resolve, size, register. Returns 0, or the state's reason. */
static const char *start(struct pg_exits *x, int rcvbuf) {
        char req[512] = {0}, cpus[256];
        struct nlmsghdr *nlh;
        const char *why;
        int r;

        x->nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
        if (!x->nl)
                return "no generic netlink socket";
        if (mnl_socket_bind(x->nl, 0, MNL_SOCKET_AUTOPID) < 0)
                return "generic netlink bind failed";
        nlh = request(x, req, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
        mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, TASKSTATS_GENL_NAME);
        r = transact(x, nlh, &x->family);
        if (r < 0 || x->family == 0)
                return "the kernel has no taskstats (CONFIG_TASKSTATS)";
        set_rcvbuf(x, rcvbuf > 0 ? rcvbuf : PG_EXITS_RCVBUF_DEFAULT);
        if (possible_cpus(cpus, sizeof(cpus)) < 0)
                return "cannot read /sys/devices/system/cpu/possible";
        nlh = request(x, req, x->family, TASKSTATS_CMD_GET);
        mnl_attr_put_strz(nlh, TASKSTATS_CMD_ATTR_REGISTER_CPUMASK, cpus);
        r = transact(x, nlh, NULL);
        if (r < 0)
                return register_refused(r);
        if (fcntl(mnl_socket_get_fd(x->nl), F_SETFL, O_NONBLOCK) < 0)
                return "cannot make the socket non-blocking";
        why = netns_refused(x);
        if (why)
                return why;
        (void)drops(x, &x->drops);
        return NULL;
}

int pg_exits_open_off(struct pg_exits **ret) {
        struct pg_exits *x = calloc(1, sizeof(*x));

        if (!x)
                return -ENOMEM;
        x->state = PG_EXITS_OFF;
        x->why = "off";
        *ret = x;
        return 0;
}

int pg_exits_open(int rcvbuf, struct pg_exits **ret) {
        struct pg_exits *x;
        int r = pg_exits_open_off(&x);

        if (r < 0)
                return r;
        x->why = start(x, rcvbuf);
        if (x->why) {
                if (x->nl)
                        mnl_socket_close(x->nl);
                x->nl = NULL;
                x->state = PG_EXITS_UNAVAILABLE;
        } else {
                x->why = "";
                x->state = PG_EXITS_ACTIVE;
        }
        *ret = x;
        return 0;
}

void pg_exits_free(struct pg_exits *x) {
        char req[512] = {0};
        struct nlmsghdr *nlh;
        char cpus[256];

        if (!x)
                return;
        if (x->nl) {
                /* The kernel would drop us at its next failed send; tell
                 * it now. No acknowledgement wanted. */
                if (x->state == PG_EXITS_ACTIVE && possible_cpus(cpus, sizeof(cpus)) == 0) {
                        nlh = request(x, req, x->family, TASKSTATS_CMD_GET);
                        nlh->nlmsg_flags = NLM_F_REQUEST;
                        mnl_attr_put_strz(nlh, TASKSTATS_CMD_ATTR_DEREGISTER_CPUMASK, cpus);
                        (void)mnl_socket_sendto(x->nl, nlh, nlh->nlmsg_len);
                }
                mnl_socket_close(x->nl);
        }
        free(x);
}

enum pg_exits_state pg_exits_state(const struct pg_exits *x) {
        return x->state;
}

const char *pg_exits_why(const struct pg_exits *x) {
        return x->why;
}

int pg_exits_fd(const struct pg_exits *x) {
        return x->nl ? mnl_socket_get_fd(x->nl) : -1;
}

const struct pg_exits_stats *pg_exits_stats(const struct pg_exits *x) {
        return &x->st;
}

/* Count the records dropped since the last drain: exactly from the
 * socket's drop counter, else one per overflow the kernel reported (a
 * lower bound). */
static void count_lost(struct pg_exits *x, uint64_t overflows) {
        uint32_t now;

        if (drops(x, &now)) {
                x->st.lost += (uint32_t)(now - x->drops);
                x->drops = now;
        } else {
                x->st.lost += overflows;
        }
}

int pg_exits_drain(struct pg_exits *x, size_t max_msgs, pg_exits_fn fn, void *ctx) {
        uint64_t before = x->st.records, overflows = x->st.overflows;
        ssize_t n;

        if (x->state != PG_EXITS_ACTIVE)
                return 0;
        for (size_t i = 0; max_msgs == 0 || i < max_msgs; i++) {
                n = receive(x, MSG_DONTWAIT);
                if (n < 0 && errno == ENOBUFS) {
                        x->st.overflows++; /* counted below, from drops */
                        continue;
                }
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                        break;
                if (n < 0) {
                        int err = errno;
                        mnl_socket_close(x->nl);
                        x->nl = NULL;
                        x->state = PG_EXITS_UNAVAILABLE;
                        x->why = "the socket failed";
                        return -err;
                }
                if ((size_t)n > sizeof(x->buf)) {
                        x->st.bad++; /* cut short: a record we cannot read */
                        continue;
                }
                pg_exits_parse(x->family, x->buf, (size_t)n, fn, ctx, &x->st);
        }
        count_lost(x, x->st.overflows - overflows);
        return (int)(x->st.records - before);
}
