// The share matrices of the current view — "is round-robin really round-robin?". A matrix
// that fits the side panel is a table of shares; a larger one is a heatmap (a canvas: one
// coloured cell per row and column, the value on hover), sortable by worst deviation, with
// the worst cells listed under it. Every matrix opens in full in an overlay and copies as
// CSV. Re-rendered once per stats frame (DOM only; the numbers come from stats_window.js).

import { deviationColor, formatShare, formatDeviation, verdict, MIN_Z } from '../model/matrix.js';
import { heatColour, cssRgb, tableFits, heatmapOrder, worstCells, matrixCsv, describeCell } from './heatmap.js';
import { formatCount } from '../model/rates.js';
import { copyText } from './clipboard.js';
import { showNote, clearNote, titledBlock } from './panel_note.js';
import { $ } from './dom.js';

const LABEL_FONT = '10px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
const ROW_PX = 11;  // a heatmap row: one line of its 10 px label

export class SharesPanel {
  /** @param {HTMLElement} host where the matrices go */
  constructor(host) {
    this.host = host;
    this.note = null;            // the one-line note shown instead of shares (panel_note.js)
    this.last = new Map();       // title -> the share as last rendered (CSV, overlay)
    this.order = new Map();      // title -> 'name' | 'volume' | 'worst' (heatmaps of fair shares)
    this.showCounts = new Set(); // titles whose cells show counts (shares under them)
    this.overlayTitle = null;    // the share shown in the overlay
    this.hover = null;           // {title, row, col}: the heatmap cell under the pointer, kept across re-renders
    $('matrix-overlay-close').addEventListener('click', () => this.closeOverlay());
    $('matrix-overlay').addEventListener('click', (e) => { if (e.target.id === 'matrix-overlay') this.closeOverlay(); });
    $('matrix-overlay-csv').addEventListener('click', (e) => this.copy(this.overlayTitle, e.currentTarget));
    document.addEventListener('keydown', (e) => { if (e.key === 'Escape') this.closeOverlay(); });
  }

  /**
   * @param {object[]} shares  StatsWindow.shares(view) of the current view
   * @param {string} span      what the window holds now ("last 10 s", "last 1 h", "since start"); '' while empty
   */
  render(shares, span) {
    this.last = new Map(shares.map((s) => [s.title, s]));
    if (!shares.length) { showNote(this, 'This view declares no shares.'); return; }
    clearNote(this);
    const width = this.host.clientWidth || 300;
    const blocks = shares.map((s) => this.block(s, span, width));
    const key = document.createElement('p');
    key.className = 'key';
    key.innerHTML = '<span class="sw over"></span>more than a fair share <span class="sw under"></span>less';
    // The colour key only where some matrix is judged against a fair split.
    this.host.replaceChildren(...blocks, ...(shares.some((s) => s.fair !== false) ? [key] : []));
    if (this.overlayTitle !== null) this.fillOverlay();
  }

  /** The CSV of a share as rendered last (what "Copy CSV" copies), or null. */
  csv(title) {
    const s = this.last.get(title);
    return s ? matrixCsv(s.matrix, s.rows, s.cols) : null;
  }

  block(s, span, width) {
    const m = s.matrix;
    const div = titledBlock('share', s.title, `${s.rows} \u2192 ${s.cols}` + (m.rows.length ? ` \u00b7 ${m.rows.length}\u00d7${m.cols.length}` : '') +
      (span ? ` \u00b7 ${span}` : ''));
    if (!m.rows.length) {
      const p = document.createElement('p');
      p.className = 'muted';
      p.textContent = span ? `no ${s.metric} counted (${span})` : 'waiting for stats\u2026';
      div.append(p);
      return div;
    }
    const fits = tableFits(m, width);
    div.dataset.mode = fits ? 'table' : 'heatmap';
    div.append(this.tools(s, fits));
    const wrap = document.createElement('div');
    wrap.className = 'matrix';
    wrap.append(fits ? this.table(s) : this.heatmap(s, width));
    div.append(wrap);
    if (!fits) {
      const readout = document.createElement('p');
      readout.className = 'readout muted';
      const h = this.hover;
      readout.textContent = h && h.title === s.title && m.counts[h.row] && h.col in m.counts[h.row] ? cellText(m, h.row, h.col, s.fair !== false) : 'hover a cell for its value';
      div.append(readout);
    }
    const fair = s.fair !== false;
    const v = fair ? verdict(m) : { kind: 'none', text: 'counts and shares of each row; no even split is expected (fair: false)' };
    const p = document.createElement('p');
    p.className = 'verdict ' + v.kind;
    p.textContent = v.text;
    div.append(p);
    if (!fits && fair) div.append(this.worstList(m));
    return div;
  }

  /** Sort (heatmaps), full matrix, copy CSV. */
  tools(s, fits) {
    const bar = document.createElement('div');
    bar.className = 'share-tools';
    const redraw = (el) => {
      const div = el.closest('.share');
      if (div) div.replaceWith(this.block(s, 0, this.host.clientWidth || 300));
    };
    const orders = [['name', 'by name'], ['volume', 'by volume']];
    if (!fits && s.fair !== false) orders.push(['worst', 'worst first']);
    // A button that steps through the orders (a <select> would close under the pointer:
    // the panel is redrawn every second).
    const now = this.orderOf(s, fits);
    const at = Math.max(0, orders.findIndex(([value]) => value === now));
    const order = button(orders[at][1], 'Order rows and columns: by name, the busiest first, or (heatmaps) the ' +
      'furthest from a fair share first. Click for the next order.');
    order.className = 'small order';
    order.dataset.order = orders[at][0];
    order.addEventListener('click', () => { this.order.set(s.title, orders[(at + 1) % orders.length][0]); redraw(order); });
    const counts = button('counts', 'Show each cell\'s count (its share under it) instead of its share');
    counts.className = 'small counts';
    counts.setAttribute('aria-pressed', this.showCounts.has(s.title) ? 'true' : 'false');
    counts.addEventListener('click', () => {
      if (this.showCounts.has(s.title)) this.showCounts.delete(s.title); else this.showCounts.add(s.title);
      redraw(counts);
    });
    bar.append(order, counts);
    const full = button('Full matrix', 'Every row and column with its numbers, in a larger window');
    full.className = 'small full';
    full.addEventListener('click', () => this.openOverlay(s.title));
    const csv = button('Copy CSV', 'Copy the matrix (shares in %, and each row\'s count) for a ticket or a spreadsheet');
    csv.className = 'small csv';
    csv.addEventListener('click', (e) => this.copy(s.title, e.currentTarget));
    bar.append(full, csv);
    return bar;
  }

  async copy(title, btn) {
    const text = this.csv(title);
    if (text === null) return;
    const ok = await copyText(text);
    if (btn) {
      const was = btn.textContent;
      btn.textContent = ok ? 'copied \u2713' : 'copy failed';
      setTimeout(() => { btn.textContent = was; }, 1500);
    }
  }

  /** The worst cells, one line each. */
  worstList(m) {
    const ol = document.createElement('ol');
    ol.className = 'worst';
    for (const c of worstCells(m, 5)) {
      const li = document.createElement('li');
      li.textContent = `${c.row} \u2192 ${c.col}: ${formatShare(c.share)} (${formatDeviation(c.deviation)})`;
      if (c.hot) li.className = 'hot';
      ol.append(li);
    }
    if (!ol.childElementCount) ol.hidden = true;
    return ol;
  }

  /** A canvas with one cell per row and column; the cell under the pointer is described. */
  heatmap(s, width) {
    const m = s.matrix;
    const fair = s.fair !== false;
    const { rows, cols } = heatmapOrder(m, this.orderOf(s, false));
    const headH = 44;
    // Every row gets its label (rows at least a line of text high), as wide as the longest
    // needs up to 40% of the panel; a longer one is cut in the middle, so that rows that
    // differ only at the end (10.0.3.17, 10.0.3.171) still read apart. Full names on hover.
    const measure = document.createElement('canvas').getContext('2d');
    measure.font = LABEL_FONT;
    const longest = rows.reduce((w, r) => Math.max(w, measure.measureText(r).width), 0);
    const labelW = Math.round(Math.max(62, Math.min(width * 0.4, longest + 6)));
    const cellW = Math.max(6, Math.min(22, Math.floor((width - labelW - 4) / cols.length)));
    const cellH = Math.max(ROW_PX, Math.min(14, cellW));
    const W = labelW + cols.length * cellW, H = headH + rows.length * cellH;
    const canvas = document.createElement('canvas');
    canvas.className = 'heatmap';
    canvas.width = W;
    canvas.height = H;
    canvas.dataset.rows = String(rows.length);
    canvas.dataset.cols = String(cols.length);
    const ctx = canvas.getContext('2d');
    ctx.font = LABEL_FONT;
    ctx.fillStyle = '#8b949e';
    ctx.textBaseline = 'middle';
    const colEvery = Math.ceil(11 / cellW);
    rows.forEach((r, i) => ctx.fillText(clipMiddle(ctx, r, labelW - 4), 0, headH + i * cellH + cellH / 2));
    cols.forEach((c, j) => {
      if (j % colEvery !== 0) return;
      ctx.save();
      ctx.translate(labelW + j * cellW + cellW / 2, headH - 3);
      ctx.rotate(-Math.PI / 2);
      ctx.fillText(clip(ctx, c, headH - 4), 0, 0);
      ctx.restore();
    });
    rows.forEach((r, i) => {
      const judged = m.rowImbalance[r] !== null;
      cols.forEach((c, j) => {
        const zz = m.z[r][c];
        // Not fair: the cell's share as plain intensity, no over/under colour.
        ctx.fillStyle = fair ? cssRgb(heatColour(judged ? m.deviation[r][c] : null, zz !== null && Math.abs(zz) >= MIN_Z))
          : shareShade(m.shares[r][c]);
        ctx.fillRect(labelW + j * cellW, headH + i * cellH, cellW - 1, cellH - 1);
      });
    });
    const hot = new Set(fair ? m.hot.map((x) => x.row + '\u0000' + x.col) : []);
    ctx.strokeStyle = 'rgba(255,255,255,0.8)';
    rows.forEach((r, i) => cols.forEach((c, j) => {
      if (hot.has(r + '\u0000' + c)) ctx.strokeRect(labelW + j * cellW + 0.5, headH + i * cellH + 0.5, cellW - 2, cellH - 2);
    }));
    canvas.addEventListener('mouseleave', () => { this.hover = null; });
    canvas.addEventListener('mousemove', (e) => {
      const b = canvas.getBoundingClientRect();
      const j = Math.floor((e.clientX - b.left - labelW) / cellW), i = Math.floor((e.clientY - b.top - headH) / cellH);
      const inside = i >= 0 && j >= 0 && i < rows.length && j < cols.length;
      const text = inside ? cellText(m, rows[i], cols[j], fair) : '';
      this.hover = inside ? { title: s.title, row: rows[i], col: cols[j] } : null;
      canvas.title = text;
      const readout = canvas.closest('.share') && canvas.closest('.share').querySelector('.readout');
      if (readout) readout.textContent = text || 'hover a cell for its value';
    });
    return canvas;
  }

  table(s) {
    const m = s.matrix;
    const t = document.createElement('table');
    const head = t.createTHead().insertRow();
    const corner = document.createElement('th');
    corner.className = 'rowh';
    corner.textContent = s.rows;
    corner.title = `rows: ${s.rows}; columns: ${s.cols}`;
    head.append(corner);
    // long column names (10.0.0.11:8080) stand upright, so every column keeps its width
    const { rows, cols } = heatmapOrder(m, this.orderOf(s, true));
    const countsShown = this.showCounts.has(s.title);
    const upright = cols.some((c) => c.length > 6);
    for (const c of cols) {
      const th = document.createElement('th');
      th.textContent = c;
      th.title = `${s.cols} ${c}`;
      if (upright) th.className = 'upright';
      head.append(th);
    }
    const fair = s.fair !== false;
    const hotSet = new Set(fair ? m.hot.map((x) => x.row + '\u0000' + x.col) : []);
    // What is usual (usual.js): each cell's share over the hour before the window; the cells
    // that moved more than that hour's spread explains are marked.
    const usual = s.usual ? s.usual.usual : {};
    const oddSet = new Set(s.usual ? s.usual.unusual.map((x) => x.row + '\u0000' + x.col) : []);
    const body = t.createTBody();
    for (const r of rows) {
      const tr = body.insertRow();
      tr.dataset.row = r;
      const th = document.createElement('th');
      th.className = 'rowh';
      th.textContent = r;
      const w = m.rowImbalance[r];
      const worst = document.createElement('small');
      worst.textContent = !fair ? formatCount(m.totals[r]) : w === null ? 'few counts' : 'worst ' + formatDeviation(w);
      worst.style.color = fair && m.hot.some((x) => x.row === r) ? '#f0883e' : '#8b949e';
      th.append(worst);
      th.title = fair ? `${r}: ${formatCount(m.totals[r])} counted in the window; largest deviation from a fair share ${formatDeviation(w) || 'not judged'}`
        : `${r}: ${formatCount(m.totals[r])} counted in the window`;
      tr.append(th);
      for (const c of cols) {
        const td = tr.insertCell();
        const share = m.shares[r][c];
        const dev = m.deviation[r][c];
        const judged = m.rowImbalance[r] !== null;
        const zz = m.z[r][c];
        const significant = zz !== null && Math.abs(zz) >= MIN_Z;
        td.style.background = !fair ? shareShade(share) : judged ? deviationColor(dev, significant) : deviationColor(null);
        const odd = oddSet.has(r + '\u0000' + c);
        td.className = [hotSet.has(r + '\u0000' + c) ? 'hot' : '', odd ? 'unusual' : ''].join(' ').trim();
        td.dataset.col = c;
        td.dataset.share = share === null ? '' : share.toFixed(4);
        td.title = !fair ? `${r} \u2192 ${c}: ${formatCount(m.counts[r][c])}, ${formatShare(share)} of ${r}'s`
          : `${r} \u2192 ${c}: ${formatCount(m.counts[r][c])}, ${formatShare(share)} (${formatDeviation(dev)} vs fair` +
            (zz === null ? ')' : `, ${Math.abs(zz).toFixed(1)} \u03c3${significant ? '' : ': could be chance'})`);
        const u = usual[r] && usual[r][c];
        if (u !== undefined) td.title += `; usually ${formatShare(u)} (the hour before)${odd ? ': more of a change than that hour\'s minutes explain' : ''}`;
        const b = document.createElement('b');
        b.textContent = countsShown ? formatCount(m.counts[r][c] || 0) : formatShare(share);
        const sm = document.createElement('small');
        sm.textContent = countsShown ? formatShare(share) : !fair ? formatCount(m.counts[r][c] || 0) : judged ? formatDeviation(dev) : 'few';
        td.append(b, sm);
      }
    }
    return t;
  }

  /** The order a share's rows and columns are drawn in ('worst' only for a fair share's heatmap). */
  orderOf(s, fits) {
    const o = this.order.get(s.title) || 'name';
    return o === 'worst' && (fits || s.fair === false) ? 'name' : o;
  }

  openOverlay(title) {
    this.overlayTitle = title;
    this.fillOverlay();
    $('matrix-overlay').hidden = false;
  }

  closeOverlay() {
    this.overlayTitle = null;
    $('matrix-overlay').hidden = true;
  }

  /** The overlay's full table, kept current while it is open (scroll position kept). */
  fillOverlay() {
    const s = this.last.get(this.overlayTitle);
    const body = $('matrix-overlay-body');
    if (!s) { this.closeOverlay(); return; }
    $('matrix-overlay-title').textContent = `${s.title} \u2014 ${s.rows} \u2192 ${s.cols}, ${s.matrix.rows.length}\u00d7${s.matrix.cols.length}`;
    const t = this.table(s);
    t.className = 'full';
    body.replaceChildren(t);
  }
}

function cellText(m, r, c, fair = true) {
  if (!fair) return describeCell(m, r, c);
  return describeCell(m, r, c) + ', ' + (formatDeviation(m.deviation[r][c]) || 'no count') + ' vs fair';
}

/** A share as a plain shade (no fair split to judge against): more of the row, brighter. */
function shareShade(share) {
  if (share === null || share === undefined || !Number.isFinite(share) || share <= 0) return 'rgba(110,118,129,0.10)';
  return `rgba(76,154,255,${(0.12 + 0.6 * Math.min(1, share)).toFixed(2)})`;
}

function button(text, title) {
  const b = document.createElement('button');
  b.textContent = text;
  b.title = title;
  return b;
}

/** `text` cut in the middle with an ellipsis to fit `px`: its start and its end both show. */
function clipMiddle(ctx, text, px) {
  if (ctx.measureText(text).width <= px) return text;
  let head = Math.ceil(text.length / 2), tail = Math.floor(text.length / 2);
  const cut = () => text.slice(0, head) + '\u2026' + text.slice(text.length - tail);
  while (head + tail > 1 && ctx.measureText(cut()).width > px) {
    if (head >= tail) head--; else tail--;
  }
  return cut();
}

/** `text` cut with an ellipsis to fit `px` in the canvas's font. */
function clip(ctx, text, px) {
  if (ctx.measureText(text).width <= px) return text;
  let s = text;
  while (s.length > 1 && ctx.measureText(s + '\u2026').width > px) s = s.slice(0, -1);
  return s + '\u2026';
}
