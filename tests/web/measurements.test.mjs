import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  histogramQuantile, MeasurementModel, unitOf, formatCompact, formatDuration, formatBytes, formatRate, labelText,
  WINDOW_SECONDS, TOP_SECONDS, sumSecondMetrics,
} from '../../web/app/ui/measurements.js';

const close = (a, b, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} ~ ${b}`);
const BOUNDS = [0.1, 0.5, 1, 5, 30, 300];

test('histogramQuantile interpolates inside the bucket, as Prometheus does', () => {
  const inc = [10, 50, 40, 10, 5, 4, 1];  // 120 observations, 1 of them above 300
  close(histogramQuantile(0.5, BOUNDS, inc), 0.5);          // rank 60 = the top of (0.1, 0.5]
  close(histogramQuantile(0.9, BOUNDS, inc), 1 + 4 * 0.8);  // rank 108: 8 of 10 into (1, 5]
  close(histogramQuantile(0.99, BOUNDS, inc), 30 + 270 * (3.8 / 4));
  close(histogramQuantile(0.25, BOUNDS, inc), 0.1 + 0.4 * (20 / 50));
});

test('histogramQuantile: first bucket from 0, or its own bound when not positive', () => {
  close(histogramQuantile(0.5, BOUNDS, [10, 0, 0, 0, 0, 0, 0]), 0.05);
  assert.equal(histogramQuantile(0.5, [-1, 0, 1], [4, 0, 0, 0]), -1);
  assert.equal(histogramQuantile(0.5, [0, 1], [4, 0, 0]), 0);
});

test('histogramQuantile: +Inf gives the highest finite bound; nothing observed gives null', () => {
  assert.equal(histogramQuantile(0.5, BOUNDS, [0, 0, 0, 0, 0, 0, 5]), 300);
  assert.equal(histogramQuantile(0.99, BOUNDS, [1, 0, 0, 0, 0, 0, 99]), 300);
  assert.equal(histogramQuantile(0.5, BOUNDS, [0, 0, 0, 0, 0, 0, 0]), null);
  assert.equal(histogramQuantile(0.5, BOUNDS, [1, 2]), null, 'increments must be bounds + 1 long');
  assert.equal(histogramQuantile(0.5, [], [7]), null, 'only +Inf: nothing to interpolate in');
  assert.equal(histogramQuantile(1.5, BOUNDS, [1, 0, 0, 0, 0, 0, 0]), Infinity);
  assert.equal(histogramQuantile(-0.1, BOUNDS, [1, 0, 0, 0, 0, 0, 0]), -Infinity);
});

function counterSecond(ts, perS, total, top) {
  return {
    ts,
    metrics: {
      hits_total: { kind: 'counter', per_s: perS, total, label_sets: top.length, top: top.map(([labels, v]) => ({ labels, per_s: v })) },
      delay_seconds: { kind: 'histogram', per_s: 120, sum_per_s: 30, total: ts, buckets: BOUNDS, increments: [10, 50, 40, 10, 5, 4, 1] },
      depth: { kind: 'gauge', value: 17, label_sets: 2, top: [{ labels: { q: 'a' }, value: 9 }, { labels: { q: 'b' }, value: 8 }] },
    },
  };
}
const DECLARED = [
  { name: 'hits_total', kind: 'counter', help: 'hits', labels: ['host'], buckets: [] },
  { name: 'delay_seconds', kind: 'histogram', help: '', labels: [], buckets: BOUNDS },
  { name: 'depth', kind: 'gauge', help: '', labels: ['q'], buckets: [] },
];

test('model: backfill then push gives rate, total, quantiles and gauge value', () => {
  const m = new MeasurementModel();
  assert.equal(m.setMetrics(DECLARED), true);
  m.backfill([counterSecond(1000, 5, 100, [[{ host: 'a' }, 5]]), counterSecond(2000, 7, 107, [[{ host: 'a' }, 7]])]);
  assert.equal(m.push(counterSecond(3000, 12, 119, [[{ host: 'a' }, 9], [{ host: 'b' }, 3]])), true);
  const st = m.state();
  assert.deepEqual(st.map((s) => [s.metric, s.kind, s.perSecond]),
    [['hits_total', 'counter', 12], ['delay_seconds', 'histogram', 120], ['depth', 'gauge', null]]);
  close(st[1].p90, 4.2);
  assert.equal(st[2].value, 17);
  assert.equal(m.latest(DECLARED[0]).total, 119);
  const [x, y] = m.series(DECLARED[0]);
  assert.deepEqual(x, [1, 2, 3]);
  assert.deepEqual(y, [5, 7, 12]);
});

test('model: a second seen twice counts once, and backfill merges with live frames', () => {
  const m = new MeasurementModel();
  m.setMetrics(DECLARED);
  m.push(counterSecond(3000, 12, 119, []));
  assert.equal(m.push(counterSecond(3000, 12, 119, [])), false);
  assert.equal(m.push(counterSecond(2000, 1, 1, [])), false, 'older than the newest');
  m.backfill([counterSecond(1000, 5, 100, []), counterSecond(2000, 7, 107, []), counterSecond(3000, 99, 999, [])]);
  assert.deepEqual(m.series(DECLARED[0])[1], [5, 7, 12], 'the live frame of 3000 is kept, not doubled');
});

test('model: the window keeps the last 300 seconds', () => {
  const m = new MeasurementModel();
  m.setMetrics(DECLARED);
  const seconds = [];
  for (let i = 0; i < 320; i++) seconds.push(counterSecond(i * 1000, i, i, []));
  m.backfill(seconds.slice(0, 310));
  for (const s of seconds.slice(310)) m.push(s);
  const [x, y] = m.series(DECLARED[0]);
  assert.equal(x.length, WINDOW_SECONDS);
  assert.equal(y[0], 20);
  assert.equal(y[WINDOW_SECONDS - 1], 319);
  assert.equal(m.peak(DECLARED[0]), 319);
});

test('model: top label sets are the mean over the last seconds, busiest first', () => {
  const m = new MeasurementModel();
  m.setMetrics(DECLARED);
  m.push(counterSecond(1000, 100, 0, [[{ host: 'old' }, 100]]));  // outside the last TOP_SECONDS
  for (let i = 0; i < TOP_SECONDS; i++) {
    m.push(counterSecond(2000 + i * 1000, 10, 0, i === 0 ? [[{ host: 'a' }, 10], [{ host: 'b' }, 5]] : [[{ host: 'a' }, 10]]));
  }
  const top = m.top(DECLARED[0]);
  assert.deepEqual(top.map((t) => t.text), ['host=a', 'host=b']);
  close(top[0].v, 10);
  close(top[1].v, 5 / TOP_SECONDS, 1e-9);
  assert.deepEqual(m.top(DECLARED[2]).map((t) => [t.text, t.v]), [['q=a', 9], ['q=b', 8]]);
});

test('model: a metric added by a reload changes the set and waits for data', () => {
  const m = new MeasurementModel();
  m.setMetrics(DECLARED);
  m.push(counterSecond(1000, 1, 1, []));
  assert.equal(m.setMetrics(DECLARED.map((d) => ({ ...d }))), false, 'same names and kinds: no rebuild');
  const added = [...DECLARED, { name: 'new_total', kind: 'counter', labels: [] }];
  assert.equal(m.setMetrics(added), true);
  assert.equal(m.state().find((s) => s.metric === 'new_total').perSecond, null);
  m.push({ ts: 2000, metrics: { new_total: { kind: 'counter', per_s: 4, total: 4, top: [] } } });
  assert.equal(m.state().find((s) => s.metric === 'new_total').perSecond, 4);
  assert.deepEqual(m.series(added[3])[1], [null, 4], 'a gap before the metric existed');
  assert.equal(m.setMetrics([{ name: 'depth', kind: 'counter' }]), true, 'a changed kind is a different set');
  assert.equal(m.state()[0].perSecond, null, 'the old gauge entries are not read as a counter');
});

test('formatting: compact numbers and units from the metric name', () => {
  assert.deepEqual([0, 0.25, 3.46, 987, 1234, 34567, 1.5e6, 2e9].map(formatCompact),
    ['0', '0.25', '3.5', '987', '1.2k', '35k', '1.5M', '2G']);
  assert.equal(formatCompact(null), '\u2013');
  assert.equal(unitOf('mail_delivery_delay_seconds'), 'seconds');
  assert.equal(unitOf('http_response_bytes_total'), 'bytes');
  assert.equal(unitOf('mail_deliveries_total'), '');
  assert.deepEqual([0.0042, 0.23, 1.5, 45, 150, 2.5e-5].map(formatDuration), ['4.2 ms', '230 ms', '1.5 s', '45 s', '2.5 min', '25 \u00b5s']);
  assert.deepEqual([512, 1536, 3.5 * 1024 ** 2].map(formatBytes), ['512 B', '1.5 KiB', '3.5 MiB']);
  assert.equal(formatRate('', 1234), '1.2k/s');
  assert.equal(formatRate('bytes', 2048), '2 KiB/s');
  assert.equal(labelText({ mta: 'mta1', relay: 'proxy1' }), 'mta=mta1 relay=proxy1');
  assert.equal(labelText({}), '(no labels)');
});

test('sumSecondMetrics adds several daemons\' seconds for one card', () => {
  const a = counterSecond(1000, 10, 100, [[{ host: 'a' }, 6], [{ host: 'b' }, 4]]);
  const b = counterSecond(1300, 5, 50, [[{ host: 'b' }, 5]]);
  const sum = sumSecondMetrics([a, b]);
  assert.equal(sum.ts, 1300);
  const c = sum.metrics.hits_total;
  assert.equal(c.per_s, 15);
  assert.equal(c.total, 150);
  assert.deepEqual(c.top.map((t) => [t.labels.host, t.per_s]), [['b', 9], ['a', 6]]);
  assert.deepEqual(sum.metrics.delay_seconds.increments, [20, 100, 80, 20, 10, 8, 2]);
  assert.equal(sum.metrics.depth.value, 34);
  assert.equal(a.metrics.hits_total.per_s, 10, 'the inputs are not changed');
  b.metrics.delay_seconds.buckets = [1, 2, 3, 4, 5, 6];
  assert.equal(sumSecondMetrics([a, b]).metrics.delay_seconds.increments, null, 'different bounds: no quantiles');
});
