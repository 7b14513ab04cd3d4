/* SPDX-License-Identifier: MIT */
/* The exit listener's parser (exits.h): netlink messages of the taskstats
 * family -> struct pg_exit_rec. Pure: bytes in, records out, every
 * length checked by libmnl's validation before a byte is read.
 *
 * A message is a generic netlink header (cmd TASKSTATS_CMD_NEW) and
 * attributes: TASKSTATS_TYPE_AGGR_PID and, for the last thread of a
 * process that had several, TASKSTATS_TYPE_AGGR_TGID; each nests the id
 * (TASKSTATS_TYPE_PID or _TGID, u32) and the struct (TASKSTATS_TYPE_STATS).
 * TASKSTATS_TYPE_NULL pads the struct to 8 bytes and is skipped. */
#include "config.h"
#include "exits.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <limits.h>
#include <linux/genetlink.h>
#include <linux/taskstats.h>
#include <stddef.h>
#include <string.h>

/* The prefix of struct taskstats we read: through ac_exe_inode (v12).
 * The kernel's struct grows at its end (v16 here); a longer one is
 * fine, a shorter one is malformed. */
#define TS_NEED (offsetof(struct taskstats, ac_exe_inode) + sizeof(__u64))

struct parse_ctx {
        pg_exits_fn fn;
        void *ctx;
        struct pg_exits_stats *st;
};

/* One nested record's parts. */
struct nested {
        const struct nlattr *id;
        const struct nlattr *stats;
};

/* The id and stats of nest a. Returns 0 or -EBADMSG (a part twice or
 * missing, an attribute that overruns the nest). */
static int parse_nested(const struct nlattr *a, struct nested *n) {
        const struct nlattr *x;
        const char *end = (const char *)mnl_attr_get_payload(a) + mnl_attr_get_payload_len(a);

        mnl_attr_for_each_nested(x, a) {
                switch (mnl_attr_get_type(x)) {
                case TASKSTATS_TYPE_PID:
                case TASKSTATS_TYPE_TGID:
                        if (mnl_attr_validate(x, MNL_TYPE_U32) < 0 || n->id)
                                return -EBADMSG;
                        n->id = x;
                        break;
                case TASKSTATS_TYPE_STATS:
                        if (n->stats)
                                return -EBADMSG;
                        n->stats = x;
                        break;
                default: break; /* padding (TASKSTATS_TYPE_NULL) or newer */
                }
        }
        /* The walk stops at the first attribute that does not fit. */
        return (const char *)x < end || !n->id || !n->stats ? -EBADMSG : 0;
}

static void fill(struct pg_exit_rec *r, const struct taskstats *ts) {
        r->ppid = (pid_t)ts->ac_ppid;
        r->flag = ts->ac_flag;
        r->version = ts->version;
        r->exitcode = ts->ac_exitcode;
        /* ac_btime is 32 bits: the 64-bit copy where the kernel has it. */
        r->btime = ts->ac_btime64 ? ts->ac_btime64 : ts->ac_btime;
        r->utime_us = ts->ac_utime;
        r->stime_us = ts->ac_stime;
        r->run_ns = ts->cpu_run_virtual_total;
        r->minflt = ts->ac_minflt;
        r->majflt = ts->ac_majflt;
        r->read_bytes = ts->read_bytes;
        r->write_bytes = ts->write_bytes;
        r->rchar = ts->read_char;
        r->wchar = ts->write_char;
        r->syscr = ts->read_syscalls;
        r->syscw = ts->write_syscalls;
        r->uid = ts->ac_uid;
        r->nvcsw = ts->nvcsw;
        r->nivcsw = ts->nivcsw;
        r->exe_dev = ts->ac_exe_dev;
        r->exe_inode = ts->ac_exe_inode;
        memcpy(r->comm, ts->ac_comm, sizeof(r->comm) - 1);
        r->comm[sizeof(r->comm) - 1] = '\0';
}

/* Turn one AGGR_PID or AGGR_TGID attribute into a record. Returns 0 or
 * -EBADMSG. */
static int parse_aggr(const struct nlattr *a, bool total, struct pg_exit_rec *r) {
        struct nested n = {0};
        struct taskstats ts;
        size_t len;

        if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0 || parse_nested(a, &n) < 0)
                return -EBADMSG;
        if (mnl_attr_get_type(n.id) != (total ? TASKSTATS_TYPE_TGID : TASKSTATS_TYPE_PID))
                return -EBADMSG;
        len = mnl_attr_get_payload_len(n.stats);
        if (len < TS_NEED)
                return -EBADMSG;
        /* The payload need not be aligned for struct taskstats: copy. */
        memset(&ts, 0, sizeof(ts));
        memcpy(&ts, mnl_attr_get_payload(n.stats), len < sizeof(ts) ? len : sizeof(ts));
        memset(r, 0, sizeof(*r));
        r->proc_total = total;
        r->pid = (pid_t)mnl_attr_get_u32(n.id);
        if (total) {
                /* The process's sum of times; the kernel fills nothing
                 * else of it, not even the version. */
                r->tgid = r->pid;
                r->utime_us = ts.ac_utime;
                r->stime_us = ts.ac_stime;
                r->run_ns = ts.cpu_run_virtual_total;
                return r->pid > 0 ? 0 : -EBADMSG;
        }
        if (ts.version < PG_EXITS_MIN_VERSION || ts.ac_pid != (__u32)r->pid || ts.ac_tgid == 0 ||
            r->pid <= 0 || ts.ac_tgid > INT_MAX)
                return -EBADMSG;
        fill(r, &ts);
        r->tgid = (pid_t)ts.ac_tgid;
        return 0;
}

static void parse_msg(const struct nlmsghdr *nlh, struct parse_ctx *c) {
        const struct genlmsghdr *g;
        const struct nlattr *a;
        struct pg_exit_rec r;
        int type;

        if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*g)) {
                c->st->bad++;
                return;
        }
        g = mnl_nlmsg_get_payload(nlh);
        if (g->cmd != TASKSTATS_CMD_NEW)
                return; /* a reply to a request of ours */
        mnl_attr_for_each(a, nlh, sizeof(*g)) {
                type = mnl_attr_get_type(a);
                if (type != TASKSTATS_TYPE_AGGR_PID && type != TASKSTATS_TYPE_AGGR_TGID)
                        continue;
                if (parse_aggr(a, type == TASKSTATS_TYPE_AGGR_TGID, &r) < 0) {
                        c->st->bad++;
                        continue;
                }
                c->st->records++;
                c->fn(c->ctx, &r);
        }
        /* An attribute that overruns the message ends the walk: what came
         * before it stands, the rest is one soft error. */
        if ((const char *)a < (const char *)mnl_nlmsg_get_payload_tail(nlh))
                c->st->bad++;
}

void pg_exits_parse(uint16_t family, const void *buf, size_t len, pg_exits_fn fn, void *ctx,
                    struct pg_exits_stats *st) {
        struct parse_ctx c = {.fn = fn, .ctx = ctx, .st = st};
        const char *p = buf;
        size_t step;

        /* Our own walk, not mnl_nlmsg_ok's: it compares lengths as int, so
         * a nlmsg_len of 2^31 or more passed it (found by fuzz_exits). */
        while (len >= sizeof(struct nlmsghdr)) {
                const struct nlmsghdr *nlh = (const struct nlmsghdr *)p;

                /* libmnl walks a message's attributes up to its aligned
                 * end: a last message whose padding is not in the buffer
                 * would be read past it (found by fuzz_exits; the kernel
                 * always pads). */
                if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len ||
                    NLMSG_ALIGN(nlh->nlmsg_len) > len)
                        break;
                if (nlh->nlmsg_type == family)
                        parse_msg(nlh, &c);
                step = NLMSG_ALIGN(nlh->nlmsg_len);
                step = step < len ? step : len;
                p += step;
                len -= step;
        }
        /* A message cut short, or bytes that are not one. */
        if (len > 0)
                st->bad++;
}
