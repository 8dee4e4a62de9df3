// Several boxes, one picture: the per-second stats of several daemons summed second by
// second (DESIGN.md "Several boxes, one picture"). Pure module (no DOM).
//
// Each daemon sends one {"stats"} frame a second, stamped `ts` (epoch ms). Seconds are
// aligned on that stamp: frames whose `ts` fall in the same wall-clock second (slotOf) are
// one second of the whole fleet. A second is emitted once every daemon that is connected
// has sent its frame for it (or moved past it), or WAIT_MS after its first frame arrived,
// whichever comes first, so a slow or dead daemon delays the picture by at most WAIT_MS and
// a closed one not at all. Frames arriving for a second already emitted are counted as late
// and left out (the sums would otherwise change behind the user's back).
//
// Everything is summed from counts, never averaged: share counts cell by cell (the shares
// and deviations from a fair split recomputed from the sums), ratios' part and total,
// counter and histogram increments, gauges' values.

import { addMatrices, shareMatrix } from '../model/matrix.js';
import { normalizeStats, numberMatrix } from './protocol.js';
import { normalizeCompare, sumCompares } from '../model/compare.js';

export const WAIT_MS = 1500;

/** The wall-clock second a stamp falls in, as epoch ms (the key seconds are merged on). */
export const slotOf = (ts) => Math.floor(ts / 1000) * 1000;

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const round4 = (x) => Math.round(x * 1e4) / 1e4;

const SUMMED = ['lines_per_s', 'matched_per_s', 'unmatched_per_s', 'events_per_s', 'dropped_per_s', 'clients'];

/**
 * One second's `metrics` (docs/views.md) of several daemons, added up: counters and
 * histograms sum rates, totals and bucket increments, gauges sum values; top lists are
 * merged by label set (each daemon sends its own top 10, so a label set that is 11th
 * everywhere is missing from the merged list, as from each daemon's). Histograms whose
 * bucket bounds differ (a box mid-reload) cannot be added bucket by bucket: `increments`
 * is null for that second, so no quantiles are drawn for it.
 * @param {object[]} seconds [{ts, metrics}], one per daemon
 * @returns {{ts: number, metrics: object}} ts is the latest of them
 */
export function sumSecondMetrics(seconds) {
  const list = (Array.isArray(seconds) ? seconds : []).filter((s) => s && Number.isFinite(s.ts));
  const out = { ts: Math.max(...list.map((s) => s.ts)), metrics: {} };
  const add = (a, b) => (num(a) ?? 0) + (num(b) ?? 0);
  const labelKey = (labels) => JSON.stringify(Object.entries(labels || {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const mergeTop = (a, b, field) => {
    const byKey = new Map();
    for (const t of [...(a || []), ...(b || [])]) {
      if (!t) continue;
      const key = labelKey(t.labels);
      const cur = byKey.get(key);
      if (cur) cur[field] = add(cur[field], t[field]);
      else byKey.set(key, { labels: t.labels || {}, [field]: num(t[field]) ?? 0 });
    }
    return [...byKey.values()].sort((x, y) => y[field] - x[field]).slice(0, 10);
  };
  for (const s of list) {
    for (const [name, e] of Object.entries(s.metrics || {})) {
      if (!isObject(e)) continue;
      const cur = out.metrics[name];
      if (!cur) { out.metrics[name] = structuredClone(e); continue; }
      if (cur.kind !== e.kind) continue;  // mid-reload on one box: keep the first shape
      if (e.kind === 'gauge') {
        cur.value = add(cur.value, e.value);
        cur.top = mergeTop(cur.top, e.top, 'value');
        cur.label_sets = add(cur.label_sets, e.label_sets);
        continue;
      }
      cur.per_s = add(cur.per_s, e.per_s);
      cur.total = add(cur.total, e.total);
      if (e.kind === 'counter') {
        cur.top = mergeTop(cur.top, e.top, 'per_s');
        // the same label set on two boxes is counted twice: an upper bound, like the sum
        cur.label_sets = add(cur.label_sets, e.label_sets);
      }
      if (e.kind === 'histogram') {
        cur.sum_per_s = add(cur.sum_per_s, e.sum_per_s);
        const same = JSON.stringify(cur.buckets) === JSON.stringify(e.buckets) &&
          Array.isArray(cur.increments) && Array.isArray(e.increments) && cur.increments.length === e.increments.length;
        cur.increments = same ? cur.increments.map((n, i) => add(n, e.increments[i])) : null;
      }
    }
  }
  return out;
}

/** Shares of one second, summed by (view, title): counts cell by cell, shares recomputed. */
function sumShares(raws) {
  const byKey = new Map();
  for (const raw of raws) {
    for (const s of Array.isArray(raw.shares) ? raw.shares : []) {
      if (!isObject(s)) continue;
      const key = `${s.view ?? ''}\u0000${s.title ?? ''}`;
      let cur = byKey.get(key);
      if (!cur) {
        cur = { view: s.view, title: s.title, metric: s.metric, rows: s.rows, cols: s.cols, counts: {}, omitted: 0 };
        byKey.set(key, cur);
      }
      addMatrices(cur.counts, numberMatrix(s.counts));
      cur.omitted += num(s.omitted) ?? 0;
    }
  }
  return [...byKey.values()].map((s) => {
    // as the daemon does for one second (src/stats/share_math.cpp): each cell's part of its
    // row, and share * k - 1 for the k columns seen in the second
    const m = shareMatrix(s.counts);
    const counts = {}, shares = {}, deviation = {};
    for (const r of m.rows) {
      if (!(m.totals[r] > 0)) continue;
      counts[r] = {}; shares[r] = {}; deviation[r] = {};
      for (const c of m.cols) {
        if (!(m.counts[r][c] > 0)) continue;
        counts[r][c] = m.counts[r][c];
        shares[r][c] = round4(m.shares[r][c]);
        deviation[r][c] = round4(m.deviation[r][c]);
      }
    }
    return { ...s, counts, shares, deviation };
  });
}

/** Ratios of one second, summed by (view, title): part over total of the sums. */
function sumRatios(raws) {
  const byKey = new Map();
  for (const raw of raws) {
    for (const r of Array.isArray(raw.ratios) ? raw.ratios : []) {
      if (!isObject(r)) continue;
      const key = `${r.view ?? ''}\u0000${r.title ?? ''}`;
      let cur = byKey.get(key);
      if (!cur) {
        cur = { view: r.view, title: r.title, metric: r.metric, part: 0, total: 0 };
        byKey.set(key, cur);
      }
      cur.part += Math.max(0, num(r.part) ?? 0);
      cur.total += Math.max(0, num(r.total) ?? 0);
    }
  }
  return [...byKey.values()].map((r) => ({ ...r, value: r.total > 0 ? r.part / r.total : null }));
}

/**
 * Several daemons' stats seconds (as sent: docs/views.md) of the same second, as one second
 * of the same shape, stamped `ts`. `reload` is taken from `reloadFrom`'s part only (the
 * rules panel follows one daemon's reloads; mixing counts of several would be noise).
 * @param {{id: string, raw: object}[]} parts
 * @param {number} ts
 * @param {string|null} [reloadFrom]
 */
export function mergeRaw(parts, ts, reloadFrom = null) {
  const raws = parts.map((p) => (isObject(p.raw) ? p.raw : {}));
  const out = { ts };
  for (const k of SUMMED) {
    let sum = null;
    for (const r of raws) { const v = num(r[k]); if (v !== null) sum = (sum ?? 0) + v; }
    if (sum !== null) out[k] = sum;
  }
  out.metrics = sumSecondMetrics(raws.map((r) => ({ ts, metrics: isObject(r.metrics) ? r.metrics : {} }))).metrics;
  out.shares = sumShares(raws);
  out.ratios = sumRatios(raws);
  out.compares = sumCompares(raws.map((r) => (Array.isArray(r.compares) ? r.compares.filter(isObject).map(normalizeCompare) : [])));
  const own = parts.find((p) => p.id === reloadFrom);
  if (own && isObject(own.raw) && isObject(own.raw.reload)) out.reload = own.raw.reload;
  return out;
}

/** A merged second as main.js's onStats takes it: normalized (protocol.js), plus its daemons. */
function normalized(parts, ts, reloadFrom) {
  const s = normalizeStats(mergeRaw(parts, ts, reloadFrom));
  s.daemons = [...new Set(parts.map((p) => p.id))];
  return s;
}

/**
 * Live merge of the daemons' stats frames. Feed it frames (push), connection changes
 * (setLive) and the clock (poll); each returns the merged seconds now due, oldest first,
 * normalized like protocol.js's normalizeStats plus `daemons` (the ids that contributed).
 * With a single daemon (setCount(1), the default) a frame is passed on as it came: one
 * box behaves exactly as before there were several.
 */
export class StatsMerge {
  constructor({ waitMs = WAIT_MS, reloadFrom = null } = {}) {
    this.waitMs = waitMs;
    this.reloadFrom = reloadFrom;  // the daemon whose `reload` the merged seconds carry
    this.count = 1;                // daemons watched
    this.live = new Set();         // connected daemons: a second waits for their frames
    this.newest = new Map();       // id -> newest second it sent
    this.pending = new Map();      // second -> {firstAt, parts: [{id, raw}], ids: Set}
    this.lastEmitted = -Infinity;  // newest second emitted
    this.emitted = 0;              // seconds emitted
    this.partial = 0;              // ... of which without a connected daemon's frame (waited WAIT_MS)
    this.late = 0;                 // frames that came after their second was emitted
    this.lateBy = new Map();       // id -> late frames
  }

  /** How many daemons the page watches. With one, frames pass straight through. */
  setCount(n) {
    this.count = Math.max(1, n | 0);
  }

  /** A daemon's connection opened (live) or closed; returns the seconds now due. */
  setLive(id, live, now) {
    if (live) this.live.add(id); else this.live.delete(id);
    return this.poll(now);
  }

  /** One normalized stats frame (protocol.js) of daemon `id`, received at `now` (epoch ms). */
  push(id, stats, now) {
    const ts = stats && stats.ts !== null && Number.isFinite(stats.ts) ? stats.ts : now;
    const slot = slotOf(ts);
    if (this.count === 1 && this.pending.size === 0) {
      // one box: as it came (its own ts), but remembered so a later merge never repeats it
      this.lastEmitted = Math.max(this.lastEmitted, slot);
      this.newest.set(id, Math.max(this.newest.get(id) ?? -Infinity, slot));
      this.emitted++;
      return [stats];
    }
    if (slot <= this.lastEmitted) {
      this.late++;
      this.lateBy.set(id, (this.lateBy.get(id) || 0) + 1);
      return this.poll(now);
    }
    this.newest.set(id, Math.max(this.newest.get(id) ?? -Infinity, slot));
    let p = this.pending.get(slot);
    if (!p) this.pending.set(slot, (p = { firstAt: now, parts: [], ids: new Set() }));
    p.parts.push({ id, raw: stats.raw || {} });
    p.ids.add(id);
    return this.poll(now);
  }

  /** Has every connected daemon sent second `slot`, or moved past it? */
  complete(slot, p) {
    for (const id of this.live) {
      if (p.ids.has(id)) continue;
      if ((this.newest.get(id) ?? -Infinity) > slot) continue;
      return false;
    }
    return true;
  }

  /** The seconds due at `now`, oldest first. */
  poll(now) {
    const out = [];
    const slots = [...this.pending.keys()].sort((a, b) => a - b);
    for (const slot of slots) {
      const p = this.pending.get(slot);
      const done = this.complete(slot, p);
      if (!done && now - p.firstAt < this.waitMs) break;   // seconds go out in order
      if (!done) this.partial++;
      this.pending.delete(slot);
      this.lastEmitted = slot;
      this.emitted++;
      out.push(normalized(p.parts, slot, this.reloadFrom));
    }
    return out;
  }
}
