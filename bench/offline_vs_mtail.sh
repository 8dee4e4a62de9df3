#!/usr/bin/env bash
# Offline throughput against mtail: `tapemeasure test` on the default pack, and Debian's
# mtail (--one_shot) running bench/mtail/postfix_deliveries.mtail, which counts what the
# pack's mail_deliveries_total counts, on the same synthetic Postfix log (the demo's traffic,
# a fixed seed). Both are free to use every core. Rounds alternate the two, so the machine's
# mood is shared; the script first checks that both give the same mail_deliveries_total.
#
#   bench/offline_vs_mtail.sh [--rounds N] [--messages N] [--threads N]
#
# --messages 262000 (the default) gives about 1.35 M lines. Prints each run's wall-clock
# seconds and lines/s, the medians, and tapemeasure's ratio (of medians, and the median of
# the per-round ratios). Environment: TAPEMEASURE (default build/tapemeasure), MTAIL
# (default mtail on PATH), RULES (default rules/).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
rounds=5 messages=262000 threads=0
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --messages) messages=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "offline_vs_mtail: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
tm=$(realpath -m "${TAPEMEASURE:-$repo/build/tapemeasure}")
mtail=${MTAIL:-mtail}
rules=$(realpath -m "${RULES:-$repo/rules}")
[ -x "$tm" ] || { echo "offline_vs_mtail: no tapemeasure at $tm (build first, or set TAPEMEASURE)" >&2; exit 2; }
command -v "$mtail" >/dev/null || { echo "offline_vs_mtail: no mtail (apt-get install mtail, or set MTAIL)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=$work/postfix.log
"$tm" demo --print --count "$messages" --seed 42 > "$log"
lines=$(wc -l < "$log")
echo "log: $lines lines ($messages messages of the demo's Postfix traffic)"

# mtail reads every program in a directory.
progs=$work/progs
mkdir "$progs"
cp "$repo/bench/mtail/postfix_deliveries.mtail" "$progs/"

run_mtail() { "$mtail" --progs "$progs" --logs "$log" --one_shot --one_shot_format prometheus --emit_prog_label=false 2>/dev/null; }
run_tm() { "$tm" test --rules "$rules" --input "$log" --format metrics --threads "$threads" --no-progress; }
# Series as "name{labels sorted by name} value", for comparing the two outputs.
deliveries() {
  grep '^mail_deliveries_total{' | sed -E 's/^([^{]+)\{(.*)\} (.*)$/\1 \2 \3/' |
    awk '{ n = split($2, l, ","); for (i = 2; i <= n; i++) for (j = i; j > 1 && l[j-1] > l[j]; j--) { t = l[j]; l[j] = l[j-1]; l[j-1] = t }
           s = l[1]; for (i = 2; i <= n; i++) s = s "," l[i]; print $1 "{" s "} " $3 }' | sort
}

run_mtail | deliveries > "$work/mtail.txt"
run_tm | deliveries > "$work/tapemeasure.txt"
if ! diff -q "$work/mtail.txt" "$work/tapemeasure.txt" >/dev/null || [ ! -s "$work/mtail.txt" ]; then
  echo "offline_vs_mtail: the two disagree on mail_deliveries_total:" >&2
  diff "$work/mtail.txt" "$work/tapemeasure.txt" | head -20 >&2
  exit 1
fi
echo "both count the same mail_deliveries_total ($(wc -l < "$work/mtail.txt") series, $(awk '{ s += $2 } END { print s }' "$work/mtail.txt") attempts)"

seconds() {  # wall-clock seconds of the command given
  local start end
  start=$(date +%s.%N)
  "$@" > /dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}
results=$work/results
for round in $(seq "$rounds"); do
  m=$(seconds run_mtail)
  t=$(seconds run_tm)
  printf 'round %d/%d: mtail %.2f s (%.0f lines/s), tapemeasure %.2f s (%.0f lines/s), ratio %.2f\n' \
    "$round" "$rounds" "$m" "$(echo "$lines / $m" | bc -l)" "$t" "$(echo "$lines / $t" | bc -l)" "$(echo "$m / $t" | bc -l)"
  echo "$m $t" >> "$results"
done
awk -v lines="$lines" '
  function median(a, n,   i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
    return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
  }
  { m[NR] = $1; t[NR] = $2; r[NR] = $1 / $2 }
  END {
    mm = median(m, NR); mt = median(t, NR)
    printf "medians: mtail %.2f s (%.0f lines/s), tapemeasure %.2f s (%.0f lines/s)\n", mm, lines / mm, mt, lines / mt
    printf "tapemeasure / mtail: ratio of medians %.2fx, median of per-round ratios %.2fx\n", mm / mt, median(r, NR)
  }' "$results"
