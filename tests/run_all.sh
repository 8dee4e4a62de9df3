#!/usr/bin/env bash
# Every test, from a fresh Debian 12 machine: installs dependencies (Debian packages, npm
# packages), builds, then runs unit + golden + CLI tests (ctest), the daemon integration
# tests (real sockets, WebSocket clients, Prometheus), the UI tests (node + headless
# Chromium), the unit tests again under AddressSanitizer+UBSan and ThreadSanitizer, and
# every fuzz target for a bounded time (FUZZ_SECONDS, default 60).
#
#   tests/run_all.sh            everything
#   QUICK=1 tests/run_all.sh    skip the sanitizer and fuzz builds
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
jobs="$(nproc)"
werror="${CI:+-DTAPEMEASURE_WERROR=ON}"

step() { printf '\n=== %s ===\n' "$*"; }

step "dependencies"
contrib/setup.sh

step "build (RelWithDebInfo)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo ${werror} >/dev/null
cmake --build build -j "$jobs"

step "unit, golden and CLI tests"
(cd build && ctest -L unit --output-on-failure -j "$jobs")

if [[ -d tests/integration ]]; then
  step "daemon integration tests"
  # The sanitizer runs below stop and start the daemon under load 100 times; here 20 do.
  TAPEMEASURE_RESTART_ITERATIONS=20 TAPEMEASURE_BIN="$here/build/tapemeasure" tests/integration/run.sh
fi

if [[ -d tests/web ]]; then
  step "UI unit tests"
  node --test tests/web/
fi

if [[ -d tests/e2e && -f tests/e2e/ui.e2e.mjs ]]; then
  step "UI end-to-end tests (headless Chromium)"
  # Against the real daemon running its demo; the test restarts it to check reconnects.
  SCREENSHOT_DIR="$here/build/screenshots" TAPEMEASURE_URL="http://127.0.0.1:18000/" \
    TAPEMEASURE_CMD="$here/build/tapemeasure demo --listen 127.0.0.1:18000" \
    node --test --test-concurrency=1 tests/e2e/ui.e2e.mjs
  # The three demo packs, and the self-service loop (a new rule file with its own view,
  # a broken edit, the fix) with the page open, and a fleet of 40 and of 100 MTAs (generated
  # logs, scale.e2e.mjs), windows of 1 h and since start (windows.e2e.mjs); each starts its
  # own daemons on free ports.
  SCREENSHOT_DIR="$here/build/screenshots" TAPEMEASURE_BIN="$here/build/tapemeasure" \
    node --test --test-concurrency=1 tests/e2e/packs.e2e.mjs tests/e2e/selfservice.e2e.mjs tests/e2e/scale.e2e.mjs \
      tests/e2e/boxes.e2e.mjs tests/e2e/windows.e2e.mjs
fi

if [[ -d tests/ecosystem ]]; then
  step "ecosystem tests (rsyslog, syslog-ng, journald, Prometheus rules, Grafana queries, systemd, .deb)"
  TAPEMEASURE_BIN="$here/build/tapemeasure" tests/ecosystem/run.sh
fi

if [[ -z "${QUICK:-}" ]]; then
  step "unit tests under AddressSanitizer + UBSan"
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTAPEMEASURE_SANITIZE=address,undefined \
    -DTAPEMEASURE_BENCHMARKS=OFF ${werror} >/dev/null
  cmake --build build-asan -j "$jobs"
  (cd build-asan && ctest -L unit --output-on-failure -j "$jobs")
  if [[ -d tests/integration ]]; then
    # Shutdown order: SIGTERM under load 100 times, no use-after-free or leak report.
    TAPEMEASURE_BIN="$here/build-asan/tapemeasure" TAPEMEASURE_SANITIZER=address \
      node --test tests/integration/restart_under_load.test.mjs
  fi

  step "threaded parts under ThreadSanitizer"
  cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTAPEMEASURE_SANITIZE=thread \
    -DTAPEMEASURE_BENCHMARKS=OFF ${werror} >/dev/null
  cmake --build build-tsan -j "$jobs"
  (cd build-tsan && ctest -L unit --output-on-failure -j "$jobs")
  if [[ -d tests/integration ]]; then
    TSAN_OPTIONS="halt_on_error=1 exitcode=66" TAPEMEASURE_BIN="$here/build-tsan/tapemeasure" \
      TAPEMEASURE_SANITIZER=thread tests/integration/run.sh
  fi

  step "fuzz targets (libFuzzer + ASan + UBSan, ${FUZZ_SECONDS:-60}s each, regressions replayed first)"
  JOBS="$jobs" tests/fuzz/run.sh "${FUZZ_SECONDS:-60}"
fi

step "done: every suite passed"
