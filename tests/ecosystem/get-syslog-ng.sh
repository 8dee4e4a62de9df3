#!/usr/bin/env bash
# Debian's syslog-ng-core conflicts with rsyslog (both provide system-log-daemon), so it
# cannot be installed next to it. This fetches it (and the three libraries it needs that
# rsyslog machines lack) with `apt-get download` and unpacks them into a private root,
# nothing installed, so t80_syslog_ng.sh can run a real syslog-ng:
#   tests/ecosystem/get-syslog-ng.sh [DIR]      (default: build-eco/syslog-ng)
#   TAPEMEASURE_SYSLOG_NG_ROOT=DIR/root tests/ecosystem/run.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="${1:-$here/build-eco/syslog-ng}"
mkdir -p "$dir/debs"
cd "$dir/debs"
# apt-get download writes as the _apt user when it can; a private dir it may not enter
# only earns a warning.
apt-get download -q syslog-ng-core libivykis0 libnet1 libwrap0 2>&1 | grep -v '^W: Download is performed unsandboxed' || true
rm -rf "$dir/root"
for deb in ./*.deb; do dpkg-deb -x "$deb" "$dir/root"; done
test -x "$dir/root/usr/sbin/syslog-ng"
echo "syslog-ng unpacked in $dir/root; run: TAPEMEASURE_SYSLOG_NG_ROOT=$dir/root tests/ecosystem/run.sh"
