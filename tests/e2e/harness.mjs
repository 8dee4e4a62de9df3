// Shared by ui.e2e.mjs and fps_bench.mjs: start the server under test (the mock, or a
// real daemon), and launch Debian's headless Chromium through playwright-core.
//
// Environment:
//   TAPEMEASURE_URL          base URL of a daemon to test (e.g. http://127.0.0.1:18000/).
//                            Without it the mock server (mock_server.mjs) is started.
//   TAPEMEASURE_CMD          optional shell command that starts that daemon (e.g.
//                            "build/tapemeasure demo --listen 127.0.0.1:18000"); the test
//                            starts it, and stops and restarts it for the reconnect test.
//   TAPEMEASURE_RESTART_CMD  optional shell command that restarts an already running daemon
//                            (used when TAPEMEASURE_CMD is not given).
//   CHROMIUM                 browser binary (default /usr/bin/chromium). Never downloaded.
//   SCREENSHOT_DIR           where screenshots go (default <repo>/build/screenshots).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../..');
export const screenshotDir = path.resolve(process.env.SCREENSHOT_DIR || path.join(repoRoot, 'build/screenshots'));
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

async function httpOk(url) {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(1500) });
    await r.arrayBuffer();
    return r.ok;
  } catch (_) {
    return false;
  }
}

export async function waitHttp(url, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await httpOk(url)) return;
    await sleep(150);
  }
  throw new Error(`server at ${url} did not answer within ${timeoutMs} ms`);
}

async function waitHttpDown(url, timeoutMs = 10000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (!(await httpOk(url))) return;
    await sleep(100);
  }
  throw new Error(`server at ${url} still answers after ${timeoutMs} ms`);
}

function startShell(cmd, logName) {
  const log = fs.openSync(path.join(os.tmpdir(), logName), 'a');
  const child = spawn('/bin/sh', ['-c', cmd], { detached: true, stdio: ['ignore', log, log], cwd: repoRoot });
  fs.closeSync(log);
  return child;
}

/** SIGTERM (then SIGKILL after 5 s) a child; `group` for shell commands started detached. */
/** SIGTERM (SIGKILL after 5 s) to a child, or to its process group, and wait for it to exit. */
export async function stopChild(child, group = true) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  const kill = (sig) => {
    try { if (group) process.kill(-child.pid, sig); else child.kill(sig); } catch (_) { /* already gone */ }
  };
  kill('SIGTERM');
  const t = setTimeout(() => kill('SIGKILL'), 5000);
  await gone;
  clearTimeout(t);
}

/** GET a JSON document; an unreachable URL or a non-2xx answer says which URL. */
export async function getJson(url) {
  let r;
  try {
    r = await fetch(url, { signal: AbortSignal.timeout(5000) });
  } catch (e) {
    throw new Error(`${url}: ${e.message}${e.cause ? ' (' + e.cause.message + ')' : ''}`);
  }
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}

/**
 * The server under test. `restartable` says whether stop()/start() can be used;
 * `kind` is "mock" or "daemon".
 */
export async function startServer({ rate = 1000, wsMaxRate = 1000 } = {}) {
  const envUrl = process.env.TAPEMEASURE_URL;
  if (envUrl) {
    const url = envUrl.endsWith('/') ? envUrl : envUrl + '/';
    const cmd = process.env.TAPEMEASURE_CMD;
    const restartCmd = process.env.TAPEMEASURE_RESTART_CMD;
    let child = null;
    const srv = {
      kind: 'daemon', url, restartable: !!(cmd || restartCmd),
      async start() {
        if (cmd) child = startShell(cmd, 'tapemeasure-e2e-daemon.log');
        await waitHttp(url);
      },
      async stop() {
        if (cmd) { await stopChild(child); child = null; await waitHttpDown(url); }
      },
      /** Stop, wait `downMs`, start again. */
      async restart(downMs = 1500) {
        if (cmd) { await this.stop(); await sleep(downMs); await this.start(); return; }
        if (restartCmd) {
          const c = startShell(restartCmd, 'tapemeasure-e2e-restart.log');
          await new Promise((r) => c.once('exit', r));
          await waitHttp(url);
          return;
        }
        throw new Error('set TAPEMEASURE_CMD or TAPEMEASURE_RESTART_CMD to test restarts');
      },
      async close() { if (cmd) await stopChild(child); },
    };
    await srv.start();
    return srv;
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  let child = null;
  const srv = {
    kind: 'mock', url, restartable: true, port,
    async start({ seqStart = 1 } = {}) {
      child = spawn(process.execPath, [path.join(here, 'mock_server.mjs'), '--port', String(port),
        '--rate', String(rate), '--ws-max-rate', String(wsMaxRate), '--seq-start', String(seqStart)],
      { stdio: ['ignore', 'pipe', 'inherit'] });
      child.stdout.on('data', (d) => { if (process.env.E2E_VERBOSE) process.stderr.write('[mock] ' + d); });
      await waitHttp(url + 'healthz');
    },
    async stop() { await stopChild(child, false); child = null; },
    async restart(downMs = 1500, opts = {}) { await this.stop(); await sleep(downMs); await this.start(opts); },
    async close() { await stopChild(child, false); },
  };
  await srv.start();
  return srv;
}

/** A fresh browser profile (fresh localStorage) at the given viewport. */
export async function launchBrowser({ width, height }) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tapemeasure-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width, height },
    deviceScaleFactor: 1,
  });
  const page = context.pages()[0] || (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push('pageerror: ' + e.message));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const t = m.text();
    // expected while the server is down during the reconnect test
    if (/WebSocket connection to .* failed|ERR_CONNECTION_REFUSED|Failed to load resource/.test(t)) return;
    errors.push('console: ' + t);
  });
  return {
    context, page, errors,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Snapshot of window.tapemeasure without functions or heavy fields. */
export async function tmSnapshot(page) {
  return page.evaluate(() => {
    const t = window.tapemeasure;
    const out = {};
    for (const [k, v] of Object.entries(t)) if (typeof v !== 'function') out[k] = v;
    return JSON.parse(JSON.stringify(out));
  });
}

/** Wait until fn(arg) (run in the page, reading window.tapemeasure) is truthy. */
export async function waitFor(page, fn, arg, timeoutMs = 15000) {
  return page.waitForFunction(fn, arg, { timeout: timeoutMs, polling: 100 });
}

/**
 * Wait until the hook's counter `key` (statsReceived, dotsDrawn, eventsReceived, ...) has
 * grown by `by` from its value now; returns that value. The tests' clock is the page's own
 * counters: a busy machine makes them slower, never a sleep too short.
 */
export async function waitForGrowth(page, key, by = 1, timeoutMs = 15000) {
  const from = await page.evaluate((k) => window.tapemeasure[k], key);
  await waitFor(page, ([k, target]) => window.tapemeasure[k] >= target, [key, from + by], timeoutMs);
  return from;
}

/** Wait for `n` more stats seconds (each daemon, or the merge of several, sends one a second). */
export function waitForSeconds(page, n, timeoutMs = 5000 + n * 3000) {
  return waitForGrowth(page, 'statsReceived', n, timeoutMs);
}

/**
 * Sample values of the page on each of its next `frames` animation frames; the largest of
 * each. `expr` is a function body reading the hook `t` and returning an array of numbers
 * (e.g. 'return [t.dotsActive, t.eventsPerSecond]').
 */
export async function peakOverFrames(page, frames, expr) {
  return page.evaluate(([n, body]) => new Promise((resolve) => {
    const read = new Function('t', body);
    let peak = null, left = n;
    const frame = () => {
      const v = read(window.tapemeasure);
      peak = peak === null ? v : peak.map((p, i) => Math.max(p, v[i]));
      if (--left > 0) requestAnimationFrame(frame); else resolve(peak);
    };
    requestAnimationFrame(frame);
  }), [frames, expr]);
}

/**
 * A paused page's well visible moving dot away from the nodes (a node would take the click),
 * in page pixels; null if there is none.
 */
export async function clickableDot(page) {
  return page.evaluate(() => {
    const nodes = window.tapemeasure.nodes();
    const far = (d) => nodes.every((n) => Math.hypot(n.x - d.x, n.y - d.y) > 30);
    const r = window.tapemeasure.canvasRect();
    const inside = (d) => d.x > 20 && d.y > 60 && d.x < r.width - 120 && d.y < r.height - 60;
    return window.tapemeasure.dots(5000).find((d) => d.alpha > 0.8 && d.state === 'moving' && far(d) && inside(d)) || null;
  });
}

export async function screenshot(page, name) {
  fs.mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, name);
  await page.screenshot({ path: file });
  return file;
}
