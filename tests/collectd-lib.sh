# Shared by tests/collectd-*.test: find collectd and the built plugin, a
# temp dir, config files, daemons started and stopped by PID. Sourced.

COLLECTD=${COLLECTD:-/usr/sbin/collectd}
TYPESDB=${TYPESDB:-/usr/share/collectd/types.db}
STDPLUGINDIR=${STDPLUGINDIR:-/usr/lib/collectd}
PG_SO=${PG_SO:-plugin/.libs/procgroups.so}

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

[ -x "$COLLECTD" ] || skip "collectd not installed ($COLLECTD; Debian: collectd-core)"
[ -r "$TYPESDB" ] || skip "no types.db at $TYPESDB"
[ -r "$STDPLUGINDIR/csv.so" ] || skip "no csv plugin in $STDPLUGINDIR"
[ -r "$PG_SO" ] || fail "the plugin is not built: $PG_SO (run make first)"

# The temp dir lives in the build dir: /tmp may be tmpfs, where writes
# never reach /proc/<pid>/io's write_bytes.
T=$(mktemp -d "$PWD/collectd-test.XXXXXX") || fail "mktemp"
PIDS=
cleanup() {
        for p in $PIDS; do kill "$p" 2>/dev/null; done
        sleep 0.2
        for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
        if [ -n "${KEEP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# A sanitizer build's plugin needs the ASan runtime first in the daemon,
# which Debian's collectd is not linked with: preload it (collectd's own
# leaks are not ours to report).
if [ "${PG_SANITIZERS:-no}" = yes ]; then
        asan=$(${CC:-gcc} -print-file-name=libasan.so)
        [ -r "$asan" ] || skip "sanitizer build, but no libasan.so to preload into collectd"
        cat >"$T/collectd" <<EOF
#!/bin/sh
LD_PRELOAD=$asan ASAN_OPTIONS=detect_leaks=0 exec $COLLECTD "\$@"
EOF
        chmod +x "$T/collectd"
        COLLECTD=$T/collectd
fi

# PluginDir must hold a regular file, not a symlink.
mkdir -p "$T/plugins" && cp "$PG_SO" "$T/plugins/procgroups.so" || fail "copy $PG_SO"

# conf_head FILE HOST DIR: global options, logging to DIR/log, csv into
# DIR/csv. PluginDir for the stock plugins first: it applies to the
# LoadPlugin lines after it.
conf_head() {
        mkdir -p "$3"
        cat >"$1" <<CONF
Hostname "$2"
FQDNLookup false
BaseDir "$3"
PIDFile "$3/collectd.pid"
TypesDB "$TYPESDB"
Interval 1
PluginDir "$STDPLUGINDIR"
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File "$3/log"
  Timestamp true
</Plugin>
CONF
}

conf_csv() {
        cat >>"$1" <<CONF
LoadPlugin csv
<Plugin csv>
  DataDir "$2/csv"
  StoreRates false
</Plugin>
CONF
}

# conf_procgroups FILE BODY: our plugin from the temp PluginDir.
conf_procgroups() {
        cat >>"$1" <<CONF
PluginDir "$T/plugins"
LoadPlugin procgroups
<Plugin procgroups>
$2
</Plugin>
CONF
}

# start_collectd CONF: in the foreground, in the background of this shell;
# sets $!-like LAST_PID and remembers it for cleanup.
start_collectd() {
        "$COLLECTD" -f -C "$1" >"$1.out" 2>&1 &
        LAST_PID=$!
        PIDS="$PIDS $LAST_PID"
}

# stop_pid PID: TERM, wait up to 10 s, then KILL.
stop_pid() {
        kill "$1" 2>/dev/null || return 0
        for _ in $(seq 50); do
                kill -0 "$1" 2>/dev/null || { wait "$1" 2>/dev/null; return 0; }
                sleep 0.2
        done
        kill -9 "$1" 2>/dev/null
        wait "$1" 2>/dev/null
}

# wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds.
wait_for() {
        _n=$(($1 * 5))
        shift
        while [ "$_n" -gt 0 ]; do
                "$@" && return 0
                _n=$((_n - 1))
                sleep 0.2
        done
        return 1
}

# has_csv DIR: some CSV file of values under DIR.
has_csv() { ls "$1"/* >/dev/null 2>&1; }

# csv_rows DIR TYPE: the data rows of TYPE-YYYY-MM-DD files, in time order
# (a midnight splits them in two files).
csv_rows() { cat "$1/$2"-[0-9]* 2>/dev/null | grep -v '^epoch' | sort -t, -k1,1n; }

# no_decrease FILE...: every numeric column of each CSV never goes down.
no_decrease() {
        for f in "$@"; do
                grep -v '^epoch' "$f" | sort -t, -k1,1n | awk -F, -v f="$f" '
                NR > 1 { for (i = 2; i <= NF; i++) if ($i + 0 < prev[i] + 0) {
                        printf "%s: column %d went from %s to %s at %s\n", f, i, prev[i], $i, $1
                        bad = 1 } }
                { for (i = 2; i <= NF; i++) prev[i] = $i }
                END { exit bad }' || return 1
        done
}
