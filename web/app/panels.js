// DOM panels around the traffic view: top bar counters, legend toggles, controls,
// the share matrix and the event inspector. Text changes a few times a second only.

import { TYPE_COLORS, TYPE_LABELS, colorCss } from './protocol.js';
import { deviationColor, formatShare, formatDeviation, HOT_DEVIATION, MIN_Z } from './matrix.js';
import { formatCount, formatPercent, formatOneInN } from './rates.js';

const $ = (id) => document.getElementById(id);

function setText(el, text) {
  if (el && el.textContent !== text) el.textContent = text;
}

export class Panels {
  /**
   * @param {object} h handlers: onToggleKind(kind), onSquelch(), onPause(), onSpeed(exp),
   *                   onMaxRate(n), onResetLayout(), onRetry(), onCloseInspector()
   * @param {string[]} kinds legend order
   */
  constructor(h, kinds) {
    this.h = h;
    this.kinds = kinds;
    this.legendItems = {};
    const legend = $('legend');
    for (const kind of kinds) {
      const b = document.createElement('button');
      b.className = 'legend-item';
      b.dataset.kind = kind;
      b.setAttribute('aria-pressed', 'true');
      b.title = `Show or hide ${TYPE_LABELS[kind]} (hidden types are filtered by the server too)`;
      const sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = colorCss(TYPE_COLORS[kind]);
      sw.style.boxShadow = `0 0 6px ${colorCss(TYPE_COLORS[kind])}`;
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = TYPE_LABELS[kind];
      const rate = document.createElement('span');
      rate.className = 'rate';
      rate.textContent = '';
      b.append(sw, name, rate);
      b.addEventListener('click', () => h.onToggleKind(kind));
      legend.append(b);
      this.legendItems[kind] = { button: b, rate };
    }
    $('squelch').addEventListener('click', () => h.onSquelch());
    $('pause').addEventListener('click', () => h.onPause());
    $('reset-layout').addEventListener('click', () => h.onResetLayout());
    $('retry').addEventListener('click', () => h.onRetry());
    $('inspector-close').addEventListener('click', () => h.onCloseInspector());
    const speed = $('speed');
    speed.addEventListener('input', () => h.onSpeed(Number(speed.value)));
    $('max-rate').addEventListener('change', (e) => h.onMaxRate(Number(e.target.value)));
    this.noticeTimer = null;
    this.matrixKey = '';
  }

  setHidden(hidden, squelched) {
    for (const kind of this.kinds) {
      this.legendItems[kind].button.setAttribute('aria-pressed', hidden.has(kind) ? 'false' : 'true');
    }
    const s = $('squelch');
    s.setAttribute('aria-pressed', squelched ? 'true' : 'false');
    setText($('squelch-text'), squelched ? 'Errors squelched \u2713' : 'Squelch errors');
  }

  setPaused(paused) {
    const p = $('pause');
    p.setAttribute('aria-pressed', paused ? 'true' : 'false');
    p.textContent = paused ? '▶ Resume' : '❚❚ Pause';
    $('paused-badge').hidden = !paused;
  }

  setSpeed(exp) {
    $('speed').value = String(exp);
    const v = Math.pow(2, exp);
    setText($('speed-value'), (v < 1 ? v.toFixed(2).replace(/0$/, '') : v.toFixed(v % 1 ? 1 : 0)) + '×');
  }

  setMaxRate(n) {
    $('max-rate').value = String(n || 0);
  }

  connection(state, text, detail, showRetry) {
    $('conn').dataset.state = state;
    setText($('conn-text'), text);
    setText($('conn-detail'), detail || '\u00a0');
    $('retry').hidden = !showRetry;
  }

  notice(text, ms = 8000) {
    const n = $('notice');
    n.textContent = text;
    n.hidden = false;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => { n.hidden = true; }, ms);
  }

  inspect(ev, kind) {
    const box = $('inspector');
    if (!ev) { box.hidden = true; return; }
    let when = '';
    if (Number.isFinite(ev.ts)) {
      const d = new Date(ev.ts);
      when = ' · ' + d.toLocaleTimeString('en-GB', { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0');
    }
    const title = $('inspector-title');
    title.textContent = '';
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.cssText = `display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:7px;background:${colorCss(TYPE_COLORS[kind] ?? TYPE_COLORS.other)}`;
    title.append(sw, document.createTextNode(String(ev.type) + when));
    let json;
    try { json = JSON.stringify(ev, null, 2); } catch (_) { json = String(ev); }
    $('inspector-json').textContent = json;
    box.hidden = false;
  }

  /** Counters: called ~4 times a second with a snapshot from main.js. */
  counters(s) {
    setText($('eps'), formatCount(s.eventsPerSecond));
    setText($('eps-server'), s.serverEventsPerSecond !== null
      ? `server ${formatCount(s.serverEventsPerSecond)}/s` + (s.linesPerSecond !== null ? ` · ${formatCount(s.linesPerSecond)} lines/s` : '')
      : 'received here');
    setText($('bounce'), formatPercent(s.bounceRatio));
    setText($('bounce-detail'), s.deliveriesPerSecond !== null ? `of ${formatCount(s.deliveriesPerSecond)} attempts/s` : '\u00a0');
    const sampling = $('sampling');
    setText(sampling, formatOneInN(s.oneInN));
    sampling.classList.toggle('lossy', s.oneInN !== null && s.oneInN > 1.005);
    setText($('dropped'), `dropped ${formatCount(s.droppedPerSecond)}/s · ${formatCount(s.droppedTotal)} total`);
    setText($('fps'), s.fps ? `${Math.round(s.fps)} fps` : '–');
    setText($('dps'), `${formatCount(s.dotsPerSecond)} dots/s · ${formatCount(s.dotsActive)} live`);
    for (const kind of this.kinds) {
      const r = s.kindRates[kind];
      setText(this.legendItems[kind].rate, r >= 0.5 ? formatCount(r) + '/s' : '');
    }
  }

  /** The share matrix (re-rendered once per stats frame). */
  matrix(m, seconds) {
    const host = $('matrix');
    setText($('matrix-window'), seconds ? `last ${seconds} s` : '\u00a0');
    setText($('fair'), m.even ? `fair = ${formatShare(m.even)}` : '');
    if (!m.rows.length) {
      if (this.matrixKey !== 'empty') {
        host.innerHTML = '<p class="muted">no delivery attempts in the stats yet</p>';
        this.matrixKey = 'empty';
      }
      return;
    }
    this.matrixKey = 'table';
    const t = document.createElement('table');
    const cols = m.cols, extra = m.extraCols;
    const head = t.createTHead().insertRow();
    const corner = document.createElement('th');
    corner.className = 'rowh';
    corner.textContent = 'MTA';
    head.append(corner);
    for (const c of [...cols, ...extra]) {
      const th = document.createElement('th');
      th.textContent = c;
      th.title = c === 'none' ? 'attempts without a relay (not part of the shares)' : `relay ${c}`;
      head.append(th);
    }
    const hotSet = new Set(m.hot.map((h) => h.row + '\u0000' + h.col));
    const body = t.createTBody();
    for (const r of m.rows) {
      const tr = body.insertRow();
      tr.dataset.mta = r;
      const th = document.createElement('th');
      th.className = 'rowh';
      th.textContent = r;
      const w = m.rowImbalance[r];
      const worst = document.createElement('small');
      worst.textContent = w === null ? 'few attempts' : 'worst ' + formatDeviation(w);
      worst.style.color = m.hot.some((h) => h.row === r) ? '#f0883e' : '#8b949e';
      th.append(worst);
      th.title = `${formatCount(m.totals[r])} attempts in the window; largest deviation from a fair share ${formatDeviation(w) || 'not judged'}`;
      tr.append(th);
      for (const c of cols) {
        const td = tr.insertCell();
        const share = m.shares[r][c];
        const dev = m.deviation[r][c];
        const judged = m.rowImbalance[r] !== null;
        const zz = m.z[r][c];
        const significant = zz !== null && Math.abs(zz) >= MIN_Z;
        td.style.background = judged ? deviationColor(dev, significant) : deviationColor(null);
        if (hotSet.has(r + '\u0000' + c)) td.className = 'hot';
        td.dataset.relay = c;
        td.dataset.share = share === null ? '' : share.toFixed(4);
        td.title = `${r} → ${c}: ${formatCount(m.counts[r][c])} attempts, ${formatShare(share)} (${formatDeviation(dev)} vs fair` +
          (zz === null ? ')' : `, ${Math.abs(zz).toFixed(1)} σ${significant ? '' : ': could be chance'})`);
        const b = document.createElement('b');
        b.textContent = formatShare(share);
        const sm = document.createElement('small');
        sm.textContent = judged ? formatDeviation(dev) : 'few';
        td.append(b, sm);
      }
      for (const c of extra) {
        const td = tr.insertCell();
        td.className = 'extra';
        td.textContent = formatCount(m.counts[r][c]);
        td.title = `${r}: ${formatCount(m.counts[r][c])} attempts without relay (${c})`;
      }
    }
    const verdict = document.createElement('p');
    const worst = m.hot.length ? m.hot.reduce((a, b) => (Math.abs(b.deviation) > Math.abs(a.deviation) ? b : a)) : null;
    if (worst) {
      verdict.className = 'verdict bad';
      verdict.textContent = `Not round-robin: ${worst.row} → ${worst.col} gets ${formatShare(m.shares[worst.row][worst.col])} (fair ${formatShare(m.even)}).`;
    } else if (m.cols.length > 1 && m.rows.some((r) => m.rowImbalance[r] !== null)) {
      verdict.className = 'verdict good';
      verdict.textContent = `Round-robin holds: no relay is off a fair share by ${Math.round(HOT_DEVIATION * 100)}% or more (beyond chance).`;
    } else {
      verdict.className = 'verdict muted';
      verdict.textContent = 'Not enough attempts to judge yet.';
    }
    host.replaceChildren(t, verdict);
  }
}
