"""Compare what collectd's processes plugin and procgroups wrote for one
group, from the csv plugin's files (tests/collectd-live.test).

argv: HOSTDIR GROUP T0 T1 TYPESDB. Every identifier under
HOSTDIR/processes-GROUP must be under HOSTDIR/procgroups-GROUP too (the
file name is the identifier: type[-type_instance]-DATE), with the same
data source names (the header) and as many values in each row. Then the
values over the window [T0, T1] (epoch seconds):
- counters (DERIVE or COUNTER in types.db): the rate over the window, from
  the row of each plugin nearest each end: the processes plugin starts
  its counters from 0 and procgroups from the lifetime values, so only
  rates can agree;
- gauges: the median of the rows in the window.
They must agree within 10 % (CPU and page faults within 25 %), or an absolute floor for
figures near zero. ps_stacksize is compared by name and type only: the
processes plugin sums |startstack - kstkesp| of stat, and the kernel no
longer shows a task's stack pointer there (kstkesp reads 0), so its
figure is the sum of the stacks' start addresses; procgroups sends VmStk.
Exits 1 on any difference, printing each figure side by side."""
import glob
import os
import sys

hostdir, group, t0, t1, typesdb = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(
    sys.argv[4]), sys.argv[5]

# Relative tolerance and absolute floor (per second for rates): a burst
# of a few pages or calls that falls on one side of a read in one plugin
# and the other side in the other is not a difference.
TOL = {
    "ps_cputime": (0.25, 30000.0),  # 3 % of a CPU, in microseconds
    "disk_octets": (0.10, 65536.0),
    "io_octets": (0.10, 65536.0),
    "ps_count": (0.0, 0.0),  # the median count: exact
    "file_handles": (0.10, 1.0),
    # The mix's CPU worker forks a child every 0.5 s, and each fork
    # brings a burst of copy-on-write faults in the worker itself: the
    # rows nearest the window's ends can fall on either side of a burst
    # (seen: 66.0 against 58.1 a second under ASan).
    "ps_pagefaults": (0.25, 3.0),
}
DEFAULT_TOL = (0.10, 3.0)  # counts; gauges in bytes are far above it
NOT_COMPARED = {"ps_stacksize"}


def ds_types():
    kinds = {}
    with open(typesdb) as f:
        for line in f:
            parts = line.split(None, 1)
            if len(parts) == 2 and not parts[0].startswith("#"):
                kinds[parts[0]] = [ds.split(":")[1] for ds in parts[1].replace(",", " ").split()]
    return kinds


def load(d):
    """{identifier: (header, rows sorted by time)} of one plugin instance."""
    out = {}
    for path in sorted(glob.glob(os.path.join(d, "*-[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"))):
        ident = os.path.basename(path)[:-11]
        header, rows = out.get(ident, (None, []))
        with open(path) as f:
            for line in f:
                cols = line.strip().split(",")
                if cols[0] == "epoch":
                    header = cols
                else:
                    rows.append([float(c) for c in cols])
        out[ident] = (header, rows)
    for ident in out:
        out[ident][1].sort()
    return out


def rate(rows):
    inside = [r for r in rows if t0 <= r[0] <= t1]
    if len(inside) < 2:
        return None
    a, b = inside[0], inside[-1]
    return [(y - x) / (b[0] - a[0]) for x, y in zip(a[1:], b[1:])]


def median(rows):
    inside = [r for r in rows if t0 <= r[0] <= t1]
    if not inside:
        return None
    cols = list(zip(*[r[1:] for r in inside]))
    return [sorted(c)[len(c) // 2] for c in cols]


kinds = ds_types()
theirs = load(os.path.join(hostdir, "processes-" + group))
ours = load(os.path.join(hostdir, "procgroups-" + group))
bad = 0
if not theirs:
    print("FAIL: processes wrote nothing for group %s" % group)
    sys.exit(1)
for ident in sorted(theirs):
    header, rows = theirs[ident]
    if ident not in ours:
        print("FAIL: %-26s processes wrote it, procgroups did not" % ident)
        bad = 1
        continue
    oheader, orows = ours[ident]
    if oheader != header or any(len(r) != len(header) for r in rows + orows):
        print("FAIL: %-26s header %s / %s or value counts differ" % (ident, header, oheader))
        bad = 1
        continue
    type_ = ident.split("-", 1)[0]
    if type_ in NOT_COMPARED:
        print("ok    %-26s same type; values not compared (see above)" % ident)
        continue
    counter = kinds[type_][0] in ("DERIVE", "COUNTER")
    f = rate if counter else median
    a, b = f(rows), f(orows)
    if a is None or b is None:
        print("FAIL: %-26s too few rows in the window" % ident)
        bad = 1
        continue
    rel, floor = TOL.get(type_, DEFAULT_TOL)
    for name, x, y in zip(header[1:], a, b):
        ok = abs(x - y) <= max(rel * max(abs(x), abs(y)), floor)
        print("%s %-26s %-8s %-5s processes %14.1f procgroups %14.1f" %
              ("ok   " if ok else "FAIL:", ident, name, "rate" if counter else "gauge", x, y))
        bad |= not ok
extra = sorted(set(ours) - set(theirs))
print("procgroups only: %s" % " ".join(extra))
sys.exit(bad)
