// "Which is faster, the new parser or the old?": a view's comparisons (docs/views.md,
// `compares:`) over the UI's window. Each stats record carries, per value of the compared
// label, a histogram's count, sum and bucket increments (a counter's count); summed over the
// window they give each value's quantiles, read from the buckets as Prometheus'
// histogram_quantile does, each set against the baseline value's, and a sentence that says
// what that means, or that there is not enough data yet. Pure module.

/** Below this many observations on either side, no verdict. */
export const MIN_SAMPLES = 50;
/** A difference smaller than this is "about the same". */
const SAME = 0.02;

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** A comparison of a stats record as sent, checked: {view, title, metric, label, baseline, kind, buckets, rows, omitted}. */
export function normalizeCompare(c) {
  const rows = {};
  if (isObject(c.rows)) {
    for (const [value, r] of Object.entries(c.rows)) {
      if (!isObject(r)) continue;
      rows[value] = {
        count: Math.max(0, num(r.count)), sum: num(r.sum),
        increments: Array.isArray(r.increments) ? r.increments.map((x) => Math.max(0, num(x))) : [],
      };
    }
  }
  return {
    view: typeof c.view === 'string' ? c.view : '', title: typeof c.title === 'string' ? c.title : '',
    metric: typeof c.metric === 'string' ? c.metric : '', label: typeof c.label === 'string' ? c.label : '',
    baseline: typeof c.baseline === 'string' ? c.baseline : '', kind: c.kind === 'histogram' ? 'histogram' : 'counter',
    buckets: Array.isArray(c.buckets) ? c.buckets.filter((b) => typeof b === 'number') : [],
    rows, omitted: Math.max(0, num(c.omitted)),
  };
}

/**
 * Lists of comparisons (normalized; one list per record, of one second or of one minute,
 * of one daemon or several) summed by (view, title): counts, sums and bucket increments
 * added value by value. Records whose bucket bounds differ from the newest (a reload
 * changed the histogram) are left out rather than added bucket by bucket wrongly.
 */
export function sumCompares(lists) {
  const byKey = new Map();
  for (let li = lists.length - 1; li >= 0; li--) {   // newest first: its buckets are the ones kept
    for (const c of lists[li] || []) {
      const key = `${c.view}\u0000${c.title}`;
      let cur = byKey.get(key);
      if (!cur) {
        cur = { ...c, rows: {}, omitted: 0, bucketsKey: JSON.stringify(c.buckets) };
        byKey.set(key, cur);
      }
      if (c.kind !== cur.kind || JSON.stringify(c.buckets) !== cur.bucketsKey) continue;
      cur.omitted += c.omitted;
      for (const [value, r] of Object.entries(c.rows)) {
        const row = cur.rows[value] ??= { count: 0, sum: 0, increments: [] };
        row.count += r.count;
        row.sum += r.sum;
        for (let i = 0; i < r.increments.length; i++) row.increments[i] = (row.increments[i] || 0) + r.increments[i];
      }
    }
  }
  const out = [...byKey.values()].reverse();
  for (const c of out) delete c.bucketsKey;
  return out;
}

/**
 * The q-quantile (0..1) of observations counted in buckets with upper bounds `bounds` and
 * per-bucket (not cumulative) `increments`, +Inf last: linear within the bucket the rank
 * falls in, as Prometheus' histogram_quantile. In the +Inf bucket: the highest finite bound.
 * null without observations.
 */
export function histogramQuantile(q, bounds, increments) {
  let total = 0;
  for (const n of increments) total += n;
  if (!(total > 0) || !bounds.length) return null;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < increments.length; i++) {
    const n = increments[i];
    if (below + n >= rank && n > 0) {
      if (i >= bounds.length) return bounds[bounds.length - 1];
      const upper = bounds[i];
      const lower = i === 0 ? (upper > 0 ? 0 : upper) : bounds[i - 1];
      return lower + (upper - lower) * ((rank - below) / n);
    }
    below += n;
  }
  return bounds[bounds.length - 1];
}

/** Is this metric a time (so lower is "faster")? By its name's unit, as Prometheus names them. */
export const isTime = (metric) => /(_seconds|_milliseconds|_ms|_microseconds|_us|_duration|_latency)(_|$)/.test(metric);

const count = (n) => Math.round(n).toLocaleString('en-US');

/** "31% faster" / "12% slower" / "about the same" for a ratio `r` of row to baseline. */
function change(r, time) {
  if (r === null || !Number.isFinite(r)) return null;
  if (Math.abs(r - 1) < SAME) return { same: true, text: 'about the same' };
  const better = r < 1;
  const pct = Math.round(Math.abs(1 - r) * 100);
  return { same: false, better, text: `${pct}% ${time ? (better ? 'faster' : 'slower') : (better ? 'lower' : 'higher')}` };
}

/** The sentence for one row against the baseline. */
export function verdictOf(row, base, { kind, metric }) {
  const n = `n=${count(row.count)} vs ${count(base.count)}`;
  if (row.count < MIN_SAMPLES || base.count < MIN_SAMPLES) {
    return `${row.value} vs ${base.value}: not enough data (${n}; ${MIN_SAMPLES} a side needed)`;
  }
  if (kind !== 'histogram') {
    const r = row.count / base.count;
    if (Math.abs(r - 1) < SAME) return `${row.value} counted about as many as ${base.value} (${n})`;
    return `${row.value} counted ${Math.round(Math.abs(r - 1) * 100)}% ${r > 1 ? 'more' : 'fewer'} than ${base.value} (${n})`;
  }
  const time = isTime(metric);
  const at50 = change(row.ratio.p50, time), at99 = change(row.ratio.p99, time);
  if (!at50 || !at99) return `${row.value} vs ${base.value}: no quantiles (${n})`;
  if (at50.same && at99.same) return `${row.value} is about the same as ${base.value} at p50 and p99 (${n})`;
  let text;
  if (at50.same) text = `${row.value} is about the same as ${base.value} at p50, ${at99.text} at p99`;
  else if (at99.same) text = `${row.value} is ${at50.text} than ${base.value} at p50, about the same at p99`;
  else if (at50.better === at99.better) text = `${row.value} is ${at50.text} than ${base.value} at p50, ${at99.text.replace(/ (faster|slower|lower|higher)$/, '')} at p99`;
  else text = `${row.value} is ${at50.text} than ${base.value} at p50 but ${at99.text} at p99`;
  return `${text} (${n})`;
}

/**
 * Each comparison the view declares, over the window's `records` ([{compares}], normalized):
 * [{title, metric, label, kind, baseline, rows: [{value, count, p50, p90, p99, mean, ratio:
 * {count, p50, p90, p99}}], verdict, verdicts, omitted}]; the baseline row first, the others
 * by count. `verdict` says how the busiest other value compares (all of them: `verdicts`).
 */
export function windowCompares(records, view) {
  const decls = Array.isArray(view.compares) ? view.compares : [];
  if (!decls.length) return [];
  const summed = sumCompares(records.map((r) => (r.compares || []).filter((c) => c.view === '' || c.view === view.id)));
  return decls.map((decl) => {
    const c = summed.find((x) => x.title === decl.title) || { kind: 'counter', buckets: [], rows: {}, omitted: 0 };
    const histogram = c.kind === 'histogram';
    const rows = Object.entries(c.rows).filter(([, r]) => r.count > 0).map(([value, r]) => ({
      value, count: r.count,
      p50: histogram ? histogramQuantile(0.5, c.buckets, r.increments) : null,
      p90: histogram ? histogramQuantile(0.9, c.buckets, r.increments) : null,
      p99: histogram ? histogramQuantile(0.99, c.buckets, r.increments) : null,
      mean: histogram && r.count ? r.sum / r.count : null,
    }));
    rows.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
    const baseline = rows.find((r) => r.value === decl.baseline) || (decl.baseline ? null : rows[0]) || null;
    const ordered = baseline ? [baseline, ...rows.filter((r) => r !== baseline)] : rows;
    const ratio = (a, b) => (a !== null && b !== null && b > 0 ? a / b : null);
    for (const r of ordered) {
      r.ratio = baseline ? { count: ratio(r.count, baseline.count), p50: ratio(r.p50, baseline.p50), p90: ratio(r.p90, baseline.p90), p99: ratio(r.p99, baseline.p99) } : null;
    }
    const info = { kind: c.kind, metric: decl.metric };
    const verdicts = baseline ? ordered.slice(1).map((r) => verdictOf(r, baseline, info)) : [];
    let verdict;
    if (!rows.length) verdict = 'not enough data: nothing observed in the window';
    else if (!baseline) verdict = `not enough data: no ${decl.label} ${decl.baseline} observed in the window`;
    else if (!verdicts.length) verdict = `not enough data: only ${baseline.value} observed in the window`;
    else verdict = verdicts[0];
    return {
      title: decl.title, metric: decl.metric, label: decl.label, baseline: baseline ? baseline.value : decl.baseline || null,
      kind: c.kind, rows: ordered, verdict, verdicts, omitted: c.omitted,
    };
  });
}
