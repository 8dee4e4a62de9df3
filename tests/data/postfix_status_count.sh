#!/usr/bin/env bash
# postfix_status_count.sh LOGFILE
#
# Independent cross-check of mail_deliveries_total from rules/postfix.yml: counts the
# status= lines of Postfix delivery agents with awk alone (no RE2, no rule file) and prints,
# sorted, one line per "mta relay outcome count".
#
# Semantics (the same as the rule pack, see rules/README.md):
# - syslog header: optional <PRI>, then "Mmm dd hh:mm:ss" (day space-padded) or an ISO-8601
#   timestamp ("T" or a space between date and time), then the host name, which may be
#   absent (the tag follows the timestamp);
# - tag: <syslog_name>[/<more levels>]/<agent>[pid]: where syslog_name is "postfix" or a
#   "postfix-*" instance and agent is smtp, lmtp, relay, error, retry, local, virtual, pipe
#   or discard;
# - mta = host ("localhost" when absent), plus "/instance" for an instance other than
#   "postfix";
# - message: "<queue id>: to=<...>, ... relay=<word>..., ... status=<word>", where relay is
#   the word before "[" (or "none", "local", a pipe transport name...), and status
#   sent|deferred|bounced counts as delivered|transient|permanent; any other status
#   (deliverable, undeliverable, qmgr's expired, ...) is not a delivery attempt.
set -euo pipefail
if [ "$#" -ne 1 ]; then
  echo "usage: $0 LOGFILE" >&2
  exit 2
fi

LC_ALL=C awk '
BEGIN {
  outcome["sent"] = "delivered"; outcome["deferred"] = "transient"; outcome["bounced"] = "permanent"
  split("smtp lmtp relay error retry local virtual pipe discard", a, " ")
  for (i in a) agent[a[i]] = 1
}
{
  line = $0
  sub(/^<[0-9]+>/, "", line)
  n = split(line, f, " ")
  if (f[1] ~ /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)$/) i = 4
  else if (f[1] ~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T/) i = 2
  else if (f[1] ~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$/ && f[2] ~ /^[0-9][0-9]:/) i = 3
  else next
  if (f[i] ~ /:$/) { host = "" } else { host = f[i]; i++ }
  tag = f[i]
  if (tag !~ /^[A-Za-z0-9_.\/-]+\[[0-9]+\]:$/) next
  sub(/\[.*/, "", tag)
  k = split(tag, part, "/")
  if (k < 2 || !(part[k] in agent)) next
  inst = part[1]
  if (inst != "postfix" && inst !~ /^postfix-./) next
  # queue id, then "to=<" directly after it
  if (f[i + 1] !~ /^[0-9A-Za-z]+:$/ || f[i + 2] !~ /^to=</) next
  if (!match(line, /, relay=[^ ,[]+/)) next
  relay = substr(line, RSTART + 8, RLENGTH - 8)
  rest = substr(line, RSTART + RLENGTH)
  if (!match(rest, /, status=[A-Za-z]+/)) next
  status = substr(rest, RSTART + 9, RLENGTH - 9)
  if (!(status in outcome)) next
  mta = (host == "" ? "localhost" : host) (inst == "postfix" ? "" : "/" inst)
  count[mta " " relay " " outcome[status]]++
}
END { for (key in count) print key, count[key] }
' "$1" | LC_ALL=C sort
