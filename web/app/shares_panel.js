// The share matrices of the current view, one table per declared share, with the
// imbalance highlighted and a verdict line — "is round-robin really round-robin?".
// Re-rendered once per stats frame (DOM only; the numbers come from stats_window.js).

import { deviationColor, formatShare, formatDeviation, verdict, MIN_Z } from './matrix.js';
import { formatCount } from './rates.js';

export class SharesPanel {
  /** @param {HTMLElement} host where the matrices go */
  constructor(host) {
    this.host = host;
    this.viewKey = '';
  }

  /**
   * @param {object[]} shares  StatsWindow.shares(view) of the current view
   * @param {number} seconds   how many seconds the window holds now
   */
  render(shares, seconds) {
    if (!shares.length) {
      if (this.viewKey !== 'none') {
        this.host.innerHTML = '<p class="muted">This view declares no shares.</p>';
        this.viewKey = 'none';
      }
      return;
    }
    this.viewKey = 'shares';
    const blocks = shares.map((s) => this.block(s, seconds));
    const key = document.createElement('p');
    key.className = 'key';
    key.innerHTML = '<span class="sw over"></span>more than a fair share <span class="sw under"></span>less';
    this.host.replaceChildren(...blocks, key);
  }

  block(s, seconds) {
    const div = document.createElement('div');
    div.className = 'share';
    div.dataset.title = s.title;
    const h = document.createElement('h3');
    h.textContent = s.title;
    const sub = document.createElement('small');
    sub.textContent = `${s.rows} \u2192 ${s.cols}` + (seconds ? ` \u00b7 last ${seconds} s` : '');
    h.append(sub);
    div.append(h);
    const m = s.matrix;
    if (!m.rows.length) {
      const p = document.createElement('p');
      p.className = 'muted';
      p.textContent = seconds ? `no ${s.metric} counted in the last ${seconds} s` : 'waiting for stats\u2026';
      div.append(p);
      return div;
    }
    const wrap = document.createElement('div');
    wrap.className = 'matrix';
    wrap.append(this.table(s));
    const v = verdict(m);
    const p = document.createElement('p');
    p.className = 'verdict ' + v.kind;
    p.textContent = v.text;
    div.append(wrap, p);
    return div;
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
    for (const c of m.cols) {
      const th = document.createElement('th');
      th.textContent = c;
      th.title = `${s.cols} ${c}`;
      head.append(th);
    }
    const hotSet = new Set(m.hot.map((x) => x.row + '\u0000' + x.col));
    const body = t.createTBody();
    for (const r of m.rows) {
      const tr = body.insertRow();
      tr.dataset.row = r;
      const th = document.createElement('th');
      th.className = 'rowh';
      th.textContent = r;
      const w = m.rowImbalance[r];
      const worst = document.createElement('small');
      worst.textContent = w === null ? 'few counts' : 'worst ' + formatDeviation(w);
      worst.style.color = m.hot.some((x) => x.row === r) ? '#f0883e' : '#8b949e';
      th.append(worst);
      th.title = `${formatCount(m.totals[r])} counted in the window; largest deviation from a fair share ${formatDeviation(w) || 'not judged'}`;
      tr.append(th);
      for (const c of m.cols) {
        const td = tr.insertCell();
        const share = m.shares[r][c];
        const dev = m.deviation[r][c];
        const judged = m.rowImbalance[r] !== null;
        const zz = m.z[r][c];
        const significant = zz !== null && Math.abs(zz) >= MIN_Z;
        td.style.background = judged ? deviationColor(dev, significant) : deviationColor(null);
        if (hotSet.has(r + '\u0000' + c)) td.className = 'hot';
        td.dataset.col = c;
        td.dataset.share = share === null ? '' : share.toFixed(4);
        td.title = `${r} \u2192 ${c}: ${formatCount(m.counts[r][c])}, ${formatShare(share)} (${formatDeviation(dev)} vs fair` +
          (zz === null ? ')' : `, ${Math.abs(zz).toFixed(1)} \u03c3${significant ? '' : ': could be chance'})`);
        const b = document.createElement('b');
        b.textContent = formatShare(share);
        const sm = document.createElement('small');
        sm.textContent = judged ? formatDeviation(dev) : 'few';
        td.append(b, sm);
      }
    }
    return t;
  }
}
