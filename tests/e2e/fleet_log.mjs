#!/usr/bin/env node
// Generated Postfix logs of a fleet: N MTAs relaying through M relays, the line formats of
// tests/data/postfix.log (what rules/postfix.yml matches; like src/app/demo_traffic.cpp,
// but any fleet size). Round-robin is made visibly unfair: mta1 favours relay 1 and mta3
// starves relay 2, so the share matrix has something to show.
//
//   node tests/e2e/fleet_log.mjs --mtas 40 --relays 12 [--rate 3000] --socket build/in.sock
//   import { FleetLog, feedSocket } from './fleet_log.mjs'

import net from 'node:net';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const OCTETS = [8, 17, 23, 34, 40, 52, 64, 66, 74, 98, 104, 142, 157, 172, 185, 192, 199, 203, 209, 216];

export class FleetLog {
  constructor({ mtas = 40, relays = 12, ingress = 4, seed = 1 } = {}) {
    this.mtas = mtas;
    this.relays = relays;
    this.ingress = ingress;
    this.state = seed >>> 0 || 1;
    this.counter = 0;
  }

  /** xorshift32: the same fleet log for the same seed. */
  rand() {
    let x = this.state;
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    this.state = x;
    return x / 4294967296;
  }

  int(n) { return Math.floor(this.rand() * n); }

  relayFor(mta) {
    if (mta === 1 && this.rand() < 0.35) return 1;
    let r = 1 + this.int(this.relays);
    if (mta === 3 && r === 2 && this.relays > 2) r = 3;
    return r;
  }

  static stamp(d = new Date()) {
    const p = (n) => String(n).padStart(2, '0');
    return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  }

  /** The lines of one message (3 or 4), appended to `out`; returns how many. */
  message(out, ts = FleetLog.stamp()) {
    const mta = 1 + this.int(this.mtas);
    const host = `${ts} mta${mta} `;
    const id = (++this.counter * 2654435761 >>> 0).toString(16).toUpperCase().padStart(10, '0');
    const lb = 1 + this.int(this.ingress);
    const pid = () => 1000 + this.int(9000);
    out.push(`${host}postfix/smtpd[${pid()}]: ${id}: client=lb${lb}.int.example.com[10.1.0.${lb + 1}]`);
    out.push(`${host}postfix/qmgr[${pid()}]: ${id}: from=<news@example.com>, size=${2000 + this.int(60000)}, nrcpt=1 (queue active)`);
    const relay = this.relayFor(mta);
    const ip = `${OCTETS[this.int(OCTETS.length)]}.${this.int(256)}.${this.int(256)}.${1 + this.int(254)}`;
    const delay = (0.05 + this.rand() * this.rand() * 4).toFixed(2);
    const common = `${host}postfix/smtp[${pid()}]: ${id}: to=<user${this.int(100000)}@example.org>, relay=relay${relay}[${ip}]:25, delay=${delay}, delays=0.01/0/0.02/${delay}, `;
    const outcome = this.rand();
    if (outcome < 0.85) {
      out.push(common + `dsn=2.0.0, status=sent (250 2.0.0 OK ${id})`);
      out.push(`${host}postfix/qmgr[${pid()}]: ${id}: removed`);
      return 4;
    }
    if (outcome < 0.95) {
      out.push(common + 'dsn=4.7.0, status=deferred (host ' + ip + ' said: 421 4.7.0 Try again later)');
      return 3;
    }
    out.push(common + 'dsn=5.1.1, status=bounced (host ' + ip + ' said: 550 5.1.1 User unknown)');
    out.push(`${host}postfix/qmgr[${pid()}]: ${id}: removed`);
    return 4;
  }

  /** At least `n` lines. */
  lines(n) {
    const out = [];
    const ts = FleetLog.stamp();
    while (out.length < n) this.message(out, ts);
    return out;
  }

  /** Every MTA and relay name once, first (so a test sees the whole fleet quickly). */
  roster() {
    const out = [];
    const ts = FleetLog.stamp();
    for (let m = 1; m <= this.mtas; m++) {
      for (let r = 1; r <= this.relays; r += Math.max(1, Math.floor(this.relays / 3))) {
        const id = 'R' + m + 'X' + r;
        out.push(`${ts} mta${m} postfix/smtpd[100]: ${id}: client=lb1.int.example.com[10.1.0.2]`);
        out.push(`${ts} mta${m} postfix/smtp[101]: ${id}: to=<a@example.org>, relay=relay${r}[8.8.8.8]:25, delay=0.1, delays=0.01/0/0.02/0.1, dsn=2.0.0, status=sent (250 OK)`);
      }
    }
    for (let r = 1; r <= this.relays; r++) {
      out.push(`${ts} mta${1 + (r % this.mtas)} postfix/smtp[101]: RR${r}: to=<a@example.org>, relay=relay${r}[8.8.8.8]:25, delay=0.1, delays=0.01/0/0.02/0.1, dsn=2.0.0, status=sent (250 OK)`);
    }
    return out;
  }
}

/**
 * Write the fleet's lines into a daemon's UNIX socket at `rate` lines/s (in 20 ms slices).
 * Returns {stop(), written()}; stop() resolves once the socket is closed.
 */
export function feedSocket(socketPath, { mtas, relays, rate = 3000, seed = 1 } = {}) {
  const log = new FleetLog({ mtas, relays, seed });
  const sock = net.createConnection(socketPath);
  let written = 0, timer = null, carry = 0;
  sock.on('error', () => {});
  sock.once('connect', () => {
    const first = log.roster();
    sock.write(first.join('\n') + '\n');
    written += first.length;
    let last = Date.now();
    timer = setInterval(() => {
      const now = Date.now();
      carry += ((now - last) * rate) / 1000;
      last = now;
      const n = Math.floor(carry);
      if (n <= 0 || sock.writableLength > 1 << 20) return;   // the daemon is behind: do not pile up
      const lines = log.lines(n);
      carry -= lines.length;
      written += lines.length;
      sock.write(lines.join('\n') + '\n');
    }, 20);
  });
  return {
    written: () => written,
    stop: () => new Promise((resolve) => { clearInterval(timer); sock.end(resolve); }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => { const i = args.indexOf('--' + name); return i >= 0 ? args[i + 1] : dflt; };
  const socket = opt('socket', null);
  const spec = { mtas: Number(opt('mtas', 40)), relays: Number(opt('relays', 12)), rate: Number(opt('rate', 3000)) };
  if (socket) {
    const f = feedSocket(socket, spec);
    process.on('SIGINT', () => f.stop().then(() => process.exit(0)));
  } else {
    process.stdout.write(new FleetLog(spec).lines(Number(opt('lines', 1000))).join('\n') + '\n');
  }
}
