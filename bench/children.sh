#!/bin/bash
# SPDX-License-Identifier: MIT
# children.sh BUILDDIR -- the live benchmark of reaped children: does a collector count
# the CPU of processes that live and die between two scans?
#
# bench/spawner (comm "pgspawner") forks short children that burn 20-50 ms
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
# Knobs: CHILDREN_S=60 (spawner's work), CHILDREN_RATE=15 (children/s),
# CHILDREN_HOLD=3, CHILDREN_ANCHORS="exporter", BENCH_PORT=19257,
# BENCH_ISOLATE=1 (own PID/mount/net namespace; 0 = none).
set -u

BUILD=${1:-${BENCH_BUILD:-}}
[ -n "$BUILD" ] && [ -d "$BUILD" ] || { echo "usage: children.sh BUILDDIR" >&2; exit 2; }
BUILD=$(cd "$BUILD" && pwd)
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
PROCGROUPS=${PROCGROUPS:-$BUILD/procgroups}
SPAWNER=$BUILD/bench/spawner
EXPORTER=${EXPORTER:-/usr/bin/prometheus-process-exporter}
CHILDREN_S=${CHILDREN_S:-60}
CHILDREN_RATE=${CHILDREN_RATE:-15}
CHILDREN_HOLD=${CHILDREN_HOLD:-3}
CHILDREN_ANCHORS=${CHILDREN_ANCHORS-exporter}
PORT=${BENCH_PORT:-19257}
export CHILDREN_S CHILDREN_RATE CHILDREN_HOLD CHILDREN_ANCHORS PROCGROUPS
[ -x "$SPAWNER" ] || { echo "children.sh: $SPAWNER missing (make bench-children builds it)" >&2; exit 2; }

if [ "${BENCH_ISOLATE:-1}" = 1 ] && [ -z "${BENCH_IN_NS:-}" ]; then
        [ "$(id -u)" = 0 ] || { echo "children.sh: the namespace needs root; BENCH_ISOLATE=0" >&2; exit 2; }
        BENCH_IN_NS=1 timeout -k 10 $((CHILDREN_S + CHILDREN_HOLD + 60)) \
                unshare --pid --fork --mount-proc --net --kill-child bash "$SELF" "$BUILD"
        exit $?
fi
[ -n "${BENCH_IN_NS:-}" ] && ip link set lo up 2>/dev/null

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
