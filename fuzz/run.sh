#!/bin/sh
# SPDX-License-Identifier: MIT
# Run every libFuzzer target of `make fuzz` for a share of SECONDS (default
# 60 in total), two at a time, over the committed seed corpus
# (fuzz/corpus/<target>/, read only: new inputs go to a temp dir).
#
#   fuzz/run.sh [SECONDS]        from the build dir, after `make fuzz`
#   FUZZ_BIN=/build/fuzz fuzz/run.sh 600
#
# Prints executions per target; exits 1 if any target crashed, leaked or
# tripped a sanitizer (its reproducer is kept in $FUZZ_OUT, printed).
set -u
total=${1:-60}
here=$(cd "$(dirname "$0")" && pwd)
bin=${FUZZ_BIN:-$PWD/fuzz}
out=${FUZZ_OUT:-$(mktemp -d /tmp/pg-fuzz-run.XXXXXX)}
targets="stat status io limits cmdline wchan schedstat smaps_rollup btime json_str prom_label
config template scan yaml exits"
jobs=2

n=0
for t in $targets; do
	[ -x "$bin/fuzz_$t" ] || { echo "run.sh: $bin/fuzz_$t missing (make fuzz)" >&2; exit 2; }
	n=$((n + 1))
done
# Two at a time: each target gets jobs*total/n seconds, the scan (slower,
# file system work per input) a triple share.
share=$((jobs * total / (n + 2)))
[ "$share" -ge 1 ] || share=1

run_one() {
	t=$1 secs=$2
	mkdir -p "$out/$t/new"
	"$bin/fuzz_$t" "$out/$t/new" "$here/corpus/$t" -max_total_time="$secs" -timeout=20 \
		-rss_limit_mb=2048 -max_len=70000 -print_final_stats=1 \
		-artifact_prefix="$out/$t/" >"$out/$t/log" 2>&1
	echo $? >"$out/$t/rc"
}

running=0
for t in $targets; do
	secs=$share
	[ "$t" = scan ] && secs=$((share * 3))
	run_one "$t" "$secs" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait

fail=0
printf '%-14s %12s %8s %s\n' target executions corpus result
for t in $targets; do
	rc=$(cat "$out/$t/rc")
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t/log" | tail -1)
	corp=$(ls "$here/corpus/$t" "$out/$t/new" | grep -vc ':$')
	res=ok
	if [ "$rc" != 0 ]; then
		res="FAILED (rc $rc): $(ls "$out/$t"/crash-* "$out/$t"/leak-* "$out/$t"/timeout-* "$out/$t"/oom-* 2>/dev/null | tr '\n' ' ')"
		fail=1
	fi
	printf '%-14s %12s %8s %s\n' "$t" "${execs:-?}" "$corp" "$res"
done
if [ "$fail" = 1 ]; then
	echo "run.sh: logs and reproducers in $out" >&2
	exit 1
fi
[ -n "${FUZZ_OUT:-}" ] || rm -rf "$out"
exit 0
