// The page around the picture: top bar, view tabs, legend, controls, inspector, side panels
// and the strip above the picture. What the person does goes to the store as an update;
// what the store says changed is redrawn here. Text moves a few times a second (the 'tick'
// topic), never per event.

import * as act from '../model/store.js';
import { legendModel } from '../model/styles.js';
import { TopBar } from './top_bar.js';
import { Legend } from './legend.js';
import { Controls } from './controls.js';
import { Inspector } from './inspector.js';
import { SharesPanel } from './shares_panel.js';
import { ComparePanel } from './compare_panel.js';
import { StageBar } from './stage_bar.js';
import { connectionLine } from './connection_status.js';

export class PageUi {
  /**
   * @param {Store} store
   * @param {object} h what the UI cannot do through the store alone:
   *   retry(), chooseView(id), resetLayout(), zoomBy(f), resetZoom(), setWindow(w)
   */
  constructor(store, h) {
    this.store = store;
    this.scene = null;             // the renderer, once it exists (legend's floor label)
    this.measurements = null;      // the measurements panel, once loaded
    this.ticks = 0;
    const s = store.state;
    this.topBar = new TopBar({ onRetry: h.retry });
    this.legend = new Legend({
      onToggleType: (t) => act.toggleType(store, t),
      onSquelch: () => act.squelchErrors(store),
    });
    this.controls = new Controls({
      onPause: () => act.setPaused(store, !s.ui.paused),
      onSpeed: (exp) => act.setSpeedExp(store, exp),
      onMaxRate: (n) => act.setMaxRate(store, n),
      onWindow: h.setWindow,
      onResetLayout: h.resetLayout,
      onChooseView: h.chooseView,
      onSideTab: (name) => act.setSideTab(store, name),
    });
    this.inspector = new Inspector({ onClose: () => act.inspect(store, null) });
    this.shares = new SharesPanel(document.getElementById('shares'));
    this.compare = new ComparePanel(document.getElementById('compare-panel'));
    this.stageBar = new StageBar({
      onOrder: (mode) => act.setOrder(store, mode),
      onZoom: h.zoomBy,
      onZoomReset: h.resetZoom,
    });

    const controls = this.controls;
    store.subscribe('view', () => this.showView());
    store.subscribe('legend', () => this.renderLegend());
    store.subscribe('hidden', () => this.renderLegend());
    store.subscribe('paused', () => controls.setPaused(s.ui.paused));
    store.subscribe('speed', () => controls.setSpeed(s.ui.speedExp));
    store.subscribe('order', () => this.stageBar.setOrder(s.ui.order));
    store.subscribe('sideTab', () => { controls.setSideTab(s.ui.sideTab); if (s.ui.sideTab === 'compare') this.renderCompare(); });
    store.subscribe('window', () => controls.setWindow(s.window.choice));
    store.subscribe('inspected', () => this.renderInspector());
    store.subscribe('figures', () => this.renderFigures());
    store.subscribe('connection', () => this.renderConnection());
    store.subscribe('tick', () => this.tick());

    controls.setSpeed(s.ui.speedExp);
    controls.setMaxRate(s.ui.maxRate);
    controls.setPaused(false);
    controls.setSideTab(s.ui.sideTab);
    controls.setWindow(s.window.choice);
    this.stageBar.setOrder(s.ui.order);
    this.renderConnection();
  }

  /** A view is drawn (another one, or the same after a reload). */
  showView() {
    const { set, current } = this.store.state.views;
    document.title = `tapemeasure \u2014 ${current.title}`;
    this.stageBar.setTitle(current);
    this.stageBar.closeFold();
    this.controls.setTabs(set.views, current.id);
    this.renderLegend();
  }

  renderLegend() {
    const { views, ui } = this.store.state;
    if (!views.styles) return;
    this.legend.set(legendModel(views.styles, ui.hidden));
    if (this.scene) this.scene.updateFloorLabel();
  }

  renderInspector() {
    const { ui, views } = this.store.state;
    const ev = ui.inspected;
    const style = ev && views.styles ? views.styles.of(ev.type) : null;
    this.inspector.show(ev, style && style.css, ui.inspectedDaemon);
  }

  /** Shares, ratios, comparisons and measurement figures over the window. */
  renderFigures() {
    const w = this.store.state.window;
    this.shares.render(w.shares, w.span);
    this.topBar.ratios(w.ratios);
    if (this.measurements && w.metrics) this.measurements.setWindow(w.metrics, w.span);
    if (this.store.state.ui.sideTab === 'compare') this.renderCompare();
  }

  renderCompare() {
    const w = this.store.state.window;
    this.compare.render(w.comparisons, w.span);
  }

  renderConnection() {
    const s = this.store.state;
    const line = connectionLine(s.net);
    this.topBar.connection(line.state, line.text, line.detail, line.retry);
    if (s.net.daemons.length > 1) this.topBar.daemons(s.net.daemons);
  }

  /** Four times a second: counters, the connection's countdown, now and then the fold list. */
  tick() {
    const { traffic: tr, render: r, window: w } = this.store.state;
    const st = w.stats;
    this.topBar.counters({
      eventsPerSecond: tr.eventsPerSecond,
      serverEventsPerSecond: st ? st.eventsPerS : null,
      linesPerSecond: st ? st.linesPerS : null,
      oneInN: tr.oneInN,
      droppedPerSecond: tr.droppedPerSecond,
      droppedTotal: tr.dropped,
      fps: r.fps,
      dotsPerSecond: r.dotsPerSecond,
      dotsActive: r.dotsActive,
    });
    this.legend.rates(tr.typeRates);
    this.renderConnection();
    if (++this.ticks % 4 === 0) this.stageBar.refreshFold();
  }

  /** A fold ("…more") was clicked in the picture: list what it holds. */
  openFold(fold) {
    const L = this.store.state.views.layout;
    const i = L ? L.tierIndex.get(fold.tier) : -1;
    this.stageBar.openFold(fold, i >= 0 ? L.tierTitles[i] : fold.tier);
  }
}
