// DOM panels: top bar (connection, rates, the view's ratios), view tabs, legend and
// squelch toggle, controls, inspector, notices, side-panel tabs. Text changes a few
// times a second only; the legend and tabs are rebuilt when the view changes.

import { formatCount, formatPercent, formatOneInN } from '../model/rates.js';
import { SIDE_TABS } from '../model/store.js';

const $ = (id) => document.getElementById(id);

function setText(el, text) {
  if (el && el.textContent !== text) el.textContent = text;
}


export class Panels {
  /**
   * @param {object} h handlers: onToggleType(type), onSquelch(), onPause(), onSpeed(exp),
   *                   onMaxRate(n), onResetLayout(), onRetry(), onCloseInspector(),
   *                   onChooseView(id), onSideTab(name), onWindow('10'|...|'all')
   */
  constructor(h) {
    this.h = h;
    this.legendItems = new Map();   // type -> {button, rate}
    this.legendKey = null;   // null: nothing drawn yet (an empty legend is drawn too)
    this.tabsKey = '';
    this.ratioItems = new Map();    // title -> {value, detail}
    this.ratiosKey = '';
    this.daemonsKey = '';           // several daemons: their list as last built
    this.daemonItems = [];
    $('squelch').addEventListener('click', () => h.onSquelch());
    $('pause').addEventListener('click', () => h.onPause());
    $('reset-layout').addEventListener('click', () => h.onResetLayout());
    $('retry').addEventListener('click', () => h.onRetry());
    $('inspector-close').addEventListener('click', () => h.onCloseInspector());
    const speed = $('speed');
    speed.addEventListener('input', () => h.onSpeed(Number(speed.value)));
    $('max-rate').addEventListener('change', (e) => h.onMaxRate(Number(e.target.value)));
    $('window').addEventListener('change', (e) => h.onWindow(e.target.value));
    for (const b of document.querySelectorAll('#side-tabs button')) {
      b.addEventListener('click', () => h.onSideTab(b.dataset.tab));
    }
    this.noticeTimer = null;
  }

  /** The legend from legendModel(): rebuilt when its types or colours change, else only toggled. */
  setLegend(model) {
    const key = model.entries.map((e) => e.type + '\u0000' + e.css).join('\u0001');
    if (key !== this.legendKey) {
      this.legendKey = key;
      this.legendItems.clear();
      const legend = $('legend');
      const buttons = model.entries.map((e) => {
        const b = document.createElement('button');
        b.className = 'legend-item';
        b.dataset.type = e.type;
        b.title = `Show or hide ${e.type}` + (e.declared ? '' : ' (not declared by the view: colour from the palette)') +
          ' \u2014 hidden types are filtered by the server too';
        const sw = document.createElement('span');
        sw.className = 'swatch';
        sw.style.background = e.css;
        sw.style.boxShadow = `0 0 6px ${e.css}`;
        const name = document.createElement('span');
        name.className = 'name';
        name.textContent = e.type;
        const rate = document.createElement('span');
        rate.className = 'rate';
        b.append(sw, name, rate);
        b.addEventListener('click', () => this.h.onToggleType(e.type));
        this.legendItems.set(e.type, { button: b, rate });
        return b;
      });
      if (!buttons.length) {
        const p = document.createElement('p');
        p.className = 'muted';
        p.textContent = 'no types yet';
        legend.replaceChildren(p);
      } else {
        legend.replaceChildren(...buttons);
      }
    }
    for (const e of model.entries) this.legendItems.get(e.type).button.setAttribute('aria-pressed', e.hidden ? 'false' : 'true');
    const s = $('squelch');
    s.hidden = !model.squelch.shown;
    s.setAttribute('aria-pressed', model.squelch.pressed ? 'true' : 'false');
    s.title = `Hide ${model.squelch.types.join(' and ')} here and ask the server not to send them`;
    setText($('squelch-text'), model.squelch.pressed ? 'Errors squelched \u2713' : 'Squelch errors');
    setText($('squelch-types'), model.squelch.types.join(' + '));
  }

  /** One tab per view, shown only when there are several. */
  setTabs(views, currentId) {
    const nav = $('view-tabs');
    const key = views.map((v) => v.id + '\u0000' + v.title).join('\u0001');
    if (key !== this.tabsKey) {
      this.tabsKey = key;
      nav.replaceChildren(...views.map((v) => {
        const b = document.createElement('button');
        b.className = 'view-tab';
        b.setAttribute('role', 'tab');
        b.dataset.view = v.id;
        b.textContent = v.title;
        b.title = v.file ? `${v.title} (${v.file})` : v.title;
        b.addEventListener('click', () => this.h.onChooseView(v.id));
        return b;
      }));
    }
    nav.hidden = views.length < 2;
    for (const b of nav.children) b.setAttribute('aria-selected', b.dataset.view === currentId ? 'true' : 'false');
  }

  /** The side panel's tab: shares, measurements or rules. */
  setSideTab(name) {
    for (const b of document.querySelectorAll('#side-tabs button')) {
      b.setAttribute('aria-selected', b.dataset.tab === name ? 'true' : 'false');
    }
    for (const t of SIDE_TABS) $(t + '-panel').hidden = t !== name;
  }

  /** The view's ratios in the top bar: one figure each (value over the window, "of N/s"). */
  ratios(list) {
    const key = list.map((r) => r.title).join('\u0001');
    if (key !== this.ratiosKey) {
      this.ratiosKey = key;
      this.ratioItems.clear();
      $('ratios').replaceChildren(...list.map((r) => {
        const d = document.createElement('div');
        d.className = 'stat ratio';
        d.dataset.title = r.title;
        d.title = `${r.title}: part of ${r.metric} over all of it, summed over the window (from the server's stats)`;
        const label = document.createElement('label');
        label.textContent = r.title;
        const value = document.createElement('b');
        value.textContent = '\u2013';
        const detail = document.createElement('small');
        detail.textContent = '\u00a0';
        d.append(label, value, detail);
        this.ratioItems.set(r.title, { value, detail, box: d });
        return d;
      }));
    }
    for (const r of list) {
      const it = this.ratioItems.get(r.title);
      setText(it.value, formatPercent(r.value) + (r.unusual ? ' ?' : ''));
      // What is usual (usual.js): the value over the hour before the window.
      const usual = r.usual !== null && r.usual !== undefined ? `usual ${formatPercent(r.usual)} \u00b7 ` : '';
      setText(it.detail, r.perSecond !== null ? `${usual}of ${formatCount(r.perSecond)}/s` : '\u00a0');
      it.box.classList.toggle('unusual', !!r.unusual);
      it.box.title = `${r.title}: part of ${r.metric} over all of it, summed over the window` +
        (usual ? `; ${formatPercent(r.usual)} over the hour before it` +
          (r.unusual ? ', a bigger change than that hour\'s minute-to-minute spread explains' : '') : '');
    }
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

  setWindow(w) {
    $('window').value = String(w);
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

  /**
   * Several daemons: a dot and a name per daemon under the connection line (in place of
   * its detail), its state in the dot's colour, the rest in its tooltip; a click on one
   * that is waiting to reconnect retries it now.
   * @param {object[]} list window.tapemeasure.daemons
   */
  daemons(list) {
    const host = $('daemon-list');
    const several = list.length > 1;
    host.hidden = !several;
    $('conn-detail').hidden = several;
    if (!several) return;
    const key = list.map((d) => d.ws).join('\u0001');
    if (key !== this.daemonsKey) {
      this.daemonsKey = key;
      this.daemonItems = list.map((d, i) => {
        const item = document.createElement('button');
        item.className = 'daemon';
        item.dataset.index = String(i);
        const led = document.createElement('span');
        led.className = 'led';
        const name = document.createElement('span');
        name.className = 'name';
        const retry = document.createElement('span');
        retry.className = 'retry-in';
        item.append(led, name, retry);
        item.addEventListener('click', () => this.h.onRetry());
        return { item, name, retry };
      });
      host.replaceChildren(...this.daemonItems.map((x) => x.item));
    }
    list.forEach((d, i) => {
      const it = this.daemonItems[i];
      it.item.dataset.state = d.state;
      it.item.dataset.name = d.name;
      setText(it.name, d.name);
      const secs = d.retryInMs !== null ? Math.ceil(d.retryInMs / 1000) : null;
      setText(it.retry, secs !== null ? `\u21bb${secs}s` : '');
      const what = d.state === 'open'
        ? `live \u00b7 ${formatCount(d.eventsReceived)} events received` + (d.lastSeq !== null ? ` \u00b7 seq ${d.lastSeq}` : '')
        : d.state === 'connecting' ? `connecting (attempt ${d.attempt})`
          : `closed${d.lastError ? ' (' + d.lastError + ')' : ''}` + (secs !== null ? ` \u00b7 retry in ${secs} s (attempt ${d.attempt}) \u2014 click to retry now` : '');
      it.item.title = `${d.name} \u2014 ${d.url}\n${what}` + (d.maxRate ? `\nasked for at most ${formatCount(d.maxRate)} events/s` : '');
    });
  }

  notice(text, ms = 8000) {
    const n = $('notice');
    n.textContent = text;
    n.hidden = false;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => { n.hidden = true; }, ms);
  }

  /** Show an event's JSON (paused, clicked dot); `css` is its type's colour; `daemon` the daemon it came from. */
  inspect(ev, css, daemon = null) {
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
    sw.style.cssText = `display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:7px;background:${css || '#9aa4ae'}`;
    title.append(sw, document.createTextNode(String(ev.type) + when));
    if (daemon) {
      const from = document.createElement('span');
      from.className = 'from-daemon';
      from.textContent = ` \u00b7 from ${daemon}`;
      from.title = 'the daemon (box) that sent this event';
      title.append(from);
    }
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
    const sampling = $('sampling');
    setText(sampling, formatOneInN(s.oneInN));
    sampling.classList.toggle('lossy', s.oneInN !== null && s.oneInN > 1.005);
    setText($('dropped'), `dropped ${formatCount(s.droppedPerSecond)}/s · ${formatCount(s.droppedTotal)} total`);
    setText($('fps'), s.fps ? `${Math.round(s.fps)} fps` : '–');
    setText($('dps'), `${formatCount(s.dotsPerSecond)} dots/s · ${formatCount(s.dotsActive)} live`);
    for (const [type, it] of this.legendItems) {
      const r = s.typeRates.get(type) || 0;
      setText(it.rate, r >= 0.5 ? formatCount(r) + '/s' : '');
    }
  }
}
