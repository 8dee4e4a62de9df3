#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/*_fuzz.cpp) with clang, ASan and UBSan, then for
# each target: replays every committed regression input, and fuzzes for a bounded time from
# its seed corpus. Any crash, sanitizer report, leak, timeout or out-of-memory fails the run,
# and the input that caused it is left in tests/fuzz/regressions/<target>/ to be committed
# (after the fix) so it is replayed from then on.
#
#   tests/fuzz/run.sh [seconds-per-target]       default 60
#
# <target> is the file name without _fuzz.cpp; seeds live in tests/fuzz/corpus/<target>/.
# Environment: FUZZ_BUILD_DIR (default build-fuzz), JOBS (build parallelism).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-60}
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
jobs=${JOBS:-$(nproc)}

command -v clang++ >/dev/null || { echo "fuzz: clang++ is required (contrib/setup.sh installs it)" >&2; exit 2; }

targets=()
for src in "$root"/tests/fuzz/*_fuzz.cpp; do targets+=("$(basename "$src" .cpp)"); done

# No -Werror here: clang warns about things gcc does not, and the gcc CI builds own that.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTAPEMEASURE_FUZZ=ON -DBUILD_TESTING=OFF -DTAPEMEASURE_BENCHMARKS=OFF >/dev/null
cmake --build "$build" -j "$jobs" --target "${targets[@]}"

# Leaks count: a leak per bad line or per reload is an outage in a long-running daemon.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
summary=()
for target in "${targets[@]}"; do
  name=${target%_fuzz}
  bin=$build/tests/fuzz/$target
  seeds=$root/tests/fuzz/corpus/$name
  regressions=$root/tests/fuzz/regressions/$name
  # New inputs the fuzzer finds go here, not into the committed seeds: they accumulate
  # across local runs without bloating the repository.
  work=$build/fuzz-corpus/$name
  log=$build/fuzz-$name.log
  mkdir -p "$seeds" "$regressions" "$work"

  mapfile -t cases < <(find "$regressions" -type f ! -name '*.md' | sort)
  if ((${#cases[@]})); then
    echo "fuzz: $name: replaying ${#cases[@]} regression input(s)"
    if ! "$bin" -timeout=10 "${cases[@]}" >"$log.replay" 2>&1; then
      tail -n 40 "$log.replay" >&2
      failed+=("$name (regression replay)")
      continue
    fi
  fi

  echo "fuzz: $name: ${seconds}s from $(find "$seeds" -type f | wc -l) seeds"
  # -timeout: one input taking 10 s is a hang as far as a log pipeline is concerned.
  if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
      -artifact_prefix="$regressions/" "$work" "$seeds" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    summary+=("$name: ${runs:-?} executions in ${seconds}s, corpus $(find "$work" -type f | wc -l) inputs")
  else
    tail -n 60 "$log" >&2
    echo "fuzz: $name FAILED; the input is in ${regressions#"$root"/}/ (full log: $log)" >&2
    failed+=("$name")
  fi
done

printf 'fuzz: %s\n' "${summary[@]}"
if ((${#failed[@]})); then
  printf 'fuzz: FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets clean"
