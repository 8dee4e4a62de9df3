// A share matrix too large for a table: the heatmap's colour scale, its row and column
// order (by name, or worst deviation first), the "worst cells" list, whether a table
// fits at all, and the matrix as CSV. Pure module; shares_panel.js draws it.

import { formatShare } from '../model/matrix.js';

const BG = [22, 27, 34];          // the side panel's background: cells blend into it
const OVER = [240, 136, 62];      // more than a fair share (the legend's orange)
const UNDER = [76, 154, 255];     // less (the legend's blue)
const FAIR = [110, 118, 129];
export const SATURATE_AT = 0.6;   // |deviation| from here on gets the full colour
export const NEUTRAL_BELOW = 0.08;

const mix = (a, b, t) => a.map((x, i) => Math.round(x + (b[i] - x) * t));

/**
 * Colour of a cell, [r, g, b], by its deviation from a fair share: grey near fair, orange
 * above, blue below, stronger with the deviation up to SATURATE_AT; a deviation that could
 * be chance (not significant) at half strength; no value at all darker than fair.
 */
export function heatColour(d, significant = true) {
  if (d === null || d === undefined || !Number.isFinite(d)) return mix(BG, FAIR, 0.12);
  if (Math.abs(d) < NEUTRAL_BELOW) return mix(BG, FAIR, 0.35);
  const t = Math.min(1, Math.abs(d) / SATURATE_AT);
  return mix(BG, d > 0 ? OVER : UNDER, (0.25 + 0.75 * t) * (significant ? 1 : 0.5));
}

export const cssRgb = (c) => `rgb(${c[0]},${c[1]},${c[2]})`;

/** Whether the matrix reads as a table of numbers in `width` px (else: a heatmap). */
export function tableFits(m, width, { cellPx = 46, rowHeaderPx = 80, maxRows = 16 } = {}) {
  return m.rows.length <= maxRows && rowHeaderPx + m.cols.length * cellPx <= width;
}

/**
 * Rows and columns in drawing order. 'name': as shareMatrix sorted them (natural order);
 * 'volume': the busiest rows and columns first (ties by name); 'worst': the rows whose
 * worst cell is furthest from fair first (unjudged rows last), and the columns likewise
 * by their worst cell over the judged rows.
 */
export function heatmapOrder(m, mode) {
  if (mode === 'volume') {
    const colTotals = new Map(m.cols.map((c) => [c, 0]));
    for (const r of m.rows) for (const c of m.cols) colTotals.set(c, colTotals.get(c) + (m.counts[r][c] || 0));
    // stable sorts over the natural order: ties stay by name
    return {
      rows: [...m.rows].sort((a, b) => (m.totals[b] || 0) - (m.totals[a] || 0)),
      cols: [...m.cols].sort((a, b) => colTotals.get(b) - colTotals.get(a)),
    };
  }
  if (mode !== 'worst') return { rows: m.rows, cols: m.cols };
  const rowKey = (r) => (m.rowImbalance[r] === null ? -1 : Math.abs(m.rowImbalance[r]));
  const rows = [...m.rows].sort((a, b) => rowKey(b) - rowKey(a));
  const colWorst = new Map(m.cols.map((c) => [c, -1]));
  for (const r of m.rows) {
    if (m.rowImbalance[r] === null) continue;
    for (const c of m.cols) {
      const d = m.deviation[r][c];
      if (d !== null && Math.abs(d) > colWorst.get(c)) colWorst.set(c, Math.abs(d));
    }
  }
  const cols = [...m.cols].sort((a, b) => colWorst.get(b) - colWorst.get(a));
  return { rows, cols };
}

/**
 * The `n` judged cells furthest from a fair share, beyond-chance ("hot") ones first:
 * [{row, col, count, share, deviation, hot}].
 */
export function worstCells(m, n = 5) {
  const hot = new Set(m.hot.map((h) => h.row + '\u0000' + h.col));
  const cells = [];
  for (const r of m.rows) {
    if (m.rowImbalance[r] === null) continue;
    for (const c of m.cols) {
      const d = m.deviation[r][c];
      if (d === null) continue;
      cells.push({ row: r, col: c, count: m.counts[r][c], share: m.shares[r][c], deviation: d, hot: hot.has(r + '\u0000' + c) });
    }
  }
  cells.sort((a, b) => (b.hot - a.hot) || Math.abs(b.deviation) - Math.abs(a.deviation));
  return cells.slice(0, n);
}

function csvField(v) {
  const s = String(v);
  return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

/**
 * The matrix as CSV for a ticket or a spreadsheet: one line per row, each column's share
 * of the row as a percentage, then the row's count; the corner names rows and columns.
 */
export function matrixCsv(m, rowsLabel, colsLabel) {
  const lines = [[`${rowsLabel} \\ ${colsLabel}`, ...m.cols, 'count'].map(csvField).join(',')];
  for (const r of m.rows) {
    const cells = m.cols.map((c) => (m.shares[r][c] === null ? '' : (m.shares[r][c] * 100).toFixed(1)));
    lines.push([r, ...cells, m.totals[r]].map(csvField).join(','));
  }
  return lines.join('\n') + '\n';
}

/** One line for a cell: "mta7 → proxy3: 123, 12% (fair 8%)". */
export function describeCell(m, r, c) {
  return `${r} \u2192 ${c}: ${m.counts[r][c]}, ${formatShare(m.shares[r][c])} (fair ${formatShare(m.even)})`;
}
