#!/usr/bin/env python3
"""Regenerate sample-proc/hostile/: processes whose comm and cmdline try to
break or forge every output format (JSON, Prometheus text, table):
newlines, quotes, backslashes, control bytes, invalid UTF-8, a 15-byte
comm, ')' and '(', a 64 KiB cmdline. Uses the formats of generate.py;
bytes that are not UTF-8 are patched in after generate.py writes the files.
    python3 sample-proc/hostile.py
Used by tests/hostile.test, which imports HOSTILE from here.
"""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate as g  # noqa: E402

PROM_FORGE = b'x"} 1\nnamedprocess_namegroup_num_procs{groupname="forged"} 99\n# '
JSON_FORGE = b'"},"pid":0,"name":"forged'
# pid: (comm bytes, argv list of bytes)
HOSTILE = {
    300: (b"new\nline", [b"/bin/new\nline", b"--name=two\nlines"]),
    301: (b"q\"uo'te", [b"q\"uo'te", b"--name=" + JSON_FORGE]),
    302: (b"back\\slash\\", [b"back\\slash\\", b"--name=a\\\"b\\"]),
    303: (b"ctl\x01\x07\x1b[2J\x7f", [b"ctl\x01\x1b[2J", b"--name=\x1b]0;title\x07\r\t"]),
    304: (b"bad\xff\xfe\xc0\xaf", [b"bad\xff\xfe", b"--name=\xed\xa0\x80\xf4\x90\x80\x80"]),
    305: (b"abcdefghijklmno", [b"abcdefghijklmnopqrstuvwxyz", b"--name=fifteen"]),
    306: (b") S 1 (x", [b"paren", b"--name=) 0 0 ("]),
    307: (b"prom", [b"prom", b"--name=" + PROM_FORGE]),
    308: (b"big", [b"big"] + [b"--name=" + b"A\n\"\\\x01" * 4096]
         + [(b"%05d\n\"\\\xff" % i) * 120 for i in range(60)]),
    309: (b"", [b"", b"--name="]),
    310: (b"caf\xc3\xa9 \xe2\x80\xa8", [b"caf\xc3\xa9", b"--name=\xe2\x80\xa8\xe2\x80\xa9"]),
}
MARK = "@%d@"  # placeholder comm, patched to the bytes above


def hostile(root):
    g.write(os.path.join(root, "stat"), g.root_stat(g.BTIME))
    for pid, (comm, argv) in HOSTILE.items():
        g.proc(root, pid, MARK % pid, "S", ppid=1,
               cmdline=b"\0".join(argv) + b"\0", start=2000 + pid,
               vsize=4096000, rss=100, utime=pid, stime=1, io_=(4096, 512))
        d = os.path.join(root, str(pid))
        for name in ("stat", "status", "comm"):
            p = os.path.join(d, name)
            with open(p, "rb") as f:
                data = f.read()
            with open(p, "wb") as f:
                f.write(data.replace((MARK % pid).encode(), comm))


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hostile")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    hostile(root)


if __name__ == "__main__":
    main()
