#!/bin/sh
# SPDX-License-Identifier: MIT
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

# As root, run in a fresh PID namespace with its own /proc: the tracker
# then sees the soak's churn only, not whatever else the machine runs
# (10,000 processes of a benchmark made scans take 0.7 s and moved RSS),
# and when the soak (pid 1 there) exits the kernel kills anything left.
# SOAK_ISOLATE=no scans the host's /proc instead.
isolate=
if [ "${SOAK_ISOLATE:-auto}" != no ] && [ "$(id -u)" = 0 ] &&
	unshare --pid --fork --mount-proc --kill-child true 2>/dev/null; then
	isolate="unshare --pid --fork --mount-proc --kill-child"
	echo "soak: in a private PID namespace and /proc"
fi
# timeout(1) signals what it started by its PID only, TERM then KILL.
limit=$(awk -v s="$secs" 'BEGIN { printf "%d", s + 60 }')
exec timeout -k 5 "$limit" $isolate "$bin" -t "$secs" -r "$rate"
