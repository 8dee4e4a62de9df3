#!/usr/bin/env node
// How evenly a client at the cap receives events: the gaps between frames that carry events,
// and the share of 50 ms slots in which no event arrived (a lumpy stream draws dots in
// clumps). Runs `tapemeasure demo` with traffic well over the cap, one WebSocket client
// reading at once, for a few seconds; run it on two builds to compare them.
//
//   node bench/delivery_smoothness.mjs [--seconds 10] [--rate 3000] BINARY ...
//
// Prints, per binary: events/s received, frame gaps p50/p99/max, empty 50 ms slots.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';

const require = createRequire(new URL('../tests/integration/', import.meta.url));
const WebSocket = require('ws');

const args = process.argv.slice(2);
let seconds = 10, rate = 3000;
const binaries = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--seconds') seconds = Number(args[++i]);
  else if (args[i] === '--rate') rate = Number(args[++i]);
  else if (args[i] === '-h' || args[i] === '--help') {
    console.log('usage: node bench/delivery_smoothness.mjs [--seconds 10] [--rate 3000] BINARY ...');
    process.exit(0);
  } else binaries.push(args[i]);
}
if (!binaries.length) {
  console.error('delivery_smoothness: give at least one tapemeasure binary (see --help)');
  process.exit(2);
}

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN;
}

async function measure(binary, port) {
  const daemon = spawn(binary, ['demo', '--listen', `127.0.0.1:${port}`, '--rate', String(rate)], { stdio: 'ignore' });
  try {
    let ws;
    for (let tries = 0; ; tries++) {
      try {
        ws = await new Promise((resolve, reject) => {
          const w = new WebSocket(`ws://127.0.0.1:${port}/ws`, { origin: `http://127.0.0.1:${port}` });
          w.once('open', () => resolve(w));
          w.once('error', reject);
        });
        break;
      } catch (e) {
        if (tries > 100) throw e;
        await sleep(100);
      }
    }
    const arrivals = [];  // [ms, events] of frames with events
    ws.on('message', (data) => {
      const text = data.toString();
      if (!text.startsWith('{"seq"')) return;
      const events = JSON.parse(text).events.length;
      if (events) arrivals.push([performance.now(), events]);
    });
    await sleep(2000);  // past the start
    arrivals.length = 0;
    const start = performance.now();
    await sleep(seconds * 1000);
    const end = performance.now();
    ws.terminate();
    const inWindow = arrivals.filter(([t]) => t >= start && t < end);
    const events = inWindow.reduce((n, [, e]) => n + e, 0);
    const gaps = [];
    for (let i = 1; i < inWindow.length; i++) gaps.push(inWindow[i][0] - inWindow[i - 1][0]);
    gaps.sort((a, b) => a - b);
    const slots = Math.ceil((end - start) / 50);
    const busy = new Set(inWindow.map(([t]) => Math.floor((t - start) / 50)));
    return {
      perSecond: events / ((end - start) / 1000),
      p50: percentile(gaps, 0.5), p99: percentile(gaps, 0.99), max: gaps.at(-1),
      emptySlots: 1 - busy.size / slots,
    };
  } finally {
    daemon.kill('SIGTERM');
    await new Promise((resolve) => daemon.once('exit', resolve));
  }
}

let port = 18950;
for (const binary of binaries) {
  const r = await measure(binary, port++);
  console.log(`${binary}: ${r.perSecond.toFixed(0)} events/s; frame gaps p50 ${r.p50.toFixed(1)} ms, ` +
    `p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(1)} ms; empty 50 ms slots ${(100 * r.emptySlots).toFixed(1)}%`);
}
