#!/usr/bin/env bash
# Regenerates fleet.log, the known log of the ecosystem tests: tests/ecosystem/data/make_fleet_log.sh > fleet.log
# Expected values (one pass of the file) are in fleet.expected.json; keep both in step.
set -euo pipefail
n=0
qid() { n=$((n+1)); q=$(printf "A%05dB" "$n"); }
ip() { case $1 in proxy1) echo 10.0.0.1;; proxy2) echo 10.0.0.2;; proxy3) echo 10.0.0.3;; esac; }
d3164() { printf 'Nov 27 09:%02d:%02d' $((n/60)) $((n%60)); }
diso() { printf '2026-11-27T09:%02d:%02d.%06d+00:00' $((n/60)) $((n%60)) $((n*1111)); }
att() { # stamp-fn host tag relay status delay
  qid; local ts; ts=$($1)
  local rel
  if [[ $4 == none ]]; then rel="relay=none"; else rel="relay=$4[$(ip $4)]:25"; fi
  case $5 in
    sent) echo "$ts $2 $3[1$n]: $q: to=<user$n@example.org>, $rel, delay=$6, delays=0.01/0/0.1/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as X$q)";;
    deferred) echo "$ts $2 $3[1$n]: $q: to=<user$n@example.org>, $rel, delay=$6, delays=0.01/0/0.1/0.2, dsn=4.4.1, status=deferred (connect to mx.example.org[192.0.2.7]:25: Connection timed out)";;
    bounced) echo "$ts $2 $3[1$n]: $q: to=<user$n@example.org>, $rel, delay=$6, delays=0.01/0/0.1/0.2, dsn=5.1.1, status=bounced (host mx said: 550 5.1.1 User unknown (in reply to RCPT TO command))";;
  esac
}
for i in 1 2 3 4 5 6; do att d3164 mta1 postfix/smtp proxy1 sent 0.4; done
for i in 1 2; do att d3164 mta1 postfix/smtp proxy2 sent 0.8; done
att d3164 mta1 postfix/smtp proxy2 deferred 3.5
for i in 1 2; do att d3164 mta1 postfix/smtp proxy3 sent 2.5; done
att d3164 mta1 postfix/smtp proxy3 bounced 0.3
for r in proxy1 proxy2; do for i in 1 2; do att diso mta2 postfix/smtp $r sent 0.2; done; done
att diso mta2 postfix/smtp proxy3 sent 12
att diso mta2 postfix/smtp proxy3 deferred 45
for i in 1 2 3; do att diso mta3 postfix-out/smtp proxy1 sent 0.7; done
att diso mta3 postfix-out/smtp proxy1 bounced 1.2
for i in 1 2; do att diso mta3 postfix-out/error none deferred 400; done
# received: 4 plain smtp, 2 api (sasl), on mta1
for i in 1 2 3 4; do qid; echo "$(d3164) mta1 postfix/smtpd[2$n]: $q: client=lb1.int.example.com[10.1.0.2]"; done
for i in 1 2; do qid; echo "$(d3164) mta1 postfix/submission/smtpd[2$n]: $q: client=app1.int.example.com[10.1.0.11], sasl_method=PLAIN, sasl_username=billing"; done
# expired on mta2
qid; echo "$(diso) mta2 postfix/qmgr[3$n]: $q: from=<news@example.com>, status=expired, returned to sender"
# three lines no rule matches, and two cleanup lines only the pack's memory takes (the
# arrival of a message, for its queue lifetime)
for i in 1 2 3; do n=$((n+1)); echo "$(d3164) mta1 postfix/smtpd[2$n]: connect from lb1.int.example.com[10.1.0.2]"; done
for i in 1 2; do qid; echo "$(d3164) mta1 postfix/cleanup[4$n]: $q: message-id=<$q@example.com>"; done
