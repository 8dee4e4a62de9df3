// The Compare tab: each comparison of the view over the window (compare.js) as a table, one
// row per value of the label: observations, p50, p90, p99 and each against the baseline,
// then the verdict in words. Redrawn once a second; it has no controls to lose.

import { isTime } from '../model/compare.js';
import { showNote, clearNote, titledBlock } from './panel_note.js';

/** A quantile in the metric's own unit: "12.5 ms", "1.20 s", or 3 significant digits. */
export function formatQuantile(v, metric) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '\u2013';
  const sig = (x) => (x === 0 ? '0' : Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3).replace(/\.?0+$/, ''));
  if (/_seconds(_|$)/.test(metric)) return v < 1 ? `${sig(v * 1000)} ms` : `${sig(v)} s`;
  if (/(_milliseconds|_ms)(_|$)/.test(metric)) return v < 1000 ? `${sig(v)} ms` : `${sig(v / 1000)} s`;
  return sig(v);
}

/** A row's figure against the baseline's: "0.69×", "–" for the baseline itself. */
const formatRatio = (r) => (r === null || r === undefined || !Number.isFinite(r) ? '\u2013' : `${r.toFixed(2)}\u00d7`);

export class ComparePanel {
  constructor(host) {
    this.host = host;
    this.note = null;            // the one-line note shown instead of comparisons (panel_note.js)
  }

  /**
   * @param {object[]} list  windowCompares() of the current view
   * @param {string} span    what the window holds ("last 10 s", "since start"); '' while empty
   */
  render(list, span) {
    if (!list.length) { showNote(this, 'This view declares no comparisons (<code>compares:</code> in its rule file).'); return; }
    clearNote(this);
    this.host.replaceChildren(...list.map((c) => this.block(c, span)));
  }

  block(c, span) {
    const div = titledBlock('share compare', c.title,
      `${c.metric} by ${c.label}` + (c.baseline ? ` \u00b7 against ${c.baseline}` : '') + (span ? ` \u00b7 ${span}` : ''));
    if (c.rows.length) div.append(this.table(c));
    const p = document.createElement('p');
    p.className = 'verdict' + (/^not enough data|: not enough data/.test(c.verdict) ? ' muted' : '');
    p.textContent = c.verdict;
    div.append(p);
    for (const more of c.verdicts.slice(1, 4)) {
      const q = document.createElement('p');
      q.className = 'verdict more';
      q.textContent = more;
      div.append(q);
    }
    return div;
  }

  // Each figure with its ratio to the baseline's under it (the baseline's row says "base"),
  // so the table stays five columns wide in the side panel.
  table(c) {
    const histogram = c.kind === 'histogram';
    const table = document.createElement('table');
    table.className = 'compare-table';
    const head = histogram ? [c.label, 'n', 'p50', 'p90', 'p99'] : [c.label, 'n'];
    const tr = document.createElement('tr');
    for (const text of head) {
      const th = document.createElement('th');
      th.textContent = text;
      tr.append(th);
    }
    const thead = document.createElement('thead');
    thead.append(tr);
    const tbody = document.createElement('tbody');
    for (const [i, r] of c.rows.entries()) {
      const base = i === 0 && r.value === c.baseline;
      const row = document.createElement('tr');
      if (base) row.className = 'baseline';
      const name = document.createElement('th');
      name.textContent = r.value;
      name.title = r.value;   // the whole value on hover
      row.append(name);
      const cell = (text, ratio) => {
        const td = document.createElement('td');
        td.textContent = text;
        const small = document.createElement('small');
        small.textContent = base ? 'base' : formatRatio(ratio);
        td.append(small);
        row.append(td);
      };
      cell(r.count.toLocaleString('en-US'), r.ratio && r.ratio.count);
      if (histogram) {
        cell(formatQuantile(r.p50, c.metric), r.ratio && r.ratio.p50);
        cell(formatQuantile(r.p90, c.metric), r.ratio && r.ratio.p90);
        cell(formatQuantile(r.p99, c.metric), r.ratio && r.ratio.p99);
      }
      tbody.append(row);
    }
    table.append(thead, tbody);
    return table;
  }
}
