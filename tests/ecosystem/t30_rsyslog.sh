#!/usr/bin/env bash
# A real rsyslogd with the shipped contrib/rsyslog/tapemeasure.conf (socket path pointed
# at a private daemon) feeds tapemeasure: lines sent with `logger` to a private imuxsock
# socket (host name = rsyslog's own) and raw syslog datagrams to a private imudp port
# (host name from the message, as from a remote MTA) are counted by the daemon; non-mail
# lines are not forwarded; the template keeps the prefix the rules parse; a restarted
# daemon is fed again without restarting rsyslog. /dev/log and the system rsyslog are
# never touched.
source "$(dirname "$0")/lib/common.sh"

if ! command -v rsyslogd >/dev/null || ! command -v logger >/dev/null; then
  skip "rsyslog" "rsyslogd or logger not installed (contrib/setup.sh installs rsyslog)"
  finish
fi

D="$ECO_TMP/d"; W="$ECO_TMP/rs"
mkdir -p "$W/work"
start_daemon "$D"

# The shipped snippet, with its one socket path pointed at this test's daemon.
shipped="$REPO/contrib/rsyslog/tapemeasure.conf"
check "snippet names /run/tapemeasure/syslog.sock once" \
  test "$(grep -c '/run/tapemeasure/syslog.sock' "$shipped")" -ge 1 -a \
       "$(grep -v '^[[:space:]]*#' "$shipped" | grep -c '/run/tapemeasure/syslog.sock')" -eq 1
sed "s#/run/tapemeasure/syslog.sock#$D/dgram.sock#" "$shipped" >"$W/tapemeasure.conf"

udp_port="$(free_port)"
cat >"$W/rsyslog.conf" <<EOF
# private test configuration: own work dir, own input socket, loopback UDP only
global(workDirectory="$W/work" localHostName="mta7" maxMessageSize="64k")
module(load="impstats" interval="1" log.file="$W/stats.log" log.syslog="off")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$W/log.sock" CreatePath="on" RateLimit.Interval="0")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="$udp_port")
include(file="$W/tapemeasure.conf")
EOF

check "rsyslogd -N1 accepts the snippet" rsyslogd -N1 -f "$W/rsyslog.conf"

rsyslogd -n -f "$W/rsyslog.conf" -i "$W/rsyslogd.pid" >"$W/rsyslogd.log" 2>&1 &
track $!
if ! wait_until 20 test -S "$W/log.sock"; then
  fail "rsyslogd starts"; cat "$W/rsyslogd.log" >&2; finish
fi
pass "rsyslogd starts with a private config"

sock="$W/log.sock"
say() { logger -u "$sock" "$@"; }
# Local writer through imuxsock: host is rsyslog's localHostName (mta7).
for i in 1 2 3; do
  say -p mail.info -t postfix/smtp --id=4242 "4F1A2B$i: to=<u$i@example.org>, relay=proxy1[10.0.0.1]:25, delay=0.5, delays=0.1/0/0.2/0.2, dsn=2.0.0, status=sent (250 ok)"
done
say -p mail.info -t postfix/smtp --id=4243 "5A1B2C: to=<v@example.org>, relay=proxy2[10.0.0.2]:25, delay=1.5, delays=0.1/0/0.2/1.2, dsn=2.0.0, status=sent (250 ok)"
say -p mail.info -t postfix/smtp --id=4243 "5A1B2D: to=<w@example.org>, relay=proxy2[10.0.0.2]:25, delay=30, delays=0.1/0/30/0, dsn=4.4.1, status=deferred (connect to mx.example.org[192.0.2.1]:25: Connection timed out)"
say -p mail.info -t postfix/smtp --id=4244 "5A1B2E: to=<x@example.org>, relay=proxy3[10.0.0.3]:25, delay=0.3, delays=0.1/0/0.1/0.1, dsn=5.1.1, status=bounced (host proxy3[10.0.0.3] said: 550 5.1.1 unknown user)"
say -p mail.info -t postfix/smtpd --id=99 "6B2C3D: client=lb1.int.example.com[10.1.0.2]"
say -p mail.info -t postfix/smtpd --id=99 "connect from lb1.int.example.com[10.1.0.2]"
say -p user.notice -t cron --id=1 "not mail: must not reach tapemeasure"
# Remote writers through imudp: raw RFC 3164 datagrams with their own host names.
# <22> = mail.info, <14> = user.info.
send_udp() { printf '%s' "$1" >"/dev/udp/127.0.0.1/$udp_port"; }
send_udp "<22>Nov 27 09:01:02 mta8 postfix/smtp[77]: 7C3D4E: to=<y@example.org>, relay=proxy2[10.0.0.2]:25, delay=0.2, delays=0.1/0/0.05/0.05, dsn=2.0.0, status=sent (250 ok)"
send_udp "<22>Nov 27 09:01:03 mta8 postfix-out/smtp[78]: 7C3D4F: to=<z@example.org>, relay=proxy1[10.0.0.1]:25, delay=0.2, delays=0.1/0/0.05/0.05, dsn=2.0.0, status=sent (250 ok)"
send_udp "<14>Nov 27 09:01:04 mta8 app[5]: not mail either"

U="$DAEMON_URL"
if wait_until 15 metric_is "$U" 10 tapemeasure_lines_total; then
  pass "daemon counted the 10 mail lines (tapemeasure_lines_total 10)"
else
  fail "daemon counted the 10 mail lines: tapemeasure_lines_total=$(metric "$U" tapemeasure_lines_total)"
  sed 's/^/        rsyslogd: /' "$W/rsyslogd.log" >&2
fi
# Give stray (wrongly forwarded) lines a moment to show up before checking they did not.
sleep 0.5
check "non-mail lines are not forwarded (still 10 lines)" metric_is "$U" 10 tapemeasure_lines_total

check 'mail_deliveries_total{mta="mta7",relay="proxy1",outcome="delivered"} = 3' \
  metric_is "$U" 3 mail_deliveries_total mta=mta7 relay=proxy1 outcome=delivered
check 'mail_deliveries_total{mta="mta7",relay="proxy2"} = 1 delivered + 1 transient' \
  bash -c "[[ \$(node '$ECO_DIR/lib/metric.mjs' '$U' mail_deliveries_total mta=mta7 relay=proxy2 outcome=delivered) == 1 && \$(node '$ECO_DIR/lib/metric.mjs' '$U' mail_deliveries_total mta=mta7 relay=proxy2 outcome=transient) == 1 ]]"
check 'mail_deliveries_total{mta="mta7",relay="proxy3",outcome="permanent"} = 1' \
  metric_is "$U" 1 mail_deliveries_total mta=mta7 relay=proxy3 outcome=permanent
check 'mail_deliveries_total{mta="mta7"} = 6 in all' metric_is "$U" 6 mail_deliveries_total mta=mta7
check 'mail_messages_received_total{mta="mta7",source="smtp"} = 1' \
  metric_is "$U" 1 mail_messages_received_total mta=mta7 source=smtp
check 'remote host name kept: mail_deliveries_total{mta="mta8",relay="proxy2"} = 1' \
  metric_is "$U" 1 mail_deliveries_total mta=mta8 relay=proxy2 outcome=delivered
check 'Postfix instance kept: mail_deliveries_total{mta="mta8/postfix-out"} = 1' \
  metric_is "$U" 1 mail_deliveries_total mta=mta8/postfix-out relay=proxy1 outcome=delivered
check 'delay histogram fed: mail_delivery_delay_seconds_count{relay="proxy1"} = 4' \
  metric_is "$U" 4 mail_delivery_delay_seconds_count relay=proxy1
check "tapemeasure_lines_unmatched_total = 1 (the connect line)" metric_is "$U" 1 tapemeasure_lines_unmatched_total

# The unmatched line shows the exact shape the template produced.
unmatched="$(curl -sf "$U/api/rules" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log((JSON.parse(s).recent_unmatched||[]).join("\n")))')"
iso='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([+-][0-9]{2}:[0-9]{2}|Z) mta7 postfix/smtpd\[99\]: connect from lb1\.int\.example\.com\[10\.1\.0\.2\]$'
if grep -Eq "$iso" <<<"$unmatched"; then
  pass "template gives '<ISO-8601> <host> <tag>: <msg>' with no trailing newline"
else
  fail "template gives '<ISO-8601> <host> <tag>: <msg>'; got: $unmatched"
fi

# The $Action* directives took: the omuxsock action runs on its own queue (impstats).
check "the omuxsock action has its own queue (impstats: 'omuxsock queue')" \
  wait_until 5 grep -q 'omuxsock queue: origin=core.queue' "$W/stats.log"

# Restart the daemon on the same socket path: rsyslog feeds the new one, no restart needed.
kill "$DAEMON_PID"; wait_until 10 bash -c "! kill -0 $DAEMON_PID" || true
start_daemon "$D"
U="$DAEMON_URL"
for i in 1 2; do
  say -p mail.info -t postfix/smtp --id=4245 "8D4E5F$i: to=<r$i@example.org>, relay=proxy3[10.0.0.3]:25, delay=0.5, delays=0.1/0/0.2/0.2, dsn=2.0.0, status=sent (250 ok)"
done
if wait_until 15 metric_is "$U" 2 mail_deliveries_total mta=mta7 relay=proxy3 outcome=delivered; then
  pass "a restarted daemon is fed again without restarting rsyslog"
else
  fail "a restarted daemon is fed again: lines=$(metric "$U" tapemeasure_lines_total)"
fi
finish
