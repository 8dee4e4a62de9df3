#!/usr/bin/env bash
# Three boxes on one machine: three tapemeasure daemons, each fed its own MTAs, each
# naming the other two with --peer, so the UI of any of them shows the merged picture of
# all three (docs/boxes.md). Ctrl-C stops everything.
#
#   contrib/boxes.sh                     UI of box1 at http://127.0.0.1:8101/
#   BOXES_PORT=9000 contrib/boxes.sh     ports 9000, 9001, 9002
#   BOXES_RATE=50 contrib/boxes.sh       messages per second per box (default 100)
#   TAPEMEASURE_BIN=build-x/tapemeasure contrib/boxes.sh
#
# Every box runs `tapemeasure run` with the repository's rules/ and a stream socket in a
# temporary directory, fed by `tapemeasure replay --loop` from a generated Postfix log
# (`tapemeasure demo` has one fixed set of MTA names; here each box has its own):
#   box1  mx-a1, mx-a2          an even round robin, and one relay starved
#   box2  mx-b1, shared-out     shared-out's lines reach box2 and box3 (a failover)
#   box3  mx-c1, shared-out     one MTA seen by two boxes is one node in the merged view
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${TAPEMEASURE_BIN:-$here/build/tapemeasure}"
port="${BOXES_PORT:-8101}"
rate="${BOXES_RATE:-100}"
if [[ ! -x "$bin" ]]; then
  echo "boxes: no tapemeasure at $bin (build it: contrib/demo.sh, or set TAPEMEASURE_BIN)" >&2
  exit 2
fi

# The UI from this tree (the binary finds it by itself only in the build tree it was built in).
web=()
if [[ -f "$here/web/index.html" ]]; then web=(--web-root "$here/web"); fi

dir="$(mktemp -d /tmp/tm-boxes.XXXXXX)"
pids=()
stop() {
  trap - EXIT INT TERM
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap stop EXIT
trap 'echo; echo "boxes: stopping"; exit 0' INT TERM

# gen SEED MTA:RELAY_WEIGHTS...: 2000 Postfix messages (4 to 5 lines each) from the given
# MTAs; weights are per relay proxy1..proxy3, e.g. mx-a1:1,1,1 is an even round robin.
gen() {
  awk -v seed="$1" -v specs="${*:2}" 'BEGIN {
    srand(seed); n = split(specs, spec, " ")
    for (i = 1; i <= n; i++) { split(spec[i], kv, ":"); mta[i] = kv[1]; split(kv[2], ws, ","); for (j = 1; j <= 3; j++) w[i, j] = ws[j] + 0 }
    for (m = 0; m < 2000; m++) {
      i = int(rand() * n) + 1; tot = w[i, 1] + w[i, 2] + w[i, 3]
      r = rand() * tot; p = (r < w[i, 1]) ? 1 : (r < w[i, 1] + w[i, 2]) ? 2 : 3
      id = sprintf("%X%05X", seed, m); pid = 1000 + int(rand() * 9000)
      h = "Nov 30 12:00:00 " mta[i] " "
      print h "postfix/smtpd[" pid "]: " id ": client=lb1.example.com[10.1.0.2]"
      print h "postfix/qmgr[" pid "]: " id ": from=<news@example.com>, size=" 2000 + int(rand() * 50000) ", nrcpt=1 (queue active)"
      x = rand(); d = sprintf("%.2f", 0.1 + rand() * 2 * p)
      st = (x < 0.04) ? "bounced" : (x < 0.12) ? "deferred" : "sent"
      dsn = (st == "sent") ? "2.0.0" : (st == "deferred") ? "4.7.0" : "5.1.1"
      print h "postfix/smtp[" pid "]: " id ": to=<user" m "@example.org>, relay=proxy" p "[10.0.0." p "]:25, delay=" d ", delays=0.01/0/0.1/" d ", dsn=" dsn ", status=" st " (" dsn ")"
      if (st != "deferred") print h "postfix/qmgr[" pid "]: " id ": removed"
    }
  }'
}
gen 1 mx-a1:1,1,1 mx-a2:3,1,0 >"$dir/box1.log"
gen 2 mx-b1:1,2,1 shared-out:1,1,1 >"$dir/box2.log"
gen 3 mx-c1:2,1,1 shared-out:1,1,1 >"$dir/box3.log"

urls=("http://127.0.0.1:$port" "http://127.0.0.1:$((port + 1))" "http://127.0.0.1:$((port + 2))")
for b in 1 2 3; do
  peers=(); origins=()
  for o in 1 2 3; do
    if ((o != b)); then peers+=(--peer "${urls[o - 1]}/" ); origins+=(--allowed-origin "${urls[o - 1]}"); fi
  done
  "$bin" run --name "box$b" --rules "$here/rules" --socket "$dir/box$b.sock" \
    --listen "127.0.0.1:$((port + b - 1))" "${web[@]}" "${peers[@]}" "${origins[@]}" >"$dir/box$b.out" 2>&1 &
  pids+=($!)
done
for b in 1 2 3; do
  for _ in $(seq 100); do
    if curl -sf "${urls[b - 1]}/healthz" >/dev/null 2>&1; then break; fi
    if ! kill -0 "${pids[b - 1]}" 2>/dev/null; then echo "boxes: box$b did not start:" >&2; cat "$dir/box$b.out" >&2; exit 1; fi
    sleep 0.1
  done
  # Lines per second: a message is 4 to 5 lines.
  "$bin" replay "$dir/box$b.log" --socket "$dir/box$b.sock" --rate "$((rate * 9 / 2))" --loop --no-progress \
    >"$dir/replay$b.out" 2>&1 &
  pids+=($!)
done

echo "boxes: three daemons, each fed its own MTAs at $rate messages/s:"
for b in 1 2 3; do echo "  box$b  ${urls[b - 1]}/"; done
echo "boxes: logs in $dir (removed at the end)"
echo "boxes: the merged view of all three: ${urls[0]}/   (Ctrl-C stops them)"
# Wait for Ctrl-C. A terminal's Ctrl-C reaches the daemons too (they stop cleanly, status 0),
# and one of them may end the wait before the trap runs: that is a stop, not a failure.
st=0
wait -n "${pids[@]}" || st=$?
if ((st == 0 || st >= 128)); then echo; echo "boxes: stopping"; exit 0; fi
echo "boxes: a process failed (status $st); their output:" >&2
tail -n 5 "$dir"/*.out >&2
exit 1
