// Boot: one store (model/store.js), the network that writes to it (network/), the model
// derived from it (model/), the renderer that reads it (render/) and the UI that
// subscribes to it (ui/), wired here and nowhere else. window.tapemeasure reads the store.
//
// Nothing here knows a domain: tiers, types, colours, shares and ratios come from the
// view the daemon sends; events are routed to their view by their rule.

import { Store, initialState, setWindowChoice, setPaused, wantView } from './model/store.js';
import { ViewCatalog } from './model/view_catalog.js';
import { Traffic, updateNodeRates } from './model/traffic.js';
import { WindowFigures } from './model/window_figures.js';
import { ArrivalQueue } from './model/arrivals.js';
import { DaemonLink } from './network/daemon_link.js';
import { HistoryReader } from './network/history_reader.js';
import { createGame } from './render/scene.js';
import { PageUi } from './ui/page_ui.js';
import { pageStorage, loadPreferences, savePreferences } from './ui/preferences.js';
import { loadSidePanels } from './ui/side_panels.js';
import { createTestHook } from './ui/test_hook.js';

const params = new URLSearchParams(location.search);
const storage = pageStorage();
const store = new Store(initialState({
  prefs: loadPreferences(storage), window: params.get('window'), view: params.get('view'), renderer: params.get('renderer'),
}));
const state = store.state;

// ---- model and network ----------------------------------------------------------
const queue = new ArrivalQueue(8192, { maxLagMs: 500 });   // the current view's events, to draw
const catalog = new ViewCatalog(store, storage);
const traffic = new Traffic(store, catalog, queue);
const figures = new WindowFigures(store, { nameOf: (id) => link.nameOf(id) });
const link = new DaemonLink({
  store, catalog, traffic, figures, pageHref: location.href, params,
  onNotice: (text) => ui.inspector.notice(text),
  hiddenTab: () => document.hidden,
});
const history = new HistoryReader(figures, () => link.set.list);
link.onHistoryWanted = () => history.readAll();

// ---- renderer and UI --------------------------------------------------------------
let scene = null;
const ui = new PageUi(store, {
  retry: () => link.retryNow(),
  chooseView,
  resetLayout: () => { if (state.views.layout) state.views.layout.reset(); },
  zoomBy: (f) => { if (scene) scene.zoomBy(f); },
  resetZoom: () => { if (scene) scene.resetCamera(); },
  setWindow: (w) => setWindowChoice(store, w),
});

/** A view tab: draw that view, and keep it in ?view= for a reload. */
function chooseView(id) {
  if (!wantView(store, id)) return;
  replaceUrl((u) => u.searchParams.set('view', id));
  catalog.show(catalog.byId(id));
}

function replaceUrl(edit) {
  const u = new URL(location.href);
  edit(u);
  window.history.replaceState(window.history.state, '', u);
}

// ---- reactions to the store --------------------------------------------------------
const keep = () => savePreferences(storage, state.ui);
store.subscribe('view', () => {
  queue.clear();
  if (scene) scene.setView(state.views.current, state.views.layout, state.views.styles);
  if (state.ui.hidden.size) link.sendFilter();   // the types the page knows of may have changed
  figures.recompute();
});
store.subscribe('hidden', () => {
  if (scene) for (const t of state.ui.hidden) scene.clearType(t);
  link.sendFilter();
  keep();
});
store.subscribe('paused', () => { if (state.ui.paused) queue.clear(); });
store.subscribe('speed', keep);
store.subscribe('sideTab', keep);
store.subscribe('maxRate', () => { link.setUserRate(state.ui.maxRate); keep(); });
store.subscribe('order', () => { catalog.setOrder(state.ui.order); keep(); });
store.subscribe('window', () => {
  const w = state.window.choice;
  replaceUrl((u) => { if (w === 10) u.searchParams.delete('window'); else u.searchParams.set('window', String(w)); });
  figures.follow(w);
  history.readAll();
  figures.recompute();
});

// A hidden tab draws nothing: what is queued would only be drawn late.
document.addEventListener('visibilitychange', () => queue.clear());
document.addEventListener('keydown', (e) => {
  if (e.code === 'Space' && !(e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement || e.target instanceof HTMLButtonElement)) {
    e.preventDefault();
    setPaused(store, !state.ui.paused);
  }
});

// ---- the refresh: rates, late seconds and node rates, a few times a second ----------------
let lastTickAt = performance.now();
let nodeRatesAt = lastTickAt;
let refoldAt = lastTickAt;
setInterval(() => {
  const now = performance.now();
  traffic.tick(now, (now - lastTickAt) / 1000);
  lastTickAt = now;
  link.tick();
  history.tick();
  // node rates twice a second (their labels re-render a texture), every view's so a tab
  // shows true rates at once; the fold every 3 s, so nodes do not flicker in and out of it
  if (now - nodeRatesAt >= 500) { for (const L of catalog.layouts()) updateNodeRates(L, now - nodeRatesAt); nodeRatesAt = now; }
  const L = state.views.layout;
  if (L && now - refoldAt >= 3000) { refoldAt = now; L.refold(); }
  store.notify('tick');
}, 250);

// ---- start ----------------------------------------------------------------------------
const game = createGame({
  parent: document.getElementById('canvas-host'),
  store,
  queue,
  daemonOf: (ev) => link.daemonOf(ev),
  onFoldClick: (fold) => ui.openFold(fold),
  onCamera: (cam) => ui.stageBar.setZoom(cam),
  onReady: (s) => { scene = s; ui.scene = s; },
});
window.tapemeasure = createTestHook({
  store, scene: () => scene, game: () => game, stageBar: ui.stageBar, sharesPanel: ui.shares,
  setWindow: (w) => setWindowChoice(store, w),
});
store.notify('window');
link.loadViewOnce();
loadSidePanels({ store, link, figures, ui });
link.start();
