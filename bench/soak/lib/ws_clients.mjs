// Worker thread: a share of the soak's WebSocket clients, all of one kind: `steady` (join
// once, read all the time) or `chaos` (at random leave and rejoin, or stall: stop reading
// for a few seconds, sometimes longer than the daemon's 10 s stuck limit, then read on).
// The kinds live in separate threads: a chaos client that resumes parses its backlog in
// one go, which holds up its thread, and a steady client beside it would then read a
// burst of its own that the daemon never sent as one. Every client counts the events it receives in each sliding
// one-second window, measured where it receives them (the 'message' event), as DESIGN.md
// states the cap. Chaos clients keep two maxima: windows within 2 s of a resume (the
// catch-up burst) and all other windows. Results go to the main thread once a second.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

import WebSocket from 'ws';

import { rng } from '../../../tests/lib/lines.mjs';

const { port, clients, kind, cap, seed, id } = workerData;
const rand = rng(seed);
const uniform = (a, b) => a + rand() * (b - a);
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

// How late this thread's 20 ms timer fired, kept for the last 2 s: the lag a client had
// just before it saw a burst.
const lagRing = [];
let lagExpected = performance.now() + 20;
setInterval(() => {
  const now = performance.now();
  lagRing.push([now, Math.max(0, now - lagExpected)]);
  lagExpected = now + 20;
  while (lagRing.length && now - lagRing[0][0] > 2000) lagRing.shift();
}, 20);
function recentLag() {
  let m = 0;
  for (const [, l] of lagRing) m = Math.max(m, l);
  return m;
}

const agg = {
  joins: 0, joinFailures: 0, leaves: 0, stalls: 0, longStalls: 0, serverCloses: {}, refusals: {}, events: 0, dropped: 0,
  max: { steady: 0, chaos: 0, chaosAfterResume: 0, lowered: 0 }, overCap: [], badFrames: 0,
};
let stopping = false;

class Slot {
  constructor(n) {
    this.n = n;
    this.kind = kind;
    this.ws = null;
    this.stalledUntil = 0;
    this.lastResume = -Infinity;
    this.loweredTo = 0;  // max_rate asked for, if lower than the cap
  }

  join() {
    if (stopping) return;
    this.times = [];
    this.counts = [];
    this.tsFirst = [];
    this.tsLast = [];
    this.head = 0;
    this.inWindow = 0;
    this.stalledUntil = 0;
    this.lastResume = -Infinity;
    this.loweredTo = 0;
    this.incident = null;
    this.leaving = false;
    this.opened = false;
    // Half the clients compress (like browsers), half do not (more bytes pile up when stalled).
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { perMessageDeflate: this.n % 2 === 0, handshakeTimeout: 10000 });
    this.ws = ws;
    ws.on('open', () => {
      this.opened = true;
      agg.joins++;
      if (this.kind === 'chaos') {
        const r = rand();
        if (r < 0.1) ws.send(JSON.stringify({ filter: { types: ['delivered', 'permanent', 'transient'] } }));
        else if (r < 0.2) { this.loweredTo = 300; ws.send(JSON.stringify({ max_rate: 300 })); }
      }
    });
    ws.on('unexpected-response', (req, res) => {
      // Refused (503 when the daemon is at --max-connections, 403 ...): counted, retried.
      agg.joinFailures++;
      agg.refusals[res.statusCode] = (agg.refusals[res.statusCode] ?? 0) + 1;
      this.ws = null;
      res.resume();
      ws.terminate();
      this.retry(1000);
    });
    ws.on('error', () => { /* seen as close, or unexpected-response */ });
    ws.on('close', (code) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (!this.opened) {
        if (!stopping) agg.joinFailures++;  // refused or reset before the handshake ended
        this.retry(1000);
        return;
      }
      if (!this.leaving && !stopping) {
        agg.serverCloses[code] = (agg.serverCloses[code] ?? 0) + 1;
        this.retry(uniform(500, 3000));
      }
    });
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
  }

  retry(ms) {
    if (stopping || this.retryTimer) return;
    this.retryTimer = setTimeout(() => { this.retryTimer = null; if (!this.ws) this.join(); }, ms);
  }

  onMessage(data, isBinary) {
    const t = performance.now();
    let f;
    try {
      if (isBinary) throw new Error('binary');
      f = JSON.parse(data.toString('utf8'));
    } catch {
      agg.badFrames++;
      return;
    }
    if (!Array.isArray(f.events)) return;  // stats, view and error frames carry no events
    agg.dropped += f.dropped ?? 0;
    const n = f.events.length;
    if (n === 0) return;
    agg.events += n;
    this.times.push(t);
    this.counts.push(n);
    // `ts` is when the daemon read the line (epoch ms, same clock as ours): events admitted
    // over a span of more than 1 s but received within 1 s were held up on the way.
    this.tsFirst.push(f.events[0].ts);
    this.tsLast.push(f.events[n - 1].ts);
    this.inWindow += n;
    while (t - this.times[this.head] >= 1000) this.inWindow -= this.counts[this.head++];
    if (this.head > 4096) {
      for (const k of ['times', 'counts', 'tsFirst', 'tsLast']) this[k] = this[k].slice(this.head);
      this.head = 0;
    }
    const w = this.inWindow;
    const bucket = this.loweredTo ? 'lowered' : this.kind === 'steady' ? 'steady'
      : t - this.lastResume < 2000 ? 'chaosAfterResume' : 'chaos';
    if (w > agg.max[bucket]) agg.max[bucket] = w;
    const limit = this.loweredTo || cap;
    if (w > limit) {
      // One incident per client and stall (a resume starts a new one); it keeps the worst
      // window, how the events in it arrived (per 100 ms), and how late this thread was
      // running just before (a starved client reads a burst that waited in its own kernel
      // buffer: that is the client's lag, not the daemon's sending).
      if (!this.incident) {
        this.incident = { client: `${id}.${this.n}`, kind: this.kind, bucket, events: 0, limit,
          msSinceResume: Number.isFinite(this.lastResume) ? Math.round(t - this.lastResume) : null };
        agg.overCap.push(this.incident);
      }
      if (w > this.incident.events) {
        const per100 = new Array(10).fill(0);
        for (let i = this.head; i < this.times.length; i++) per100[Math.min(9, Math.floor((this.times[i] - (t - 1000)) / 100))] += this.counts[i];
        let tsMin = Infinity, tsMax = -Infinity;
        for (let i = this.head; i < this.times.length; i++) {
          tsMin = Math.min(tsMin, this.tsFirst[i]);
          tsMax = Math.max(tsMax, this.tsLast[i]);
        }
        // admitted: the daemon let more than the cap through within one second of input;
        // burst: events it let through over a longer span reached us together (a backlog in
        // the daemon's queue or in the kernel's socket buffers, released at once).
        Object.assign(this.incident, { events: w, per100ms: per100, clientLagMs: Math.round(recentLag()),
          tsSpanMs: tsMax - tsMin, behindMs: Date.now() - tsMax, cause: tsMax - tsMin < 1000 ? 'admitted' : 'burst' });
      }
    }
  }

  // Once a second: maybe leave, maybe stall (chaos clients only).
  tick(now) {
    if (this.kind !== 'chaos' || !this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    if (this.stalledUntil) {
      if (now >= this.stalledUntil) {
        this.stalledUntil = 0;
        this.incident = null;
        this.lastResume = performance.now();
        this.ws.resume();
      }
      return;
    }
    const r = rand();
    if (r < 0.03) {
      agg.leaves++;
      this.leaving = true;
      const ws = this.ws;
      this.ws = null;
      if (rand() < 0.2) ws.terminate(); else ws.close(1000);
      this.retry(uniform(500, 3000));
    } else if (r < 0.08) {
      agg.stalls++;
      const long = rand() < 0.1;
      if (long) agg.longStalls++;
      this.stalledUntil = now + (long ? uniform(11000, 14000) : uniform(1000, 8000));
      this.ws.pause();
    }
  }
}

const slots = Array.from({ length: clients }, (_, n) => new Slot(n));
// Join gradually: a hundred handshakes at once is a test of its own, not this one.
slots.forEach((s, i) => setTimeout(() => s.join(), i * 20));

const ticker = setInterval(() => {
  const now = performance.now();
  for (const s of slots) s.tick(now);
}, 250);

function snapshot() {
  const open = slots.filter((s) => s.ws && s.ws.readyState === WebSocket.OPEN).length;
  const stalled = slots.filter((s) => s.stalledUntil).length;
  return { ...agg, open, stalled, loopDelayMaxMs: loopDelay.max / 1e6, loopDelayP99Ms: loopDelay.percentile(99) / 1e6 };
}
const reporter = setInterval(() => parentPort.postMessage({ type: 'progress', stats: snapshot() }), 1000);

parentPort.on('message', async (m) => {
  if (m.type !== 'stop') return;
  stopping = true;
  clearInterval(ticker);
  clearInterval(reporter);
  const closing = [];
  for (const s of slots) {
    clearTimeout(s.retryTimer);
    const ws = s.ws;
    if (!ws) continue;
    s.leaving = true;
    closing.push(new Promise((resolve) => {
      if (ws.readyState === WebSocket.CLOSED) return resolve();
      ws.once('close', resolve);
      ws.resume();
      if (ws.readyState === WebSocket.OPEN) ws.close(1000); else ws.terminate();
      setTimeout(() => { ws.terminate(); }, 3000);
    }));
  }
  await Promise.all(closing);
  parentPort.postMessage({ type: 'done', stats: snapshot() });
});
