#!/bin/bash
# SPDX-License-Identifier: MIT
# ab.sh: procgroups scans against the same-files floor, interleaved, for
# A/B comparisons of builds (the goal "≤ 1.15 × the best floor for the
# same files", with less noise than one `make bench` run gives).
#
#   bench/ab.sh [-n N] [-r ROUNDS] [-t SECONDS] [-T] PGSCAN [PGSCAN...]
#
# In a private PID namespace: starts `load -n N` (1000), traces one steady
# scan of the first PGSCAN (bench/scanfiles.awk) and then, ROUNDS (8)
# times, runs `floor -R LIST -k` (those files, kept fds + pread) and each
# PGSCAN (-T: threads off) for SECONDS (3) each. Prints per binary the
# median CPU ms per scan and the median of its per-round ratios to the
# floor. load and floor come from the first PGSCAN's directory (a build's
# bench/, `make bench/pgscan bench/load bench/floor`). Root, and strace.
set -eu
if [ "${AB_INNER:-}" != 1 ]; then
        [ "$(id -u)" = 0 ] || { echo "ab.sh: needs root (unshare --pid)" >&2; exit 2; }
        AB_INNER=1 exec unshare --pid --fork --mount-proc "$0" "$@"
fi
n=1000 rounds=8 secs=3 mode=
while getopts n:r:t:T o; do
        case $o in
        n) n=$OPTARG ;; r) rounds=$OPTARG ;; t) secs=$OPTARG ;; T) mode=-T ;;
        *) exit 2 ;;
        esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: ab.sh [-n N] [-r ROUNDS] [-t SECONDS] [-T] PGSCAN..." >&2; exit 2; }
bin=$(cd "$(dirname "$1")" && pwd)
src=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/pgab.XXXXXX)
"$bin/load" -n "$n" -m 3600 -p "$work/pids" &
load=$!
trap 'kill "$load" 2>/dev/null; wait "$load" 2>/dev/null; rm -rf "$work"' EXIT
while [ ! -s "$work/pids" ]; do
        kill -0 "$load" 2>/dev/null || { echo "ab.sh: load failed" >&2; exit 1; }
        sleep 0.1
done
strace -y -e trace=openat,pread64,newfstatat,getdents64 -o "$work/strace" \
        "$1" -w 2 -n 1 -N 1 $mode >/dev/null 2>&1
awk -f "$src/scanfiles.awk" "$work/strace" >"$work/list"
echo "N=$n ${mode:-threads on} rounds=$rounds: $(wc -l <"$work/list") files a scan"
cpu() { sed -n 's/.* cpu_ms=\([0-9.]*\) .*/\1/p'; }
for ((r = 0; r < rounds; r++)); do
        f=$("$bin/floor" -t "$secs" -R "$work/list" -k | cpu)
        i=0
        for p in "$@"; do
                c=$("$p" $mode -t "$secs" | cpu)
                echo "$i $c $f" >>"$work/res"
                i=$((i + 1))
        done
        echo "$f" >>"$work/floor"
done
med() { sort -g | awk '{a[NR] = $1} END { print NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
echo "floor (same files, kept): $(med <"$work/floor") ms"
i=0
for p in "$@"; do
        printf '%s: %s ms, x floor %.2f (median of per-round ratios)\n' "$p" \
                "$(awk -v i=$i '$1 == i { print $2 }' "$work/res" | med)" \
                "$(awk -v i=$i '$1 == i { print $2 / $3 }' "$work/res" | med)"
        i=$((i + 1))
done
