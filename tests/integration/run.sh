#!/usr/bin/env bash
# Integration tests: start the real tapemeasure binary and talk to it over its sockets,
# HTTP and WebSocket (node's built-in test runner; needs `ws` from package-lock.json,
# netcat-openbsd, bsdutils' logger, and Debian's prometheus/promtool).
#
#   tests/integration/run.sh [extra node --test arguments]
#   TAPEMEASURE_BIN=build-it/tapemeasure tests/integration/run.sh --test-name-pattern=reload
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export TAPEMEASURE_BIN="${TAPEMEASURE_BIN:-build/tapemeasure}"
if [ ! -x "$TAPEMEASURE_BIN" ]; then
  echo "tests/integration/run.sh: no binary at $TAPEMEASURE_BIN (build first, or set TAPEMEASURE_BIN)" >&2
  exit 1
fi
if [ ! -f tests/integration/node_modules/ws/package.json ]; then
  (cd tests/integration && npm ci --no-audit --no-fund)
fi
# One file at a time: the timing tests (the rate cap, stats once a second) want the CPU.
exec node --test --test-concurrency=1 "$@" tests/integration/
