// Every declared metric over the UI's window (measurements tab): a counter's increments and
// their rate, a histogram's observations and p50/p90/p99 from its summed bucket increments,
// summed over the window's records (live seconds, or the daemons' minutes for an hour or a
// day), and the rate's usual value over the hour before the window. Pure module.

import { histogramQuantile } from './compare.js';
import { MARK_SD, MIN_MINUTES, MIN_WINDOW_COUNT } from './usual.js';

const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * @param {object[]} records [{metrics}] (a stats record's `metrics`, docs/views.md)
 * @param {number} seconds   the span they cover
 * @returns {Map<string, {kind, count, perSecond, p50?, p90?, p99?}>} counters and histograms
 */
export function windowMetrics(records, seconds) {
  const out = new Map();
  for (const rec of records) {
    for (const [name, e] of Object.entries(rec.metrics || {})) {
      if (!e || (e.kind !== 'counter' && e.kind !== 'histogram')) continue;
      let cur = out.get(name);
      if (!cur || cur.kind !== e.kind) out.set(name, (cur = { kind: e.kind, count: 0, buckets: null, increments: null }));
      cur.count += num(e.per_s);
      if (e.kind === 'histogram' && Array.isArray(e.buckets) && Array.isArray(e.increments)) {
        const key = JSON.stringify(e.buckets);
        if (cur.buckets !== key) { cur.buckets = key; cur.bounds = e.buckets; cur.increments = e.increments.map(num); continue; }
        e.increments.forEach((n, i) => { cur.increments[i] = (cur.increments[i] || 0) + num(n); });
      }
    }
  }
  for (const m of out.values()) {
    m.perSecond = seconds > 0 ? m.count / seconds : null;
    if (m.kind === 'histogram') {
      for (const [k, q] of [['p50', 0.5], ['p90', 0.9], ['p99', 0.99]]) m[k] = m.increments ? histogramQuantile(q, m.bounds, m.increments) : null;
    }
    delete m.buckets; delete m.bounds; delete m.increments;
  }
  return out;
}

/**
 * Is a rate of `count` events over `seconds` unusual against the hour's per-minute records
 * (`minutes`: [[records of one minute]], usual.js)? {usual (per second), unusual}. Counts are
 * Poisson-like: the floor of the expected spread is sqrt(rate / seconds).
 */
export function usualRate(name, count, seconds, minutes) {
  const rates = [];
  for (const list of minutes) {
    let n = 0, secs = 0, seen = false;
    for (const rec of list) {
      const e = rec.metrics && rec.metrics[name];
      if (!e) continue;
      seen = true;
      n += num(e.per_s);
      secs = Math.max(secs, num(rec.seconds) || 60);
    }
    if (seen && secs > 0) rates.push(n / secs);
  }
  if (rates.length < MIN_MINUTES) return { usual: null, unusual: false };
  const usual = rates.reduce((a, r) => a + r, 0) / rates.length;
  if (!(seconds > 0) || count < MIN_WINDOW_COUNT && usual * seconds < MIN_WINDOW_COUNT) return { usual, unusual: false };
  const sd = Math.sqrt(rates.reduce((a, r) => a + (r - usual) ** 2, 0) / rates.length);
  const expected = Math.max(sd * Math.sqrt(60 / seconds), Math.sqrt(Math.max(usual, 1 / seconds) / seconds));
  return { usual, unusual: Math.abs(count / seconds - usual) > MARK_SD * expected };
}
