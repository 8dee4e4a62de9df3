#!/usr/bin/env bash
# Installs everything tapemeasure needs to build, run and test, from Debian 12 packages
# and the npm registry only. Idempotent: packages already present are skipped quickly.
#
#   contrib/setup.sh          build + runtime dependencies, and test tools
#   contrib/setup.sh --build  build + runtime dependencies only (enough for the demo)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode="${1:-all}"

build_pkgs=(
  g++ cmake ninja-build pkg-config git
  libboost1.81-dev          # Beast/Asio; 1.74's Asio does not build with GCC 12 in C++20
  prometheus-cpp-dev        # core registry + TextSerializer (we serve /metrics ourselves)
  nlohmann-json3-dev libre2-dev libyaml-cpp-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
test_pkgs=(
  prometheus                # real server + promtool
  rsyslog                   # real syslog feeding the socket
  rsyslog-relp              # RELP forwarding between boxes (the several-boxes chain test)
  logrotate                 # rotating the files that --follow reads, both styles
  chromium                  # real browser for the UI tests (driven by playwright-core)
  systemd                   # systemd-analyze verify/security of the unit, journalctl (ecosystem tests)
  systemd-journal-remote    # writes a real journal file for the journalctl pipe test (ecosystem tests)
  netcat-openbsd curl procps
  python3                   # the reload test's non-blocking datagram sender (node has no UNIX datagram sockets)
  mtail                     # Debian's mtail and its example programs: t25 compares rules/examples/ with them
  clang libclang-rt-14-dev  # tests/fuzz/run.sh: clang++ -fsanitize=fuzzer (libFuzzer is in clang-rt)
)

pkgs=("${build_pkgs[@]}")
if [[ "$mode" != "--build" ]]; then pkgs+=("${test_pkgs[@]}"); fi

# Node.js and npm: use the machine's own if present (Debian's npm conflicts with newer ones).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then pkgs+=(nodejs npm); fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # Boost 1.74 -dev packages conflict with 1.81; remove them if a base image carries them.
  if dpkg-query -W -f='${Status}' libboost1.74-dev 2>/dev/null | grep -q "install ok installed"; then
    $SUDO apt-get remove -y -qq libboost1.74-dev
  fi
  # Keep the Debian packages' own services from starting on install: tests start their own.
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  $SUDO rm -f /usr/sbin/policy-rc.d
else
  echo "setup: Debian packages present" >&2
fi

# npm packages for the UI (phaser) and browser tests (playwright-core, ws), from the lock files.
for dir in "$here/web" "$here/tests/e2e" "$here/tests/integration"; do
  if [[ -f "$dir/package-lock.json" ]]; then
    if [[ ! -d "$dir/node_modules" || "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
      echo "setup: npm ci in ${dir#$here/}" >&2
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
  fi
done
