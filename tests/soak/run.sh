#!/bin/sh
# Run the churn soak (tests/soak/soak.c) from a build dir, bounded in time.
#
#   tests/soak/run.sh [SECONDS [FORKS_PER_S]]     (defaults 60 and 500)
#   make soak SOAK_SECONDS=20                     (what .ci/run does)
#
# The soak kills what it started by PID; this wrapper only bounds the soak
# itself should it ever hang.
set -u
secs=${1:-${SOAK_SECONDS:-60}}
rate=${2:-${SOAK_RATE:-500}}
bin=${SOAK_BIN:-$PWD/tests/soak/soak}
[ -x "$bin" ] || { echo "run.sh: $bin missing (make tests/soak/soak)" >&2; exit 2; }

# timeout(1) signals the soak by its PID only, TERM then KILL.
limit=$(awk -v s="$secs" 'BEGIN { printf "%d", s + 60 }')
exec timeout -k 5 "$limit" "$bin" -t "$secs" -r "$rate"
