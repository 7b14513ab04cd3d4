#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/package.sh: the Debian packages end to end, as a user gets them.
#
#   tests/package.sh [--tarball procgroups-X.tar.gz] [--no-lintian] [--keep]
#
# 1. a clean copy of the sources in a temp dir (git archive HEAD, or the
#    given `make dist` tarball, or a copy of an unpacked tarball);
# 2. dpkg-buildpackage -us -uc -b there; the .debs must hold the files that
#    collectd and Netdata look for; lintian must report no error;
# 3. apt-get install -y ./*.deb (dependencies resolve from the archive);
# 4. procgroups --version is the package version; a one-shot JSON scan of
#    /proc parses; the systemd units are shipped, pass systemd-analyze
#    verify (where installed) and are neither enabled nor started; the
#    exporter unit's own command line, on a loopback port, serves
#    /metrics; collectd -T -C CONF with the installed example config
#    loads /usr/lib/collectd/procgroups.so and reads once without error;
#    the installed Netdata plugin, run as the netdata user, passes two
#    iterations through tests/netdata_check.py;
# 5. apt-get purge -y leaves no file behind.
#
# Needs root, debhelper, dh-autoreconf, fakeroot (lintian optional) and the
# Build-Depends of debian/control. Exits 77 (skip) when those are missing,
# 1 on any failure. Refuses to run when the packages are already installed
# (it would purge them). Takes about two minutes on two cores.
set -euo pipefail

PKGS="procgroups collectd-procgroups netdata-plugin-procgroups"
top=$(cd "$(dirname "$0")/.." && pwd)
tarball= lintian=yes keep=
while [ $# -gt 0 ]; do
	case $1 in
	--tarball) tarball=$(realpath "$2"); shift 2 ;;
	--no-lintian) lintian=; shift ;;
	--keep) keep=yes; shift ;;
	*) echo "usage: $0 [--tarball FILE] [--no-lintian] [--keep]" >&2; exit 2 ;;
	esac
done

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
step() { printf '== [%3ds] %s\n' "$SECONDS" "$*"; }

[ "$(id -u)" = 0 ] || skip "needs root (apt-get install and purge)"
for t in dpkg-buildpackage dh dh_autoreconf fakeroot apt-get python3; do
	command -v "$t" >/dev/null || skip "$t not installed (contrib/install-deps.sh --all)"
done
if [ -n "$lintian" ] && ! command -v lintian >/dev/null; then
	echo "note: lintian not installed, not run"
	lintian=
fi
for p in $PKGS; do
	if dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qv '^not-installed$'; then
		fail "$p is already installed: this test would purge it; remove it first"
	fi
done

T=$(mktemp -d /tmp/pg-package.XXXXXX)
installed=
PIDS=
cleanup() {
	local rc=$?
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	if [ -n "$installed" ]; then
		echo "cleanup: purging $PKGS"
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq $PKGS >/dev/null 2>&1 || true
	fi
	if [ -n "$keep" ] || [ $rc != 0 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

step "clean copy of the sources"
mkdir "$T/src"
if [ -n "$tarball" ]; then
	tar -xzf "$tarball" -C "$T/src" --strip-components=1
elif git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$top" archive --format=tar HEAD | tar -x -C "$T/src"
	echo "(git archive of HEAD $(git -C "$top" rev-parse --short HEAD); uncommitted changes are not in it)"
else
	# An unpacked release tarball: it is clean by construction.
	(cd "$top" && tar -cf - --exclude=./debian/build .) | tar -x -C "$T/src"
fi
[ -f "$T/src/debian/control" ] || fail "no debian/ in the sources"
version=$(cd "$T/src" && dpkg-parsechangelog -S Version)

step "dpkg-buildpackage -us -uc -b (log: $T/build.log)"
(cd "$T/src" && DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
	dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1 ||
	{ tail -60 "$T/build.log"; fail "dpkg-buildpackage failed"; }
grep -E '^(PASS|FAIL|SKIP|ERROR|# (TOTAL|PASS|FAIL|SKIP|ERROR))' "$T/build.log" | sed 's/^/  build: /' || true
debs=()
for p in $PKGS; do
	f=$(ls "$T"/"${p}"_"${version}"_*.deb 2>/dev/null | head -1)
	[ -n "$f" ] || fail "no .deb for $p ${version}"
	debs+=("$f")
done
ls -l "${debs[@]}"

step "contents of the .debs"
has() { # has DEB PATH: the package holds PATH
	dpkg-deb -c "$1" | awk '{print $6}' | sed 's|^\.||' | grep -qx "$2" ||
		fail "$(basename "$1") lacks $2"
}
has "${debs[0]}" /usr/bin/procgroups
has "${debs[0]}" /usr/share/man/man1/procgroups.1.gz
has "${debs[0]}" /usr/share/man/man5/procgroups.conf.5.gz
has "${debs[0]}" /lib/systemd/system/procgroups-exporter.service
has "${debs[0]}" /lib/systemd/system/procgroups-textfile.service
has "${debs[0]}" /etc/procgroups/procgroups.conf
dpkg-deb -c "${debs[0]}" | grep -q 'procgroups-textfile.timer' &&
	fail "the --once timer is still shipped (it corrupts counters)"
dpkg-deb -f "${debs[0]}" Depends | grep -q libmicrohttpd || fail "procgroups does not depend on libmicrohttpd"
has "${debs[1]}" /usr/lib/collectd/procgroups.so
has "${debs[1]}" /etc/collectd/collectd.conf.d/procgroups.conf
has "${debs[1]}" /usr/share/man/man5/collectd-procgroups.5.gz
has "${debs[2]}" /usr/lib/netdata/plugins.d/procgroups.plugin
has "${debs[2]}" /etc/netdata/procgroups.conf
dpkg-deb -f "${debs[1]}" Depends | grep -q collectd-core || fail "collectd-procgroups does not depend on collectd-core"
dpkg-deb -f "${debs[2]}" Depends | grep -q netdata-core || fail "netdata-plugin-procgroups does not depend on netdata-core"

if [ -n "$lintian" ]; then
	step "lintian"
	lintian --fail-on error --tag-display-limit 0 "${debs[@]}" >"$T/lintian.log" 2>&1 ||
		{ cat "$T/lintian.log"; fail "lintian reports errors"; }
	grep -v 'running with root privileges' "$T/lintian.log" | sed 's/^/  lintian: /' || true
fi

step "apt-get install ${debs[*]##*/}"
installed=yes
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${debs[@]}" >"$T/install.log" 2>&1 ||
	{ cat "$T/install.log"; fail "apt-get install failed"; }
grep -i "netdata-plugin-procgroups" "$T/install.log" | sed 's/^/  install: /' || true

step "the CLI"
got=$(procgroups --version)
[ "$got" = "procgroups $version" ] || fail "procgroups --version says '$got', the package is $version"
procgroups --once --format json >"$T/scan.json" || fail "procgroups --once failed"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["groups"] and d["scan"]["procs"] > 0' \
	"$T/scan.json" || fail "the one-shot JSON scan does not parse or is empty"
man -w procgroups procgroups.conf collectd-procgroups >/dev/null 2>&1 ||
	[ -f /usr/share/man/man5/collectd-procgroups.5.gz ] || fail "man pages not found"

step "the systemd units: shipped, disabled, not started; the exporter's command line"
units="procgroups-exporter.service procgroups-textfile.service"
for u in $units; do
	[ -f "/lib/systemd/system/$u" ] || fail "$u not installed"
	ls /etc/systemd/system/*.wants/"$u" 2>/dev/null && fail "$u is enabled by the package"
	if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
		s=$(systemctl is-enabled "$u" 2>/dev/null || true)
		[ "$s" = disabled ] || fail "$u is '$s', not disabled"
		systemctl is-active -q "$u" && fail "$u was started by the package"
	fi
done
if command -v systemd-analyze >/dev/null; then
	(cd /lib/systemd/system && systemd-analyze verify $units) ||
		fail "systemd-analyze verify fails on the units"
	echo "  systemd-analyze verify: ok"
fi
grep -q -- '--listen :9256' /lib/systemd/system/procgroups-exporter.service ||
	fail "procgroups-exporter.service does not listen on :9256"
grep -q -- '--interval' /lib/systemd/system/procgroups-textfile.service ||
	fail "procgroups-textfile.service is not long-lived (--interval)"
# The unit's ExecStart, on a loopback port of the kernel's choice.
cmd=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/procgroups-exporter.service |
	sed 's/--listen :9256/--listen 127.0.0.1:0/')
$cmd 2>"$T/exporter.err" &
xpid=$!
PIDS="$PIDS $xpid"
port=
for i in $(seq 50); do
	port=$(sed -n 's/^procgroups: listening on 127.0.0.1:\([0-9]*\),.*/\1/p' "$T/exporter.err")
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { cat "$T/exporter.err"; fail "the exporter unit's command did not start"; }
python3 - "$port" <<'PY' || fail "the installed exporter does not serve /metrics"
import sys, urllib.request
with urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=10) as r:
    body = r.read().decode()
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.headers
assert "namedprocess_namegroup_num_procs{" in body and "process_cpu_seconds_total " in body
PY
kill "$xpid" && wait "$xpid" || fail "the exporter did not exit 0 on SIGTERM"
echo "  exporter: served /metrics on 127.0.0.1:$port, exit 0 on SIGTERM"

step "collectd -T with the installed example config"
mkdir -p "$T/collectd"
cat >"$T/collectd.conf" <<CONF
Hostname "pkgtest"
FQDNLookup false
BaseDir "$T/collectd"
PIDFile "$T/collectd/collectd.pid"
TypesDB "/usr/share/collectd/types.db"
Interval 10
PluginDir "/usr/lib/collectd"
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File "$T/collectd/log"
  Timestamp true
</Plugin>
LoadPlugin csv
<Plugin csv>
  DataDir "$T/collectd/csv"
  StoreRates false
</Plugin>
Include "/etc/collectd/collectd.conf.d/procgroups.conf"
CONF
timeout 60 collectd -T -C "$T/collectd.conf" >"$T/collectd.out" 2>&1 ||
	{ cat "$T/collectd.out" "$T/collectd/log" 2>/dev/null; fail "collectd -T failed"; }
grep -q 'plugin "procgroups" successfully loaded' "$T/collectd/log" ||
	{ cat "$T/collectd/log"; fail "collectd did not load procgroups.so"; }
if grep -i "procgroups.*\(error\|fail\|not started\)" "$T/collectd/log"; then
	fail "procgroups logged errors under collectd -T"
fi
grep 'procgroups' "$T/collectd/log" | sed 's/^/  collectd: /'
# -T exits non-zero when a read callback fails, so the read is proven
# above; the csv files only show what the write threads saved before
# shutdown, which may be little on a busy machine.
echo "  csv: $(find "$T/collectd/csv" -path '*procgroups-*' -type f 2>/dev/null | wc -l) value files written before shutdown"

step "the Netdata plugin, two iterations, as user netdata"
plugin=/usr/lib/netdata/plugins.d/procgroups.plugin
stat -c '  plugin: %A %U:%G' "$plugin"
if command -v getcap >/dev/null; then
	caps=$(getcap "$plugin")
	echo "  getcap: ${caps:-none}"
	case $caps in
	*cap_dac_read_search*cap_net_admin*cap_sys_ptrace*ep*) ;;
	*) fail "setcap did not give $plugin its capabilities" ;;
	esac
fi
# stdin_open CMD...: CMD with stdin a pipe that stays open (EOF stops the
# plugin, as when Netdata exits), its writer stopped by PID afterwards.
stdin_open() {
	local rc=0 holder
	rm -f "$T/stdin" && mkfifo "$T/stdin"
	sleep 120 >"$T/stdin" &
	holder=$!
	PIDS="$PIDS $holder"
	"$@" <"$T/stdin" || rc=$?
	kill "$holder" 2>/dev/null || true
	wait "$holder" 2>/dev/null || true
	return $rc
}
# As Netdata starts it: its environment, update_every 1.
stdin_open timeout 60 runuser -u netdata -- env -i PATH=/usr/bin:/bin \
	NETDATA_USER_CONFIG_DIR=/etc/netdata NETDATA_STOCK_CONFIG_DIR=/usr/lib/netdata/conf.d \
	NETDATA_UPDATE_EVERY=1 PROCGROUPS_ITERATIONS=2 "$plugin" 1 \
	>"$T/netdata.out" 2>"$T/netdata.err" ||
	{ cat "$T/netdata.err"; fail "the Netdata plugin failed"; }
python3 "$T/src/tests/netdata_check.py" --min-begins 2 "$T/netdata.out" ||
	{ cat "$T/netdata.err"; fail "the Netdata plugin's output fails the protocol checker"; }
echo "  $(grep -c '^BEGIN' "$T/netdata.out") BEGIN blocks, $(grep -c '^CHART' "$T/netdata.out") charts"

# The capabilities must matter: as user netdata, a copy without them (cp
# drops file capabilities) cannot read root's io and fd/, and counts soft
# errors for them; the installed plugin must count fewer.
soft_errors() { # the plugin's own soft-error figure of its last scan
	awk '/^BEGIN netdata.procgroups_errors/ {f = 1} f && /^SET soft/ {n = $NF; f = 0} END {print n}' "$1"
}
chmod 711 "$T"
mkdir -m 755 "$T/nocap"
cp "$plugin" "$T/nocap/procgroups.plugin"
chown root:netdata "$T/nocap/procgroups.plugin"
chmod 0750 "$T/nocap/procgroups.plugin"
stdin_open timeout 60 runuser -u netdata -- env -i PATH=/usr/bin:/bin PROCGROUPS_ITERATIONS=1 \
	"$T/nocap/procgroups.plugin" 1 >"$T/nocap.out" 2>&1 ||
	fail "the plugin without capabilities failed"
with=$(soft_errors "$T/netdata.out") without=$(soft_errors "$T/nocap.out")
echo "  soft errors as user netdata: $with with the capabilities, $without without"
[ -n "$with" ] && [ -n "$without" ] || fail "no netdata.procgroups_errors chart in the output"
[ "$with" -lt "$without" ] || fail "the file capabilities make no difference"

step "apt-get purge"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq $PKGS >"$T/purge.log" 2>&1 ||
	{ cat "$T/purge.log"; fail "apt-get purge failed"; }
installed=
for f in /usr/bin/procgroups /usr/lib/collectd/procgroups.so "$plugin" \
	/etc/collectd/collectd.conf.d/procgroups.conf /etc/netdata/procgroups.conf \
	/usr/share/man/man1/procgroups.1.gz /lib/systemd/system/procgroups-exporter.service \
	/etc/procgroups; do
	[ ! -e "$f" ] || fail "$f is left after purge"
done
for p in $PKGS; do
	s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || echo not-installed)
	[ "$s" = not-installed ] || fail "$p is '$s' after purge"
done

step "all passed"
