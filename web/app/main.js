// Wiring: connection -> counters/arrival queue -> Phaser scene, stats -> panels.
// window.tapemeasure exposes the counters (and a few helpers) for tests.

import { KNOWN_TYPES, ERROR_TYPES, OTHER, typeKind, wantedTypes } from './protocol.js';
import { Connection, wsUrlFor } from './connection.js';
import { describeResume } from './backoff.js';
import { Layout } from './layout.js';
import { ArrivalQueue } from './arrivals.js';
import { MatrixWindow, shareMatrix } from './matrix.js';
import { RateMeter, oneInN } from './rates.js';
import { Panels } from './panels.js';
import { createGame, KINDS } from './scene.js';

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
  try { store && store.setItem(UI_KEY, JSON.stringify({ hidden: [...model.hidden], speedExp: model.speedExp, maxRate: model.maxRate })); } catch (_) { /* ignore */ }
}

const zeroKinds = () => Object.fromEntries(KINDS.map((k) => [k, 0]));

// ---- counters for tests and panels ----------------------------------------
const tm = {
  version: 1,
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
  bytesReceived: 0,
  invalidFrames: 0,
  lastSeq: null,
  missedFrames: 0,
  lastResume: null,
  dropped: 0,                 // total the server reported dropped for this page
  receivedByType: Object.create(null), // raw type -> count (no prototype: any type name is safe)
  typesSeen: [],
  dotsDrawn: 0,
  drawnByType: zeroKinds(),   // kind -> dots created
  dotsActive: 0,
  activeByType: zeroKinds(),  // kind -> dots on screen now
  dotsPerSecond: 0,
  notDrawn: { paused: 0, hiddenTab: 0, hiddenType: 0, poolFull: 0, stale: 0, behind: 0, overflow: 0 },
  fps: 0,
  phaserFps: 0,
  eventsPerSecond: 0,
  droppedPerSecond: 0,
  oneInN: null,
  stats: null,
  bounceRatio: null,
  matrix: null,
  hiddenTypes: [],
  filter: null,               // last filter sent: wanted types, or null (= everything)
  filtersSent: 0,
  paused: false,
  speed: 1,
  maxRate: 0,
  inspected: null,
  nodeDrags: 0,
  dotDrags: 0,
  ready: false,
};
window.tapemeasure = tm;

const layout = new Layout({ storage: store });
const queue = new ArrivalQueue(8192, { maxLagMs: 500 });
const ui = loadUi();
const model = {
  tm,
  layout,
  queue,
  hidden: new Set(Array.isArray(ui.hidden) ? ui.hidden.filter((k) => KINDS.includes(k)) : []),
  paused: false,
  speedExp: Number.isFinite(ui.speedExp) ? Math.max(-2, Math.min(2, ui.speedExp)) : 0,
  speed: 1,
  maxRate: Number.isFinite(ui.maxRate) ? ui.maxRate : 0,
  scene: null,
  onInspect: (ev, kind) => { tm.inspected = ev; panels.inspect(ev, kind); },
};
model.speed = Math.pow(2, model.speedExp);
tm.speed = model.speed;
tm.maxRate = model.maxRate;

const typesSeen = new Set();
const eventsMeter = new RateMeter();
const droppedMeter = new RateMeter();
const matrixWindow = new MatrixWindow(10);
const kindCounts = zeroKinds();
let lastKindCounts = zeroKinds();
const kindRates = zeroKinds();
let lastCountersAt = performance.now();

// ---- actions ----------------------------------------------------------------
function sendFilter() {
  const wanted = wantedTypes(model.hidden, typesSeen);
  tm.filter = wanted;
  tm.filtersSent++;
  conn.setFilter(wanted);
}

function applyHidden() {
  tm.hiddenTypes = [...model.hidden];
  const squelched = ERROR_TYPES.every((t) => model.hidden.has(t));
  panels.setHidden(model.hidden, squelched);
  if (model.scene) for (const k of model.hidden) model.scene.clearKind(k);
  saveUi();
}

function toggleKind(kind) {
  if (model.hidden.has(kind)) model.hidden.delete(kind); else model.hidden.add(kind);
  applyHidden();
  sendFilter();
}

function squelch() {
  const squelched = ERROR_TYPES.every((t) => model.hidden.has(t));
  for (const t of ERROR_TYPES) { if (squelched) model.hidden.delete(t); else model.hidden.add(t); }
  applyHidden();
  sendFilter();
}

function setPaused(p) {
  model.paused = !!p;
  tm.paused = model.paused;
  if (model.paused) queue.clear();
  panels.setPaused(model.paused);
  if (!model.paused) { panels.inspect(null); tm.inspected = null; }
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
  // 0 = "server cap": ask for a very high cap, which the server clamps to its own.
  conn.setMaxRate(model.maxRate || 1000000);
  saveUi();
}

function resetLayout() {
  layout.reset();
}

// ---- panels -------------------------------------------------------------------
const panels = new Panels({
  onToggleKind: toggleKind,
  onSquelch: squelch,
  onPause: () => setPaused(!model.paused),
  onSpeed: setSpeed,
  onMaxRate: setMaxRate,
  onResetLayout: resetLayout,
  onRetry: () => conn.retryNow(),
  onCloseInspector: () => { panels.inspect(null); tm.inspected = null; },
}, KINDS);

// ---- connection ----------------------------------------------------------------
function onBatch(b) {
  const now = performance.now();
  const evs = b.events;
  const n = evs.length;
  tm.framesReceived++;
  tm.eventsReceived += n;
  if (b.seq !== null) tm.lastSeq = b.seq;
  tm.missedFrames = conn.seq.missedFrames;
  tm.lastResume = conn.seq.lastResume;
  tm.dropped += b.dropped;
  eventsMeter.add(n, now);
  droppedMeter.add(b.dropped, now);
  const rbt = tm.receivedByType;
  for (let i = 0; i < n; i++) {
    const t = evs[i].type;
    if (rbt[t] === undefined) {
      rbt[t] = 0;
      if (!typesSeen.has(t)) {
        typesSeen.add(t);
        tm.typesSeen.push(t);
      }
    }
    rbt[t]++;
    kindCounts[typeKind(t)]++;
  }
  if (n === 0) return;
  if (document.hidden) { tm.notDrawn.hiddenTab += n; return; }  // no pile-up in a hidden tab
  if (model.paused) { tm.notDrawn.paused += n; return; }
  queue.pushBatch(evs, now);
}

function onStats(s) {
  const { raw, ...rest } = s;
  tm.stats = rest;
  tm.bounceRatio = s.bounceRatio;
  matrixWindow.push(s.relayMatrix);
  const m = shareMatrix(matrixWindow.sum());
  tm.matrix = m;
  panels.matrix(m, matrixWindow.seconds);
}

let lastState = '';
function onState(state, c) {
  tm.connection = state;
  tm.connects = c.connects;
  tm.reconnects = c.reconnects;
  tm.lastError = c.lastError;
  if (state === 'open' && lastState !== 'open') {
    if (c.connects > 1) pendingResumeNotice = true;
    // hidden types survive reconnects: Connection re-sends the filter itself
  }
  lastState = state;
  renderConnection();
}
let pendingResumeNotice = false;

function renderConnection() {
  const c = conn;
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

function formatBytes(n) {
  if (n < 1024) return n + ' B';
  if (n < 1048576) return (n / 1024).toFixed(0) + ' KiB';
  return (n / 1048576).toFixed(1) + ' MiB';
}

const wsUrl = params.get('ws') || wsUrlFor(location.href);
tm.wsUrl = wsUrl;
const conn = new Connection({ url: wsUrl, onBatch, onStats, onState, backoff: { base: 500, max: 15000 } });
conn.filter = wantedTypes(model.hidden, typesSeen);
tm.filter = conn.filter;
if (model.maxRate) conn.maxRate = model.maxRate;

// ---- periodic panel refresh (text a few times a second) -------------------------
function refresh() {
  const now = performance.now();
  const dt = (now - lastCountersAt) / 1000;
  lastCountersAt = now;
  if (dt > 0) {
    for (const k of KINDS) {
      const r = (kindCounts[k] - lastKindCounts[k]) / dt;
      kindRates[k] += (r - kindRates[k]) * 0.35;
    }
    lastKindCounts = { ...kindCounts };
  }
  tm.eventsPerSecond = Math.round(eventsMeter.rate(now));
  tm.droppedPerSecond = Math.round(droppedMeter.rate(now));
  tm.oneInN = oneInN(tm.eventsPerSecond, tm.droppedPerSecond);
  tm.notDrawn.stale = queue.stale;
  tm.notDrawn.overflow = queue.overflowed;
  tm.notDrawn.behind = queue.behind;
  tm.bytesReceived = conn.bytesReceived;
  tm.statsReceived = conn.statsReceived;
  tm.invalidFrames = conn.invalidFrames;
  tm.lastResume = conn.seq.lastResume;
  const s = tm.stats;
  const dl = s && s.deliveriesPerS;
  const deliveries = dl && Object.keys(dl).length ? (dl.delivered || 0) + (dl.transient || 0) + (dl.permanent || 0) : null;
  panels.counters({
    eventsPerSecond: tm.eventsPerSecond,
    serverEventsPerSecond: s ? s.eventsPerS : null,
    linesPerSecond: s ? s.linesPerS : null,
    bounceRatio: tm.bounceRatio,
    deliveriesPerSecond: deliveries,
    oneInN: tm.oneInN,
    droppedPerSecond: tm.droppedPerSecond,
    droppedTotal: tm.dropped,
    fps: tm.fps,
    dotsPerSecond: tm.dotsPerSecond,
    dotsActive: tm.dotsActive,
    kindRates,
  });
  if (pendingResumeNotice && conn.seq.lastResume && conn.seq.lastResume.kind !== 'first' && tm.lastSeq !== null) {
    pendingResumeNotice = false;
    panels.notice('Reconnected — ' + describeResume(conn.seq.lastResume));
  }
  renderConnection();
}

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
function canvasRect() {
  const c = document.querySelector('#canvas-host canvas');
  const r = c ? c.getBoundingClientRect() : { left: 0, top: 0, width: 0, height: 0 };
  return { left: r.left, top: r.top, width: r.width, height: r.height };
}
Object.assign(tm, {
  canvasRect,
  /** Nodes with canvas (x,y) and page (pageX,pageY) coordinates. */
  nodes() {
    const r = canvasRect();
    return layout.allNodes().map((n) => ({ tier: n.tier, name: n.name, x: n.x, y: n.y, pageX: r.left + n.x, pageY: r.top + n.y, moved: layout.isMoved(n), count: n.count }));
  },
  /** Live dots (optionally of one kind) with page coordinates. */
  dots(limit = 50, kind = null) {
    if (!model.scene) return [];
    const r = canvasRect();
    return model.scene.listDots(limit, kind).map((d) => ({ ...d, pageX: r.left + d.x, pageY: r.top + d.y }));
  },
  setPaused,
  toggleType: toggleKind,
  squelchErrors: squelch,
  resetLayout,
  setSpeed: (mult) => setSpeed(Math.log2(mult)),
  knownTypes: [...KNOWN_TYPES, OTHER],
});

// ---- start ---------------------------------------------------------------------
panels.setSpeed(model.speedExp);
panels.setMaxRate(model.maxRate);
panels.setPaused(false);
applyHidden();
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
model.onSceneReady = () => { tm.ready = true; };
const game = startGame(requestedRenderer);
Object.defineProperty(tm, 'game', { value: game, enumerable: false });
conn.start();
setInterval(refresh, 250);
