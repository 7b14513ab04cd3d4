/* SPDX-License-Identifier: MIT */
/* plugin/collectd.c against the mock of collectd's API (tests/mock_collectd.c):
 * config blocks in, value lists out, over a fake procfs tree that the test
 * writes and changes between reads. */
#include "tests/mock_collectd.h"

#include "tests/check_main.h"

#include <check.h>
#include <fcntl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/fakeproc.h"

struct fake {
        int pid, ppid;
        const char *comm;
        const char *argv; /* space-separated; written NUL-separated */
        char state;
        unsigned long utime, stime, minflt, majflt, vsize, rss_pages;
        unsigned long read_bytes, write_bytes, vol, invol;
        int nfds;
};

static char root[64];
static long hz;

static void put(const char *dir, const char *name, const char *text, size_t len) {
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(pg_fake_put(fd, name, text, len), 0);
        close(fd);
}

/* One /proc/<pid> through the tests' fake procfs writer; start time is the
 * pid so that every process has its own. */
static void write_proc(const struct fake *p) {
        char argv[1024];
        size_t n = strlen(p->argv) + 1;
        struct pg_fake_proc fp = {
            .task = {.pid = p->pid,
                     .ppid = p->ppid,
                     .comm = p->comm,
                     .state = p->state,
                     .minflt = p->minflt,
                     .majflt = p->majflt,
                     .utime = p->utime,
                     .stime = p->stime,
                     .start = (uint64_t)p->pid,
                     .vsize = p->vsize,
                     .rss = (int64_t)p->rss_pages,
                     .swap_kb = 4,
                     .vol = p->vol,
                     .nonvol = p->invol},
            .cmdline = argv,
            .cmdline_len = n,
            .read_bytes = p->read_bytes,
            .write_bytes = p->write_bytes,
            .nfds = p->nfds,
            .no_sched = true,
        };
        int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        ck_assert_uint_le(n, sizeof(argv));
        memcpy(argv, p->argv, n);
        for (size_t i = 0; i < n; i++)
                if (argv[i] == ' ')
                        argv[i] = '\0';
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(pg_fake_proc_write(fd, &fp), 0);
        close(fd);
}

/* What the fake writer leaves out: the Vm* lines of status that ps_code,
 * ps_data and ps_stacksize come from, and maps (lines * 1), for pid. */
static void write_vm(const struct fake *p, unsigned lines) {
        static const char line[] = "00400000-00452000 r-xp 00000000 08:02 173521 /usr/bin/x\n";
        struct pg_fake_task t = {
            .pid = p->pid, .comm = p->comm, .swap_kb = 4, .vol = p->vol, .nonvol = p->invol};
        char dir[128], buf[2048];
        int n = pg_fake_status_text(buf, sizeof(buf), &t);

        ck_assert_int_gt(n, 0);
        n += snprintf(buf + n, sizeof(buf) - (size_t)n,
                      "VmData:\t  100 kB\nVmStk:\t  132 kB\nVmExe:\t    8 kB\nVmLib:\t   16 kB\n");
        ck_assert_uint_lt((size_t)n, sizeof(buf));
        snprintf(dir, sizeof(dir), "%s/%d", root, p->pid);
        put(dir, "status", buf, (size_t)n);
        buf[0] = '\0';
        for (unsigned i = 0; i < lines; i++)
                strcat(buf, line);
        put(dir, "maps", buf, strlen(buf));
}

static void remove_proc(int pid) {
        char path[128];
        snprintf(path, sizeof(path), "%s/%d", root, pid);
        ck_assert_int_eq(pg_fake_rm_rf(path), 0);
}

static struct fake procs[] = {
    {10, 1, "nginx", "nginx -g daemon", 'S', 150, 25, 1000, 3, 10485760, 256, 4096, 8192, 40, 7, 5},
    {11, 10, "nginx", "nginx worker", 'R', 50, 5, 10, 0, 4096, 16, 0, 100, 1, 2, 2},
    {12, 1, "nginx", "java -jar fake.jar", 'S', 1, 1, 0, 0, 4096, 1, 0, 0, 0, 0, 0},
    {20, 1, "postgres", "postgres -D /db", 'D', 7, 3, 0, 0, 4096, 1, 0, 0, 0, 0, 1},
    {30, 1, "java", "java -Xmx1g -jar app.jar", 'S', 100, 0, 0, 0, 4096, 1, 0, 0, 0, 0, 1},
    {50, 1, "bash", "-bash", 'S', 0, 0, 0, 0, 4096, 1, 0, 0, 0, 0, 3},
};
#define NPROCS (sizeof(procs) / sizeof(procs[0]))

static void setup(void) {
        snprintf(root, sizeof(root), "/tmp/check_collectd.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(root));
        {
                static const char st[] =
                    "cpu  1 0 1 1 0 0 0 0 0 0\nbtime 1700000000\nprocesses 9\n";
                put(root, "stat", st, sizeof(st) - 1);
        }
        for (size_t i = 0; i < NPROCS; i++)
                write_proc(&procs[i]);
        hz = sysconf(_SC_CLK_TCK);
        mock_reset();
        module_register();
}

static void teardown(void) {
        char cmd[128];
        mock_shutdown();
        mock_reset();
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        ck_assert_int_eq(system(cmd), 0);
}

static oconfig_item_t *block(void) {
        oconfig_item_t *ci = mock_ci_new("Plugin");
        mock_ci_str(ci, "procgroups");
        mock_ci_str(mock_ci_child(ci, "ProcFS"), root);
        return ci;
}

static void configure(oconfig_item_t *ci) {
        ck_assert_int_eq(mock_config(ci), 0);
        mock_ci_free(ci);
        ck_assert_int_eq(mock_init(), 0);
}

/* web: Comm nginx; Process postgres; ProcessMatch java-apps. */
static void configure_rules(void) {
        oconfig_item_t *ci = block(), *m;

        mock_ci_bool(mock_ci_child(ci, "CollectThreads"), 0);
        m = mock_ci_child(ci, "Match");
        mock_ci_str(m, "web");
        mock_ci_str(mock_ci_child(m, "Comm"), "nginx");
        mock_ci_str(mock_ci_child(ci, "Process"), "postgres");
        m = mock_ci_child(ci, "ProcessMatch");
        mock_ci_str(m, "java-apps");
        mock_ci_str(m, "java .*-jar");
        configure(ci);
}

static const struct mock_vl *need(const char *pi, const char *type, const char *ti) {
        const struct mock_vl *m = mock_find(pi, type, ti);
        ck_assert_msg(m != NULL, "no value list %s/%s-%s", pi, type, ti ? ti : "");
        return m;
}

static int64_t us(unsigned long ticks) {
        return (int64_t)ticks * 1000000 / hz;
}

START_TEST(registers_read_with_plugin_interval) {
        ck_assert_str_eq(mock_read_name(), "procgroups");
        /* 0: collectd applies the plugin's <LoadPlugin> Interval or the global one. */
        ck_assert_uint_eq(mock_read_interval(), 0);
        configure(block());
}
END_TEST

/* The identifiers and types of collectd 5.12's processes plugin, in its
 * order, with the number of values of each type; then ours. */
static const struct {
        const char *type, *ti;
        size_t nvalues;
} processes_set[] =
    {
        {"ps_vm", NULL, 1},    {"ps_rss", NULL, 1},        {"ps_data", NULL, 1},
        {"ps_code", NULL, 1},  {"ps_stacksize", NULL, 1},  {"ps_cputime", NULL, 2},
        {"ps_count", NULL, 2}, {"ps_pagefaults", NULL, 2}, {"io_octets", NULL, 2},
        {"io_ops", NULL, 2},   {"disk_octets", NULL, 2},
},
  extras_set[] = {
      {"memory", "swap", 1},       {"gauge", "worst_fd_ratio", 1}, {"ps_state", "running", 1},
      {"ps_state", "sleeping", 1}, {"ps_state", "blocked", 1},     {"ps_state", "zombies", 1},
      {"ps_state", "other", 1},
};
#define NSET(a) (sizeof(a) / sizeof(a[0]))

/* Every value list of instance pi is one of processes_set, extras_set or,
 * when the switches are on, file_handles, file_handles-mapped and
 * contextswitch-*; every one of processes_set is there. */
static void check_set(const char *pi, bool fds, bool maps, bool ctx) {
        size_t want = NSET(processes_set) + NSET(extras_set) + fds + maps + 2 * ctx;

        for (size_t i = 0; i < NSET(processes_set); i++)
                ck_assert_uint_eq(
                    need(pi, processes_set[i].type, processes_set[i].ti)->vl.values_len,
                    processes_set[i].nvalues);
        for (size_t i = 0; i < NSET(extras_set); i++)
                ck_assert_uint_eq(need(pi, extras_set[i].type, extras_set[i].ti)->vl.values_len,
                                  extras_set[i].nvalues);
        ck_assert_int_eq(mock_find(pi, "file_handles", NULL) != NULL, fds);
        ck_assert_int_eq(mock_find(pi, "file_handles", "mapped") != NULL, maps);
        ck_assert_int_eq(mock_find(pi, "contextswitch", "voluntary") != NULL, ctx);
        ck_assert_int_eq(mock_find(pi, "contextswitch", "involuntary") != NULL, ctx);
        ck_assert_uint_eq(mock_count_instance(pi), want);
}

START_TEST(maps_group_values) {
        const struct mock_vl *m;

        write_vm(&procs[0], 3);
        configure_rules();
        ck_assert_int_eq(mock_read(), 0);

        check_set("web", false, false, false);
        check_set("postgres", false, false, false);
        m = need("web", "ps_count", NULL);
        ck_assert_str_eq(m->vl.plugin, "procgroups");
        ck_assert_uint_eq(m->vl.values_len, 2);
        ck_assert_double_eq(m->values[0].gauge, 3); /* 10, 11 and 12: first match wins */
        ck_assert_double_eq(m->values[1].gauge, 3);
        m = need("web", "ps_cputime", NULL);
        ck_assert_int_eq(m->values[0].derive, us(150 + 50 + 1));
        ck_assert_int_eq(m->values[1].derive, us(25 + 5 + 1));
        m = need("web", "disk_octets", NULL);
        ck_assert_int_eq(m->values[0].derive, 4096);
        ck_assert_int_eq(m->values[1].derive, 8192 + 100);
        /* The fake io says 1 for rchar, wchar, syscr and syscw. */
        m = need("web", "io_octets", NULL);
        ck_assert_int_eq(m->values[0].derive, 3);
        ck_assert_int_eq(m->values[1].derive, 3);
        m = need("web", "io_ops", NULL);
        ck_assert_int_eq(m->values[0].derive, 3);
        ck_assert_int_eq(m->values[1].derive, 3);
        m = need("web", "ps_pagefaults", NULL);
        ck_assert_int_eq(m->values[0].derive, 1010);
        ck_assert_int_eq(m->values[1].derive, 3);
        ck_assert_double_eq(need("web", "ps_rss", NULL)->values[0].gauge,
                            (256.0 + 16 + 1) * sysconf(_SC_PAGESIZE));
        ck_assert_double_eq(need("web", "ps_vm", NULL)->values[0].gauge, 10485760.0 + 4096 + 4096);
        ck_assert_double_eq(need("web", "ps_data", NULL)->values[0].gauge, 100 * 1024.0);
        ck_assert_double_eq(need("web", "ps_code", NULL)->values[0].gauge, (8 + 16) * 1024.0);
        ck_assert_double_eq(need("web", "ps_stacksize", NULL)->values[0].gauge, 132 * 1024.0);
        ck_assert_double_eq(need("web", "memory", "swap")->values[0].gauge, 3 * 4096.0);
        ck_assert_double_eq_tol(need("web", "gauge", "worst_fd_ratio")->values[0].gauge, 5.0 / 1024,
                                1e-9);
        ck_assert_double_eq(need("web", "ps_state", "running")->values[0].gauge, 1);
        ck_assert_double_eq(need("web", "ps_state", "sleeping")->values[0].gauge, 2);
        ck_assert_double_eq(need("postgres", "ps_state", "blocked")->values[0].gauge, 1);
        ck_assert_double_eq(need("postgres", "ps_state", "zombies")->values[0].gauge, 0);
        ck_assert_int_eq(need("postgres", "ps_cputime", NULL)->values[0].derive, us(7));
        ck_assert_double_eq(need("java-apps", "ps_count", NULL)->values[0].gauge, 1);
        /* Gone: names of collectd 5.4-5.7 or of nothing collectd sends. */
        ck_assert_ptr_null(mock_find("web", "ps_disk_octets", NULL));
        ck_assert_ptr_null(mock_find("web", "file_handles", "open"));
        ck_assert_ptr_null(mock_find("web", "file_handles", "limit"));
        /* bash matches nothing and has no matched ancestor. */
        ck_assert_uint_eq(mock_count_instance("bash"), 0);
        ck_assert_ptr_null(mock_find("web", "memory", "pss")); /* CollectSmaps is off */

        ck_assert_double_eq(need("_self", "count", "processes")->values[0].gauge, NPROCS);
        ck_assert_double_eq(need("_self", "count", "groups")->values[0].gauge, 3);
        ck_assert_int_eq(need("_self", "errors", "hard")->values[0].derive, 0);
        ck_assert_int_eq(need("_self", "total_events", "vanished")->values[0].derive, 0);
        ck_assert_int_eq(need("_self", "total_events", "hidden")->values[0].derive, 0);
        ck_assert(need("_self", "duration", "scan")->values[0].gauge >= 0);
}
END_TEST

START_TEST(one_timestamp_per_read) {
        cdtime_t t1;

        configure_rules();
        ck_assert_int_eq(mock_read(), 0);
        ck_assert_uint_gt(mock_nvls, 20);
        t1 = mock_vls[0].vl.time;
        ck_assert_uint_ne(t1, 0);
        /* The mock's clock moves at every call: the same time everywhere
         * means the plugin took it once. */
        for (size_t i = 0; i < mock_nvls; i++)
                ck_assert_uint_eq(mock_vls[i].vl.time, t1);
        mock_clear_values();
        ck_assert_int_eq(mock_read(), 0);
        ck_assert_uint_gt(mock_vls[0].vl.time, t1);
}
END_TEST

START_TEST(counters_never_go_back) {
        const struct mock_vl *m;

        configure_rules();
        ck_assert_int_eq(mock_read(), 0);
        mock_clear_values();
        /* pid 10 runs on and writes 1000 bytes; its child 11 exits: what 11
         * contributed stays. The kernel adds a reaped child's io to its
         * parent's /proc/<pid>/io, as here; that must not count twice. */
        procs[0].utime += 60;
        procs[0].write_bytes += 1000 + procs[1].write_bytes;
        write_proc(&procs[0]);
        remove_proc(11);
        ck_assert_int_eq(mock_read(), 0);
        m = need("web", "ps_cputime", NULL);
        ck_assert_int_eq(m->values[0].derive, us(150 + 50 + 1 + 60));
        ck_assert_int_eq(need("web", "disk_octets", NULL)->values[1].derive, 8192 + 100 + 1000);
        ck_assert_double_eq(need("web", "ps_count", NULL)->values[0].gauge, 2);
        /* A group whose last member left keeps its counters, count 0. */
        mock_clear_values();
        remove_proc(20);
        ck_assert_int_eq(mock_read(), 0);
        ck_assert_double_eq(need("postgres", "ps_count", NULL)->values[0].gauge, 0);
        ck_assert_int_eq(need("postgres", "ps_cputime", NULL)->values[0].derive, us(7));
}
END_TEST

START_TEST(default_rule_is_comm) {
        configure(block());
        ck_assert_int_eq(mock_read(), 0);
        ck_assert_double_eq(need("nginx", "ps_count", NULL)->values[0].gauge, 3);
        ck_assert_double_eq(need("bash", "ps_count", NULL)->values[0].gauge, 1);
        ck_assert_double_eq(need("_self", "count", "groups")->values[0].gauge, 4);
}
END_TEST

static void add_match(oconfig_item_t *ci, const char *tmpl, const char *comm) {
        oconfig_item_t *m = mock_ci_child(ci, "Match");
        mock_ci_str(m, tmpl);
        mock_ci_str(mock_ci_child(m, "Comm"), comm);
}

static size_t count_in_log(const char *needle) {
        size_t n = 0;
        for (const char *p = mock_log_text; p && (p = strstr(p, needle)); p++)
                n++;
        return n;
}

START_TEST(identifiers_safe_and_collisions_reported) {
        char longname[201];
        const value_list_t *vl = NULL;
        oconfig_item_t *ci = block();

        memset(longname, 'n', 200);
        longname[200] = '\0';
        add_match(ci, "a/b", "nginx");
        add_match(ci, "a_b", "postgres");
        add_match(ci, "_self", "java");
        add_match(ci, longname, "bash");
        configure(ci);
        ck_assert_int_eq(mock_read(), 0);

        /* "a/b" < "a_b" by name: it keeps the identifier "a_b". */
        ck_assert_double_eq(need("a_b", "ps_count", NULL)->values[0].gauge, 3);
        ck_assert_uint_eq(count_in_log("group \"a_b\" is skipped"), 1);
        ck_assert_uint_eq(count_in_log("group \"_self\" is skipped"), 1);
        ck_assert_double_eq(need("_self", "count", "groups")->values[0].gauge, 2);
        ck_assert_ptr_null(mock_find("_self", "ps_count", NULL));
        for (size_t i = 0; i < mock_nvls; i++)
                if (mock_vls[i].vl.plugin_instance[0] == 'n')
                        vl = &mock_vls[i].vl;
        ck_assert_ptr_nonnull(vl);
        ck_assert_uint_eq(strlen(vl->plugin_instance), DATA_MAX_NAME_LEN - 1);
        /* Reported once, not at every read. */
        ck_assert_int_eq(mock_read(), 0);
        ck_assert_uint_eq(count_in_log("group \"a_b\" is skipped"), 1);
}
END_TEST

/* A cmdline regex stopped by its limits on another user's hostile command
 * line is a soft error and one WARNING naming the rule, not a line per
 * process per read, and the other rules still apply. */
START_TEST(regex_limit_logged_once) {
        static const struct fake bait = {60, 1,    "bait", "x", 'S', 0, 0, 0,
                                         0,  4096, 1,      0,   0,   0, 0, 0};
        oconfig_item_t *ci = block(), *m;
        char dir[256], argv[4001];

        for (int pid = 60; pid <= 61; pid++) {
                struct fake b = bait;
                b.pid = pid;
                write_proc(&b);
                /* 4,000 a's and a '!': (a+)+$ backtracks without end. */
                memset(argv, 'a', sizeof(argv) - 2);
                argv[sizeof(argv) - 2] = '!';
                argv[sizeof(argv) - 1] = '\0';
                snprintf(dir, sizeof(dir), "%s/%d", root, pid);
                put(dir, "cmdline", argv, sizeof(argv));
        }
        m = mock_ci_child(ci, "ProcessMatch");
        mock_ci_str(m, "bait");
        mock_ci_str(m, "^(a+)+$");
        add_match(ci, "web", "nginx");
        configure(ci);
        ck_assert_int_eq(mock_read(), 0);
        ck_assert_int_eq(mock_read(), 0);
        ck_assert_uint_eq(count_in_log("rule \"bait\": cmdline regex stopped"), 1);
        ck_assert_double_eq(need("web", "ps_count", NULL)->values[0].gauge, 3);
        ck_assert_ptr_null(mock_find("bait", "ps_count", NULL));
}
END_TEST

/* ForgetAfter seconds after its last process exits a group is no longer
 * dispatched; until then it is sent empty with its counters. */
static void forget_after(oconfig_item_t *ci, double seconds) {
        mock_ci_num(mock_ci_child(ci, "ForgetAfter"), seconds);
}

/* Scan until the tracker's clock has passed ForgetAfter 0.2. */
static void read_past_forget(void) {
        usleep(300 * 1000);
        mock_clear_values();
        ck_assert_int_eq(mock_read(), 0);
}

START_TEST(forgotten_group_not_dispatched) {
        oconfig_item_t *ci = block();

        forget_after(ci, 0.2);
        configure(ci);
        ck_assert_int_eq(mock_read(), 0);
        ck_assert_double_eq(need("_self", "count", "groups")->values[0].gauge, 4);
        remove_proc(20);
        mock_clear_values();
        ck_assert_int_eq(mock_read(), 0);
        ck_assert_double_eq(need("postgres", "ps_count", NULL)->values[0].gauge, 0);
        ck_assert_int_eq(need("postgres", "ps_cputime", NULL)->values[0].derive, us(7));
        read_past_forget();
        ck_assert_uint_eq(mock_count_instance("postgres"), 0);
        ck_assert_double_eq(need("_self", "count", "groups")->values[0].gauge, 3);
        ck_assert_int_eq(need("_self", "total_events", "forgotten")->values[0].derive, 1);
        ck_assert_double_eq(need("nginx", "ps_count", NULL)->values[0].gauge, 3);
        /* Back: a new group, dispatched again. */
        write_proc(&procs[3]);
        mock_clear_values();
        ck_assert_int_eq(mock_read(), 0);
        ck_assert_double_eq(need("postgres", "ps_count", NULL)->values[0].gauge, 1);
        ck_assert_int_eq(need("postgres", "ps_cputime", NULL)->values[0].derive, us(7));
}
END_TEST

/* The set of logged collisions drops a forgotten group: it stays as small
 * as the list, and a group that comes back and collides is logged anew. */
START_TEST(collision_log_forgets_with_group) {
        oconfig_item_t *ci = block();

        forget_after(ci, 0.2);
        add_match(ci, "a/b", "nginx");
        add_match(ci, "a_b", "postgres");
        configure(ci);
        ck_assert_int_eq(mock_read(), 0);
        ck_assert_int_eq(mock_read(), 0);
        ck_assert_uint_eq(count_in_log("group \"a_b\" is skipped"), 1);
        remove_proc(20);
        ck_assert_int_eq(mock_read(), 0);
        read_past_forget();
        write_proc(&procs[3]);
        ck_assert_int_eq(mock_read(), 0);
        ck_assert_uint_eq(count_in_log("group \"a_b\" is skipped"), 2);
        ck_assert_int_eq(mock_read(), 0);
        ck_assert_uint_eq(count_in_log("group \"a_b\" is skipped"), 2);
}
END_TEST

/* MaxGroups: names past the cap go to _other, one WARNING for the life of
 * the plugin, count-overflow under _self every read. */
START_TEST(overflow_logged_once) {
        oconfig_item_t *ci = block();

        mock_ci_num(mock_ci_child(ci, "MaxGroups"), 2);
        configure(ci);
        ck_assert_int_eq(mock_read(), 0);
        ck_assert_int_eq(mock_read(), 0);
        ck_assert_ptr_nonnull(mock_find("_other", "ps_count", NULL));
        ck_assert(need("_self", "count", "overflow")->values[0].gauge > 0);
        ck_assert_uint_eq(count_in_log("go to group \"_other\""), 1);
        ck_assert_uint_eq(count_in_log("WARNING procgroups plugin: "), 1);
}
END_TEST

/* A broken block: config or init fails and the log names the option. */
struct bad {
        const char *option; /* expected in the log */
        const char *key;
        const char *v1, *v2;    /* string values (NULL: none) */
        const char *child, *cv; /* a child of the item, with one string */
        int numeric;            /* give a number instead of v1 */
};

static const struct bad bads[] = {
    {"Bogus", "Bogus", "x", NULL, NULL, NULL, 0},
    {"CollectThreads", "CollectThreads", "maybe", NULL, NULL, NULL, 0},
    {"Children", "Children", "x", "y", NULL, NULL, 0},
    {"Match", "Match", "re", NULL, "Cmdline", "(unclosed", 0},
    {"Match", "Match", "{{.Nope}}", NULL, "Comm", "x", 0},
    {"Name", "Match", "x", NULL, "Name", "x", 0},
    {"Match", "Match", NULL, NULL, "Comm", "x", 0},
    {"ProcessMatch", "ProcessMatch", "only-a-name", NULL, NULL, NULL, 0},
    {"ProcessMatch", "ProcessMatch", "j", "(", NULL, NULL, 0},
    {"Process", "Process", NULL, NULL, NULL, NULL, 1},
    {"CollectSmaps", "CollectSmaps", NULL, NULL, NULL, NULL, 1},
    {"ExitRecords", "ExitRecords", "maybe", NULL, NULL, NULL, 0},
    {"ExitBuffer", "ExitBuffer", "4MiB", NULL, NULL, NULL, 0},
};

START_TEST(bad_config_names_option) {
        const struct bad *b = &bads[_i];
        oconfig_item_t *ci = block(), *it = mock_ci_child(ci, b->key);
        char want[64];

        if (b->numeric)
                mock_ci_num(it, 3);
        if (b->v1)
                mock_ci_str(it, b->v1);
        if (b->v2)
                mock_ci_str(it, b->v2);
        if (b->child)
                mock_ci_str(mock_ci_child(it, b->child), b->cv);
        /* Config only logs: failing there would make collectd drop its
         * whole config file. The plugin refuses to start in init. */
        ck_assert_int_eq(mock_config(ci), 0);
        mock_ci_free(ci);
        ck_assert_int_ne(mock_init(), 0);
        ck_assert_ptr_nonnull(strstr(mock_log_text, "not started"));
        snprintf(want, sizeof(want), "\"%s\"", b->option);
        ck_assert_msg(mock_log_text && strstr(mock_log_text, want), "case %d: no %s in log:\n%s",
                      _i, want, mock_log_text ? mock_log_text : "");
}
END_TEST

START_TEST(bad_procfs_refuses_init) {
        oconfig_item_t *ci = mock_ci_new("Plugin");
        mock_ci_str(mock_ci_child(ci, "ProcFS"), "/nonexistent/procfs");
        ck_assert_int_eq(mock_config(ci), 0);
        mock_ci_free(ci);
        ck_assert_int_ne(mock_init(), 0);
        ck_assert_ptr_nonnull(strstr(mock_log_text, "\"ProcFS\""));
}
END_TEST

/* The processes plugin's switches, with its meaning: outside a block, the
 * default of the Process and ProcessMatch lines after it (and of every
 * other group, at its last value); inside one, for that group. */
START_TEST(processes_plugin_options_accepted) {
        oconfig_item_t *ci = block(), *p;

        write_vm(&procs[0], 3);
        write_vm(&procs[1], 2);
        mock_ci_bool(mock_ci_child(ci, "CollectThreads"), 0);
        p = mock_ci_child(ci, "Process");
        mock_ci_str(p, "postgres"); /* before any switch: nothing more */
        mock_ci_bool(mock_ci_child(ci, "CollectFileDescriptor"), 1);
        p = mock_ci_child(ci, "Process");
        mock_ci_str(p, "nginx");
        mock_ci_bool(mock_ci_child(p, "CollectContextSwitch"), 1);
        mock_ci_bool(mock_ci_child(p, "CollectMemoryMaps"), 1);
        p = mock_ci_child(ci, "ProcessMatch");
        mock_ci_str(p, "java-apps");
        mock_ci_str(p, "java .*-jar");
        mock_ci_bool(mock_ci_child(p, "CollectFileDescriptor"), 0);
        mock_ci_bool(mock_ci_child(p, "CollectDelayAccounting"), 1);
        configure(ci);
        ck_assert_int_eq(mock_read(), 0);
        ck_assert_double_eq(need("nginx", "ps_count", NULL)->values[0].gauge, 3);
        check_set("postgres", false, false, false);
        check_set("nginx", true, true, true);
        check_set("java-apps", false, false, false);
        ck_assert_double_eq(need("nginx", "file_handles", NULL)->values[0].gauge, 7);
        ck_assert_double_eq(need("nginx", "file_handles", "mapped")->values[0].gauge, 3 + 2);
        ck_assert_int_eq(need("nginx", "contextswitch", "voluntary")->values[0].derive, 41);
        ck_assert_int_eq(need("nginx", "contextswitch", "involuntary")->values[0].derive, 9);
        ck_assert_ptr_nonnull(strstr(mock_log_text, "no delay accounting"));
}
END_TEST

START_TEST(processes_switch_needs_boolean) {
        oconfig_item_t *ci = block(), *p;

        p = mock_ci_child(ci, "Process");
        mock_ci_str(p, "nginx");
        mock_ci_str(mock_ci_child(p, "CollectMemoryMaps"), "yes please");
        mock_ci_bool(mock_ci_child(p, "Interval"), 1);
        ck_assert_int_eq(mock_config(ci), 0);
        mock_ci_free(ci);
        ck_assert_int_ne(mock_init(), 0);
        ck_assert_ptr_nonnull(strstr(mock_log_text, "\"CollectMemoryMaps\" needs a boolean"));
}
END_TEST

/* ExitBuffer: bytes from 0 to a GiB, a whole number. */
START_TEST(exit_buffer_bounds) {
        static const double bad[] = {-1, 1073741825.0, 4096.5};
        oconfig_item_t *ci = block();

        mock_ci_num(mock_ci_child(ci, "ExitBuffer"), bad[_i]);
        ck_assert_int_eq(mock_config(ci), 0);
        mock_ci_free(ci);
        ck_assert_int_ne(mock_init(), 0);
        ck_assert_ptr_nonnull(strstr(mock_log_text, "option \"ExitBuffer\" needs bytes"));
}
END_TEST

/* The figures every read sends under _self, whatever the listener does. */
static void check_exit_figures(double active) {
        ck_assert_double_eq(need("_self", "gauge", "exit_records_active")->values[0].gauge, active);
        ck_assert_int_ge(need("_self", "total_events", "exits_credited")->values[0].derive, 0);
        ck_assert_int_ge(need("_self", "total_events", "exits_lost")->values[0].derive, 0);
        ck_assert_int_ge(need("_self", "errors", "exits_bad")->values[0].derive, 0);
}

/* ExitRecords false: accepted, nothing said, no drain, the figures 0. */
START_TEST(exit_records_off) {
        oconfig_item_t *ci = block();

        mock_ci_bool(mock_ci_child(ci, "ExitRecords"), 0);
        mock_ci_num(mock_ci_child(ci, "ExitBuffer"), 1 << 20);
        configure(ci);
        ck_assert_int_eq(mock_read(), 0);
        check_exit_figures(0);
        ck_assert_int_eq(need("_self", "total_events", "exits_credited")->values[0].derive, 0);
        ck_assert(!mock_has_read("procgroups_drain"));
        ck_assert_uint_eq(count_in_log("exit records"), 0);
}
END_TEST

/* On a fake tree (never our own live /proc) they are asked for by
 * default and not used: one INFO line that says why, no drain. */
START_TEST(exit_records_unused_said_once) {
        configure(block());
        ck_assert_int_eq(mock_read(), 0);
        ck_assert_int_eq(mock_read(), 0);
        check_exit_figures(0);
        ck_assert(!mock_has_read("procgroups_drain"));
        ck_assert_uint_eq(count_in_log("INFO procgroups plugin: exit records not used (the procfs "
                                       "root is not our own PID namespace's live /proc)"),
                          1);
}
END_TEST

/* The live /proc: where the listener is active (root in the initial
 * namespaces) the drain callback is registered for every second and a
 * child that exits between two reads is credited from its record; where
 * it is not (no CAP_NET_ADMIN, a container) the INFO line says why and
 * there is no drain. */
START_TEST(exit_records_live) {
        oconfig_item_t *ci = mock_ci_new("Plugin");
        const struct mock_vl *m;
        pid_t child;
        int status;

        mock_ci_bool(mock_ci_child(ci, "CollectThreads"), 0);
        configure(ci);
        ck_assert_int_eq(mock_read(), 0);
        m = need("_self", "gauge", "exit_records_active");
        if (m->values[0].gauge == 0) {
                ck_assert(!mock_has_read("procgroups_drain"));
                ck_assert_uint_eq(count_in_log("INFO procgroups plugin: exit records not used ("),
                                  1);
                return;
        }
        ck_assert_uint_eq(count_in_log("exit records not used"), 0);
        ck_assert(mock_has_read("procgroups_drain"));
        ck_assert_uint_eq(mock_read_interval_of("procgroups_drain"), TIME_T_TO_CDTIME_T(1));
        /* The tracker credits nothing in its first two scans (their
         * records are history), nor in the two after a loss: a child a
         * read, drained before the next, until one is credited. */
        for (int i = 0; i < 6; i++) {
                child = fork();
                ck_assert_int_ge(child, 0);
                if (child == 0)
                        _exit(0);
                ck_assert_int_eq(waitpid(child, &status, 0), child);
                ck_assert_int_eq(mock_read_named("procgroups_drain"), 0);
                mock_clear_values();
                ck_assert_int_eq(mock_read(), 0);
                check_exit_figures(1);
                if (need("_self", "total_events", "exits_credited")->values[0].derive >= 1)
                        break;
        }
        ck_assert_int_ge(need("_self", "total_events", "exits_credited")->values[0].derive, 1);
        /* After shutdown the drain finds no tracker, and does no harm. */
        ck_assert_int_eq(mock_shutdown(), 0);
        ck_assert_int_eq(mock_read_named("procgroups_drain"), 0);
}
END_TEST

Suite *pg_test_suite(void) {
        Suite *s = suite_create("collectd");
        TCase *tc;

        tc = tcase_create("values");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, registers_read_with_plugin_interval);
        tcase_add_test(tc, maps_group_values);
        tcase_add_test(tc, one_timestamp_per_read);
        tcase_add_test(tc, counters_never_go_back);
        tcase_add_test(tc, default_rule_is_comm);
        suite_add_tcase(s, tc);

        tc = tcase_create("identifiers");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, identifiers_safe_and_collisions_reported);
        tcase_add_test(tc, regex_limit_logged_once);
        suite_add_tcase(s, tc);

        tc = tcase_create("bounds");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, forgotten_group_not_dispatched);
        tcase_add_test(tc, collision_log_forgets_with_group);
        tcase_add_test(tc, overflow_logged_once);
        suite_add_tcase(s, tc);

        tc = tcase_create("config");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_loop_test(tc, bad_config_names_option, 0, sizeof(bads) / sizeof(bads[0]));
        tcase_add_test(tc, bad_procfs_refuses_init);
        tcase_add_test(tc, processes_plugin_options_accepted);
        tcase_add_test(tc, processes_switch_needs_boolean);
        suite_add_tcase(s, tc);

        tc = tcase_create("exits");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_loop_test(tc, exit_buffer_bounds, 0, 3);
        tcase_add_test(tc, exit_records_off);
        tcase_add_test(tc, exit_records_unused_said_once);
        tcase_add_test(tc, exit_records_live);
        suite_add_tcase(s, tc);

        return s;
}
