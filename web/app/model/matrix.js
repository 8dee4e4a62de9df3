// A share matrix: "is round-robin really round-robin?". Pure module.
//
// Input: a share's counts summed over the UI's window, {row: {col: n}} (the rows and
// columns are the label values a view's share names, docs/views.md).
// Each row is normalised to shares; a fair split gives every column 1/k of the row
// (k = columns seen in the window). deviation = share*k - 1, so 0 is fair, +0.5 is 50%
// more than a fair share, -1 is a column this row never uses.

import { naturalCompare } from './layout.js';
import { formatPercent } from './rates.js';

export const HOT_DEVIATION = 0.25;   // |deviation| from here on is highlighted
export const MIN_ROW_SAMPLES = 20;   // rows with fewer attempts in the window are not judged
export const MIN_Z = 3;              // and a cell is only "hot" when its deviation is no fluke:
                                     // |count - expected| >= MIN_Z binomial standard deviations

/** Sum of matrices (attempts). */
export function addMatrices(acc, m) {
  for (const r of Object.keys(m)) {
    const row = m[r];
    const a = acc[r] || (acc[r] = {});
    for (const c of Object.keys(row)) {
      const v = row[c];
      if (Number.isFinite(v) && v > 0) a[c] = (a[c] || 0) + v;
    }
  }
  return acc;
}

/** Sliding window over the last `size` per-second matrices. */
export class MatrixWindow {
  constructor(size = 10) {
    this.size = size;
    this.items = [];
  }
  push(matrix) {
    this.items.push(matrix || {});
    while (this.items.length > this.size) this.items.shift();
  }
  clear() { this.items.length = 0; }
  get seconds() { return this.items.length; }
  sum() {
    const acc = {};
    for (const m of this.items) addMatrices(acc, m);
    return acc;
  }
}

/**
 * Shares and deviations of a matrix.
 * @returns {{rows:string[], cols:string[], extraCols:string[], counts:object, totals:object,
 *            shares:object, deviation:object, z:object, even:number|null, rowImbalance:object,
 *            maxDeviation:number, hot:Array<{row:string,col:string,deviation:number,z:number}>}}
 * `hot` lists cells at least `hotAt` off a fair share and at least `minZ` standard deviations
 * away from it, so a busy row's real skew is flagged but a quiet one's noise is not.
 * Columns in `exclude` are counted apart (extraCols) and are not part of the shares.
 */
export function shareMatrix(matrix, { exclude = [], minRowSamples = MIN_ROW_SAMPLES, hotAt = HOT_DEVIATION, minZ = MIN_Z } = {}) {
  const m = matrix && typeof matrix === 'object' ? matrix : {};
  const excluded = new Set(exclude);
  const rows = Object.keys(m).filter((r) => m[r] && typeof m[r] === 'object').sort(naturalCompare);
  const colSet = new Set();
  const extraSet = new Set();
  for (const r of rows) {
    for (const c of Object.keys(m[r])) {
      const v = m[r][c];
      if (!(Number.isFinite(v) && v > 0)) continue;
      (excluded.has(c) ? extraSet : colSet).add(c);
    }
  }
  const cols = [...colSet].sort(naturalCompare);
  const extraCols = [...extraSet].sort(naturalCompare);
  const even = cols.length ? 1 / cols.length : null;
  const counts = {}, totals = {}, shares = {}, deviation = {}, z = {}, rowImbalance = {};
  const hot = [];
  let maxDeviation = 0;
  for (const r of rows) {
    const row = m[r];
    counts[r] = {};
    shares[r] = {};
    deviation[r] = {};
    z[r] = {};
    let total = 0;
    for (const c of cols) {
      const v = Number.isFinite(row[c]) && row[c] > 0 ? row[c] : 0;
      counts[r][c] = v;
      total += v;
    }
    for (const c of extraCols) counts[r][c] = Number.isFinite(row[c]) && row[c] > 0 ? row[c] : 0;
    totals[r] = total;
    let worst = 0;
    const judged = total >= minRowSamples && cols.length > 1;
    for (const c of cols) {
      if (total > 0) {
        const s = counts[r][c] / total;
        shares[r][c] = s;
        const d = s * cols.length - 1;
        deviation[r][c] = d;
        // binomial: expected total*even, sd sqrt(total*even*(1-even))
        const sd = Math.sqrt(total * even * (1 - even));
        const zz = sd > 0 ? (counts[r][c] - total * even) / sd : 0;
        z[r][c] = zz;
        if (judged) {
          if (Math.abs(d) > Math.abs(worst)) worst = d;
          if (Math.abs(d) > Math.abs(maxDeviation)) maxDeviation = d;
          if (Math.abs(d) >= hotAt && Math.abs(zz) >= minZ) hot.push({ row: r, col: c, deviation: d, z: zz });
        }
      } else {
        shares[r][c] = null;
        deviation[r][c] = null;
        z[r][c] = null;
      }
    }
    rowImbalance[r] = judged ? worst : null;
  }
  return { rows, cols, extraCols, counts, totals, shares, deviation, z, even, rowImbalance, maxDeviation, hot };
}

/**
 * Background colour of a cell by deviation from the even share: neutral near 0,
 * orange for more than its share, blue for less; intensity saturates at +-60%.
 */
export function deviationColor(d, significant = true) {
  if (d === null || d === undefined || !Number.isFinite(d)) return 'rgba(110,118,129,0.10)';
  const t = Math.min(1, Math.abs(d) / 0.6);
  if (Math.abs(d) < 0.08) return 'rgba(110,118,129,0.18)';
  const a = ((0.18 + 0.62 * t) * (significant ? 1 : 0.45)).toFixed(2);
  return d > 0 ? `rgba(240,136,62,${a})` : `rgba(76,154,255,${a})`;
}

/** A cell's share: as every percentage in the UI (rates.js formatPercent). */
export const formatShare = formatPercent;

export function formatDeviation(d) {
  if (d === null || d === undefined || !Number.isFinite(d)) return '';
  const p = Math.round(d * 100);
  return (p > 0 ? '+' : p < 0 ? '\u2212' : '\u00b1') + Math.abs(p) + '%';
}

/**
 * One line saying whether the split is fair, from shareMatrix's result:
 * {kind: 'bad'|'good'|'muted', text}. The worst column that gets *more* than its share
 * is named (the one a user would go and look at); a column starved to nothing is named
 * only when no column is over its share.
 */
export function verdict(m) {
  if (m.hot.length) {
    const over = m.hot.filter((h) => h.deviation > 0);
    const pool = over.length ? over : m.hot;
    const worst = pool.reduce((a, b) => (Math.abs(b.deviation) > Math.abs(a.deviation) ? b : a));
    return { kind: 'bad', text: `not round-robin: ${worst.row} \u2192 ${worst.col} gets ${formatShare(m.shares[worst.row][worst.col])}, fair is ${formatShare(m.even)}` };
  }
  if (m.cols.length > 1 && m.rows.some((r) => m.rowImbalance[r] !== null)) {
    return { kind: 'good', text: `round-robin holds: no column is off a fair share by ${Math.round(HOT_DEVIATION * 100)}% or more (beyond chance)` };
  }
  return { kind: 'muted', text: 'not enough counts to judge yet' };
}
