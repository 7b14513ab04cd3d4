"""A mixed workload for tests/collectd-live.test: processes and procgroups
watch the same processes, so every figure they both send must move alike.

argv: DIR SECONDS. Forks three workers, all with this command line (the
test's ProcessMatch regex names DIR), and waits for them:
- cpu: burns CPU, and forks a child every 0.5 s that burns ~20 ms and
  exits at once (reaped by the worker: the children's time that the
  processes plugin never sees; the test turns ChildrenTime off for that);
- io: writes 256 KiB with fsync and reads it back, five times a second
  (rchar, wchar, syscr, syscw, write_bytes);
- mem: touches 8 MiB of fresh memory twice a second (minor faults,
  voluntary context switches) and keeps 16 files open and 8 mapped.
Writes DIR/mix.ready when the workers run, and exits after SECONDS."""
import mmap
import os
import sys
import time

d, seconds = sys.argv[1], float(sys.argv[2])
end = time.monotonic() + seconds


def burn(s):
    t = time.monotonic() + s
    x = 0
    while time.monotonic() < t:
        for i in range(2000):
            x += i


def cpu():
    kids = 0
    while time.monotonic() < end:
        burn(0.5)
        pid = os.fork()
        if pid == 0:
            burn(0.02)
            os._exit(0)
        os.waitpid(pid, 0)
        kids += 1


def io():
    path = os.path.join(d, "mix.data")
    chunk = b"m" * 65536
    while time.monotonic() < end:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        for _ in range(4):
            os.write(fd, chunk)
        os.fsync(fd)
        os.close(fd)
        fd = os.open(path, os.O_RDONLY)
        while os.read(fd, 65536):
            pass
        os.close(fd)
        time.sleep(0.2)


def mem():
    # w+: a shared mapping needs the file open for reading too.
    files = [open(os.path.join(d, "mix.open.%d" % i), "w+") for i in range(16)]
    maps = []
    for f in files[:8]:
        f.write("x" * 4096)
        f.flush()
        maps.append(mmap.mmap(f.fileno(), 4096))
    while time.monotonic() < end:
        b = bytearray(8 << 20)
        for i in range(0, len(b), 4096):
            b[i] = 1
        del b
        time.sleep(0.5)
    for m in maps:
        m.close()
    for f in files:
        f.close()


pids = []
for work in (cpu, io, mem):
    pid = os.fork()
    if pid == 0:
        try:
            work()
        finally:
            os._exit(0)
    pids.append(pid)
with open(os.path.join(d, "mix.ready"), "w") as f:
    f.write("%d\n" % os.getpid())
for pid in pids:
    os.waitpid(pid, 0)
