#!/usr/bin/env bash
# End-to-end lines/s of two (or more) daemon builds, compared fairly on a noisy machine.
#
#   bench/compare_daemons.sh [--rounds N] [--clients N] [--lines N] NAME=BINARY:RULES ...
#   e.g. bench/compare_daemons.sh before=/tmp/old/tapemeasure:/tmp/old/rules after=build/tapemeasure:rules
#
# Each round runs every build once, in the order given, with tapemeasure-load (default
# 100 WebSocket clients at the cap). The load tool runs on one core and the daemon (one
# match thread) on another, so they do not take CPU from each other: on 2 cores, unpinned
# runs of the same binary vary by +-20%. Prints each build's runs, mean and median, its
# daemon CPU time per line, and its ratios against the first build: of means, of
# medians, and the median of the per-round ratios (rounds share the machine's mood).
# Environment: LOAD (the load tool, default build/tapemeasure-load), LOAD_CPU and
# DAEMON_CPU (defaults 0 and 1).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
rounds=6 clients=100 lines=3000000
builds=()
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --lines) lines=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *=*:*) builds+=("$1"); shift ;;
    *) echo "compare_daemons: '$1' is not NAME=BINARY:RULES (see --help)" >&2; exit 2 ;;
  esac
done
[ ${#builds[@]} -ge 2 ] || { echo "compare_daemons: give at least two NAME=BINARY:RULES (see --help)" >&2; exit 2; }
# Paths are the caller's, relative to where it runs; the load tool defaults to this tree's.
load=$(realpath -m "${LOAD:-$repo/build/tapemeasure-load}")
[ -x "$load" ] || { echo "compare_daemons: no load tool at $load (build the tapemeasure-load target)" >&2; exit 2; }
command -v taskset >/dev/null || { echo "compare_daemons: needs taskset (util-linux)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# tapemeasure-load starts the daemon itself: a wrapper pins it.
for b in "${builds[@]}"; do
  name=${b%%=*} rest=${b#*=}
  bin=$(realpath -m "${rest%%:*}")
  [ -x "$bin" ] || { echo "compare_daemons: $name: no binary at ${rest%%:*}" >&2; exit 2; }
  [ -e "${rest#*:}" ] || { echo "compare_daemons: $name: no rules at ${rest#*:}" >&2; exit 2; }
  printf '#!/bin/sh\nexec taskset -c %s "%s" "$@"\n' "${DAEMON_CPU:-1}" "$bin" > "$work/$name.sh"
  chmod +x "$work/$name.sh"
done

results=$work/results
for round in $(seq "$rounds"); do
  for b in "${builds[@]}"; do
    name=${b%%=*} rest=${b#*=}
    line=$(taskset -c "${LOAD_CPU:-0}" "$load" --daemon "$work/$name.sh" --rules "$(realpath "${rest#*:}")" --clients "$clients" \
             --lines "$lines" --match-threads 1 --latency-seconds 0.1 2>&1 | grep "^e2e" || true)
    [ -n "$line" ] || { echo "compare_daemons: $name: the load tool printed no result" >&2; exit 1; }
    echo "round $round/$rounds $name: $line"
    echo "$round $name $line" >> "$results"
  done
done

echo
awk -v first="${builds[0]%%=*}" '
  function median(a, n,   i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
    return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
  }
  {
    name = $2; rate = $6; cpu = ""
    for (i = 1; i <= NF; i++) if ($i == "CPU") cpu = $(i+1)
    if (!(name in n)) order[++builds] = name
    n[name]++; sum[name] += rate; r[name, n[name]] = rate; c[name, n[name]] = cpu; at[name, $1] = rate
  }
  END {
    for (k = 1; k <= builds; k++) {
      b = order[k]; delete a; delete cc
      for (i = 1; i <= n[b]; i++) { a[i] = r[b, i]; cc[i] = c[b, i] }
      mean[b] = sum[b] / n[b]; med[b] = median(a, n[b])
      printf "%-10s %d runs: mean %.0f, median %.0f lines/s; daemon CPU median %.2f us/line\n", b, n[b], mean[b], med[b], median(cc, n[b])
    }
    for (k = 2; k <= builds; k++) {
      b = order[k]; delete p; m = 0
      for (round = 1; round <= n[first]; round++) if ((b, round) in at && (first, round) in at) p[++m] = at[b, round] / at[first, round]
      printf "%s / %s: ratio of means %.3f, of medians %.3f, median of per-round ratios %.3f\n", b, first, mean[b] / mean[first], med[b] / med[first], median(p, m)
    }
  }' "$results"
