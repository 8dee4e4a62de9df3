#!/usr/bin/env python3
"""postfix_queue_count.py LOGFILE

Independent cross-check of rules/postfix.yml's two measurements across lines, with the
Python standard library alone (no RE2, no rule file, no tapemeasure code). Prints, sorted:

  bytes RELAY N                  mail_delivered_bytes_total{relay}
  lifetime MTA count N           mail_queue_lifetime_seconds_count{mta}
  lifetime MTA sum S             mail_queue_lifetime_seconds_sum{mta}
  lifetime MTA bucket LE N       mail_queue_lifetime_seconds_bucket{mta,le} (cumulative)
  collisions N                   queue ids in the queue of two host/instances at once
  misses N                       sent/removed lines whose message arrived before the log

Semantics (what rules/README.md says the pack measures):
- A message is known by host, Postfix instance (the syslog name: postfix, postfix-out,
  ...) and queue id: a queue id is unique only within one instance's queue.
- qmgr's "ID: from=<...>, size=N, nrcpt=M" line (one per entry into the active queue, so
  again at every retry) records the message's size N.
- Every status=sent line of a delivery agent (smtp, lmtp, relay, local, virtual, pipe, ...)
  adds that size to its relay (the word after relay=, up to "[", "," or a blank): each
  recipient gets the whole message. A message whose size line is not in the log adds
  nothing.
- cleanup's "ID: message-id=" line is the message's arrival; qmgr's "ID: removed" is its
  end, and the seconds between the two are its queue lifetime, observed under
  mta = host (localhost without one), plus "/instance" for an instance other than
  "postfix". removed ends the message: its arrival and size are forgotten.
- Times: RFC 3164 ("Nov 18 08:00:07", no year: the lines of one log are in one year, so
  any year gives the same differences) or ISO 8601 with a zone.
"""
import re
import sys
from datetime import datetime

BUCKETS = [1, 10, 60, 300, 1800, 3600, 14400, 86400, 432000]
AGENTS = {"smtp", "lmtp", "relay", "error", "retry", "local", "virtual", "pipe", "discard"}
MONTHS = {m: i + 1 for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())}


RFC3164 = re.compile(r"^(?:<\d+>)?([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d(?:\.\d+)?) (.*)$")
ISO8601 = re.compile(r"^(?:<\d+>)?(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d(?:\.\d+)?)(Z|[+-]\d\d:\d\d) (.*)$")
TAG = re.compile(r"^([A-Za-z0-9_./-]+)\[\d+\]:$")


def parse_header(line):
    """(seconds, host, program, message) or None. RFC 3164 times count from 1 January of
    an arbitrary year, without a zone: only differences within the year are meaningful."""
    m = RFC3164.match(line)
    if m and m.group(1) in MONTHS:
        mon, day, h, mi, s, rest = m.groups()
        t = (datetime(2001, MONTHS[mon], int(day), int(h), int(mi)) - datetime(2001, 1, 1)).total_seconds() + float(s)
    else:
        m = ISO8601.match(line)
        if not m:
            return None
        date, clock, zone, rest = m.groups()
        t = datetime.fromisoformat(date + "T" + clock + ("+00:00" if zone == "Z" else zone)).timestamp()
    words = rest.split(" ")
    if TAG.match(words[0]):
        host = ""
    else:
        host, words = words[0], words[1:]
    m = TAG.match(words[0]) if words else None
    if not m:
        return None
    return t, host, m.group(1), " ".join(words[1:])


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: postfix_queue_count.py LOGFILE")
    size, arrival = {}, {}          # key -> size, key -> arrival time
    since = {}                      # key -> first time seen in the queue (for collisions)
    bytes_by_relay, lifetimes = {}, {}
    collisions, misses = set(), 0
    with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
        for line in f:
            parsed = parse_header(line.rstrip("\n"))
            if not parsed:
                continue
            t, host, program, msg = parsed
            parts = program.split("/")
            inst, agent = parts[0], parts[-1]
            if len(parts) < 2 or not (inst == "postfix" or inst.startswith("postfix-")):
                continue
            qid, sep, rest = msg.partition(": ")
            if not sep or not qid.isalnum():
                continue
            key = (host or "localhost", inst, qid)
            mta = key[0] + ("" if inst == "postfix" else "/" + inst)
            if agent == "cleanup" and rest.startswith("message-id="):
                arrival[key] = t
                if any(k[2] == qid and k != key for k in since):
                    collisions.add(qid)
                since[key] = t
            elif agent == "qmgr" and rest.startswith("from=<"):
                m = re.match(r"from=<[^>]*>, size=(\d+), nrcpt=\d+", rest)
                if m:
                    size[key] = int(m.group(1))
            elif agent == "qmgr" and rest.startswith("removed"):
                if key in arrival:
                    lifetimes.setdefault(mta, []).append(t - arrival.pop(key))
                else:
                    misses += 1
                size.pop(key, None)
                since.pop(key, None)
            elif agent in AGENTS and rest.startswith("to=<"):
                m = re.search(r", relay=([^\s,\[]+)", rest)
                st = re.search(r", status=([a-z]+)", rest[m.end():] if m else "")
                if not m or not st or st.group(1) != "sent":
                    continue
                if key in size:
                    bytes_by_relay[m.group(1)] = bytes_by_relay.get(m.group(1), 0) + size[key]
                else:
                    misses += 1
    out = ["bytes %s %d" % kv for kv in bytes_by_relay.items()]
    for mta, xs in lifetimes.items():
        out.append("lifetime %s count %d" % (mta, len(xs)))
        out.append("lifetime %s sum %s" % (mta, repr(float(sum(xs)))))
        for le in BUCKETS:
            out.append("lifetime %s bucket %s %d" % (mta, le, sum(1 for x in xs if x <= le)))
        out.append("lifetime %s bucket +Inf %d" % (mta, len(xs)))
    out.append("collisions %d" % len(collisions))
    out.append("misses %d" % misses)
    print("\n".join(sorted(out)))


if __name__ == "__main__":
    main()
