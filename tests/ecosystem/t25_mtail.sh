#!/usr/bin/env bash
# tapemeasure against Debian's mtail on mtail's own example programs.
#
# For every tests/data/mtail/NAME.log (companions NAME.*.log go with it, e.g. vsftpd's
# xferlog): Debian's mtail runs /usr/share/doc/mtail/examples/NAME.mtail on the log, one
# shot (lib/run_mtail.sh), and `tapemeasure test --rules rules/examples/NAME.yml` reads the
# same lines (--format metrics). Every series the mtail program exports must be there with
# the same value and type; mtail's `prog` label is dropped, tapemeasure's self-metrics
# (tapemeasure_*) are left out (lib/compare_exposition.py).
#
# mtail's output is also checked against tests/data/mtail/NAME.mtail.expected, so a
# changed log without a regenerated expectation is caught (tests/data/mtail/README.md
# says how to regenerate). Without mtail installed (contrib/setup.sh installs it) the
# .expected files stand in for it, and that is said as a skip.
source "$(dirname "$0")/lib/common.sh"

DATA="$REPO/tests/data/mtail"
COMPARE=(python3 "$ECO_DIR/lib/compare_exposition.py" --drop-label prog
         --ignore-prefix tapemeasure_ --ignore-prefix mtail_ --ignore-prefix go_ --ignore-prefix process_)
command -v python3 >/dev/null || { fail "python3 is required (contrib/setup.sh installs it)"; exit 1; }

have_mtail=1
if ! command -v mtail >/dev/null || [[ ! -d /usr/share/doc/mtail/examples ]]; then
  have_mtail=0
  skip "live mtail" "mtail is not installed (contrib/setup.sh installs it): comparing with the recorded tests/data/mtail/*.mtail.expected only"
fi

# show_diff FILE: the comparison's report, indented, at most 40 lines.
show_diff() { sed -n '1,40p' "$1" | sed 's/^/        /' >&2; }

shopt -s nullglob
names=()
for log in "$DATA"/*.log; do
  base="$(basename "$log" .log)"
  [[ "$base" == *.* ]] && continue   # a companion (NAME.xferlog.log) goes with NAME
  names+=("$base")
done
((${#names[@]})) || { fail "no logs in $DATA"; exit 1; }

for name in "${names[@]}"; do
  W="$ECO_TMP/$name"; mkdir -p "$W"
  rules="$REPO/rules/examples/$name.yml"
  expected="$DATA/$name.mtail.expected"
  if [[ ! -f "$rules" ]]; then fail "$name: no rule file rules/examples/$name.yml"; continue; fi
  if [[ ! -f "$expected" ]]; then fail "$name: no $expected (see tests/data/mtail/README.md)"; continue; fi

  # The reference: live mtail (checked against the recording), or the recording.
  ref="$expected"
  if ((have_mtail)); then
    if ! "$ECO_DIR/lib/run_mtail.sh" "$name" "$DATA" >"$W/mtail.prom" 2>"$W/mtail.err"; then
      fail "$name: mtail failed"; show_diff "$W/mtail.err"; continue
    fi
    if "${COMPARE[@]}" --labels-ref recorded --labels-cand mtail "$expected" "$W/mtail.prom" >"$W/recorded.diff" 2>&1; then
      pass "$name: mtail's output equals tests/data/mtail/$name.mtail.expected"
    else
      fail "$name: mtail's output differs from tests/data/mtail/$name.mtail.expected (log changed? regenerate it)"
      show_diff "$W/recorded.diff"
    fi
    ref="$W/mtail.prom"
  fi

  # Ours: the log and its companions, in that order, on standard input.
  inputs=("$DATA/$name.log" "$DATA/$name".*.log)
  if ! cat "${inputs[@]}" | "$TAPEMEASURE_BIN" test --rules "$rules" --input - --format metrics \
       >"$W/tapemeasure.prom" 2>"$W/tapemeasure.err"; then
    fail "$name: tapemeasure test --rules rules/examples/$name.yml failed"
    show_diff "$W/tapemeasure.err"
    continue
  fi
  if "${COMPARE[@]}" --labels-ref mtail --labels-cand tapemeasure "$ref" "$W/tapemeasure.prom" >"$W/compare.diff" 2>&1; then
    pass "$name: rules/examples/$name.yml gives mtail's $(sed -n 's/^same //p' "$W/compare.diff")"
  else
    fail "$name: rules/examples/$name.yml differs from mtail's $name.mtail"
    show_diff "$W/compare.diff"
  fi
done
finish
