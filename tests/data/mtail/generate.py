#!/usr/bin/env python3
"""Writes the logs that tests/ecosystem/t25_mtail.sh feeds to Debian's mtail and to
tapemeasure (rules/examples/NAME.yml), one per mtail example program.

    python3 tests/data/mtail/generate.py            # rewrites tests/data/mtail/*.log

Deterministic: every generator has its own fixed seed, so the same script writes the same
bytes. The lines are our own, in each program's documented log format; a few lines in
every log must NOT be counted (other messages, and shapes that mtail's patterns reject on
purpose or by accident, see README.md). After changing this file, regenerate the
NAME.mtail.expected files too (README.md says how).

Dates: a week in early February 2024 (no daylight-saving change near it, so durations are
the same in any time zone). Addresses are documentation ranges (192.0.2.0/24,
198.51.100.0/24, 203.0.113.0/24, 10.x), names are example.com/.org/.net.
"""
import datetime as dt
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = dt.datetime(2024, 2, 6, 9, 0, 0)


def write(name, lines):
    path = os.path.join(HERE, name)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for line in lines:
            f.write(line + "\n")
    size = os.path.getsize(path)
    assert size < 60_000, (name, size)
    assert (20 if name.count(".") > 1 else 50) <= len(lines) <= 400, (name, len(lines))
    print(f"{name}: {len(lines)} lines, {size} bytes")


def timeline(events):
    """events: (datetime, order, text); sorted by time, then by insertion order."""
    return [e[2] for e in sorted(events, key=lambda e: (e[0], e[1]))]


def syslog_ts(t):
    return t.strftime("%b ") + f"{t.day:2d}" + t.strftime(" %H:%M:%S")


# ---------------------------------------------------------------------------------------
# rsyncd: rsync daemon log, `log format = %o %h [%a] %m (%u) %f %l`
def rsyncd():
    r = random.Random(873)
    ev = []
    seq = [0]

    def add(t, text):
        seq[0] += 1
        ev.append((t, seq[0], text))

    def ts(t):
        return t.strftime("%Y/%m/%d %H:%M:%S")

    modules = ["pub", "backup", "mirror", "www"]
    clients = [("build1.example.com", "192.0.2.11"), ("build2.example.com", "192.0.2.12"),
               ("laptop7.example.net", "198.51.100.7"), ("nas.example.org", "203.0.113.40"),
               ("ci-runner.example.com", "192.0.2.30")]
    files = ["dists/stable/Release", "pool/main/a/apt/apt_2.6.1_amd64.deb", "index.html",
             "img/logo.png", "db/dump-2024-02-06.sql.gz", "home/alice/notes.txt",
             "etc/fstab", "var/www/site/app.js", "README", "srv/data/part-0001.bin"]
    t = T0
    add(t, f"{ts(t)} [1201] rsyncd version 3.2.7 starting, listening on port 873")
    pid = 4100
    for i in range(34):
        t += dt.timedelta(seconds=r.randint(3, 140))
        pid += r.randint(1, 9)
        host, ip = clients[r.randrange(len(clients))]
        mod = modules[r.randrange(len(modules))]
        user = r.choice(["", "", "sync", "backup"])
        start = t
        add(start, f"{ts(start)} [{pid}] connect from {host} ({ip})")
        if i == 9:
            # refused session: counted as a connection, never closes with a summary
            add(start, f"{ts(start)} [{pid}] rsync denied on module secret from {host} ({ip})")
            continue
        if i == 17:
            add(start, f"{ts(start)} [{pid}] auth failed on module {mod} from {user or 'nobody'}@{host} ({ip}): password mismatch")
            continue
        way = r.choice(["on", "on", "to"])
        add(start, f"{ts(start)} [{pid}] rsync {way} {mod}/ from {user + '@' if user else ''}{host} ({ip})")
        add(start, f"{ts(start)} [{pid}] building file list")
        u = start
        sent = recv = 0
        for _ in range(r.randint(0, 4)):
            u += dt.timedelta(seconds=r.randint(0, 20))
            op = "send" if way == "on" else "recv"
            if r.random() < 0.12:
                op = "del."
            size = 0 if op == "del." else r.randint(10, 9_000_000)
            f = r.choice(files)
            addr = ip if r.random() > 0.1 else "2001:db8::17"
            add(u, f"{ts(u)} [{pid}] {op} {host} [{addr}] {mod} ({user}) {f} {size}")
            if op == "send":
                sent += size
            elif op == "recv":
                recv += size
        u += dt.timedelta(seconds=r.randint(0, 30))
        total = sent + recv + r.randint(0, 5000)
        add(u, f"{ts(u)} [{pid}] sent {sent + r.randint(40, 900)} bytes  received {recv + r.randint(40, 900)} bytes  total size {total}")
    # an IPv6 client: mtail's connect pattern wants a dotted quad, so it is not counted (and
    # this session therefore has no summary line either: it fails before any transfer)
    t += dt.timedelta(seconds=11)
    add(t, f"{ts(t)} [5999] connect from v6host.example.net (2001:db8::42)")
    add(t, f"{ts(t)} [5999] rsync error: error starting client-server protocol (code 5) at main.c(1863) [sender=3.2.7]")
    # the transfer format with a malformed size is not a transfer
    add(t, f"{ts(t)} [6000] send build1.example.com [192.0.2.11] pub () README -")
    add(t, "rsync: connection unexpectedly closed (0 bytes received so far) [Receiver]")
    return timeline(ev)


# ---------------------------------------------------------------------------------------
# sftp: OpenSSH sftp-server with `-l INFO` via syslog
def sftp():
    r = random.Random(22)
    ev = []
    seq = [0]

    def add(t, text):
        seq[0] += 1
        ev.append((t, seq[0], text))

    users = ["alice", "bob", "carol", "deploy_bot", "john.doe"]
    t = T0
    pid = 3100
    for i in range(24):
        t += dt.timedelta(seconds=r.randint(5, 200))
        user = users[i % len(users)] if i < 20 else r.choice(users)
        pid += r.randint(2, 17)
        ip = f"192.0.2.{r.randint(10, 90)}"
        host = r.choice(["files1", "files2.example.com"])
        tag = f"{host} sftp-server[{pid}]:"
        u = t
        add(u, f"{syslog_ts(u)} {host} sshd[{pid - 1}]: Accepted publickey for {user} from {ip} port {r.randint(30000, 60000)} ssh2: ED25519 SHA256:abc")
        add(u, f"{syslog_ts(u)} {host} sshd[{pid - 1}]: pam_unix(sshd:session): session opened for user {user}(uid=1001) by (uid=0)")
        add(u, f"{syslog_ts(u)} {tag} session opened for local user {user} from [{ip}]")
        add(u, f"{syslog_ts(u)} {tag} received client version 3")
        add(u, f"{syslog_ts(u)} {tag} realpath \".\"")
        for _ in range(r.randint(1, 5)):
            u += dt.timedelta(seconds=r.randint(0, 30))
            kind = r.random()
            home = user.split(".")[0] if r.random() < 0.5 else user
            if kind < 0.45:
                path = f"/home/{home}/{r.choice(['report.pdf', 'photos/cat.jpg', 'src/main.c', '.bashrc'])}"
            elif kind < 0.75:
                path = f"/srv/share/{r.choice(['inbox/upload.csv', 'public/index.html', 'tmp/x.bin'])}"
            else:
                path = f"/var/backups/{r.choice(['db.sql.gz', 'etc.tar'])}"
            mode = r.choice(["r", "r", "w", "rw", "none"])
            rd = r.randint(1, 5_000_000) if mode in ("r", "rw") else 0
            wr = r.randint(1, 2_000_000) if mode in ("w", "rw") else 0
            flags = {"r": "READ", "w": "WRITE,CREATE,TRUNCATE", "rw": "READ,WRITE", "none": "READ"}[mode]
            add(u, f"{syslog_ts(u)} {tag} open \"{path}\" flags {flags} mode 0666")
            add(u, f"{syslog_ts(u)} {tag} close \"{path}\" bytes read {rd} written {wr}")
            if r.random() < 0.3:
                add(u, f"{syslog_ts(u)} {tag} opendir \"/home/{home}\"")
                add(u, f"{syslog_ts(u)} {tag} closedir \"/home/{home}\"")
        if i % 7 == 3:
            # a client that drops: no logout line
            add(u, f"{syslog_ts(u)} {host} sshd[{pid - 1}]: Connection closed by {ip} port 22")
            continue
        u += dt.timedelta(seconds=r.randint(1, 60))
        add(u, f"{syslog_ts(u)} {tag} session closed for local user {user} from [{ip}]")
        add(u, f"{syslog_ts(u)} {host} sshd[{pid - 1}]: pam_unix(sshd:session): session closed for user {user}")
    t += dt.timedelta(seconds=30)
    # not sftp-server: the internal-sftp subsystem logs under sshd's name or its own
    add(t, f"{syslog_ts(t)} files1 internal-sftp[4999]: session opened for local user mallory from [203.0.113.66]")
    add(t, f"{syslog_ts(t)} files1 internal-sftp[4999]: close \"/home/mallory/loot.tar\" bytes read 99999 written 0")
    # a path directly under /home (no user directory): totals count it, per-user metrics don't
    add(t, f"{syslog_ts(t)} files1 sftp-server[5000]: close \"/home/shared.txt\" bytes read 77 written 0")
    return timeline(ev)


# ---------------------------------------------------------------------------------------
# dhcpd: ISC dhcpd via syslog
def dhcpd():
    r = random.Random(67)
    ev = []
    seq = [0]

    def add(t, text):
        seq[0] += 1
        ev.append((t, seq[0], text))

    macs = [f"00:16:3e:{r.randint(0, 255):02x}:{r.randint(0, 255):02x}:{i:02x}" for i in range(1, 11)]
    names = ["laptop", "printer", "phone", None, "pxe1", None, "tv", None, "nas", "cam"]
    t = T0
    H = "gw1 dhcpd[812]:"

    def L(t, msg, head=H):
        add(t, f"{syslog_ts(t)} {head} {msg}")

    L(t, "Internet Systems Consortium DHCP Server 4.4.3-P1")
    L(t, "Copyright 2004-2022 Internet Systems Consortium.")
    L(t, "Wrote 42 leases to leases file.")
    L(t, "Server starting service.")
    for i in range(44):
        t += dt.timedelta(seconds=r.randint(1, 90))
        k = r.randrange(len(macs))
        mac, nm = macs[k], names[k]
        who = f"{mac} ({nm})" if nm else mac
        ip = f"10.20.0.{50 + k}"
        via = r.choice(["eth0", "eth0", "10.20.0.1"])
        L(t, f"DHCPDISCOVER from {who} via {via}")
        L(t, f"DHCPOFFER on {ip} to {who} via {via}")
        if r.random() < 0.85:
            L(t, f"DHCPREQUEST for {ip} (10.20.0.1) from {who} via {via}")
            if r.random() < 0.9:
                L(t, f"DHCPACK on {ip} to {who} via {via}")
            else:
                L(t, f"DHCPNAK on {ip} to {who} via {via}")
        if r.random() < 0.15:
            L(t, f"DHCPRELEASE of {ip} from {who} via eth0 (found)")
        if r.random() < 0.1:
            L(t, f"DHCPINFORM from {ip} via eth0")
        if r.random() < 0.06:
            L(t, f"DHCPDECLINE of {ip} from {who} via eth0: abandoned")
            L(t, f"Abandoning IP address {ip}: declined.")
        if i % 9 == 4:
            L(t, f"DHCPDISCOVER from {mac} via eth1: network 10.30.0.0/24: no free leases")
        if i % 11 == 6:
            L(t, f"BOOTREQUEST from {mac} via eth0")
            L(t, f"BOOTREPLY for 10.20.0.{120 + k} to pxe{k} ({mac}) via eth0")
        if i % 13 == 2:
            L(t, "balanced pool 55d3a0 10.20.0.0/24  total 200  free 120  backup 80  lts 20  max-own (+/-)20")
            L(t, "balancing pool 55d3a0 10.20.0.0/24  total 200  free 150  backup 50  lts -50  max-misbal 30")
    t += dt.timedelta(seconds=5)
    m = macs
    for msg in [
        f"DHCPDISCOVER from {m[2]} via eth1: network 10.30.0.0/24: no free leases",
        f"DHCPDISCOVER from {m[3]} via eth2: network 172.16.8/22: no free leases",
        f"DHCPDISCOVER from {m[4]} via 10.40.0.1: unknown network segment",
        f"DHCPDISCOVER from {m[4]} via 10.40.0.1: unknown network segment",
        # unknown lease (relayed): mtail's pattern has no space before the server id in
        # parentheses; the first form is matched (and counted), the second (dhcpd's own) is not
        f"DHCPREQUEST for 10.20.0.77(10.20.0.1) from {m[5]} via 10.20.0.1: unknown lease 10.20.0.77.",
        f"DHCPREQUEST for 10.20.0.78(10.20.0.1) from {m[6]} via 10.20.0.1: unknown lease 10.20.0.78.",
        f"DHCPREQUEST for 10.20.0.77(10.20.0.1) from {m[5]} via 10.20.0.1: unknown lease 10.20.0.77.",
        f"DHCPREQUEST for 10.20.0.79 (10.20.0.1) from {m[7]} via 10.20.0.1: unknown lease 10.20.0.79.",
        "Configuration file errors encountered -- exiting",
        "peer failover1: disconnected",
        "peer dhcp-failover: disconnected",
        "bind update on 10.20.0.51 got ack from failover1: xid mismatch.",
        "bind update on 10.20.0.52 got ack from dhcp-failover: xid mismatch.",  # \w+ stops at '-'
        f"uid lease 10.20.0.80 for client {m[1]} is duplicate on 10.20.0.0/24",
        "5 bad udp checksums in 5000 packets",
        "17 bad udp checksums in 6000 packets",
        "bind update on 10.20.0.53 from failover1 rejected: incoming update is less critical than the outgoing update",
        "timeout waiting for failover peer failover1",
        "ICMP Echo reply while lease 10.20.0.61 valid.",  # never counted: mtail's pattern wants "IPvalid"
        "unexpected ICMP Echo reply from 10.20.0.62",
        "Abandoning IP address 10.20.0.62: pinged before offer",
        "Abandoning IP address 10.20.0.63: pinged before offer",
        "bind update on 10.20.0.54 from failover1 rejected: 10.20.0.54: invalid state transition",
        "failover peer failover1: Got POOLREQ, answering negatively!  Current peer policy is to not balance",
        "failover peer failover2: Got POOLREQ, answering negatively!  Current peer policy is to not balance",
        "Lease conflict at 10.20.0.90",
        "dhcpdiscover from 00:16:3e:00:00:01 via eth0",  # lower case: not a request
        "DHCPDISCOVER from 00:16:3E:AA:BB:CC via eth0",  # upper-case MAC: counted as a request only
        "no free leases on subnet 10.50.0.0/24",
    ]:
        t += dt.timedelta(seconds=r.randint(1, 20))
        L(t, msg)
    t += dt.timedelta(seconds=3)
    # other programs and shapes: not counted
    add(t, f"{syslog_ts(t)} gw1 kernel: [12345.678] eth0: link up")
    add(t, f"{syslog_ts(t)} gw1 systemd[1]: Started isc-dhcp-server.service - ISC DHCP IPv4 server.")
    add(t, "DHCPDISCOVER from 00:16:3e:00:00:09 via eth0")  # no syslog header at all
    return timeline(ev)


# ---------------------------------------------------------------------------------------
# ntpd: ntpd via syslog
def ntpd():
    lines = []
    t = T0
    H = "ntp1 ntpd[612]:"

    def L(msg, step=1, head=H):
        nonlocal t
        t += dt.timedelta(seconds=step)
        lines.append(f"{syslog_ts(t)} {head} {msg}")

    boot = [
        "ntpd 4.2.8p15@1.3728-o Wed Sep 23 11:46:38 UTC 2020 (1): Starting",
        "Command line: /usr/sbin/ntpd -p /var/run/ntpd.pid -g -u 105:109",
        "----------------------------------------------------",
        "ntp-4 is maintained by Network Time Foundation,",
        "proto: precision = 0.049 usec (-24)",
        "basedate set to 2020-09-11",
        "gps base set to 2020-09-13 (week 2123)",
        "Listen and drop on 0 v6wildcard [::]:123",
        "Listen and drop on 1 v4wildcard 0.0.0.0:123",
        "Listen normally on 2 lo 127.0.0.1:123",
        "Listen normally on 3 eth0 192.0.2.5:123",
        "Listening on routing socket on fd #20 for interface updates",
        "kernel reports TIME_ERROR: 0x2041: Clock Unsynchronized",
    ]
    for m in boot:
        L(m)
    L("can't open /var/lib/ntp/ntp.drift: No such file or directory")
    L("kernel time sync status 0040")  # mtail wants "status change" here: not counted
    L("Soliciting pool server 198.51.100.3", 2)
    L("Soliciting pool server 203.0.113.9", 2)
    L("synchronized to 198.51.100.3, stratum 2", 60)
    L("kernel time sync enabled 0001", 1)
    L("kernel time sync status change 2001", 1)
    L("kernel pll status change 89", 0)
    L("0.0.0.0 c615 05 clock_sync", 0)
    L("select(): error: Interrupted system call", 300)  # no match: "select(): error" has a colon
    L("select() error: Interrupted system call", 5)
    L("synchronisation lost", 600)
    L("synchronized to 203.0.113.9, stratum 3", 120)
    L("synchronized to 2001:db8::123, stratum 2", 300)  # IPv6 peer: not counted
    L("too many recvbufs allocated (30)", 100)
    L("too many recvbufs allocated (40)", 100)
    L("kernel pll status change 2001", 10)
    L("kernel time sync status change 6001", 5)
    L("synchronized to LOCAL(0), stratum 10", 900)
    L("synchronized to LOCAL(1), stratum=11", 60)
    L("synchronisation lost", 60)
    L("ntpd exiting on signal 15 (Terminated)", 3600)
    L("ntpd exiting on signal 1 (Hangup)", 5)  # not signal 15
    t += dt.timedelta(seconds=20)
    H2 = "ntp1 ntpd[2044]:"
    for m in boot:
        L(m.replace("(1): Starting", "(1): Starting"), 1, H2)
    L("xntpd 3-5.93e Mon Sep 20 15:45:50 PDT 1999 (1)", 1, "oldbox xntpd[77]:")
    L("can't open /etc/ntp.drift.TEMP: No such file or directory", 1, H2)
    L("can't open /etc/ntp.conf: No such file or directory", 1, H2)  # not a drift file
    L("kernel time sync disabled 0041", 1, H2)
    L("synchronized to 198.51.100.3, stratum 2", 70, H2)
    L("kernel time sync status change 2001", 1, H2)
    L("kernel pll status change 2001", 1, H2)
    for i in range(8):
        L(f"Soliciting pool server 198.51.100.{20 + i}", 4, H2)
    L("too many recvbufs allocated (12)", 30, H2)
    L("select() error: Interrupted system call", 30, H2)
    L("ntpd exiting on signal 15 (Terminated)", 30, H2)
    lines.append("ntpd exiting on signal 15")  # no syslog header: not counted
    lines.append(f"{syslog_ts(t)} ntp1 systemd[1]: ntpsec.service: Deactivated successfully.")
    return lines


# ---------------------------------------------------------------------------------------
# ntpd_peerstats: ntpd's peerstats file (statistics peerstats)
def ntpd_peerstats():
    r = random.Random(123)
    mjd = 60346  # 2024-02-06
    peers = {
        "198.51.100.3": ["9614", "9624", "963a", "961a"],
        "203.0.113.9": ["9414", "9424", "941a", "9314"],
        "192.0.2.123": ["9014", "9024", "911a", "1314"],
        "127.127.1.0": ["8011", "8043", "9011"],
        "198.51.100.77": ["1314", "1414", "1024"],
    }
    lines = []
    sec = 3600
    for _ in range(56):
        sec += r.randint(40, 90)
        for peer, codes in peers.items():
            if r.random() < 0.2:
                continue
            status = r.choice(codes)
            off = r.uniform(-0.004, 0.004)
            delay = r.uniform(0.0005, 0.09) if not peer.startswith("127.") else 0.0
            disp = r.uniform(0.0001, 0.2)
            jitter = r.uniform(0.00001, 0.01)
            frac = r.randint(0, 999)
            lines.append(f"{mjd} {sec}.{frac:03d} {peer} {status} {off:.9f} {delay:.9f} {disp:.9f} {jitter:.9f}")
    # not counted: an IPv6 peer, an upper-case status word, a negative delay (refclock),
    # a truncated line
    lines.append(f"{mjd} {sec + 1}.001 2001:db8::123 9614 0.000123456 0.012345678 0.001234567 0.000100000")
    lines.append(f"{mjd} {sec + 2}.002 198.51.100.3 961A 0.000123456 0.012345678 0.001234567 0.000100000")
    lines.append(f"{mjd} {sec + 3}.003 127.127.28.0 9014 0.000123456 -0.000012345 0.001234567 0.000100000")
    lines.append(f"{mjd} {sec + 4}.004 198.51.100.3 9614")
    return lines


# ---------------------------------------------------------------------------------------
# web servers
UAS = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:122.0) Gecko/20100101 Firefox/122.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36",
    "curl/7.88.1",
    "Prometheus/2.42.0",
    "Googlebot/2.1 (+http://www.google.com/bot.html)",
]
PATHS = ["/", "/index.html", "/about", "/api/v1/items", "/api/v1/items/42", "/static/app.js",
         "/static/style.css", "/login", "/search?q=tape+measure", "/favicon.ico", "/feed.xml"]
STATUSES = [200] * 12 + [201, 204, 206, 301, 302, 304, 304, 400, 401, 403, 404, 404, 500, 502, 503]


def clf_time(t):
    return t.strftime("%d/%b/%Y:%H:%M:%S +0000")


def web_request(r):
    method = r.choice(["GET"] * 8 + ["POST", "POST", "HEAD", "PUT", "DELETE", "OPTIONS"])
    path = r.choice(PATHS)
    version = r.choice(["HTTP/1.1"] * 6 + ["HTTP/1.0", "HTTP/2.0"])
    status = r.choice(STATUSES)
    if status in (204, 304) or method == "HEAD":
        size = r.choice(["-", "-", "0"])
    elif status in (301, 302):
        size = str(r.randint(150, 400))
    else:
        size = r.choice([str(r.randint(200, 250_000)), str(r.randint(200, 5000)), "0" if r.random() < 0.05 else "512"])
    return method, path, version, status, size


def apache_combined():
    r = random.Random(80)
    hosts = ["192.0.2.10", "192.0.2.11", "198.51.100.23", "203.0.113.5", "2001:db8::abcd", "crawler-66.example.net"]
    lines = []
    t = T0
    for i in range(230):
        t += dt.timedelta(seconds=r.randint(0, 9))
        method, path, version, status, size = web_request(r)
        user = "-" if r.random() < 0.9 else r.choice(["alice", "bob-2"])
        ref = "-" if r.random() < 0.5 else f"https://www.example.com{r.choice(PATHS)}"
        lines.append(f'{r.choice(hosts)} - {user} [{clf_time(t)}] "{method} {path} {version}" {status} {size} "{ref}" "{r.choice(UAS)}"')
    lines += [
        # not matched by the combined pattern:
        f'192.0.2.10 - - [{clf_time(t)}] "-" 408 0 "-" "-"',                                        # no request line
        f'192.0.2.10 - - [{clf_time(t)}] "GET /a b HTTP/1.1" 400 226 "-" "curl/7.88.1"',            # space in the URI
        f'192.0.2.10 - alice@example.com [{clf_time(t)}] "GET / HTTP/1.1" 200 512 "-" "curl/7.88.1"',  # @ in the user
        f'192.0.2.10 - - [{clf_time(t)}] "GET / HTTP/1.1" 200 512 "-" "Mozilla/5.0 (Linux; Android 14; Pixel \u00e9)"',  # not [[:print:]]
        f'192.0.2.10 - - [{clf_time(t)}] "GET / HTTP/1.1" 200 512 "https://x.example.com/a b" "curl/7.88.1"',  # space in the referer
        f'192.0.2.10 - - [{clf_time(t)}] "GET / HTTP/1.1" 200 512 1234 "-" "curl/7.88.1"',          # common+%D format
        f'192.0.2.10 - - [{clf_time(t)}] "get / HTTP/1.1" 200 512 "-" "curl/7.88.1"',               # lower-case method
        "[Tue Feb 06 09:00:00.123456 2024] [core:error] [pid 1234] AH00037: Symbolic link not allowed",
    ]
    return lines


def apache_common():
    # mtail's "apache_common" is really combined plus %D (microseconds) before the referer.
    r = random.Random(443)
    hosts = ["192.0.2.10", "192.0.2.11", "198.51.100.23"]
    paths = ["/", "/api/v1/items", "/static/app.js", "/login", "/health"]
    uas = ["curl/7.88.1", UAS[0], "Prometheus/2.42.0"]
    lines = []
    t = T0
    for i in range(140):
        t += dt.timedelta(seconds=r.randint(0, 9))
        method, _, version, status, size = web_request(r)
        method = r.choice(["GET", "GET", "GET", "POST", "HEAD"])
        if method == "HEAD" and size not in ("-", "0"):
            size = "-"
        path = r.choice(paths)
        micros = r.randint(80, 2_500_000)
        ref = "-" if r.random() < 0.6 else "https://www.example.com/"
        lines.append(f'{r.choice(hosts)} - - [{clf_time(t)}] "{method} {path} {version}" {status} {size} {micros} "{ref}" "{r.choice(uas)}"')
    lines += [
        f'192.0.2.10 - - [{clf_time(t)}] "GET / HTTP/1.1" 200 512 "-" "curl/7.88.1"',       # combined, no %D
        f'192.0.2.10 - - [{clf_time(t)}] "GET / HTTP/1.1" 200 512 - "-" "curl/7.88.1"',     # %D missing
        f'192.0.2.10 - - [{clf_time(t)}] "-" 408 0 12 "-" "-"',                              # no request line
        f'192.0.2.10 - - [{clf_time(t)}] "GET /x HTTP/1.1" 200 512 1200 "-" "curl/7.88.1" extra',  # trailing field
    ]
    return lines


def lighttpd():
    # accesslog.format = "%{X-Forwarded-For}i %h %u %t \"%r\" %>s %b %I %O %D \"%{Referer}i\" \"%{User-Agent}i\""
    r = random.Random(8080)
    clients = ["198.51.100.23", "203.0.113.5", "192.0.2.77"]
    proxies = ["10.0.0.5", "10.0.0.6"]
    lines = []
    t = T0
    for i in range(190):
        t += dt.timedelta(seconds=r.randint(0, 7))
        method, path, version, status, size = web_request(r)
        body = 0 if size == "-" else int(size)
        if r.random() < 0.12:
            path = "/healthz"
        elif r.random() < 0.03:
            path = "/healthz?verbose=1"
        if r.random() < 0.6:
            fwd, ip = r.choice(clients), r.choice(proxies)
        else:
            fwd, ip = "-", r.choice(clients)
        user = "-" if r.random() < 0.9 else "alice"
        bin_ = r.randint(60, 900) + (r.randint(100, 80_000) if method in ("POST", "PUT") else 0)
        bout = body + r.randint(120, 420)
        micros = r.randint(50, 900_000)
        ref = "-" if r.random() < 0.5 else "https://www.example.com/"
        lines.append(f'{fwd} {ip} {user} [{clf_time(t)}] "{method} {path} {version}" {status} {body} {bin_} {bout} {micros} "{ref}" "{r.choice(UAS)}"')
    lines += [
        f'- 192.0.2.77 - [{clf_time(t)}] "GET /a file.txt HTTP/1.1" 200 10 80 200 1500 "-" "curl/7.88.1"',  # space in the URL: matched
        f'- 192.0.2.77 - [{clf_time(t)}] "GET / HTTP/1.1" 200 10 80 200 1500 "" "curl/7.88.1"',  # empty referer: not matched
        f'- 192.0.2.77 - [{clf_time(t)}] "GET / HTTP/1.1" 200 - 80 200 1500 "-" "curl/7.88.1"',   # "-" body: not matched
        f'192.0.2.77 - - [{clf_time(t)}] "GET / HTTP/1.1" 200 512 "-" "curl/7.88.1"',             # apache combined: not matched
        "2024-02-06 09:00:00: (server.c.1513) server started (lighttpd/1.4.69)",
    ]
    return lines


# ---------------------------------------------------------------------------------------
# vsftpd: vsftpd.log (log_ftp_protocol=YES, dual_log_enable=YES) and the wu-ftpd style xferlog
def vsftpd():
    r = random.Random(21)
    ev, xev = [], []
    seq = [0]

    def add(lst, t, text):
        seq[0] += 1
        lst.append((t, seq[0], text))

    def ts(t):
        return t.strftime("%a %b ") + f"{t.day:2d}" + t.strftime(" %H:%M:%S %Y")

    users = ["alice", "bob", "carol", "ftpupload"]
    files = ["/upload/report.pdf", "/pub/iso/debian-12.4.0-amd64-netinst.iso", "/pub/README",
             "/upload/photos/img_0042.jpg", "/incoming/data.csv"]
    t = T0
    pid = 2300
    for i in range(19):
        t += dt.timedelta(seconds=r.randint(20, 400))
        ip = f"192.0.2.{100 + i}"  # one address per session: mtail keys sessions by client
        user = users[i % len(users)]
        pid += 3
        P, Q = f"[pid {pid}]", f"[pid {pid + 2}] [{user}]"
        u = t
        C = f'Client "{ip}"'
        add(ev, u, f"{ts(u)} {P} CONNECT: {C}")
        add(ev, u, f'{ts(u)} {P} FTP response: {C}, "220 (vsFTPd 3.0.3)"')
        add(ev, u, f'{ts(u)} {P} FTP command: {C}, "USER {user}"')
        add(ev, u, f'{ts(u)} {P} [{user}] FTP response: {C}, "331 Please specify the password."')
        u += dt.timedelta(seconds=1)
        add(ev, u, f'{ts(u)} {P} [{user}] FTP command: {C}, "PASS <password>"')
        if i % 8 == 5:
            add(ev, u, f"{ts(u)} [pid {pid + 1}] [{user}] FAIL LOGIN: {C}")
            add(ev, u, f'{ts(u)} {P} [{user}] FTP response: {C}, "530 Login incorrect."')
            u += dt.timedelta(seconds=2)
            add(ev, u, f'{ts(u)} {P} FTP command: {C}, "QUIT"')
            add(ev, u, f'{ts(u)} {P} FTP response: {C}, "221 Goodbye."')
            continue
        add(ev, u, f"{ts(u)} [pid {pid + 1}] [{user}] OK LOGIN: {C}")
        add(ev, u, f'{ts(u)} {Q} FTP response: {C}, "230 Login successful."')
        for cmd, resp in [("SYST", "215 UNIX Type: L8"), ("FEAT", "211-Features:"), ("PWD", '257 "/" is the current directory'),
                          ("TYPE I", "200 Switching to Binary mode."), ("EPSV", "229 Entering Extended Passive Mode (|||40123|)")]:
            if r.random() < 0.6:
                add(ev, u, f'{ts(u)} {Q} FTP command: {C}, "{cmd}"')
                add(ev, u, f'{ts(u)} {Q} FTP response: {C}, "{resp}"')
        for _ in range(r.randint(0, 3)):
            u += dt.timedelta(seconds=r.randint(1, 40))
            f = r.choice(files)
            size = r.randint(100, 30_000_000)
            secs = max(0, size // r.randint(200_000, 5_000_000))
            if r.random() < 0.5:
                add(ev, u, f'{ts(u)} {Q} FTP command: {C}, "STOR {f}"')
                add(ev, u, f'{ts(u)} {Q} FTP response: {C}, "150 Ok to send data."')
                u += dt.timedelta(seconds=secs)
                ok = r.random() < 0.85
                if ok:
                    add(ev, u, f'{ts(u)} {Q} OK UPLOAD: {C}, "{f}", {size} bytes, {size / 1024 / max(secs, 1):.2f}Kbyte/sec')
                    add(ev, u, f'{ts(u)} {Q} FTP response: {C}, "226 Transfer complete."')
                else:
                    add(ev, u, f'{ts(u)} {Q} FAIL UPLOAD: {C}, "{f}", {size // 3} bytes, 80.00Kbyte/sec')
                    add(ev, u, f'{ts(u)} {Q} FTP response: {C}, "426 Failure writing network stream."')
                add(xev, u, f"{ts(u)} {secs} {ip} {size if ok else size // 3} {f} b _ i r {user} ftp 0 * {'c' if ok else 'i'}")
            else:
                add(ev, u, f'{ts(u)} {Q} FTP command: {C}, "RETR {f}"')
                add(ev, u, f'{ts(u)} {Q} FTP response: {C}, "150 Opening BINARY mode data connection for {f} ({size} bytes)."')
                u += dt.timedelta(seconds=secs)
                ok = r.random() < 0.9
                add(ev, u, f'{ts(u)} {Q} {"OK" if ok else "FAIL"} DOWNLOAD: {C}, "{f}", {size} bytes, {size / 1024 / max(secs, 1):.2f}Kbyte/sec')
                add(ev, u, f'{ts(u)} {Q} FTP response: {C}, "226 Transfer complete."')
                add(xev, u, f"{ts(u)} {secs} {ip} {size} {f} b _ o r {user} ftp 0 * {'c' if ok else 'i'}")
        if i % 6 == 2:
            # idle timeout: no QUIT, so no session time
            u += dt.timedelta(seconds=300)
            add(ev, u, f'{ts(u)} {Q} FTP response: {C}, "421 Timeout."')
            continue
        u += dt.timedelta(seconds=r.randint(1, 30))
        add(ev, u, f'{ts(u)} {Q} FTP command: {C}, "QUIT"')
        add(ev, u, f'{ts(u)} {Q} FTP response: {C}, "221 Goodbye."')
    t += dt.timedelta(seconds=60)
    # not counted: an IPv4-mapped IPv6 client, a user name that is not \w+ (the optional
    # "[user]" fails, then nothing else fits), a 3-letter command (mtail wants 4 letters)
    add(ev, t, f'{ts(t)} [pid 9001] CONNECT: Client "::ffff:198.51.100.9"')
    add(ev, t, f'{ts(t)} [pid 9003] [web.deploy] OK LOGIN: Client "192.0.2.250"')
    add(ev, t, f'{ts(t)} [pid 9003] [bob] FTP command: Client "192.0.2.104", "CWD /pub"')
    add(ev, t, f'{ts(t)} [pid 9003] [bob] FTP response: Client "192.0.2.104", "250 Directory successfully changed."')
    add(ev, t, f'{ts(t)} [pid 9003] [bob] FTP response: Client "192.0.2.104", "500 OOPS: vsf_sysutil_recv_peek"')
    # xferlog extras: a deleted file ("d"; the last direction seen is reused by mtail, see
    # README.md) and a file name with a space (not matched)
    add(xev, t, f"{ts(t)} 0 192.0.2.105 0 /upload/old.txt b _ d r bob ftp 0 * c")
    add(xev, t, f"{ts(t)} 3 192.0.2.105 4096 /upload/my file.txt b _ i r bob ftp 0 * c")
    return timeline(ev), timeline(xev)


def mysql_slowqueries():
    # The pre-5.1 slow query log (whole seconds), which is what mtail's pattern reads.
    r = random.Random(3306)
    out = [
        "/usr/sbin/mysqld, Version: 5.0.95-log (Source distribution). started with:",
        "Tcp port: 3306  Unix socket: /var/lib/mysql/mysql.sock",
        "Time                 Id Command    Argument",
        # before any User@Host line mtail stops: none of these count
        "# Query_time: 7  Lock_time: 1  Rows_sent: 0  Rows_examined: 0",
        "SELECT SLEEP(7) # warmup;",
        "# Time: 240206  9:00:01",
        "# User@Host: webapp[webapp] @ app1.example.com [192.0.2.21]",
        "# Query_time: 12  Lock_time: 0  Rows_sent: 1  Rows_examined: 400123",
        "use shop;",
        "SET timestamp=1707210001;",
        "SELECT * FROM orders WHERE status = 'open' ORDER BY created # checkout;",
    ]
    users = [("webapp", "app1.example.com", "192.0.2.21"), ("webapp", "app2", "192.0.2.22"),
             ("reporting", "bi.example.com", "192.0.2.40"), ("admin", "localhost", "")]
    queries = [
        "SELECT * FROM orders WHERE customer_id = {n} # checkout;",
        "SELECT COUNT(*) FROM events WHERE day = '2024-02-06' # analytics;",
        "UPDATE stock SET qty = qty - 1 WHERE sku = 'A{n}' # inventory;",
        "INSERT INTO audit_log SELECT * FROM audit_queue;",
        "DELETE FROM sessions WHERE expires < NOW() # gc;",
        "SELECT p.* FROM products p JOIN stock s ON s.sku = p.sku WHERE s.qty < {n};",
        ["SELECT o.id, o.total", "FROM orders o", "WHERE o.total > {n} # reports;"],
        ["UPDATE customers", "SET tier = 'gold' WHERE spend > {n};"],
        ["INSERT INTO daily_totals (day, total)", "VALUES ('2024-02-06', {n}) # batch;"],
        "select 1;",  # lower case: not a query line for mtail
        "SHOW FULL PROCESSLIST;",
    ]
    ts = 1707210001
    hh, mm = 9, 0
    for i in range(46):
        ts += r.randint(5, 300)
        mm += r.randint(0, 4)
        if mm >= 60:
            hh, mm = hh + 1, mm - 60
        # "# Time:" both as mtail's layout wants it (" 9:05:33") and as MySQL also writes it
        out.append(f"# Time: 240206 {hh:2d}:{mm:02d}:{r.randint(0, 59):02d}")
        u, host, ip = r.choice(users)
        out.append(f"# User@Host: {u}[{u}] @ {host} [{ip}]")
        out.append(f"# Query_time: {r.randint(2, 40)}  Lock_time: {r.choice([0, 0, 0, 1, 3])}  Rows_sent: {r.randint(0, 500)}  Rows_examined: {r.randint(0, 900000)}")
        if r.random() < 0.3:
            out.append(f"use {r.choice(['shop', 'analytics'])};")
        out.append(f"SET timestamp={ts};")
        q = r.choice(queries)
        n = r.randint(1, 999)
        if isinstance(q, list):
            out += [x.format(n=n) for x in q]
        else:
            out.append(q.format(n=n))
    out += [
        # a User@Host line mtail does not read (empty host name, digits in the user): the
        # previous user and host are kept
        "# Time: 240206 11:58:00",
        "# User@Host: etl2[etl2] @  [192.0.2.99]",
        "# Query_time: 5  Lock_time: 2  Rows_sent: 0  Rows_examined: 10",
        "SET timestamp=1707220680;",
        "DELETE FROM staging WHERE batch < 100 # etl;",
        # MySQL 5.1+ fractional times are not read: the previous times are used again
        "# Time: 240206 11:59:00",
        "# User@Host: reporting[reporting] @ bi.example.com [192.0.2.40]",
        "# Query_time: 2.501209  Lock_time: 0.000102 Rows_sent: 0  Rows_examined: 0",
        "SET timestamp=1707220740;",
        "SELECT * FROM big_table # adhoc;",
        # a multi-line query whose end has no "# service": service "n/a"
        "# Query_time: 9  Lock_time: 0  Rows_sent: 3  Rows_examined: 99",
        "SELECT a, b",
        "FROM t",
        "WHERE c = 1;",
        # a partial query left open, then a complete one: both are counted at its end
        "# Query_time: 4  Lock_time: 1  Rows_sent: 0  Rows_examined: 5",
        "UPDATE accounts SET flag = 1",
        "# Query_time: 6  Lock_time: 0  Rows_sent: 0  Rows_examined: 7",
        "INSERT INTO t2 VALUES (1) # late;",
        # a partial query whose end is a non-query line ending with ';'
        "SELECT x",
        "SET timestamp=1707220800;",
        "/usr/sbin/mysqld, Version: 5.0.95-log (Source distribution). started with:",
    ]
    return out


def main():
    write("rsyncd.log", rsyncd())
    write("sftp.log", sftp())
    write("dhcpd.log", dhcpd())
    write("ntpd.log", ntpd())
    write("ntpd_peerstats.log", ntpd_peerstats())
    write("apache_combined.log", apache_combined())
    write("apache_common.log", apache_common())
    write("lighttpd.log", lighttpd())
    v, x = vsftpd()
    write("vsftpd.log", v)
    write("vsftpd.xferlog.log", x)
    write("mysql_slowqueries.log", mysql_slowqueries())


if __name__ == "__main__":
    main()
