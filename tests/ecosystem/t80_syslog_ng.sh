#!/usr/bin/env bash
# A real syslog-ng with the shipped contrib/syslog-ng/tapemeasure.conf (socket path pointed
# at a private daemon) and a private main config that defines Debian's s_src and f_mail:
# lines sent with `logger` to its private unix-dgram source and raw datagrams to its
# loopback UDP source are counted by the daemon; non-mail lines are not forwarded.
# Uses `syslog-ng` from PATH, or the private root made by get-syslog-ng.sh
# (TAPEMEASURE_SYSLOG_NG_ROOT); skipped when neither is there (Debian's syslog-ng-core
# conflicts with rsyslog, so it is not installed by contrib/setup.sh).
source "$(dirname "$0")/lib/common.sh"

root="${TAPEMEASURE_SYSLOG_NG_ROOT:-}"
if [[ -z "$root" && -x "$REPO/build-eco/syslog-ng/root/usr/sbin/syslog-ng" ]]; then root="$REPO/build-eco/syslog-ng/root"; fi
sng=(); modpath=()
if [[ -n "$root" && -x "$root/usr/sbin/syslog-ng" ]]; then
  export LD_LIBRARY_PATH="$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu:$root/usr/lib/syslog-ng${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  moddir="$(ls -d "$root"/usr/lib/syslog-ng/[0-9]* | head -n1)"
  sng=("$root/usr/sbin/syslog-ng"); modpath=(--module-path="$moddir")
elif command -v syslog-ng >/dev/null; then
  sng=(syslog-ng)
else
  skip "syslog-ng" "not installed (conflicts with rsyslog on Debian; tests/ecosystem/get-syslog-ng.sh unpacks a private copy)"
  finish
fi
version="$("${sng[@]}" --version 2>/dev/null | sed -n 's/^Config version: //p')"

D="$ECO_TMP/d"; W="$ECO_TMP/sng"; mkdir -p "$W"
start_daemon "$D"
U="$DAEMON_URL"

shipped="$REPO/contrib/syslog-ng/tapemeasure.conf"
sed "s#/run/tapemeasure/syslog.sock#$D/dgram.sock#" "$shipped" >"$W/tapemeasure.conf"
check "snippet's socket path replaced" grep -q "$D/dgram.sock" "$W/tapemeasure.conf"
udp_port="$(free_port)"
cat >"$W/syslog-ng.conf" <<EOF
@version: ${version:-3.38}
# private test configuration with the names Debian's syslog-ng.conf defines
options { use-dns(no); use-fqdn(no); keep-hostname(yes); stats-freq(0); };
source s_src {
  unix-dgram("$W/log.sock" host-override("mta7"));
  network(ip("127.0.0.1") port($udp_port) transport("udp"));
};
filter f_mail { facility(mail); };
@include "$W/tapemeasure.conf"
EOF
args=(-f "$W/syslog-ng.conf" "${modpath[@]}" --persist-file="$W/persist" --pidfile="$W/pid" --control="$W/ctl" --no-caps)
check "syslog-ng --syntax-only accepts the snippet" "${sng[@]}" --syntax-only "${args[@]}"
"${sng[@]}" -F "${args[@]}" >"$W/syslog-ng.log" 2>&1 &
track $!
if ! wait_until 20 test -S "$W/log.sock"; then fail "syslog-ng starts"; cat "$W/syslog-ng.log" >&2; finish; fi
pass "syslog-ng (config version ${version:-?}) starts with a private config"

sock="$W/log.sock"
for i in 1 2 3; do
  logger -u "$sock" -p mail.info -t postfix/smtp --id=4242 "4F1A2B$i: to=<u$i@example.org>, relay=proxy1[10.0.0.1]:25, delay=0.5, delays=0.1/0/0.2/0.2, dsn=2.0.0, status=sent (250 ok)"
done
logger -u "$sock" -p mail.info -t postfix/smtp --id=4243 "5A1B2D: to=<w@example.org>, relay=proxy2[10.0.0.2]:25, delay=30, delays=0.1/0/30/0, dsn=4.4.1, status=deferred (connect to mx.example.org[192.0.2.1]:25: Connection timed out)"
logger -u "$sock" -p mail.info -t postfix/smtpd --id=99 "connect from lb1.int.example.com[10.1.0.2]"
logger -u "$sock" -p user.notice -t cron --id=1 "not mail: must not reach tapemeasure"
printf '%s' "<22>Nov 27 09:01:02 mta8 postfix-out/smtp[78]: 7C3D4F: to=<z@example.org>, relay=proxy1[10.0.0.1]:25, delay=0.2, delays=0.1/0/0.05/0.05, dsn=2.0.0, status=sent (250 ok)" >"/dev/udp/127.0.0.1/$udp_port"
printf '%s' "<14>Nov 27 09:01:04 mta8 app[5]: not mail either" >"/dev/udp/127.0.0.1/$udp_port"

if wait_until 15 metric_is "$U" 6 tapemeasure_lines_total; then
  pass "daemon counted the 6 mail lines"
else
  fail "daemon counted the 6 mail lines: tapemeasure_lines_total=$(metric "$U" tapemeasure_lines_total)"; cat "$W/syslog-ng.log" >&2
fi
sleep 0.5
check "non-mail lines are not forwarded (still 6 lines)" metric_is "$U" 6 tapemeasure_lines_total
check 'mail_deliveries_total{mta="mta7",relay="proxy1",outcome="delivered"} = 3' metric_is "$U" 3 mail_deliveries_total mta=mta7 relay=proxy1 outcome=delivered
check 'mail_deliveries_total{mta="mta7",relay="proxy2",outcome="transient"} = 1' metric_is "$U" 1 mail_deliveries_total mta=mta7 relay=proxy2 outcome=transient
check 'remote host and instance kept: mail_deliveries_total{mta="mta8/postfix-out"} = 1' metric_is "$U" 1 mail_deliveries_total mta=mta8/postfix-out
unmatched=""
wait_until 5 bash -c "curl -sf '$U/api/rules' | grep -q 'connect from lb1'" || true
unmatched="$(curl -sf "$U/api/rules" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log((JSON.parse(s).recent_unmatched||[]).join("\n")))')"
if grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]+)?([+-][0-9]{2}:[0-9]{2}|Z) mta7 postfix/smtpd\[99\]: connect from lb1\.int\.example\.com\[10\.1\.0\.2\]$' <<<"$unmatched"; then
  pass "template gives '<ISO-8601> <host> <tag>: <msg>'"
else
  fail "template gives '<ISO-8601> <host> <tag>: <msg>'; got: $unmatched"
fi
finish
