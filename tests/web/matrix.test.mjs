import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shareMatrix, MatrixWindow, deviationColor, formatShare, formatDeviation, addMatrices, verdict } from '../../web/app/model/matrix.js';

const close = (a, b, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} ~ ${b}`);

test('row-normalised shares and deviation from an even split', () => {
  const m = shareMatrix({ mta1: { proxy1: 120, proxy2: 60, proxy3: 20 }, mta2: { proxy1: 50, proxy2: 50, proxy3: 50 } });
  assert.deepEqual(m.rows, ['mta1', 'mta2']);
  assert.deepEqual(m.cols, ['proxy1', 'proxy2', 'proxy3']);
  close(m.even, 1 / 3);
  close(m.shares.mta1.proxy1, 0.6);
  close(m.shares.mta1.proxy3, 0.1);
  close(m.deviation.mta1.proxy1, 0.8);   // 0.6 / (1/3) - 1
  close(m.deviation.mta1.proxy3, -0.7);
  close(m.deviation.mta2.proxy2, 0);
  close(m.rowImbalance.mta1, 0.8);
  close(m.rowImbalance.mta2, 0);
  close(m.maxDeviation, 0.8);
  assert.deepEqual(m.hot.map((h) => h.col), ['proxy1', 'proxy3'], 'proxy2 (-21%) is within the threshold');
  assert.ok(m.hot.every((h) => h.row === 'mta1'));
  close(m.z.mta1.proxy1, (120 - 200 / 3) / Math.sqrt(200 * (1 / 3) * (2 / 3)));
  for (const r of m.rows) close(m.cols.reduce((s, c) => s + m.shares[r][c], 0), 1);
});

test('a column a row never uses counts as -100%; excluded columns are kept apart only when asked', () => {
  const m = shareMatrix({ mta1: { proxy1: 100, none: 40 }, mta2: { proxy1: 50, proxy2: 50 } });
  assert.deepEqual(m.cols, ['none', 'proxy1', 'proxy2'], 'no column is special by default');
  close(m.deviation.mta1.proxy2, -1);
  const x = shareMatrix({ mta1: { proxy1: 100, none: 40 }, mta2: { proxy1: 50, proxy2: 50 } }, { exclude: ['none'] });
  assert.deepEqual(x.cols, ['proxy1', 'proxy2']);
  assert.deepEqual(x.extraCols, ['none']);
  assert.equal(x.counts.mta1.none, 40);
  close(x.shares.mta1.proxy1, 1);
  close(x.maxDeviation, 1);
});

test('verdict names the column that gets too much, with the fair share', () => {
  const bad = verdict(shareMatrix({ lb1: { app1: 500, app2: 250, app3: 250 }, lb2: { app1: 300, app2: 300, app3: 300 } }));
  assert.equal(bad.kind, 'bad');
  assert.equal(bad.text, 'not round-robin: lb1 \u2192 app1 gets 50%, fair is 33%');
  const good = verdict(shareMatrix({ lb1: { app1: 300, app2: 300, app3: 300 } }));
  assert.equal(good.kind, 'good');
  assert.match(good.text, /^round-robin holds/);
  assert.equal(verdict(shareMatrix({ lb1: { app1: 3 } })).kind, 'muted');
  // ten columns, one starved: the others are only 11% over, so the starved one is named
  const row = {};
  for (let i = 0; i < 9; i++) row['c' + i] = 1000;
  row.c9 = 10;
  const starved = verdict(shareMatrix({ r: row }));
  assert.equal(starved.kind, 'bad');
  assert.match(starved.text, /r \u2192 c9 gets 0\.1%, fair is 10%/);
});

test('small rows are not judged, empty input is fine', () => {
  const m = shareMatrix({ mta1: { proxy1: 3, proxy2: 1 } });
  assert.equal(m.rowImbalance.mta1, null);
  assert.equal(m.hot.length, 0);
  assert.equal(m.maxDeviation, 0);
  const e = shareMatrix(undefined);
  assert.deepEqual(e.rows, []);
  assert.equal(e.even, null);
  const z = shareMatrix({ mta1: { proxy1: 0 }, mta2: 'junk' });
  assert.deepEqual(z.rows, ['mta1']);
  assert.deepEqual(z.cols, []);
});

test('window sums the last N seconds', () => {
  const w = new MatrixWindow(3);
  w.push({ a: { x: 1 } });
  w.push({ a: { x: 1, y: 2 } });
  w.push({ b: { y: 5 } });
  w.push({ a: { x: 10 } });
  assert.equal(w.seconds, 3);
  assert.deepEqual(w.sum(), { a: { x: 11, y: 2 }, b: { y: 5 } });
  assert.deepEqual(addMatrices({}, { a: { x: -1, y: NaN } }), { a: {} });
});

test('cell colours: neutral when fair, orange above, blue below', () => {
  assert.match(deviationColor(0), /^rgba\(110,118,129/);
  assert.match(deviationColor(0.5), /^rgba\(240,136,62/);
  assert.match(deviationColor(-0.5), /^rgba\(76,154,255/);
  const alpha = (c) => Number(c.match(/,([\d.]+)\)$/)[1]);
  assert.ok(alpha(deviationColor(0.6)) > alpha(deviationColor(0.2)));
  assert.equal(deviationColor(null), deviationColor(undefined));
  assert.equal(formatShare(0.5), '50%');
  assert.equal(formatShare(null), '\u2013');
  assert.equal(formatDeviation(0.8), '+80%');
  assert.equal(formatDeviation(-0.7), '\u221270%');
});

test('noise in a quiet row is not flagged, the same skew in a busy row is', () => {
  // 30% off a fair share: 26/20/14 of 60 attempts is chance, 2600/2000/1400 is not
  const quiet = shareMatrix({ m: { a: 26, b: 20, c: 14 } });
  assert.ok(Math.abs(quiet.deviation.m.a - 0.3) < 1e-9);
  assert.equal(quiet.hot.length, 0);
  const busy = shareMatrix({ m: { a: 2600, b: 2000, c: 1400 } });
  assert.deepEqual(busy.hot.map((h) => h.col).sort(), ['a', 'c']);
  assert.ok(busy.hot.every((h) => Math.abs(h.z) >= 3));
  assert.match(deviationColor(0.5, false), /^rgba\(240,136,62,0\.\d+\)$/);
  const alpha = (c) => Number(c.match(/,([\d.]+)\)$/)[1]);
  assert.ok(alpha(deviationColor(0.5, false)) < alpha(deviationColor(0.5, true)));
});
