#!/usr/bin/env bash
# Rule-engine throughput: builds a Release tree (build-rel/), runs tapemeasure_bench pinned to
# one core, and prints lines/s of the engine and the plain regex-by-regex baseline, and
# their ratio. Extra arguments go to the benchmark binary, e.g.
#   bench/run_rule_engine_bench.sh --benchmark_filter='rules$'
# Environment: BUILD_DIR (default build-rel), CPU (core to pin to, default 0),
# TAPEMEASURE_BENCH_LOG (corpus, default tests/data/postfix.log).
# Issue 2's target: >= 600,000 lines/s and >= 1.3x the baseline. Then, unpinned, the batch
# path (what the daemon runs under heavy input) with 1 and 2 match threads.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build-rel}
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DTAPEMEASURE_BENCHMARKS=ON >/dev/null
fi
ninja -C "$build" tapemeasure_bench >/dev/null
pin=()
if command -v taskset >/dev/null; then pin=(taskset -c "${CPU:-0}"); fi
"${pin[@]}" "$build/bench/tapemeasure_bench" --benchmark_filter=-BM_ProcessBatch \
  --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true \
  --benchmark_out="$build/rule_engine_bench.json" --benchmark_out_format=json "$@"
# Parallel matching needs the other cores: not pinned.
echo
echo "parallel matching (process_batch), not pinned:"
"$build/bench/tapemeasure_bench" --benchmark_filter=BM_ProcessBatch \
  --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true \
  --benchmark_out="$build/process_batch_bench.json" --benchmark_out_format=json
