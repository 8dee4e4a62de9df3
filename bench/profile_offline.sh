#!/usr/bin/env bash
# Where a line's time goes: `perf record` of `tapemeasure test` (one match thread, metrics
# only) on the synthetic Postfix log of offline_vs_mtail.sh, reported by library and by
# function. bench/perf/ keeps such reports from before and after a change.
#
#   bench/profile_offline.sh [--messages N] [--out FILE]
#
# --messages 262000 (the default) gives about 1.35 M lines. Environment: TAPEMEASURE
# (default build-rel/tapemeasure: profile a Release build), RULES (default rules/).
# Needs perf (Debian: linux-perf) and permission to use it (kernel.perf_event_paranoid <= 2).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
messages=262000 out=
while [ $# -gt 0 ]; do
  case $1 in
    --messages) messages=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "profile_offline: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
tm=$(realpath -m "${TAPEMEASURE:-$repo/build-rel/tapemeasure}")
rules=$(realpath -m "${RULES:-$repo/rules}")
[ -x "$tm" ] || { echo "profile_offline: no tapemeasure at $tm (build first, or set TAPEMEASURE)" >&2; exit 2; }
command -v perf >/dev/null || { echo "profile_offline: no perf (apt-get install linux-perf)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$tm" demo --print --count "$messages" --seed 42 > "$work/postfix.log"
lines=$(wc -l < "$work/postfix.log")
perf record -q -o "$work/perf.data" -- "$tm" test --rules "$rules" --input "$work/postfix.log" --format metrics \
  --threads 1 --no-progress > /dev/null
# sed, not head: head would stop reading and fail the pipe.
{
  echo "tapemeasure test, 1 thread, $lines lines (a profile, not a benchmark: bench/offline_vs_mtail.sh times it)"
  echo "binary: $tm ($("$tm" --version 2>/dev/null | head -1))"
  echo
  echo "## by library"
  perf report -q -i "$work/perf.data" --no-children --sort dso 2>/dev/null | grep -E '^ +[0-9]' | sed -n '1,12p'
  echo
  echo "## by function (top 30; RE2's functions are unnamed: Debian strips them)"
  perf report -q -i "$work/perf.data" --no-children --sort dso,symbol 2>/dev/null | grep -E '^ +[0-9]' |
    awk '{ printf "%8s  %-32s %s\n", $1, $2, $4 }' | sed -n '1,30p'
} > "${out:-/dev/stdout}"
