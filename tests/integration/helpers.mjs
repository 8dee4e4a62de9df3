// Shared helpers for the integration tests: start the real tapemeasure binary in a temp dir,
// talk to it over its UNIX sockets, HTTP and WebSocket, and wait for things with deadlines
// (polling, never fixed sleeps). Every daemon, child process and temp dir a test creates is
// cleaned up by cleanup(), which each test file registers with after().
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = path.resolve(ROOT, process.env.TAPEMEASURE_BIN || 'build/tapemeasure');
export const POSTFIX_LOG = path.join(ROOT, 'tests/data/postfix.log');
export const RULES_DIR = path.join(ROOT, 'rules');

const children = new Set();  // every process started here, until it exits
const tempDirs = [];
const sockets = new Set();   // WebSocket clients and raw sockets still open

// A fresh directory under the system temp dir; short, so socket paths stay under 108 bytes.
export function tempDir(prefix = 'tm-it-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

// Kills whatever is still running, closes clients, removes temp dirs. Register with after().
export async function cleanup() {
  for (const s of sockets) {
    try { s.terminate ? s.terminate() : s.destroy(); } catch { /* already gone */ }
  }
  sockets.clear();
  const waits = [];
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      waits.push(new Promise((resolve) => child.once('exit', resolve)));
      child.kill('SIGKILL');
    }
  }
  await Promise.all(waits);
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

// Backstop: never leave a daemon behind, even when the runner dies.
process.on('exit', () => {
  for (const child of children) {
    try { child.kill('SIGKILL'); } catch { /* gone */ }
  }
});

// Thrown inside a waitFor() callback: fails at once instead of polling on.
export class Abort extends Error {}

// Polls fn (sync or async) until it returns something truthy; returns that value. On the
// deadline, fails with `what` and the last value or error seen (an Abort fails at once).
// Under a sanitizer (tests/run_all.sh sets TAPEMEASURE_SANITIZER for its ThreadSanitizer
// pass) the daemon runs several times slower: deadlines stretch, conditions stay the same.
export const SLOWDOWN = process.env.TAPEMEASURE_SANITIZER ? 6 : 1;

export async function waitFor(fn, { timeout = 5000, interval = 20, what = 'a condition' } = {}) {
  timeout *= SLOWDOWN;
  const deadline = performance.now() + timeout;
  let last;
  let lastError;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      if (e instanceof Abort) throw e;
      lastError = e;
    }
    if (performance.now() > deadline) {
      const detail = lastError ? `; last error: ${lastError.message}` : `; last value: ${JSON.stringify(last)}`;
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${detail}`);
    }
    await delay(interval);
  }
}

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

// Runs a command to completion (with a deadline); resolves {code, signal, stdout, stderr}.
// Standard input: `input` (written to a pipe), or `stdinFile` (a file, all there at once:
// nc -w0 quits as soon as standard input is idle, so a pipe filled later loses data).
export function run(cmd, args, { input, stdinFile, timeout = 20000, cwd, env } = {}) {
  return new Promise((resolve, reject) => {
    const stdinFd = stdinFile ? fs.openSync(stdinFile, 'r') : null;
    const child = track(spawn(cmd, args, { cwd, env: env ?? process.env, stdio: [stdinFd ?? 'pipe', 'pipe', 'pipe'] }));
    if (stdinFd !== null) fs.closeSync(stdinFd);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} did not finish within ${timeout} ms; stderr: ${stderr}`));
    }, timeout);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (child.stdin) {
      child.stdin.on('error', () => { /* the command may exit without reading */ });
      child.stdin.end(input);
    }
  });
}

// The tapemeasure binary itself, run to completion.
export function tm(args, opts) {
  return run(BIN, args, opts);
}

// A running `tapemeasure run`. Options:
//   rules: paths (default: the bundled rules/); socket: file name in dir, '-' for stdin, or
//   null for none (default 'in.sock'); dgram: file name in dir (default none); args: extra
//   flags; dir: the temp dir (default: a new one); listen (default 127.0.0.1:0); stdinFile:
//   the daemon's standard input (default: a pipe, d.proc.stdin); maxFiles: its ulimit -n.
export class Daemon {
  static async start({ rules = [RULES_DIR], socket = 'in.sock', dgram = null, args = [], dir, listen = '127.0.0.1:0',
    stdinFile = null, maxFiles = null, startTimeout = 10000 } = {}) {
    const d = new Daemon();
    d.dir = dir ?? tempDir();
    d.socketPath = socket === null ? null : socket === '-' ? '-' : path.join(d.dir, socket);
    d.dgramPath = dgram === null ? null : path.join(d.dir, dgram);
    const argv = ['run', '--listen', listen];
    for (const r of [].concat(rules)) argv.push('--rules', r);
    argv.push('--socket', d.socketPath ?? '');
    if (d.dgramPath) argv.push('--dgram-socket', d.dgramPath);
    argv.push(...args);
    d.argv = argv;
    d.stderr = '';
    const stdinFd = stdinFile ? fs.openSync(stdinFile, 'r') : null;
    const stdio = [stdinFd ?? 'pipe', 'ignore', 'pipe'];
    // maxFiles: a lower open-files limit (ulimit -n), then exec: the child is the daemon itself.
    d.proc = track(maxFiles
      ? spawn('sh', ['-c', `ulimit -n ${Number(maxFiles)} && exec "$0" "$@"`, BIN, ...argv], { cwd: d.dir, stdio })
      : spawn(BIN, argv, { cwd: d.dir, stdio }));
    if (stdinFd !== null) fs.closeSync(stdinFd);
    d.proc.stdin?.on('error', () => { /* closed by the daemon */ });
    d.exited = new Promise((resolve) => d.proc.once('exit', (code, signal) => resolve({ code, signal })));
    d.proc.stderr.setEncoding('utf8').on('data', (chunk) => {
      d.stderr += chunk;
      // A sanitizer report is a failure whatever the test checks: show it.
      if (/Sanitizer/.test(chunk)) process.stderr.write(chunk);
    });
    let exitedEarly = null;
    d.exited.then((r) => { exitedEarly = r; });
    // The daemon logs "UI, /metrics and /api at http://HOST:PORT/" once it listens; with
    // port 0 that line is the only way to learn the port.
    const m = await waitFor(() => {
      if (exitedEarly) throw new Abort(`tapemeasure exited early (${JSON.stringify(exitedEarly)}): ${d.stderr}`);
      return /UI, \/metrics and \/api at http:\/\/([^\s/]+):(\d+)\//.exec(d.stderr);
    }, { timeout: startTimeout, what: 'the daemon to log its listen address' }).catch((e) => {
      d.proc.kill('SIGKILL');
      throw new Error(`${e.message}\nstderr: ${d.stderr}`);
    });
    d.host = m[1];
    d.port = Number(m[2]);
    d.base = `http://${d.host}:${d.port}`;
    return d;
  }

  get pid() { return this.proc.pid; }
  get running() { return this.proc.exitCode === null && this.proc.signalCode === null; }

  // Sends a signal and waits for the exit; resolves {code, signal}.
  async stop(signal = 'SIGTERM', timeout = 5000) {
    if (this.running) this.proc.kill(signal);
    let timer;
    const deadline = new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`daemon did not exit within ${timeout} ms of ${signal}`)), timeout);
    });
    try {
      return await Promise.race([this.exited, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  get(pathname, opts) { return httpGet(this.port, pathname, opts); }

  async metrics() {
    const res = await this.get('/metrics');
    if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${res.text}`);
    return new Metrics(res.text);
  }

  async metric(name, labels = {}) {
    return (await this.metrics()).value(name, labels);
  }

  async json(pathname) {
    const res = await this.get(pathname);
    if (res.status !== 200) throw new Error(`${pathname} answered ${res.status}: ${res.text}`);
    return JSON.parse(res.text);
  }

  // Waits until tapemeasure_lines_total reaches n (fails if it goes beyond).
  async waitLines(n, timeout = 10000) {
    let seen = 0;
    await waitFor(async () => {
      seen = await this.metric('tapemeasure_lines_total');
      if (seen > n) throw new Abort(`tapemeasure_lines_total is ${seen}, more than the ${n} expected`);
      return seen === n;
    }, { timeout, what: `tapemeasure_lines_total == ${n}` }).catch((e) => {
      throw new Error(`${e.message} (last seen ${seen})`);
    });
  }

  // Waits until tapemeasure_ws_clients equals n (the hub has registered the clients).
  async waitClients(n, timeout = 5000) {
    await waitFor(async () => (await this.metric('tapemeasure_ws_clients')) === n,
      { timeout, what: `tapemeasure_ws_clients == ${n}` });
  }

  ws(opts) { return WsClient.connect(this.port, opts); }
}

// GET (or another method) with a fresh connection (agent: false: nothing pooled, so
// connection counts in the tests are exact). Resolves {status, headers, body, text}.
export function httpGet(port, pathname, { method = 'GET', headers = {}, timeout = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode, headers: res.headers, body, text: body.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.setTimeout(timeout, () => req.destroy(new Error(`${method} ${pathname}: no answer within ${timeout} ms`)));
    req.on('error', reject);
    req.end();
  });
}

// Writes raw bytes to a TCP port and collects everything until the server closes (or the
// deadline). For malformed requests node's http client refuses to send.
export function rawTcp(port, data, { timeout = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks = [];
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('raw request: no close within deadline')); }, timeout);
    sock.on('connect', () => sock.write(data));
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', () => { /* reset after the answer: what was read counts */ });
    sock.on('close', () => { clearTimeout(timer); resolve(Buffer.concat(chunks).toString('latin1')); });
  });
}

// Connects to a UNIX stream socket, writes each chunk (honouring backpressure), then ends
// ('end') or cuts the connection at once ('destroy'). Resolves when the socket is closed.
export function writeStream(socketPath, chunks, { finish = 'end' } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(socketPath);
    sock.on('error', reject);
    sock.on('close', () => resolve());
    sock.on('connect', async () => {
      for (const c of [].concat(chunks)) {
        if (!sock.write(c)) await new Promise((r) => sock.once('drain', r));
      }
      if (finish === 'destroy') {
        // Wait until the kernel has the bytes, then close without an orderly end.
        sock.write('', () => sock.destroy());
      } else {
        sock.end();
      }
    });
  });
}

// Feeds a file through `tapemeasure replay` (a separate process, like a real writer).
export async function replay(socketPath, file, { rate, timeout = 60000 } = {}) {
  const args = ['replay', file, '--socket', socketPath, '--no-progress'];
  if (rate) args.push('--rate', String(rate));
  const r = await tm(args, { timeout });
  if (r.code !== 0) throw new Error(`replay failed (${r.code}): ${r.stderr}`);
  return r;
}

// Prometheus text exposition, parsed: [{name, labels, value}].
export function parseExposition(text) {
  const series = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    let i = 0;
    while (i < line.length && line[i] !== '{' && line[i] !== ' ') i++;
    const name = line.slice(0, i);
    const labels = {};
    if (line[i] === '{') {
      i++;
      while (line[i] !== '}') {
        const eq = line.indexOf('=', i);
        const key = line.slice(i, eq).trim();
        if (line[eq + 1] !== '"') throw new Error(`bad label in: ${line}`);
        let j = eq + 2;
        let value = '';
        while (line[j] !== '"') {
          if (j >= line.length) throw new Error(`unterminated label value in: ${line}`);
          if (line[j] === '\\') {
            const n = line[j + 1];
            value += n === 'n' ? '\n' : n;
            j += 2;
          } else {
            value += line[j++];
          }
        }
        labels[key] = value;
        i = j + 1;
        if (line[i] === ',') i++;
      }
      i++;
    }
    const rest = line.slice(i).trim().split(/\s+/);
    series.push({ name, labels, value: Number(rest[0]) });
  }
  return series;
}

export class Metrics {
  constructor(text) {
    this.text = text;
    this.series = parseExposition(text);
  }
  // The series of `name` whose labels include all of `labels`.
  select(name, labels = {}) {
    return this.series.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  }
  // The value of the one series with exactly these labels (undefined if absent).
  value(name, labels = {}) {
    const want = Object.keys(labels).length;
    const s = this.select(name, labels).find((x) => Object.keys(x.labels).length === want);
    return s?.value;
  }
  sum(name, labels = {}) {
    return this.select(name, labels).reduce((a, s) => a + s.value, 0);
  }
  has(name) { return this.series.some((s) => s.name === name) || this.text.includes(`# TYPE ${name} `); }
}

// A WebSocket client that records everything the daemon sends:
//   frames: every parsed frame; events (with receipt times in `times`, ms from
//   performance.now()); dropped (sum); seqs; stats ([{t, stats}]); errors; close.
export class WsClient {
  static connect(port, { origin, headers = {}, perMessageDeflate = true, path: p = '/ws', host } = {}) {
    return new Promise((resolve, reject) => {
      const h = { ...headers };
      if (host) h.Host = host;
      const opts = { headers: h, perMessageDeflate, handshakeTimeout: 5000 };
      if (origin !== undefined) opts.origin = origin;
      const ws = new WebSocket(`ws://127.0.0.1:${port}${p}`, opts);
      sockets.add(ws);
      const c = new WsClient(ws);
      ws.once('open', () => resolve(c));
      ws.once('unexpected-response', (req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { body += d; });
        res.on('end', () => {
          const e = new Error(`WebSocket refused: HTTP ${res.statusCode}: ${body}`);
          e.statusCode = res.statusCode;
          e.body = body;
          reject(e);
        });
        req.destroy();
      });
      ws.once('error', reject);
    });
  }

  constructor(ws) {
    this.ws = ws;
    this.frames = [];
    this.events = [];
    this.times = [];
    this.dropped = 0;
    this.seqs = [];
    this.stats = [];
    this.views = [];  // {"view": ...} frames: on connect, and after a reload that changes it
    this.errors = [];
    this.badFrames = [];
    this.close = null;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.close = { code, reason: reason.toString() };
        sockets.delete(ws);
        resolve(this.close);
      });
    });
    ws.on('error', () => { /* recorded through close */ });
    ws.on('message', (data, isBinary) => {
      const t = performance.now();
      let f;
      try {
        if (isBinary) throw new Error('binary frame');
        f = JSON.parse(data.toString('utf8'));
      } catch (e) {
        this.badFrames.push({ error: e.message, data: data.toString('latin1').slice(0, 200) });
        return;
      }
      this.frames.push(f);
      if (f.stats) this.stats.push({ t, stats: f.stats });
      else if (f.view) this.views.push({ t, view: f.view });
      else if (f.error) this.errors.push(f.error);
      else {
        this.seqs.push(f.seq);
        this.dropped += f.dropped;
        for (const ev of f.events) {
          this.events.push(ev);
          this.times.push(t);
        }
      }
    });
  }

  get received() { return this.events.length; }
  get open() { return this.ws.readyState === WebSocket.OPEN; }

  send(msg) {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  // Sends msg, then a non-JSON message, and waits for its error frame: the session reads
  // messages in order, so once the error is back the daemon has acted on msg (for filter
  // and max_rate, posted it to the hub before anything written to the socket afterwards).
  async sendAndSync(msg) {
    const before = this.errors.length;
    if (msg !== undefined) this.send(msg);
    this.send('sync');
    await waitFor(() => this.errors.length > before, { what: 'the error frame answering a sync message' });
    this.errors.splice(before, 1);
  }

  // Waits until received + dropped reaches n (and fails if it goes beyond).
  async waitAccounted(n, timeout = 10000) {
    await waitFor(() => {
      const got = this.received + this.dropped;
      if (got > n) throw new Abort(`received ${this.received} + dropped ${this.dropped} > ${n}`);
      return got === n;
    }, { timeout, what: `received + dropped == ${n}` }).catch((e) => {
      throw new Error(`${e.message} (received ${this.received}, dropped ${this.dropped})`);
    });
  }

  async waitStats(n, timeout = 5000) {
    const target = this.stats.length + n;
    await waitFor(() => this.stats.length >= target, { timeout, what: `${n} more stats frames` });
  }

  pause() { this.ws.pause(); }
  resume() { this.ws.resume(); }

  async end() {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
    await Promise.race([this.closed, delay(2000)]);
    if (!this.close) this.ws.terminate();
  }
}

// The most events in any window of `windowMs` (times sorted ascending, as received).
export function maxInWindow(times, windowMs = 1000) {
  let best = 0;
  let j = 0;
  for (let i = 0; i < times.length; i++) {
    while (times[i] - times[j] >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

// A free TCP port on loopback (for servers that cannot report the one they picked).
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// A deterministic PRNG (mulberry32), so generated inputs are the same on every run.
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Rules for synthetic input, raw format:
//   "ev KIND N [PAD]"   an event of type KIND (test_events_total{kind})
//   "wW I"              metrics only (test_writer_lines_total{writer=W})
//   "text LABEL BODY"   an event of type text with from=LABEL (test_text_total{label})
export const TEST_RULES = `format: raw
rules:
  - name: ev
    match: '^ev (?P<kind>[a-z]+) (?P<n>\\d+)(?: (?P<pad>.*))?$'
    event:
      type: '\${kind}'
      from: src
      to: 'dst-\${kind}'
    metrics:
      - counter: test_events_total
        help: Test events by kind.
        labels: {kind: '\${kind}'}
  - name: writer
    match: '^w(?P<w>\\d+) (?P<i>\\d+)$'
    event: false
    metrics:
      - counter: test_writer_lines_total
        help: Lines per writer.
        labels: {writer: '\${w}'}
  - name: text
    match: '^text (?P<label>\\S*) (?P<body>.*)$'
    event: {type: text, from: '\${label}', to: sink}
    metrics:
      - counter: test_text_total
        help: Text lines by label.
        labels: {label: '\${label}'}
`;

// nc -uU: sends `text` to a UNIX datagram socket, as one datagram.
export async function sendDatagram(socketPath, text) {
  const file = path.join(tempDir('tm-dg-'), 'datagram');
  fs.writeFileSync(file, text);
  const r = await run('nc', ['-uU', '-w0', socketPath], { stdinFile: file });
  if (r.code !== 0) throw new Error(`nc -uU ${socketPath} failed (${r.code}): ${r.stderr}`);
}

// Writes a rule file (YAML text) and returns its path.
export function writeRules(dir, name, yaml) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, yaml);
  return file;
}

// Replaces a file the way editors do: write a temp file next to it, then rename over it.
export function replaceFile(file, text) {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

export { delay, performance };
