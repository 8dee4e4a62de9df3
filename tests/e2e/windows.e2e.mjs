// Windows of any span in real Chromium against the real daemon (`tapemeasure run` with the
// default Postfix rules): a page opened after the lines were fed shows them all in a 1 h
// window (read from the daemon's per-minute history), then counts the lines fed while it is
// open once (the live seconds after the history's newest second), and says the same for
// "since start" and 5 min. Every count is checked against the daemon's own counters.
// Then a comparison ("which parser is faster?") over a log whose distributions are known:
// the Compare tab's quantiles within 10% of the truth, and the verdict.
//
//   TAPEMEASURE_BIN=build/tapemeasure node --test --test-concurrency=1 tests/e2e/windows.e2e.mjs
//
// Screenshots: windows-1h.png, compare-parsers.png in $SCREENSHOT_DIR.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { launchBrowser, waitFor, screenshot } from './harness.mjs';
import { Daemon, cleanup, tempDir } from '../lib/daemon.mjs';
import { demoLines, rng } from '../lib/lines.mjs';

let browser = null;   // one Chromium for the file
after(async () => {
  if (browser) await browser.close();
  await cleanup();
});

const SHARE = 'MTA to relay';
const RATIO = 'bounce ratio';

function write(sockPath, lines) {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ path: sockPath }, () => s.end(lines.map((l) => `${l}\n`).join(''), resolve));
    s.on('error', reject);
  });
}

/** What the daemon counted: the share's matrix and the ratio's part and total, from /metrics. */
async function expected(d) {
  const m = await d.metrics();
  const counts = {};
  let part = 0, total = 0;
  for (const s of m.select('mail_deliveries_total')) {
    total += s.value;
    if (s.labels.outcome === 'transient' || s.labels.outcome === 'permanent') part += s.value;
    const { mta, relay } = s.labels;
    if (!mta || !relay) continue;
    counts[mta] ??= {};
    counts[mta][relay] = (counts[mta][relay] || 0) + s.value;
  }
  return { counts, part, total, lines: m.value('tapemeasure_lines_total') };
}

const sumOf = (counts) => Object.values(counts).reduce((a, row) => a + Object.values(row).reduce((b, n) => b + n, 0), 0);

/** The page's share and ratio now, the cells it counted none in left out. */
function pageWindow(page) {
  return page.evaluate(([share, ratio]) => {
    const t = window.tapemeasure;
    const s = t.shares.find((x) => x.title === share);
    const counts = {};
    for (const [r, row] of Object.entries(s ? s.counts : {})) {
      for (const [c, n] of Object.entries(row)) if (n > 0) (counts[r] ??= {})[c] = n;
    }
    const r = t.ratios.find((x) => x.title === ratio);
    return { window: t.windowSeconds, coverage: t.windowCoverage, counts, ratio: r ? r.value : null, search: location.search,
      select: document.getElementById('window').value };
  }, [SHARE, RATIO]);
}

/** Waits until the page's share sums `total` counts; returns the page's window then. */
async function untilPageCounts(page, total, what) {
  try {
    await waitFor(page, ([share, want]) => {
      const s = window.tapemeasure.shares.find((x) => x.title === share);
      if (!s) return false;
      let n = 0;
      for (const row of Object.values(s.counts)) for (const v of Object.values(row)) n += v;
      return n === want;
    }, [SHARE, total], 20000);
  } catch (e) {
    throw new Error(`${what}: the page's share never summed ${total}: ${JSON.stringify(await pageWindow(page))}`);
  }
  return pageWindow(page);
}

describe('windows: 1 h, since start and 5 min count every line fed, once', { timeout: 180000 }, () => {
  let d, page;
  const statsAsked = [];   // the page's api/stats queries
  const first = demoLines({ count: 400, seed: 7 });
  const second = demoLines({ count: 300, seed: 8 });

  before(async () => {
    d = await Daemon.start({});
    await write(d.socketPath, first);
    await d.waitLines(first.length);
    browser = await launchBrowser({ width: 1400, height: 860 });
    page = browser.page;
    page.on('request', (r) => { if (r.url().includes('api/stats')) statsAsked.push(new URL(r.url()).search); });
  });
  after(async () => {
    if (d) await d.stop();
  });

  it('a page opened later with ?window=3600 shows every line fed before it opened', async () => {
    const want = await expected(d);
    assert.ok(sumOf(want.counts) > 100, `the demo lines deliver through relays: ${JSON.stringify(want)}`);
    await page.goto(`${d.url}?window=3600`);
    const got = await untilPageCounts(page, sumOf(want.counts), 'before the page opened');
    assert.deepEqual(got.counts, want.counts);
    assert.ok(Math.abs(got.ratio - want.part / want.total) < 1e-9, `ratio ${got.ratio} vs ${want.part}/${want.total}`);
    assert.equal(got.window, 3600);
    assert.equal(got.select, '3600', 'the selector shows the window of the URL');
    assert.deepEqual(got.coverage.partial, []);
    assert.ok(statsAsked.includes('?step=60'), `the minutes were read: ${JSON.stringify(statsAsked)}`);
    // The Measurements tab's figures cover the window too: every delivery counted, once.
    await waitFor(page, (n) => {
      const m = (window.tapemeasure.measurements || []).find((x) => x.metric === 'mail_deliveries_total');
      return m && m.window && m.window.count === n;
    }, want.total, 15000);
  });

  it('lines fed while it is open are counted once: the history plus the live seconds after it', async () => {
    await write(d.socketPath, second);
    await d.waitLines(first.length + second.length);
    const want = await expected(d);
    const got = await untilPageCounts(page, sumOf(want.counts), 'while the page is open');
    assert.deepEqual(got.counts, want.counts);
    // Seconds with nothing in them go on arriving; the sum must not move.
    await page.waitForFunction((n) => window.tapemeasure.statsReceived >= n, (await page.evaluate(() => window.tapemeasure.statsReceived)) + 3);
    assert.deepEqual((await pageWindow(page)).counts, want.counts);
    await screenshot(page, 'windows-1h.png');
  });

  it('since start and 5 min say the same; the choice is kept in the URL', async () => {
    const want = await expected(d);
    await page.selectOption('#window', 'all');
    let got = await untilPageCounts(page, sumOf(want.counts), 'since start');
    assert.deepEqual(got.counts, want.counts);
    assert.equal(got.window, 'all');
    assert.match(got.search, /window=all/);
    assert.ok(statsAsked.includes('?step=all'), `the since-start record was read: ${JSON.stringify(statsAsked)}`);
    await page.evaluate(() => window.tapemeasure.setWindow(300));
    got = await untilPageCounts(page, sumOf(want.counts), '5 min');
    assert.deepEqual(got.counts, want.counts, 'the live seconds (and api/stats before the page opened) hold them all');
    assert.match(got.search, /window=300/);
    await page.evaluate(() => window.tapemeasure.setWindow(10));
    got = await pageWindow(page);
    assert.equal(got.window, 10);
    assert.doesNotMatch(got.search, /window=/, 'the default is not written into the URL');
    assert.deepEqual(browser.errors, []);
  });
});

/** A daemon fed `lines` (all matched before it returns), and a page of the file's browser. */
async function fedDaemonAndPage(options, lines) {
  const d = await Daemon.start(options);
  await write(d.socketPath, lines);
  await d.waitLines(lines.length);
  browser ??= await launchBrowser({ width: 1400, height: 860 });
  return { d, page: await browser.context.newPage() };
}

async function closeAll(d, page) {
  if (page) await page.close();
  if (d) await d.stop();
}

describe('what is usual: the hour before the window, and a ratio marked when it moved', { timeout: 120000 }, () => {
  // An hour of minutes cannot be waited for here: the page's request for the hour before
  // its window is answered with minutes made up for it (everything else is the real daemon).
  let d, page;
  const hourOf = (part, total) => {
    const from = Math.floor((Date.now() - 300000) / 60000) * 60000;
    const records = [];
    for (let m = 1; m <= 60; m++) {
      const t = total + (m % 5) - 2;
      records.push({ ts: from - m * 60000, step: 60, seconds: 60, last_ts: from - m * 60000 + 59000, shares: [],
        ratios: [{ view: 'postfix', title: RATIO, metric: 'mail_deliveries_total', part: Math.round(part * t) + (m % 3) - 1, total: t }] });
    }
    return { daemon: 'x', step: 60, records };
  };

  before(async () => {
    ({ d, page } = await fedDaemonAndPage({}, demoLines({ count: 600, seed: 9 })));
  });
  after(() => closeAll(d, page));

  it('a bounce ratio far above its usual hour is marked, one near it is not', async () => {
    const want = await expected(d);
    const value = want.part / want.total;
    let hour = hourOf(0.01, 100);
    await page.route(/api\/stats\?step=60&since=/, (route) => route.fulfill({ contentType: 'application/json', body: JSON.stringify(hour) }));
    await page.goto(`${d.url}?window=300`);
    await untilPageCounts(page, sumOf(want.counts), 'the 5 min window');
    await waitFor(page, (title) => { const r = window.tapemeasure.ratios.find((x) => x.title === title); return r && r.usual !== null; }, RATIO, 15000);
    let r = await page.evaluate((title) => window.tapemeasure.ratios.find((x) => x.title === title), RATIO);
    assert.ok(Math.abs(r.usual - 0.01) < 0.002, `usual ${r.usual} over the hour made up at 1%`);
    assert.ok(value > 0.05, `the demo bounces: ${value}`);
    assert.equal(r.unusual, true, `${value} against a usual 1%`);
    const box = page.locator(`#ratios .ratio[data-title="${RATIO}"]`);
    assert.match(await box.getAttribute('class'), /unusual/);
    assert.match(await box.innerText(), /usual 1(\.0)?%/);
    await screenshot(page, 'usual-ratio.png');

    hour = hourOf(value, 100);
    await page.evaluate(() => { window.tapemeasure.setWindow(60); window.tapemeasure.setWindow(300); });   // read the hour again
    await waitFor(page, ([title, v]) => { const x = window.tapemeasure.ratios.find((y) => y.title === title); return x && Math.abs(x.usual - v) < 0.01; },
      [RATIO, value], 15000);
    r = await page.evaluate((title) => window.tapemeasure.ratios.find((x) => x.title === title), RATIO);
    assert.equal(r.unusual, false, `${r.value} against a usual ${r.usual}`);
    assert.doesNotMatch(await box.getAttribute('class'), /unusual/);
  });
});

// The seed's question: "what is actually faster, the new parsing function or the old?"
const PARSERS_YML = `format: raw
rules:
  - name: parse
    match: '^parse parser=(?P<parser>\\w+) ms=(?P<ms>[0-9.]+)$'
    event: false
    metrics:
      - histogram: parse_ms
        help: Time to parse one line, by parser.
        value: '\${ms}'
        buckets: [${Array.from({ length: 40 }, (_, i) => i + 1).join(', ')}]
        labels: {parser: '\${parser}'}
view:
  title: Parsers
  tiers: [{name: parser}]
  compares:
    - {title: parser old vs new, metric: parse_ms, label: parser, baseline: old}
`;

describe('compare: quantiles of two known distributions within 10%, and the verdict', { timeout: 120000 }, () => {
  // old: uniform on [10, 30] ms; new: uniform on [5, 15] ms. Quantile q of U[a, b] is a + q (b - a).
  const TRUTH = { old: [10, 30], new: [5, 15] };
  const N = 3000;
  let d, page;

  before(async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'rules'));
    fs.writeFileSync(path.join(dir, 'rules', 'parsers.yml'), PARSERS_YML);
    const rand = rng(11);
    const lines = [];
    for (let i = 0; i < N; i++) {
      for (const [name, [a, b]] of Object.entries(TRUTH)) lines.push(`parse parser=${name} ms=${(a + rand() * (b - a)).toFixed(3)}`);
    }
    ({ d, page } = await fedDaemonAndPage({ rules: [path.join(dir, 'rules')], dir }, lines));
  });
  after(() => closeAll(d, page));

  it('p50, p90 and p99 of each parser within 10% of the truth; new is faster, in words', async () => {
    await page.goto(`${d.url}?window=all`);
    await page.click('#side-tabs button[data-tab="compare"]');
    await waitFor(page, (n) => {
      const c = window.tapemeasure.comparisons[0];
      return c && c.rows.length === 2 && c.rows.every((r) => r.count === n);
    }, N, 20000);
    const c = await page.evaluate(() => window.tapemeasure.comparisons[0]);
    assert.equal(c.title, 'parser old vs new');
    assert.deepEqual(c.rows.map((r) => r.value), ['old', 'new'], 'the baseline first');
    for (const r of c.rows) {
      const [a, b] = TRUTH[r.value];
      for (const q of [50, 90, 99]) {
        const truth = a + (q / 100) * (b - a);
        const got = r[`p${q}`];
        assert.ok(Math.abs(got - truth) <= 0.1 * truth, `${r.value} p${q}: ${got} vs the truth ${truth}`);
      }
    }
    // new's median is half of old's (10 vs 20 ms), its p99 14.9 vs 29.8 ms.
    assert.match(c.verdict, /^new is (4[5-9]|5[0-5])% faster than old at p50, (4[5-9]|5[0-5])% at p99 \(n=3,000 vs 3,000\)$/, c.verdict);
    const text = await page.locator('#compare-panel').innerText();
    assert.match(text, /parser old vs new/);
    assert.match(text, /new is \d+% faster than old/);
    await screenshot(page, 'compare-parsers.png');
  });
});
