#!/usr/bin/env bash
# The soak/chaos tool (README.md here): installs its one npm dependency (ws, from the
# committed package-lock.json) if missing, then runs soak.mjs with the arguments given.
#
#   bench/soak/run.sh                                   10 minutes at 50% of the top rate
#   TAPEMEASURE_BIN=build-x/tapemeasure bench/soak/run.sh --duration 60 --json /tmp/soak.json
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ ! -f "$here/node_modules/ws/package.json" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --silent)
fi
exec node "$here/soak.mjs" "$@"
