// Wiring: connections (one per daemon watched) -> view set, counters and arrival queue ->
// Phaser scene; stats -> merged second by second over the daemons -> the window of shares
// and ratios -> panels (and the measurements and rules panels, loaded if present).
// window.tapemeasure exposes counters and helpers for tests.
//
// Nothing here knows a domain: tiers, types, colours, shares and ratios come from the
// view the daemon sends (views.js); events are routed to their view by their rule.

import { wantedTypes, normalizeStats } from './protocol.js';
import { DaemonSet, daemonTargets } from './daemons.js';
import { StatsMerge } from './stats_merge.js';
import { describeResume } from './backoff.js';
import { Layout } from './layout.js';
import { ArrivalQueue } from './arrivals.js';
import { StatsWindow, LIVE_SECONDS, parseWindow, windowLabel, windowShares, windowRatios } from './stats_window.js';
import { HistoryWindow } from './history_window.js';
import { windowCompares } from './compare.js';
import { ComparePanel } from './compare_panel.js';
import { MinuteRecords, hourBefore, usualRatios, usualShares, usualSince, HOUR_MS } from './usual.js';
import { windowMetrics, usualRate } from './window_metrics.js';
import { RateMeter, oneInN } from './rates.js';
import { Panels, SIDE_TABS } from './panels.js';
import { SharesPanel } from './shares_panel.js';
import { StageBar } from './stage_bar.js';
import { normalizeViewSet, chooseView, geometryKey } from './views.js';
import { TypeStyles, legendModel } from './styles.js';
import { createGame } from './scene.js';

const UI_KEY = 'tapemeasure.ui.v1';
const params = new URLSearchParams(location.search);
const requestedRenderer = params.get('renderer') === 'webgl' ? 'webgl' : 'canvas';

function storage() {
  try {
    const s = window.localStorage;
    s.getItem(UI_KEY);
    return s;
  } catch (_) {
    return null;
  }
}
const store = storage();

function loadUi() {
  try { return JSON.parse(store && store.getItem(UI_KEY)) || {}; } catch (_) { return {}; }
}
function saveUi() {
  try {
    store && store.setItem(UI_KEY, JSON.stringify({ hidden: [...model.hidden], speedExp: model.speedExp, maxRate: model.maxRate, sideTab, order: model.order }));
  } catch (_) { /* ignore */ }
}

// ---- counters for tests and panels ----------------------------------------
const tm = {
  version: 2,
  renderer: null,
  requestedRenderer,
  connection: 'idle',
  connects: 0,
  reconnects: 0,
  lastError: '',
  wsUrl: '',
  eventsReceived: 0,
  framesReceived: 0,
  statsReceived: 0,
  viewsReceived: 0,           // view frames (and the api/view answer) applied
  bytesReceived: 0,
  invalidFrames: 0,
  lastSeq: null,
  missedFrames: 0,
  lastResume: null,
  dropped: 0,                 // total the server reported dropped for this page
  receivedByType: Object.create(null), // raw type -> count (no prototype: any type name is safe)
  receivedByView: Object.create(null), // view id -> events received (drawn or not)
  typesSeen: [],
  dotsDrawn: 0,
  drawnByType: Object.create(null),   // type -> dots created
  dotsActive: 0,
  activeByType: Object.create(null),  // type -> dots on screen now
  dotsPerSecond: 0,
  notDrawn: { paused: 0, hiddenTab: 0, hiddenType: 0, poolFull: 0, stale: 0, behind: 0, overflow: 0, otherView: 0, noView: 0 },
  fps: 0,
  phaserFps: 0,
  eventsPerSecond: 0,
  droppedPerSecond: 0,
  oneInN: null,
  stats: null,
  view: null,                 // the last view object received, as sent
  currentView: null,          // id of the view drawn now
  knownTypes: [],             // the current view's types, in legend order
  shares: [],                 // [{title, metric, rows, cols, counts, shares}] over the window
  shareDetails: [],           // per share: rows, cols, totals, deviation, hot, maxDeviation, verdict
  ratios: [],                 // [{title, value, usual, unusual}] over the window; usual: over the hour before it
  comparisons: [],            // [{title, metric, label, rows: [{value, count, p50, p90, p99}], verdict}] over the window
  measurements: [],           // from measurements.js, when loaded
  rules: null,                // from rules_panel.js, when loaded
  hiddenTypes: [],
  filter: null,               // last filter sent: wanted types, or null (= everything)
  filtersSent: 0,
  paused: false,
  speed: 1,
  maxRate: 0,
  inspected: null,
  inspectedDaemon: null,      // the daemon the inspected event came from (several daemons)
  daemons: [],                // [{name, url, state, eventsReceived, lastSeq, boot, ...}] per daemon watched
  windowSeconds: 10,          // the window the user picked: seconds, or 'all' (since start)
  windowStamps: [],           // [{ts, daemons}] of the live seconds in a window of up to 5 min
  windowCoverage: null,       // {seconds, from, partial, loading}: what the window holds now
  statsMerge: null,           // {emitted, partial, late} of the merge over several daemons
  nodeDrags: 0,
  dotDrags: 0,
  ready: false,
};
window.tapemeasure = tm;

const queue = new ArrivalQueue(8192, { maxLagMs: 500 });
const ui = loadUi();
const model = {
  tm,
  queue,
  view: null,                 // the current normalized view
  layout: null,               // its Layout
  styles: null,               // its TypeStyles
  hidden: new Set(Array.isArray(ui.hidden) ? ui.hidden.filter((t) => typeof t === 'string') : []),
  paused: false,
  speedExp: Number.isFinite(ui.speedExp) ? Math.max(-2, Math.min(2, ui.speedExp)) : 0,
  speed: 1,
  maxRate: Number.isFinite(ui.maxRate) ? ui.maxRate : 0,
  order: ui.order === 'volume' ? 'volume' : 'natural',   // node order in the tiers
  scene: null,
  onFoldClick: (fold) => openFold(fold),
  // Several daemons: who sent an event (null with one), so a node seen by several is tagged.
  daemonOf: (ev) => eventDaemon.get(ev) || null,
  onCamera: (cam) => stageBar.setZoom(cam),
  onInspect: (ev, style) => {
    tm.inspected = ev;
    tm.inspectedDaemon = (ev && eventDaemon.get(ev)) || null;
    panels.inspect(ev, style && style.css, tm.inspectedDaemon);
  },
};
model.speed = Math.pow(2, model.speedExp);
tm.speed = model.speed;
tm.maxRate = model.maxRate;
let sideTab = SIDE_TABS.includes(ui.sideTab) ? ui.sideTab : 'shares';

const typesSeen = new Set();
const eventsMeter = new RateMeter();
const droppedMeter = new RateMeter();
// The window of shares and ratios: up to 5 min from the live seconds, longer ones from the
// daemons' per-minute history (history_window.js), read again every minute.
let windowChoice = parseWindow(params.get('window'));
const statsWindow = new StatsWindow(windowChoice === 'all' ? LIVE_SECONDS : Math.min(windowChoice, LIVE_SECONDS));
let history = null;                   // a HistoryWindow while the window is longer than 5 min
let historyReadAt = 0;
const HISTORY_EVERY_MS = 60000;
// What is usual: the hour before the window, from the daemons' minutes (usual.js), read
// every minute for windows up to an hour (a day's hour before is more than they keep).
const minuteRecords = new MinuteRecords();
let minutesReadAt = 0;
const minutesFrom = new Map();        // daemon id -> the earliest minute asked of it
let usualCache = { key: '', hour: null };
const typeRates = new Map();          // type -> smoothed events/s (legend)
let lastTypeCounts = new Map();
let lastCountersAt = performance.now();
const drawable = [];                  // reused per frame: the events of the current view

// ---- views ----------------------------------------------------------------------
let viewSet = null;                   // normalizeViewSet() of the last view object
let viewFromWs = false;               // a frame arrived: the api/view answer is older
let wantedViewId = params.get('view');
const stylesByView = new Map();       // id -> {key, styles}
const layoutsByView = new Map();      // id -> {key, layout}

/** A view's TypeStyles, kept while its declaration is unchanged (keeps first-sight colours). */
function stylesFor(v) {
  const key = JSON.stringify([v.tiers, v.types, viewSet.palette]);
  let e = stylesByView.get(v.id);
  if (!e || e.key !== key) { e = { key, styles: new TypeStyles(v, viewSet.palette) }; stylesByView.set(v.id, e); }
  return e.styles;
}

/** A view's Layout, kept while its tiers and sink are unchanged (keeps nodes and links). */
function layoutFor(v) {
  const key = geometryKey(v);
  let e = layoutsByView.get(v.id);
  if (!e || e.key !== key) { e = { key, layout: new Layout({ view: v, storage: store, order: model.order }) }; layoutsByView.set(v.id, e); }
  return e.layout;
}

function applyViews(raw) {
  tm.view = raw;
  tm.viewsReceived++;
  viewSet = normalizeViewSet(raw);
  for (const id of [...stylesByView.keys()]) if (!viewSet.byId.has(id)) stylesByView.delete(id);
  for (const id of [...layoutsByView.keys()]) if (!viewSet.byId.has(id)) layoutsByView.delete(id);
  for (const v of viewSet.views) stylesFor(v);
  if (measurements) call(() => measurements.setMetrics(viewSet.metrics));
  showView(chooseView(viewSet, wantedViewId), true);
  if (model.hidden.size) sendFilter();   // the types the page knows of may have changed
}

/** Draw view `v` (a tab click, or a new view frame when `again`). */
function showView(v, again = false) {
  if (!v) return;
  const layout = layoutFor(v), styles = stylesFor(v);
  const changed = model.view === null || model.view.id !== v.id || model.layout !== layout || model.styles !== styles;
  model.view = v;
  model.layout = layout;
  model.styles = styles;
  tm.currentView = v.id;
  document.title = `tapemeasure \u2014 ${v.title}`;
  stageBar.setTitle(v);
  if (layout.order !== model.order) layout.setOrder(model.order);
  stageBar.setOrder(model.order);
  if (changed) stageBar.closeFold();
  if (changed || again) {
    queue.clear();
    if (model.scene) model.scene.setView(v, layout, styles);
  }
  panels.setTabs(viewSet.views, v.id);
  renderLegend();
  renderWindow();
}

function chooseViewById(id) {
  if (!viewSet || !viewSet.byId.has(id)) return;
  wantedViewId = id;
  const u = new URL(location.href);
  u.searchParams.set('view', id);
  window.history.replaceState(window.history.state, '', u);
  showView(viewSet.byId.get(id));
}

/** Every type the page knows of: declared by a loaded view, given a style, or seen. */
function knownTypes() {
  const out = new Set();
  for (const e of stylesByView.values()) for (const t of e.styles.types()) out.add(t);
  for (const t of typesSeen) out.add(t);
  return out;
}

// ---- actions ----------------------------------------------------------------
function sendFilter() {
  const wanted = wantedTypes(model.hidden, knownTypes());
  tm.filter = wanted;
  tm.filtersSent++;
  daemonSet.setFilter(wanted);
}

let legendVersion = -1;
function renderLegend() {
  if (!model.styles) return;
  legendVersion = model.styles.version;
  tm.knownTypes = model.styles.types();
  panels.setLegend(legendModel(model.styles, model.hidden));
  if (model.scene) model.scene.updateFloorLabel();
}

function applyHidden() {
  tm.hiddenTypes = [...model.hidden];
  renderLegend();
  if (model.scene) for (const t of model.hidden) model.scene.clearType(t);
  saveUi();
}

function toggleType(type) {
  if (model.hidden.has(type)) model.hidden.delete(type); else model.hidden.add(type);
  applyHidden();
  sendFilter();
}

/** Hide the current view's error types (then: return|fall), or show them again. */
function squelch() {
  if (!model.styles) return;
  const errors = model.styles.errorTypes();
  if (!errors.length) return;
  const squelched = errors.every((t) => model.hidden.has(t));
  for (const t of errors) { if (squelched) model.hidden.delete(t); else model.hidden.add(t); }
  applyHidden();
  sendFilter();
}

function setPaused(p) {
  model.paused = !!p;
  tm.paused = model.paused;
  if (model.paused) queue.clear();
  panels.setPaused(model.paused);
  if (!model.paused) { panels.inspect(null); tm.inspected = null; tm.inspectedDaemon = null; }
}

function setSpeed(exp) {
  model.speedExp = exp;
  model.speed = Math.pow(2, exp);
  tm.speed = model.speed;
  panels.setSpeed(exp);
  saveUi();
}

function setMaxRate(n) {
  model.maxRate = n > 0 ? n : 0;
  tm.maxRate = model.maxRate;
  // 0 = "server cap": one daemon is asked for a very high cap, which it clamps to its own;
  // several share the cap (daemons.js).
  daemonSet.setUserRate(model.maxRate);
  saveUi();
}

function resetLayout() {
  if (model.layout) model.layout.reset();
}

/** Natural order or by volume, for every view's tiers (volume: ranked now, then kept). */
function setOrder(mode) {
  model.order = mode === 'volume' ? 'volume' : 'natural';
  for (const e of layoutsByView.values()) e.layout.setOrder(model.order);
  stageBar.setOrder(model.order);
  saveUi();
}

function openFold(fold) {
  const i = model.layout ? model.layout.tierIndex.get(fold.tier) : -1;
  stageBar.openFold(fold, i >= 0 ? model.layout.tierTitles[i] : fold.tier);
}

function setSideTab(name) {
  sideTab = SIDE_TABS.includes(name) ? name : 'shares';
  panels.setSideTab(sideTab);
  saveUi();
  if (sideTab === 'compare') renderWindow();
}

// ---- panels -------------------------------------------------------------------
const panels = new Panels({
  onToggleType: toggleType,
  onSquelch: squelch,
  onPause: () => setPaused(!model.paused),
  onSpeed: setSpeed,
  onMaxRate: setMaxRate,
  onResetLayout: resetLayout,
  onRetry: () => daemonSet.retryNow(),
  onCloseInspector: () => { panels.inspect(null); tm.inspected = null; tm.inspectedDaemon = null; },
  onChooseView: chooseViewById,
  onSideTab: setSideTab,
  onWindow: setWindow,
});
const sharesPanel = new SharesPanel(document.getElementById('shares'));
const comparePanel = new ComparePanel(document.getElementById('compare-panel'));
const stageBar = new StageBar({
  onOrder: setOrder,
  onZoom: (f) => { if (model.scene) model.scene.zoomBy(f); },
  onZoomReset: () => { if (model.scene) model.scene.resetCamera(); },
});

// The measurements and rules panels are separate modules; the page works without them.
let measurements = null;
let rulesPanel = null;
let apiSeconds = null;              // GET api/stats, once at start
/** Run a panel module's method; a bug there must not stop the stream. */
function call(fn) {
  try { return fn(); } catch (e) { console.warn('panel:', e); return undefined; }
}
function missing(id, what) {
  const host = document.getElementById(id);
  if (host && !host.childElementCount) host.innerHTML = `<p class="muted">${what} not available in this build.</p>`;
}

// ---- connections ---------------------------------------------------------------
const eventDaemon = new WeakMap();    // event -> the daemon's name (several daemons: the inspector)

function onBatch(d, b) {
  const now = performance.now();
  const evs = b.events;
  const n = evs.length;
  const several = daemonSet.size > 1;
  tm.framesReceived++;
  tm.eventsReceived += n;
  if (b.seq !== null) tm.lastSeq = several ? sumOfSeqs() : b.seq;
  tm.missedFrames = several ? daemonSet.list.reduce((a, x) => a + x.conn.seq.missedFrames, 0) : d.conn.seq.missedFrames;
  tm.lastResume = d.conn.seq.lastResume;
  tm.dropped += b.dropped;
  if (several) {
    const name = d.name;
    for (let i = 0; i < n; i++) eventDaemon.set(evs[i], name);
  }
  eventsMeter.add(n, now);
  droppedMeter.add(b.dropped, now);
  const rbt = tm.receivedByType, rbv = tm.receivedByView, nd = tm.notDrawn;
  const current = model.view ? model.view.id : null;
  const routes = viewSet ? viewSet.ruleToView : null;
  drawable.length = 0;
  for (let i = 0; i < n; i++) {
    const ev = evs[i];
    const t = ev.type;
    if (rbt[t] === undefined) {
      rbt[t] = 0;
      if (!typesSeen.has(t)) { typesSeen.add(t); tm.typesSeen.push(t); }
    }
    rbt[t]++;
    const vid = routes !== null ? routes.get(ev.rule) : undefined;
    if (vid === undefined) { nd.noView++; continue; }
    rbv[vid] = (rbv[vid] || 0) + 1;
    if (vid !== current) {
      stylesByView.get(vid).styles.of(t);   // its colour is settled in order of first sight
      nd.otherView++;
      continue;
    }
    model.styles.of(t);
    drawable.push(ev);
  }
  if (model.styles && model.styles.version !== legendVersion) renderLegend();
  const m = drawable.length;
  if (m === 0) return;
  if (document.hidden) { nd.hiddenTab += m; return; }  // no pile-up in a hidden tab
  if (model.paused) { nd.paused += m; return; }
  queue.pushBatch(drawable, now);
  drawable.length = 0;
}

/** Several daemons: the events they matched, added up (the top bar's "seq"). */
function sumOfSeqs() {
  let sum = 0;
  for (const x of daemonSet.list) sum += x.conn.seq.lastSeq || 0;
  return sum;
}

/** A daemon's stats frame: merged with the other daemons' of the same second (stats_merge.js). */
function onDaemonStats(d, s) {
  if (history) history.push(d.id, s);
  for (const merged of statsMerge.push(d.id, s, Date.now())) onStats(merged);
}

function flushMerge() {
  if (statsMerge.pending.size) for (const merged of statsMerge.poll(Date.now())) onStats(merged);
  tm.statsMerge = { emitted: statsMerge.emitted, partial: statsMerge.partial, late: statsMerge.late };
}

function onStats(s) {
  if (s.daemons) s.daemons = s.daemons.map((id) => { const d = daemonSet.byId(id); return d ? d.url : id; });
  const { raw, shares, ratios, metrics, reload, ...rest } = s;
  tm.stats = rest;
  statsWindow.push(s);
  renderWindow();
  if (measurements) { call(() => measurements.push(raw)); tm.measurements = call(() => measurements.state()) || []; }
  if (rulesPanel) call(() => rulesPanel.stats(raw));
}

/** Shares and ratios of the current view over the window: panels and test hook. */
function renderWindow() {
  if (!model.view) return;
  let records, seconds, span;
  if (history) {
    const c = history.contents(Date.now());
    records = c.records;
    seconds = c.seconds;
    const names = c.partial.map((id) => { const d = daemonSet.byId(id); return d ? d.name : id; });
    span = c.loading && !records.length ? '' : `last ${windowLabel(windowChoice)}`.replace('last since start', 'since start') +
      (names.length ? ` (${names.join(', ')}: since this page opened)` : '');
    tm.windowCoverage = { seconds, from: c.from, partial: names, loading: c.loading };
    tm.windowStamps = [];
  } else {
    records = statsWindow.inWindow();
    seconds = statsWindow.seconds;
    span = seconds ? `last ${seconds} s` : '';
    tm.windowCoverage = { seconds, from: records.length ? records[0].ts : null, partial: [], loading: false };
    tm.windowStamps = statsWindow.stamps();
  }
  const hour = usualHour(records, seconds);
  const sh = windowShares(records, model.view);
  if (hour) usualShares(hour, sh).forEach((u, i) => { sh[i].usual = u; });
  tm.shares = sh.map(({ matrix, usual, ...plain }) => ({ ...plain, unusual: usual ? usual.unusual : [] }));
  tm.shareDetails = sh.map((x) => ({
    title: x.title, rows: x.matrix.rows, cols: x.matrix.cols, totals: x.matrix.totals, deviation: x.matrix.deviation,
    hot: x.matrix.hot, maxDeviation: x.matrix.maxDeviation,
  }));
  sharesPanel.render(sh, span);
  const ra = windowRatios(records, model.view, seconds);
  const ru = hour ? usualRatios(hour, ra) : ra.map(() => ({ usual: null, unusual: false }));
  ra.forEach((r, i) => Object.assign(r, ru[i]));
  tm.ratios = ra.map((r) => ({ title: r.title, value: r.value, usual: r.usual, unusual: r.unusual }));
  panels.ratios(ra);
  if (measurements) {
    const wm = windowMetrics(records, seconds);
    for (const [name, m] of wm) Object.assign(m, hour ? usualRate(name, m.count, seconds, hour.minutes) : { usual: null, unusual: false });
    call(() => measurements.setWindow(wm, span));
  }
  const co = windowCompares(records, model.view);
  tm.comparisons = co;
  if (sideTab === 'compare') comparePanel.render(co, span);
}

/** The length of the window the user picked, in ms; null for windows with no hour before kept. */
function usualWindowMs() {
  return windowChoice === 'all' || windowChoice > 3600 ? null : windowChoice * 1000;
}

/** The per-minute figures of the hour before the window (recomputed when a minute passes). */
function usualHour(records, seconds) {
  const ms = usualWindowMs();
  if (ms === null || !model.view) return null;
  const from = Math.floor((Date.now() - ms) / 60000) * 60000;   // the window's start, to its minute
  const key = `${minuteRecords.version}\u0000${from}\u0000${model.view.id}\u0000${viewSet ? tm.viewsReceived : 0}`;
  if (usualCache.key !== key) {
    const minutes = minuteRecords.minutes(from - HOUR_MS, from);
    usualCache = { key, hour: { ...hourBefore(minutes, model.view), minutes } };
  }
  return usualCache.hour;
}

/** Each daemon's minutes for the hour before the window (api/stats?step=60&since=). */
function readMinutes() {
  const ms = usualWindowMs();
  minutesReadAt = Date.now();
  if (ms === null) return;
  const needed = usualSince(Date.now(), ms);
  for (const d of daemonSet.list) {
    // What it has not read yet (from the newest minute it holds, which was not complete then),
    // unless the window grew and wants older minutes.
    const from = minutesFrom.get(d.id);
    const newest = minuteRecords.newest(d.id);
    const since = from !== undefined && from <= needed && newest !== null ? Math.max(needed, newest) : needed;
    if (from === undefined || needed < from) minutesFrom.set(d.id, needed);
    fetchJson(new URL(`api/stats?step=60&since=${since}`, d.url).toString()).then((body) => {
      if (body && Array.isArray(body.records)) { minuteRecords.add(d.id, body, Date.now()); renderWindow(); }
    });
  }
}

/** The window the user picked: 10, 60, 300, 3600, 86400 (seconds) or 'all'; kept in ?window=. */
function setWindow(w) {
  windowChoice = parseWindow(w);
  tm.windowSeconds = windowChoice;
  panels.setWindow(windowChoice);
  const u = new URL(location.href);
  if (windowChoice === 10) u.searchParams.delete('window'); else u.searchParams.set('window', String(windowChoice));
  window.history.replaceState(window.history.state, '', u);
  const long = windowChoice === 'all' || windowChoice > LIVE_SECONDS;
  statsWindow.setSize(long ? LIVE_SECONDS : windowChoice);
  history = long ? new HistoryWindow(windowChoice) : null;
  if (history) readHistory();
  readMinutes();
  renderWindow();
}

/** Each daemon's minutes (or its since-start record), for a window longer than 5 min. */
function readHistory() {
  const h = history;
  if (!h) return;
  historyReadAt = Date.now();
  for (const d of daemonSet.list) {
    const since = h.since(d.id);   // what it has not read yet, after the first read
    const url = new URL(`api/stats?${h.query}${since === null ? '' : `&since=${since}`}`, d.url).toString();
    fetchJson(url).then((body) => {
      if (history !== h) return;   // the window changed meanwhile
      if (body && Array.isArray(body.records)) h.setHistory(d.id, body, since); else h.historyFailed(d.id);
      renderWindow();
    });
  }
}

function onView(raw) {
  viewFromWs = true;
  applyViews(raw);
}

/**
 * Several daemons send their views (the same rules, usually): the page draws one daemon's,
 * the first watched that is connected, so a reconnect of another does not redraw it.
 */
let viewSource = null;
function onDaemonView(d, raw) {
  const src = viewSource;
  if (src === null || src === d || src.conn.state !== 'open' || d.index < src.index) {
    viewSource = d;
    onView(raw);
  }
}

function onDaemonState(d, state) {
  for (const merged of statsMerge.setLive(d.id, state === 'open', Date.now())) onStats(merged);
  // hidden types survive reconnects: Connection re-sends the filter (and max_rate) itself
  const c = d.conn;
  if (daemonSet.size === 1) {
    tm.connection = state;
    tm.connects = c.connects;
    tm.reconnects = c.reconnects;
  } else {
    const sum = daemonSet.summary();
    tm.connection = sum.open > 0 ? 'open' : daemonSet.list.some((x) => x.conn.state === 'connecting') ? 'connecting' : 'reconnecting';
    tm.connects = daemonSet.list.reduce((a, x) => a + x.conn.connects, 0);
    tm.reconnects = daemonSet.list.reduce((a, x) => a + x.conn.reconnects, 0);
  }
  tm.lastError = c.lastError;
  tm.daemons = daemonSet.snapshot();
  renderConnection();
}

function renderConnection() {
  if (daemonSet.size > 1) { renderDaemons(); return; }
  const c = daemonSet.list[0].conn;
  const st = c.state;
  if (st === 'open') {
    const seq = tm.lastSeq !== null ? `seq ${tm.lastSeq}` : 'waiting for data';
    panels.connection('open', c.reconnects ? `live (reconnected ×${c.reconnects})` : 'live', `${seq} · ${formatBytes(c.bytesReceived)}`, false);
  } else if (st === 'connecting') {
    panels.connection('connecting', c.attempt > 1 ? `connecting… (attempt ${c.attempt})` : 'connecting…', c.url, false);
  } else if (st === 'reconnecting') {
    const secs = Math.max(0, (c.retryAt - Date.now()) / 1000);
    panels.connection('reconnecting', `reconnecting in ${secs.toFixed(1)} s`, `${c.lastError || 'disconnected'} · attempt ${c.attempt}`, true);
  } else {
    panels.connection(st, st, '', false);
  }
}

/** Several daemons: one line for all of them, and a dot and name per daemon. */
function renderDaemons() {
  const list = daemonSet.snapshot();
  tm.daemons = list;
  const sum = daemonSet.summary();
  const waiting = list.some((x) => x.connection === 'reconnecting');
  const state = sum.state === 'open' ? 'open' : sum.state === 'partial' ? 'connecting' : sum.state === 'connecting' ? 'connecting' : 'reconnecting';
  const text = sum.state === 'open' ? `live · ${sum.total} daemons`
    : sum.open > 0 ? `${sum.open} of ${sum.total} daemons live`
      : sum.state === 'connecting' ? `connecting to ${sum.total} daemons…` : 'no daemon reachable';
  panels.connection(state, text, '', waiting);
  panels.daemons(list);
}

function formatBytes(n) {
  if (n < 1024) return n + ' B';
  if (n < 1048576) return (n / 1024).toFixed(0) + ' KiB';
  return (n / 1048576).toFixed(1) + ' MiB';
}

// The daemons watched: this page's own, then its peers (GET api/peers, below), or exactly
// those of ?daemons=URL,URL. Each has its own connection, backoff and seq (daemons.js).
const daemonsParam = params.get('daemons');
const listed = daemonsParam !== null;
const daemonSet = new DaemonSet({
  connection: { backoff: { base: 500, max: 15000 } },
  onBatch, onStats: onDaemonStats, onView: onDaemonView, onState: onDaemonState,
});
for (const t of daemonTargets({ pageHref: location.href, wsOverride: params.get('ws'), daemonsParam })) daemonSet.add(t);
const statsMerge = new StatsMerge({ reloadFrom: daemonSet.list[0].id });
statsMerge.setCount(daemonSet.size);
tm.wsUrl = daemonSet.list[0].wsUrl;
daemonSet.setFilter(wantedTypes(model.hidden, knownTypes()));
tm.filter = daemonSet.filter;
if (model.maxRate) daemonSet.userRate = model.maxRate;
daemonSet.applyRates();
tm.daemons = daemonSet.snapshot();
/** Is the page served by one of the daemons it watches (its api/ paths answer for it)? */
const ownBase = new URL('.', location.href).toString();
const servedByWatched = !listed || daemonSet.list.some((d) => d.url === ownBase);

// ---- periodic panel refresh (text a few times a second) -------------------------
function refresh() {
  const now = performance.now();
  const dt = (now - lastCountersAt) / 1000;
  lastCountersAt = now;
  const rbt = tm.receivedByType;
  if (dt > 0 && model.styles) {
    const counts = new Map();
    for (const t of model.styles.types()) {
      const c = rbt[t] || 0;
      counts.set(t, c);
      const r = (c - (lastTypeCounts.get(t) ?? c)) / dt;
      const old = typeRates.get(t) || 0;
      typeRates.set(t, old + (r - old) * 0.35);
    }
    lastTypeCounts = counts;
  }
  tm.eventsPerSecond = Math.round(eventsMeter.rate(now));
  tm.droppedPerSecond = Math.round(droppedMeter.rate(now));
  tm.oneInN = oneInN(tm.eventsPerSecond, tm.droppedPerSecond);
  tm.notDrawn.stale = queue.stale;
  tm.notDrawn.overflow = queue.overflowed;
  tm.notDrawn.behind = queue.behind;
  flushMerge();
  if (history && Date.now() - historyReadAt >= HISTORY_EVERY_MS) readHistory();
  if (Date.now() - minutesReadAt >= HISTORY_EVERY_MS) readMinutes();
  const several = daemonSet.size > 1;
  const conns = daemonSet.list.map((d) => d.conn);
  tm.bytesReceived = conns.reduce((a, c) => a + c.bytesReceived, 0);
  tm.statsReceived = several ? statsMerge.emitted : conns[0].statsReceived;
  tm.invalidFrames = conns.reduce((a, c) => a + c.invalidFrames, 0);
  if (!several) tm.lastResume = conns[0].seq.lastResume;
  const s = tm.stats;
  panels.counters({
    eventsPerSecond: tm.eventsPerSecond,
    serverEventsPerSecond: s ? s.eventsPerS : null,
    linesPerSecond: s ? s.linesPerS : null,
    oneInN: tm.oneInN,
    droppedPerSecond: tm.droppedPerSecond,
    droppedTotal: tm.dropped,
    fps: tm.fps,
    dotsPerSecond: tm.dotsPerSecond,
    dotsActive: tm.dotsActive,
    typeRates,
  });
  for (const d of daemonSet.list) {
    const r = d.conn.seq.lastResume;
    if (d.pendingResume && r && r.kind !== 'first' && d.conn.seq.lastSeq !== null) {
      d.pendingResume = false;
      panels.notice((several ? `${d.name} reconnected — ` : 'Reconnected — ') + describeResume(r));
    }
  }
  tm.daemons = daemonSet.snapshot();
  renderConnection();
  if (++refreshes % 4 === 0) stageBar.refreshFold();
}
let refreshes = 0;

// ---- hidden tab: drop what is queued, draw nothing until visible ------------------
document.addEventListener('visibilitychange', () => {
  queue.clear();
});

// ---- keyboard --------------------------------------------------------------------
document.addEventListener('keydown', (e) => {
  if (e.code === 'Space' && !(e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement || e.target instanceof HTMLButtonElement)) {
    e.preventDefault();
    setPaused(!model.paused);
  }
});

// ---- test helpers -------------------------------------------------------------
/** World coordinates of the picture -> page pixels, through the camera. */
function toPage(x, y) {
  const r = canvasRect();
  const cam = model.scene ? model.scene.cameras.main : { zoom: 1, scrollX: 0, scrollY: 0 };
  return { pageX: r.left + (x - cam.scrollX) * cam.zoom, pageY: r.top + (y - cam.scrollY) * cam.zoom };
}
function pageBox(b, z) {
  const p = toPage(b.x, b.y);
  return { x: p.pageX, y: p.pageY, w: b.w * z, h: b.h * z };
}
function canvasRect() {
  const c = document.querySelector('#canvas-host canvas');
  const r = c ? c.getBoundingClientRect() : { left: 0, top: 0, width: 0, height: 0 };
  return { left: r.left, top: r.top, width: r.width, height: r.height };
}
Object.assign(tm, {
  canvasRect,
  /**
   * Every node of the current view with world (x,y) and page (pageX,pageY) coordinates (the
   * camera may be zoomed); `folded` ones are drawn as their tier's fold, at its place.
   */
  nodes() {
    if (!model.layout) return [];
    const L = model.layout;
    return L.allNodes().map((n) => ({ tier: n.tier, name: n.name, x: n.x, y: n.y, ...toPage(n.x, n.y), moved: L.isMoved(n), count: n.count, folded: n.folded,
      daemons: n.daemons ? [...n.daemons].sort() : [] }));
  },
  /** The folds drawn now: [{tier, count, x, y, pageX, pageY}]. */
  folds() {
    if (!model.layout) return [];
    return [...model.layout.folds.values()].filter((f) => f && f.members.length)
      .map((f) => ({ tier: f.tier, count: f.members.length, x: f.x, y: f.y, ...toPage(f.x, f.y) }));
  },
  /** The open fold's list: {tier, names} or null. */
  openFold: () => stageBar.openFoldNames(),
  /** Boxes of the node labels drawn now, in page pixels: [{tier, name, x, y, w, h}]. */
  labelBoxes() {
    if (!model.scene) return [];
    const z = model.scene.cameras.main.zoom;
    return model.scene.labelBoxes().map((b) => ({ ...b, ...pageBox(b, z) }));
  },
  setOrder,
  zoomBy: (f) => model.scene && model.scene.zoomBy(f),
  resetZoom: () => model.scene && model.scene.resetCamera(),
  /** The CSV "Copy CSV" puts on the clipboard for a share of the current view. */
  shareCsv: (title) => sharesPanel.csv(title),
  /** Tiers drawn now: [{name, title, x}]. */
  tiers() {
    if (!model.layout) return [];
    const L = model.layout;
    return model.view.tiers.map((t, i) => ({ name: t.name, title: t.title, x: L.geo.tierX[i] }));
  },
  /** Live dots (optionally of one type) with page coordinates. */
  dots(limit = 50, type = null) {
    if (!model.scene) return [];
    return model.scene.listDots(limit, type).map((d) => ({ ...d, ...toPage(d.x, d.y) }));
  },
  /** The geometry of the current picture (sink ball, scale, floor). */
  geometry() { return model.layout ? JSON.parse(JSON.stringify(model.layout.geo)) : null; },
  setPaused,
  toggleType,
  squelchErrors: squelch,
  resetLayout,
  chooseView: chooseViewById,
  setSpeed: (mult) => setSpeed(Math.log2(mult)),
  /** The window of shares and ratios: 10, 60, 300, 3600, 86400 (seconds) or 'all'. */
  setWindow,
});

// ---- start ---------------------------------------------------------------------
panels.setSpeed(model.speedExp);
panels.setMaxRate(model.maxRate);
panels.setPaused(false);
panels.setSideTab(sideTab);
setWindow(windowChoice);
tm.hiddenTypes = [...model.hidden];
renderConnection();

function startGame(renderer) {
  try {
    return createGame({ parent: document.getElementById('canvas-host'), renderer, model });
  } catch (e) {
    if (renderer === 'webgl') {
      console.warn('WebGL renderer failed, falling back to Canvas:', e);
      tm.rendererError = String(e && e.message || e);
      return createGame({ parent: document.getElementById('canvas-host'), renderer: 'canvas', model });
    }
    throw e;
  }
}

async function fetchJson(path) {
  try {
    const r = await fetch(path, { cache: 'no-store' });
    return r.ok ? await r.json() : null;
  } catch (_) {
    return null;
  }
}

/** The page may be served before the first view frame arrives: ask for the view once. */
async function loadViewOnce() {
  if (!servedByWatched) return;   // ?daemons= without this page's daemon: their frames bring it
  const raw = await fetchJson('api/view');
  if (raw && !viewFromWs) applyViews(raw);
}

/**
 * This daemon's peers (GET api/peers: {name, peers: [URL...]}), watched too. Not asked
 * when ?daemons= names the daemons; a daemon without the endpoint has no peers.
 */
async function loadPeers() {
  if (listed) return;
  const data = await fetchJson('api/peers');
  if (!data || typeof data !== 'object') return;
  const own = daemonSet.list[0];
  if (typeof data.name === 'string' && data.name) own.givenName = data.name;
  if (Number.isFinite(data.ws_max_rate)) daemonSet.setCap(data.ws_max_rate);
  const peers = Array.isArray(data.peers) ? data.peers.filter((p) => typeof p === 'string') : [];
  for (const t of daemonTargets({ pageHref: location.href, wsOverride: params.get('ws'), peers }).slice(1)) daemonSet.add(t);
  statsMerge.setCount(daemonSet.size);
  tm.daemons = daemonSet.snapshot();
  renderConnection();
  if (history) readHistory();
  readMinutes();
}

/**
 * The last seconds of stats: the window starts full, the measurements panel has a past.
 * One daemon only: several daemons' seconds would have to be merged second by second as
 * the live frames are; their short windows fill from the live frames (windows past 5 min
 * read every daemon's per-minute history).
 */
async function loadStatsOnce() {
  const data = daemonSet.size === 1 && servedByWatched ? await fetchJson('api/stats') : null;
  apiSeconds = data && Array.isArray(data.seconds) ? data.seconds : [];
  statsWindow.backfill(apiSeconds.map(normalizeStats));
  renderWindow();
}

async function loadPanels() {
  await loadPeers();
  const statsReady = loadStatsOnce();
  try {
    const mod = await import('./measurements.js');
    measurements = new mod.MeasurementsPanel(document.getElementById('measurements-panel'));
    if (viewSet) call(() => measurements.setMetrics(viewSet.metrics));
    await statsReady;
    call(() => measurements.backfill(apiSeconds));
    tm.measurements = call(() => measurements.state()) || [];
  } catch (e) {
    measurements = null;
    console.warn('measurements panel not loaded:', e && e.message);
    missing('measurements-panel', 'The measurements panel is');
  }
  try {
    const mod = await import('./rules_panel.js');
    rulesPanel = new mod.RulesPanel(document.getElementById('rules-panel'), { onNotice: (text) => panels.notice(text) });
    rulesPanel.start();  // polls api/rules: the tab is filled on a fresh page, not only after a reload
    // Read when asked: the panel's state changes with its polls as well as with stats frames
    // (a reload error seen by a poll put the banner up while the hook still said ok).
    Object.defineProperty(tm, 'rules', { get: () => call(() => rulesPanel.state()) || null, enumerable: true });
  } catch (e) {
    rulesPanel = null;
    console.warn('rules panel not loaded:', e && e.message);
    missing('rules-panel', 'The rules panel is');
  }
}

model.onSceneReady = () => { tm.ready = true; };
const game = startGame(requestedRenderer);
Object.defineProperty(tm, 'game', { value: game, enumerable: false });
loadViewOnce();
loadPanels();
daemonSet.start();
setInterval(refresh, 250);
