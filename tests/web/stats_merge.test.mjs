import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatsMerge, mergeRaw, slotOf, WAIT_MS } from '../../web/app/network/stats_merge.js';
import { normalizeStats } from '../../web/app/network/protocol.js';
import { StatsWindow } from '../../web/app/model/stats_window.js';
import { MAIL, frame } from './fixtures.mjs';
import { normalizeViewSet } from '../../web/app/model/views.js';

const T = 1764233462000;   // a whole second

/** One daemon's stats second as sent (docs/views.md): share counts, a ratio's part and total. */
function second(ts, { counts = {}, part = 0, total = 0, lines = 0, events = 0, reload = null, metrics = {} } = {}) {
  const raw = {
    ts, lines_per_s: lines, matched_per_s: lines, unmatched_per_s: 0, events_per_s: events, dropped_per_s: 0, clients: 1,
    metrics,
    shares: [{ view: 'postfix', title: 'MTA to relay', metric: 'mail_deliveries_total', rows: 'mta', cols: 'relay', counts, omitted: 0 }],
    ratios: [{ view: 'postfix', title: 'bounce ratio', metric: 'mail_deliveries_total', part, total, value: total ? part / total : null }],
  };
  if (reload) raw.reload = reload;
  return normalizeStats(raw);
}

test('slotOf: the wall-clock second a stamp falls in', () => {
  assert.equal(slotOf(T), T);
  assert.equal(slotOf(T + 999), T);
  assert.equal(slotOf(T + 1000), T + 1000);
  assert.equal(slotOf(T - 1), T - 1000);
});

test('mergeRaw sums share counts cell by cell and recomputes shares and deviations', () => {
  const a = second(T + 100, { counts: { mta1: { proxy1: 30, proxy2: 10 }, shared: { proxy1: 5 } } });
  const b = second(T + 700, { counts: { mta4: { proxy2: 20 }, shared: { proxy2: 15, proxy3: 20 } } });
  const m = mergeRaw([{ id: 'a', raw: a.raw }, { id: 'b', raw: b.raw }], T);
  assert.equal(m.ts, T);
  const s = m.shares[0];
  assert.deepEqual(s.counts, { mta1: { proxy1: 30, proxy2: 10 }, mta4: { proxy2: 20 }, shared: { proxy1: 5, proxy2: 15, proxy3: 20 } });
  // a row's shares are of its own total; the fair share is 1/k for the k = 3 columns seen
  assert.deepEqual(s.shares.shared, { proxy1: 0.125, proxy2: 0.375, proxy3: 0.5 });
  assert.deepEqual(s.deviation.shared, { proxy1: -0.625, proxy2: 0.125, proxy3: 0.5 });
  assert.deepEqual(s.shares.mta1, { proxy1: 0.75, proxy2: 0.25 });
  assert.equal(s.deviation.mta1.proxy1, 1.25);
  assert.equal(a.raw.shares[0].counts.shared.proxy1, 5, 'the inputs are not changed');
});

test('mergeRaw: a ratio is summed part over summed total, never an average of values', () => {
  const a = second(T, { part: 1, total: 10 });     // 10%
  const b = second(T, { part: 30, total: 40 });    // 75%
  const c = second(T, { part: 0, total: 0 });      // a box that counted nothing
  const m = mergeRaw([{ id: 'a', raw: a.raw }, { id: 'b', raw: b.raw }, { id: 'c', raw: c.raw }], T);
  assert.deepEqual(m.ratios.map((r) => [r.title, r.part, r.total]), [['bounce ratio', 31, 50]]);
  assert.equal(m.ratios[0].value, 0.62);
  assert.notEqual(m.ratios[0].value, (0.1 + 0.75) / 2);
  const none = mergeRaw([{ id: 'c', raw: c.raw }], T);
  assert.equal(none.ratios[0].value, null, 'nothing counted anywhere: no value');
});

test('mergeRaw adds the per-second figures and metrics; reload comes from one daemon only', () => {
  const metrics = (n) => ({
    hits_total: { kind: 'counter', per_s: n, total: n * 10, top: [{ labels: { mta: 'mta1' }, per_s: n }], label_sets: 1 },
    delay_seconds: { kind: 'histogram', per_s: n, sum_per_s: n / 2, total: n, buckets: [1, 5], increments: [n, 0, 0] },
  });
  const a = second(T, { lines: 100, events: 60, metrics: metrics(3), reload: { ok: true, reloads: 1, failures: 0 } });
  const b = second(T, { lines: 50, events: 20, metrics: metrics(4), reload: { ok: false, reloads: 9, failures: 9 } });
  const m = mergeRaw([{ id: 'a', raw: a.raw }, { id: 'b', raw: b.raw }], T, 'a');
  assert.equal(m.lines_per_s, 150);
  assert.equal(m.events_per_s, 80);
  assert.equal(m.clients, 2);
  assert.equal(m.metrics.hits_total.per_s, 7);
  assert.deepEqual(m.metrics.hits_total.top, [{ labels: { mta: 'mta1' }, per_s: 7 }], 'the same label set on two boxes is one line');
  assert.deepEqual(m.metrics.delay_seconds.increments, [7, 0, 0]);
  assert.deepEqual(m.reload, { ok: true, reloads: 1, failures: 0 });
  assert.equal(mergeRaw([{ id: 'b', raw: b.raw }], T, 'a').reload, undefined, 'not from another daemon');
  const n = normalizeStats(m);
  assert.equal(n.linesPerS, 150);
});

test('one daemon: every frame passes through as it came, at once', () => {
  const m = new StatsMerge();
  m.setLive('a', true, 0);
  const s = second(T + 437, { counts: { mta1: { proxy1: 1 } } });
  const out = m.push('a', s, 0);
  assert.equal(out.length, 1);
  assert.equal(out[0], s, 'the same object: nothing recomputed');
  assert.equal(out[0].ts, T + 437);
  assert.equal(out[0].daemons, undefined);
});

test('several daemons: a second goes out once every connected daemon has sent it, in order', () => {
  const m = new StatsMerge();
  m.setCount(3);
  for (const id of ['a', 'b', 'c']) m.setLive(id, true, 0);
  assert.deepEqual(m.push('a', second(T + 200, { counts: { mta1: { p1: 2 } } }), 10), []);
  assert.deepEqual(m.push('b', second(T + 900, { counts: { mta4: { p1: 3 } } }), 700), [], 'c has not sent it yet');
  assert.deepEqual(m.push('a', second(T + 1200, { counts: { mta1: { p1: 1 } } }), 1010), [], 'a newer second waits too');
  const out = m.push('c', second(T + 50, { counts: { mta7: { p2: 4 } } }), 1100);
  assert.equal(out.length, 1, 'c completed the first second');
  assert.equal(out[0].ts, T);
  assert.deepEqual(out[0].daemons, ['a', 'b', 'c']);
  assert.deepEqual(out[0].shares[0].counts, { mta1: { p1: 2 }, mta4: { p1: 3 }, mta7: { p2: 4 } });
  const out2 = [...m.push('b', second(T + 1900, {}), 1900), ...m.push('c', second(T + 1050, {}), 2050)];
  assert.deepEqual(out2.map((x) => x.ts), [T + 1000]);
  assert.equal(m.partial, 0);
  assert.equal(m.emitted, 2);
});

test('a closed daemon holds nothing up; a silent one at most WAIT_MS', () => {
  const m = new StatsMerge({ waitMs: WAIT_MS });
  m.setCount(3);
  for (const id of ['a', 'b', 'c']) m.setLive(id, true, 0);
  m.push('a', second(T, { counts: { mta1: { p1: 1 } } }), 100);
  m.push('b', second(T, { counts: { mta4: { p1: 1 } } }), 120);
  const out = m.setLive('c', false, 200);
  assert.deepEqual(out.map((x) => x.ts), [T], 'c went away: the second is complete without it');
  assert.deepEqual(out[0].daemons, ['a', 'b']);
  assert.equal(m.partial, 0);

  m.setLive('c', true, 300);            // back, but sends nothing
  m.push('a', second(T + 1000, {}), 1100);
  m.push('b', second(T + 1000, {}), 1120);
  assert.deepEqual(m.poll(1100 + WAIT_MS - 1), []);
  const late = m.poll(1100 + WAIT_MS);
  assert.deepEqual(late.map((x) => x.ts), [T + 1000], 'waited WAIT_MS for c, then went on');
  assert.equal(m.partial, 1);
  assert.deepEqual(m.push('c', second(T + 1000, { counts: { mta7: { p1: 9 } } }), 2700), [], 'too late: left out, not re-counted');
  assert.equal(m.late, 1);
  assert.equal(m.lateBy.get('c'), 1);
});

test('a daemon that sent a later second has nothing more for an earlier one', () => {
  const m = new StatsMerge();
  m.setCount(2);
  m.setLive('a', true, 0);
  m.setLive('b', true, 0);
  m.push('b', second(T + 1000, {}), 0);   // b skipped second T (its tick drifted past it)
  const out = m.push('a', second(T, {}), 10);
  assert.deepEqual(out.map((x) => [x.ts, x.daemons]), [[T, ['a']]]);
});

test('from one daemon to several: the second already shown is not shown again', () => {
  const m = new StatsMerge();
  m.setLive('a', true, 0);
  m.push('a', second(T + 300, {}), 0);          // passed through (one daemon known)
  m.setCount(2);                                 // the peers are known now
  m.setLive('b', true, 0);
  assert.deepEqual(m.push('b', second(T + 800, {}), 10), [], 'second T was shown: late');
  assert.equal(m.late, 1);
  m.push('a', second(T + 1300, {}), 1000);
  const out = m.push('b', second(T + 1800, {}), 1500);
  assert.deepEqual(out.map((x) => x.ts), [T + 1000]);
});

test('the window over merged seconds equals the sum of every daemon\'s seconds', () => {
  const view = normalizeViewSet(frame(MAIL)).views[0];
  const m = new StatsMerge();
  m.setCount(2);
  m.setLive('a', true, 0);
  m.setLive('b', true, 0);
  const w = new StatsWindow(3);
  const want = {};
  let parts = 0, totals = 0;
  for (let i = 0; i < 5; i++) {
    const ca = { mta1: { proxy1: i + 1, proxy2: 2 } }, cb = { mta1: { proxy3: 3 }, mta4: { proxy1: i } };
    for (const x of m.push('a', second(T + i * 1000 + 10, { counts: ca, part: 1, total: 4 }), i * 1000)) w.push(x);
    for (const x of m.push('b', second(T + i * 1000 + 600, { counts: cb, part: 2, total: 4 }), i * 1000 + 600)) w.push(x);
    if (i >= 2) {
      for (const c of [ca, cb]) for (const [r, row] of Object.entries(c)) for (const [k, n] of Object.entries(row)) if (n > 0) { want[r] ??= {}; want[r][k] = (want[r][k] || 0) + n; }
      parts += 3; totals += 8;
    }
  }
  assert.deepEqual(w.stamps().map((x) => x.ts), [T + 2000, T + 3000, T + 4000]);
  assert.deepEqual(w.stamps()[0].daemons, ['a', 'b']);
  const sh = w.shares(view)[0];
  assert.deepEqual(sh.counts, { mta1: { proxy1: want.mta1.proxy1, proxy2: 6, proxy3: 9 }, mta4: { proxy1: 9, proxy2: 0, proxy3: 0 } });
  assert.deepEqual(want.mta4, { proxy1: 9 });
  const ra = w.ratios(view)[0];
  assert.equal(ra.part, parts);
  assert.equal(ra.total, totals);
  assert.equal(ra.value, parts / totals);
});
