// The traffic picture of the current view: a Phaser 4 scene that reads the store each frame
// and draws it. Tier titles, the sink ball and its scale come from the view; the nodes from
// the layout (the model made them as events arrived); the dots (dots.js) from the arrival
// queue; the backdrop (backdrop.js) is redrawn when the layout changes. It writes only its
// own counters (state.render) and what the person does on the canvas: drag a node (the
// layout keeps it), click a paused dot (the inspector), zoom and pan (camera.js).
//
// Phaser 4 notes (checked against node_modules/phaser/types/phaser.d.ts): no Group/get() —
// our DotPool keeps the free-list; Text.setText() re-renders a texture, so labels change
// rarely; own motion code instead of one tween per dot (a tween per event would allocate).

import * as Phaser from '../../node_modules/phaser/dist/phaser.esm.min.js';
import { scaleTicks, scaleTitle } from './scale.js';
import { Dots, HELD, RESTING } from './dots.js';
import { NodeViews, FONT } from './node_views.js';
import { Camera } from './camera.js';
import { Backdrop } from './backdrop.js';
import { inspect } from '../model/store.js';

export { Phaser };

export class TrafficScene extends Phaser.Scene {
  /**
   * @param {object} o
   * @param {Store} o.store
   * @param {ArrivalQueue} o.queue          the current view's events, due in turn
   * @param {(ev) => string|null} o.daemonOf who sent an event (several daemons)
   * @param {(fold) => void} o.onFoldClick
   * @param {(cam) => void} o.onCamera
   * @param {(scene) => void} o.onReady
   */
  constructor(o) {
    super({ key: 'traffic' });
    this.o = o;
    this.store = o.store;
    this.state = o.store.state;
    this.counters = o.store.state.render;
  }

  create() {
    const c = this.counters;
    this.backdrop = new Backdrop(this);
    this.nodes = new NodeViews(this, { onFoldClick: this.o.onFoldClick, onDragStart: () => { c.nodeDrags++; } });
    this.dots = new Dots(this, this.state);
    this.camera = new Camera(this, (cam) => { c.camera = cam; this.o.onCamera(cam); });
    this.sel = this.add.graphics().setDepth(30);

    this.titleStyle = { fontFamily: FONT, fontSize: '12px', fontStyle: 'bold', color: '#8b949e' };
    this.tickStyle = { fontFamily: FONT, fontSize: '11px', color: '#8b949e' };
    this.titles = [];            // tier titles, rebuilt per view
    this.ticks = [];             // scale ticks, rebuilt per view
    this.sinkTitle = this.add.text(0, 12, '', this.titleStyle).setOrigin(0.5, 0).setDepth(1);
    this.scaleTitle = this.add.text(0, 12, '', this.titleStyle).setOrigin(1, 0).setDepth(1);
    this.ballLabel = this.add.text(0, 0, '', { fontFamily: FONT, fontSize: '15px', fontStyle: 'bold', color: '#2b1706' })
      .setOrigin(0.5, 0.5).setDepth(27);
    this.floorLabel = this.add.text(0, 0, '', { fontFamily: FONT, fontSize: '11px', color: '#b55a56' }).setOrigin(0, 0.5).setDepth(1);
    this.floorShown = false;

    this.held = null;       // dot being dragged
    this.selected = null;   // dot shown in the inspector
    this.selectedEv = null;
    this.selDrawn = false;
    this.layout = null;
    this.styles = null;
    this.view = null;
    this.layoutVersion = -1;
    this.layoutDrawnAt = 0;
    this.lastNow = 0;
    this.fpsFrames = 0;
    this.fpsSince = performance.now();
    this.forget = (d) => { if (d === this.held) this.held = null; if (d === this.selected) this.selected = null; };

    this.input.on('pointerdown', this.onPointerDown, this);
    this.input.on('pointermove', this.onPointerMove, this);
    this.input.on('pointerup', this.onPointerUp, this);
    this.input.on('pointerupoutside', this.onPointerUp, this);
    this.input.on('wheel', (pointer, over, dx, dy) => this.camera.wheel(pointer, dy));

    // cost of our update and of Phaser's render, smoothed (ms), for the benchmark
    this.renderStart = 0;
    this.game.events.on(Phaser.Core.Events.PRE_RENDER, () => { this.renderStart = performance.now(); });
    this.game.events.on(Phaser.Core.Events.POST_RENDER, () => {
      c.renderMs += (performance.now() - this.renderStart - c.renderMs) * 0.05;
    });

    this.scale.on('resize', this.onResize, this);
    c.renderer = this.game.renderer.type === Phaser.WEBGL ? 'webgl' : 'canvas';
    const v = this.state.views;
    if (v.current) this.setView(v.current, v.layout, v.styles);
    this.o.onReady(this);
    c.ready = true;
  }

  /**
   * Draw another view (or the same view after a reload): its dots, node visuals, titles,
   * sink and scale go, the new ones come. `layout` is the view's Layout, `styles` its TypeStyles.
   */
  setView(view, layout, styles) {
    this.clearAll();
    this.nodes.setLayout(layout);
    this.dots.setView(view, layout, styles);
    this.view = view;
    this.layout = layout;
    this.styles = styles;
    for (const t of this.titles) t.destroy();
    this.titles = view.tiers.map((t) => this.add.text(0, 12, t.title, this.titleStyle).setOrigin(0.5, 0).setDepth(1));
    for (const t of this.ticks) t.text.destroy();
    this.ticks = [];
    const sink = view.sink;
    this.sinkTitle.setText(sink ? sink.title.toUpperCase() : '').setVisible(!!sink);
    this.ballLabel.setText(sink ? sink.title : '').setVisible(!!sink);
    this.scaleTitle.setText(sink ? scaleTitle(sink.scale) : '').setVisible(!!sink);
    if (sink) {
      this.ticks = scaleTicks(sink.scale).map((t) => ({ f: t.f, text: this.add.text(0, 0, t.label, this.tickStyle).setOrigin(0, 0.5).setDepth(1) }));
    }
    // room right of the scale line for its widest tick label (0.0001 needs more than 255)
    layout.scaleRoom = Math.ceil(Math.max(28, ...this.ticks.map((t) => t.text.width)) + 12);
    this.updateFloorLabel();
    this.onResize({ width: this.scale.width, height: this.scale.height });
  }

  /** The floor and its label are there only when some type of the view falls. */
  updateFloorLabel() {
    const falling = this.styles ? this.styles.order.filter((s) => s.then === 'fall').map((s) => s.type) : [];
    this.floorShown = falling.length > 0;
    this.floorLabel.setText(falling.length ? `${falling.join(', ')} fall${falling.length === 1 ? 's' : ''} to the floor` : '').setVisible(this.floorShown);
  }

  onResize(size) {
    if (!this.layout) return;
    const w = Math.round(size.width), h = Math.round(size.height);
    this.layout.place(w, h);
    const g = this.layout.geo;
    this.titles.forEach((t, i) => t.setPosition(g.tierX[i], 12));
    if (g.ball) {
      this.sinkTitle.setPosition(g.ball.x, 12);
      this.scaleTitle.setPosition(g.width - 6, 12);
      for (const t of this.ticks) t.text.setPosition(g.scaleX + 6, g.scaleBottom - t.f * (g.scaleBottom - g.scaleTop));
      this.ballLabel.setPosition(g.ball.x, g.ball.y);
    }
    this.floorLabel.setPosition(10, g.floorY + 12);
    this.layoutVersion = -1; // redraw
  }

  /** Remove every dot of a type now (legend toggle). */
  clearType(type) { this.dots.releaseWhere((d) => d.type === type, this.forget); }

  clearAll() { this.dots.releaseWhere(() => true, this.forget); }

  update() {
    const ui = this.state.ui;
    const c = this.counters;
    const now = performance.now();
    // Wall-clock time, not Phaser's delta: Phaser smooths and caps delta (to 1/60 s while
    // "cooling down" or unfocused), so on a slow frame dots would live longer, pile up and
    // slow the next frame further. A long gap (throttled tab) is capped so nothing teleports.
    const wall = this.lastNow > 0 ? now - this.lastNow : 16;
    this.lastNow = now;
    const step = wall > 250 ? 250 : wall;
    const dt = step * (ui.paused ? 0 : ui.speed);

    if (!ui.paused && this.layout) this.o.queue.drain(now, this.dots.spawn);
    c.dotsActive = this.dots.advance(dt, step, ui.paused, this.forget);

    // at most ~8 redraws a second: new links keep coming while a fleet shows up
    if (this.layout && this.layoutVersion !== this.layout.version && (now - this.layoutDrawnAt > 120 || this.input.activePointer.isDown)) {
      this.layoutDrawnAt = now;
      this.layoutVersion = this.layout.version;
      this.nodes.place();
      this.backdrop.draw(this.layout, { floor: this.floorShown, portOut: this.nodes.portOut, ticks: this.ticks });
    }
    this.nodes.updateRates(now);
    this.drawSelection();

    c.updateMs += (performance.now() - now - c.updateMs) * 0.05;
    this.fpsFrames++;
    const since = now - this.fpsSince;
    if (since >= 1000) {
      c.fps = Math.round((this.fpsFrames * 10000) / since) / 10;
      c.dotsPerSecond = Math.round((this.dots.spawnedSince * 1000) / since);
      c.phaserFps = Math.round(this.game.loop.actualFps * 10) / 10;
      this.fpsFrames = 0;
      this.dots.spawnedSince = 0;
      this.fpsSince = now;
    }
  }

  drawSelection() {
    const s = this.sel;
    const d = this.selected;
    if (d && d.ev === this.selectedEv && d.ev !== null) {
      s.clear();
      s.lineStyle(2, 0xffffff, 0.9);
      s.strokeCircle(d.x, d.y, 9);
      this.selDrawn = true;
    } else if (this.selDrawn) {
      s.clear();
      this.selDrawn = false;
    }
  }

  // ---- pointer: click / drag dots (nodes use Phaser's own drag) -----------

  zoomBy(f) { this.camera.zoomBy(f); }

  resetCamera() { this.camera.reset(); }

  onPointerDown(pointer, over) {
    if (over && over.length) return; // a node: Phaser drags it
    const p = this.camera.world(pointer);
    const d = this.dots.at(p.x, p.y, 12 / this.cameras.main.zoom);
    if (!d) { this.camera.startPan(pointer); return; }   // the background: drag pans
    this.held = d;
    d.state = HELD;          // dragging stops its motion
    d.view.alpha = 1;
    this.selected = d;
    this.selectedEv = d.ev;
    this.counters.dotDrags++;
    inspect(this.store, d.ev, this.o.daemonOf(d.ev));
  }

  onPointerMove(pointer) {
    if (this.camera.pan(pointer)) return;
    const d = this.held;
    if (!d || !pointer.isDown) return;
    const w = this.camera.world(pointer);
    this.dots.moveTo(d, w.x, w.y);
  }

  onPointerUp(pointer) {
    this.camera.endPan();
    const d = this.held;
    if (!d) return;
    this.held = null;
    if (pointer) { const w = this.camera.world(pointer); this.dots.moveTo(d, w.x, w.y); }
    d.state = RESTING;       // stays where it was dropped for a while, then fades
    d.rest = 6000;
  }

  /** For tests: boxes of the node labels drawn now, in world coordinates. */
  labelBoxes() { return this.nodes.labelBoxes(); }

  /** For tests: live dots in world coordinates (optionally of one type). */
  listDots(limit = 50, type = null) { return this.dots.list(limit, type); }
}

/**
 * Create the Phaser game in `parent`: the Canvas renderer, or WebGL when the store's state
 * asks for it (falling back to Canvas if WebGL fails). `o` as for TrafficScene.
 */
export function createGame({ parent, ...o }) {
  const render = o.store.state.render;
  const make = (renderer) => new Phaser.Game({
    type: renderer === 'webgl' ? Phaser.WEBGL : Phaser.CANVAS,
    parent,
    backgroundColor: '#0d1117',
    banner: false,
    disableContextMenu: true,
    antialias: true,
    scale: { mode: Phaser.Scale.RESIZE, width: parent.clientWidth || 960, height: parent.clientHeight || 600 },
    input: { keyboard: false, gamepad: false },
    audio: { noAudio: true },
    scene: [new TrafficScene(o)],
  });
  try {
    return make(render.requested);
  } catch (e) {
    if (render.requested !== 'webgl') throw e;
    console.warn('WebGL renderer failed, falling back to Canvas:', e);
    render.rendererError = String((e && e.message) || e);
    return make('canvas');
  }
}
