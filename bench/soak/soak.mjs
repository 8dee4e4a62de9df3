#!/usr/bin/env node
// Soak and chaos for tapemeasure (issue 10, "Build also"): a tool, not a timed test. It
// starts the daemon itself, finds its top throughput, then for --duration seconds at half
// of it (or --rate) runs everything at once:
//   - writers feeding generated Postfix lines, and writers that disconnect mid-line;
//   - WebSocket clients (--ws-clients) that join, leave and stall, each measuring the most
//     events it got in any one-second window, where it receives them;
//   - a reload every second, alternating a good and a bad edit of a rule file;
//   - a slowloris HTTP client, and --idle-connections idle TCP connections;
// reports every --report-every seconds, then checks its targets (README.md):
//   RSS flat after warm-up, lines in == tapemeasure_lines_total, no client over the cap,
//   fds back to baseline (plus: every reload counted, slowloris cut off, /metrics and /healthz
//   answered throughout, with /healthz's latency on fresh connections, clean exit).
// Exits 0 when every target is met, 1 when one is missed (each miss is printed), 2 on a
// usage or setup error.
import { fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';

import { Daemon } from './lib/daemon.mjs';
import { demoLines } from '../../tests/lib/lines.mjs';
import { ReloadChurn } from './lib/reload_churn.mjs';
import { HealthProbe } from './lib/health_probe.mjs';
import { IdlePool, Slowloris } from './lib/tcp_pests.mjs';
import { fmt, mib, printTargets, reportLine } from './lib/report.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');

const USAGE = `usage: bench/soak/run.sh [options]   (or: node bench/soak/soak.mjs [options])
  --bin PATH              tapemeasure binary (default: $TAPEMEASURE_BIN, else build/tapemeasure)
  --duration S            seconds of load (default 600)
  --rate N                lines/s to write (default: 50% of the top throughput measured first)
  --warmup S              seconds of the top-throughput measurement (default 5)
  --ws-clients N          WebSocket clients (default 100)
  --ws-max-rate N         the cap, passed to the daemon and checked (default 1000)
  --idle-connections N    idle TCP connections to the HTTP port (default 2000)
  --slowloris N           slowloris connections (default 20)
  --max-connections N     the daemon's --max-connections (default: enough for all of the above;
                          give 512 to see what the default does under 2,000 idle connections)
  --max-connections-per-peer N  the daemon's (default 0: off, since every client here is one
                          address; give 64 to see the default)
  --reload-every MS       one rule-file rewrite every MS ms, good and bad in turn (default 1000)
  --report-every S        progress line every S seconds (default 10)
  --json FILE             also write the results as JSON
  --keep                  keep the temp dir (daemon log, rules) and say where it is`;

function options() {
  const { values } = parseArgs({
    options: {
      bin: { type: 'string' }, duration: { type: 'string', default: '600' }, rate: { type: 'string' },
      warmup: { type: 'string', default: '5' }, 'ws-clients': { type: 'string', default: '100' },
      'ws-max-rate': { type: 'string', default: '1000' }, 'idle-connections': { type: 'string', default: '2000' },
      slowloris: { type: 'string', default: '20' }, 'max-connections': { type: 'string' },
      'max-connections-per-peer': { type: 'string' },
      'reload-every': { type: 'string', default: '1000' }, 'report-every': { type: 'string', default: '10' },
      json: { type: 'string' }, keep: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const num = (k) => {
    const v = Number(values[k]);
    if (!Number.isFinite(v) || v < 0) throw new Error(`--${k} wants a number, not '${values[k]}'`);
    return v;
  };
  const o = {
    bin: path.resolve(values.bin ?? process.env.TAPEMEASURE_BIN ?? path.join(ROOT, 'build/tapemeasure')),
    duration: num('duration'), rate: values.rate === undefined ? null : num('rate'), warmup: num('warmup'),
    wsClients: num('ws-clients'), cap: num('ws-max-rate'), idle: num('idle-connections'), slowloris: num('slowloris'),
    reloadEvery: num('reload-every'), reportEvery: num('report-every'), json: values.json, keep: values.keep,
  };
  // A user expecting 2,000 idle connections raises --max-connections above them (and the
  // open-files limit with it: the systemd unit has LimitNOFILE=65536); at the default 512
  // the idle connections would take every slot, and browsers and Prometheus would be
  // refused. Headroom: /metrics polls, and clients reconnecting before the old socket closed.
  o.maxConnections = values['max-connections'] !== undefined ? num('max-connections')
    : o.idle + o.wsClients + o.slowloris + 256;
  // Every client here comes from 127.0.0.1, one peer: the soak stands for many browsers, so
  // the per-peer limit is off unless asked for (then what it does to one address shows).
  o.maxPerPeer = values['max-connections-per-peer'] !== undefined ? num('max-connections-per-peer') : 0;
  return o;
}

function openFilesLimit() {
  const m = /Max open files\s+(\d+)/.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
  return m ? Number(m[1]) : Infinity;
}

// Top throughput: `tapemeasure replay --loop` as fast as the daemon reads (a C++ writer,
// so node is not what is measured), lines_total sampled from 1 s in to `seconds` + 1.
async function measureTopRate(d, bin, dir, seconds) {
  const file = path.join(dir, 'warmup.log');
  fs.writeFileSync(file, `${demoLines({ count: 30000, seed: 99, bin }).join('\n')}\n`);
  const replay = spawn(bin, ['replay', file, '--socket', d.socketPath, '--loop', '--no-progress'], { stdio: 'ignore' });
  const gone = new Promise((r) => replay.once('exit', r));
  await delay(1000);
  const t1 = performance.now();
  const l1 = (await d.metrics()).value('tapemeasure_lines_total');
  await delay(seconds * 1000);
  const l2 = (await d.metrics()).value('tapemeasure_lines_total');
  const t2 = performance.now();
  replay.kill('SIGTERM');
  await gone;
  fs.rmSync(file);
  return (l2 - l1) / ((t2 - t1) / 1000);
}

// Waits until the daemon has no ingest connection and lines_total stands still.
async function settle(d, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  for (;;) {
    const m = await d.metrics();
    const lines = m.value('tapemeasure_lines_total');
    if (m.value('tapemeasure_ingest_connections') === 0 && lines === last) return lines;
    if (Date.now() > deadline) throw new Error('the daemon did not settle (ingest connections or lines still moving)');
    last = lines;
    await delay(500);
  }
}

function startWriters(cfg) {
  const child = fork(path.join(HERE, 'lib/writers.mjs'), [JSON.stringify(cfg)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const w = { child, stats: null, done: null };
  w.finished = new Promise((resolve, reject) => {
    child.on('message', (m) => {
      w.stats = m.stats;
      if (m.type === 'done') { w.done = m.stats; resolve(m.stats); }
    });
    child.once('exit', (code) => { if (!w.done) reject(new Error(`the writer process exited (${code}) before reporting`)); });
  });
  return w;
}

// One thread for the never-stalling clients (a fifth of them), two for the chaos ones.
function startWsWorkers(port, total, cap) {
  const steady = Math.round(total / 5);
  const chaos = total - steady;
  const plan = [{ kind: 'steady', clients: steady }, { kind: 'chaos', clients: Math.ceil(chaos / 2) },
    { kind: 'chaos', clients: Math.floor(chaos / 2) }].filter((p) => p.clients > 0);
  return plan.map((p, i) => {
    const worker = new Worker(path.join(HERE, 'lib/ws_clients.mjs'), {
      workerData: { port, clients: p.clients, kind: p.kind, cap, seed: 1000 + i, id: i },
    });
    const w = { worker, last: null, done: null };
    w.finished = new Promise((resolve, reject) => {
      worker.on('message', (m) => {
        w.last = m.stats;
        if (m.type === 'done') { w.done = m.stats; resolve(m.stats); }
      });
      worker.once('error', reject);
    });
    return w;
  });
}

// The WebSocket workers' figures, summed (counts) or maxed (maxima).
function wsSummary(workers) {
  const s = { open: 0, stalled: 0, joins: 0, joinFailures: 0, leaves: 0, stalls: 0, longStalls: 0, events: 0, dropped: 0,
    badFrames: 0, serverCloses: {}, refusals: {}, max: { steady: 0, chaos: 0, chaosAfterResume: 0, lowered: 0 },
    loopDelayMaxMs: 0, overCap: [] };
  for (const w of workers) {
    const x = w.done ?? w.last;
    if (!x) continue;
    for (const k of ['open', 'stalled', 'joins', 'joinFailures', 'leaves', 'stalls', 'longStalls', 'events', 'dropped', 'badFrames']) s[k] += x[k];
    for (const k of Object.keys(s.max)) s.max[k] = Math.max(s.max[k], x.max[k]);
    for (const [c, n] of Object.entries(x.serverCloses)) s.serverCloses[c] = (s.serverCloses[c] ?? 0) + n;
    for (const [c, n] of Object.entries(x.refusals)) s.refusals[c] = (s.refusals[c] ?? 0) + n;
    s.loopDelayMaxMs = Math.max(s.loopDelayMaxMs, x.loopDelayMaxMs);
    s.overCap.push(...x.overCap);
  }
  return s;
}

// Incidents over the cap by kind of client and cause (lib/ws_clients.mjs): `admitted`,
// the daemon let more than the cap through within one second of input; `burst`, events
// let through over a longer span arrived within one second.
function overCapBreakdown(list) {
  const by = {};
  for (const x of list) {
    const b = by[x.bucket] ??= { admitted: 0, burst: 0 };
    b[x.cause]++;
  }
  return JSON.stringify(by);
}

async function main() {
  let o;
  try {
    o = options();
  } catch (e) {
    console.error(`soak: ${e.message}\n${USAGE}`);
    return 2;
  }
  if (!fs.existsSync(o.bin)) {
    console.error(`soak: no tapemeasure binary at ${o.bin} (build first, or give --bin / TAPEMEASURE_BIN)`);
    return 2;
  }
  // Both ends need a descriptor per connection: we hold idle + clients + slowloris + writers,
  // the daemon up to --max-connections plus its own (it inherits our limit).
  const need = Math.max(o.idle + o.wsClients + o.slowloris, o.maxConnections) + 200;
  const limit = openFilesLimit();
  console.log(`soak: ulimit -n is ${limit}; this run needs about ${need} per process`);
  if (limit < need) {
    console.error(`soak: raise the open-files limit first (ulimit -n ${need}), or lower --idle-connections`);
    return 2;
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-soak-'));
  const churn = new ReloadChurn(path.join(ROOT, 'rules'), path.join(dir, 'rules'));
  const d = await Daemon.start({ bin: o.bin, dir, rulesDir: churn.dir,
    args: ['--ws-max-rate', String(o.cap), '--max-connections', String(o.maxConnections),
      '--max-connections-per-peer', String(o.maxPerPeer)] });
  const results = { options: { ...o }, started: new Date().toISOString(), cores: os.cpus().length, loadAtStart: os.loadavg() };
  console.log(`soak: daemon pid ${d.pid} on port ${d.port}, --max-connections ${o.maxConnections}, ` +
    `open-files limit ${d.maxFiles()}, temp dir ${dir}`);
  console.log(`soak: load average at start ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} on ${os.cpus().length} cores`);

  let exitCode = 0;
  try {
    if (o.rate === null) {
      const top = await measureTopRate(d, o.bin, dir, o.warmup);
      o.rate = Math.max(1, Math.round(top / 2));
      results.topRate = Math.round(top);
      console.log(`soak: top throughput ${fmt(top)} lines/s (replay, ${o.warmup} s); writing at 50%: ${fmt(o.rate)} lines/s`);
    } else {
      console.log(`soak: writing at ${fmt(o.rate)} lines/s (--rate)`);
    }
    results.rate = o.rate;
    const base = await settle(d);
    const fdsBefore = d.fds();
    const m0 = await d.metrics();
    const reloads0 = { ok: m0.value('tapemeasure_rules_reloads_total'), failed: m0.value('tapemeasure_rules_reload_failures_total') };
    const logBytes0 = d.logBytes();
    console.log(`soak: baseline: ${fmt(base)} lines counted so far, ${fdsBefore} open fds, RSS ${mib(d.rssKiB())}`);

    // Everything at once.
    const t0 = performance.now();
    const writers = startWriters({ socket: d.socketPath, rate: o.rate, connections: 4, midlineEveryMs: 100, seed: 7, bin: o.bin });
    const ws = startWsWorkers(d.port, o.wsClients, o.cap);
    const idle = new IdlePool(d.port, o.idle);
    const slow = new Slowloris(d.port, o.slowloris);
    const health = new HealthProbe(d.port);
    idle.start();
    slow.start();
    health.start();
    churn.start(o.reloadEvery);

    const rss = [];         // [seconds since t0, KiB] once a second
    const reports = [];
    let metricsFailures = 0;
    let lastM = m0;
    let lastReport = { t: 0, lines: 0 };
    for (let sec = 1; sec <= o.duration; sec++) {
      await delay(Math.max(0, t0 + sec * 1000 - performance.now()));
      rss.push([sec, d.rssKiB()]);
      try {
        lastM = await d.metrics();
      } catch {
        metricsFailures++;
      }
      if (sec % o.reportEvery === 0 || sec === o.duration) {
        const w = writers.stats ?? { steadyLines: 0, midlineLines: 0, behind: 0, errors: 0 };
        const linesIn = w.steadyLines + w.midlineLines;
        const r = {
          t: sec, rateAchieved: (linesIn - lastReport.lines) / (sec - lastReport.t), linesIn,
          counted: lastM.value('tapemeasure_lines_total') - base, rssKiB: rss.at(-1)[1], fds: d.fds(),
          ws: wsSummary(ws), wsClientsMetric: lastM.value('tapemeasure_ws_clients'),
          reloads: { ok: lastM.value('tapemeasure_rules_reloads_total') - reloads0.ok,
            failed: lastM.value('tapemeasure_rules_reload_failures_total') - reloads0.failed },
          idle: idle.stats(), slow: slow.stats(), load: os.loadavg(), behind: w.behind, metricsFailures,
          wsDropped: lastM.sum('tapemeasure_ws_events_dropped_total'),
        };
        lastReport = { t: sec, lines: linesIn };
        reports.push(r);
        console.log(reportLine(r));
      }
    }
    const rssAtEnd = d.rssKiB();

    // Stop the load; wait for every writer and client to be gone.
    churn.stop();
    for (const w of ws) w.worker.postMessage({ type: 'stop' });
    writers.child.send({ type: 'stop' });
    const [wDone, ...wsDone] = await Promise.all([writers.finished, ...ws.map((w) => w.finished)]);
    const [healthz] = await Promise.all([health.stop(), idle.stop(), slow.stop()]);
    for (const w of ws) await w.worker.terminate();
    const loadSeconds = (performance.now() - t0) / 1000;
    const linesIn = wDone.steadyLines + wDone.midlineLines;

    // lines in == lines counted: wait for the daemon to read what is in flight.
    let counted = 0;
    const deadline = Date.now() + 30000;
    for (;;) {
      counted = (await d.metrics()).value('tapemeasure_lines_total') - base;
      if (counted >= linesIn || Date.now() > deadline) break;
      await delay(250);
    }
    await settle(d).catch(() => {});
    counted = (await d.metrics()).value('tapemeasure_lines_total') - base;

    // Reloads: the last rewrite may still be on its way (100 ms quiet period, then a build).
    let reloads;
    const reloadDeadline = Date.now() + 5000;
    for (;;) {
      const m = await d.metrics();
      reloads = { ok: m.value('tapemeasure_rules_reloads_total') - reloads0.ok,
        failed: m.value('tapemeasure_rules_reload_failures_total') - reloads0.failed };
      if ((reloads.ok === churn.goodWrites && reloads.failed === churn.badWrites) || Date.now() > reloadDeadline) break;
      await delay(200);
    }

    // fds: every client is gone; the daemon closes its ends as it notices.
    let fdsAfter = d.fds();
    const fdDeadline = Date.now() + 15000;
    while (fdsAfter > fdsBefore && Date.now() < fdDeadline) {
      await delay(250);
      fdsAfter = d.fds();
    }
    const mEnd = await d.metrics();
    const logText = d.log();
    const logLines = logText.split('\n').filter(Boolean);
    const refusedLogLines = logLines.filter((l) => l.includes('refusing a connection')).length;
    const stuckLogLines = logLines.filter((l) => l.includes('closing a WebSocket client that stopped reading')).length;
    const stop = await d.stop('SIGTERM', 10000);

    // RSS: flat after warm-up means < 10% growth from the minute-2 value (or, in a shorter
    // run, the value a fifth of the way in) to the end.
    const refSec = Math.max(1, Math.min(120, Math.round(o.duration / 5)));
    const rssRef = rss.find(([s]) => s === refSec)?.[1] ?? rss[0][1];
    const rssGrowth = (rssAtEnd - rssRef) / rssRef;
    const wsFinal = wsSummary(ws.map((w, i) => ({ ...w, done: wsDone[i] })));
    const idleFinal = idle.stats();
    const slowFinal = slow.stats();
    Object.assign(results, {
      loadSeconds, linesIn, counted, writer: wDone, rss, rssRefSec: refSec, rssRefKiB: rssRef, rssEndKiB: rssAtEnd,
      rssMaxKiB: Math.max(...rss.map((x) => x[1])), rssGrowth, fdsBefore, fdsAfter, reloads,
      reloadWrites: { good: churn.goodWrites, bad: churn.badWrites }, ws: wsFinal, idle: idleFinal, slowloris: slowFinal, healthz,
      wsEventsSentMetric: mEnd.sum('tapemeasure_ws_events_sent_total'),
      wsEventsDroppedMetric: mEnd.sum('tapemeasure_ws_events_dropped_total'),
      daemonLogBytes: d.logBytes() - logBytes0, refusedLogLines, stuckLogLines, metricsFailures, stop,
      loadAtEnd: os.loadavg(), reports, finished: new Date().toISOString(),
    });

    const targets = [
      { name: 'RSS flat after warm-up (< 10% growth)', ok: rssGrowth < 0.10,
        detail: `${mib(rssRef)} at ${refSec} s -> ${mib(rssAtEnd)} at the end (${(rssGrowth * 100).toFixed(1)}%), peak ${mib(results.rssMaxKiB)}` },
      { name: 'counts exact (lines in == tapemeasure_lines_total)', ok: counted === linesIn && wDone.errors.length === 0,
        detail: `${fmt(linesIn)} in (${fmt(wDone.steadyLines)} steady + ${fmt(wDone.midlineLines)} from ${fmt(wDone.midlineConnections)} ` +
          `mid-line writers, ${fmt(wDone.partialLines)} of them partial), ${fmt(counted)} counted` +
          (wDone.errors.length ? `; writer errors: ${wDone.errors.slice(0, 3).join('; ')}` : '') },
      { name: `no client over the cap (${o.cap} events in any 1 s window, where it receives them)`,
        ok: wsFinal.overCap.length === 0,
        detail: `max/s: never-stalling ${wsFinal.max.steady}, stalling (outside 2 s after resume) ${wsFinal.max.chaos}, ` +
          `stalling (within 2 s after resume) ${wsFinal.max.chaosAfterResume}, max_rate 300 clients ${wsFinal.max.lowered}; ` +
          `${wsFinal.overCap.length} incident(s) over the cap (one per client connection and stall), by kind and cause ` +
          `${overCapBreakdown(wsFinal.overCap)}` +
          (wsFinal.overCap.length ? `; worst: ${JSON.stringify(wsFinal.overCap.sort((a, b) => b.events - a.events).slice(0, 3))}` : '') },
      { name: 'fds back to baseline', ok: fdsAfter <= fdsBefore, detail: `${fdsBefore} before, ${fdsAfter} after` },
      { name: 'every reload counted (ok == good writes, failed == bad writes)',
        ok: reloads.ok === churn.goodWrites && reloads.failed === churn.badWrites,
        detail: `ok ${reloads.ok} of ${churn.goodWrites} good writes, failed ${reloads.failed} of ${churn.badWrites} bad writes` },
      { name: 'slowloris connections cut off by the daemon (within 40 s)',
        ok: o.slowloris === 0 || (o.duration < 45) || (slowFinal.timedOut + slowFinal.refused > 0 && slowFinal.maxLifeMs <= 40000),
        detail: `${slowFinal.timedOut} timed out (lifetime ${slowFinal.minLifeMs ? (slowFinal.minLifeMs / 1000).toFixed(1) : '-'}-` +
          `${(slowFinal.maxLifeMs / 1000).toFixed(1)} s), ${slowFinal.refused} refused, answers ${JSON.stringify(slowFinal.answers)}` },
      { name: '/metrics answered throughout', ok: metricsFailures === 0, detail: `${metricsFailures} failed polls of ${rss.length}` },
      { name: '/healthz answered throughout (every probe 200 within 5 s)', ok: healthz.failed === 0 && healthz.probes > 0,
        detail: `${fmt(healthz.probes)} probes on fresh connections, ${healthz.failed} failed ${JSON.stringify(healthz.failures)}; ` +
          `p50 ${healthz.p50Ms.toFixed(1)} ms, p99 ${healthz.p99Ms.toFixed(1)} ms, max ${healthz.maxMs.toFixed(1)} ms` },
      { name: 'SIGTERM at the end: exit 0 within 10 s', ok: stop.code === 0, detail: JSON.stringify(stop) },
    ];
    results.targets = targets;
    console.log(`\nsoak: ${loadSeconds.toFixed(0)} s of load at ${fmt(o.rate)} lines/s (${fmt(linesIn / loadSeconds)} achieved, ` +
      `${fmt(wDone.behind)} lines behind schedule); load average now ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    console.log(`soak: WebSocket: ${wsFinal.joins} joins (${wsFinal.joinFailures} failed ${JSON.stringify(wsFinal.refusals)}), ` +
      `${wsFinal.leaves} leaves, ${wsFinal.stalls} stalls (${wsFinal.longStalls} > 10 s), closed by the daemon ${JSON.stringify(wsFinal.serverCloses)}, ` +
      `${fmt(wsFinal.events)} events received, ${fmt(wsFinal.dropped)} reported dropped, worst event-loop delay ${wsFinal.loopDelayMaxMs.toFixed(0)} ms`);
    console.log(`soak: idle connections: ${fmt(idleFinal.opened)} opened, ${fmt(idleFinal.refused)} refused at once, ` +
      `${fmt(idleFinal.timedOut)} closed after ${idleFinal.minLifeMs ? (idleFinal.minLifeMs / 1000).toFixed(1) : '-'}-${(idleFinal.maxLifeMs / 1000).toFixed(1)} s, ` +
      `${fmt(idleFinal.failed)} failed to connect ${JSON.stringify(idleFinal.failures)}`);
    console.log(`soak: daemon log grew ${fmt(results.daemonLogBytes)} bytes (${refusedLogLines} "refusing a connection", ` +
      `${stuckLogLines} "closing a WebSocket client that stopped reading")`);
    console.log(`soak: RSS every 10 s (MiB): ${rss.filter(([s]) => s % 10 === 0).map(([, k]) => (k / 1024).toFixed(1)).join(' ')}`);
    if (!printTargets(targets)) exitCode = 1;
  } catch (e) {
    console.error(`soak: ${e.stack ?? e.message}`);
    console.error(`daemon log (last 20 lines):\n${d.log().split('\n').slice(-21).join('\n')}`);
    exitCode = 2;
  } finally {
    if (!d.exit) await d.stop('SIGKILL', 5000);
    if (o.json) fs.writeFileSync(o.json, JSON.stringify(results, null, 1));
    if (o.keep) console.log(`soak: kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
  return exitCode;
}

process.exitCode = await main();
// Workers and sockets are all closed; a straggling timer must not keep us alive.
setTimeout(() => process.exit(process.exitCode), 1000).unref();
