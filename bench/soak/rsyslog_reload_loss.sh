#!/usr/bin/env bash
# Lines lost between a real rsyslog and tapemeasure while rules reload (issue 10, item 5).
#
# A private rsyslogd (own config, work dir and stats; /dev/log and the system rsyslog are
# never touched) reads LINES Postfix syslog lines from a file with imfile, as fast as it
# can, and forwards them through the shipped contrib/rsyslog/tapemeasure.conf (omuxsock,
# one datagram per line, own action queue) to a private daemon's datagram socket. Twice:
#   baseline   no reloads;
#   reloads    RELOADS_PER_S reloads a second for the whole run (RELOAD_BY=sighup: SIGHUP,
#              which always rebuilds; RELOAD_BY=file: rewrite a rule file, as an editor saves).
# Reported per run: lines in the file, what rsyslog says it read and forwarded (impstats:
# imfile, the omuxsock action, its queue), tapemeasure_lines_total, the difference (lost),
# and the reloads the daemon counted.
#
#   bench/soak/rsyslog_reload_loss.sh                      1,000,000 lines, 10 reloads/s
#   LINES=300000 RELOAD_BY=file bench/soak/rsyslog_reload_loss.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
BIN="${TAPEMEASURE_BIN:-$repo/build/tapemeasure}"
LINES="${LINES:-1000000}"
RELOADS_PER_S="${RELOADS_PER_S:-10}"
RELOAD_BY="${RELOAD_BY:-sighup}"

command -v rsyslogd >/dev/null || { echo "rsyslogd not installed (contrib/setup.sh installs it)" >&2; exit 2; }
[ -x "$BIN" ] || { echo "no tapemeasure binary at $BIN (set TAPEMEASURE_BIN)" >&2; exit 2; }

tmp="$(mktemp -d /tmp/tm-rsl-XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT

# The input: the demo's Postfix traffic (`tapemeasure demo --print`, about 5 lines a
# message) with a <PRI> (mail.info) so rsyslog's parser takes host, tag and facility from
# them (imfile needParse), exactly like lines off the network.
"$BIN" demo --print --count $((LINES / 4 + 1000)) --seed 1 >"$tmp/demo.log"
head -n "$LINES" "$tmp/demo.log" | sed 's/^/<22>/' >"$tmp/input.log"
[ "$(wc -l <"$tmp/input.log")" -eq "$LINES" ]

metric() {  # metric PORT NAME: the value of an unlabelled series
  curl -sf "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 == n && !f { print $2; f = 1 }'
}

# The last impstats value of COUNTER on the stats line whose name is NAME.
stat() {
  grep -F ": $1: " "$2" 2>/dev/null | tail -1 | grep -o " $3=[0-9]*" | cut -d= -f2 || true
}

run() {
  local mode="$1" d="$tmp/$1"
  mkdir -p "$d/work" "$d/rules"
  cp "$repo"/rules/*.yml "$d/rules/"
  "$BIN" run --rules "$d/rules" --socket '' --dgram-socket "$d/dgram.sock" --listen 127.0.0.1:0 >"$d/daemon.log" 2>&1 &
  local tm=$!; pids+=("$tm")
  local port=""
  for _ in $(seq 100); do
    port="$(grep -o 'UI, /metrics and /api at http://127.0.0.1:[0-9]*' "$d/daemon.log" | grep -o '[0-9]*$' || true)"
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { echo "daemon did not start:" >&2; cat "$d/daemon.log" >&2; exit 1; }

  sed "s#/run/tapemeasure/syslog.sock#$d/dgram.sock#" "$repo/contrib/rsyslog/tapemeasure.conf" >"$d/tapemeasure.conf"
  cat >"$d/rsyslog.conf" <<EOF
global(workDirectory="$d/work" maxMessageSize="64k")
module(load="impstats" interval="1" log.file="$d/stats.log" log.syslog="off" resetCounters="off")
module(load="imfile" mode="inotify")
input(type="imfile" File="$tmp/input.log" Tag="file" needParse="on" freshStartTail="off" Facility="mail")
include(file="$d/tapemeasure.conf")
EOF
  rsyslogd -N1 -f "$d/rsyslog.conf" >/dev/null 2>&1 || { rsyslogd -N1 -f "$d/rsyslog.conf"; exit 1; }

  local reloader=""
  if [ "$mode" = reloads ]; then
    local every; every="$(awk -v r="$RELOADS_PER_S" 'BEGIN { printf "%.3f", 1 / r }')"
    (
      i=0
      while :; do
        i=$((i + 1))
        if [ "$RELOAD_BY" = file ]; then
          { cat "$repo/rules/postfix.yml"; echo "# reload $i"; } >"$d/rules/.postfix.yml.tmp"
          mv "$d/rules/.postfix.yml.tmp" "$d/rules/postfix.yml"
        else
          kill -HUP "$tm"
        fi
        sleep "$every"
      done
    ) &
    reloader=$!; pids+=("$reloader")
    sleep 1  # reloads already going when the lines start
  fi

  local r0; r0="$(metric "$port" tapemeasure_rules_reloads_total)"
  local t0; t0="$(date +%s.%N)"
  rsyslogd -n -f "$d/rsyslog.conf" -i "$d/rsyslogd.pid" >"$d/rsyslogd.log" 2>&1 &
  local rs=$!; pids+=("$rs")

  # Done when rsyslog has read the whole file and its action queue is empty, and the
  # daemon's count has stood still for 2 s (or after 300 s).
  local last=-1 same=0 lines=0 t1="" r1=0
  for _ in $(seq 600); do
    sleep 0.5
    lines="$(metric "$port" tapemeasure_lines_total)"
    if [ "$lines" = "$last" ] && [ "$lines" != 0 ]; then
      same=$((same + 1))
    else
      same=0; t1="$(date +%s.%N)"; r1="$(metric "$port" tapemeasure_rules_reloads_total)"
    fi
    last="$lines"
    local read_; read_="$(stat "main Q" "$d/stats.log" enqueued)"
    [ "$same" -ge 4 ] && [ "${read_:-0}" -ge "$LINES" ] && break
  done
  [ -n "$reloader" ] && kill "$reloader" 2>/dev/null || true
  sleep 1.5  # one more impstats line
  local failed; failed="$(metric "$port" tapemeasure_rules_reload_failures_total)"
  local secs; secs="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"
  local submitted processed afailed suspended discarded
  submitted="$(stat "main Q" "$d/stats.log" enqueued)"
  processed="$(grep -F 'omuxsock' "$d/stats.log" | grep -v queue | tail -1 | grep -o 'processed=[0-9]*' | cut -d= -f2)"
  afailed="$(grep -F 'omuxsock' "$d/stats.log" | grep -v queue | tail -1 | grep -o ' failed=[0-9]*' | cut -d= -f2)"
  suspended="$(grep -F 'omuxsock' "$d/stats.log" | grep -v queue | tail -1 | grep -o ' suspended=[0-9]*' | cut -d= -f2)"
  discarded="$(grep -F 'omuxsock queue' "$d/stats.log" | tail -1 | grep -o 'discarded.full=[0-9]*' | cut -d= -f2)"
  # rsyslog's own account: what its inputs read (main queue), what the omuxsock action's
  # queue refused when full (the shipped snippet drops rather than slow rsyslog down), so
  # what it handed to omuxsock; what then did not reach tapemeasure was lost at the socket.
  local forwarded=$(( ${submitted:-0} - ${discarded:-0} ))
  local lost=$((LINES - lines)) lost_socket=$((forwarded - lines))
  pct() { awk -v l="$1" -v n="$LINES" 'BEGIN { printf "%.2f%%", 100 * l / n }'; }
  printf '%-9s %s lines in the file; rsyslog read %s, its omuxsock queue dropped %s when full (%s), forwarded %s;\n' \
    "$mode" "$LINES" "${submitted:-?}" "${discarded:-?}" "$(pct "${discarded:-0}")" "$forwarded"
  printf '          tapemeasure_lines_total %s: lost %s in all (%s), %s of them after rsyslog (at the socket, %s);\n' \
    "$lines" "$lost" "$(pct "$lost")" "$lost_socket" "$(pct "$lost_socket")"
  printf '          %s s, %s lines/s counted; reloads while lines came in %s (failed %s); omuxsock action: processed %s failed %s suspended %s\n' \
    "$secs" "$(awk -v l="$lines" -v s="$secs" 'BEGIN { printf "%.0f", l / s }')" "$((r1 - r0))" "$failed" \
    "${processed:-?}" "${afailed:-?}" "${suspended:-?}"
  grep -F 'datagram socket' "$d/daemon.log" | head -1 | sed 's/^/          daemon: /'
  kill "$rs" "$tm" 2>/dev/null || true
  wait "$rs" "$tm" 2>/dev/null || true
}

echo "rsyslog $(rsyslogd -v | head -1 | awk '{print $2}'), $LINES lines; net.core.rmem_max $(sysctl -n net.core.rmem_max)," \
  "net.unix.max_dgram_qlen $(sysctl -n net.unix.max_dgram_qlen); load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
for mode in ${MODES:-baseline reloads}; do
  [ "$mode" = reloads ] && echo "reloads: $RELOADS_PER_S/s by $RELOAD_BY"
  run "$mode"
done
