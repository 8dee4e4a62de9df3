// The self-service loop with the page open: a user drops a new rule file with its own
// view next to the Postfix rules of a running daemon (`tapemeasure run`), and the page
// shows the new view within a second; a broken edit puts the reload banner up with the
// file and line; fixing the file takes it down. Lines are fed all along over the daemon's
// UNIX socket: Postfix lines from tests/data/postfix.log and lines for the new rule.
//
//   node --test --test-concurrency=1 tests/e2e/selfservice.e2e.mjs
//
// Screenshots: selfservice-new-view.png, selfservice-banner.png in $SCREENSHOT_DIR.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser, waitFor, waitForSeconds, screenshot, tmSnapshot, repoRoot } from './harness.mjs';
import { Daemon, cleanup } from '../lib/daemon.mjs';

after(cleanup);  // temp dirs, and any daemon a failed test left running


const PROBE_YML = `format: raw
rules:
  - name: probe
    match: '^probe host=(?P<host>\\S+) target=(?P<target>\\S+) ms=(?P<ms>\\d+)'
    event: {type: probe, from: '\${host}', to: '\${target}'}
    metrics:
      - counter: probe_total
        help: Probes sent, by host and target.
        labels: {host: '\${host}', target: '\${target}'}
      - histogram: probe_ms
        help: Probe round-trip time in milliseconds.
        value: '\${ms}'
        buckets: [1, 5, 10, 25, 50, 100]
    tests:
      - line: 'probe host=web1 target=db2 ms=12'
        expect: {type: probe, from: web1, to: db2, ms: '12'}
view:
  title: Probes
  tiers:
    - {name: host, title: HOSTS}
    - {name: target, title: TARGETS}
  types:
    probe: {colour: cyan, from: host, to: target}
`;
// The same file with its type going to a tier the view does not declare (line 23).
const BAD_LINE = 23;
const PROBE_BAD_YML = PROBE_YML.replace('from: host, to: target}', 'from: host, to: nowhere}');
assert.notEqual(PROBE_BAD_YML, PROBE_YML);
assert.match(PROBE_BAD_YML.split('\n')[BAD_LINE - 1], /to: nowhere/);

const HOSTS = ['web1', 'web2', 'web3'];
const TARGETS = ['db1', 'db2'];
const CYAN = 'rgb(57, 197, 207)';  // #39c5cf, the palette's cyan (docs/views.md)

/** Every 50 ms: a few Postfix lines (cycling through the test log) and two probe lines. */
function startFeeder(sockPath) {
  const postfix = fs.readFileSync(path.join(repoRoot, 'tests/data/postfix.log'), 'utf8').split('\n').filter(Boolean);
  let i = 0, n = 0, stopped = false, sock = null, timer = null;
  const state = { written: 0, errors: [] };
  const connect = () => {
    sock = net.createConnection({ path: sockPath });
    sock.on('error', (e) => { state.errors.push(e.message); });
    sock.on('close', () => { if (!stopped) setTimeout(connect, 200); });
  };
  connect();
  timer = setInterval(() => {
    if (!sock || sock.destroyed || sock.connecting) return;
    let out = '';
    for (let k = 0; k < 5; k++) out += postfix[i++ % postfix.length] + '\n';
    for (let k = 0; k < 2; k++, n++) {
      out += `probe host=${HOSTS[n % HOSTS.length]} target=${TARGETS[(n >> 1) % TARGETS.length]} ms=${5 + (n * 7) % 60}\n`;
    }
    sock.write(out);
    state.written += 7;
  }, 50);
  state.stop = () => { stopped = true; clearInterval(timer); if (sock) sock.end(); };
  return state;
}

describe('self-service: a new rule file with its own view, live', { timeout: 120000 }, () => {
  let dir, daemon, feeder, b, page, url, probeId;
  const probeFile = () => path.join(dir, 'probe.yml');
  const rules = () => page.evaluate(() => window.tapemeasure.rules && window.tapemeasure.rules.lastReload);

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tapemeasure-selfservice-'));
    fs.copyFileSync(path.join(repoRoot, 'rules/postfix.yml'), path.join(dir, 'postfix.yml'));
    daemon = await Daemon.start({ rules: [dir], dir, startTimeout: 20000 });
    url = daemon.url;
    feeder = startFeeder(daemon.socketPath);
    b = await launchBrowser({ width: 1280, height: 720 });
    page = b.page;
    await page.goto(url, { waitUntil: 'load' });
  });

  after(async () => {
    if (feeder) feeder.stop();
    if (b) await b.close();
    if (daemon) await daemon.stop('SIGTERM', 10000);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the page is open on the Postfix view, fed live', async () => {
    await waitFor(page, () => {
      const t = window.tapemeasure;
      return t && t.ready && t.connection === 'open' && t.currentView !== null && t.eventsReceived > 20 &&
        t.rules && t.rules.lastReload && t.rules.lastReload.ok === true;
    }, null, 20000);
    const t = await tmSnapshot(page);
    assert.deepEqual(t.view.views.map((v) => v.title), ['Mail flow']);
    assert.equal(t.typesSeen.includes('probe'), false, 'no probe events before the rule exists');
    assert.ok(feeder.written > 0 && feeder.errors.length === 0, `feeder: ${feeder.written} lines, errors ${feeder.errors}`);
  });

  it('a new rule file: its view is in the page within a second', async () => {
    const t0 = Date.now();
    fs.writeFileSync(probeFile(), PROBE_YML);
    await waitFor(page, () => window.tapemeasure.view.views.some((v) => v.title === 'Probes'), null, 1000);
    const ms = Date.now() - t0;
    console.log(`# write -> view in page: ${ms} ms`);
    assert.ok(ms < 1000, `view in the page ${ms} ms after the write`);
    const t = await tmSnapshot(page);
    const v = t.view.views.find((x) => x.title === 'Probes');
    probeId = v.id;
    assert.deepEqual(v.tiers.map((x) => x.name), ['host', 'target']);
    assert.deepEqual(v.types.map((x) => [x.type, x.colour, x.from, x.to]), [['probe', '#39c5cf', 'host', 'target']]);
    assert.ok(t.view.metrics.some((m) => m.name === 'probe_total' && m.kind === 'counter'));
    assert.ok(t.view.metrics.some((m) => m.name === 'probe_ms' && m.kind === 'histogram'));
    assert.equal(t.currentView, 'postfix', 'the page stays on the view it shows');
    assert.ok(await page.locator(`#view-tabs .view-tab[data-view="${probeId}"]`).isVisible(), 'a tab for the new view');
  });

  it('choosing it: tiers, legend, measurements and cyan dots of type probe', async () => {
    await page.click(`#view-tabs .view-tab[data-view="${probeId}"]`);
    await waitFor(page, (id) => window.tapemeasure.currentView === id, probeId, 2000);
    assert.equal(await page.title(), 'tapemeasure \u2014 Probes');
    assert.match(page.url(), new RegExp(`[?&]view=${probeId}\\b`));
    const tiers = await page.evaluate(() => window.tapemeasure.tiers());
    assert.deepEqual(tiers.map((x) => x.title), ['HOSTS', 'TARGETS']);
    const legend = await page.$$eval('.legend-item', (bs) => bs.map((x) => ({ type: x.dataset.type, bg: x.querySelector('.swatch').style.background })));
    assert.deepEqual(legend, [{ type: 'probe', bg: CYAN }], 'the legend is the view\'s one type, in cyan');

    await waitFor(page, () => {
      const m = window.tapemeasure.measurements.find((x) => x.metric === 'probe_total');
      // the first second after the reload holds only part of a second's probes
      return m && m.perSecond >= 15 && (window.tapemeasure.drawnByType.probe || 0) > 10;
    }, null, 10000);
    const t = await tmSnapshot(page);
    const pt = t.measurements.find((x) => x.metric === 'probe_total');
    assert.equal(pt.kind, 'counter');
    // 2 probe lines every 50 ms: about 40/s
    assert.ok(pt.perSecond >= 15 && pt.perSecond <= 60, `probe_total ${pt.perSecond}/s`);
    assert.ok(t.measurements.some((x) => x.metric === 'probe_ms' && x.kind === 'histogram'));
    assert.ok(t.typesSeen.includes('probe'));
    await waitFor(page, (want) => {
      const have = window.tapemeasure.nodes();
      return want.every(([tier, name]) => have.some((n) => n.tier === tier && n.name === name));
    }, [...HOSTS.map((h) => ['host', h]), ...TARGETS.map((x) => ['target', x])], 5000);
    const nodes = await page.evaluate(() => window.tapemeasure.nodes().map(({ name, tier }) => ({ name, tier })));
    assert.deepEqual(nodes.filter((n) => n.tier === 'host').map((n) => n.name).sort(), HOSTS);
    assert.deepEqual(nodes.filter((n) => n.tier === 'target').map((n) => n.name).sort(), TARGETS);
    assert.ok(nodes.every((n) => n.tier === 'host' || n.tier === 'target'), 'no Postfix node in the Probes view');
    await page.click('#side-tabs button[data-tab="measurements"]');
    await waitFor(page, () => document.querySelector('#measurements-panel [data-metric="probe_total"]') !== null, null, 3000);
    await waitForSeconds(page, 1);
    await screenshot(page, 'selfservice-new-view.png');
    await page.click('#side-tabs button[data-tab="shares"]');
  });

  it('a broken edit: the banner names probe.yml and the line; the old rules keep running', async () => {
    const t0 = Date.now();
    fs.writeFileSync(probeFile(), PROBE_BAD_YML);
    await waitFor(page, (where) => {
      const el = document.getElementById('reload-banner');
      return el && !el.hidden && el.getBoundingClientRect().height > 0 && el.textContent.includes(where);
    }, `probe.yml:${BAD_LINE}`, 2500);
    console.log(`# write -> banner: ${Date.now() - t0} ms`);
    const text = await page.locator('#reload-banner').textContent();
    assert.match(text, /tier 'nowhere'/);
    const lr = await rules();
    assert.equal(lr.ok, false);
    assert.ok(lr.error.includes(`probe.yml:${BAD_LINE}`), `lastReload.error: ${lr.error}`);
    // the previous rules (with the Probes view) are still running
    const before = await page.evaluate(() => window.tapemeasure.drawnByType.probe);
    await waitFor(page, (n) => window.tapemeasure.drawnByType.probe > n, before, 10000).catch(() => {});
    const t = await tmSnapshot(page);
    assert.ok(t.view.views.some((v) => v.title === 'Probes'), 'the Probes view is kept');
    assert.equal(t.currentView, probeId);
    assert.ok(t.drawnByType.probe > before, `probe dots still drawn (${before} -> ${t.drawnByType.probe})`);
    assert.ok(await page.locator('#reload-banner').isVisible(), 'the banner stays up');
    await screenshot(page, 'selfservice-banner.png');
  });

  it('fixing the file takes the banner down', async () => {
    const t0 = Date.now();
    fs.writeFileSync(probeFile(), PROBE_YML);
    await waitFor(page, () => {
      const el = document.getElementById('reload-banner');
      const r = window.tapemeasure.rules && window.tapemeasure.rules.lastReload;
      return (!el || el.hidden || el.getBoundingClientRect().height === 0) && r && r.ok === true;
    }, null, 2500);
    console.log(`# write -> banner gone: ${Date.now() - t0} ms`);
    const lr = await rules();
    assert.equal(lr.ok, true);
    assert.equal(await page.locator('#reload-banner').isVisible(), false);
    const before = await page.evaluate(() => window.tapemeasure.drawnByType.probe);
    await waitFor(page, (n) => window.tapemeasure.drawnByType.probe > n + 10, before, 5000);
    const t = await tmSnapshot(page);
    assert.equal(t.currentView, probeId);
    assert.ok(t.dotsActive > 0);
    assert.deepEqual(b.errors, []);
    assert.deepEqual(feeder.errors, []);
  });
});
