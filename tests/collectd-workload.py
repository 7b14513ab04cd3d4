"""A workload with a known effect for tests/collectd-live.test.

argv: REPORT FILE NBYTES CPU_SECONDS [marker]. Sleeps so that collectd sees it
idle, then burns CPU_SECONDS of user CPU, writes NBYTES to FILE with fsync,
reports what the kernel counted for it (os.times, /proc/self/io) to REPORT,
and stays alive a while so that collectd reads the final counts."""
import os
import sys
import time

report, path, nbytes, cpu = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])


def write_bytes():
    with open("/proc/self/io") as f:
        return int(dict(l.split(": ") for l in f.read().splitlines())["write_bytes"])


time.sleep(2.5)
t0, w0 = os.times(), write_bytes()
deadline = time.monotonic() + 4 * cpu + 5  # bounded even on a busy machine
x = 0
while os.times().user - t0.user < cpu and time.monotonic() < deadline:
    for i in range(10000):
        x += i
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
chunk = b"p" * 65536
left = nbytes
while left > 0:
    left -= os.write(fd, chunk[: min(left, len(chunk))])
os.fsync(fd)
os.close(fd)
t1, w1 = os.times(), write_bytes()
with open(report + ".tmp", "w") as f:
    # Lifetime CPU as procgroups counts it with children_time: its own and
    # that of children it reaped (a python3 that is a pyenv shim runs a
    # few helpers before the interpreter starts).
    f.write("%.2f %.2f %d %.2f\n" % (t1.user - t0.user, t1.system - t0.system, w1 - w0,
                                      t1.user + t1.system + t1.children_user +
                                      t1.children_system))
os.rename(report + ".tmp", report)
time.sleep(3.5)
