// Windows longer than the live seconds (1 h, 24 h, everything since start): for each daemon
// watched, its history (GET api/stats?step=60: a record per minute for 24 h, or ?step=all:
// one record since it started) plus the live seconds it sent after the newest second that
// history holds (`last_ts`), so no second is counted twice or left out. The history is read
// again every minute, which also keeps the live seconds held here to about a minute's worth.
// A daemon whose history cannot be read (an older daemon; another box's page without
// --allowed-origin there) counts from its live seconds only, since the page opened, and
// the window says so. Pure module: main.js fetches, this sums.

import { normalizeStats } from '../network/protocol.js';
import { mergeRaw } from '../network/stats_merge.js';
import { LIVE_SECONDS } from './stats_window.js';

const MINUTE_MS = 60000;
const HOUR_MS = 3600000;
/** Live seconds kept for a daemon without history: an hour, then the oldest go. */
export const MAX_LIVE_WITHOUT_HISTORY = 3600;

const finite = (v) => typeof v === 'number' && Number.isFinite(v);

/**
 * Records added up into one of the same shape (shares' cells, ratios' parts and totals,
 * comparisons' rows, metrics' increments): a day of 1,440 minutes is summed an hour at a
 * time, each hour once, instead of all of them once a second.
 */
export function sumRecords(list) {
  if (list.length <= 1) return list[0] || null;
  const s = normalizeStats(mergeRaw(list.map((r) => ({ id: '', raw: r })), list[0].ts));
  return { ts: list[0].ts, seconds: list.reduce((a, r) => a + r.seconds, 0), lastTs: list[list.length - 1].lastTs,
    shares: s.shares, ratios: s.ratios, compares: s.compares, metrics: s.metrics };
}

/** One record of api/stats?step=60|all as a window item: {ts, seconds, lastTs, shares, ratios}. */
export function historyItem(raw) {
  const s = normalizeStats(raw);
  if (!finite(s.ts)) return null;
  const seconds = finite(raw.seconds) && raw.seconds >= 0 ? raw.seconds : 0;
  return { ts: s.ts, seconds, lastTs: finite(raw.last_ts) ? raw.last_ts : null, shares: s.shares, ratios: s.ratios, compares: s.compares,
    metrics: s.metrics };
}

export class HistoryWindow {
  /** @param {number|'all'} span seconds (more than LIVE_SECONDS), or 'all' */
  constructor(span) {
    this.span = span;
    this.daemons = new Map();   // id -> {records, lastTs, live, state: 'loading'|'loaded'|'failed'}
  }

  /** The api/stats query this window reads: step=60, or step=all for everything. */
  get query() { return this.span === 'all' ? 'step=all' : 'step=60'; }

  daemon(id) {
    let d = this.daemons.get(id);
    if (!d) this.daemons.set(id, (d = { records: [], lastTs: -Infinity, live: [], state: 'loading', hours: new Map() }));
    return d;
  }

  /**
   * The `since` to ask a daemon for (api/stats?step=60&since=): the start of the newest
   * minute already held, which was not complete when it was read; null: read it all.
   */
  since(id) {
    const d = this.daemons.get(id);
    if (this.span === 'all' || !d || d.state !== 'loaded' || !d.records.length) return null;
    return d.records[d.records.length - 1].ts;
  }

  /**
   * A daemon's history arrived: the answer of api/stats?step=60|all ({records: [...]}).
   * With `since` (what was asked), it holds only the minutes from then on: those replace the
   * ones held from then on, the older ones stay (those older than the window go).
   */
  setHistory(id, body, since = null, now = Date.now()) {
    const d = this.daemon(id);
    const fresh = body && Array.isArray(body.records) ? body.records.map(historyItem).filter(Boolean) : [];
    const cutoff = this.span === 'all' ? -Infinity : now - this.span * 1000 - MINUTE_MS;
    const records = since === null ? fresh : [...d.records.filter((r) => r.ts < since && r.ts >= cutoff), ...fresh];
    d.records = records;
    d.lastTs = records.reduce((m, r) => Math.max(m, r.lastTs ?? -Infinity), -Infinity);
    d.live = d.live.filter((x) => x.ts > d.lastTs);
    d.state = 'loaded';
  }

  /** A daemon's history could not be read: its live seconds are all the window has of it. */
  historyFailed(id) {
    const d = this.daemon(id);
    if (d.state !== 'loaded') d.state = 'failed';
  }

  forget(id) { this.daemons.delete(id); }

  /** A live second of one daemon (normalized stats, before the merge of several). */
  push(id, stats) {
    if (!stats || !finite(stats.ts)) return;
    const d = this.daemon(id);
    if (stats.ts <= d.lastTs) return;   // already in the history
    d.live.push({ ts: stats.ts, seconds: 1, lastTs: stats.ts, shares: stats.shares || [], ratios: stats.ratios || [],
      compares: stats.compares || [], metrics: stats.metrics || {} });
    // Loaded: the next read of the history takes these in; until then, a few minutes at most.
    const cap = d.state === 'loaded' ? 5 * LIVE_SECONDS : MAX_LIVE_WITHOUT_HISTORY;
    if (d.live.length > cap) d.live.splice(0, d.live.length - cap);
  }

  /**
   * What the window holds at `now` (epoch ms): {records, seconds, from, partial, loading}.
   * `records` are every daemon's minutes (or since-start record) in the window and its live
   * seconds after them; `seconds` the span they cover (the longest of any one daemon's, so
   * several daemons do not multiply it); `from` the earliest stamp in it; `partial` the
   * daemons counted from their live seconds only; `loading` true until some history came.
   */
  contents(now) {
    const cutoff = this.span === 'all' ? -Infinity : now - this.span * 1000;
    const records = [];
    let seconds = 0, from = null;
    const partial = [];
    let loading = this.daemons.size === 0;
    for (const [id, d] of this.daemons) {
      if (d.state === 'loading') loading = true;
      if (d.state === 'failed') partial.push(id);
      let own = 0;
      // A minute whose end is inside the window is counted whole: the window is then up to
      // a minute longer than asked, never shorter, and each minute is exact.
      const inWindow = this.span === 'all' ? d.records : d.records.filter((r) => r.ts + MINUTE_MS > cutoff);
      for (const r of inWindow) {
        own += r.seconds;
        from = from === null ? r.ts : Math.min(from, r.ts);
      }
      // The complete minutes summed an hour at a time, each hour once (a complete minute does
      // not change: an hour is summed again only when a minute joins it or leaves the
      // window); the newest minute, still filling, as it is.
      const closed = inWindow.slice(0, -1);
      const byHour = new Map();
      for (const r of closed) {
        const hour = Math.floor(r.ts / HOUR_MS);
        let list = byHour.get(hour);
        if (!list) byHour.set(hour, (list = []));
        list.push(r);
      }
      const hours = new Map();
      for (const [hour, list] of byHour) {
        const key = `${list.length}\u0000${list[0].ts}\u0000${list[list.length - 1].lastTs}`;
        const cached = d.hours.get(hour);
        const sum = cached && cached.key === key ? cached.sum : sumRecords(list);
        hours.set(hour, { key, sum });
        records.push(sum);
      }
      d.hours = hours;
      records.push(...inWindow.slice(-1));
      for (const x of d.live) {
        if (x.ts < cutoff) continue;
        records.push(x);
        own += 1;
        from = from === null ? x.ts : Math.min(from, x.ts);
      }
      seconds = Math.max(seconds, own);
    }
    return { records, seconds, from, partial, loading };
  }
}
