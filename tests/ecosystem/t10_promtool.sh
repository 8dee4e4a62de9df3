#!/usr/bin/env bash
# promtool: the recording and alerting rules are valid, the example scrape config is
# valid, and the rule unit tests (dashboards/prometheus/tests/*.yml) pass.
source "$(dirname "$0")/lib/common.sh"

if ! command -v promtool >/dev/null; then
  skip "promtool" "promtool not installed (contrib/setup.sh installs prometheus)"; finish
fi
P="$REPO/dashboards/prometheus"
check "promtool check rules tapemeasure.rules.yml" promtool check rules "$P/tapemeasure.rules.yml"
check "promtool check rules tapemeasure.alerts.yml" promtool check rules "$P/tapemeasure.alerts.yml"
# check config resolves rule_files relative to the config file: run it in place.
check "promtool check config prometheus.yml (scrape example + both rule files)" \
  bash -c "cd '$P' && promtool check config prometheus.yml"
shopt -s nullglob
tests=("$P"/tests/*.yml)
if ((${#tests[@]} == 0)); then fail "rule unit tests exist in dashboards/prometheus/tests"; fi
for t in "${tests[@]}"; do
  check "promtool test rules tests/$(basename "$t")" bash -c "cd '$P/tests' && promtool test rules '$(basename "$t")'"
done
# Every recording rule has a unit test that evaluates it.
for r in $(sed -n 's/^ *- record: *//p' "$P/tapemeasure.rules.yml"); do
  check "recording rule $r is unit-tested" grep -q -- "- expr: $r\$" "${tests[@]}"
done
for a in $(sed -n 's/^ *- alert: *//p' "$P/tapemeasure.alerts.yml"); do
  check "alert $a is unit-tested" grep -q -- "alertname: $a\$" "${tests[@]}"
done
finish
