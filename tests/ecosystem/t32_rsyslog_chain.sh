#!/usr/bin/env bash
# rsyslog across boxes, with the shipped contrib/rsyslog/tapemeasure-remote.conf and
# tapemeasure-box.conf (paths and ports pointed at this test's private ones):
#   logger -> "remote MTA" rsyslogd (imuxsock) -> RELP -> "box" rsyslogd (imrelp)
#          -> omprog tapemeasure-forward -> daemon A's stream socket
#   and, for comparison, the box also copies every line with omuxsock (as tapemeasure.conf
#   does) to daemon B's datagram socket.
# Counts are exact at the end; non-mail lines are not forwarded. Then both daemons are
# stopped while lines flow and started again: through tapemeasure-forward every line is
# counted exactly once (what the daemon counted before it stopped, from its "stopped after
# N lines", plus what the new one counts); the omuxsock copy loses what was sent while
# the daemon was down (measured and printed, not asserted). Two private rsyslogds: own
# configs, pid files, work dirs, loopback only; the system's rsyslog is never touched.
source "$(dirname "$0")/lib/common.sh"

for tool in rsyslogd logger python3; do
  if ! command -v "$tool" >/dev/null; then skip "rsyslog chain" "$tool not installed (contrib/setup.sh)"; finish; fi
done
if [[ -z "$(find /usr/lib -name imrelp.so 2>/dev/null | head -1)" ]]; then
  skip "rsyslog chain" "rsyslog-relp not installed (contrib/setup.sh)"; finish
fi

A="$ECO_TMP/a"; B="$ECO_TMP/b"; R="$ECO_TMP/remote"; X="$ECO_TMP/box"
mkdir -p "$R/work" "$X/work"
start_daemon "$A" --name box; A_PID=$DAEMON_PID; A_URL=$DAEMON_URL
start_daemon "$B" --name box-dgram; B_PID=$DAEMON_PID; B_URL=$DAEMON_URL
relp_port="$(free_port)"

# ---- the box: the shipped config, pointed at daemon A, RELP on loopback -----------------
sed -e "s#/usr/lib/tapemeasure/tapemeasure-forward#$REPO/contrib/rsyslog/tapemeasure-forward#" \
    -e "s#/run/tapemeasure/tapemeasure.sock#$A/stream.sock#" \
    -e "s#input(type=\"imrelp\" port=\"2514\"#input(type=\"imrelp\" address=\"127.0.0.1\" port=\"$relp_port\"#" \
    -e 's#^ruleset(name="tapemeasure-remote") {#&\n  call omuxsock_copy#' \
    "$REPO/contrib/rsyslog/tapemeasure-box.conf" >"$X/tapemeasure-box.conf"
check "box config: forwarder, socket, port and the comparison copy substituted" \
  bash -c "grep -q '$REPO/contrib/rsyslog/tapemeasure-forward $A/stream.sock' '$X/tapemeasure-box.conf' &&
           grep -q 'port=\"$relp_port\"' '$X/tapemeasure-box.conf' && grep -q 'call omuxsock_copy' '$X/tapemeasure-box.conf'"
{
  echo "global(workDirectory=\"$X/work\" localHostName=\"box\" maxMessageSize=\"64k\")"
  echo "# The comparison copy: omuxsock as in contrib/rsyslog/tapemeasure.conf, to daemon B."
  echo 'module(load="omuxsock")'
  echo 'template(name="TapemeasureDgram" type="string"'
  echo '         string="%TIMESTAMP:::date-rfc3339% %HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%")'
  echo "\$OMUxSockSocket $B/dgram.sock"
  echo 'ruleset(name="omuxsock_copy") {'
  echo '  if $syslogfacility-text == "mail" then {'
  echo '    $ActionQueueType LinkedList'
  echo '    $ActionQueueSize 100000'
  echo '    $ActionQueueTimeoutEnqueue 0'
  echo '    $ActionResumeRetryCount -1'
  echo '    :omuxsock:;TapemeasureDgram'
  echo '  }'
  echo '}'
  echo "include(file=\"$X/tapemeasure-box.conf\")"
} >"$X/rsyslog.conf"

# ---- the remote MTA: the shipped config, pointed at the box --------------------------------
sed -e "s#target=\"logbox1.example.com\" port=\"2514\"#target=\"127.0.0.1\" port=\"$relp_port\"#" \
    "$REPO/contrib/rsyslog/tapemeasure-remote.conf" >"$R/tapemeasure-remote.conf"
check "remote config: target substituted" grep -q "port=\"$relp_port\"" "$R/tapemeasure-remote.conf"
{
  echo "global(workDirectory=\"$R/work\" localHostName=\"mta9\" maxMessageSize=\"64k\")"
  echo 'module(load="imuxsock" SysSock.Use="off")'
  echo "input(type=\"imuxsock\" Socket=\"$R/log.sock\" CreatePath=\"on\" RateLimit.Interval=\"0\")"
  echo "include(file=\"$R/tapemeasure-remote.conf\")"
} >"$R/rsyslog.conf"

check "rsyslogd -N1 accepts the box config" rsyslogd -N1 -f "$X/rsyslog.conf"
check "rsyslogd -N1 accepts the remote MTA config" rsyslogd -N1 -f "$R/rsyslog.conf"
rsyslogd -n -f "$X/rsyslog.conf" -i "$X/rsyslogd.pid" >"$X/rsyslogd.log" 2>&1 &
track $!
rsyslogd -n -f "$R/rsyslog.conf" -i "$R/rsyslogd.pid" >"$R/rsyslogd.log" 2>&1 &
track $!
if ! wait_until 20 test -S "$R/log.sock"; then
  fail "both rsyslogds start"; cat "$X/rsyslogd.log" "$R/rsyslogd.log" >&2; finish
fi
pass "box and remote MTA rsyslogds start with private configs"

# Delivery lines numbered from $1, $2 of them, relays proxy1..3 in turn, every 5th deferred.
gen() {
  awk -v from="$1" -v n="$2" 'BEGIN { for (i = from; i < from + n; i++) {
    r = i % 3 + 1; st = (i % 5 == 0) ? "deferred" : "sent"
    printf "%06X: to=<u%d@example.org>, relay=proxy%d[10.0.0.%d]:25, delay=0.4, delays=0.1/0/0.1/0.2, dsn=2.0.0, status=%s (250 ok)\n", i, i, r, r, st } }'
}
send() { logger -u "$R/log.sock" -p mail.info -t postfix/smtp --id=4242; }  # one message per stdin line
# metric_is, showing the daemon's mail_deliveries_total when it fails.
deliveries_are() { metric_is "$@" || { curl -s "$1/metrics" | grep '^mail_deliveries_total'; return 1; }; }
both_at() { metric_is "$A_URL" "$1" tapemeasure_lines_total && metric_is "$B_URL" "$1" tapemeasure_lines_total; }

# ---- steady state: exact counts through both hops -----------------------------------------
N1=400
gen 0 "$N1" | send
logger -u "$R/log.sock" -p user.notice -t cron "not mail: must not reach tapemeasure"
if wait_until 30 both_at "$N1"; then
  pass "$N1 lines in, $N1 lines counted by the daemon behind each path"
else
  fail "$N1 lines counted: stream path $(metric "$A_URL" tapemeasure_lines_total), omuxsock path $(metric "$B_URL" tapemeasure_lines_total)"
  tail -20 "$X/rsyslogd.log" >&2
fi
sleep 0.5
check "non-mail lines are not forwarded (still $N1)" both_at "$N1"
deferred=$(gen 0 "$N1" | grep -c 'status=deferred')
check "mail_deliveries_total{mta=\"mta9\",outcome=\"transient\"} = $deferred (host name carried over RELP)" \
  deliveries_are "$A_URL" "$deferred" mail_deliveries_total mta=mta9 outcome=transient
proxy2=$(gen 0 "$N1" | grep -c 'relay=proxy2')
check "mail_deliveries_total{mta=\"mta9\",relay=\"proxy2\"} = $proxy2" \
  deliveries_are "$A_URL" "$proxy2" mail_deliveries_total mta=mta9 relay=proxy2

# ---- restart under load -------------------------------------------------------------------
# 40 lines every 0.1 s for about 6 s; both daemons stop at ~1.5 s and are back ~3 s later.
N2=2400
( for ((i = 0; i < N2; i += 40)); do gen $((N1 + i)) 40; sleep 0.1; done ) | send &
sender=$!
sleep 1.5
kill "$A_PID" "$B_PID"
wait_until 10 bash -c "! kill -0 $A_PID 2>/dev/null && ! kill -0 $B_PID 2>/dev/null" || true
a_before=$(sed -n 's/.*stopped after \([0-9]*\) lines.*/\1/p' "$A/daemon.log" | tail -1)
b_before=$(sed -n 's/.*stopped after \([0-9]*\) lines.*/\1/p' "$B/daemon.log" | tail -1)
cp "$A/daemon.log" "$A/daemon-1.log"; cp "$B/daemon.log" "$B/daemon-1.log"
sleep 3
start_daemon "$A" --name box; A_URL=$DAEMON_URL
start_daemon "$B" --name box-dgram; B_URL=$DAEMON_URL
wait "$sender" || true
total=$((N1 + N2))
if [[ -z "$a_before" || -z "$b_before" ]]; then
  fail "the stopped daemons said how many lines they had read"; finish
fi
if wait_until 40 metric_is "$A_URL" $((total - a_before)) tapemeasure_lines_total; then
  pass "restart under load, stream path: $a_before before + $((total - a_before)) after = $total lines, none lost or doubled"
else
  fail "restart under load, stream path: $a_before before + $(metric "$A_URL" tapemeasure_lines_total) after, want $total"
  tail -20 "$X/rsyslogd.log" >&2
fi
sleep 1
check "stream path: nothing more arrives (no duplicates)" metric_is "$A_URL" $((total - a_before)) tapemeasure_lines_total
b_after=$(metric "$B_URL" tapemeasure_lines_total)
b_lost=$((total - b_before - b_after))
echo "  (measured: the omuxsock path lost $b_lost of $total lines across the restart; $b_before before, $b_after after)"
if ((b_lost >= 0)); then pass "omuxsock path: no line counted twice ($b_lost lost while the daemon was down)"
else fail "omuxsock path counted $((-b_lost)) lines twice"; fi
finish
