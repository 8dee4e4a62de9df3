#!/usr/bin/env bash
# `run --follow` with Debian's logrotate itself: a writer appends a few thousand lines a
# second while logrotate is forced again and again, in both styles (create: rename and a
# new file; copytruncate: copy, then truncate in place), and the daemon is restarted with
# --follow-state in the middle of it. Counts come from /metrics across the daemon runs
# ("stopped after N lines" of each stopped daemon + the running one's
# tapemeasure_lines_total): rename rotation gives exactly the lines written; copytruncate
# at least every line that is on disk (it loses what the writer appends between logrotate's
# copy and its truncate; see docs/follow.md) and never more than were written. Also: a
# glob picks up a new file, a missing file is said once, history is not replayed.
source "$(dirname "$0")/lib/common.sh"

if ! command -v logrotate >/dev/null || ! command -v python3 >/dev/null; then
  skip "follow" "logrotate or python3 not installed (contrib/setup.sh installs logrotate)"
  finish
fi

D="$ECO_TMP/d"; L="$ECO_TMP/logs"
mkdir -p "$D" "$L"
chmod 0755 "$L"   # logrotate refuses to rotate in a world-writable or odd-owned directory
STATE="$D/follow.state"
FOLLOW=(--follow "$L/app.log" --follow "$L/ct.log" --follow "$L/new-*.log" --follow "$L/missing.log"
        --follow-state "$STATE")

# History that must not be replayed (files there at the first start, no state yet).
for i in $(seq 100); do echo "history $i"; done >"$L/app.log"
cp "$L/app.log" "$L/ct.log"

cat >"$D/rename.conf" <<EOF
$L/app.log {
  rotate 1000
  create 0644
  nocompress
  missingok
}
EOF
cat >"$D/copytruncate.conf" <<EOF
$L/ct.log {
  rotate 1000
  copytruncate
  nocompress
  missingok
}
EOF

# A writer like a syslog daemon that reopens its file when the name points elsewhere
# (as after postrotate's HUP), appending RATE lines/s for SECS s with O_APPEND. It writes
# a few batches more into a renamed file before noticing, as real writers do.
cat >"$D/writer.py" <<'EOF'
import os, sys, time
path, prefix, rate, secs, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
batch = max(1, rate // 100)
fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
n = 0; start = time.monotonic(); checks = 0
while time.monotonic() - start < secs:
    os.write(fd, b"".join(b"%s %d some postfix-like text, status=sent (250 ok)\n" % (prefix.encode(), n + i) for i in range(batch)))
    n += batch
    checks += 1
    if checks % 3 == 0:
        try:
            if os.stat(path).st_ino != os.fstat(fd).st_ino:
                os.close(fd); fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except FileNotFoundError:
            pass
    time.sleep(max(0.0, start + n / rate - time.monotonic()))
os.close(fd)
open(out, "w").write(str(n))
EOF

RUN_TOTALS=0   # lines counted by daemons already stopped
daemon_lines() { metric "$DAEMON_URL" tapemeasure_lines_total; }
start_follow() {
  local log="$D/daemon.log"
  start_daemon "$D" "${FOLLOW[@]}" || return 1
  # The first look at the files happens as the loop starts; writers wait for it.
  wait_until 10 grep -q "following $L/ct.log from" "$log"
}
restart_daemon() {
  kill "$DAEMON_PID"
  wait_until 10 bash -c "! kill -0 $DAEMON_PID" || true
  local stopped; stopped="$(sed -n 's/.*stopped after \([0-9]*\) lines.*/\1/p' "$D/daemon.log" | tail -n 1)"
  RUN_TOTALS=$((RUN_TOTALS + ${stopped:-0}))
  cp "$D/daemon.log" "$D/daemon.$RANDOM.log"
  sleep "${1:-0}"
  [[ -n "${2:-}" ]] && logrotate -f -s "$D/logrotate.state" "$2"   # a rotation while stopped
  start_follow
}
# cumulative_stable: the count across daemon runs, once it stopped moving.
cumulative_stable() {
  local prev=-1 now
  for _ in $(seq 50); do
    now=$((RUN_TOTALS + $(daemon_lines)))
    [[ "$now" == "$prev" ]] && { echo "$now"; return; }
    prev=$now; sleep 0.3
  done
  echo "$now"
}

start_follow || { fail "daemon starts with --follow"; finish; }
pass "daemon starts following"
sleep 0.6   # a poll period: history would have shown up by now
check "files there at the first start are read from their end (history not replayed: 0 lines)" \
  metric_is "$DAEMON_URL" 0 tapemeasure_lines_total

# --- missing file: said once, retried ---------------------------------------------------
check "a missing file is said once: '... missing.log: no such file yet'" \
  test "$(grep -c "missing.log: no such file yet" "$D/daemon.log")" -eq 1
check 'tapemeasure_follow_errors_total{reason="missing"} = 1' metric_is "$DAEMON_URL" 1 tapemeasure_follow_errors_total reason=missing

# --- rename rotation under load, with a restart -----------------------------------------
python3 "$D/writer.py" "$L/app.log" rot 3000 10 "$D/rot.count" &
writer=$!; track "$writer"
for step in 1 2 3 4 5 6 7; do
  sleep 1.2
  if ((step == 4)); then restart_daemon 0.4 "$D/rename.conf"    # rotated while stopped
  else logrotate -f -s "$D/logrotate.state" "$D/rename.conf"; fi
done
wait "$writer"
written="$(cat "$D/rot.count")"
sleep 1
got="$(cumulative_stable)"
rotations=$(ls "$L"/app.log.* | wc -l)
if [[ "$got" == "$written" ]]; then
  pass "rename rotation x$rotations + restart under 3000 lines/s: $got lines counted = $written written"
else
  fail "rename rotation: $got lines counted, $written written ($rotations rotations)"
fi
check "the daemon saw the rename rotations (tapemeasure_follow_rotations_total{kind=rename} > 0)" \
  bash -c "(( \$(node '$ECO_DIR/lib/metric.mjs' '$DAEMON_URL' tapemeasure_follow_rotations_total kind=rename) > 0 ))"

# --- copytruncate under load, with a restart ---------------------------------------------
base="$(cumulative_stable)"
python3 "$D/writer.py" "$L/ct.log" ct 3000 10 "$D/ct.count" &
writer=$!; track "$writer"
for step in 1 2 3 4 5 6 7; do
  sleep 1.2
  if ((step == 4)); then restart_daemon 0.4 "$D/copytruncate.conf"
  else logrotate -f -s "$D/logrotate.state" "$D/copytruncate.conf"; fi
done
wait "$writer"
written="$(cat "$D/ct.count")"
sleep 1
got=$(($(cumulative_stable) - base))
on_disk="$(cat "$L"/ct.log* | grep -c '^ct ')"
distinct="$(cat "$L"/ct.log* | grep '^ct ' | sort -u | wc -l)"
if ((on_disk <= got && got <= written)); then
  pass "copytruncate x7 + restart: $on_disk lines on disk <= $got counted <= $written written"
else
  fail "copytruncate: $got counted; $on_disk on disk, $written written"
fi
check "copytruncate kept each line on disk once (logrotate's copy does not double)" test "$on_disk" -eq "$distinct"
check "the daemon saw the truncations (tapemeasure_follow_rotations_total{kind=truncate} > 0)" \
  bash -c "(( \$(node '$ECO_DIR/lib/metric.mjs' '$DAEMON_URL' tapemeasure_follow_rotations_total kind=truncate) > 0 ))"

# --- a glob picks up a new file; the missing file appears ---------------------------------
before="$(daemon_lines)"
for i in 1 2 3 4 5; do echo "glob line $i"; done >"$L/new-1.log"
printf 'late 1\nlate 2\nlate 3\n' >"$L/missing.log"
if wait_until 10 metric_is "$DAEMON_URL" $((before + 8)) tapemeasure_lines_total; then
  pass "new-1.log (glob new-*.log, 5 lines) and missing.log (3 lines) read from their start when they appear"
else
  fail "glob/missing pick-up: lines_total $(daemon_lines), expected $((before + 8))"
fi
check "tapemeasure_follow_lines_total equals tapemeasure_lines_total (only followed files feed it)" \
  bash -c "[[ \$(node '$ECO_DIR/lib/metric.mjs' '$DAEMON_URL' tapemeasure_follow_lines_total) == \$(node '$ECO_DIR/lib/metric.mjs' '$DAEMON_URL' tapemeasure_lines_total) ]]"
check "the state file names the followed files" grep -q "$L/ct.log" "$STATE"

# --- a file the daemon may not read: said once, retried, read once readable --------------
if [[ "$(id -u)" == 0 ]] && command -v setpriv >/dev/null; then
  P="$ECO_TMP/perm"; mkdir -p "$P"; chmod 0711 "$ECO_TMP"; chmod 0777 "$P"
  echo "secret 1" >"$P/secret.log"; chmod 0600 "$P/secret.log"
  port="$(free_port)"
  setpriv --reuid=nobody --regid=nogroup --clear-groups "$TAPEMEASURE_BIN" run --rules "$REPO/rules" \
    --socket "$P/s.sock" --listen "127.0.0.1:$port" --follow "$P/secret.log" >"$P/daemon.log" 2>&1 &
  track $!
  PU="http://127.0.0.1:$port"
  if wait_until 20 curl -sf "$PU/healthz"; then
    sleep 1.2   # a few retries
    check "unreadable file (daemon as nobody): one 'Permission denied' warning, the daemon keeps running" \
      test "$(grep -c 'secret.log: Permission denied' "$P/daemon.log")" -eq 1
    check 'tapemeasure_follow_errors_total{reason="permission"} = 1' metric_is "$PU" 1 tapemeasure_follow_errors_total reason=permission
    chmod 0644 "$P/secret.log"; echo "secret 2" >>"$P/secret.log"
    check "once readable it is read (2 lines)" wait_until 10 metric_is "$PU" 2 tapemeasure_lines_total
  else
    fail "daemon as nobody starts"; cat "$P/daemon.log" >&2
  fi
else
  skip "permission check" "needs root (to run the daemon as nobody) and setpriv"
fi
finish
