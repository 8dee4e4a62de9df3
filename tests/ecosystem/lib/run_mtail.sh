#!/usr/bin/env bash
# run_mtail.sh NAME [DATA_DIR]: runs Debian's mtail, one shot, with its example program
# NAME.mtail on tests/data/mtail/NAME.log (plus its companions NAME.*.log) and prints the
# Prometheus text exposition mtail ends with. Used by t25_mtail.sh and to write
# tests/data/mtail/NAME.mtail.expected (see tests/data/mtail/README.md).
#
# Some example programs look at the log's file name (getfilename()), so the logs are copied
# into a private directory under the names those programs expect:
#   lighttpd.log        -> lighttpd.access.log   (lighttpd.mtail wants /lighttpd.access.log/)
#   vsftpd.log          -> vsftpd.log            (vsftpd.mtail: /vsftpd.log/ ...)
#   vsftpd.xferlog.log  -> vsftpd.xferlog.log    (... and /xferlog/ for the transfer log)
# mtail's own log goes to the private directory (shown on failure); its HTTP listener,
# which it opens even in one-shot mode, binds 127.0.0.1 on a free port.
set -euo pipefail
name="${1:?usage: run_mtail.sh NAME [DATA_DIR]}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data="${2:-$here/../../data/mtail}"
progs="${MTAIL_EXAMPLES:-/usr/share/doc/mtail/examples}"
mtail_bin="${MTAIL_BIN:-mtail}"

prog="$progs/$name.mtail"
[[ -f "$prog" ]] || { echo "run_mtail: no mtail program $prog (apt-get install mtail)" >&2; exit 2; }
[[ -f "$data/$name.log" ]] || { echo "run_mtail: no log $data/$name.log" >&2; exit 2; }

work="$(mktemp -d /tmp/tm-mtail.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir "$work/logs" "$work/progs"
cp "$prog" "$work/progs/"
main_as="$name.log"
[[ "$name" == lighttpd ]] && main_as="lighttpd.access.log"
cp "$data/$name.log" "$work/logs/$main_as"
logs="$work/logs/$main_as"
shopt -s nullglob
for companion in "$data/$name".*.log; do
  cp "$companion" "$work/logs/"
  logs+=",$work/logs/$(basename "$companion")"
done

if ! "$mtail_bin" --one_shot --one_shot_format=prometheus --progs "$work/progs" --logs "$logs" \
     --address 127.0.0.1 --port 0 --logtostderr >"$work/out.prom" 2>"$work/mtail.log"; then
  echo "run_mtail: mtail failed on $name:" >&2
  tail -n 30 "$work/mtail.log" >&2
  exit 1
fi
cat "$work/out.prom"
