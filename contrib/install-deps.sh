#!/bin/sh
# SPDX-License-Identifier: MIT
# Install what procgroups needs on Debian 12, by package name.
#   contrib/install-deps.sh          build and unit-test dependencies
#   contrib/install-deps.sh --all    also the daemons and tools of the
#                                    integration tests, fuzzing and packaging
# Installed daemons must not start as services: a policy-rc.d that says 101
# keeps collectd and Netdata from starting (tests start their own).
set -eu
if [ "$(id -u)" != 0 ]; then
        # apt-get needs root: through sudo where there is one.
        command -v sudo >/dev/null 2>&1 && exec sudo "$0" "$@"
        echo "install-deps.sh: run as root (apt-get)" >&2
        exit 1
fi
if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
fi
pkgs="build-essential autoconf automake libtool pkg-config check libconfuse-dev libyaml-dev libpcre2-dev
      libmnl-dev collectd-dev python3 libmicrohttpd-dev zlib1g-dev"
if [ "${1:-}" = "--all" ]; then
        pkgs="$pkgs collectd-core netdata curl clang libclang-rt-14-dev valgrind
              util-linux iproute2 devscripts debhelper dh-autoreconf lintian fakeroot libcap2-bin
              prometheus prometheus-process-exporter"
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq $pkgs
