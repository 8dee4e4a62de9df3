// Two kinds of TCP connection to the daemon's HTTP port that never make a request:
//   IdlePool: `target` connections that send nothing at all;
//   Slowloris: connections that send a request's headers one byte a second, never ending them.
// Each keeps its number of connections up: one the daemon closes is reopened a second later.
// What happened to each is counted by how long it lived after connecting:
//   refused     closed by the daemon within 1 s, before it could have timed out (the
//               listener closes connections beyond --max-connections at once);
//   timed out   closed by the daemon later (its idle/header timeout); lifetimes kept;
//   failed      never connected (ECONNREFUSED, EMFILE, a full backlog ...).
import net from 'node:net';

class Pool {
  constructor(port, target, label) {
    this.port = port;
    this.target = target;
    this.label = label;
    this.socks = new Set();
    this.stopping = false;
    this.s = { opened: 0, refused: 0, timedOut: 0, failed: 0, failures: {}, minLifeMs: Infinity, maxLifeMs: 0, answers: {} };
  }

  start() {
    // Gradually, 100 every 50 ms: a SYN flood is not what is being measured.
    let n = 0;
    const step = () => {
      for (let i = 0; i < 100 && n < this.target && !this.stopping; i++, n++) this.open();
      if (n < this.target && !this.stopping) this.starter = setTimeout(step, 50);
    };
    step();
  }

  open() {
    if (this.stopping) return;
    const sock = net.connect(this.port, '127.0.0.1');
    const st = { connectedAt: 0, byUs: false };
    this.socks.add(sock);
    sock.setNoDelay(true);
    sock.on('connect', () => {
      st.connectedAt = performance.now();
      this.s.opened++;
      this.onConnect(sock, st);
    });
    sock.on('data', (d) => {
      const m = /^HTTP\/1\.1 (\d+)/.exec(d.toString('latin1'));
      if (m) this.s.answers[m[1]] = (this.s.answers[m[1]] ?? 0) + 1;
    });
    sock.on('error', (e) => { st.error = e.code ?? e.message; });
    sock.on('close', () => {
      this.socks.delete(sock);
      clearInterval(st.timer);
      if (st.byUs || this.stopping) return;
      if (!st.connectedAt) {
        this.s.failed++;
        this.s.failures[st.error] = (this.s.failures[st.error] ?? 0) + 1;
      } else {
        const life = performance.now() - st.connectedAt;
        if (life < 1000) this.s.refused++;
        else {
          this.s.timedOut++;
          this.s.minLifeMs = Math.min(this.s.minLifeMs, life);
          this.s.maxLifeMs = Math.max(this.s.maxLifeMs, life);
        }
      }
      setTimeout(() => this.open(), 1000);
    });
    sock.st = st;
  }

  onConnect() {}

  get open_() { return [...this.socks].filter((s) => s.st.connectedAt && !s.destroyed).length; }

  stats() {
    const s = { ...this.s, open: this.open_ };
    if (s.minLifeMs === Infinity) s.minLifeMs = null;
    return s;
  }

  async stop() {
    this.stopping = true;
    clearTimeout(this.starter);
    const closes = [];
    for (const sock of this.socks) {
      sock.st.byUs = true;
      clearInterval(sock.st.timer);
      closes.push(new Promise((r) => { sock.once('close', r); sock.destroy(); }));
    }
    await Promise.all(closes);
  }
}

export class IdlePool extends Pool {
  constructor(port, target) { super(port, target, 'idle'); }
}

export class Slowloris extends Pool {
  constructor(port, target) { super(port, target, 'slowloris'); }

  onConnect(sock, st) {
    sock.write(`GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:${this.port}\r\n`);
    let i = 0;
    st.timer = setInterval(() => {
      if (sock.destroyed) return clearInterval(st.timer);
      // One byte a second: a header line "X-Slow: aaaa..." that a new one follows now and then.
      i++;
      sock.write(i % 40 === 0 ? '\r\nX-Slow: ' : i === 1 ? 'X-Slow: ' : 'a');
    }, 1000);
  }
}
