#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Strict checker of the Netdata external plugin protocol (as 1.37 parses it).

Reads a plugin's stdout (a file or stdin) and fails on anything that would
make Netdata disable, kill or misread the plugin, or that shows that text
from a process (a name, a cmdline) leaked into the protocol:

  - a line over 15,360 bytes, or over 20 words, or an empty line;
  - an unknown keyword, or a known one with the wrong number of words;
  - BEGIN on an undefined or obsolete chart, SET/END outside BEGIN, SET on
    a dimension the chart does not have, a nested BEGIN, CHART/DIMENSION
    inside BEGIN, DIMENSION/CLABEL with no CHART before it;
  - a chart or dimension id with bytes outside [A-Za-z0-9_.-];
  - a value that is not a decimal int64, or has a leading zero (Netdata
    reads it as octal), or a '+';
  - an 'incremental' dimension whose value goes down (a spike or a negative
    rate in Netdata), or a negative value of an 'absolute' one; except on
    a chart defined again after it was obsolete (a forgotten group that
    came back): its counters may start again, once;
  - a label value with a control byte, a quote or a backslash.

Words are split the way Netdata's pluginsd_split_words() does: separators
are space, tab, CR, LF and '='; a word that starts with ' or " runs to the
matching quote; a backslash makes the next byte literal.

Usage: netdata_check.py [--min-begins N] [--min-charts N]
                        [--expect-chart REGEX]... [--expect-context CTX]...
                        [--summary] [FILE]
Exit 0 when the stream is clean, 1 with one line per problem otherwise.
"""
import argparse
import re
import sys

LINE_MAX = 15360
WORDS_MAX = 20
SEPARATORS = b" \t\r\n="
ID_RE = re.compile(rb"^[A-Za-z0-9_.-]+$")
INT_RE = re.compile(rb"^-?(0|[1-9][0-9]*)$")
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
ALGORITHMS = {b"", b"absolute", b"incremental", b"percentage-of-absolute-row",
              b"percentage-of-incremental-row"}
CHART_TYPES = {b"", b"line", b"area", b"stacked"}
CHART_OPTIONS = {b"obsolete", b"detail", b"hidden", b"store_first"}
DIM_OPTIONS = {b"obsolete", b"hidden", b"noreset", b"nooverflow"}
# keyword: (min words, max words), keyword included
ARITY = {
    b"CHART": (2, 13),
    b"DIMENSION": (2, 7),
    b"BEGIN": (2, 3),
    b"SET": (3, 3),
    b"END": (1, 1),
    b"FLUSH": (1, 1),
    b"DISABLE": (1, 1),
    b"CLABEL": (4, 4),
    b"CLABEL_COMMIT": (1, 1),
}


def split_words(line):
    """pluginsd_split_words() of Netdata 1.37, on bytes."""
    s = bytearray(line)
    n = len(s)
    i = 0
    words = []
    quote = 0

    def skip(i):
        while i < n and s[i] in SEPARATORS:
            i += 1
        return i

    i = skip(i)
    if i < n and s[i] in b"'\"":
        quote = s[i]
        i += 1
    start = i
    while i < n:
        c = s[i]
        if c == ord("\\") and i + 1 < n:
            i += 2
            continue
        if quote and c == quote:
            quote = 0
            s[i] = ord(" ")
            continue
        if not quote and c in SEPARATORS:
            words.append(bytes(s[start:i]))
            i = skip(i + 1)
            if i < n and s[i] in b"'\"":
                quote = s[i]
                i += 1
            if i >= n:
                start = None
                break
            start = i
            continue
        i += 1
    if start is not None:
        words.append(bytes(s[start:i]))
    return words


def parse_int(w):
    if not INT_RE.match(w):
        return None
    v = int(w)
    if v < INT64_MIN or v > INT64_MAX:
        return None
    return v


class Chart:
    def __init__(self, cid, context):
        self.id = cid
        self.context = context
        self.dims = {}  # id -> algorithm
        self.obsolete = False
        self.last = {}  # dim id -> last value


class Checker:
    def __init__(self):
        self.errors = []
        self.charts = {}
        self.defining = None  # chart open for DIMENSION/CLABEL
        self.current = None  # chart inside BEGIN
        self.seen_in_block = set()
        self.begins = 0
        self.sets = 0
        self.lineno = 0

    def err(self, msg):
        self.errors.append("line %d: %s" % (self.lineno, msg))

    def check_id(self, what, w):
        if not ID_RE.match(w):
            self.err("%s id %r has bytes outside [A-Za-z0-9_.-]" % (what, w))
            return False
        if len(w) > 200:
            self.err("%s id %r is longer than 200 bytes" % (what, w))
            return False
        return True

    def check_int(self, what, w, positive=False):
        v = parse_int(w)
        if v is None:
            self.err("%s %r is not a decimal int64 without leading zeros" % (what, w))
        elif positive and v <= 0:
            self.err("%s %r must be positive" % (what, w))
        return v

    def line(self, raw):
        self.lineno += 1
        if len(raw) > LINE_MAX:
            self.err("line of %d bytes (max %d)" % (len(raw), LINE_MAX))
            return
        body = raw[:-1] if raw.endswith(b"\n") else raw
        if not raw.endswith(b"\n"):
            self.err("last line has no newline")
        if b"\0" in body:
            self.err("NUL byte in line")
        words = split_words(body)
        if not words or words[0] == b"":
            self.err("empty line or empty keyword: %r" % body)
            return
        if len(words) > WORDS_MAX:
            self.err("%d words (max %d): %r" % (len(words), WORDS_MAX, body))
            return
        kw = words[0]
        if kw not in ARITY:
            self.err("unknown keyword %r" % kw)
            return
        lo, hi = ARITY[kw]
        if not lo <= len(words) <= hi:
            self.err("%s with %d words (expected %d..%d): %r" % (kw.decode(), len(words), lo, hi, body))
            return
        getattr(self, "kw_" + kw.decode().lower())(words)

    def kw_chart(self, w):
        if self.current:
            self.err("CHART inside BEGIN of %r" % self.current.id)
        self.defining = None
        cid = w[1]
        if not self.check_id("chart", cid):
            return
        if b"." not in cid or cid.startswith(b".") or cid.endswith(b"."):
            self.err("chart id %r is not type.id" % cid)
            return
        w = w + [b""] * (13 - len(w))
        name, title, units, family, context, ctype, prio, every, opts = w[2:11]
        if name and not self.check_id("chart name", name):
            return
        if context and not self.check_id("context", context):
            return
        if ctype not in CHART_TYPES:
            self.err("chart type %r" % ctype)
        if prio:
            self.check_int("priority", prio, positive=True)
        if every:
            self.check_int("update_every", every, positive=True)
        optset = set(opts.split())
        bad = optset - CHART_OPTIONS
        if bad:
            self.err("unknown chart options %r" % bad)
        ch = self.charts.get(cid)
        if ch is None:
            ch = self.charts[cid] = Chart(cid, context)
        if ch.obsolete and b"obsolete" not in optset:
            ch.last = {}  # retired, then defined anew: counters may restart
        ch.obsolete = b"obsolete" in optset
        ch.context = context
        self.defining = ch

    def kw_dimension(self, w):
        if self.current:
            self.err("DIMENSION inside BEGIN of %r" % self.current.id)
            return
        if not self.defining:
            self.err("DIMENSION with no CHART before it")
            return
        w = w + [b""] * (7 - len(w))
        did, name, algo, mul, div, opts = w[1:7]
        if not self.check_id("dimension", did):
            return
        if name and not self.check_id("dimension name", name):
            return
        if algo not in ALGORITHMS:
            self.err("algorithm %r" % algo)
        for what, v in (("multiplier", mul), ("divisor", div)):
            if v and self.check_int(what, v) == 0:
                self.err("%s is 0" % what)
        bad = set(opts.split()) - DIM_OPTIONS
        if bad:
            self.err("unknown dimension options %r" % bad)
        self.defining.dims[did] = algo or b"absolute"

    def kw_clabel(self, w):
        if not self.defining:
            self.err("CLABEL with no CHART before it")
        if not ID_RE.match(w[1]):
            self.err("label name %r" % w[1])
        if re.search(rb"[\x00-\x1f\x7f'\"\\]", w[2]):
            self.err("label value %r holds a control byte, quote or backslash" % w[2])
        if len(w[2]) > 200:
            self.err("label value of %d bytes" % len(w[2]))
        self.check_int("label source", w[3], positive=True)

    def kw_clabel_commit(self, w):
        if not self.defining:
            self.err("CLABEL_COMMIT with no CHART before it")

    def kw_begin(self, w):
        self.defining = None
        if self.current:
            self.err("BEGIN %r inside BEGIN of %r" % (w[1], self.current.id))
        ch = self.charts.get(w[1])
        if ch is None:
            self.err("BEGIN on undefined chart %r" % w[1])
            self.current = None
            return
        if ch.obsolete:
            self.err("BEGIN on obsolete chart %r" % w[1])
        if len(w) == 3:
            self.check_int("BEGIN microseconds", w[2])
        self.current = ch
        self.seen_in_block = set()
        self.begins += 1

    def kw_set(self, w):
        ch = self.current
        if not ch:
            self.err("SET outside BEGIN")
            return
        did = w[1]
        if did not in ch.dims:
            self.err("SET on undefined dimension %r of chart %r" % (did, ch.id))
            return
        if did in self.seen_in_block:
            self.err("SET %r twice in one BEGIN of %r" % (did, ch.id))
        self.seen_in_block.add(did)
        v = self.check_int("value", w[2])
        if v is None:
            return
        self.sets += 1
        algo = ch.dims[did]
        if algo == b"incremental":
            last = ch.last.get(did)
            if last is not None and v < last:
                self.err("incremental %s.%s went down from %d to %d" % (
                    ch.id.decode(), did.decode(), last, v))
        elif algo == b"absolute" and v < 0:
            self.err("negative absolute value %s.%s = %d" % (ch.id.decode(), did.decode(), v))
        ch.last[did] = v

    def kw_end(self, w):
        if not self.current:
            self.err("END outside BEGIN")
        self.current = None

    def kw_flush(self, w):
        self.current = None
        self.defining = None

    def kw_disable(self, w):
        self.current = None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file", nargs="?")
    ap.add_argument("--min-begins", type=int, default=1)
    ap.add_argument("--min-charts", type=int, default=1)
    ap.add_argument("--expect-chart", action="append", default=[],
                    help="regex that some chart id must match")
    ap.add_argument("--expect-context", action="append", default=[])
    ap.add_argument("--allow-disable", action="store_true")
    ap.add_argument("--summary", action="store_true")
    a = ap.parse_args()

    f = open(a.file, "rb") if a.file else sys.stdin.buffer
    c = Checker()
    disabled = False
    for raw in f:
        c.line(raw)
        if raw.split()[:1] == [b"DISABLE"]:
            disabled = True
    if c.current:
        c.err("stream ends inside BEGIN of %r" % c.current.id)
    if disabled and not a.allow_disable:
        c.errors.append("the plugin sent DISABLE")
    if c.begins < a.min_begins:
        c.errors.append("%d BEGIN blocks, expected at least %d" % (c.begins, a.min_begins))
    if len(c.charts) < a.min_charts:
        c.errors.append("%d charts, expected at least %d" % (len(c.charts), a.min_charts))
    for rx in a.expect_chart:
        r = re.compile(rx.encode())
        if not any(r.search(k) for k in c.charts):
            c.errors.append("no chart id matches %r" % rx)
    for ctx in a.expect_context:
        if not any(ch.context == ctx.encode() for ch in c.charts.values()):
            c.errors.append("no chart has context %r" % ctx)
    for e in c.errors[:50]:
        print("netdata_check: " + e)
    if len(c.errors) > 50:
        print("netdata_check: ... %d more" % (len(c.errors) - 50))
    if a.summary or c.errors:
        print("netdata_check: %d lines, %d charts, %d BEGIN, %d SET, %d problems" % (
            c.lineno, len(c.charts), c.begins, c.sets, len(c.errors)))
    return 1 if c.errors else 0


if __name__ == "__main__":
    sys.exit(main())
