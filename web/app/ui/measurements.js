// Live measurements: one card per metric the loaded rules declare, drawn from the
// per-second stats (DESIGN.md "Views, shares and ratios"; JSON in docs/views.md).
// Counters: rate now, total, the busiest label sets, a 5-minute sparkline. Histograms:
// count/s and p50/p90/p99 of each second, computed here from the bucket increments.
// Gauges: value and the largest label sets.
//
// The math, formatting and the per-metric model are pure exports (node --test). The panel
// touches the DOM only once constructed, and loads uPlot on its first draw, so importing
// this module in node needs neither a DOM nor web/node_modules.

import { DASH, stripZero, scaled, formatBytes } from './units.js';
import { whenShown } from './when_shown.js';
import { setText } from './dom.js';

export { formatBytes };

const UPLOT_URL = '../../node_modules/uplot/dist/uPlot.esm.js';

export const WINDOW_SECONDS = 300;   // what GET /api/stats backfills: the last 5 minutes
export const TOP_SECONDS = 5;        // one second's top list jumps too much to read
export const TOP_SHOWN = 5;
export const QUANTILES = [0.5, 0.9, 0.99];
const MIN_DRAW_MS = 1000;            // DOM text and chart data change at most once a second
const COLOURS = { rate: '#4c9aff', p50: '#3fb950', p90: '#f2cc60', p99: '#ff5a52' };

// ---- math -------------------------------------------------------------------------

/**
 * The q-quantile of one second's observations, with Prometheus histogram_quantile
 * semantics: linear interpolation inside the bucket the rank falls in, 0 as the lower
 * edge of the first bucket (or that bucket's bound itself when it is <= 0), and the
 * highest finite bound when the rank lands in +Inf.
 * @param {number} q in [0, 1] (below: -Infinity, above: +Infinity, as Prometheus)
 * @param {number[]} bounds finite upper bounds, ascending
 * @param {number[]} increments observations per bucket, not cumulative; one more than bounds (+Inf last)
 * @returns {number|null} null when there were no observations (or no finite bucket)
 */
export function histogramQuantile(q, bounds, increments) {
  if (!Array.isArray(bounds) || !Array.isArray(increments)) return null;
  if (bounds.length === 0 || increments.length !== bounds.length + 1 || Number.isNaN(q)) return null;
  let total = 0;
  for (const n of increments) total += n > 0 ? n : 0;
  if (!(total > 0)) return null;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const rank = q * total;
  let below = 0;
  for (let b = 0; b < bounds.length; b++) {
    const inBucket = increments[b] > 0 ? increments[b] : 0;
    if (below + inBucket >= rank) {
      const upper = bounds[b];
      if (b === 0 && upper <= 0) return upper;
      const lower = b === 0 ? 0 : bounds[b - 1];
      if (inBucket === 0) return lower;  // only q = 0 gets here: the rank sits on the edge
      return lower + (upper - lower) * ((rank - below) / inBucket);
    }
    below += inBucket;
  }
  return bounds[bounds.length - 1];
}

// ---- formatting -------------------------------------------------------------------

/** 'seconds' for *_seconds(_total), 'bytes' for *_bytes(_total), '' otherwise. */
export function unitOf(metricName) {
  const base = String(metricName).replace(/_total$/, '');
  if (base.endsWith('_seconds')) return 'seconds';
  if (base.endsWith('_bytes')) return 'bytes';
  return '';
}


/** Compact number: 0, 0.25, 3.5, 987, 1.2k, 34k, 1.5M, 2G. */
export function formatCompact(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a < 0.01) return String(Number(v.toPrecision(1)));
  if (a < 1) return String(Number(v.toFixed(2)));
  if (a < 10) return String(Number(v.toFixed(1)));
  if (a < 1000) return String(Math.round(v));
  for (const [scale, suffix] of [[1e3, 'k'], [1e6, 'M'], [1e9, 'G'], [1e12, 'T']]) {
    const s = v / scale;
    if (Math.abs(s) < 10) return stripZero(s.toFixed(1)) + suffix;
    if (Math.abs(s) < 999.5) return Math.round(s) + suffix;
  }
  return v.toExponential(1);
}

/** A duration in seconds with its unit: 850 ns, 12 µs, 4.2 ms, 1.5 s, 2.5 min, 3 h. */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return DASH;
  const a = Math.abs(seconds);
  if (a === 0) return '0 s';
  return scaled(seconds, a, [[1e-9, 'ns'], [1e-6, '\u00b5s'], [1e-3, 'ms'], [1, 's'], [60, 'min'], [3600, 'h']]);
}

/** A value of a metric, in the unit its name declares. */
export function formatValue(unit, v) {
  if (unit === 'seconds') return formatDuration(v);
  if (unit === 'bytes') return formatBytes(v);
  return formatCompact(v);
}

/** A per-second rate of a metric: "1.2k/s", "3.4 MiB/s", "120 ms/s". */
export function formatRate(unit, v) {
  const text = formatValue(unit, v);
  return text === DASH ? DASH : text + '/s';
}

/** Label set as "k=v k=v" (what a user would grep for in /metrics). */
export function labelText(labels) {
  const parts = Object.entries(labels || {}).map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(' ') : '(no labels)';
}

// ---- model ------------------------------------------------------------------------

const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The part of one second's metric entry the panel keeps (histogram quantiles computed once). */
export function extractMetric(entry) {
  if (!entry || typeof entry !== 'object') return null;
  const top = Array.isArray(entry.top)
    ? entry.top.map((t) => ({
      key: labelText(t && t.labels), labels: (t && t.labels) || {},
      v: num(entry.kind === 'gauge' ? t && t.value : t && t.per_s),
    })).filter((t) => t.v !== null)
    : [];
  switch (entry.kind) {
    case 'counter':
      return { kind: 'counter', perS: num(entry.per_s), total: num(entry.total), top, labelSets: num(entry.label_sets) };
    case 'histogram': {
      const q = QUANTILES.map((x) => histogramQuantile(x, entry.buckets, entry.increments));
      return {
        kind: 'histogram', perS: num(entry.per_s), total: num(entry.total), sumPerS: num(entry.sum_per_s),
        p50: q[0], p90: q[1], p99: q[2],
      };
    }
    case 'gauge':
      return { kind: 'gauge', value: num(entry.value), top, labelSets: num(entry.label_sets) };
    default:
      return null;
  }
}

// Several daemons' seconds are added up in stats_merge.js (kept importable from here).
export { sumSecondMetrics } from '../network/stats_merge.js';

/**
 * The last WINDOW_SECONDS of stats, per declared metric. Seconds are keyed by `ts`: a
 * second seen twice (backfill overlapping the live frames) counts once. Several daemons'
 * seconds must be summed before they get here.
 */
export class MeasurementModel {
  constructor(windowSeconds = WINDOW_SECONDS) {
    this.windowSeconds = windowSeconds;
    this.metrics = [];   // declared: [{name, kind, help, labels, buckets}]
    this.declared = false;
    this.seconds = [];   // oldest first: [{ts, m: {name: extracted}}]
  }

  /** @returns {boolean} whether the declared set (names and kinds) changed */
  setMetrics(metrics) {
    const list = (Array.isArray(metrics) ? metrics : [])
      .filter((m) => m && typeof m.name === 'string')
      .map((m) => ({ name: m.name, kind: m.kind, help: m.help || '', labels: m.labels || [], buckets: m.buckets || [] }));
    const key = (ms) => ms.map((m) => `${m.name}:${m.kind}`).join('|');
    const changed = !this.declared || key(list) !== key(this.metrics);
    this.metrics = list;
    this.declared = true;
    return changed;
  }

  static toSecond(raw) {
    if (!raw || !Number.isFinite(raw.ts)) return null;
    const m = {};
    for (const [name, entry] of Object.entries(raw.metrics || {})) {
      const e = extractMetric(entry);
      if (e) m[name] = e;
    }
    return { ts: raw.ts, m };
  }

  /** GET /api/stats `.seconds` (oldest first), merged with what frames already brought. */
  backfill(seconds) {
    const byTs = new Map(this.seconds.map((s) => [s.ts, s]));
    for (const raw of Array.isArray(seconds) ? seconds : []) {
      const s = MeasurementModel.toSecond(raw);
      if (s && !byTs.has(s.ts)) byTs.set(s.ts, s);
    }
    this.seconds = [...byTs.values()].sort((a, b) => a.ts - b.ts).slice(-this.windowSeconds);
  }

  /** One `{"stats"}` frame. @returns {boolean} false for a second already seen or older */
  push(raw) {
    const s = MeasurementModel.toSecond(raw);
    if (!s) return false;
    const last = this.seconds[this.seconds.length - 1];
    if (last && s.ts <= last.ts) return false;
    this.seconds.push(s);
    if (this.seconds.length > this.windowSeconds) this.seconds.splice(0, this.seconds.length - this.windowSeconds);
    return true;
  }

  /** The metric's entry in the newest second, or null (not in it, or its kind changed). */
  latest(metric) {
    const last = this.seconds[this.seconds.length - 1];
    const e = last && last.m[metric.name];
    return e && e.kind === metric.kind ? e : null;
  }

  /** Chart columns for uPlot: x in epoch seconds, then one array per plotted series. */
  series(metric) {
    const n = this.seconds.length;
    const fields = metric.kind === 'histogram' ? ['p50', 'p90', 'p99'] : [metric.kind === 'gauge' ? 'value' : 'perS'];
    const cols = [new Array(n), ...fields.map(() => new Array(n))];
    for (let i = 0; i < n; i++) {
      const s = this.seconds[i];
      const e = s.m[metric.name];
      cols[0][i] = s.ts / 1000;
      fields.forEach((f, j) => { cols[j + 1][i] = e && e.kind === metric.kind ? e[f] : null; });
    }
    return cols;
  }

  /** The largest of the plotted values over the window (the sparkline's scale), or null. */
  peak(metric) {
    const field = metric.kind === 'gauge' ? 'value' : metric.kind === 'histogram' ? 'p99' : 'perS';
    let best = null;
    for (const s of this.seconds) {
      const e = s.m[metric.name];
      if (e && e.kind === metric.kind && e[field] !== null && (best === null || e[field] > best)) best = e[field];
    }
    return best;
  }

  /**
   * Busiest label sets: for counters the mean rate over the last TOP_SECONDS seconds (a set
   * missing from a second's top 10 counts 0 there); for gauges the newest values.
   * @returns {{labels: object, text: string, v: number}[]}
   */
  top(metric, shown = TOP_SHOWN) {
    if (metric.kind === 'gauge') {
      const e = this.latest(metric);
      return e ? e.top.slice(0, shown).map((t) => ({ labels: t.labels, text: t.key, v: t.v })) : [];
    }
    if (metric.kind !== 'counter') return [];
    const recent = this.seconds.slice(-TOP_SECONDS).map((s) => s.m[metric.name]).filter((e) => e && e.kind === 'counter');
    if (recent.length === 0) return [];
    const sums = new Map();
    for (const e of recent) {
      for (const t of e.top) {
        const cur = sums.get(t.key);
        if (cur) cur.v += t.v;
        else sums.set(t.key, { labels: t.labels, text: t.key, v: t.v });
      }
    }
    return [...sums.values()]
      .map((t) => ({ ...t, v: t.v / recent.length }))
      .sort((a, b) => b.v - a.v || (a.text < b.text ? -1 : 1))
      .slice(0, shown);
  }

  /**
   * window.tapemeasure.measurements: [{metric, kind, perSecond}] (gauges: perSecond null,
   * value), and over the UI's window `window: {count, perSecond, p50.., usual, unusual}`.
   */
  state() {
    return this.metrics.map((metric) => {
      const e = this.latest(metric);
      const out = { metric: metric.name, kind: metric.kind, perSecond: e && metric.kind !== 'gauge' ? e.perS : null };
      const w = this.window && this.window.figures.get(metric.name);
      out.window = w ? { ...w } : null;
      if (metric.kind === 'gauge') out.value = e ? e.value : null;
      if (metric.kind === 'histogram') Object.assign(out, { p50: e ? e.p50 : null, p90: e ? e.p90 : null, p99: e ? e.p99 : null });
      return out;
    });
  }
}

// ---- DOM --------------------------------------------------------------------------

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

let uPlotPromise = null;
function loadUPlot() {
  uPlotPromise ??= import(UPLOT_URL).then((m) => m.default);
  return uPlotPromise;
}

/** Grid lines at whole decades only (uPlot's log axis also draws 2..9 of each). */
function decadeSplits(u, axisIdx, min, max) {
  const out = [];
  if (!(min > 0) || !(max > min)) return out;
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    const v = 10 ** e;
    if (v >= min * 0.999 && v <= max * 1.001) out.push(v);
  }
  return out.length >= 2 ? out : [min, max];
}

function chartOptions(metric, width) {
  const unit = unitOf(metric.name);
  const line = (stroke, fill) => ({ stroke, width: 1.5, fill, points: { show: false }, spanGaps: false });
  const base = {
    width, cursor: { show: false }, legend: { show: false }, select: { show: false },
  };
  if (metric.kind !== 'histogram') {
    return {
      ...base, height: 44, padding: [6, 2, 0, 0],
      scales: { x: { time: true }, y: { range: (u, min, max) => [Math.min(0, min ?? 0), max > 0 ? max * 1.08 : 1] } },
      axes: [{ show: false }, { show: false }],
      series: [{}, line(COLOURS.rate, 'rgba(76,154,255,.16)')],
    };
  }
  // Quantiles of one histogram span decades (p50 in ms, p99 in minutes): a log scale
  // keeps all three readable.
  return {
    ...base, height: 96, padding: [8, 4, 8, 0],
    scales: { x: { time: true }, y: { distr: 3, log: 10 } },
    axes: [
      { show: false },
      {
        stroke: '#8b949e', size: 50, gap: 3, space: 16, font: '10px system-ui, sans-serif',
        grid: { stroke: '#30363d', width: 1 }, ticks: { show: false },
        splits: decadeSplits, filter: (u, splits) => splits,
        values: (u, vals) => vals.map((v) => (v === null || v === undefined ? null : formatValue(unit, v))),
      },
    ],
    series: [{}, line(COLOURS.p50), line(COLOURS.p90), line(COLOURS.p99)],
  };
}

/** One metric's card; its chart is made on the first draw with a known width. */
class MetricCard {
  constructor(metric) {
    this.metric = metric;
    this.unit = unitOf(metric.name);
    this.root = el('article', 'tm-card');
    this.root.dataset.metric = metric.name;
    this.root.dataset.kind = metric.kind;
    const head = el('header');
    head.append(el('span', 'tm-name', metric.name), el('span', 'tm-kind', metric.kind));
    this.root.append(head);
    if (metric.help) this.root.append(el('p', 'tm-help', metric.help));
    this.root.title = metric.help ? `${metric.name}: ${metric.help}` : metric.name;
    const figures = el('div', 'tm-figures');
    this.big = el('b', 'tm-big', 'waiting for data');
    this.small = el('small', 'tm-small', '');
    figures.append(this.big, this.small);
    this.root.append(figures);
    // Over the window the user picked (window_metrics.js), and what is usual for the rate.
    this.windowLine = el('small', 'tm-window', '');
    this.root.append(this.windowLine);
    if (metric.kind === 'histogram') {
      this.quantiles = el('div', 'tm-quantiles');
      this.q = {};
      for (const k of ['p50', 'p90', 'p99']) {
        const span = el('span', `tm-q tm-${k}`);
        span.append(el('i', '', k), (this.q[k] = el('b', '', DASH)));
        this.quantiles.append(span);
      }
      this.root.append(this.quantiles);
    }
    this.chartHost = el('div', 'tm-chart');
    this.chartNote = el('small', 'tm-chart-note', '');
    this.root.append(this.chartHost, this.chartNote);
    if (metric.kind !== 'histogram') {
      this.topTitle = el('h4', 'tm-top-title', metric.kind === 'gauge' ? 'largest label sets' : `busiest label sets, last ${TOP_SECONDS} s`);
      this.topList = el('ol', 'tm-top');
      this.root.append(this.topTitle, this.topList);
    }
    this.chart = null;
    this.topKey = '';
  }

  draw(model, uPlot) {
    const { metric, unit } = this;
    const e = model.latest(metric);
    this.root.classList.toggle('tm-waiting', !e);
    if (!e) {
      setText(this.big, 'waiting for data');
      setText(this.small, '');
    } else if (metric.kind === 'gauge') {
      setText(this.big, formatValue(unit, e.value));
      setText(this.small, e.labelSets !== null ? `${e.labelSets} label sets` : '');
    } else {
      // A histogram's rate counts observations, whatever unit the observations have.
      setText(this.big, formatRate(metric.kind === 'histogram' ? '' : unit, e.perS));
      const total = metric.kind === 'histogram' ? `${formatCompact(e.total)} observed` : `total ${formatValue(unit, e.total)}`;
      const mean = metric.kind === 'histogram' && e.perS > 0 && e.sumPerS !== null ? ` · mean ${formatValue(unit, e.sumPerS / e.perS)}` : '';
      setText(this.small, total + mean);
    }
    if (this.q) for (const k of ['p50', 'p90', 'p99']) setText(this.q[k], e ? formatValue(unit, e[k]) : DASH);
    this.drawWindow(model);
    if (this.topList) this.drawTop(model);
    const peak = model.peak(metric);
    const what = metric.kind === 'histogram' ? 'p99' : metric.kind === 'gauge' ? '' : '/s';
    const shown = model.seconds.length;
    setText(this.chartNote, peak === null ? '' :
      `last ${shown >= 120 ? Math.round(shown / 60) + ' min' : shown + ' s'} · peak ${metric.kind === 'counter' ? formatRate(unit, peak) : formatValue(unit, peak)}${what === 'p99' ? ' (p99)' : ''}`);
    this.drawChart(model, uPlot);
  }

  drawWindow(model) {
    const w = model.window && model.window.figures.get(this.metric.name);
    this.root.classList.toggle('tm-unusual', !!(w && w.unusual));
    if (!w || this.metric.kind === 'gauge' || !model.window.span) { setText(this.windowLine, ''); return; }
    const unit = this.metric.kind === 'histogram' ? '' : this.unit;
    let text = `${model.window.span}: ${formatRate(unit, w.perSecond)} (${formatCompact(w.count)})`;
    if (this.metric.kind === 'histogram' && w.p50 !== null) {
      text += ` \u00b7 p50 ${formatValue(this.unit, w.p50)} \u00b7 p99 ${formatValue(this.unit, w.p99)}`;
    }
    if (w.usual !== null && w.usual !== undefined) text += ` \u00b7 usual ${formatRate(unit, w.usual)}${w.unusual ? ' ?' : ''}`;
    setText(this.windowLine, text);
    this.windowLine.title = w.usual === null || w.usual === undefined ? '' :
      `the rate over the hour before the window: ${formatRate(unit, w.usual)}` +
      (w.unusual ? '; the window\'s rate moved more than that hour\'s minute-to-minute spread explains' : '');
  }

  drawTop(model) {
    const top = model.top(this.metric);
    // A metric without labels has one set, the whole metric: the list would repeat the figure.
    const useful = top.length > 1 || (top.length === 1 && Object.keys(top[0].labels).length > 0);
    this.topTitle.hidden = !useful;
    this.topList.hidden = !useful;
    if (!useful) return;
    const fmt = this.metric.kind === 'gauge' ? (v) => formatValue(this.unit, v) : (v) => formatRate(this.unit, v);
    const rows = top.map((t) => [t.text, fmt(t.v)]);
    const key = JSON.stringify(rows);
    if (key === this.topKey) return;
    this.topKey = key;
    this.topList.replaceChildren(...rows.map(([labels, value]) => {
      const li = el('li');
      const l = el('span', 'tm-labels', labels);
      l.title = labels;
      li.append(l, el('span', 'tm-rate', value));
      return li;
    }));
  }

  drawChart(model, uPlot) {
    if (!uPlot) return;
    const width = Math.floor(this.chartHost.clientWidth);
    if (width < 20) return;
    const data = model.series(this.metric);
    if (this.metric.kind === 'histogram') {
      for (let i = 1; i < data.length; i++) data[i] = data[i].map((v) => (v > 0 ? v : null));  // the log axis has no 0
    }
    if (!this.chart) {
      this.chart = new uPlot(chartOptions(this.metric, width), data, this.chartHost);
      return;
    }
    if (Math.abs(this.chart.width - width) > 1) this.chart.setSize({ width, height: this.chart.height });
    this.chart.setData(data);
  }

  destroy() {
    if (this.chart) this.chart.destroy();
    this.chart = null;
  }
}

export class MeasurementsPanel {
  /** @param {HTMLElement} hostEl the panel's box; cards fill its width */
  constructor(hostEl) {
    this.host = hostEl;
    this.model = new MeasurementModel();
    this.cards = [];
    this.root = el('div', 'tm-measure');
    this.empty = el('p', 'tm-empty muted', 'waiting for data');
    this.grid = el('div', 'tm-cards');
    this.root.append(this.empty, this.grid);
    hostEl.append(this.root);
    this.uPlot = null;
    this.uPlotAsked = false;
    this.lastDraw = -Infinity;
    this.timer = null;
    this.dirty = false;
    // Drawing is skipped while hidden; this catches the moment it is shown again.
    this.observer = whenShown(hostEl, () => { if (this.dirty) this.schedule(); });
  }

  /** view.metrics; the cards are rebuilt only when the set of names or kinds changed. */
  setMetrics(metrics) {
    const changed = this.model.setMetrics(metrics);
    if (changed) this.rebuild();
    this.schedule();
  }

  backfill(seconds) {
    this.model.backfill(seconds);
    this.schedule();
  }

  /** The metrics over the UI's window: figures (window_metrics.js, by name) and its span text. */
  setWindow(figures, span) {
    this.model.window = { figures, span };
    this.schedule();
  }

  push(second) {
    if (this.model.push(second)) this.schedule();
  }

  state() {
    return this.model.state();
  }

  rebuild() {
    for (const c of this.cards) c.destroy();
    this.cards = this.model.metrics.map((m) => new MetricCard(m));
    this.grid.replaceChildren(...this.cards.map((c) => c.root));
    this.lastDraw = -Infinity;  // new cards get their figures at once, not a second later
  }

  visible() {
    return this.host.offsetParent !== null && !(typeof document !== 'undefined' && document.hidden);
  }

  schedule() {
    if (this.timer !== null) return;
    const wait = Math.max(0, this.lastDraw + MIN_DRAW_MS - performance.now());
    this.timer = setTimeout(() => { this.timer = null; this.draw(); }, wait);
  }

  draw() {
    if (!this.visible()) { this.dirty = true; return; }
    this.dirty = false;
    this.lastDraw = performance.now();
    const declared = this.model.metrics.length;
    this.empty.hidden = declared > 0;
    if (!this.model.declared) setText(this.empty, 'waiting for data');
    else if (declared === 0) setText(this.empty, 'no metrics declared');
    if (!this.uPlot && !this.uPlotAsked && declared > 0) {
      this.uPlotAsked = true;
      loadUPlot().then((u) => { this.uPlot = u; this.lastDraw = -Infinity; this.schedule(); },
        (err) => console.warn('tapemeasure: uPlot did not load, charts are off:', err));
    }
    for (const card of this.cards) card.draw(this.model, this.uPlot);
  }
}
