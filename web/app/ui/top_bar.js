// The top bar: the connection (one daemon in words, or a dot per daemon), events/s here and
// at the server, the view's ratios over the window with what is usual, "showing 1 in N" and
// what was dropped, fps and dots/s. Text changes a few times a second only.

import { formatCount, formatPercent, formatOneInN } from '../model/rates.js';
import { $, setText } from './dom.js';

export class TopBar {
  /** @param {object} h handlers: onRetry() */
  constructor(h) {
    this.h = h;
    this.ratioItems = new Map();    // title -> {value, detail}
    this.ratiosKey = '';
    this.daemonsKey = '';           // several daemons: their list as last built
    this.daemonItems = [];
    $('retry').addEventListener('click', () => h.onRetry());
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

  /** Counters: called ~4 times a second with a snapshot of the store (ui/page_ui.js). */
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
  }
}
