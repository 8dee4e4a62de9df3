// Child process: feeds generated Postfix lines into the daemon's stream socket and counts
// exactly every line it hands over. Run by soak.mjs with fork(); talks over IPC.
//
//   steady writers: `connections` long-lived connections sharing `rate` lines/s, sent in
//     whole lines every 10 ms. A connection whose kernel buffer is full (the daemon is
//     behind) is skipped for that tick; the lines owed carry over, at most 1 s of them, and
//     whatever could not be sent is reported as `behind` (the rate was not reached).
//   mid-line writers: every `midlineEveryMs`, a short connection sends a few whole lines and
//     then half a line, and closes. DESIGN.md ("Bad input") and src/ingest/stream_reader.hpp:
//     the partial line is processed at EOF, so it counts as one line.
//
// A line counts as "in" once node has accepted it for a socket that later closes cleanly
// (end, then 'close' without error): those bytes reached the daemon. A connection that
// fails makes the count uncertain; that is reported as an error, never guessed.
import net from 'node:net';

import { demoLines, lineBuffer, rng } from '../../../tests/lib/lines.mjs';

const cfg = JSON.parse(process.argv[2]);
const { buf, starts, count } = lineBuffer(demoLines({ count: cfg.messages ?? 6000, seed: cfg.seed ?? 1, bin: cfg.bin }));
const rand = rng((cfg.seed ?? 1) * 7919);

const stats = { steadyLines: 0, midlineLines: 0, midlineConnections: 0, partialLines: 0, behind: 0, errors: [] };
let cursor = 0;       // next line of the pool to send
let stopping = false;

// `n` whole lines from the pool, wrapping around; returns [Buffer, ...] slices.
function take(n) {
  const out = [];
  while (n > 0) {
    const k = Math.min(n, count - cursor);
    out.push(buf.subarray(starts[cursor], starts[cursor + k]));
    cursor = (cursor + k) % count;
    n -= k;
  }
  return out;
}

function connect() {
  return new Promise((resolve, reject) => {
    const s = net.createConnection(cfg.socket);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

// Ends a socket and resolves once it is closed; rejects if it failed on the way.
function finish(s) {
  return new Promise((resolve, reject) => {
    let failed = null;
    s.on('error', (e) => { failed = e; });
    s.once('close', () => (failed ? reject(failed) : resolve()));
    s.end();
  });
}

async function steady() {
  const socks = [];
  for (let i = 0; i < cfg.connections; i++) {
    const s = await connect();
    s.on('error', (e) => stats.errors.push(`steady writer ${i}: ${e.message}`));
    socks.push(s);
  }
  const t0 = performance.now();
  let owed = 0;
  let due = 0;
  let next = 0;
  while (!stopping) {
    const now = performance.now();
    const shouldHave = Math.floor(((now - t0) / 1000) * cfg.rate);
    owed += shouldHave - due;
    due = shouldHave;
    if (owed > cfg.rate) {       // more than 1 s behind: give up on the excess, say so
      stats.behind += owed - cfg.rate;
      owed = cfg.rate;
    }
    // Spread over the connections; one whose buffer is full waits for the next tick.
    const per = Math.ceil(owed / socks.length);
    for (let i = 0; i < socks.length && owed > 0; i++) {
      const s = socks[(next + i) % socks.length];
      if (s.writableNeedDrain || s.destroyed) continue;
      const n = Math.min(per, owed);
      for (const slice of take(n)) s.write(slice);
      stats.steadyLines += n;
      owed -= n;
    }
    next++;
    await new Promise((r) => setTimeout(r, 10));
  }
  stats.behind += owed;
  await Promise.all(socks.map((s, i) => finish(s).catch((e) => stats.errors.push(`steady writer ${i} at close: ${e.message}`))));
}

async function midline() {
  while (!stopping) {
    await new Promise((r) => setTimeout(r, cfg.midlineEveryMs));
    if (stopping) break;
    try {
      const s = await connect();
      const whole = 1 + Math.floor(rand() * 20);
      for (const slice of take(whole)) s.write(slice);
      // Half of the next line: at least one byte, never its newline.
      const len = starts[cursor + 1] - starts[cursor] - 1;
      const cut = 1 + Math.floor(rand() * (len - 1));
      s.write(buf.subarray(starts[cursor], starts[cursor] + cut));
      cursor = (cursor + 1) % count;
      await finish(s);
      stats.midlineLines += whole + 1;
      stats.partialLines += 1;
      stats.midlineConnections += 1;
    } catch (e) {
      stats.errors.push(`mid-line writer: ${e.message}`);
    }
  }
}

const report = () => process.send({ type: 'progress', stats: { ...stats, errors: stats.errors.length } });
const timer = setInterval(report, 1000);
process.on('message', (m) => { if (m.type === 'stop') stopping = true; });

await Promise.all([steady(), cfg.midlineEveryMs > 0 ? midline() : Promise.resolve()]);
clearInterval(timer);
process.send({ type: 'done', stats }, () => process.exit(0));
