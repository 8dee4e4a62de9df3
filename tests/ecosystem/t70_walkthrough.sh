#!/usr/bin/env bash
# docs/ecosystem.md, "Add your own measurement in one minute", step by step against a
# running daemon: the rule file is taken from the guide itself; the TLS line is unmatched
# at first; `check` and `test` accept the file; saving it into the rules directory loads it
# without a restart (same process, other counts kept); the new metric appears in /metrics,
# events of the new type reach a browser connection, /api/rules shows the match count; a
# broken edit is rejected with the old rules kept; deleting the file removes the metric.
source "$(dirname "$0")/lib/common.sh"

DOC="$REPO/docs/ecosystem.md"
RULES="$ECO_TMP/rules"; mkdir -p "$RULES"
cp "$REPO"/rules/*.yml "$RULES/"

# The rule file, exactly as the guide shows it (the first yaml block after the marker).
awk '/<!-- walkthrough:rule/{m=1; next} m && /^ *```yaml/{inb=1; match($0, /^ */); ind=RLENGTH; next}
     inb && /^ *```/{exit} inb{print substr($0, ind+1)}' "$DOC" >"$ECO_TMP/tls.yml"
check "the guide's rule file is extracted" grep -q 'name: postfix_tls' "$ECO_TMP/tls.yml"

tls_in='Nov 27 09:05:03 mx1 postfix/smtpd[2222]: Anonymous TLS connection established from mail.example.org[203.0.113.25]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)'
tls_out='Nov 27 09:05:04 mta1 postfix/smtp[3333]: Verified TLS connection established to mx.example.net[198.51.100.25]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)'
printf '%s\n%s\n' "$tls_in" "$tls_out" >"$ECO_TMP/mail.log"

start_daemon "$ECO_TMP/d" --rules "$RULES"
U="$DAEMON_URL"; pid="$DAEMON_PID"
feed() { "$TAPEMEASURE_BIN" replay "$1" --socket "$ECO_TMP/d/stream.sock" --no-progress 2>/dev/null; }
# Some ordinary traffic first, whose counts must survive the reload.
feed "$REPO/tests/ecosystem/data/fleet.log"
feed "$ECO_TMP/mail.log"
wait_until 10 metric_is "$U" 38 tapemeasure_lines_total || true
check "the TLS lines are unmatched at first (shown in /api/rules recent_unmatched)" \
  wait_until 5 bash -c "curl -sf '$U/api/rules' | grep -qF 'Anonymous TLS connection established from mail.example.org'"

check "step 2: tapemeasure check tls.yml" "$TAPEMEASURE_BIN" check "$ECO_TMP/tls.yml"
check "step 2: tapemeasure test --rules RULES tls.yml --input mail.log --format summary counts 2 for postfix_tls" \
  bash -c "'$TAPEMEASURE_BIN' test --rules '$RULES' '$ECO_TMP/tls.yml' --input '$ECO_TMP/mail.log' --format summary | grep -Eq '^ *postfix_tls +2 '"

deliveries_before="$(metric "$U" mail_deliveries_total)"
reloads_before="$(metric "$U" tapemeasure_rules_reloads_total)"
node "$ECO_DIR/lib/ws_watch.mjs" "$U" tls 20 "$ECO_TMP/ws.ready" >"$ECO_TMP/ws.out" 2>&1 &
wpid=$!; track "$wpid"
wait_until 10 test -e "$ECO_TMP/ws.ready" || true

# step 3: save it next to the other rules
t0=$(date +%s%N)
cp "$ECO_TMP/tls.yml" "$RULES/tls.yml"
if wait_until 10 bash -c "curl -sf '$U/api/rules' | grep -q '\"postfix_tls\"'"; then
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  pass "step 3: saved file loaded without a restart (in ${ms} ms)"
else
  fail "step 3: saved file loaded without a restart"; cat "$ECO_TMP/d/daemon.log" >&2
fi
check "same daemon process (no restart)" kill -0 "$pid"
check "tapemeasure_rules_reloads_total went up" bash -c "[[ \$(node '$ECO_DIR/lib/metric.mjs' '$U' tapemeasure_rules_reloads_total) -gt $reloads_before ]]"
check "counts of the other metrics kept (mail_deliveries_total = $deliveries_before)" metric_is "$U" "$deliveries_before" mail_deliveries_total

# step 4: see the answer
feed "$ECO_TMP/mail.log"
if wait_until 10 metric_is "$U" 1 mail_tls_sessions_total mta=mx1 agent=smtpd version=TLSv1.3; then
  pass 'step 4: /metrics has mail_tls_sessions_total{agent="smtpd",mta="mx1",version="TLSv1.3"} 1'
else
  fail "step 4: mail_tls_sessions_total in /metrics"; curl -s "$U/metrics" | grep -i tls >&2 || true
fi
check 'step 4: ... and {agent="smtp",mta="mta1",version="TLSv1.2"} 1' metric_is "$U" 1 mail_tls_sessions_total mta=mta1 agent=smtp version=TLSv1.2
if wait "$wpid"; then
  pass "step 4: a browser connection receives the new 'tls' events: $(head -c 160 "$ECO_TMP/ws.out")"
else
  fail "step 4: tls events on /ws: $(cat "$ECO_TMP/ws.out")"
fi
check "step 4: /api/rules shows postfix_tls with 2 matches" \
  wait_until 5 bash -c "curl -sf '$U/api/rules' | node -e 'let s=\"\";process.stdin.on(\"data\",d=>s+=d).on(\"end\",()=>{const r=JSON.parse(s).rules.find(x=>x.name===\"postfix_tls\");process.exit(r&&r.matches===2?0:1)})'"

# A broken edit: rejected, the old rules keep running and say why.
failures_before="$(metric "$U" tapemeasure_rules_reload_failures_total)"
sed 's/(?P<version>TLSv\[\\d.\]+)/(?P<version>TLSv[\\d.]+/' "$ECO_TMP/tls.yml" >"$ECO_TMP/broken.yml"
if cmp -s "$ECO_TMP/tls.yml" "$ECO_TMP/broken.yml"; then fail "made a broken copy of tls.yml"; fi
cp "$ECO_TMP/broken.yml" "$RULES/tls.yml"
if wait_until 10 bash -c "[[ \$(node '$ECO_DIR/lib/metric.mjs' '$U' tapemeasure_rules_reload_failures_total) -gt $failures_before ]]"; then
  pass "a broken edit is rejected (tapemeasure_rules_reload_failures_total +1)"
else
  fail "a broken edit is rejected"
fi
check "... /api/rules names the file in the last reload error" \
  wait_until 5 bash -c "curl -sf '$U/api/rules' | node -e 'let s=\"\";process.stdin.on(\"data\",d=>s+=d).on(\"end\",()=>{const e=(JSON.parse(s).last_reload||{}).error||\"\";process.exit(e.includes(\"tls.yml\")?0:1)})'"
feed "$ECO_TMP/mail.log"
check "... and the old rules keep counting (mail_tls_sessions_total mx1 = 2)" \
  wait_until 10 metric_is "$U" 2 mail_tls_sessions_total mta=mx1 agent=smtpd version=TLSv1.3

# Delete the file: the metric disappears, the others keep their counts.
rm "$RULES/tls.yml"
if wait_until 10 bash -c "! curl -sf '$U/metrics' | grep -q '^mail_tls_sessions_total'"; then
  pass "deleting the file removes mail_tls_sessions_total from /metrics"
else
  fail "deleting the file removes mail_tls_sessions_total from /metrics"
fi
check "... and mail_deliveries_total keeps its count" metric_is "$U" "$deliveries_before" mail_deliveries_total
finish
