#!/usr/bin/env bash
# The Grafana dashboard, statically: parses, datasource as a variable, panels well formed,
# only existing metrics and recording rules, and every query parses (promtool). The same
# queries run against a real Prometheus in t40_prometheus.sh.
source "$(dirname "$0")/lib/common.sh"

start_daemon "$ECO_TMP/d"
REPO="$REPO" DAEMON_URL="$DAEMON_URL" OUT_RULES="$ECO_TMP/dashboard-queries.yml" \
  node "$ECO_DIR/lib/grafana_static.mjs" || ECO_FAILED=1

if [[ -s "$ECO_TMP/dashboard-queries.yml" ]]; then
  check "every dashboard query parses (promtool check rules)" promtool check rules "$ECO_TMP/dashboard-queries.yml"
else
  fail "dashboard queries extracted for promtool"
fi
finish
