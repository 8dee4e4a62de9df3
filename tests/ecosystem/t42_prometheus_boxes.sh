#!/usr/bin/env bash
# Several boxes, one Prometheus: three daemons on loopback, each fed its own MTAs (and one
# MTA seen by all three); a real Prometheus with the shipped example config (one job, a
# `box` label per target) and recording rules scrapes them; the rules' aggregates equal
# the sums of the three daemons' /metrics. See lib/prometheus_boxes.mjs.
source "$(dirname "$0")/lib/common.sh"

if ! command -v prometheus >/dev/null; then
  skip "prometheus" "prometheus not installed (contrib/setup.sh installs it)"; finish
fi
urls=(); socks=()
for b in 1 2 3; do
  start_daemon "$ECO_TMP/box$b" --name "box$b"
  urls+=("$DAEMON_URL"); socks+=("$ECO_TMP/box$b/stream.sock")
done
PROM_PID_FILE="$ECO_TMP/prometheus.pid"
# If the node script dies, still stop its Prometheus (by its pid).
trap 'if [[ -s $PROM_PID_FILE ]]; then kill "$(cat "$PROM_PID_FILE")" 2>/dev/null || true; fi; _eco_cleanup' EXIT
BOX_URLS="$(IFS=,; echo "${urls[*]}")" BOX_SOCKETS="$(IFS=,; echo "${socks[*]}")" \
  REPO="$REPO" ECO_TMP="$ECO_TMP" PROM_PORT="$(free_port)" PROM_PID_FILE="$PROM_PID_FILE" \
  node "$ECO_DIR/lib/prometheus_boxes.mjs" || ECO_FAILED=1
finish
