/* SPDX-License-Identifier: MIT */
/* bpfiter.bpf.c: a BPF task iterator that writes, for every task of the
 * reader's PID namespace, what the idle test needs (bench/bpfiter.c reads
 * it). Compiled with clang -target bpf; field offsets are relocated
 * against the running kernel's BTF by libbpf (CO-RE), so only the fields
 * used are declared here, not the kernel's whole headers. */
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)
struct seq_file;
struct bpf_iter_meta {
        struct seq_file *seq;
};
struct upid {
        int nr;
        void *ns;
};
struct pid {
        unsigned int level;
        struct upid numbers[1];
};
struct sched_entity {
        __u64 sum_exec_runtime;
};
struct signal_struct {
        __u64 sum_sched_runtime;
};
struct task_struct {
        struct sched_entity se;
        struct task_struct *group_leader;
        struct pid *thread_pid;
        struct signal_struct *signal;
};
struct bpf_iter__task {
        struct bpf_iter_meta *meta;
        struct task_struct *task;
};
#pragma clang attribute pop

/* One record per task; the layout is bench/bpfiter.c's struct task_rec. */
struct task_rec {
        __u32 tgid, pid; /* in the reader's PID namespace */
        __u64 runtime;   /* this thread's sum_exec_runtime, ns */
        __u64 dead;      /* the group's exited threads' run time, ns */
};

static __u32 pid_at(struct pid *p, __u32 level) {
        int nr = 0;
        bpf_probe_read_kernel(&nr, sizeof nr, &p->numbers[level & 63].nr);
        return (__u32)nr;
}

SEC("iter/task")
int pg_task_iter(struct bpf_iter__task *ctx) {
        struct task_struct *t = ctx->task;
        struct task_rec r = {};
        struct pid *p;
        __u32 level;

        if (!t)
                return 0;
        /* The reader's PID namespace level, from the reader itself (it is
         * current while it reads): the iterator lists the tasks visible in
         * that namespace, so each has a pid at that level. /proc's NSpid
         * cannot tell it: it starts at the level of /proc's own mount. */
        level = bpf_get_current_task_btf()->thread_pid->level;
        p = t->thread_pid;
        if (!p || p->level < level)
                return 0;
        r.pid = pid_at(p, level);
        r.tgid = pid_at(t->group_leader->thread_pid, level);
        r.runtime = t->se.sum_exec_runtime;
        r.dead = t->signal->sum_sched_runtime;
        bpf_seq_write(ctx->meta->seq, &r, sizeof r);
        return 0;
}

/* bpf_seq_write and bpf_probe_read_kernel are for GPL-compatible programs
 * only; MIT is one, and "Dual MIT/GPL" is how the kernel's licence check
 * spells it. */
char LICENSE[] SEC("license") = "Dual MIT/GPL";
