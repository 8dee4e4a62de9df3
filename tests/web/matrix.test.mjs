import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shareMatrix, MatrixWindow, deviationColor, formatShare, formatDeviation, addMatrices } from '../../web/app/matrix.js';

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

test('a relay an MTA never uses counts as -100%; "none" is kept apart', () => {
  const m = shareMatrix({ mta1: { proxy1: 100, none: 40 }, mta2: { proxy1: 50, proxy2: 50 } });
  assert.deepEqual(m.cols, ['proxy1', 'proxy2']);
  assert.deepEqual(m.extraCols, ['none']);
  assert.equal(m.counts.mta1.none, 40);
  close(m.shares.mta1.proxy1, 1);
  close(m.deviation.mta1.proxy2, -1);
  close(m.maxDeviation, 1);
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
