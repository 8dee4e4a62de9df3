// Reads the daemons' per-minute records into the window's model: a window longer than
// 5 min sums them (api/stats?step=60, or step=all for "since start"), and what is usual is
// the hour before the window (api/stats?step=60&since=). Read again every minute, asking
// each daemon only for what it has not read yet.

import { fetchJson } from './fetch_json.js';
import { usualSince } from '../model/usual.js';

export const READ_EVERY_MS = 60000;

export class HistoryReader {
  /**
   * @param {WindowFigures} figures  where the records go
   * @param {() => object[]} daemons the daemons watched now ({id, url})
   */
  constructor(figures, daemons) {
    this.figures = figures;
    this.daemons = daemons;
    this.historyReadAt = 0;
    this.minutesReadAt = 0;
    this.minutesFrom = new Map();   // daemon id -> the earliest minute asked of it
  }

  /** Every refresh: read what a minute has added. */
  tick(now = Date.now()) {
    if (this.figures.history && now - this.historyReadAt >= READ_EVERY_MS) this.readHistory();
    if (now - this.minutesReadAt >= READ_EVERY_MS) this.readMinutes();
  }

  /** The window (or the list of daemons) changed: read both now. */
  readAll() {
    if (this.figures.history) this.readHistory();
    this.readMinutes();
  }

  /** Each daemon's minutes (or its since-start record), for a window longer than 5 min. */
  readHistory() {
    const h = this.figures.history;
    if (!h) return;
    this.historyReadAt = Date.now();
    for (const d of this.daemons()) {
      const since = h.since(d.id);   // what it has not read yet, after the first read
      const url = new URL(`api/stats?${h.query}${since === null ? '' : `&since=${since}`}`, d.url).toString();
      fetchJson(url).then((body) => {
        if (this.figures.history !== h) return;   // the window changed meanwhile
        if (body && Array.isArray(body.records)) h.setHistory(d.id, body, since); else h.historyFailed(d.id);
        this.figures.recompute();
      });
    }
  }

  /** Each daemon's minutes for the hour before the window. */
  readMinutes() {
    const ms = this.figures.usualWindowMs();
    this.minutesReadAt = Date.now();
    if (ms === null) return;
    const needed = usualSince(Date.now(), ms);
    const minutes = this.figures.minutes;
    for (const d of this.daemons()) {
      // What it has not read yet (from the newest minute it holds, which was not complete
      // then), unless the window grew and wants older minutes.
      const from = this.minutesFrom.get(d.id);
      const newest = minutes.newest(d.id);
      const since = from !== undefined && from <= needed && newest !== null ? Math.max(needed, newest) : needed;
      if (from === undefined || needed < from) this.minutesFrom.set(d.id, needed);
      fetchJson(new URL(`api/stats?step=60&since=${since}`, d.url).toString()).then((body) => {
        if (body && Array.isArray(body.records)) { minutes.add(d.id, body, Date.now()); this.figures.recompute(); }
      });
    }
  }
}
