#!/bin/bash
# SPDX-License-Identifier: MIT
# children.sh BUILDDIR -- the live benchmark of reaped children: does a collector count
# the CPU of processes that live and die between two scans, and in whose group?
#
# Two parts (CHILDREN_PARTS="spawner modes").
#
# 1. spawner: bench/spawner (comm "pgspawner") forks short children that burn 20-50 ms
# of CPU each for CHILDREN_S seconds, then prints its ground truth:
# getrusage(RUSAGE_SELF) + getrusage(RUSAGE_CHILDREN), user + system.
# Meanwhile
#   procgroups --config F --interval 1 --count K --format json
# scans once a second with one rule (comm pgspawner -> group "spawner"), and,
# if installed, prometheus-process-exporter with the equivalent config is
# scraped once a second.
#
# What is computed: both collectors start before the spawner, so the group
# does not exist in their first scan and its CPU starts from zero. procgroups'
# figure is cpu_user_seconds + cpu_system_seconds of group "spawner" in the
# LAST JSON line (its counters never go back, and what an exited process
# contributed stays); process-exporter's is the largest sum of
# namedprocess_namegroup_cpu_seconds_total{groupname="spawner"} over all
# scrapes. Error = (figure - truth) / truth. The spawner idles HOLD seconds
# after its work so that a scan sees its final counters while it lives.
#
# This part runs in a PID, mount and network namespace of its own
# (BENCH_ISOLATE=1), where procgroups' exit records are unavailable: it
# measures the /proc method (children_time).
#
# 2. modes: the "make" workload (tests/exitload, doc/exits.md): mk starts 15
# programs a second for MODES_S (20) seconds, each named cc and burning
# 30 ms of CPU, each logging its own CPU clock (the truth); mk reaps each
# cc (child mode), or a middle process mi forks each cc and exits, and the
# namespace's PID 1 (rp) reaps it (orphan mode). For each mode, three
# collectors watch the same run: procgroups with exit records (root, in the
# initial namespaces, where the kernel serves them), procgroups with
# --exit-records=false, and process-exporter if installed, each with the
# rules comm cc.TAG -> cc, mk.TAG -> mk (and mi, rp). The workload runs in a
# PID namespace of its own (unshare --pid --fork --mount-proc, root), the
# collectors here: the records carry this namespace's pids. Figures:
# procgroups' from its last JSON line, two scans after the workload ended;
# the exporter's the largest sum over its scrapes. Truth: cc, the sum of
# the ccs' own clocks; mk, mk's getrusage(RUSAGE_SELF) (its own work; with
# records off procgroups gives mk its reaped children too, by design, and
# the table shows it against the same truth).
#
# Knobs: CHILDREN_PARTS="spawner modes", CHILDREN_S=60 (spawner's work),
# CHILDREN_RATE=15 (children/s), CHILDREN_HOLD=3, CHILDREN_ANCHORS="exporter",
# MODES_S=20, BENCH_PORT=19257, BENCH_ISOLATE=1 (own namespaces; 0 = none).
set -u

BUILD=${1:-${BENCH_BUILD:-}}
[ -n "$BUILD" ] && [ -d "$BUILD" ] || { echo "usage: children.sh BUILDDIR" >&2; exit 2; }
BUILD=$(cd "$BUILD" && pwd)
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
PROCGROUPS=${PROCGROUPS:-$BUILD/procgroups}
SPAWNER=$BUILD/bench/spawner
EXITLOAD=${EXITLOAD:-$BUILD/tests/exitload}
EXPORTER=${EXPORTER:-/usr/bin/prometheus-process-exporter}
CHILDREN_S=${CHILDREN_S:-60}
CHILDREN_RATE=${CHILDREN_RATE:-15}
CHILDREN_HOLD=${CHILDREN_HOLD:-3}
CHILDREN_ANCHORS=${CHILDREN_ANCHORS-exporter}
CHILDREN_PARTS=${CHILDREN_PARTS-spawner modes}
MODES_S=${MODES_S:-20}
PORT=${BENCH_PORT:-19257}
export CHILDREN_S CHILDREN_RATE CHILDREN_HOLD CHILDREN_ANCHORS PROCGROUPS EXITLOAD MODES_S
[ -x "$SPAWNER" ] || { echo "children.sh: $SPAWNER missing (make bench-children builds it)" >&2; exit 2; }
[ -x "$EXITLOAD" ] || { echo "children.sh: $EXITLOAD missing (make bench-children builds it)" >&2; exit 2; }

# Part 2 in the initial namespaces (after part 1, which re-executes this
# script in namespaces of its own for the spawner alone).
if [ -z "${BENCH_IN_NS:-}" ]; then
        case " $CHILDREN_PARTS " in
        *" spawner "*)
                if [ "${BENCH_ISOLATE:-1}" = 1 ]; then
                        [ "$(id -u)" = 0 ] || { echo "children.sh: the namespace needs root; BENCH_ISOLATE=0" >&2; exit 2; }
                        BENCH_IN_NS=1 CHILDREN_PARTS=spawner timeout -k 10 $((CHILDREN_S + CHILDREN_HOLD + 60)) \
                                unshare --pid --fork --mount-proc --net --kill-child bash "$SELF" "$BUILD" || exit $?
                else
                        BENCH_IN_NS=0 CHILDREN_PARTS=spawner bash "$SELF" "$BUILD" || exit $?
                fi
                ;;
        esac
        case " $CHILDREN_PARTS " in
        *" modes "*) BENCH_IN_NS=0 CHILDREN_PARTS=modes exec bash "$SELF" "$BUILD" ;;
        esac
        exit 0
fi
[ "$BENCH_IN_NS" = 1 ] && ip link set lo up 2>/dev/null

WORK=$(mktemp -d /tmp/pgchildren.XXXXXX)
STARTED=()
stop() {
        local i
        kill -TERM "$1" 2>/dev/null || return 0
        for ((i = 0; i < 50; i++)); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$1" 2>/dev/null
        wait "$1" 2>/dev/null
        return 0
}
cleanup() {
        local p
        for p in "${STARTED[@]}"; do stop "$p"; done
        rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
log() { printf '[%3ds] %s\n' "$SECONDS" "$*" >&2; }
err_pct() { awk -v x="$1" -v t="$2" 'BEGIN { printf "%+.1f %%", (x - t) / t * 100 }'; }

# Part 2: the "make" workload, one mode at a time.
lines() { wc -l <"$1" | tr -d ' '; }
wait_lines() { # FILE N: at most 20 s
        local i
        for ((i = 0; i < 200; i++)); do
                [ "$(lines "$1")" -ge "$2" ] && return 0
                sleep 0.1
        done
        log "$1: fewer than $2 reports in 20 s"
        return 1
}
mode_run() { # MODE: its collectors, its workload, then $WORK/MODE/{truth,*.jsonl,ex.cpu}
        local mode=$1 dir=$WORK/$1 tag=b${1:0:1}$$ flag= pg_on pg_off ex= scr= n g
        [ "$mode" = orphan ] && flag=-o
        mkdir -p "$dir"
        : >"$dir/ex.cpu"
        for g in cc mk mi rp; do printf 'match "%s" { comm = {"%s.%s"} }\n' $g $g "$tag"; done >"$dir/pg.conf"
        "$PROCGROUPS" --config "$dir/pg.conf" --interval 1 --format json >"$dir/on.jsonl" 2>"$dir/on.err" &
        pg_on=$!
        STARTED+=("$pg_on")
        "$PROCGROUPS" --config "$dir/pg.conf" --interval 1 --format json --exit-records=false \
                >"$dir/off.jsonl" 2>"$dir/off.err" &
        pg_off=$!
        STARTED+=("$pg_off")
        if [ "$CHILDREN_ANCHORS" = exporter ] && [ -x "$EXPORTER" ]; then
                {
                        echo "process_names:"
                        for g in cc mk mi rp; do printf '  - name: %s\n    comm:\n    - %s.%s\n' $g $g "$tag"; done
                } >"$dir/ex.yaml"
                "$EXPORTER" -config.path "$dir/ex.yaml" -web.listen-address "127.0.0.1:$PORT" \
                        >"$dir/ex.log" 2>&1 &
                ex=$!
                STARTED+=("$ex")
                (
                        while :; do
                                curl -s --max-time 5 "http://127.0.0.1:$PORT/metrics" |
                                        awk '/^namedprocess_namegroup_cpu_seconds_total\{/ {
                                                     match($0, /groupname="[^"]*"/)
                                                     s[substr($0, RSTART + 11, RLENGTH - 12)] += $2 }
                                             END { for (g in s) printf "%s %.3f\n", g, s[g] }' >>"$dir/ex.cpu"
                                sleep 1
                        done
                ) &
                scr=$!
                STARTED+=("$scr")
        fi
        # Past the tracker's two quiet scans before the first cc exits.
        wait_lines "$dir/on.jsonl" 3 && wait_lines "$dir/off.jsonl" 3 || return 1
        sleep 1 # the exporter's first scrape
        log "$mode mode: ${MODES_S} s, 15 cc/s of 30 ms each"
        if [ "$(id -u)" = 0 ] && [ "${BENCH_ISOLATE:-1}" = 1 ]; then
                unshare --pid --fork --mount-proc --kill-child "$EXITLOAD" -t "$tag" -d "$MODES_S" $flag \
                        >"$dir/truth" || return 1
        else
                "$EXITLOAD" -t "$tag" -d "$MODES_S" $flag >"$dir/truth" || return 1
        fi
        log "$mode truth: $(cat "$dir/truth")"
        n=$(lines "$dir/on.jsonl")
        wait_lines "$dir/on.jsonl" $((n + 2))
        n=$(lines "$dir/off.jsonl")
        wait_lines "$dir/off.jsonl" $((n + 2))
        for g in $pg_on $pg_off $ex $scr; do stop "$g"; done
}
modes_part() {
        local mode
        for mode in child orphan; do
                mode_run $mode || { log "$mode mode failed"; return 1; }
        done
        python3 - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]

def last(path):
    objs = [json.loads(l) for l in open(path) if l.strip().endswith("}")]
    return objs[-1] if objs else {"groups": {}, "options": {}, "scan": {}}

def cpu(obj, g):
    c = obj["groups"].get(g, {}).get("counts")
    return c["cpu_user_seconds"] + c["cpu_system_seconds"] if c else 0.0

def cell(x, t):
    return "—" if x is None else "%.3f (%+.1f %%)" % (x, (x - t) / t * 100)

notes = []
print("\n| mode | group | truth s | records on | records off | process-exporter |")
print("|---|---|---:|---:|---:|---:|")
for mode in ("child", "orphan"):
    d = "%s/%s/" % (work, mode)
    t = {k: float(v) for k, v in (w.split("=") for w in open(d + "truth").read().split())}
    on, off = last(d + "on.jsonl"), last(d + "off.jsonl")
    ex = {}
    for l in open(d + "ex.cpu"):
        g, v = l.split()
        ex[g] = max(ex.get(g, 0.0), float(v))
    have_ex = bool(open(d + "ex.cpu").read().strip())
    why = on["options"].get("exit_records")
    if why != "active":
        notes.append("%s: records on were not active: %s" % (mode, why))
    for g, truth, label in (("cc", t["cc"], "cc (own clocks, %d)" % t["n_cc"]),
                            ("mk", t["mk_self"], "mk (RUSAGE_SELF)")):
        print("| %s | %s | %.3f | %s | %s | %s |" % (
            mode, label, truth, cell(cpu(on, g), truth), cell(cpu(off, g), truth),
            cell(ex.get(g, 0.0) if have_ex else None, truth)))
    tails = (t["mk_children"] if mode == "child"
             else t["rp_children"] - t["mk_self"] - t["mk_children"]) - cpu(on, "cc")
    s = on.get("scan", {})
    notes.append("%s: mk's SELF + CHILDREN %.3f s; the ccs' CPU after their records (in the "
                 "reaper's rusage, not in a record) %.3f s; records credited %s, lost %s"
                 % (mode, t["mk_self"] + t["mk_children"], tails, s.get("exits_credited"),
                    s.get("exits_lost")))
print()
for n in notes:
    print(n)
PY
}
if [ "$CHILDREN_PARTS" = modes ]; then
        command -v python3 >/dev/null || { log "part modes needs python3"; exit 2; }
        modes_part
        exit $?
fi

# Part 1: the spawner.
# procgroups: one JSON object per scan, one scan a second
COUNT=$((CHILDREN_S + CHILDREN_HOLD + 5))
HAVE_PG=0
cat >"$WORK/procgroups.conf" <<'EOF'
match "spawner" {
        comm = {"pgspawner"}
}
EOF
if "$PROCGROUPS" --config "$WORK/procgroups.conf" --interval 0.01 --count 1 --format json \
        >/dev/null 2>"$WORK/pg.err"; then
        "$PROCGROUPS" --config "$WORK/procgroups.conf" --interval 1 --count $COUNT --format json \
                >"$WORK/pg.jsonl" 2>"$WORK/pg.err" &
        PG_PID=$!
        STARTED+=("$PG_PID")
        HAVE_PG=1
else
        log "procgroups cannot run --config/--interval/--count yet: $(head -1 "$WORK/pg.err")"
fi

# process-exporter: scraped once a second by a background loop
HAVE_EX=0
if [ "$CHILDREN_ANCHORS" = exporter ] && [ -x "$EXPORTER" ]; then
        printf 'process_names:\n  - name: spawner\n    comm:\n    - pgspawner\n' >"$WORK/ex.yaml"
        "$EXPORTER" -config.path "$WORK/ex.yaml" -web.listen-address "127.0.0.1:$PORT" \
                >"$WORK/ex.log" 2>&1 &
        STARTED+=("$!")
        (
                url=http://127.0.0.1:$PORT/metrics
                while :; do
                        curl -s --max-time 5 "$url" |
                                awk '/^namedprocess_namegroup_cpu_seconds_total\{groupname="spawner"/ { s += $2; n++ }
                                     END { if (n) printf "%.3f\n", s }' >>"$WORK/ex.cpu"
                        sleep 1
                done
        ) &
        STARTED+=("$!")
        HAVE_EX=1
fi
[ $HAVE_PG = 1 ] || [ $HAVE_EX = 1 ] || { log "nothing to measure"; exit 1; }

sleep 2 # both have scanned once before the spawner exists
log "spawner: ${CHILDREN_S} s, $CHILDREN_RATE children/s of 20-50 ms CPU each"
TRUTH_LINE=$("$SPAWNER" -d "$CHILDREN_S" -r "$CHILDREN_RATE" -H "$CHILDREN_HOLD")
TRUTH=$(sed 's/^truth_cpu_seconds=\([0-9.]*\).*/\1/' <<<"$TRUTH_LINE")
log "$TRUTH_LINE"
[ $HAVE_PG = 1 ] && wait "$PG_PID"

printf '\n| collector | group CPU s | truth s | error |\n|---|---:|---:|---:|\n'
if [ $HAVE_PG = 1 ]; then
        PG=$(python3 - "$WORK/pg.jsonl" <<'EOF'
import json, sys
last = None
for line in open(sys.argv[1]):
    if line.strip():
        last = json.loads(line)
g = (last or {}).get("groups", {}).get("spawner")
print("%.3f" % (g["counts"]["cpu_user_seconds"] + g["counts"]["cpu_system_seconds"]) if g else "none")
EOF
        )
        if [ "$PG" = none ]; then
                echo "| procgroups | (no group) | $TRUTH | - |"
        else
                echo "| procgroups | $PG | $TRUTH | $(err_pct "$PG" "$TRUTH") |"
        fi
fi
if [ $HAVE_EX = 1 ]; then
        EX=$(sort -g "$WORK/ex.cpu" 2>/dev/null | tail -1)
        if [ -n "$EX" ]; then
                echo "| prometheus-process-exporter | $EX | $TRUTH | $(err_pct "$EX" "$TRUTH") |"
        else
                echo "| prometheus-process-exporter | (no scrape) | $TRUTH | - |"
        fi
fi
