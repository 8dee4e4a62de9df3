import { test } from 'node:test';
import assert from 'node:assert/strict';
import { histogramQuantile, normalizeCompare, sumCompares, windowCompares, verdictOf, isTime, MIN_SAMPLES } from '../../web/app/model/compare.js';
import { formatQuantile } from '../../web/app/ui/compare_panel.js';
import { normalizeStats } from '../../web/app/network/protocol.js';
import { mergeRaw } from '../../web/app/network/stats_merge.js';

const close = (a, b, msg = '') => assert.ok(Math.abs(a - b) < 1e-9, `${a} ~ ${b} ${msg}`);

test('quantiles from bucket increments as Prometheus histogram_quantile reads them', () => {
  // 10 in (0, 1], 10 in (1, 2], none in (2, 4], 0 in +Inf: the median is the edge at 1.
  close(histogramQuantile(0.5, [1, 2, 4], [10, 10, 0, 0]), 1);
  close(histogramQuantile(0.75, [1, 2, 4], [10, 10, 0, 0]), 1.5, 'linear inside the bucket');
  close(histogramQuantile(0.25, [1, 2, 4], [10, 10, 0, 0]), 0.5, 'the first bucket starts at 0');
  assert.equal(histogramQuantile(0.99, [1, 2, 4], [1, 0, 0, 99]), 4, 'in +Inf: the highest finite bound');
  assert.equal(histogramQuantile(0.5, [1, 2], [0, 0, 0]), null, 'no observations, no quantile');
  close(histogramQuantile(0.5, [-1, 0, 1], [0, 4, 4, 0]), 0, 'negative bounds: the bucket below starts at its lower bound');
});

const cmp = (rows, extra = {}) => normalizeCompare({
  view: 'v', title: 'parser', metric: 'parse_seconds', label: 'parser', baseline: 'old', kind: 'histogram',
  buckets: [0.01, 0.02, 0.03, 0.04], rows, omitted: 0, ...extra,
});

test('records sum value by value; a record with other bucket bounds (a reload) is left out', () => {
  const a = cmp({ old: { count: 2, sum: 0.03, increments: [1, 1, 0, 0, 0] } });
  const b = cmp({ old: { count: 1, sum: 0.025, increments: [0, 0, 1, 0, 0] }, new: { count: 3, sum: 0.02, increments: [3, 0, 0, 0, 0] } });
  const reshaped = cmp({ old: { count: 100, sum: 1, increments: [100, 0, 0] } }, { buckets: [1, 2] });
  const [s] = sumCompares([[reshaped], [a], [b]]);
  assert.deepEqual(s.rows.old, { count: 3, sum: 0.055, increments: [1, 1, 1, 0, 0] });
  assert.deepEqual(s.rows.new, { count: 3, sum: 0.02, increments: [3, 0, 0, 0, 0] });
  assert.deepEqual(s.buckets, [0.01, 0.02, 0.03, 0.04]);
});

test('several daemons\' seconds merge their comparisons too', () => {
  const raw = (n) => ({ compares: [{ view: 'v', title: 'parser', metric: 'parse_seconds', label: 'parser', baseline: 'old', kind: 'histogram',
    buckets: [0.01, 0.02], rows: { old: { count: n, sum: n * 0.015, increments: [0, n, 0] } }, omitted: 1 }] });
  const merged = normalizeStats(mergeRaw([{ id: 'a', raw: raw(4) }, { id: 'b', raw: raw(6) }], 1000));
  assert.equal(merged.compares.length, 1);
  assert.deepEqual(merged.compares[0].rows.old.increments, [0, 10, 0]);
  assert.equal(merged.compares[0].omitted, 2);
});

/** A window of one record: `old` and `new` observed uniformly in their buckets. */
function window(oldInc, newInc, view = { id: 'v', compares: [{ title: 'parser', metric: 'parse_seconds', label: 'parser', baseline: 'old' }] }) {
  const count = (inc) => inc.reduce((a, b) => a + b, 0);
  const rec = { compares: [cmp({ old: { count: count(oldInc), sum: 0, increments: oldInc }, new: { count: count(newInc), sum: 0, increments: newInc } })] };
  return windowCompares([rec], view)[0];
}

test('each row against the baseline, and the verdict in words', () => {
  // old: all in (0.02, 0.03]; new: all in (0.01, 0.02]: new's quantiles are about 40% lower.
  const c = window([0, 0, 100, 0, 0], [0, 200, 0, 0, 0]);
  assert.deepEqual(c.rows.map((r) => r.value), ['old', 'new'], 'the baseline first');
  close(c.rows[0].p50, 0.025);
  close(c.rows[1].p50, 0.015);
  close(c.rows[1].ratio.p50, 0.6);
  assert.equal(c.verdict, 'new is 40% faster than old at p50, 33% at p99 (n=200 vs 100)');
  const slower = window([0, 100, 0, 0, 0], [0, 0, 60, 0, 0]);
  assert.equal(slower.verdict, 'new is 67% slower than old at p50, 50% at p99 (n=60 vs 100)');
});

test('not enough data below 50 a side, and when the baseline was not seen', () => {
  const few = window([0, 0, 100, 0, 0], [0, MIN_SAMPLES - 1, 0, 0, 0]);
  assert.equal(few.verdict, 'new vs old: not enough data (n=49 vs 100; 50 a side needed)');
  assert.equal(few.rows[1].count, 49, 'the figures are shown all the same');
  const noBase = window([0, 0, 0, 0, 0], [0, 100, 0, 0, 0]);
  assert.equal(noBase.verdict, 'not enough data: no parser old observed in the window');
  const nothing = windowCompares([], { id: 'v', compares: [{ title: 'parser', metric: 'parse_seconds', label: 'parser', baseline: 'old' }] })[0];
  assert.equal(nothing.verdict, 'not enough data: nothing observed in the window');
  assert.deepEqual(windowCompares([], { id: 'v', compares: [] }), [], 'a view without comparisons has none');
});

test('without a baseline the busiest value is it; a counter compares counts; words follow the unit', () => {
  const view = { id: 'v', compares: [{ title: 'parser', metric: 'parse_seconds', label: 'parser', baseline: '' }] };
  const c = window([0, 0, 100, 0, 0], [0, 300, 0, 0, 0], view);
  assert.equal(c.baseline, 'new');
  assert.match(c.verdict, /^old is 67% slower than new/);
  const counts = verdictOf({ value: 'b', count: 150 }, { value: 'a', count: 100 }, { kind: 'counter', metric: 'x_total' });
  assert.equal(counts, 'b counted 50% more than a (n=150 vs 100)');
  assert.ok(isTime('parse_seconds') && isTime('rt_ms') && !isTime('response_size_bytes'));
  const sizes = verdictOf({ value: 'b', count: 100, ratio: { p50: 0.5, p99: 1.3 } }, { value: 'a', count: 100 }, { kind: 'histogram', metric: 'size_bytes' });
  assert.equal(sizes, 'b is 50% lower than a at p50 but 30% higher at p99 (n=100 vs 100)');
});

test('quantiles in the metric\'s unit', () => {
  assert.equal(formatQuantile(0.0125, 'parse_seconds'), '12.5 ms');
  assert.equal(formatQuantile(1.5, 'parse_seconds'), '1.5 s');
  assert.equal(formatQuantile(250, 'rt_ms'), '250 ms');
  assert.equal(formatQuantile(1234.5, 'size_bytes'), '1235');
  assert.equal(formatQuantile(null, 'x'), '\u2013');
});
