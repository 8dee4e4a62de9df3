// The measurements and rules panels: separate modules, loaded after the page is up, and the
// page works without them (a bug in one must not stop the stream). The measurements panel
// takes every merged second and the window's figures; the rules panel polls api/rules
// itself, so the tab is filled on a fresh page, not only after a reload.

/** Run a panel module's method; a bug there must not stop the stream. */
function call(fn) {
  try { return fn(); } catch (e) { console.warn('panel:', e); return undefined; }
}

function missing(id, what) {
  const host = document.getElementById(id);
  if (host && !host.childElementCount) host.innerHTML = `<p class="muted">${what} not available in this build.</p>`;
}

/**
 * @param {object} o
 * @param {Store} o.store
 * @param {DaemonLink} o.link            its peers are read first, then the last seconds
 * @param {WindowFigures} o.figures      computes measurement figures once the panel is there
 * @param {PageUi} o.ui                  draws the window's figures into the panel
 */
export async function loadSidePanels({ store, link, figures, ui }) {
  const state = store.state;
  await link.loadPeers();   // its peers' seconds are not backfilled: the daemons must be known first
  const seconds = link.loadStatsOnce();
  try {
    const mod = await import('./measurements.js');
    const panel = new mod.MeasurementsPanel(document.getElementById('measurements-panel'));
    const setMetrics = () => { if (state.views.set) call(() => panel.setMetrics(state.views.set.metrics)); };
    setMetrics();
    store.subscribe('view', setMetrics);
    const past = await seconds;
    call(() => panel.backfill(past));
    const read = () => { state.panels.measurements = call(() => panel.state()) || []; };
    read();
    store.subscribe('second', () => { call(() => panel.push(state.window.lastRaw)); read(); });
    ui.measurements = panel;
    figures.wantMetrics = true;
    figures.recompute();
  } catch (e) {
    console.warn('measurements panel not loaded:', e && e.message);
    missing('measurements-panel', 'The measurements panel is');
  }
  try {
    const mod = await import('./rules_panel.js');
    const panel = new mod.RulesPanel(document.getElementById('rules-panel'), { onNotice: (text) => ui.inspector.notice(text) });
    panel.start();
    store.subscribe('second', () => call(() => panel.stats(state.window.lastRaw)));
    // Read when asked: the panel's state changes with its polls as well as with stats frames
    // (a reload error seen by a poll put the banner up while the hook still said ok).
    state.panels.rules = () => call(() => panel.state()) || null;
  } catch (e) {
    console.warn('rules panel not loaded:', e && e.message);
    missing('rules-panel', 'The rules panel is');
  }
}
