#!/usr/bin/env node
// Frame rate and new dots per second of the UI in headless Chromium (Canvas renderer by
// default) while the server streams ~1000 events/s. Reports, does not assert.
//
//   node tests/e2e/fps_bench.mjs [--seconds 15] [--rate 1000] [--renderer canvas|webgl]
//                                [--size 1280x720[,1920x1080]] [--panel shares|measurements|compare|rules]
//                                [--window 10|60|300|3600|86400|all]
// --panel opens that side-panel tab first (the measurements panel draws uPlot charts once a
// second; this measures what that costs the traffic view).
//   --fleet 100x30 [--lines N] [--cap C]
//                                  a fleet of 100 MTAs and 30 relays: starts build/tapemeasure
//                                  run with rules/postfix.yml and its default cap (--cap, 1000
//                                  events/s) and writes N generated Postfix lines/s
//                                  (fleet_log.mjs) into its socket. A message is ~3.9 lines and
//                                  2 events, so N defaults to 1.3 x 1.95 x --rate: 30% over the
//                                  cap, which then decides the dots/s (about 94% of it).
// Uses TAPEMEASURE_URL (a running daemon) when set, else starts the mock server.
// Prints one JSON line per size, plus a human summary.

import path from 'node:path';
import { startServer, launchBrowser, sleep, waitFor, repoRoot } from './harness.mjs';
import { Daemon, cleanup } from '../lib/daemon.mjs';
import { feedSocket } from './fleet_log.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf('--' + name); return i >= 0 ? args[i + 1] : dflt; };
const seconds = Number(opt('seconds', 15));
const rate = Number(opt('rate', 1000));
const renderer = opt('renderer', 'canvas');
const sizes = opt('size', '1280x720,1920x1080').split(',').map((s) => s.split('x').map(Number));
const panel = opt('panel', 'shares');
const windowChoice = opt('window', null);   // the shares/ratios/comparisons window (?window=)
const fleet = opt('fleet', null);

/** A real daemon fed a generated fleet's log: {kind, url, close()}. */
async function startFleet(spec) {
  const [mtas, relays] = spec.split('x').map(Number);
  const d = await Daemon.start({ rules: [path.join(repoRoot, 'rules/postfix.yml')], args: ['--ws-max-rate', String(opt('cap', 1000))] });
  const feed = feedSocket(d.socketPath, { mtas, relays, rate: Number(opt('lines', Math.round(rate * 1.95 * 1.3))) });
  return {
    kind: `daemon, fleet ${mtas}x${relays}`, url: d.url,
    async close() {
      await feed.stop();
      await d.stop('SIGTERM', 10000);
      await cleanup();
    },
  };
}

const srv = fleet ? await startFleet(fleet) : await startServer({ rate, wsMaxRate: Math.max(1000, rate) });
const results = [];
try {
  for (const [width, height] of sizes) {
    const b = await launchBrowser({ width, height });
    try {
      const query = new URLSearchParams();
      if (renderer === 'webgl') query.set('renderer', 'webgl');
      if (windowChoice) query.set('window', windowChoice);
      await b.page.goto(srv.url + (query.size ? `?${query}` : ''), { waitUntil: 'load' });
      await waitFor(b.page, () => window.tapemeasure.ready && window.tapemeasure.dotsDrawn > 0, null, 20000);
      await b.page.click(`#side-tabs button[data-tab="${panel}"]`);
      await sleep(4000); // warm up: let the view fill with dots
      const samples = [];
      const start = await b.page.evaluate(() => ({ drawn: window.tapemeasure.dotsDrawn, recv: window.tapemeasure.eventsReceived, t: performance.now() }));
      for (let i = 0; i < seconds; i++) {
        await sleep(1000);
        samples.push(await b.page.evaluate(() => {
          const t = window.tapemeasure;
          return { fps: t.fps, dps: t.dotsPerSecond, active: t.dotsActive, updateMs: t.updateMs, renderMs: t.renderMs };
        }));
      }
      const end = await b.page.evaluate(() => ({ drawn: window.tapemeasure.dotsDrawn, recv: window.tapemeasure.eventsReceived, t: performance.now(), nd: window.tapemeasure.notDrawn, renderer: window.tapemeasure.renderer }));
      const secs = (end.t - start.t) / 1000;
      const fps = samples.map((s) => s.fps).sort((a, b) => a - b);
      const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const r = {
        size: `${width}x${height}`,
        panel,
        renderer: end.renderer,
        server: srv.kind,
        seconds: Math.round(secs),
        eventsPerSecond: Math.round((end.recv - start.recv) / secs),
        newDotsPerSecond: Math.round((end.drawn - start.drawn) / secs),
        fpsMean: +mean(fps).toFixed(1),
        fpsMin: fps[0],
        fpsMedian: fps[Math.floor(fps.length / 2)],
        liveDotsMean: Math.round(mean(samples.map((s) => s.active))),
        updateMs: +mean(samples.map((s) => s.updateMs)).toFixed(2),
        renderMs: +mean(samples.map((s) => s.renderMs)).toFixed(2),
        notDrawn: end.nd,
      };
      results.push(r);
      console.log(JSON.stringify(r));
      if (b.errors.length) console.log('page errors:', b.errors);
    } finally {
      await b.close();
    }
  }
} finally {
  await srv.close();
}
for (const r of results) {
  console.log(`${r.size} ${r.renderer} (${r.panel} panel): ${r.fpsMean} fps mean (min ${r.fpsMin}, median ${r.fpsMedian}), ` +
    `${r.newDotsPerSecond} new dots/s of ${r.eventsPerSecond} events/s, ~${r.liveDotsMean} live dots, ` +
    `update ${r.updateMs} ms + render ${r.renderMs} ms per frame`);
}
