import { test } from 'node:test';
import assert from 'node:assert/strict';
import { windowMetrics, usualRate } from '../../web/app/model/window_metrics.js';

const counter = (perS) => ({ kind: 'counter', per_s: perS, total: 0, top: [], label_sets: 1 });
const hist = (inc, buckets = [1, 2, 4]) => ({ kind: 'histogram', per_s: inc.reduce((a, b) => a + b, 0), sum_per_s: 0, total: 0, buckets, increments: inc });

test('counters and histograms summed over the window: counts, rates, quantiles from the buckets', () => {
  const records = [
    { seconds: 60, metrics: { c: counter(120), h: hist([10, 0, 0, 0]), g: { kind: 'gauge', value: 3 } } },
    { seconds: 1, metrics: { c: counter(3), h: hist([0, 10, 0, 0]) } },
  ];
  const m = windowMetrics(records, 61);
  assert.equal(m.get('c').count, 123);
  assert.equal(m.get('c').perSecond, 123 / 61);
  assert.equal(m.get('h').count, 20);
  assert.equal(m.get('h').p50, 1, 'half in (0, 1], half in (1, 2]');
  assert.ok(Math.abs(m.get('h').p99 - 1.98) < 1e-9);
  assert.equal(m.has('g'), false, 'a gauge has no rate over a window');
  const reshaped = windowMetrics([{ metrics: { h: hist([5, 0, 0], [1, 2]) } }, { metrics: { h: hist([0, 0, 10, 0]) } }], 2);
  assert.equal(reshaped.get('h').p50, 3, 'new bucket bounds (a reload): the quantiles from those records on');
});

const minutes = (rates) => rates.map((r) => [{ seconds: 60, metrics: { c: counter(r * 60) } }]);

test('a rate far from its hour is unusual; within the hour\'s spread, or with too few counts, it is not', () => {
  const hour = minutes(Array.from({ length: 30 }, (_, i) => 10 + (i % 3) - 1));   // 9..11/s
  const quiet = usualRate('c', 10 * 2, 10, hour);   // 2/s over 10 s
  assert.ok(Math.abs(quiet.usual - 10) < 1e-9);
  assert.equal(quiet.unusual, true);
  assert.equal(usualRate('c', 105, 10, hour).unusual, false, '10.5/s');
  assert.equal(usualRate('c', 0, 10, minutes(Array(30).fill(0.1))).unusual, false, '1 expected in 10 s: nothing to judge');
  assert.deepEqual(usualRate('c', 5, 10, minutes([10, 10])), { usual: null, unusual: false }, 'fewer than 10 minutes');
});
