#!/usr/bin/env bash
# contrib/boxes.sh, the three-box demo: it starts three daemons that answer, each fed its
# own MTAs, box1 lists the other two at /api/peers, and SIGINT (a terminal's Ctrl-C, sent
# to the whole process group) stops every process it started and removes its files.
source "$(dirname "$0")/lib/common.sh"

port="$(free_port)"
# Three consecutive free ports: retry from another base if the next two are taken.
for _ in 1 2 3 4 5; do
  if ! (echo >"/dev/tcp/127.0.0.1/$((port + 1))") 2>/dev/null && ! (echo >"/dev/tcp/127.0.0.1/$((port + 2))") 2>/dev/null; then break; fi
  port="$(free_port)"
done
# Its own process group, so that SIGINT reaches the script and its children as Ctrl-C does.
BOXES_PORT="$port" BOXES_RATE=50 setsid "$REPO/contrib/boxes.sh" >"$ECO_TMP/boxes.out" 2>&1 &
pg=$!
track "$pg"
urls=("http://127.0.0.1:$port" "http://127.0.0.1:$((port + 1))" "http://127.0.0.1:$((port + 2))")
if wait_until 30 grep -q 'merged view' "$ECO_TMP/boxes.out"; then
  pass "boxes.sh starts and prints box1's URL: $(grep -o 'http://[^ ]*' "$ECO_TMP/boxes.out" | tail -1)"
else
  fail "boxes.sh starts"; cat "$ECO_TMP/boxes.out" >&2; finish
fi
for b in 1 2 3; do
  check "box$b answers /healthz at ${urls[b - 1]}" curl -sf "${urls[b - 1]}/healthz"
done
peers="$(curl -sf "${urls[0]}/api/peers" || true)"
if node -e '
  const p = JSON.parse(process.argv[1]); const want = process.argv.slice(2);
  const got = (p.peers || []).map((u) => u.replace(/\/$/, "")).sort();
  if (p.name !== "box1" || JSON.stringify(got) !== JSON.stringify(want)) process.exit(1);' "$peers" "${urls[1]}" "${urls[2]}" 2>/dev/null; then
  pass "box1's /api/peers: name box1, peers box2 and box3"
else
  fail "box1's /api/peers: name box1, peers box2 and box3; got: $peers"
fi
# Each box counts its own MTAs (and shared-out reaches box2 and box3).
mtas=("mx-a1 mx-a2" "mx-b1 shared-out" "mx-c1 shared-out")
for b in 1 2 3; do
  for m in ${mtas[b - 1]}; do
    check "box$b counts deliveries of its MTA $m" \
      wait_until 15 bash -c "(( \$(node '$ECO_DIR/lib/metric.mjs' '${urls[b - 1]}' mail_deliveries_total mta=$m) > 0 ))"
  done
done
check "box1 sees none of box2's MTAs" metric_is "${urls[0]}" 0 mail_deliveries_total mta=mx-b1

kill -INT -- "-$pg"
if wait_until 15 bash -c "! kill -0 $pg 2>/dev/null"; then pass "SIGINT to the process group stops boxes.sh"; else fail "SIGINT stops boxes.sh"; fi
dir="$(sed -n 's#^boxes: logs in \(/tmp/tm-boxes\.[A-Za-z0-9]*\).*#\1#p' "$ECO_TMP/boxes.out")"
check "its temporary directory ($dir) is removed" bash -c "[[ -n '$dir' && ! -e '$dir' ]]"
check "no daemon of boxes.sh is left running" bash -c "! curl -s -o /dev/null '${urls[0]}/healthz' && ! curl -s -o /dev/null '${urls[1]}/healthz' && ! curl -s -o /dev/null '${urls[2]}/healthz'"
check "boxes.sh said it was stopping" grep -q 'boxes: stopping' "$ECO_TMP/boxes.out"
finish
