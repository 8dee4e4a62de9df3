#!/usr/bin/env python3
"""Writes postfix_queue.log (beside this script) or, with `-`, prints it.

Three hours of /var/log/mail.log as a central syslog server collects it from two
MX hosts, mx1 and mx2, each running two Postfix instances:

- `postfix` takes mail from the Internet and from applications (smtpd, submission, pickup),
  delivers local recipients over LMTP to Dovecot and hands every other recipient to the
  outbound instance over SMTP (relay 127.0.0.1, port 10026), which answers "queued as ID";
- `postfix-out` (smtpd on 127.0.0.1:10026, a few hundred bytes of headers more) delivers to
  the recipients' MX hosts: mostly status=sent, some bounced (user unknown, no such domain;
  the bounce daemon then sends a notification), and a slow domain whose deliveries are
  deferred and retried at Postfix's backoff (300 s, doubling up to 4000 s), qmgr logging
  the message's from=/size= line again at each retry. Some are sent in the end, others are
  still deferred when the log ends.

What the rule pack's cross-line measurements must get right is in the data on purpose:

- queue ids repeat: a new message often gets an id that another instance or the other host
  has in its queue at that moment (with a different size), and a few ids come back on the
  same instance once the earlier message is gone;
- messages with recipients at two relays (each delivery counts the message's full size, as
  Postfix's size= is per message), messages with local and remote recipients;
- the log starts and ends mid-stream: some messages' deliveries and removed lines come
  without their cleanup/qmgr lines (they arrived before 08:00), others are never removed.

RFC 3164 timestamps (no year, whole seconds), lines in time order, messages interleaved.
Deterministic: only random.Random(seed).random() is used, so any Python 3 writes the same
file. Regenerate the goldens after changing it (see tests/golden/golden_test.cpp).
"""
import heapq
import os
import random
import sys
from datetime import datetime, timedelta

SEED = 20261118
START = datetime(2026, 11, 18, 8, 0, 0)  # the year is not written (RFC 3164)
END = 3 * 3600                             # seconds after START
HOSTS = ["mx1", "mx2"]

rng = random.Random(SEED)


def r():
    return rng.random()


def pick(seq):
    return seq[int(r() * len(seq))]


def P(n):
    """A daemon's pid, chosen now: the same for qmgr all day, one of n for smtpd, smtp..."""
    k = int(r() * n)

    def pid(host, prog):
        base = (1000 if prog.startswith("postfix/") else 5000) + (0 if host == "mx1" else 20000)
        return base + sum(ord(c) for c in prog) * 7 % 3000 + k * 17
    return pid


# --- the log: lines at times in seconds after START (fractions order the lines within a
# second; the log shows whole seconds) ----------------------------------------------------
lines = []
order = 0


def log(t, host, prog, msg, pid):
    global order
    order += 1
    heapq.heappush(lines, (t, order, host, prog, pid, msg))


# --- queue ids ---------------------------------------------------------------------------
# lives: (host, instance, qid, first, last) of every message, to pick repeating ids.
lives = []
HEX = "0123456789ABCDEF"


def fresh_qid():
    return "".join(HEX[int(r() * 16)] for _ in range(10))


def qid_for(host, inst, t0, t1):
    """A queue id free on (host, inst) during [t0, t1]; often one in use elsewhere."""
    def free(q):
        return all(not (h == host and i == inst and q == qq and s <= t1 + 2 and t0 <= e + 2)
                   for h, i, qq, s, e in lives)

    u = r()
    if u < 0.30:  # an id another instance or host has in its queue right now
        cands = sorted({q for h, i, q, s, e in lives if (h, i) != (host, inst) and s <= t0 <= e and free(q)})
        if cands:
            return pick(cands)
    elif u < 0.36:  # an id this instance used before (that message is gone)
        cands = sorted({q for h, i, q, s, e in lives if (h, i) == (host, inst) and e + 2 < t0 and free(q)})
        if cands:
            return pick(cands)
    q = fresh_qid()
    while not free(q):
        q = fresh_qid()
    return q


def num(x):
    return ("%.2f" % x).rstrip("0").rstrip(".")


def delays(total):
    a = total * (0.05 + 0.2 * r())
    b = min(total - a, 0.01 * int(r() * 3))
    c = (total - a - b) * (0.2 + 0.5 * r())
    return "/".join(num(x) for x in (a, b, c, max(total - a - b - c, 0)))


# --- where mail goes ---------------------------------------------------------------------
MX = {  # recipient domain: (relay name, address, behaviour)
    "gmail.com": ("gmail-smtp-in.l.google.com", "142.250.102.27", "ok"),
    "example.com": ("example-com.mail.protection.outlook.com", "52.101.68.5", "ok"),
    "example.net": ("mx.example.net", "192.0.2.25", "unknown_users"),
    "web.example": ("mx00.web.example", "203.0.113.80", "ok"),
    "slow.example": ("mx.slow.example", "198.51.100.5", "slow"),
    "gone.example": (None, None, "no_domain"),
}
REMOTE = ["gmail.com"] * 5 + ["example.com"] * 4 + ["example.net"] * 3 + ["web.example"] * 2 + \
    ["slow.example"] * 3 + ["gone.example"]
NAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar"]
SENDERS = ["billing@shop.example.org", "noreply@shop.example.org", "news@lists.example.org",
           "it@corp.example.org", "hr@corp.example.org"]
INTERNET = [("mail-ej1-f41.google.com", "209.85.218.41"), ("mail.partner.example", "198.51.100.30"),
            ("unknown", "203.0.113.99")]
APPS = [("app1.int.example.org", "10.1.0.11"), ("app2.int.example.org", "10.1.0.12")]


def rcpt(domain):
    return "%s%d@%s" % (pick(NAMES), int(r() * 100), domain)


def deliver_out(host, t_in, size, sender, rcpts, msgid):
    """postfix-out: a message handed over at t_in. Returns its queue id."""
    out = []  # (t, prog, msg with {q} and {n}, pids), logged once the ids are known
    out.append((t_in, "postfix-out/smtpd", "{q}: client=localhost[127.0.0.1]", P(3)))
    out.append((t_in + 0.01, "postfix-out/cleanup", "{q}: message-id=<%s>" % msgid, P(2)))
    t = t_in + 0.03 + int(r() * 2)
    active = "{q}: from=<%s>, size=%d, nrcpt=%d (queue active)" % (sender, size, len(rcpts))
    out.append((t, "postfix-out/qmgr", active, P(1)))
    pending, done, bounced, tries, backoff = list(rcpts), [], [], {a: 0 for a in rcpts}, 300
    patience = {a: 1 + int(r() * 5) for a in rcpts}  # a slow domain's deferrals before it takes the mail
    while pending:
        still = []
        for a in pending:
            dom = a.split("@")[1]
            relay, ip, how = MX[dom]
            tries[a] += 1
            t += 0.1 + int(r() * 3) + r()
            delay = t - t_in + 0.2 + 2.5 * r() * r()
            if how == "no_domain":
                out.append((t, "postfix-out/smtp", "{q}: to=<%s>, relay=none, delay=%s, delays=%s, dsn=5.4.4, status=bounced (Host or domain name not found. Name service error for name=%s type=MX: Host not found, try again)" % (a, num(delay), delays(delay), dom), P(4)))
                bounced.append(a)
                done.append(t)
            elif how == "unknown_users" and a.startswith(("mallory", "oscar")):
                out.append((t, "postfix-out/smtp", "{q}: to=<%s>, relay=%s[%s]:25, delay=%s, delays=%s, dsn=5.1.1, status=bounced (host %s[%s] said: 550 5.1.1 <%s>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command))" % (a, relay, ip, num(delay), delays(delay), relay, ip, a), P(4)))
                bounced.append(a)
                done.append(t)
            elif how == "slow" and (tries[a] <= patience[a] or a.startswith(("ivan", "judy", "grace"))):
                if r() < 0.5:
                    t += 30
                    out.append((t, "postfix-out/smtp", "{q}: to=<%s>, relay=none, delay=%s, delays=%s, dsn=4.4.1, status=deferred (connect to %s[%s]:25: Connection timed out)" % (a, num(delay + 30), delays(delay + 30), relay, ip), P(4)))
                else:
                    out.append((t, "postfix-out/smtp", "{q}: to=<%s>, relay=%s[%s]:25, delay=%s, delays=%s, dsn=4.7.0, status=deferred (host %s[%s] said: 421 4.7.0 Try again later, closing connection. (in reply to MAIL FROM command))" % (a, relay, ip, num(delay), delays(delay), relay, ip), P(4)))
                still.append(a)
            else:
                out.append((t, "postfix-out/smtp", "{q}: to=<%s>, relay=%s[%s]:25, delay=%s, delays=%s, dsn=2.0.0, status=sent (250 2.0.0 OK  %d %s - gsmtp)" % (a, relay, ip, num(delay), delays(delay), 1763452800 + int(t), "".join(HEX[int(r() * 16)] for _ in range(8)).lower()), P(4)))
                done.append(t)
        pending = still
        if pending:
            t += backoff + int(r() * 60)  # the next queue run after the backoff
            backoff = min(backoff * 2, 4000)
            if t > END + 3600:
                break
            out.append((t, "postfix-out/qmgr", active.replace("nrcpt=%d" % len(rcpts), "nrcpt=%d" % len(pending)), P(1)))
    t_last = END + 86400 if pending else max(done) + 0.01 + int(r() * 2)
    q = qid_for(host, "postfix-out", t_in, t_last)
    lives.append((host, "postfix-out", q, t_in, t_last))
    n = None
    if bounced and not pending:  # the bounce daemon notifies the sender: a new message
        t_b = max(done) + 0.5
        n = qid_for(host, "postfix-out", t_b, t_b + 3)
        lives.append((host, "postfix-out", n, t_b, t_b + 3))
        out.append((t_b, "postfix-out/cleanup", "{n}: message-id=<%s.{n}@%s.example.com>" % ((START + timedelta(seconds=int(t_b))).strftime("%Y%m%d%H%M%S"), host), P(2)))
        out.append((t_b + 0.01, "postfix-out/bounce", "{q}: sender non-delivery notification: {n}", P(1)))
        out.append((t_b + 0.02, "postfix-out/qmgr", "{n}: from=<>, size=%d, nrcpt=1 (queue active)" % (2400 + min(size, 30000) // 3), P(1)))
        delay = 1.1 + r()
        out.append((t_b + 1, "postfix-out/smtp", "{n}: to=<%s>, relay=mail.shop.example.org[198.51.100.40]:25, delay=%s, delays=%s, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 3C9F0A7E21)" % (sender, num(delay), delays(delay)), P(4)))
        out.append((t_b + 1.01, "postfix-out/qmgr", "{n}: removed", P(1)))
        t_last = max(t_last, t_b + 0.03)
    if not pending:
        out.append((t_last, "postfix-out/qmgr", "{q}: removed", P(1)))
    for t, prog, msg, pid in out:
        log(t, host, prog, msg.format(q=q, n=n), pid(host, prog))
    return q


def message(host, t0):
    """One message arriving at the `postfix` instance of host at t0."""
    kind = r()
    sender = pick(SENDERS)
    size = int(600 * 2 ** (13 * r() * r()))  # 600 B .. ~5 MB, mostly small
    out, client = [], None
    if kind < 0.15:  # cron mail
        sender = "root@%s.example.com" % host
        out.append((t0, "postfix/pickup", "{q}: uid=0 from=<root>", P(1)))
    elif kind < 0.40:  # an application, over submission
        client, prog, session = pick(APPS), "postfix/submission/smtpd", P(2)
        out.append((t0 - 0.2, prog, "connect from %s[%s]" % client, session))
        out.append((t0, prog, "{q}: client=%s[%s], sasl_method=PLAIN, sasl_username=%s" % (client + (sender,)), session))
    else:
        client, prog, session = pick(INTERNET), "postfix/smtpd", P(3)
        out.append((t0 - 0.4, prog, "connect from %s[%s]" % client, session))
        out.append((t0, prog, "{q}: client=%s[%s]" % client, session))
    msgid = "%s.%06d@%s" % ((START + timedelta(seconds=int(t0))).strftime("%Y%m%d%H%M%S"), int(r() * 1e6), sender.split("@")[1])
    out.append((t0 + 0.01, "postfix/cleanup", "{q}: message-id=<%s>" % msgid, P(2)))
    t = t0 + 0.03 + int(r() * 2)
    mailbox = "%s.example.com" % host
    u = r()
    if client is None:
        rc = ["root@" + mailbox] if u < 0.6 else [rcpt("gmail.com")]
    elif u < 0.25:
        rc = [rcpt(mailbox)]
    elif u < 0.55:
        rc = [rcpt(pick(REMOTE))]
    elif u < 0.85:  # two recipients at two relays
        a = pick(REMOTE)
        rc = [rcpt(a), rcpt(pick([d for d in REMOTE if d != a]))]
    else:  # a local recipient and two remote ones
        rc = [rcpt(mailbox), rcpt("gmail.com"), rcpt(pick(["example.com", "web.example"]))]
    out.append((t, "postfix/qmgr", "{q}: from=<%s>, size=%d, nrcpt=%d (queue active)" % (sender, size, len(rc)), P(1)))
    if client:
        out.append((t + 0.01, prog, "disconnect from %s[%s] ehlo=1 mail=1 rcpt=%d data=1 quit=1 commands=%d" % (client + (len(rc), 4 + len(rc))), session))
    for a in [a for a in rc if a.endswith("@" + mailbox)]:
        t += 0.1 + r() * 1.5
        delay = t - t0 + 0.05 + 0.3 * r()
        out.append((t, "postfix/lmtp", "{q}: to=<%s>, relay=%s[private/dovecot-lmtp], delay=%s, delays=%s, dsn=2.0.0, status=sent (250 2.0.0 <%s> Saved)" % (a, mailbox, num(delay), delays(delay), a), P(2)))
    remote = [a for a in rc if not a.endswith("@" + mailbox)]
    if remote:
        t += 0.3 + r()
        q2 = deliver_out(host, t, size + 480 + int(r() * 200), sender, remote, msgid)
        t += 0.05
        session = P(3)
        for a in remote:
            delay = t - t0 + 0.1 + 0.4 * r()
            out.append((t, "postfix/smtp", "{q}: to=<%s>, relay=127.0.0.1[127.0.0.1]:10026, delay=%s, delays=%s, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as %s)" % (a, num(delay), delays(delay), q2), session))
    t += 0.01 + int(r() * 2)
    out.append((t, "postfix/qmgr", "{q}: removed", P(1)))
    q = qid_for(host, "postfix", t0, t)
    lives.append((host, "postfix", q, t0, t))
    for t, prog, msg, pid in out:
        log(t, host, prog, msg.format(q=q), pid(host, prog))


def main():
    # Messages from two hours before the log starts: the first lines belong to messages
    # whose arrival is not in the log.
    arrivals = sorted((-7200 + int(r() * 30), host) for host in HOSTS)
    while arrivals:
        t, host = heapq.heappop(arrivals)
        if t >= END:
            continue
        message(host, t)
        heapq.heappush(arrivals, (t + 40 + int(r() * 260), host))
    # A client refused at the door now and then.
    t = 7 * 60
    while t < END:
        host = pick(HOSTS)
        pid = P(3)(host, "postfix/smtpd")
        log(t, host, "postfix/smtpd", "connect from unknown[198.51.100.77]", pid)
        log(t + 0.3, host, "postfix/smtpd", "NOQUEUE: reject: RCPT from unknown[198.51.100.77]: 554 5.7.1 <info@example.biz>: Relay access denied; from=<spam@example.biz> to=<info@example.biz> proto=ESMTP helo=<example.biz>", pid)
        t += (23 + int(r() * 20)) * 60

    out = []
    while lines:
        t, _, host, prog, pid, msg = heapq.heappop(lines)
        if 0 <= t < END:
            out.append("%s %s %s[%d]: %s\n" % ((START + timedelta(seconds=int(t))).strftime("%b %e %H:%M:%S"), host, prog, pid, msg))
    text = "".join(out)
    if sys.argv[1:] == ["-"]:
        sys.stdout.write(text)
    else:
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "postfix_queue.log"), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
