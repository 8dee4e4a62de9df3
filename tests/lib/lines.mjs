// Log lines for the JS tests and the soak tool, from the one generator there is:
// `tapemeasure demo --print` (the demo's own traffic: Postfix by default, or the nginx and
// DNS packs'), deterministic for a seed. Tests that need a particular shape of log (a
// fleet of a given size, lines a test counts by hand) write their own lines instead.
import { execFileSync } from 'node:child_process';

import { BIN } from './daemon.mjs';

// `count` messages (requests, queries) as an array of lines, log times `rate` per second
// from now, every message's later lines included.
export function demoLines({ count = 1000, seed = 42, rate = 200, pack = 'postfix', bin = BIN } = {}) {
  const out = execFileSync(bin, ['demo', '--print', '--pack', pack, '--count', String(count), '--seed', String(seed),
    '--rate', String(rate)], { maxBuffer: 1 << 30 });
  const lines = out.toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

// The lines as one buffer, with the offset where each line starts (and one past the end),
// so a writer can send any run of whole lines as one slice and know how many it sent.
export function lineBuffer(lines) {
  const buf = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
  const starts = new Uint32Array(lines.length + 1);
  let off = 0;
  for (let i = 0; i < lines.length; i++) {
    starts[i] = off;
    off += Buffer.byteLength(lines[i], 'utf8') + 1;
  }
  starts[lines.length] = off;
  return { buf, starts, count: lines.length };
}

// mulberry32: a small deterministic random source, so two runs make the same choices.
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
