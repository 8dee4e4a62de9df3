// What is usual: each ratio and share cell over the hour before the window, and whether the
// window's value moved more than the hour's own minute-to-minute spread explains ("huh,
// that's weird", not an alert). The hour comes from the daemons' per-minute records
// (GET api/stats?step=60&since=...), several daemons added minute by minute. Pure module.
//
// The spread a window should show is the minutes' spread scaled to the window's counts: a
// minute of n counts varies by sd; a window of T counts by about sd * sqrt(n / T) (a mean of
// T / n minutes), and never less than counting alone explains, sqrt(p (1 - p) / T). A value
// is marked when it is more than MARK_SD of those from the hour's value.

import { historyItem } from './history_window.js';
import { windowShares, windowRatios } from './stats_window.js';

const MINUTE_MS = 60000;
export const HOUR_MS = 3600000;
/** Minutes with counts needed before anything is called usual or not. */
export const MIN_MINUTES = 10;
/** How far (in expected spreads) a value must move to be marked. */
export const MARK_SD = 3;
/** Fewer counts in the window than this: nothing is marked (a handful says little). */
export const MIN_WINDOW_COUNT = 20;

/** The `since` a page asks for: the hour before a window of `windowMs`, from a minute's start. */
export const usualSince = (now, windowMs) => Math.floor((now - windowMs - HOUR_MS) / MINUTE_MS) * MINUTE_MS;

/** Each daemon's minute records (the last few hours), kept by minute. */
export class MinuteRecords {
  constructor() {
    this.byDaemon = new Map();   // id -> Map(ts -> item)
    this.version = 0;            // bumped by every change: what was computed from it is stale
  }

  /** An answer of api/stats?step=60[&since=]: its minutes replace those of the same start. */
  add(id, body, now) {
    let m = this.byDaemon.get(id);
    if (!m) this.byDaemon.set(id, (m = new Map()));
    for (const raw of body && Array.isArray(body.records) ? body.records : []) {
      const item = historyItem(raw);
      if (item) m.set(item.ts, item);
    }
    for (const ts of m.keys()) if (ts < now - 3 * HOUR_MS) m.delete(ts);   // more than any window's hour before
    this.version++;
  }

  forget(id) { this.byDaemon.delete(id); this.version++; }

  /** The start of the newest minute held of daemon `id` (the next read starts there), or null. */
  newest(id) {
    const m = this.byDaemon.get(id);
    let ts = null;
    if (m) for (const t of m.keys()) if (ts === null || t > ts) ts = t;
    return ts;
  }

  /** The complete minutes in [from, to), every daemon's of the same start as one list: [[items of minute]...]. */
  minutes(from, to) {
    const byTs = new Map();
    for (const m of this.byDaemon.values()) {
      for (const [ts, item] of m) {
        if (ts < from || ts + MINUTE_MS > to) continue;
        let list = byTs.get(ts);
        if (!list) byTs.set(ts, (list = []));
        list.push(item);
      }
    }
    return [...byTs.entries()].sort((a, b) => a[0] - b[0]).map(([, list]) => list);
  }
}

/** mean and population sd of `xs`. */
function spread(xs) {
  const n = xs.length;
  if (!n) return { mean: 0, sd: 0 };
  const mean = xs.reduce((a, x) => a + x, 0) / n;
  return { mean, sd: Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / n) };
}

/**
 * Is a fraction `value` of `count` counts unusual against the minutes' fractions `perMinute`
 * ([{part, total}] of the minutes that counted any) whose sum is `usual`?
 */
export function judge(value, count, perMinute) {
  const part = perMinute.reduce((a, m) => a + m.part, 0), total = perMinute.reduce((a, m) => a + m.total, 0);
  if (perMinute.length < MIN_MINUTES || !(total > 0)) return { usual: null, unusual: false };
  const usual = part / total;
  if (value === null || !(count >= MIN_WINDOW_COUNT)) return { usual, unusual: false };
  const { sd } = spread(perMinute.map((m) => m.part / m.total));
  const perMinuteCount = total / perMinute.length;
  const expected = Math.max(sd * Math.sqrt(perMinuteCount / count), Math.sqrt((usual * (1 - usual)) / count));
  return { usual, unusual: Math.abs(value - usual) > MARK_SD * expected };
}

/**
 * The per-minute figures of the hour before the window (`minutes`: MinuteRecords.minutes),
 * for the ratios and shares of `view`: computed once a minute, judged against every second.
 */
export function hourBefore(minutes, view) {
  const ratios = view.ratios.map(() => []);   // per ratio: [{part, total}] of the minutes that counted
  for (const list of minutes) {
    windowRatios(list, view, 60).forEach((r, i) => { if (r.total > 0) ratios[i].push({ part: r.part, total: r.total }); });
  }
  const shares = minutes.map((list) => windowShares(list, view).map((x) => x.matrix));   // [minute][share]
  return { ratios, shares };
}

/** For each of the window's `ratios` (windowRatios): {usual, unusual}, same order. */
export function usualRatios(hour, ratios) {
  return ratios.map((r, i) => judge(r.value, r.total, hour.ratios[i] || []));
}

/**
 * For each of the window's `shares` (windowShares): {usual: {row: {col: share}}, unusual:
 * [{row, col, share, usual}]}, same order. A cell's share is of its row.
 */
export function usualShares(hour, shares) {
  return shares.map((s, i) => {
    const usual = {}, unusual = [];
    for (const r of s.matrix.rows) {
      // The minutes in which this row counted; a column it did not reach then is a zero.
      const rowMinutes = hour.shares.map((ms) => ms[i]).filter((m) => m && m.totals[r] > 0);
      for (const c of s.matrix.cols) {
        const got = rowMinutes.map((m) => ({ part: (m.counts[r] && m.counts[r][c]) || 0, total: m.totals[r] }));
        const share = s.matrix.shares[r][c];
        const j = judge(share, s.matrix.totals[r], got);
        if (j.usual === null) continue;
        (usual[r] ??= {})[c] = j.usual;
        if (j.unusual) unusual.push({ row: r, col: c, share, usual: j.usual });
      }
    }
    return { usual, unusual };
  });
}
