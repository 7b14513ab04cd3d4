#!/usr/bin/env python3
"""Regenerate sample-proc/netdata-hostile/: processes whose names try to
break the Netdata plugin protocol (quotes, spaces, '=', newlines, keywords,
backslashes, names that collide once sanitised). Uses the file formats of
generate.py; run it from anywhere:
    python3 sample-proc/netdata-hostile.py
Used by tests/netdata-proto.test.
"""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate as g  # noqa: E402

HOSTILE = [
    "x' BEGIN app.y",
    'a"b c',
    "SET x = 1",
    "new\nline BEGIN z",
    "END",
    "DISABLE",
    "tab\there\r",
    "back\\slash'",
    "CHART app.evil '' x",
    "=====",
    "a b",  # a b, a_b and a'b collide once sanitised
    "a_b",
    "a'b",
    "caf\u00e9 \u2028",
    "0123",
    ".",
    "-",
    "",
    "q" * 20 + "' '" * 14,  # 62 bytes of quotes and spaces
]


def hostile(root):
    g.write(os.path.join(root, "stat"), g.root_stat(g.BTIME))
    for i, comm in enumerate(HOSTILE):
        pid = 200 + i
        argv = [comm.encode(), b"--name=" + comm.encode(), b"SET y = 2"]
        g.proc(root, pid, comm, "R" if i % 3 == 0 else "S", ppid=1,
               cmdline=b"\0".join(argv) + b"\0", start=1000 + i,
               vsize=4096000 + i, rss=100 + i, utime=10 * i, stime=i,
               minflt=i, io_=(4096 * i, 512 * i))


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "netdata-hostile")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    hostile(root)


if __name__ == "__main__":
    main()
