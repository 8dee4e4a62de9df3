#!/usr/bin/env bash
# contrib/systemd/tapemeasure.service: `systemd-analyze verify` accepts it (with ExecStart
# pointed at the binary under test, since /usr/bin/tapemeasure is not installed here; the
# packaged copy is verified in t60_package.sh), `systemd-analyze security --offline`
# rates its exposure at most 2.0 ("OK"), it keeps the hardening it promises, and the
# command line it runs is accepted by the daemon (same flags, real run, sockets created).
source "$(dirname "$0")/lib/common.sh"

UNIT="$REPO/contrib/systemd/tapemeasure.service"
DEFAULTS="$REPO/contrib/systemd/tapemeasure.default"

for opt in 'DynamicUser=yes' 'RuntimeDirectory=tapemeasure' 'ProtectSystem=strict' 'NoNewPrivileges=yes' \
           'ProtectHome=yes' 'PrivateTmp=yes' 'CapabilityBoundingSet=' 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' \
           'ExecReload=/bin/kill -HUP $MAINPID' 'EnvironmentFile=-/etc/default/tapemeasure' \
           'Environment=TAPEMEASURE_RULES=/etc/tapemeasure/rules'; do
  check "unit has $opt" grep -qxF "$opt" "$UNIT"
done
check "ExecStart puts both sockets in the RuntimeDirectory" \
  bash -c "grep -q -- '--socket /run/tapemeasure/tapemeasure.sock' '$UNIT' && grep -q -- '--dgram-socket /run/tapemeasure/syslog.sock' '$UNIT'"
check "rsyslog and syslog-ng snippets write to the unit's datagram socket" \
  bash -c "grep -q '^\\\$OMUxSockSocket /run/tapemeasure/syslog.sock' '$REPO/contrib/rsyslog/tapemeasure.conf' && grep -q 'unix-dgram(\"/run/tapemeasure/syslog.sock\"' '$REPO/contrib/syslog-ng/tapemeasure.conf'"

if command -v systemd-analyze >/dev/null; then
  mkdir -p "$ECO_TMP/unit"
  sed "s#/usr/bin/tapemeasure#$TAPEMEASURE_BIN#" "$UNIT" >"$ECO_TMP/unit/tapemeasure.service"
  check "systemd-analyze verify" systemd-analyze verify "$ECO_TMP/unit/tapemeasure.service"
  check "systemd-analyze security --offline: exposure <= 2.0" \
    systemd-analyze security --offline=true --threshold=20 "$ECO_TMP/unit/tapemeasure.service"
else
  skip "systemd-analyze verify" "systemd-analyze not installed (package systemd)"
fi

# The daemon accepts exactly the command line the unit builds (defaults of the unit and of
# /etc/default/tapemeasure), with /run/tapemeasure and /etc/tapemeasure/rules mapped to
# private paths.
set -a; TAPEMEASURE_RULES=; TAPEMEASURE_LISTEN=; TAPEMEASURE_OPTS=
source "$DEFAULTS"; set +a
check "/etc/default/tapemeasure agrees with the unit's defaults" \
  test "$TAPEMEASURE_RULES" = /etc/tapemeasure/rules -a "$TAPEMEASURE_LISTEN" = 127.0.0.1:8000
cmdline="$(sed -n '/^ExecStart=/,/[^\\]$/p' "$UNIT" | sed 's/\\$//; s/^ExecStart=//' | tr -s ' \n' ' ')"
port="$(free_port)"; R="$ECO_TMP/run"; mkdir -p "$R"
cmdline="${cmdline//\/usr\/bin\/tapemeasure/$TAPEMEASURE_BIN}"
cmdline="${cmdline//\/run\/tapemeasure/$R}"
cmdline="${cmdline//\/usr\/share\/tapemeasure\/web/$REPO/web}"
cmdline="${cmdline//\$\{TAPEMEASURE_RULES\}/$REPO/rules}"
cmdline="${cmdline//\$\{TAPEMEASURE_LISTEN\}/127.0.0.1:$port}"
cmdline="${cmdline//\$TAPEMEASURE_OPTS/}"
read -r -a argv <<<"$cmdline"
"${argv[@]}" >"$ECO_TMP/unit-run.log" 2>&1 &
pid=$!; track "$pid"
if wait_until 20 curl -sf "http://127.0.0.1:$port/healthz" && [[ -S "$R/tapemeasure.sock" && -S "$R/syslog.sock" ]]; then
  pass "the unit's ExecStart runs: both sockets created, HTTP up"
else
  fail "the unit's ExecStart runs: ${argv[*]}"; cat "$ECO_TMP/unit-run.log" >&2
fi
# ExecReload sends SIGHUP: the daemon reloads and keeps running.
before="$(metric "http://127.0.0.1:$port" tapemeasure_rules_reloads_total)"
kill -HUP "$pid"
if wait_until 10 bash -c "[[ \$(node '$ECO_DIR/lib/metric.mjs' 'http://127.0.0.1:$port' tapemeasure_rules_reloads_total) -gt $before ]]" && kill -0 "$pid"; then
  pass "ExecReload (SIGHUP) reloads the rules (tapemeasure_rules_reloads_total +1), daemon stays up"
else
  fail "ExecReload (SIGHUP) reloads the rules"; cat "$ECO_TMP/unit-run.log" >&2
fi
kill "$pid"
if wait_until 10 bash -c "! kill -0 $pid 2>/dev/null"; then
  pass "SIGTERM (systemctl stop) ends the daemon within TimeoutStopSec"
else
  fail "SIGTERM ends the daemon"
fi
check "sockets removed on stop" bash -c "[[ ! -e '$R/tapemeasure.sock' && ! -e '$R/syslog.sock' ]]"
finish
