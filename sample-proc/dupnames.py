#!/usr/bin/env python3
"""Regenerate sample-proc/dupnames/: names that differ only in bytes the
outputs cannot show as they are, so they print alike unless disambiguated.
JSON and Prometheus show invalid UTF-8 as U+FFFD; the table shows every
byte outside printable ASCII as '?'. Uses the formats of generate.py; the
bytes are patched in after generate.py writes the files.
    python3 sample-proc/dupnames.py [DIR]
Used by tests/dupnames.test, which imports PROCS and THREADS from here.
"""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate as g  # noqa: E402

# pid: comm bytes; utime = pid, so a test can tell which group is which.
PROCS = {
    400: b"dupxx\xff",
    401: b"dupxx\xfe",
    402: b"dupxx\xef\xbf\xbd",    # a real U+FFFD: prints as 400 and 401 do
    403: b"dupxx\xef\xbf\xbd_2",  # the form a naive suffix would give
    404: b"dupxx?",               # the table's form of 400 and 401
}
# pid 410 "dupthr": two threads named alike once printed.
THREADS = {410: b"dupyy\xff", 411: b"dupyy\xfe"}
MARK = "@%d@"  # placeholder comm, patched to the bytes above


def patch(d, mark, comm):
    for name in ("stat", "status", "comm"):
        p = os.path.join(d, name)
        with open(p, "rb") as f:
            data = f.read()
        with open(p, "wb") as f:
            f.write(data.replace(mark.encode(), comm))


def dupnames(root):
    g.write(os.path.join(root, "stat"), g.root_stat(g.BTIME))
    for pid, comm in PROCS.items():
        g.proc(root, pid, MARK % pid, "S", ppid=1, cmdline=b"dup\0", start=2000 + pid,
               vsize=4096000, rss=100, utime=pid, stime=1)
        d = os.path.join(root, str(pid))
        patch(d, MARK % pid, comm)
        patch(os.path.join(d, "task", str(pid)), MARK % pid, comm)
    threads = [dict(tid=tid, comm=MARK % tid, state="S", wchan="do_select", minflt=1,
                    utime=tid, stime=0, start=2410, vol=1, nonvol=0, io=(0, 0),
                    sched=(1000, 10, 1)) for tid in THREADS]
    g.proc(root, 410, "dupthr", "S", ppid=1, cmdline=b"dupthr\0", start=2410,
           vsize=4096000, rss=100, utime=821, stime=0, threads=threads)
    for tid, comm in THREADS.items():
        patch(os.path.join(root, "410", "task", str(tid)), MARK % tid, comm)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "dupnames")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    dupnames(root)


if __name__ == "__main__":
    main()
