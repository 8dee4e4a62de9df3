#!/usr/bin/env bash
# docs/ecosystem.md stays true: the repository files it names exist, the recording rules it
# lists are exactly the shipped ones, and every `tapemeasure` option it (or the unit, or
# /etc/default/tapemeasure) uses is one the binary accepts. (Installed paths are checked
# against the package in t60_package.sh; the walkthrough runs in t70_walkthrough.sh.)
source "$(dirname "$0")/lib/common.sh"

DOC="$REPO/docs/ecosystem.md"
check "docs/ecosystem.md exists" test -s "$DOC"

missing=""
for p in $(grep -oE '`(contrib|dashboards|tests|docs|rules)/[A-Za-z0-9_./*-]+`' "$DOC" | tr -d '`' | sort -u); do
  # shellcheck disable=SC2086
  compgen -G "$REPO/$p" >/dev/null || missing+=" $p"
done
if [[ -z "$missing" ]]; then pass "every repository path the guide names exists"; else fail "every repository path the guide names exists; missing:$missing"; fi

doc_rules="$(grep -oE '^\| `[a-z_]+:[a-z_]+:[a-z0-9_]+`' "$DOC" | tr -d '|` ' | sort)"
shipped_rules="$(sed -n 's/^ *- record: *//p' "$REPO/dashboards/prometheus/tapemeasure.rules.yml" | sort)"
check "the guide's recording rule table lists exactly the shipped rules" test "$doc_rules" = "$shipped_rules"
doc_alerts="$(grep -oE '`(Mail|Tapemeasure)[A-Za-z]+`' "$DOC" | tr -d '`' | sort -u)"
shipped_alerts="$(sed -n 's/^ *- alert: *//p' "$REPO/dashboards/prometheus/tapemeasure.alerts.yml" | sort)"
check "the guide names exactly the shipped alerts" test "$doc_alerts" = "$shipped_alerts"

help_run="$("$TAPEMEASURE_BIN" run --help 2>&1)"
help_replay="$("$TAPEMEASURE_BIN" replay --help 2>&1)"
help_test="$("$TAPEMEASURE_BIN" test --help 2>&1)"
bad=""
for f in $(cat "$DOC" "$REPO/contrib/systemd/tapemeasure.service" "$REPO/contrib/systemd/tapemeasure.default" |
           grep -oE -- '(^|[ "=(])--[a-z][a-z-]+' | sed -E 's/^[ "=(]//' | sort -u); do
  case "$f" in
    # other tools' options: cmake, systemctl, systemd-run, journalctl, logger, syslog-ng, setup.sh
    --prefix|--install|--build|--target|--now|--unit|--root|--file|--no-pager|--id|--syntax-only) continue ;;
  esac
  grep -q -- "$f" <<<"$help_run$help_replay$help_test" || bad+=" $f"
done
if [[ -z "$bad" ]]; then
  pass "every tapemeasure option in the guide, the unit and /etc/default/tapemeasure exists"
else
  fail "every tapemeasure option in the guide, the unit and /etc/default/tapemeasure exists; unknown:$bad"
fi

# The unit and the snippets agree with the guide's table of paths.
for p in /etc/tapemeasure/rules /etc/default/tapemeasure /run/tapemeasure/tapemeasure.sock /run/tapemeasure/syslog.sock; do
  check "guide and unit agree on $p" bash -c "grep -qF '$p' '$DOC' && grep -qF '$p' '$REPO/contrib/systemd/tapemeasure.service'"
done
finish
