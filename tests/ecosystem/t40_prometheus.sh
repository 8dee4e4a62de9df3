#!/usr/bin/env bash
# A real Prometheus (the example dashboards/prometheus/prometheus.yml with 1 s intervals,
# loopback only, private TSDB) scrapes a daemon fed with tests/ecosystem/data/fleet.log;
# every shipped recording rule returns the value the log implies, and every Grafana query
# runs and returns data. See lib/prometheus_checks.mjs.
source "$(dirname "$0")/lib/common.sh"

if ! command -v prometheus >/dev/null; then
  skip "prometheus" "prometheus not installed (contrib/setup.sh installs it)"; finish
fi
start_daemon "$ECO_TMP/d"
PROM_PID_FILE="$ECO_TMP/prometheus.pid"
# If the node script dies, still stop its Prometheus (by its pid).
trap 'if [[ -s $PROM_PID_FILE ]]; then kill "$(cat "$PROM_PID_FILE")" 2>/dev/null || true; fi; _eco_cleanup' EXIT
REPO="$REPO" ECO_TMP="$ECO_TMP" DAEMON_URL="$DAEMON_URL" STREAM_SOCKET="$ECO_TMP/d/stream.sock" \
  PROM_PORT="$(free_port)" PROM_PID_FILE="$PROM_PID_FILE" \
  node "$ECO_DIR/lib/prometheus_checks.mjs" || ECO_FAILED=1
finish
