// Shared helpers for the integration tests: start the real tapemeasure binary in a temp dir,
// talk to it over its UNIX sockets, HTTP and WebSocket, and wait for things with deadlines
// (polling, never fixed sleeps). Every daemon, child process and temp dir a test creates is
// cleaned up by cleanup(), which each test file registers with after().
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import WebSocket from 'ws';

import { Daemon as BaseDaemon, ROOT, cleanup as cleanupProcesses, run, tempDir, tm } from '../lib/daemon.mjs';
import { Abort, waitFor } from '../lib/wait.mjs';

// One daemon harness, one waitFor and one exposition parser for every JS suite (tests/lib/);
// here for the tests, with what only they need: WebSocket clients and socket writers.
export { Metrics, parseExposition } from '../lib/exposition.mjs';
export { Abort, SLOWDOWN, waitFor } from '../lib/wait.mjs';
export { BIN, ROOT, RULES_DIR, httpGet, run, tempDir, tm } from '../lib/daemon.mjs';
export { rng } from '../lib/lines.mjs';

export const POSTFIX_LOG = path.join(ROOT, 'tests/data/postfix.log');

const sockets = new Set();  // WebSocket clients and raw sockets still open

// Closes the clients, kills whatever is still running, removes temp dirs. Register with after().
export async function cleanup() {
  for (const s of sockets) {
    try { s.terminate ? s.terminate() : s.destroy(); } catch { /* already gone */ }
  }
  sockets.clear();
  await cleanupProcesses();
}

// The shared daemon harness, and a WebSocket client for it.
export class Daemon extends BaseDaemon {
  ws(opts) { return WsClient.connect(this.port, opts); }
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
