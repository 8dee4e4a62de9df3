// The page's one state object and the only functions that change it. The network layer
// writes what arrives (counters, views, stats), the model derives the window's figures, the
// renderer reads it every frame, the UI subscribes to it, and the test hook reads it.
//
// Cheap on purpose: the page takes 1000 events/s and draws at 60 fps, so the hot path
// (counters per event, dots per frame) mutates plain fields and notifies nobody; the render
// loop reads the state each frame, and listeners hear of a topic when something a person
// sees changed (a control, a view, a stats second, the 4 Hz counter tick). Pure module.

import { parseWindow } from './stats_window.js';

/** Topics a listener may subscribe to, one per kind of change. */
export const TOPICS = Object.freeze([
  'view',        // the view set or the view drawn changed
  'hidden',      // the person hid or showed types
  'legend',      // the current view's types changed (a type seen for the first time)
  'paused', 'speed', 'maxRate', 'order', 'sideTab', 'inspected',
  'window',      // the window choice changed (the figures follow on 'figures')
  'figures',     // shares, ratios, comparisons, measurements over the window were recomputed
  'second',      // a merged stats second arrived (state.window.lastRaw: its raw parts)
  'connection',  // a daemon's connection state, or the list of daemons, changed
  'tick',        // the 4 Hz refresh: rates and counters moved on
]);

export const SIDE_TABS = Object.freeze(['shares', 'measurements', 'compare', 'rules']);
export const ORDERS = Object.freeze(['natural', 'volume']);

/** Why an event that arrived was not drawn (the hook's notDrawn). */
function notDrawn() {
  return { paused: 0, hiddenTab: 0, hiddenType: 0, poolFull: 0, stale: 0, behind: 0, overflow: 0, otherView: 0, noView: 0 };
}

/**
 * The state of a freshly opened page.
 * @param {object} o
 * @param {object} [o.prefs]        what the page kept from last time (preferences.js)
 * @param {string|null} [o.window]  ?window= of the URL
 * @param {string|null} [o.view]    ?view= of the URL
 * @param {string} [o.renderer]     the renderer asked for: 'canvas' or 'webgl'
 */
export function initialState({ prefs = {}, window: windowParam = null, view = null, renderer = 'canvas' } = {}) {
  const speedExp = Number.isFinite(prefs.speedExp) ? Math.max(-2, Math.min(2, prefs.speedExp)) : 0;
  return {
    // ---- network: what the daemons sent and how the connections are -------------
    net: {
      connection: 'idle', connects: 0, reconnects: 0, lastError: '', wsUrl: '',
      framesReceived: 0, statsReceived: 0, bytesReceived: 0, invalidFrames: 0,
      lastSeq: null, missedFrames: 0, lastResume: null,
      filter: null, filtersSent: 0,   // the last filter sent: wanted types, or null (everything)
      daemons: [],                    // [{name, url, state, eventsReceived, lastSeq, boot, ...}]
      statsMerge: null,               // {emitted, partial, late} of the merge over several daemons
    },
    // ---- traffic: events as they arrive, by type and by view ----------------------
    traffic: {
      eventsReceived: 0,
      dropped: 0,                     // total the servers reported dropped for this page
      receivedByType: Object.create(null),  // no prototype: any type name is a safe key
      receivedByView: Object.create(null),
      typesSeen: [],
      notDrawn: notDrawn(),
      eventsPerSecond: 0, droppedPerSecond: 0, oneInN: null,
      typeRates: new Map(),           // type -> smoothed events/s (the legend)
    },
    // ---- views: the view set as sent, and the one drawn ---------------------------
    views: {
      raw: null,                      // the last view object received, as sent
      received: 0,                    // view frames (and the api/view answer) applied
      set: null,                      // normalizeViewSet(raw)
      wanted: view,                   // ?view= or the tab clicked last
      current: null,                  // the normalized view drawn now
      layout: null,                   // its Layout (nodes exist here, drawn or not)
      styles: null,                   // its TypeStyles
    },
    // ---- the window of figures --------------------------------------------------------
    window: {
      choice: parseWindow(windowParam),   // seconds, or 'all' (since start)
      stats: null,                    // the last merged second (without its raw parts)
      lastRaw: null,                  // its raw parts, for the panels that take every second
      span: '',                       // what the window holds, in words ('' while empty)
      coverage: null,                 // {seconds, from, partial, loading}
      stamps: [],                     // [{ts, daemons}] of the live seconds in it
      shares: [],                     // windowShares() with usual figures
      ratios: [],                     // windowRatios() with usual figures
      comparisons: [],
      metrics: null,                  // windowMetrics() for the measurements panel
    },
    // ---- what the person chose --------------------------------------------------------
    ui: {
      hidden: new Set(Array.isArray(prefs.hidden) ? prefs.hidden.filter((t) => typeof t === 'string') : []),
      paused: false,
      speedExp,
      speed: Math.pow(2, speedExp),
      maxRate: Number.isFinite(prefs.maxRate) && prefs.maxRate > 0 ? prefs.maxRate : 0,
      order: ORDERS.includes(prefs.order) ? prefs.order : 'natural',
      sideTab: SIDE_TABS.includes(prefs.sideTab) ? prefs.sideTab : 'shares',
      inspected: null,                // the event shown in the inspector
      inspectedDaemon: null,          // the daemon it came from (several daemons)
    },
    // ---- the renderer's own counters (it writes only these) ----------------------------
    render: {
      requested: renderer === 'webgl' ? 'webgl' : 'canvas',
      renderer: null, rendererError: undefined, ready: false,
      dotsDrawn: 0, drawnByType: Object.create(null),
      dotsActive: 0, activeByType: Object.create(null),
      dotsPerSecond: 0, fps: 0, phaserFps: 0, updateMs: 0, renderMs: 0,
      camera: undefined, nodeDrags: 0, dotDrags: 0,
    },
    // ---- panels loaded on demand ----------------------------------------------------
    panels: {
      measurements: [],               // the measurements panel's state(), when loaded
      rules: () => null,              // reads the rules panel's state when asked
    },
  };
}

export class Store {
  constructor(state) {
    this.state = state;
    this.listeners = new Map(TOPICS.map((t) => [t, []]));
  }

  /** Call fn(state) after each change of `topic`; returns the function that stops it. */
  subscribe(topic, fn) {
    const list = this.listeners.get(topic);
    if (!list) throw new Error(`unknown store topic: ${topic}`);
    list.push(fn);
    return () => { const i = list.indexOf(fn); if (i >= 0) list.splice(i, 1); };
  }

  /** Tell the listeners of `topic`; one that throws does not stop the others (or the stream). */
  notify(topic) {
    for (const fn of this.listeners.get(topic)) {
      try { fn(this.state); } catch (e) { console.warn(`store listener (${topic}):`, e); }
    }
  }
}

// ---- updates: each changes one thing and says so ------------------------------------

export function setPaused(store, paused) {
  const ui = store.state.ui;
  ui.paused = !!paused;
  if (!ui.paused) { ui.inspected = null; ui.inspectedDaemon = null; }
  store.notify('paused');
  if (!ui.paused) store.notify('inspected');
}

/** Speed as a power of two: -2 (a quarter) .. 2 (4x). */
export function setSpeedExp(store, exp) {
  const ui = store.state.ui;
  ui.speedExp = Number.isFinite(exp) ? Math.max(-2, Math.min(2, exp)) : 0;
  ui.speed = Math.pow(2, ui.speedExp);
  store.notify('speed');
}

/** Events per second asked of the daemons; 0 = their own cap. */
export function setMaxRate(store, n) {
  store.state.ui.maxRate = n > 0 ? n : 0;
  store.notify('maxRate');
}

export function setOrder(store, mode) {
  store.state.ui.order = ORDERS.includes(mode) ? mode : 'natural';
  store.notify('order');
}

export function setSideTab(store, name) {
  store.state.ui.sideTab = SIDE_TABS.includes(name) ? name : 'shares';
  store.notify('sideTab');
}

export function toggleType(store, type) {
  const hidden = store.state.ui.hidden;
  if (hidden.has(type)) hidden.delete(type); else hidden.add(type);
  store.notify('hidden');
}

/** Hide the current view's error types (then: return|fall), or show them all again. */
export function squelchErrors(store) {
  const { styles } = store.state.views;
  if (!styles) return;
  const errors = styles.errorTypes();
  if (!errors.length) return;
  const hidden = store.state.ui.hidden;
  const squelched = errors.every((t) => hidden.has(t));
  for (const t of errors) { if (squelched) hidden.delete(t); else hidden.add(t); }
  store.notify('hidden');
}

/** The event shown in the inspector (null closes it), and which daemon sent it. */
export function inspect(store, ev, daemon = null) {
  store.state.ui.inspected = ev || null;
  store.state.ui.inspectedDaemon = ev ? daemon : null;
  store.notify('inspected');
}

/** The window the person picked: 10, 60, 300, 3600, 86400 (seconds) or 'all'. */
export function setWindowChoice(store, w) {
  store.state.window.choice = parseWindow(w);
  store.notify('window');
}

/** The view the person asked for (a tab); the view set decides whether it exists. */
export function wantView(store, id) {
  const views = store.state.views;
  if (!views.set || !views.set.byId.has(id)) return false;
  views.wanted = id;
  return true;
}
