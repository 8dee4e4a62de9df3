#!/usr/bin/env bash
# Ecosystem tests: tapemeasure with the real tools around it (rsyslog, syslog-ng, journald,
# Prometheus/promtool, systemd-analyze, dpkg/CPack), on 127.0.0.1 and private temporary
# directories only. Nothing of the system's own services or sockets is touched.
#
#   TAPEMEASURE_BIN=build/tapemeasure tests/ecosystem/run.sh            all tests
#   TAPEMEASURE_BIN=build/tapemeasure tests/ecosystem/run.sh t40 t70    some of them
#
# Environment: TAPEMEASURE_BIN (required: the daemon under test), TAPEMEASURE_SKIP_PACKAGE=1
# (skip the .deb build), TAPEMEASURE_PKG_BUILD_DIR (default build-pkg),
# TAPEMEASURE_SYSLOG_NG_ROOT (a private syslog-ng, see get-syslog-ng.sh; fetched into
# build-eco/syslog-ng when missing, unless TAPEMEASURE_NO_FETCH=1), ECO_KEEP_TMP=1 (keep
# the temporary directories). Prints one line per check and ends with
# `ecosystem: N passed, M failed`; exits non-zero when anything failed.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

if [[ -z "${TAPEMEASURE_BIN:-}" ]]; then
  echo "ecosystem: set TAPEMEASURE_BIN to the tapemeasure binary to test (e.g. TAPEMEASURE_BIN=build/tapemeasure)" >&2
  exit 2
fi
if [[ ! -x "$TAPEMEASURE_BIN" ]]; then echo "ecosystem: $TAPEMEASURE_BIN is not executable" >&2; exit 2; fi
TAPEMEASURE_BIN="$(cd "$(dirname "$TAPEMEASURE_BIN")" && pwd)/$(basename "$TAPEMEASURE_BIN")"
export TAPEMEASURE_BIN
for tool in node curl; do
  command -v "$tool" >/dev/null || { echo "ecosystem: $tool is required (contrib/setup.sh installs it)" >&2; exit 2; }
done

ECO_RESULTS="$(mktemp /tmp/tm-eco-results.XXXXXX)"
export ECO_RESULTS
trap 'rm -f "$ECO_RESULTS"' EXIT

# A private syslog-ng for t80 (Debian's conflicts with rsyslog, so it is unpacked, not installed).
if [[ -z "${TAPEMEASURE_SYSLOG_NG_ROOT:-}" && -z "${TAPEMEASURE_NO_FETCH:-}" ]] && ! command -v syslog-ng >/dev/null &&
   [[ ! -x "$repo/build-eco/syslog-ng/root/usr/sbin/syslog-ng" ]] && command -v apt-get >/dev/null; then
  echo "== fetching a private syslog-ng (tests/ecosystem/get-syslog-ng.sh)"
  timeout 180 "$here/get-syslog-ng.sh" >/dev/null 2>&1 || echo "   (could not fetch it; the syslog-ng test will be skipped)"
fi

all=(t10_promtool t20_grafana t25_mtail t30_rsyslog t32_rsyslog_chain t35_pipes t36_follow t40_prometheus t42_prometheus_boxes t44_boxes_demo t50_systemd t60_package t70_walkthrough t80_syslog_ng t90_docs)
if (($#)); then
  selected=()
  for want in "$@"; do for t in "${all[@]}"; do [[ "$t" == "$want"* ]] && selected+=("$t"); done; done
else
  selected=("${all[@]}")
fi

start=$SECONDS
for t in "${selected[@]}"; do
  limit=180
  [[ "$t" == t60_package ]] && limit=1800   # a cold build-pkg compiles the daemon once
  echo "== $t"
  t0=$SECONDS
  timeout --kill-after=10 "$limit" "$here/$t.sh"
  rc=$?
  if ((rc != 0)) && ! grep -q "^FAIL $t:" "$ECO_RESULTS"; then
    if ((rc == 124)); then echo "FAIL $t: timed out after ${limit} s" >>"$ECO_RESULTS"
    else echo "FAIL $t: exited with status $rc" >>"$ECO_RESULTS"; fi
    echo "  FAIL  $t exited with status $rc" >&2
  fi
  echo "   ($((SECONDS - t0)) s)"
done

passed="$(grep -c '^PASS ' "$ECO_RESULTS")"
failed="$(grep -c '^FAIL ' "$ECO_RESULTS")"
skipped="$(grep -c '^SKIP ' "$ECO_RESULTS")"
echo
if ((skipped)); then echo "skipped:"; sed -n 's/^SKIP /  /p' "$ECO_RESULTS"; fi
if ((failed)); then echo "failed:"; sed -n 's/^FAIL /  /p' "$ECO_RESULTS"; fi
echo "($((SECONDS - start)) s, $skipped skipped)"
echo "ecosystem: $passed passed, $failed failed"
((failed == 0))
