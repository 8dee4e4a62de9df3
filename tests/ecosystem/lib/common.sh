# shellcheck shell=bash
# Shared helpers of the ecosystem tests (sourced by tests/ecosystem/t*.sh).
#
# Results go to $ECO_RESULTS, one line each: "PASS name", "FAIL name: why", "SKIP name: why";
# run.sh counts them. Every process a test starts is registered with `track PID` and
# stopped (by its pid) when the test exits. Servers listen on 127.0.0.1 only.
set -euo pipefail

ECO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(cd "$ECO_DIR/../.." && pwd)"
: "${TAPEMEASURE_BIN:?set TAPEMEASURE_BIN to the tapemeasure binary}"
: "${ECO_RESULTS:=/dev/null}"
ECO_NAME="$(basename "$0")"; ECO_NAME="${ECO_NAME%.*}"

pass() { echo "PASS $ECO_NAME: $*" >>"$ECO_RESULTS"; echo "  ok    $*"; }
fail() { echo "FAIL $ECO_NAME: $*" >>"$ECO_RESULTS"; echo "  FAIL  $*" >&2; ECO_FAILED=1; }
skip() { echo "SKIP $ECO_NAME: $*" >>"$ECO_RESULTS"; echo "  skip  $*"; }
ECO_FAILED=0

# check NAME CMD...: runs CMD, pass or fail by its exit status (output shown on failure).
check() {
  local name="$1"; shift
  local out
  if out="$("$@" 2>&1)"; then pass "$name"; else fail "$name"; printf '%s\n' "$out" | tail -n 40 | sed 's/^/        /' >&2; fi
}

# A private temporary directory, short enough for UNIX socket paths (108 bytes).
ECO_TMP="$(mktemp -d /tmp/tm-eco.XXXXXX)"
ECO_PIDS=()
track() { ECO_PIDS+=("$1"); }
_eco_cleanup() {
  local pid
  for pid in "${ECO_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${ECO_PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [[ -z "${ECO_KEEP_TMP:-}" ]]; then rm -rf "$ECO_TMP"; else echo "  (kept $ECO_TMP)"; fi
}
trap _eco_cleanup EXIT

# A TCP port free on 127.0.0.1 right now.
free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# wait_until SECONDS CMD...: polls CMD every 0.1 s until it succeeds; fails after SECONDS.
wait_until() {
  local secs="$1"; shift
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then return 1; fi
    sleep 0.1
  done
}

# start_daemon DIR [run options...]: starts `tapemeasure run` with DIR/stream.sock,
# DIR/dgram.sock and a free port; sets DAEMON_PID, DAEMON_URL (http://127.0.0.1:PORT).
# Rules default to the repository's rules/ unless --rules is among the options.
start_daemon() {
  local dir="$1"; shift
  mkdir -p "$dir"
  local port; port="$(free_port)"
  local args=("$@")
  if [[ " ${args[*]} " != *" --rules "* ]]; then args+=(--rules "$REPO/rules"); fi
  "$TAPEMEASURE_BIN" run --socket "$dir/stream.sock" --dgram-socket "$dir/dgram.sock" \
    --listen "127.0.0.1:$port" "${args[@]}" >"$dir/daemon.log" 2>&1 &
  DAEMON_PID=$!
  track "$DAEMON_PID"
  DAEMON_URL="http://127.0.0.1:$port"
  if ! wait_until 20 curl -sf "$DAEMON_URL/healthz"; then
    echo "daemon did not start:" >&2; cat "$dir/daemon.log" >&2; return 1
  fi
}

# metric URL NAME [label=value ...]: the sum of the matching series in URL/metrics
# (0 when none matches).
metric() { node "$ECO_DIR/lib/metric.mjs" "$@"; }

# metric_is URL EXPECTED NAME [label=value ...]: exit 0 when the value equals EXPECTED.
metric_is() {
  local url="$1" want="$2"; shift 2
  [[ "$(metric "$url" "$@")" == "$want" ]]
}

finish() { exit "$ECO_FAILED"; }
