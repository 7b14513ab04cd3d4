#!/bin/bash
# SPDX-License-Identifier: MIT
# regex-attack.sh BUILDDIR -- what a local user's command lines cost a scan
# whose rules have cmdline regexes.
#
# The attackers run as user nobody (root is needed to switch):
#   - ATTACK_ARGV processes (4), each with four 131,000-byte arguments of
#     "a" (python3 sleeping): quadratic backtracking for "(?<name>\w+)$";
#   - two bait processes for "^(a+)+$": argv[0] "aaa...ab" of 30 kB (cut
#     to the first 4 KiB a rule sees, it is all a's) and of 4,000 bytes
#     (whole: exponential backtracking until the match limit);
#   - a process that rewrites its comm every 0.25 s (re-matched after each
#     change unless rate-limited).
# The config's rules: "bait" ^(a+)+$, then "w:{{.Matches.name}}"
# (?<name>\w+)$ (nearly every process ends in a word, so both regexes run
# on every process).
#
# What is measured, without then with the attackers: the CPU (user+sys,
# bench/cpuof) of `procgroups --config F --once --format json`, median of
# ATTACK_RUNS (5) runs, and of `--interval 0.25 --count 12` minus
# `--count 2`, over 10 (steady-state scans, in which the renamer is the
# one re-matched); then the ratios. Goal: with the attack, under 2x.
#
# Knobs: ATTACK_RUNS=5, ATTACK_ARGV=4, PROCGROUPS (default BUILDDIR's).
set -u

BUILD=${1:-${BENCH_BUILD:-}}
[ -n "$BUILD" ] && [ -d "$BUILD" ] || { echo "usage: regex-attack.sh BUILDDIR" >&2; exit 2; }
BUILD=$(cd "$BUILD" && pwd)
PROCGROUPS=${PROCGROUPS:-$BUILD/procgroups}
CPUOF=$BUILD/bench/cpuof
RUNS=${ATTACK_RUNS:-5}
NARGV=${ATTACK_ARGV:-4}
[ -x "$CPUOF" ] || { echo "regex-attack.sh: $CPUOF missing (make bench-regex builds it)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "regex-attack.sh: root needed to run attackers as nobody" >&2; exit 2; }
command -v setpriv >/dev/null && command -v python3 >/dev/null ||
        { echo "regex-attack.sh: needs setpriv and python3" >&2; exit 2; }

WORK=$(mktemp -d /tmp/pgregex.XXXXXX)
chmod 755 "$WORK"
STARTED=()
cleanup() {
        local p
        for p in "${STARTED[@]}"; do kill -TERM "$p" 2>/dev/null; done
        for p in "${STARTED[@]}"; do wait "$p" 2>/dev/null; done
        rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
log() { printf '[%3ds] %s\n' "$SECONDS" "$*" >&2; }
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
# The python3 nobody finds (root's PATH may start in a directory of root's).
PYN=$("${NOBODY[@]}" bash -c 'command -v python3') ||
        { echo "regex-attack.sh: nobody finds no python3" >&2; exit 2; }

cat >"$WORK/rules.conf" <<'EOF'
match "bait" {
        cmdline = {"^(a+)+$"}
}
match "w:{{.Matches.name}}" {
        cmdline = {"(?<name>\\w+)$"}
}
EOF

cpu_ns() { "$CPUOF" -- "$@" 2>>"$WORK/pg.err" | sed -n 's/^cpu_ns=\([0-9]*\).*/\1/p'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# Prints "ONCE_NS STEADY_NS": median --once CPU, and median per-scan CPU of
# the steady state.
measure() {
        local i once=() steady=() a b
        for ((i = 0; i < RUNS; i++)); do
                once+=("$(cpu_ns "$PROCGROUPS" --config "$WORK/rules.conf" --once --format json)")
                a=$(cpu_ns "$PROCGROUPS" --config "$WORK/rules.conf" --interval 0.25 --count 12 \
                        --format json)
                b=$(cpu_ns "$PROCGROUPS" --config "$WORK/rules.conf" --interval 0.25 --count 2 \
                        --format json)
                steady+=("$(((a - b) / 10))")
        done
        printf '%s %s\n' "$(printf '%s\n' "${once[@]}" | median)" \
                "$(printf '%s\n' "${steady[@]}" | median)"
}

log "without attack: $RUNS runs"
read -r ONCE0 STEADY0 < <(measure)

log "starting attackers as nobody"
BIG=$(python3 -c 'print("a" * 131000)')
for ((i = 0; i < NARGV; i++)); do
        "${NOBODY[@]}" "$PYN" -c 'import time; time.sleep(1e6)' "$BIG" "$BIG" "$BIG" "$BIG" &
        STARTED+=("$!")
done
for n in 30000 4000; do
        bait=$(python3 -c "print('a' * $((n - 1)) + 'b')")
        "${NOBODY[@]}" bash -c 'exec -a "$0" sleep 1000000' "$bait" &
        STARTED+=("$!")
done
cat >"$WORK/rename.py" <<'EOF'
import itertools, time
for i in itertools.count():
    with open("/proc/self/comm", "w") as f:
        f.write("pgren%d" % (i % 1000))
    time.sleep(0.25)
EOF
"${NOBODY[@]}" "$PYN" "$WORK/rename.py" &
STARTED+=("$!")
sleep 3 # exec'd and renamed at least once
n=$(ps -u nobody -o args= | grep -c -e 'time.sleep' -e '^aaaa' -e rename.py)
log "$n attackers of $((NARGV + 3)) run"

log "with attack: $RUNS runs"
read -r ONCE1 STEADY1 < <(measure)
"$PROCGROUPS" --config "$WORK/rules.conf" --once --format json 2>&1 >/dev/null |
        sed 's/^/  stderr: /' | cut -c1-200 >&2

awk -v o0="$ONCE0" -v o1="$ONCE1" -v s0="$STEADY0" -v s1="$STEADY1" -v runs="$RUNS" 'BEGIN {
        printf "\n| CPU per scan (median of %d) | without attack ms | with attack ms | ratio |\n", runs
        printf "|---|---:|---:|---:|\n"
        printf "| --once (start-up and first sight of every process) | %.2f | %.2f | %.2f |\n",
                o0 / 1e6, o1 / 1e6, o1 / o0
        printf "| steady scan (--interval 0.25, (count 12 - count 2) / 10) | %.2f | %.2f | %.2f |\n",
                s0 / 1e6, s1 / 1e6, (s0 > 0 ? s1 / s0 : 0)
}'
