#!/usr/bin/env bash
# The documented pipes into `tapemeasure replay -`:
#  - journald: a real journal file (written by systemd-journal-remote from journal export
#    format, since journald itself does not run here) read by the real journalctl with the
#    documented `-o short-iso SYSLOG_FACILITY=2`, once and in follow mode (`-f -n0`);
#  - Postfix maillog_file: lines in postlogd's format followed with `tail -n0 -F`.
# In follow mode each line must reach the daemon while the pipe is still open (a live
# feed), not when it closes.
source "$(dirname "$0")/lib/common.sh"

D="$ECO_TMP/d"
start_daemon "$D"
U="$DAEMON_URL"
S="$D/stream.sock"

# ---- journald ------------------------------------------------------------------------
JR=/lib/systemd/systemd-journal-remote
[[ -x "$JR" ]] || JR=/usr/lib/systemd/systemd-journal-remote
if ! command -v journalctl >/dev/null || [[ ! -x "$JR" ]]; then
  skip "journald pipe" "journalctl or systemd-journal-remote not installed (contrib/setup.sh installs systemd-journal-remote)"
else
  J="$ECO_TMP/journal"; mkdir -p "$J"
  mono=0
  # entry HOST IDENTIFIER FACILITY PID MESSAGE: one journal export record
  entry() {
    mono=$((mono + 1))
    printf '__REALTIME_TIMESTAMP=%s\n__MONOTONIC_TIMESTAMP=%s\n_BOOT_ID=0123456789abcdef0123456789abcdef\n_HOSTNAME=%s\nSYSLOG_IDENTIFIER=%s\nSYSLOG_FACILITY=%s\nPRIORITY=6\n_PID=%s\nMESSAGE=%s\n\n' \
      "$(($(date +%s) * 1000000 + mono))" "$mono" "$1" "$2" "$3" "$4" "$5"
  }
  sent() { echo "$1: to=<a$1@example.org>, relay=$2[10.0.0.9]:25, delay=0.4, delays=0.1/0/0.1/0.2, dsn=2.0.0, status=sent (250 ok)"; }
  {
    entry mta5 postfix/smtp 2 101 "$(sent 1A2B3C proxy1)"
    entry mta5 postfix/smtp 2 101 "$(sent 1A2B3D proxy2)"
    entry mta6 postfix-out/smtp 2 102 "$(sent 1A2B3E proxy1)"
    entry mta5 CRON 9 103 "(root) CMD (not mail)"
  } >"$J/batch1.export"
  "$JR" -o "$J/mail.journal" "$J/batch1.export" 2>"$J/remote.log"
  check "journal file written (systemd-journal-remote)" test -s "$J/mail.journal"
  out="$(journalctl --file "$J/mail.journal" -o short-iso --no-pager SYSLOG_FACILITY=2)"
  check "journalctl -o short-iso gives '<ISO-8601> <host> <tag>: <msg>' lines" \
    grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}[+-][0-9]{2}:?[0-9]{2} mta5 postfix/smtp\[101\]: 1A2B3C: ' <<<"$out"
  journalctl --file "$J/mail.journal" -o short-iso --no-pager SYSLOG_FACILITY=2 |
    "$TAPEMEASURE_BIN" replay - --socket "$S" --no-progress 2>/dev/null
  if wait_until 10 metric_is "$U" 3 tapemeasure_lines_total; then
    pass "journalctl ... SYSLOG_FACILITY=2 | tapemeasure replay -: the 3 mail entries, not the cron one"
  else
    fail "journalctl | replay -: lines=$(metric "$U" tapemeasure_lines_total), want 3"
  fi
  check 'journald: mail_deliveries_total{mta="mta5"} = 2' metric_is "$U" 2 mail_deliveries_total mta=mta5
  check 'journald: mail_deliveries_total{mta="mta6/postfix-out"} = 1' metric_is "$U" 1 mail_deliveries_total mta=mta6/postfix-out

  # Follow mode: the documented command with --file added; new entries arrive live.
  mkfifo "$J/pipe"
  journalctl --file "$J/mail.journal" -f -n0 -o short-iso SYSLOG_FACILITY=2 >"$J/pipe" 2>"$J/journalctl.log" &
  jpid=$!; track "$jpid"
  "$TAPEMEASURE_BIN" replay - --socket "$S" --no-progress <"$J/pipe" 2>"$J/replay.log" &
  rpid=$!; track "$rpid"
  wait_until 10 bash -c "[[ \$(node '$ECO_DIR/lib/metric.mjs' '$U' tapemeasure_ingest_connections) -ge 1 ]]" || true
  sleep 1 # journalctl -n0 positions itself at the end first
  { entry mta5 postfix/smtp 2 104 "$(sent 1A2B3F proxy3)"; entry mta5 CRON 9 105 "(root) CMD (not mail)"; } >"$J/batch2.export"
  "$JR" -o "$J/mail.journal" "$J/batch2.export" 2>>"$J/remote.log"
  if wait_until 10 metric_is "$U" 1 mail_deliveries_total mta=mta5 relay=proxy3; then
    pass "journalctl -f -n0 -o short-iso SYSLOG_FACILITY=2 | tapemeasure replay -: a new entry arrives while the pipe is open"
  else
    fail "journalctl -f | replay -: the new entry did not arrive within 10 s while the pipe was open (lines=$(metric "$U" tapemeasure_lines_total)); replay must pass on each line as it comes, not at EOF"
  fi
  kill "$jpid" 2>/dev/null || true
  wait_until 10 bash -c "! kill -0 $rpid 2>/dev/null" || true
  check "journald: still 4 mail lines in all after the pipe closed (no duplicates, cron filtered)" \
    metric_is "$U" 4 tapemeasure_lines_total
fi

# ---- Postfix maillog_file followed with tail -F ---------------------------------------
L="$ECO_TMP/postfix.log"
printf 'Nov 07 09:00:00 mx1 postfix/postlogd[1]: old line before tail started\n' >"$L"
before="$(metric "$U" tapemeasure_lines_total)"
mkfifo "$ECO_TMP/tailpipe"
tail -n0 -F "$L" >"$ECO_TMP/tailpipe" 2>/dev/null &
tpid=$!; track "$tpid"
"$TAPEMEASURE_BIN" replay - --socket "$S" --no-progress <"$ECO_TMP/tailpipe" 2>"$ECO_TMP/tail-replay.log" &
rpid=$!; track "$rpid"
sleep 0.5
# postlogd's format: "%b %d %H:%M:%S host progname[pid]: text" (zero-padded day)
printf 'Nov 07 09:01:02 mx1 postfix/smtp[42]: 7D8E9F: to=<b@example.org>, relay=mx.example.net[192.0.2.25]:25, delay=1.1, delays=0.1/0/0.5/0.5, dsn=2.0.0, status=sent (250 ok)\n' >>"$L"
if wait_until 10 metric_is "$U" 1 mail_deliveries_total mta=mx1 relay=mx.example.net; then
  pass "tail -n0 -F maillog_file | tapemeasure replay -: a new line arrives while the pipe is open"
else
  fail "tail -F | replay -: the new line did not arrive within 10 s while the pipe was open (lines=$(metric "$U" tapemeasure_lines_total)); replay must pass on each line as it comes, not at EOF"
fi
kill "$tpid" 2>/dev/null || true
wait_until 10 bash -c "! kill -0 $rpid 2>/dev/null" || true
check "maillog_file: the line written before tail started is not replayed (-n0)" \
  metric_is "$U" "$((before + 1))" tapemeasure_lines_total
finish
