// End-to-end test of the three demo packs in headless Chromium: for each of postfix, nginx
// and dns, `tapemeasure demo --pack P` on a free port, the page open at 1280x720, and the
// picture, shares, ratios and measurements checked against what the pack's generator
// (src/app/demo_traffic.cpp, src/app/demo_packs.cpp) is known to produce, and against the
// daemon's own /api/stats for the same seconds.
//
//   node --test --test-concurrency=1 tests/e2e/packs.e2e.mjs
//
// Screenshots: packs-<pack>-1280x720.png in $SCREENSHOT_DIR (default build/screenshots).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, waitFor, waitForSeconds, screenshot, tmSnapshot, getJson } from './harness.mjs';
import { Daemon, cleanup } from '../lib/daemon.mjs';

after(cleanup);  // temp dirs, and any daemon a failed test left running

const WINDOW = 10;  // seconds in the UI's stats window (web/app/model/stats_window.js)

// What each generator produces. Weights are the generators' constants; ratios follow from
// the outcome shares (postfix: deferred 10% + bounced 5% of all delivery attempts; nginx:
// kServerErrorShare 3% of proxied requests; dns: kNxdomainShare 10% + kServfailShare 1%).
const UPSTREAMS = ['10.0.0.11:8080', '10.0.0.12:8080', '10.0.0.13:8080', '10.0.0.14:8080'];
const lbWeights = Object.fromEntries(UPSTREAMS.map((u, i) => [u, [0.40, 0.30, 0.20, 0.10][i]]));
const w = (cols, ws) => Object.fromEntries(cols.map((c, i) => [c, ws[i]]));
const PROXIES = ['proxy1', 'proxy2', 'proxy3'];
const RESOLVERS = ['ns1', 'ns2', 'ns3', 'ns4'];

const PACKS = {
  postfix: {
    title: 'Mail flow',
    tiers: ['ingress', 'mta', 'relay'],
    nodes: { ingress: ['lb1', 'lb2'], mta: ['mta1', 'mta2', 'mta3', 'mta4'], relay: PROXIES },
    share: 'MTA to relay',
    weights: {
      mta1: w(PROXIES, [0.60, 0.25, 0.15]), mta2: w(PROXIES, [0.34, 0.33, 0.33]),
      mta3: w(PROXIES, [0.45, 0.05, 0.50]), mta4: w(PROXIES, [0.30, 0.40, 0.30]),
    },
    ratio: { title: 'bounce ratio', value: 0.15, tol: 0.04 },
    // DemoTraffic never lets a message expire and logs no bounce[]: notification lines
    silent: ['mail_messages_expired_total', 'mail_notifications_total'],
  },
  nginx: {
    title: 'nginx upstreams',
    tiers: ['balancer', 'upstream'],
    nodes: { balancer: ['lb1', 'lb2'], upstream: UPSTREAMS },
    share: 'balancer to upstream',
    weights: { lb1: lbWeights, lb2: lbWeights },
    ratio: { title: '5xx ratio', value: 0.03, tol: 0.015 },
    silent: [],
    unfair: 'status by upstream',  // fair: false: counts and shares, no round-robin verdict
  },
  dns: {
    title: 'DNS resolvers',
    tiers: ['client', 'resolver'],
    nodes: { client: ['10.53.1.0/24', '10.53.2.0/24', '2001:db8:7::/48'], resolver: RESOLVERS },
    share: 'client net to resolver',
    weights: {
      '10.53.1.0/24': w(RESOLVERS, [0.40, 0.30, 0.20, 0.10]),
      '10.53.2.0/24': w(RESOLVERS, [0.30, 0.30, 0.30, 0.10]),
      '2001:db8:7::/48': w(RESOLVERS, [0.25, 0.25, 0.25, 0.25]),
    },
    ratio: { title: 'NXDOMAIN + SERVFAIL ratio', value: 0.11, tol: 0.03 },
    silent: [],
  },
};

/** The UI's window (shares, ratios, measurements) and the stats second it ends with, read at once. */
const uiWindow = (page) => page.evaluate(() => {
  const t = window.tapemeasure;
  return JSON.parse(JSON.stringify({
    ts: t.stats && t.stats.ts, statsReceived: t.statsReceived, shares: t.shares, ratios: t.ratios,
    measurements: t.measurements,
  }));
});

/** The 10 /api/stats seconds ending with the one stamped `ts` (what the UI's window holds). */
function secondsEndingAt(seconds, ts) {
  const i = seconds.findIndex((s) => s.ts === ts);
  assert.ok(i >= WINDOW - 1, `/api/stats holds the second ${ts} and the ${WINDOW - 1} before it (index ${i})`);
  const out = seconds.slice(i - WINDOW + 1, i + 1);
  for (let k = 1; k < out.length; k++) {
    const gap = out[k].ts - out[k - 1].ts;
    assert.ok(gap > 500 && gap < 1500, `consecutive stats seconds (${gap} ms apart)`);
  }
  return out;
}

for (const [pack, want] of Object.entries(PACKS)) {
  describe(`demo --pack ${pack}`, { timeout: 120000 }, () => {
    let daemon, b, page, url, view;
    before(async () => {
      daemon = await Daemon.start({ command: 'demo', args: ['--pack', pack], startTimeout: 20000 });
      url = daemon.url;
      b = await launchBrowser({ width: 1280, height: 720 });
      page = b.page;
      await page.goto(url, { waitUntil: 'load' });
      await waitFor(page, () => {
        const t = window.tapemeasure;
        return t && t.ready && t.connection === 'open' && t.currentView !== null;
      }, null, 20000);
    });
    after(async () => {
      if (b) await b.close();
      if (daemon) await daemon.stop('SIGTERM', 10000);
    });

    it('shows the pack\'s view: title, tiers, a legend entry per type', async () => {
      const t = await tmSnapshot(page);
      assert.equal(t.view.views.length, 1, 'one view per pack');
      view = t.view.views[0];
      assert.equal(t.currentView, view.id);
      assert.equal(view.title, want.title);
      assert.equal(await page.title(), `tapemeasure \u2014 ${want.title}`);
      assert.deepEqual(view.tiers.map((x) => x.name), want.tiers);
      const tiers = await page.evaluate(() => window.tapemeasure.tiers());
      assert.deepEqual(tiers.map((x) => x.title), view.tiers.map((x) => x.title));
      const legend = await page.$$eval('.legend-item', (bs) => bs.map((x) => x.dataset.type));
      for (const ty of view.types) assert.ok(legend.includes(ty.type), `legend entry for ${ty.type}`);
      assert.ok(await page.locator(`.share[data-title="${want.share}"]`).count() === 1, 'a matrix for the declared share');
      assert.ok(await page.locator(`.stat.ratio[data-title="${want.ratio.title}"]`).isVisible(), 'the ratio in the top bar');
    });

    it('draws the generator\'s nodes in the view\'s tiers', async () => {
      await waitFor(page, (nodes) => {
        const have = window.tapemeasure.nodes();
        return Object.entries(nodes).every(([tier, names]) => names.every((n) => have.some((h) => h.tier === tier && h.name === n)));
      }, want.nodes, 20000);
      const nodes = await page.evaluate(() => window.tapemeasure.nodes().map(({ name, tier }) => ({ name, tier })));
      for (const n of nodes) assert.ok(want.tiers.includes(n.tier), `node ${n.name} in a declared tier (${n.tier})`);
      for (const [tier, names] of Object.entries(want.nodes)) {
        const got = nodes.filter((n) => n.tier === tier).map((n) => n.name).sort();
        assert.deepEqual(got, [...names].sort(), `exactly the generator's ${tier} nodes`);
      }
      await waitFor(page, () => window.tapemeasure.dotsDrawn > 50, null, 15000);
    });

    it('share matrix and ratio approximate the generator, and equal /api/stats over the same seconds', async () => {
      // a window of live seconds only: more than WINDOW stats frames since the page opened
      await waitFor(page, (n) => window.tapemeasure.statsReceived > n, WINDOW, 25000);
      const ui = await uiWindow(page);
      const api = await getJson(url + 'api/stats');
      const secs = secondsEndingAt(api.seconds, ui.ts);

      const share = ui.shares.find((s) => s.title === want.share);
      assert.ok(share, `the UI has the share "${want.share}"`);
      // exact: the UI's counts are the sum of the daemon's seconds
      const sum = {};
      for (const s of secs) {
        const sh = s.shares.find((x) => x.title === want.share);
        assert.ok(sh, `stats second ${s.ts} has the share`);
        assert.equal(sh.omitted, 0);
        for (const [r, cols] of Object.entries(sh.counts)) {
          sum[r] ||= {};
          for (const [c, n] of Object.entries(cols)) sum[r][c] = (sum[r][c] || 0) + n;
        }
      }
      assert.deepEqual(share.counts, sum, 'UI share counts = sum of /api/stats over the same 10 seconds');

      // approximate: each row's split is the generator's weights, within ~4 standard errors
      assert.deepEqual(Object.keys(share.counts).sort(), Object.keys(want.weights).sort(), 'rows');
      for (const [row, weights] of Object.entries(want.weights)) {
        const n = Object.values(share.counts[row]).reduce((a, x) => a + x, 0);
        assert.ok(n >= 100, `row ${row}: ${n} counts in the window`);
        assert.deepEqual(Object.keys(share.counts[row]).sort(), Object.keys(weights).sort(), `columns of ${row}`);
        for (const [col, p] of Object.entries(weights)) {
          const got = share.shares[row][col];
          const tol = Math.max(0.06, 4 * Math.sqrt((p * (1 - p)) / n));
          assert.ok(Math.abs(got - p) <= tol, `${row} -> ${col}: ${got.toFixed(3)} vs ${p} (n=${n}, tol ${tol.toFixed(3)})`);
        }
      }

      const ratio = ui.ratios.find((r) => r.title === want.ratio.title);
      assert.ok(ratio && ratio.value !== null, `the UI has the ratio "${want.ratio.title}"`);
      let part = 0, total = 0;
      for (const s of secs) {
        const r = s.ratios.find((x) => x.title === want.ratio.title);
        part += r.part; total += r.total;
      }
      assert.ok(total > 500, `${total} counted for the ratio`);
      assert.ok(Math.abs(ratio.value - part / total) < 1e-9, `UI ratio ${ratio.value} = /api/stats ${part}/${total}`);
      assert.ok(Math.abs(ratio.value - want.ratio.value) <= want.ratio.tol,
        `${want.ratio.title} ${ratio.value.toFixed(4)} vs the generator's ${want.ratio.value} (tol ${want.ratio.tol})`);
      const shown = await page.locator(`.stat.ratio[data-title="${want.ratio.title}"] b`).textContent();
      assert.match(shown, /^\d+(\.\d)?%$/);
    });

    it('every declared metric is measured live, counters moving', async () => {
      const declared = (await tmSnapshot(page)).view.metrics;
      assert.ok(declared.length >= 3);
      const samples = [];
      for (let i = 0; i < 2; i++) {
        if (i) await waitForSeconds(page, 3);
        const ui = await uiWindow(page);
        const api = await getJson(url + 'api/stats');
        const sec = api.seconds.find((s) => s.ts === ui.ts);
        assert.ok(sec, `/api/stats has the UI's last second ${ui.ts}`);
        samples.push({ ui, sec });
      }
      for (const m of declared) {
        for (const [i, { ui, sec }] of samples.entries()) {
          const got = ui.measurements.find((x) => x.metric === m.name);
          assert.ok(got, `sample ${i}: ${m.name} in the measurements`);
          assert.equal(got.kind, m.kind);
          if (m.kind === 'gauge') continue;
          // exact: the UI shows the daemon's increments of that second
          assert.equal(got.perSecond, sec.metrics[m.name].per_s, `sample ${i}: ${m.name} per second as the daemon counted`);
          if (want.silent.includes(m.name)) assert.equal(got.perSecond, 0, `${m.name} never produced by the demo`);
        }
        if (m.kind === 'gauge' || want.silent.includes(m.name)) continue;
        const [a, z] = samples;
        assert.ok(z.sec.metrics[m.name].total > a.sec.metrics[m.name].total,
          `${m.name} total grows: ${a.sec.metrics[m.name].total} -> ${z.sec.metrics[m.name].total}`);
        // counters at tens per second are never 0 in a second; rarer ones (retries, rejects)
        // were counted in the 3 s between the samples
        const rate = (z.sec.metrics[m.name].total - a.sec.metrics[m.name].total) / ((z.sec.ts - a.sec.ts) / 1000);
        if (rate >= 20) {
          for (const { ui } of samples) {
            assert.ok(ui.measurements.find((x) => x.metric === m.name).perSecond > 0, `${m.name} (${rate.toFixed(0)}/s) moving in the UI`);
          }
        }
      }
      // the measurements panel draws a card per metric
      await page.click('#side-tabs button[data-tab="measurements"]');
      await waitFor(page, (names) => {
        const cards = [...document.querySelectorAll('#measurements-panel [data-metric]')].map((x) => x.dataset.metric);
        return names.every((n) => cards.includes(n));
      }, declared.map((m) => m.name), 5000).catch(() => {});
      const cards = await page.$$eval('#measurements-panel [data-metric]', (xs) => xs.map((x) => x.dataset.metric));
      for (const m of declared) assert.ok(cards.includes(m.name), `a card for ${m.name}`);
      await page.click('#side-tabs button[data-tab="shares"]');
    });

    if (want.unfair) {
      it('a share with fair: false shows counts, with no round-robin verdict', async () => {
        const sel = `#shares-panel .share[data-title="${want.unfair}"]`;
        await page.waitForSelector(`${sel} td`, { timeout: 15000 });
        const fairVerdict = await page.locator(`#shares-panel .share[data-title="${want.share}"] .verdict`).textContent();
        const verdict = await page.locator(`${sel} .verdict`).textContent();
        assert.match(verdict, /no even split is expected/);
        assert.doesNotMatch(verdict, /round-robin/);
        assert.notEqual(fairVerdict, verdict, 'the fair share next to it is judged');
        const small = await page.$$eval(`${sel} td small`, (xs) => xs.map((x) => x.textContent));
        assert.ok(small.length > 0 && small.every((t) => !/[+\u2212\u00b1]\d+%/.test(t)), `counts, not deviations: ${small.slice(0, 4)}`);
      });
    }

    it('no page errors; screenshot', async () => {
      await waitFor(page, () => window.tapemeasure.dotsActive > 20, null, 10000);
      await waitForSeconds(page, 1);
      await screenshot(page, `packs-${pack}-1280x720.png`);
      assert.deepEqual(b.errors, []);
    });
  });
}
