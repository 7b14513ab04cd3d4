#!/usr/bin/env python3
"""Regenerate the fake procfs trees of sample-proc/ (see README).

The committed files are what the tests read; this script only makes them
reproducible and keeps each scenario's numbers in one place. Formats follow
Linux 6.x exactly (stat: 52 fields; status: tab after the colon; limits:
fixed columns; wchan: no trailing newline). Run it from anywhere:
    python3 sample-proc/generate.py
"""
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
BTIME = 1700000000
U64_MAX = 18446744073709551615
ABOVE_2_53 = 9007199254740993  # 2^53 + 1: not representable as a double


def write(path, data, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def stat_line(pid, comm, state, ppid, minflt=0, majflt=0, utime=0, stime=0,
              cutime=0, cstime=0, threads=1, start=0, vsize=0, rss=0,
              flags=4194560, cminflt=0, cmajflt=0, kthread=False):
    """proc(5) /proc/pid/stat, fields 1..52. Kernel threads and zombies
    (vsize 0) have every address field 0."""
    noaddr = kthread or vsize == 0
    code = [0, 0, 0] if noaddr else \
        [94115011342336, 94115011362217, 140729836014544]
    data = [0] * 7 if noaddr else \
        [94115011378224, 94115011379840, 94115662225408, 140729836022396,
         140729836022416, 140729836022416, 140729836023787]
    sess = 0 if kthread else pid
    f = ([pid, "(" + comm + ")", state, ppid, sess, sess, 0, -1, flags,
          minflt, cminflt, majflt, cmajflt, utime, stime, cutime, cstime,
          20, 0, threads, 0, start, vsize, rss, U64_MAX]   # (1)..(25)
         + code + [0, 0]                                  # (26)..(30)
         + [0, 0, 0, 0, 0, 0, 0, 17, 1, 0, 0, 0, 0, 0]    # (31)..(44)
         + data + [9 if state == "Z" else 0])             # (45)..(52)
    assert len(f) == 52, len(f)
    return " ".join(str(x) for x in f) + "\n"


STATE_NAMES = {"R": "R (running)", "S": "S (sleeping)",
               "D": "D (disk sleep)", "Z": "Z (zombie)", "I": "I (idle)"}


def status(name, state, tgid, pid, ppid, uid=(0, 0, 0, 0), vm=None,
           threads=1, vol=0, nonvol=0, kthread=False, swap_kb=0):
    """proc(5) /proc/pid/status. vm: (size_kb, rss_kb) or None (zombie,
    kernel thread: no Vm lines at all)."""
    esc = name.replace("\\", "\\\\").replace("\n", "\\n")
    g = uid  # gid columns mirror uid, as for most daemons
    lines = [
        "Name:\t" + esc] + ([] if state == "Z" else ["Umask:\t0022"]) + [
        "State:\t" + STATE_NAMES[state],
        "Tgid:\t%d" % tgid, "Ngid:\t0", "Pid:\t%d" % pid, "PPid:\t%d" % ppid,
        "TracerPid:\t0", "Uid:\t%d\t%d\t%d\t%d" % uid,
        "Gid:\t%d\t%d\t%d\t%d" % g,
        "FDSize:\t%d" % (0 if state == "Z" else 64 if kthread else 256),
        "Groups:\t ", "NStgid:\t%d" % tgid, "NSpid:\t%d" % pid,
    ]
    if state != "Z":
        lines += ["NSpgid:\t%d" % (0 if kthread else tgid),
                  "NSsid:\t%d" % (0 if kthread else tgid),
                  "Kthread:\t%d" % (1 if kthread else 0)]
    if vm:
        size, rss = vm
        lines += [
            "VmPeak:\t%8d kB" % size, "VmSize:\t%8d kB" % size,
            "VmLck:\t       0 kB", "VmPin:\t       0 kB",
            "VmHWM:\t%8d kB" % rss, "VmRSS:\t%8d kB" % rss,
            "RssAnon:\t%8d kB" % (rss // 4), "RssFile:\t%8d kB" % (rss - rss // 4),
            "RssShmem:\t       0 kB", "VmData:\t     360 kB",
            "VmStk:\t     132 kB", "VmExe:\t      20 kB",
            "VmLib:\t    1528 kB", "VmPTE:\t      44 kB",
            "VmSwap:\t%8d kB" % swap_kb, "HugetlbPages:\t       0 kB"]
    lines += [
        "CoreDumping:\t0", "THP_enabled:\t%d" % (0 if kthread or state == "Z" else 1),
        "untag_mask:\t0xffffffffffffffff", "Threads:\t%d" % threads,
        "SigQ:\t0/96365", "SigPnd:\t0000000000000000", "ShdPnd:\t0000000000000000",
        "SigBlk:\t0000000000000000",
        "SigIgn:\t%s" % ("ffffffffffffffff" if kthread else "0000000000001000"),
        "SigCgt:\t%s" % ("0000000000000000" if kthread else "0000000180014a07"),
        "CapInh:\t0000000000000000", "CapPrm:\t000001ffffffffff",
        "CapEff:\t000001ffffffffff", "CapBnd:\t000001ffffffffff",
        "CapAmb:\t0000000000000000", "NoNewPrivs:\t0", "Seccomp:\t0",
        "Seccomp_filters:\t0", "Speculation_Store_Bypass:\tvulnerable",
        "SpeculationIndirectBranch:\talways enabled", "Cpus_allowed:\t3",
        "Cpus_allowed_list:\t0-1",
        "Mems_allowed:\t" + ",".join(["00000000"] * 31 + ["00000001"]),
        "Mems_allowed_list:\t0",
        "voluntary_ctxt_switches:\t%d" % vol,
        "nonvoluntary_ctxt_switches:\t%d" % nonvol]
    return "\n".join(lines) + "\n"


def io(read_bytes=0, write_bytes=0, rchar=6976, wchar=0):
    return ("rchar: %d\nwchar: %d\nsyscr: 10\nsyscw: 0\nread_bytes: %d\n"
            "write_bytes: %d\ncancelled_write_bytes: 0\n"
            % (rchar, wchar, read_bytes, write_bytes))


def limits(nofile_soft="1024", nofile_hard="524288"):
    rows = [("Limit", "Soft Limit", "Hard Limit", "Units"),
            ("Max cpu time", "unlimited", "unlimited", "seconds"),
            ("Max file size", "unlimited", "unlimited", "bytes"),
            ("Max data size", "unlimited", "unlimited", "bytes"),
            ("Max stack size", "8388608", "unlimited", "bytes"),
            ("Max core file size", "0", "unlimited", "bytes"),
            ("Max resident set", "unlimited", "unlimited", "bytes"),
            ("Max processes", "96365", "96365", "processes"),
            ("Max open files", nofile_soft, nofile_hard, "files"),
            ("Max locked memory", "8388608", "8388608", "bytes"),
            ("Max address space", "unlimited", "unlimited", "bytes"),
            ("Max file locks", "unlimited", "unlimited", "locks"),
            ("Max pending signals", "96365", "96365", "signals"),
            ("Max msgqueue size", "819200", "819200", "bytes"),
            ("Max nice priority", "0", "0", ""),
            ("Max realtime priority", "0", "0", ""),
            ("Max realtime timeout", "unlimited", "unlimited", "us")]
    return "".join("%-25s %-20s %-20s %-10s\n" % r for r in rows)


def schedstat(run_ns, wait_ns, pcount):
    return "%d %d %d\n" % (run_ns, wait_ns, pcount)


def fds(d, targets):
    """fd/ of a process: one entry per open fd. procfs shows symlinks; here
    they are empty regular files, because `make dist` archives with
    `tar -h` (dereference), which would fail on "socket:[…]" targets. The
    non-procfs fd count counts entries of any type, except names starting
    with '.'; zero fds keep the directory alive in git with a .keep file."""
    os.makedirs(os.path.join(d, "fd"), exist_ok=True)
    if not targets:
        write(os.path.join(d, "fd", ".keep"), "")
    for n, _ in enumerate(targets):
        write(os.path.join(d, "fd", str(n)), "")


def single_task(d, pid):
    """A one-thread process: task/<pid> holds the same files as the process
    (as procfs shows them). Copies, not a symlink to "..": `make dist`
    archives with `tar -h`, which would loop on it."""
    td = os.path.join(d, "task", str(pid))
    os.makedirs(td)
    for name in ("stat", "status", "comm", "io", "wchan", "schedstat"):
        if os.path.exists(os.path.join(d, name)):
            shutil.copyfile(os.path.join(d, name), os.path.join(td, name))


def proc(root, pid, comm, state="S", ppid=1, cmdline=b"", uid=(0, 0, 0, 0),
         vm=(10240, 1024), swap_kb=0, vol=0, nonvol=0, wchan="do_select",
         io_=None, nofile=("1024", "524288"), fd_targets=("/dev/null",) * 3,
         sched=(1000000, 2000, 5), threads=None, kthread=False, **st):
    d = os.path.join(root, str(pid))
    nthreads = len(threads) if threads else 1
    write(os.path.join(d, "stat"),
          stat_line(pid, comm, state, ppid, threads=nthreads, kthread=kthread,
                    **st))
    write(os.path.join(d, "status"),
          status(comm, state, pid, pid, ppid, uid, vm, nthreads, vol, nonvol,
                 kthread, swap_kb))
    write(os.path.join(d, "comm"), comm + "\n")
    write(os.path.join(d, "cmdline"), cmdline)
    write(os.path.join(d, "wchan"), wchan)
    write(os.path.join(d, "limits"), limits(*nofile))
    write(os.path.join(d, "schedstat"), schedstat(*sched))
    if io_ is not False:
        write(os.path.join(d, "io"), io(*(io_ or (0, 0))))
    if fd_targets is not None:
        fds(d, list(fd_targets))
    if not threads:
        single_task(d, pid)
        return
    for t in threads:
        td = os.path.join(d, "task", str(t["tid"]))
        write(os.path.join(td, "stat"),
              stat_line(t["tid"], t["comm"], t["state"], ppid,
                        minflt=t["minflt"], utime=t["utime"], stime=t["stime"],
                        threads=nthreads, start=t["start"], vsize=st["vsize"],
                        rss=st["rss"]))
        write(os.path.join(td, "status"),
              status(t["comm"], t["state"], pid, t["tid"], ppid, uid, vm,
                     nthreads, t["vol"], t["nonvol"], False, swap_kb))
        write(os.path.join(td, "comm"), t["comm"] + "\n")
        write(os.path.join(td, "io"), io(*t["io"]))
        write(os.path.join(td, "wchan"), t["wchan"])
        write(os.path.join(td, "schedstat"), schedstat(*t["sched"]))


def root_stat(btime):
    return ("cpu  3009 0 2886 80191 937 0 37 169 0 0\n"
            "cpu0 1121 0 1147 41246 33 0 7 77 0 0\n"
            "cpu1 1887 0 1739 38944 904 0 29 92 0 0\n"
            "intr 1285163 0 9 0 0 0 0 0 0 0 0 0 0 0\n"
            "ctxt 2533961\n"
            + ("btime %d\n" % btime if btime is not None else "")
            + "processes 13021\nprocs_running 1\nprocs_blocked 0\n"
            "softirq 611360 0 87143 18 14447 0 0 1 224406 0 285345\n")


def basic(root):
    write(os.path.join(root, "stat"), root_stat(BTIME))
    # Entries that are not processes.
    os.symlink("100", os.path.join(root, "self"))
    os.symlink("100/task/100", os.path.join(root, "thread-self"))
    write(os.path.join(root, "sys", "kernel", "pid_max"), "32768\n")
    write(os.path.join(root, "acpi", "wakeup"),
          "Device\tS-state\t  Status   Sysfs node\n")
    write(os.path.join(root, "123abc"), "not a process\n")
    write(os.path.join(root, "uptime"), "437.91 797.35\n")

    # 100: a normal process.
    proc(root, 100, "normal", "S", ppid=1,
         cmdline=b"/usr/bin/normal\0--flag\0value with space\0",
         uid=(1000, 1001, 1000, 1000), vm=(10240, 1024), swap_kb=12,
         vol=40, nonvol=7, wchan="do_select", io_=(4096, 8192),
         nofile=("1024", "524288"),
         fd_targets=("/dev/null", "/dev/pts/0", "/dev/pts/0",
                     "socket:[12345]", "pipe:[6789]"),
         sched=(1500000000, 2000000, 120),
         minflt=1000, majflt=3, utime=150, stime=25, cutime=7, cstime=2,
         start=500, vsize=10485760, rss=256)
    write(os.path.join(root, "100", "smaps_rollup"),
          "55d1c8a3e000-7ffd2d5fe000 ---p 00000000 00:00 0"
          "                          [rollup]\n"
          "Rss:                1024 kB\nPss:                 800 kB\n"
          "Pss_Dirty:           100 kB\nPss_Anon:            100 kB\n"
          "Pss_File:            700 kB\nPss_Shmem:             0 kB\n"
          "Shared_Clean:        400 kB\nShared_Dirty:          0 kB\n"
          "Private_Clean:       524 kB\nPrivate_Dirty:       100 kB\n"
          "Referenced:         1024 kB\nAnonymous:           100 kB\n"
          "LazyFree:              0 kB\nAnonHugePages:         0 kB\n"
          "ShmemPmdMapped:        0 kB\nFilePmdMapped:         0 kB\n"
          "Shared_Hugetlb:        0 kB\nPrivate_Hugetlb:       0 kB\n"
          "Swap:                 12 kB\nSwapPss:               12 kB\n"
          "Locked:                0 kB\n")
    # Five mappings (collectd's file_handles-mapped counts the lines).
    write(os.path.join(root, "100", "maps"),
          "55d1c8a3e000-55d1c8a43000 r-xp 00000000 08:02 173521"
          "                     /usr/bin/normal\n"
          "55d1c8c42000-55d1c8c43000 rw-p 00004000 08:02 173521"
          "                     /usr/bin/normal\n"
          "55d1ca0a8000-55d1ca0c9000 rw-p 00000000 00:00 0"
          "                          [heap]\n"
          "7f3a1c000000-7f3a1c1b6000 r-xp 00000000 08:02 131089"
          "                     /usr/lib/x86_64-linux-gnu/libc.so.6\n"
          "7ffd2d5dd000-7ffd2d5fe000 rw-p 00000000 00:00 0"
          "                          [stack]\n")

    # 101: comm with spaces, '(' and ')'.
    proc(root, 101, "a) (b c)", "R", ppid=100, cmdline=b"./weird\0",
         wchan="0", start=600, vsize=4096000, rss=10, utime=1, stime=1,
         minflt=10)

    # 102: a newline in comm (prctl(PR_SET_NAME) allows it).
    proc(root, 102, "new\nline", "S", ppid=100, cmdline=b"newline\0",
         start=610, vsize=4096000, rss=11, minflt=11)

    # 103: three threads in states S, R, D with different wait channels.
    proc(root, 103, "server", "S", ppid=1,
         cmdline=b"/usr/sbin/server\0-j3\0", uid=(33, 33, 33, 33),
         vm=(204800, 8192), swap_kb=0, vol=5, nonvol=1, wchan="do_epoll_wait",
         io_=(1000, 2000), sched=(900000000, 100000, 50),
         fd_targets=["/dev/null"] * 3 + ["socket:[1]", "socket:[2]",
                                         "anon_inode:[eventpoll]"],
         minflt=600, majflt=2, utime=60, stime=30, start=700,
         vsize=209715200, rss=2048,
         threads=[
             dict(tid=103, comm="server", state="S", wchan="do_epoll_wait",
                  minflt=100, utime=10, stime=5, start=700, vol=5, nonvol=1,
                  io=(100, 200), sched=(100000000, 1000, 10)),
             dict(tid=104, comm="worker", state="R", wchan="0",
                  minflt=200, utime=20, stime=10, start=701, vol=50,
                  nonvol=10, io=(300, 400), sched=(300000000, 2000, 20)),
             dict(tid=105, comm="worker", state="D", wchan="io_schedule",
                  minflt=300, utime=30, stime=15, start=702, vol=500,
                  nonvol=100, io=(600, 1400), sched=(500000000, 3000, 30)),
         ])

    # 110: a zombie: no Vm lines, empty cmdline, no fds, wchan 0.
    proc(root, 110, "defunct", "Z", ppid=100, cmdline=b"", vm=None,
         vol=2, nonvol=1, wchan="0", io_=(512, 0), fd_targets=(),
         minflt=130, utime=3, stime=4, start=800, vsize=0, rss=0,
         flags=4228108)

    # 111: a kernel thread: ppid 2, empty cmdline, a comm longer than 15.
    proc(root, 111, "kworker/u4:2-events_unbound", "I", ppid=2, cmdline=b"",
         vm=None, vol=9000, nonvol=3, wchan="worker_thread", io_=(0, 0),
         fd_targets=(), kthread=True, utime=0, stime=42, start=20,
         vsize=0, rss=0, flags=69238880)

    # 120: no io file (another user's process read without privileges
    # looks the same to the model): soft error, process kept.
    proc(root, 120, "noio", "S", ppid=1, cmdline=b"noio\0", io_=False,
         start=900, vsize=4096000, rss=20, utime=5, stime=5, minflt=50)

    # 121: an empty pid directory: the process exited while we listed the
    # root (counted as vanished, never listed, never an error).
    write(os.path.join(root, "121", ".keep"), "")

    # 122: a truncated stat: malformed, a hard error, skipped.
    proc(root, 122, "trunc", "S", ppid=1, cmdline=b"trunc\0", start=910,
         vsize=4096000, rss=20)
    write(os.path.join(root, "122", "stat"),
          "122 (trunc) S 1 122 122 0 -1 4194560 12 0 0\n")

    # 123: counters above 2^53, printed exactly.
    proc(root, 123, "huge", "S", ppid=1, cmdline=b"huge\0",
         vol=U64_MAX, nonvol=ABOVE_2_53, io_=(U64_MAX, ABOVE_2_53),
         minflt=U64_MAX, majflt=ABOVE_2_53, utime=ABOVE_2_53,
         stime=U64_MAX, start=ABOVE_2_53, vsize=U64_MAX, rss=1000)

    # 124: an unlimited open-files limit.
    proc(root, 124, "nolimit", "S", ppid=1, cmdline=b"nolimit\0",
         nofile=("unlimited", "unlimited"), start=920, vsize=4096000, rss=30)

    # 130: a cmdline without its trailing NUL (a process rewrote argv).
    proc(root, 130, "sh", "S", ppid=1, cmdline=b"/bin/sh\0-c\0echo hi",
         start=930, vsize=4096000, rss=40)

    # 131: a cmdline with an empty argument and several trailing NULs.
    proc(root, 131, "title", "S", ppid=1, cmdline=b"title\0\0arg\0\0\0\0",
         start=940, vsize=4096000, rss=50)

    # 132: a sleeping process whose wchan reads "0".
    proc(root, 132, "nowchan", "S", ppid=1, cmdline=b"nowchan\0", wchan="0",
         start=950, vsize=4096000, rss=60)

    # 140: no fd/ directory (as if unreadable): open -1, soft error.
    proc(root, 140, "nofd", "S", ppid=1, cmdline=b"nofd\0", fd_targets=None,
         start=960, vsize=4096000, rss=70)


def nobtime(root):
    """A root whose stat lacks btime: not a procfs root, refused."""
    write(os.path.join(root, "stat"), root_stat(None))
    proc(root, 100, "normal", "S", ppid=1, cmdline=b"normal\0", start=500,
         vsize=4096000, rss=10)


def main():
    for name, fn in (("basic", basic), ("nobtime", nobtime)):
        root = os.path.join(HERE, name)
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(root)
        fn(root)


if __name__ == "__main__":
    main()
