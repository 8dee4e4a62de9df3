// The window of figures the person picked (10 s .. 24 h, or since start) and what the
// current view's shares, ratios, comparisons and measurement figures are over it, each with
// what is usual (the hour before the window). Up to 5 min the window is the live seconds
// (stats_window.js); longer ones are the daemons' per-minute history (history_window.js),
// which the network layer reads into `history` and `minutes`. Writes state.window and tells
// 'figures'. Pure module: the clock is passed in.

import { StatsWindow, LIVE_SECONDS, windowLabel, windowShares, windowRatios } from './stats_window.js';
import { HistoryWindow } from './history_window.js';
import { windowCompares } from './compare.js';
import { MinuteRecords, hourBefore, usualRatios, usualShares, HOUR_MS } from './usual.js';
import { windowMetrics, usualRate } from './window_metrics.js';

/** Is a window of this choice longer than the live seconds (read from the daemons' minutes)? */
export const isLongWindow = (choice) => choice === 'all' || choice > LIVE_SECONDS;

export class WindowFigures {
  /**
   * @param {Store} store
   * @param {object} [o]
   * @param {() => number} [o.now]              wall clock (ms)
   * @param {(id: string) => string} [o.nameOf]  a daemon's name from its id (the span's text)
   */
  constructor(store, { now = () => Date.now(), nameOf = (id) => id } = {}) {
    this.store = store;
    this.now = now;
    this.nameOf = nameOf;
    this.live = new StatsWindow(LIVE_SECONDS);
    this.history = null;               // a HistoryWindow while the window is longer than 5 min
    this.minutes = new MinuteRecords(); // the daemons' minutes: the hour before the window
    this.usualCache = { key: '', hour: null };
    this.wantMetrics = false;          // the measurements panel is loaded and wants them
    this.follow(store.state.window.choice);
  }

  /** Size the live window and start (or drop) the history for the window chosen. */
  follow(choice) {
    this.live.setSize(isLongWindow(choice) ? LIVE_SECONDS : choice);
    this.history = isLongWindow(choice) ? new HistoryWindow(choice) : null;
  }

  /** A daemon's own second (before the merge): a long window's newest, not yet in its minutes. */
  pushDaemonSecond(id, s) {
    if (this.history) this.history.push(id, s);
  }

  /** A merged second: the live window moves on. */
  pushSecond(s) {
    this.live.push(s);
  }

  /** The seconds before the page opened (api/stats), normalized, oldest first. */
  backfill(seconds) {
    this.live.backfill(seconds);
  }

  /** The length of the window in ms; null for windows with no hour before kept (over an hour). */
  usualWindowMs() {
    const choice = this.store.state.window.choice;
    return choice === 'all' || choice > 3600 ? null : choice * 1000;
  }

  /** The per-minute figures of the hour before the window (recomputed when a minute passes). */
  usualHour(view) {
    const ms = this.usualWindowMs();
    if (ms === null || !view) return null;
    const from = Math.floor((this.now() - ms) / 60000) * 60000;   // the window's start, to its minute
    const key = `${this.minutes.version}\u0000${from}\u0000${view.id}\u0000${this.store.state.views.received}`;
    if (this.usualCache.key !== key) {
      const minutes = this.minutes.minutes(from - HOUR_MS, from);
      this.usualCache = { key, hour: { ...hourBefore(minutes, view), minutes } };
    }
    return this.usualCache.hour;
  }

  /** What the window holds now: {records, seconds, span, coverage, stamps}. */
  contents() {
    const choice = this.store.state.window.choice;
    if (this.history) {
      const c = this.history.contents(this.now());
      const names = c.partial.map((id) => this.nameOf(id));
      const span = c.loading && !c.records.length ? '' : `last ${windowLabel(choice)}`.replace('last since start', 'since start') +
        (names.length ? ` (${names.join(', ')}: since this page opened)` : '');
      return { records: c.records, seconds: c.seconds, span, coverage: { seconds: c.seconds, from: c.from, partial: names, loading: c.loading }, stamps: [] };
    }
    const records = this.live.inWindow();
    const seconds = this.live.seconds;
    return {
      records, seconds, span: seconds ? `last ${seconds} s` : '',
      coverage: { seconds, from: records.length ? records[0].ts : null, partial: [], loading: false },
      stamps: this.live.stamps(),
    };
  }

  /** The current view's figures over the window, into the store; tells 'figures'. */
  recompute() {
    const state = this.store.state;
    const view = state.views.current;
    if (!view) return;
    const w = state.window;
    const { records, seconds, span, coverage, stamps } = this.contents();
    w.span = span;
    w.coverage = coverage;
    w.stamps = stamps;
    const hour = this.usualHour(view);
    const shares = windowShares(records, view);
    if (hour) usualShares(hour, shares).forEach((u, i) => { shares[i].usual = u; });
    w.shares = shares;
    const ratios = windowRatios(records, view, seconds);
    const ru = hour ? usualRatios(hour, ratios) : ratios.map(() => ({ usual: null, unusual: false }));
    ratios.forEach((r, i) => Object.assign(r, ru[i]));
    w.ratios = ratios;
    if (this.wantMetrics) {
      const wm = windowMetrics(records, seconds);
      for (const [name, m] of wm) Object.assign(m, hour ? usualRate(name, m.count, seconds, hour.minutes) : { usual: null, unusual: false });
      w.metrics = wm;
    }
    w.comparisons = windowCompares(records, view);
    this.store.notify('figures');
  }
}
