// window.tapemeasure: what the tests (and a curious person in the console) read of the page
// (DESIGN.md "Views, shares and ratios" and "The UI"). A read-only view of the store: every
// key is a getter, so it is never stale and never written from outside; the one action is
// setWindow(seconds | 'all'), which goes through the store as the Window control does.
// Coordinates come from the renderer (the camera may be zoomed); page pixels are what a
// test clicks.

/**
 * @param {object} o
 * @param {Store} o.store
 * @param {() => object|null} o.scene       the Phaser scene once it exists
 * @param {() => object|null} o.game        the Phaser game (not enumerated: for the console)
 * @param {StageBar} o.stageBar             the open fold's list
 * @param {SharesPanel} o.sharesPanel       what "Copy CSV" copies
 * @param {(w: number|'all') => void} o.setWindow
 */
export function createTestHook({ store, scene, game, stageBar, sharesPanel, setWindow }) {
  const s = store.state;
  const { net, traffic, views, window: win, ui, render, panels } = s;

  /** World coordinates of the picture -> page pixels, through the camera. */
  function toPage(x, y) {
    const r = canvasRect();
    const sc = scene();
    const cam = sc ? sc.cameras.main : { zoom: 1, scrollX: 0, scrollY: 0 };
    return { pageX: r.left + (x - cam.scrollX) * cam.zoom, pageY: r.top + (y - cam.scrollY) * cam.zoom };
  }
  function canvasRect() {
    const c = document.querySelector('#canvas-host canvas');
    const r = c ? c.getBoundingClientRect() : { left: 0, top: 0, width: 0, height: 0 };
    return { left: r.left, top: r.top, width: r.width, height: r.height };
  }

  const readers = {
    version: () => 2,
    // ---- connection ------------------------------------------------------------
    connection: () => net.connection,
    connects: () => net.connects,
    reconnects: () => net.reconnects,
    lastError: () => net.lastError,
    wsUrl: () => net.wsUrl,
    framesReceived: () => net.framesReceived,
    statsReceived: () => net.statsReceived,
    bytesReceived: () => net.bytesReceived,
    invalidFrames: () => net.invalidFrames,
    lastSeq: () => net.lastSeq,
    missedFrames: () => net.missedFrames,
    lastResume: () => net.lastResume,
    filter: () => net.filter,
    filtersSent: () => net.filtersSent,
    daemons: () => net.daemons,
    statsMerge: () => net.statsMerge,
    // ---- traffic -----------------------------------------------------------------
    eventsReceived: () => traffic.eventsReceived,
    dropped: () => traffic.dropped,
    receivedByType: () => traffic.receivedByType,
    receivedByView: () => traffic.receivedByView,
    typesSeen: () => traffic.typesSeen,
    notDrawn: () => traffic.notDrawn,
    eventsPerSecond: () => traffic.eventsPerSecond,
    droppedPerSecond: () => traffic.droppedPerSecond,
    oneInN: () => traffic.oneInN,
    // ---- renderer ------------------------------------------------------------------
    renderer: () => render.renderer,
    requestedRenderer: () => render.requested,
    rendererError: () => render.rendererError,
    ready: () => render.ready,
    dotsDrawn: () => render.dotsDrawn,
    drawnByType: () => render.drawnByType,
    dotsActive: () => render.dotsActive,
    activeByType: () => render.activeByType,
    dotsPerSecond: () => render.dotsPerSecond,
    fps: () => render.fps,
    phaserFps: () => render.phaserFps,
    updateMs: () => render.updateMs,
    renderMs: () => render.renderMs,
    camera: () => render.camera,
    nodeDrags: () => render.nodeDrags,
    dotDrags: () => render.dotDrags,
    // ---- views ---------------------------------------------------------------------
    view: () => views.raw,
    viewsReceived: () => views.received,
    currentView: () => (views.current ? views.current.id : null),
    knownTypes: () => (views.styles ? views.styles.types() : []),
    // ---- the window's figures --------------------------------------------------------
    stats: () => win.stats,
    windowSeconds: () => win.choice,
    windowStamps: () => win.stamps,
    windowCoverage: () => win.coverage,
    shares: () => win.shares.map(({ matrix, usual, ...plain }) => ({ ...plain, unusual: usual ? usual.unusual : [] })),
    shareDetails: () => win.shares.map((x) => ({
      title: x.title, rows: x.matrix.rows, cols: x.matrix.cols, totals: x.matrix.totals, deviation: x.matrix.deviation,
      hot: x.matrix.hot, maxDeviation: x.matrix.maxDeviation,
    })),
    ratios: () => win.ratios.map((r) => ({ title: r.title, value: r.value, usual: r.usual, unusual: r.unusual })),
    comparisons: () => win.comparisons,
    measurements: () => panels.measurements,
    rules: () => panels.rules(),
    // ---- the person's choices -----------------------------------------------------------
    hiddenTypes: () => [...ui.hidden],
    paused: () => ui.paused,
    speed: () => ui.speed,
    maxRate: () => ui.maxRate,
    inspected: () => ui.inspected,
    inspectedDaemon: () => ui.inspectedDaemon,
  };

  const hook = {
    canvasRect,
    /**
     * Every node of the current view with world (x,y) and page (pageX,pageY) coordinates;
     * `folded` ones are drawn as their tier's fold, at its place.
     */
    nodes() {
      const L = views.layout;
      if (!L) return [];
      return L.allNodes().map((n) => ({ tier: n.tier, name: n.name, x: n.x, y: n.y, ...toPage(n.x, n.y), moved: L.isMoved(n), count: n.count, folded: n.folded,
        daemons: n.daemons ? [...n.daemons].sort() : [] }));
    },
    /** The folds drawn now: [{tier, count, x, y, pageX, pageY}]. */
    folds() {
      const L = views.layout;
      if (!L) return [];
      return [...L.folds.values()].filter((f) => f && f.members.length)
        .map((f) => ({ tier: f.tier, count: f.members.length, x: f.x, y: f.y, ...toPage(f.x, f.y) }));
    },
    /** The open fold's list: {tier, names} or null. */
    openFold: () => stageBar.openFoldNames(),
    /** Boxes of the node labels drawn now, in page pixels: [{tier, name, x, y, w, h}]. */
    labelBoxes() {
      const sc = scene();
      if (!sc) return [];
      const z = sc.cameras.main.zoom;
      return sc.labelBoxes().map((b) => { const p = toPage(b.x, b.y); return { ...b, x: p.pageX, y: p.pageY, w: b.w * z, h: b.h * z }; });
    },
    /** The CSV "Copy CSV" puts on the clipboard for a share of the current view. */
    shareCsv: (title) => sharesPanel.csv(title),
    /** Tiers drawn now: [{name, title, x}]. */
    tiers() {
      const L = views.layout;
      if (!L) return [];
      return views.current.tiers.map((t, i) => ({ name: t.name, title: t.title, x: L.geo.tierX[i] }));
    },
    /** Live dots (optionally of one type) with page coordinates. */
    dots(limit = 50, type = null) {
      const sc = scene();
      if (!sc) return [];
      return sc.listDots(limit, type).map((d) => ({ ...d, ...toPage(d.x, d.y) }));
    },
    /** The geometry of the current picture (sink ball, scale, floor). */
    geometry() { return views.layout ? JSON.parse(JSON.stringify(views.layout.geo)) : null; },
    /** The window of shares and ratios: 10, 60, 300, 3600, 86400 (seconds) or 'all'. */
    setWindow,
  };
  for (const [key, get] of Object.entries(readers)) Object.defineProperty(hook, key, { get, enumerable: true });
  Object.defineProperty(hook, 'game', { get: game, enumerable: false });
  return Object.freeze(hook);
}
