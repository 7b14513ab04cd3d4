#!/bin/bash
# SPDX-License-Identifier: MIT
# run.sh BUILDDIR -- what `make bench` runs: CPU per full /proc scan of
# procgroups next to the floor (and the Debian anchors where installed), on
# a population of sleeping processes, at several N. See bench/README.md.
#
# Knobs (environment):
#   BENCH_N="1000 5000"   population sizes (add 10000 where the machine allows)
#   BENCH_QUICK=1         N=1000 only, short windows, one anchor pass (at most 150 s)
#   BENCH_RUNS=5          interleaved runs of floor and pgscan per N (median)
#   BENCH_SECONDS=2       minimum measuring time of one floor/pgscan run
#   BENCH_ANCHOR_S=8      measuring window of each anchor
#   BENCH_ANCHORS="exporter collectd apps"   which anchors to try ("" = none)
#   BENCH_THREADS=20 BENCH_FDS=5 BENCH_GROUPS=10 BENCH_CHURN=0  (load.c)
#   BENCH_TIMEOUT=1200    hard bound of the whole run, seconds
#   BENCH_OUT=DIR         keep results.txt and table.md there
#   BENCH_ISOLATE=1       0: no PID namespace (every process counts)
set -u

BUILD=${1:-${BENCH_BUILD:-}}
[ -n "$BUILD" ] && [ -d "$BUILD" ] || { echo "usage: run.sh BUILDDIR" >&2; exit 2; }
BUILD=$(cd "$BUILD" && pwd)
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
SRC=$(dirname "$SELF")
BIN=$BUILD/bench
PROCGROUPS=${PROCGROUPS:-$BUILD/procgroups}

if [ "${BENCH_QUICK:-0}" = 1 ]; then
        : "${BENCH_N:=1000}" "${BENCH_RUNS:=3}" "${BENCH_SECONDS:=1}" "${BENCH_ANCHOR_S:=4}"
        : "${BENCH_TIMEOUT:=150}"
fi
BENCH_N=${BENCH_N:-1000 5000}
BENCH_RUNS=${BENCH_RUNS:-5}
BENCH_SECONDS=${BENCH_SECONDS:-2}
BENCH_ANCHOR_S=${BENCH_ANCHOR_S:-8}
BENCH_ANCHORS=${BENCH_ANCHORS-exporter collectd apps}
BENCH_THREADS=${BENCH_THREADS:-20}
BENCH_FDS=${BENCH_FDS:-5}
BENCH_GROUPS=${BENCH_GROUPS:-10}
BENCH_CHURN=${BENCH_CHURN:-0}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-1200}
EXPORTER=${EXPORTER:-/usr/bin/prometheus-process-exporter}
COLLECTD=${COLLECTD:-/usr/sbin/collectd}
APPS_PLUGIN=${APPS_PLUGIN:-/usr/lib/netdata/plugins.d/apps.plugin}
PORT=${BENCH_PORT:-19256}
export BENCH_N BENCH_RUNS BENCH_SECONDS BENCH_ANCHOR_S BENCH_ANCHORS BENCH_THREADS BENCH_FDS \
        BENCH_GROUPS BENCH_CHURN BENCH_TIMEOUT PROCGROUPS

for p in load floor pgscan cpuof; do
        [ -x "$BIN/$p" ] || { echo "run.sh: $BIN/$p missing (make bench builds it)" >&2; exit 2; }
done

# Re-execute in a private PID, mount (for /proc) and network namespace:
# /proc shows only our processes, 127.0.0.1 is ours, and leaving the
# namespace kills whatever is left. timeout bounds the whole run.
if [ "${BENCH_ISOLATE:-1}" = 1 ] && [ -z "${BENCH_IN_NS:-}" ]; then
        [ "$(id -u)" = 0 ] || { echo "run.sh: the namespace needs root; BENCH_ISOLATE=0" >&2; exit 2; }
        BENCH_IN_NS=1 timeout -k 10 "$BENCH_TIMEOUT" \
                unshare --pid --fork --mount-proc --net --kill-child bash "$SELF" "$BUILD"
        rc=$?
        [ $rc = 124 ] && echo "run.sh: stopped after BENCH_TIMEOUT=$BENCH_TIMEOUT s" >&2
        exit $rc
fi
[ -n "${BENCH_IN_NS:-}" ] && ip link set lo up 2>/dev/null

WORK=$(mktemp -d /tmp/pgbench.XXXXXX)
OUT=${BENCH_OUT:-$WORK}
mkdir -p "$OUT"
RES=$OUT/results.txt
: >"$RES"
STARTED=()
START_S=$SECONDS
# stop PID: TERM, then KILL after 5 s; reap. Only PIDs we started.
stop() {
        local pid=$1 i
        kill -TERM "$pid" 2>/dev/null || return 0
        for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        # forget it: its number may be reused by a later process of ours
        local keep=() p
        for p in "${STARTED[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
        STARTED=("${keep[@]}")
        return 0
}
cleanup() {
        local p
        for p in "${STARTED[@]}"; do stop "$p"; done
        rm -rf "$WORK" # results.txt survives only in BENCH_OUT
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
log() { printf '[%3ds] %s\n' $((SECONDS - START_S)) "$*" >&2; }
left() { echo $((BENCH_TIMEOUT - 15 - (SECONDS - START_S))); }
cpu_ns() { "$BIN/cpuof" "$1" | sed 's/cpu_ns=\([0-9]*\).*/\1/'; }
hwm_kb() { "$BIN/cpuof" "$1" | sed 's/.*hwm_kb=//'; }
now_ms() { date +%s%3N; }
# record KEY=VALUE...: one result line, tagged with the population
record() { echo "n=$CUR_N procs=$CUR_PROCS tasks=$CUR_TASKS $*" >>"$RES"; log "$*"; }
# per_scan CPU_NS0 CPU_NS1 SCANS WALL_MS -> "cpu_ms=… wall_ms=…"
per_scan() { awk -v a="$1" -v b="$2" -v n="$3" -v w="$4" \
        'BEGIN { printf "cpu_ms=%.3f wall_ms=%.1f", (b - a) / 1e6 / n, w / n }'; }

# ------------------------------------------------------------- population --
load_start() {
        local i
        LOAD_PIDFILE=$WORK/load.pids
        "$BIN/load" -n "$1" -T "$BENCH_THREADS" -f "$BENCH_FDS" -g "$BENCH_GROUPS" \
                -c "$BENCH_CHURN" -m "$BENCH_TIMEOUT" -p "$LOAD_PIDFILE" &
        LOAD_PID=$!
        STARTED+=("$LOAD_PID")
        for ((i = 0; i < 1200; i++)); do
                [ -s "$LOAD_PIDFILE" ] && return 0
                kill -0 "$LOAD_PID" 2>/dev/null || return 1
                sleep 0.1
        done
        return 1
}

# ---------------------------------------------------------- kernel memory --
# What a collector holds in the kernel (bench/kmem.h, bench/README.md):
# - SUnreclaim (/proc/meminfo): its growth while the collector runs, at
#   steady state, over just before it started. Machine-wide: what any
#   other process allocates meanwhile counts too (the "noise" line of the
#   table measures that with no collector running), hence medians of
#   several samples. Before each baseline, deferred frees get 0.2 s and
#   empty slabs are given back (SLUB's shrink; root), so that the next
#   collector's objects show as new pages.
# - held: the kernel memory charged to our own memory cgroup while the
#   collector runs less after it exited: what its exit gave back (files,
#   sockets, kernel stacks, page tables). The cgroup holds only our
#   processes, so other tenants do not move it; the dentries and inodes a
#   collector's first reads create stay cached (and charged) after it
#   exits, so they are not in it. Sampled without forking (a forked
#   reader would count its own kernel memory); floor and pgscan sample
#   themselves between scans and print cgroup_at_kb=.
CGFILE= CGV2=0
while IFS=: read -r _ ctl path; do
        if [ "$ctl" = memory ] &&
                [ -r "/sys/fs/cgroup/memory$path/memory.kmem.usage_in_bytes" ]; then
                CGFILE=/sys/fs/cgroup/memory$path/memory.kmem.usage_in_bytes
                break
        fi
        if [ -z "$ctl" ] && [ -r "/sys/fs/cgroup$path/memory.stat" ]; then
                CGFILE=/sys/fs/cgroup$path/memory.stat CGV2=1
                break
        fi
done </proc/self/cgroup
slab_shrink() {
        local f
        sleep 0.2
        for f in /sys/kernel/slab/*/shrink; do echo 1 >"$f"; done 2>/dev/null
        return 0
}
# kmem_sample: KM="SUNRECLAIM_KB:CGROUP_KB" now (-1: unknown), with
# builtins only
kmem_sample() {
        local k v _ u=-1 c=-1
        while read -r k v _; do
                [ "$k" = SUnreclaim: ] && { u=$v; break; }
        done </proc/meminfo
        if [ -n "$CGFILE" ] && [ $CGV2 = 1 ]; then
                while read -r k v; do
                        [ "$k" = kernel ] && { c=$((v / 1024)); break; }
                done <"$CGFILE"
        elif [ -n "$CGFILE" ]; then
                read -r v <"$CGFILE" && c=$((v / 1024))
        fi
        KM=$u:$c
}
# kmem_samples N GAP: KS=( N samples GAP seconds apart, the first after GAP )
kmem_samples() {
        local i
        KS=()
        for ((i = 0; i < $1; i++)); do
                sleep "$2"
                kmem_sample
                KS+=("$KM")
        done
}
median_of() { # NUMBERS...
        printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 }
                END { if (NR) print NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
# kmem_median SAMPLES...: "U:C", the median of each figure
kmem_median() {
        local x u=() c=()
        for x in "$@"; do u+=("${x%%:*}"); c+=("${x##*:}"); done
        echo "$(median_of "${u[@]}"):$(median_of "${c[@]}")"
}
# kmem_base: shrink, then KMEM0 = the median of three samples 50 ms apart
kmem_base() {
        slab_shrink
        kmem_samples 3 0.05
        KMEM0=$(kmem_median "${KS[@]}")
}
# kmem_growth SAMPLES...: GROWTH="kernel_kb=… cgroup_kb=… cgroup_at_kb=…":
# the medians less KMEM0 (-1: unknown) and the cgroup's median itself
kmem_growth() {
        GROWTH=$(awk -v m="$(kmem_median "$@")" -v b="$KMEM0" 'BEGIN {
                split(m, x, ":"); split(b, y, ":")
                printf "kernel_kb=%.0f cgroup_kb=%.0f cgroup_at_kb=%.0f\n", x[1] - y[1],
                        (y[2] < 0 ? -1 : x[2] - y[2]), (y[2] < 0 ? -1 : x[2]) }')
}
# held RESULT: once the collector of RESULT (with cgroup_at_kb=) has exited,
# HELD="held_kb=…": its cgroup_at_kb less the cgroup's kernel memory now
# (the median of three, after 0.3 s for deferred frees)
held() {
        local at=${1##*cgroup_at_kb=}
        at=${at%% *}
        case $1 in *cgroup_at_kb=*) ;; *) at=-1 ;; esac
        sleep 0.25
        kmem_samples 3 0.05
        HELD=$(awk -v at="${at:--1}" -v m="$(kmem_median "${KS[@]}")" 'BEGIN { split(m, x, ":")
                printf "held_kb=%.0f\n", (at < 0 || x[2] < 0) ? -1 : at - x[2] }')
}
# fd_count PID: its open descriptors now (each kept /proc file is one; a
# check on the machine-wide figures that needs no baseline)
fd_count() {
        local f n=0
        for f in /proc/"$1"/fd/*; do n=$((n + 1)); done
        echo "$n"
}
# The same for a window of no collector at all: what the others moved.
m_noise() {
        kmem_base
        kmem_samples 5 0.4
        kmem_growth "${KS[@]}"
        record "collector=none variant=noise $GROWTH"
}

# --------------------------------------------------------------- floor/pg --
m_floor() { # LABEL ARGS...
        local line
        slab_shrink
        line=$("$BIN/floor" -t "$BENCH_SECONDS" -l "$1" "${@:2}") || return
        held "$line"
        record "$line $HELD"
}
m_pgscan() { # ARGS...
        local line
        slab_shrink
        line=$("$BIN/pgscan" -t "$BENCH_SECONDS" "$@") || { log "pgscan failed"; return; }
        held "$line"
        record "$line $HELD"
}

# The "same files" floor: strace one steady-state pgscan scan (the third),
# turn what it opened or re-read through a kept fd, counted and listed into
# a list, and let floor -R
# replay exactly that, with a dirfd per pid (as procgroups) and with kept
# fds + pread. Needs strace; without it these rows are missing.
m_same() { # on|off PGSCAN_ARGS...
        local list=$WORK/same-$1-$CUR_N.list
        command -v strace >/dev/null || return 0
        # traced once per N, replayed in every run (a single replay is as
        # noisy as any single run)
        if [ -s "$list" ]; then
                m_floor "same-files-$1" -R "$list" -P
                m_floor "same-files-$1-kept" -R "$list" -k
                return 0
        fi
        strace -y -e trace=openat,pread64,newfstatat,getdents64 -o "$WORK/strace" \
                "$BIN/pgscan" -w 2 -n 1 -N 1 "${@:2}" >/dev/null 2>&1 || return 0
        awk -f "$SRC/scanfiles.awk" "$WORK/strace" >"$list"
        [ -s "$list" ] || return 0
        m_floor "same-files-$1" -R "$list" -P
        m_floor "same-files-$1-kept" -R "$list" -k
}

# The CLI end to end, steady state: CPU of (2 + K) scans minus CPU of 2
# scans, over K. Only once the CLI has --interval/--count. Its kernel
# memory from a run of its own (m_cli_kmem, into CLIK): --interval 0.2,
# sampled five times once it has printed three reports (past the first
# sight of every process).
cli_ok() { "$PROCGROUPS" --interval 0.01 --count 1 --format json >/dev/null 2>&1; }
m_cli_kmem() { # ARGS...
        local out=$WORK/cli-kmem pid i r
        kmem_base
        "$PROCGROUPS" --interval 0.2 --format json "$@" >"$out" 2>/dev/null &
        pid=$!
        STARTED+=("$pid")
        for ((i = 0; i < 1200; i++)); do
                [ "$(wc -l <"$out")" -ge 3 ] && break
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
        done
        kmem_samples 5 0.2
        kmem_growth "${KS[@]}"
        r="open_fds=$(fd_count "$pid") $GROWTH"
        stop "$pid"
        held "$r"
        CLIK="$r $HELD"
}
m_cli() { # LABEL ARGS...
        local k=10 a b t0 t1 t2
        t0=$(now_ms)
        a=$("$BIN/cpuof" -- "$PROCGROUPS" --interval 0.01 --count 2 --format json "${@:2}") || return
        t1=$(now_ms)
        b=$("$BIN/cpuof" -- "$PROCGROUPS" --interval 0.01 --count $((2 + k)) --format json "${@:2}") || return
        t2=$(now_ms)
        a=${a#cpu_ns=} b=${b#cpu_ns=}
        m_cli_kmem "${@:2}"
        # wall: the same difference, minus the 10 ms sleeps between scans
        record "collector=procgroups-cli variant=$1 scans=$k" \
                "$(per_scan "${a%% *}" "${b%% *}" "$k" $((t2 - t1 - (t1 - t0) - 10 * k)))" \
                "peak_rss_kb=${b##*hwm_kb=}" "$CLIK"
}

# ---------------------------------------------------------------- anchors --
# window PID COUNTER_FN: CPU of PID while COUNTER_FN's number of scans grows
# for BENCH_ANCHOR_S seconds, and the kernel memory sampled four times in
# it (over KMEM0, taken before the collector started); WIN="scans=…
# cpu_ms=… wall_ms=… open_fds=… kernel_kb=… …"
window() {
        local pid=$1 fn=$2 c0 c1 s0 s1 t0 t1
        s0=$($fn); c0=$(cpu_ns "$pid"); t0=$(now_ms)
        kmem_samples 4 "$(awk -v s="$BENCH_ANCHOR_S" 'BEGIN { print s / 4 }')"
        s1=$($fn); c1=$(cpu_ns "$pid"); t1=$(now_ms)
        [ $((s1 - s0)) -gt 0 ] || return 1
        kmem_growth "${KS[@]}"
        WIN="scans=$((s1 - s0)) $(per_scan "$c0" "$c1" $((s1 - s0)) $((t1 - t0)))"
        WIN="$WIN open_fds=$(fd_count "$pid") $GROWTH"
}

m_exporter() {
        local d=$WORK/exporter pid url=http://127.0.0.1:$PORT/metrics i c0 c1 t0 t1 k=0 ks=() tk r
        mkdir -p "$d"
        kmem_base
        printf 'process_names:\n  - name: "{{.Comm}}"\n    cmdline:\n    - ".+"\n' >"$d/config.yaml"
        "$EXPORTER" -config.path "$d/config.yaml" -web.listen-address "127.0.0.1:$PORT" \
                -threads=true >"$d/log" 2>&1 &
        pid=$!
        STARTED+=("$pid")
        for ((i = 0; i < 100; i++)); do
                curl -s -o /dev/null --max-time 5 "$url" && break
                sleep 0.1
        done
        curl -s -o /dev/null --max-time 60 "$url" # warm-up: first sight of every PID
        c0=$(cpu_ns "$pid"); t0=$(now_ms); tk=$t0
        while [ $k -lt 3 ] || [ $(($(now_ms) - t0)) -lt $((BENCH_ANCHOR_S * 1000)) ]; do
                curl -s -o /dev/null --max-time 60 "$url" || break
                k=$((k + 1))
                # the kernel memory about four times in the window
                if [ $(($(now_ms) - tk)) -ge $((BENCH_ANCHOR_S * 250)) ]; then
                        kmem_sample
                        ks+=("$KM")
                        tk=$(now_ms)
                fi
        done
        c1=$(cpu_ns "$pid"); t1=$(now_ms)
        r="$(per_scan "$c0" "$c1" $k $((t1 - t0))) peak_rss_kb=$(hwm_kb "$pid")"
        [ ${#ks[@]} -gt 0 ] || { kmem_sample; ks+=("$KM"); }
        kmem_growth "${ks[@]}"
        r="$r open_fds=$(fd_count "$pid") $GROWTH"
        stop "$pid"
        held "$r"
        [ $k -gt 0 ] && record "collector=process-exporter variant=threads-on scans=$k $r $HELD"
}

collectd_scans() { cat "$WORK"/collectd/csv/*/processes-pgload0/ps_count-* 2>/dev/null | grep -c '^[0-9]'; }
m_collectd() {
        local d=$WORK/collectd pid g r i
        rm -rf "$d"
        mkdir -p "$d/csv"
        {
                printf 'Hostname "bench"\nFQDNLookup false\nBaseDir "%s"\nInterval 1\n' "$d"
                printf 'PluginDir "/usr/lib/collectd"\nTypesDB "/usr/share/collectd/types.db"\n'
                printf 'LoadPlugin csv\n<Plugin csv>\n  DataDir "%s/csv"\n</Plugin>\n' "$d"
                printf 'LoadPlugin processes\n<Plugin processes>\n'
                printf '  CollectFileDescriptor true\n  CollectContextSwitch true\n'
                for ((g = 0; g < BENCH_GROUPS; g++)); do
                        printf '  ProcessMatch "pgload%d" "^pgload%d$"\n' $g $g
                done
                printf '</Plugin>\n'
        } >"$d/collectd.conf"
        kmem_base
        "$COLLECTD" -f -C "$d/collectd.conf" >"$d/log" 2>&1 &
        pid=$!
        STARTED+=("$pid")
        for ((i = 0; i < 100; i++)); do
                [ "$(collectd_scans)" -ge 2 ] && break
                sleep 0.1
        done
        r=
        window "$pid" collectd_scans && r="$WIN peak_rss_kb=$(hwm_kb "$pid")"
        stop "$pid"
        [ -n "$r" ] && held "$r" && record "collector=collectd variant=processes $r $HELD"
}

apps_scans() { grep -c '^BEGIN netdata.apps_cpu ' "$WORK/apps/out" 2>/dev/null; }
m_apps() {
        local d=$WORK/apps pid g r i fd
        rm -rf "$d"
        mkdir -p "$d"
        for ((g = 0; g < BENCH_GROUPS; g++)); do echo "pgload$g: pgload$g"; done >"$d/apps_groups.conf"
        mkfifo "$d/in"
        exec {fd}<>"$d/in" # apps.plugin exits when its stdin closes
        kmem_base
        NETDATA_USER_CONFIG_DIR=$d NETDATA_STOCK_CONFIG_DIR=/usr/lib/netdata/conf.d \
                NETDATA_LOG_DIR=$d NETDATA_HOST_PREFIX= "$APPS_PLUGIN" 1 <&"$fd" >"$d/out" 2>"$d/err" &
        pid=$!
        STARTED+=("$pid")
        for ((i = 0; i < 100; i++)); do
                [ "$(apps_scans)" -ge 2 ] && break
                sleep 0.1
        done
        r=
        window "$pid" apps_scans && r="$WIN peak_rss_kb=$(hwm_kb "$pid")"
        stop "$pid"
        [ -n "$r" ] && held "$r" && record "collector=apps.plugin variant=default $r $HELD"
        exec {fd}>&-
}

anchor() { # NAME: run it if wanted, installed and there is time
        case " $BENCH_ANCHORS " in *" $1 "*) ;; *) return ;; esac
        local bin
        case $1 in exporter) bin=$EXPORTER ;; collectd) bin=$COLLECTD ;; apps) bin=$APPS_PLUGIN ;; esac
        [ -x "$bin" ] || { log "anchor $1: $bin not installed, skipped"; return; }
        [ "$(left)" -gt $((BENCH_ANCHOR_S * 3 + 10)) ] || { log "anchor $1: no time left"; return; }
        "m_$1"
        m_floor full -F
}

# ------------------------------------------------------------------- main --
HAVE_CLI=0
cli_ok && HAVE_CLI=1
[ $HAVE_CLI = 1 ] || log "procgroups CLI has no --interval/--count yet: CLI rows skipped"
for CUR_N in $BENCH_N; do
        [ "$(left)" -gt 30 ] || { log "no time left for N=$CUR_N"; break; }
        log "N=$CUR_N: starting the load ($((CUR_N / 20)) x $BENCH_THREADS threads)"
        load_start "$CUR_N" || { log "load did not start"; break; }
        CUR_PROCS=$(printf '%s\n' /proc/[0-9]* | wc -l)
        CUR_TASKS=$(printf '%s\n' /proc/[0-9]*/task/[0-9]* | wc -l)
        log "visible: $CUR_PROCS processes, $CUR_TASKS tasks"
        m_noise
        for ((run = 0; run < BENCH_RUNS; run++)); do
                [ "$(left)" -gt 20 ] || break
                m_floor full -F
                m_pgscan -l threads-on
                m_floor min
                m_pgscan -T -l threads-off
                # the same two with cold CPU caches (evict.h): what a scan
                # costs on a host whose work runs between scans
                m_floor full-cold -F -E
                m_pgscan -E -l threads-on-cold
                [ $run = 0 ] && m_floor full-kept -F -k
                m_same on
                m_same off -T
        done
        if [ $HAVE_CLI = 1 ]; then
                m_cli threads-on
                m_floor full -F
        fi
        anchor exporter
        anchor collectd
        anchor apps
        m_noise
        stop "$LOAD_PID"
done

# ----------------------------------------------------------------- report --
REPORT=$(
        cat <<'EOF'

function v(k,   i, p) { for (i = 1; i <= NF; i++) { p = index($i, "="); if (substr($i, 1, p - 1) == k) return substr($i, p + 1) } return "" }
function median(s,   a, n, i, j, t) {
        n = split(s, a, " ")
        for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
        k = v("collector") " " v("variant"); n = v("n")
        if (!(n in seen_n)) { seen_n[n] = 1; ns[++nn] = n }
        procs[n] = v("procs"); tasks[n] = v("tasks")
        # no collector: what SUnreclaim did meanwhile (a footnote)
        if (v("collector") == "none") { noise[n] = noise[n] " " v("kernel_kb"); snoise[n] = snoise[n] " " v("cgroup_kb"); next }
        if (!(k in seen)) { seen[k] = 1; order[++nk] = k }
        cpu[k, n] = cpu[k, n] " " v("cpu_ms"); wall[k, n] = wall[k, n] " " v("wall_ms"); runs[k, n]++
        r = v("peak_rss_kb") + 0; if (r > rss[k, n]) rss[k, n] = r
        kf = v("kept_files") != "" ? v("kept_files") : v("kept_fds")
        if (kf + 0 > 0) kept[k, n] = kf
        if (v("open_fds") != "") kept[k, n] = v("open_fds") " fds"
        if (v("kernel_kb") != "") kern[k, n] = kern[k, n] " " v("kernel_kb")
        if (v("held_kb") != "" && v("held_kb") + 0 != -1) cg[k, n] = cg[k, n] " " v("held_kb")
}
END {
        print "| collector | variant | N | procs / tasks | runs | CPU ms/scan | x floor full | x same-files floor | us/proc | peak RSS MB | wall ms/scan | kept files (open fds) | SUnreclaim kB | SUnreclaim B/proc | held kB (cgroup) |"
        print "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        for (j = 1; j <= nn; j++) {
                n = ns[j]; f = median(cpu["floor full", n]); fc = median(cpu["floor full-cold", n])
                # the cheapest way the floor knows to read procgroups' files
                # paired per run: procgroups over the cheaper same-files
                # floor measured next to it, then the median of those
                # ratios (slow drift between runs cancels out)
                for (t = 0; t < 2; t++) {
                        m = t ? "off" : "on"; sf[m] = ""
                        np = split(cpu["procgroups threads-" m, n], pa, " ")
                        nq = split(cpu["floor same-files-" m, n], qa, " ")
                        nk2 = split(cpu["floor same-files-" m "-kept", n], ka, " ")
                        rs = ""
                        for (r = 1; r <= np && r <= nq && r <= nk2; r++) {
                                x = qa[r] + 0; if (ka[r] + 0 > 0 && ka[r] + 0 < x) x = ka[r] + 0
                                if (x > 0) rs = rs " " (pa[r] / x)
                        }
                        if (rs != "") sf[m] = median(rs)
                }
                for (i = 1; i <= nk; i++) {
                        k = order[i]; if (!((k, n) in runs)) continue
                        c = median(cpu[k, n]); split(k, kv, " ")
                        # cold rows against the floor with cold caches
                        b = (k ~ /-cold$/ && fc > 0) ? fc : f
                        per[k, n] = c * 1000 / procs[n]
                        kk = ((k, n) in kern) ? median(kern[k, n]) : ""
                        ko = ((k, n) in cg) ? sprintf("%.0f", median(cg[k, n])) : "-"
                        # a cold row's RSS and held memory are mostly its
                        # eviction buffer and that buffer's page tables
                        rs = k ~ /-cold$/ ? "-" : sprintf("%.1f", rss[k, n] / 1024)
                        if (k ~ /-cold$/) ko = "-"
                        # the CLI's wall is a difference of two runs: below
                        # their start-up noise it is not a measurement
                        w = median(wall[k, n]); ws = w < 0 ? "-" : sprintf("%.1f", w)
                        printf "| %s | %s | %d | %d / %d | %d | %.1f | %s | %s | %.1f | %s | %s | %s | %s | %s | %s |\n", kv[1], kv[2], n, procs[n], tasks[n], runs[k, n], c,
                                (b > 0 ? sprintf("%.2f", c / b) : "-"), (k ~ /^procgroups threads-o[nf]+$/ && sf[substr(k, 20)] != "" ? sprintf("%.2f", sf[substr(k, 20)]) : "-"), per[k, n], rs, ws,
                                ((k, n) in kept ? kept[k, n] : "-"), (kk != "" ? sprintf("%.0f", kk) : "-"),
                                (kk != "" ? sprintf("%.0f", kk * 1024 / procs[n]) : "-"), ko
                }
        }
        printf "\nKernel memory: SUnreclaim is the growth of SUnreclaim (/proc/meminfo) while the collector runs, at steady state, over just before it started, per process over the visible processes: machine-wide, other processes' allocations count too. Held is the kernel memory charged to the benchmark's own memory cgroup (only its processes) while the collector runs less after it exited: what it held (files, sockets, kernel stacks, page tables), without the dentries and inodes its first reads created, which stay cached. Medians of samples (and of runs); results.txt also has slab_kb for floor and pgscan (live objects of unreclaimable slab caches) and cgroup_kb (the cgroup's growth over before the start). With no collector running SUnreclaim / the cgroup moved by:"
        for (j = 1; j <= nn; j++) {
                na = split(noise[ns[j]], nu, " "); split(snoise[ns[j]], no, " ")
                printf "%s at N=%d", (j > 1 ? ";" : ""), ns[j]
                for (i = 1; i <= na; i++) printf "%s %s / %s kB", (i > 1 ? " and" : ""), nu[i], no[i]
        }
        printf " (in windows before and after the collectors of that N).\n"
        if (nn < 2) exit
        # every N against the smallest (the goal: within 10 % at N = 5000)
        printf "\nLinearity: CPU per visible process against N=%d\n\n", ns[1]
        hdr = "| collector | variant | us/proc at " ns[1]; sep = "|---|---|---:"
        for (j = 2; j <= nn; j++) { hdr = hdr " | at " ns[j] " | change"; sep = sep "|---:|---:" }
        print hdr " |"; print sep "|"
        for (i = 1; i <= nk; i++) {
                k = order[i]; if (!((k, ns[1]) in per)) continue
                split(k, kv, " "); line = sprintf("| %s | %s | %.1f", kv[1], kv[2], per[k, ns[1]])
                for (j = 2; j <= nn; j++)
                        line = line (((k, ns[j]) in per) ? sprintf(" | %.1f | %+.0f %%", per[k, ns[j]], (per[k, ns[j]] / per[k, ns[1]] - 1) * 100) : " | - | -")
                print line " |"
        }
}
EOF
)
awk "$REPORT" "$RES" | tee "$OUT/table.md"
if [ -n "${BENCH_OUT:-}" ]; then log "results: $RES and $OUT/table.md"; fi
[ -s "$RES" ] # fails only when nothing was measured
