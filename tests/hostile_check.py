#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Hostile names: every output of the CLI stays well formed and
nothing can be forged, asserted by parsing the outputs strictly.

    hostile_check.py PROCGROUPS SRCDIR [live]

Sources: sample-proc/hostile/ (see sample-proc/hostile.py) and, with
"live", real processes that set their comm with prctl(PR_SET_NAME) and
carry hostile argv; they are killed by PID at the end.
Checks: --list JSON decodes as strict UTF-8 and parses as strict JSON with
the exact names and argv (invalid bytes as U+FFFD); --once JSON likewise;
Prometheus text through a strict line parser (no forged line, family or
label; the groupname values are exactly the JSON groups); the table has no
byte outside printable ASCII and newline.
"""
import ctypes  # noqa: F401  (used by the live children's code)
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

PG, SRCDIR = sys.argv[1], sys.argv[2]
LIVE = len(sys.argv) > 3 and sys.argv[3] == "live"
sys.path.insert(0, os.path.join(SRCDIR, "sample-proc"))
import hostile  # noqa: E402

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def expect_str(b):
    """What the JSON contract makes of bytes: valid UTF-8 kept, every
    byte of an invalid sequence one U+FFFD."""
    out, i = [], 0
    while i < len(b):
        c = b[i]
        n = 1 if c < 0x80 else 2 if 0xc2 <= c <= 0xdf else 3 if 0xe0 <= c <= 0xef \
            else 4 if 0xf0 <= c <= 0xf4 else 0
        try:
            if n == 0:
                raise ValueError
            out.append(b[i:i + n].decode("utf-8", "strict"))
            i += n
        except (ValueError, UnicodeDecodeError):
            out.append("\ufffd")
            i += 1
    return "".join(out)


def run(args):
    r = subprocess.run([PG] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=120)
    check(r.returncode == 0, "%s exit %d: %s" % (args, r.returncode, r.stderr[:300]))
    return r.stdout


def strict_json(raw, what):
    """bytes -> object, refusing invalid UTF-8, raw control characters,
    NaN and duplicate keys."""
    def no_dup(pairs):
        keys = [k for k, _ in pairs]
        check(len(keys) == len(set(keys)), "%s: duplicate key in %s" % (what, keys[:5]))
        return dict(pairs)

    def no_const(c):
        raise ValueError("non-JSON constant " + c)
    text = raw.decode("utf-8", "strict")
    return json.loads(text, strict=True, object_pairs_hook=no_dup, parse_constant=no_const)


LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')
NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
VALUE = r"(?:[-+]?(?:[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+)|[-+]?Inf|NaN)"


def unescape(v):
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "\\": "\\", '"': '"'}[m.group(1)], v)


def strict_prom(raw, what):
    """Parse the text format line by line; returns {family: [labels...]}."""
    text = raw.decode("utf-8", "strict")
    check(text.endswith("\n"), what + ": no final newline")
    types, samples = {}, {}
    for ln, line in enumerate(text.split("\n")[:-1], 1):
        m = re.fullmatch(r"# (HELP|TYPE) (%s) (.*)" % NAME, line)
        if m:
            if m.group(1) == "TYPE":
                check(m.group(3) in ("counter", "gauge", "untyped", "summary", "histogram"),
                      "%s:%d bad TYPE" % (what, ln))
                check(m.group(2) not in types, "%s:%d TYPE twice" % (what, ln))
                types[m.group(2)] = m.group(3)
            continue
        check(not line.startswith("#"), "%s:%d stray comment %r" % (what, ln, line[:80]))
        m = re.fullmatch(r"(%s)(?:\{(.*)\})? (%s)(?: -?[0-9]+)?" % (NAME, VALUE), line)
        if not m:
            check(False, "%s:%d unparsable %r" % (what, ln, line[:120]))
            continue
        name, body = m.group(1), m.group(2) or ""
        check(name.startswith(("namedprocess_", "procgroups_")), "%s:%d foreign metric %s" % (what, ln, name))
        fam = name[:-len("_total")] if name.endswith("_total") and name not in types else name
        check(name in types or fam in types, "%s:%d sample before TYPE: %s" % (what, ln, name))
        labels, pos = {}, 0
        while pos < len(body):
            lm = LABEL.match(body, pos)
            if not lm:
                check(False, "%s:%d bad labels %r" % (what, ln, body[pos:pos + 80]))
                break
            check(lm.group(1) not in labels, "%s:%d label twice" % (what, ln))
            labels[lm.group(1)] = unescape(lm.group(2))
            pos = lm.end()
            if pos < len(body):
                check(body[pos] == ",", "%s:%d no comma" % (what, ln))
                pos += 1
        samples.setdefault(name, []).append(labels)
    return samples


def check_table(raw, what):
    bad = [b for b in raw if not (0x20 <= b < 0x7f or b == 0x0a)]
    check(not bad, "%s: table has control/non-ASCII bytes %r" % (what, bytes(bad[:10])))


def check_groups(args, what, want_prefix):
    raw = run(args + ["--once", "--format", "json"])
    lines = raw.split(b"\n")
    check(len(lines) == 2 and lines[1] == b"", "%s: JSON is not one line" % what)
    obj = strict_json(raw, what + " --once json")
    groups = set(obj["groups"])
    ours = {g for g in groups if g.startswith(want_prefix)}
    check(len(ours) > 0, "%s: no group %s*" % (what, want_prefix))
    check(not any(g == "forged" or g.startswith("forged") for g in groups),
          "%s: forged group" % what)
    prom = strict_prom(run(args + ["--once", "--format", "prometheus"]), what + " prometheus")
    for fam, ls in prom.items():
        names = [lab.get("groupname") for lab in ls if "groupname" in lab]
        check(set(names) <= groups, "%s: %s has groupnames not in JSON: %r"
              % (what, fam, sorted(set(names) - groups)[:3]))
    procs = prom.get("namedprocess_namegroup_num_procs", [])
    check({lab["groupname"] for lab in procs} == groups,
          "%s: num_procs groupnames differ from the JSON groups" % what)
    check(len(procs) == len(groups), "%s: num_procs has %d samples for %d groups"
          % (what, len(procs), len(groups)))
    check_table(run(args + ["--once", "--format", "table"]), what)
    return obj, ours


def check_list(args, what, want):
    """want: {pid: (comm bytes, argv list of bytes)}."""
    procs = strict_json(run(args + ["--list", "--format", "json"]), what + " --list")
    by_pid = {p["pid"]: p for p in procs}
    for pid, (comm, argv) in want.items():
        p = by_pid.get(pid)
        check(p is not None, "%s: pid %d not listed" % (what, pid))
        if p is None:
            continue
        check(p["name"] == expect_str(comm), "%s: pid %d name %r != %r"
              % (what, pid, p["name"][:40], expect_str(comm)[:40]))
        check(p["cmdline"] == [expect_str(a) for a in argv],
              "%s: pid %d cmdline differs (%d args, %d bytes)"
              % (what, pid, len(p["cmdline"]), sum(len(a) for a in p["cmdline"])))


def config():
    f = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
    f.write('match "arg:{{.Matches.a}}" { cmdline = {"(?s)--name=(?<a>.*)"} }\n')
    f.close()
    return f.name


def main():
    conf = config()
    try:
        tree = os.path.join(SRCDIR, "sample-proc", "hostile")
        check_list(["--procfs", tree], "tree", hostile.HOSTILE)
        obj, ours = check_groups(["--procfs", tree, "--config", conf], "tree", "arg:")
        # Every process lands in an arg: group (the regex stops at invalid
        # UTF-8, so 304's capture is empty and it shares "arg:" with 309).
        n = sum(obj["groups"][g]["procs"] for g in ours)
        check(n == len(hostile.HOSTILE), "tree: %d processes in arg: groups, want %d"
              % (n, len(hostile.HOSTILE)))
        if LIVE:
            live(conf)
    finally:
        os.unlink(conf)
    if failures:
        print("hostile: %d failures" % len(failures))
        sys.exit(1)
    print("hostile: all outputs well formed, nothing forged")


CHILD = ("import ctypes,os,sys,time\n"
         "ctypes.CDLL(None).prctl(15, ctypes.c_char_p(os.fsencode(sys.argv[1])), 0, 0, 0)\n"
         "sys.stdout.write('ok\\n'); sys.stdout.flush(); time.sleep(60)\n")


def live(conf):
    kids, want = [], {}
    try:
        for pid, (comm, argv) in hostile.HOSTILE.items():
            if not comm:  # prctl with "" is fine, but keep the marker readable
                comm = b"-"
            args = [os.fsdecode(a) for a in [comm, b"--name=live" + argv[-1][7:]]]
            if pid == 308:  # the 64 KiB argument, as its own argv entry
                args += [os.fsdecode(argv[1])]
            p = subprocess.Popen([sys.executable, "-c", CHILD] + args, stdout=subprocess.PIPE)
            kids.append(p)
            check(p.stdout.readline() == b"ok\n", "live: child %d did not start" % pid)
            # The kernel keeps 15 bytes of comm (TASK_COMM_LEN - 1).
            want[p.pid] = (comm[:15], [os.fsencode(sys.executable), b"-c", CHILD.encode()]
                           + [os.fsencode(a) for a in args])
        check_list([], "live", want)
        check_groups(["--config", conf], "live", "arg:live")
    finally:
        for p in kids:
            os.kill(p.pid, signal.SIGKILL)
            p.wait()


if __name__ == "__main__":
    main()
