// The traffic picture of the current view: a Phaser 4 scene. Tiers, the sink ball and
// its scale are drawn from the view (views.js) once per layout change; every event is a
// dot from a per-colour Blitter whose Bobs are recycled through a free-list.
//
// Phaser 4 notes (checked against node_modules/phaser/types/phaser.d.ts):
//  - the Canvas renderer ignores tint, so every colour has its own texture, generated
//    with textures.createCanvas() when a view (or a new undeclared type) brings it;
//  - no Group/get(): our DotPool keeps the free-list, and each Blitter's render list
//    is the pool's dense array of live Bobs (no per-frame filter, no allocation);
//  - Text.setText() re-renders a texture, so labels change at most twice a second;
//  - own motion code instead of one tween per dot (a tween per event would allocate).

import * as Phaser from '../node_modules/phaser/dist/phaser.esm.min.js';
import { DotPool } from './dotpool.js';
import { scaleToY, scaleTicks, scaleTitle } from './scale.js';

export { Phaser };

const DOT = 10;                  // dot texture size (px)
const HALF = DOT / 2;
const MAX_DOTS = 9000;           // across all colours
const MOVING = 0, HELD = 1, RESTING = 2;
const HOLD_MS = 700;             // a type that stays at its node (from == to tier) pulses this long
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
// Node rings by tier position (decoration only: they tell the columns apart).
const NODE_COLORS = [0x56d364, 0xe6edf3, 0xd2a8ff, 0x79c0ff, 0xffa657];
const BALL_COLOR = 0xf0883e;

function rgba(rgb, a) {
  return `rgba(${(rgb >> 16) & 255},${(rgb >> 8) & 255},${rgb & 255},${a})`;
}

const dotKey = (colour) => 'dot-' + (colour >>> 0).toString(16).padStart(6, '0');
const nodeKey = (tierIndex) => 'node-' + (tierIndex % NODE_COLORS.length);
const fieldString = (v) => (typeof v === 'string' && v.length ? v : typeof v === 'number' ? String(v) : '?');

/** One moving dot. Created only when a pool grows, then recycled. */
class Dot {
  constructor(view, slot) {
    this.view = view;            // Phaser Bob
    this.slot = slot;            // the colour's {pool, blitter}
    this.type = '';              // the event's type (for counters and the legend toggle)
    this.ev = null;              // the event (kept for the inspector)
    this.state = MOVING;
    this.age = 0;                // ms of travel at speed 1
    this.nseg = 1;
    this.px = new Float32Array(4);
    this.py = new Float32Array(4);
    this.tEnd = new Float32Array(3);
    this.fall = -1;              // index of the segment that falls (gravity), or -1
    this.fade = 250;             // ms fading out at the end
    this.rest = 0;               // ms left for a dropped (dragged) dot
    this.x = 0;
    this.y = 0;
  }
}

export class TrafficScene extends Phaser.Scene {
  constructor(model) {
    super({ key: 'traffic' });
    this.model = model;          // shared state from main.js (layout, styles, queue, counters, ...)
  }

  create() {
    const m = this.model;
    this.tm = m.tm;
    this.makeNodeTextures();

    this.bg = this.add.graphics().setDepth(0);
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

    // One Blitter (one texture) per colour; its render list is the pool's live Bobs.
    this.slots = new Map();      // colour -> {colour, pool, blitter}
    this.slotList = [];
    this.totalDots = 0;
    this.roundDots = true;   // whole-pixel dots: a cheaper blit on the Canvas renderer

    this.spawnFn = this.spawn.bind(this);
    this.held = null;       // dot being dragged
    this.selected = null;   // dot shown in the inspector
    this.selectedEv = null;
    this.layout = null;
    this.styles = null;
    this.view = null;
    this.layoutVersion = -1;
    this.lastNow = 0;
    this.fpsFrames = 0;
    this.fpsSince = performance.now();
    this.spawnedSince = 0;
    this.labelsAt = 0;

    this.input.on('pointerdown', this.onPointerDown, this);
    this.input.on('pointermove', this.onPointerMove, this);
    this.input.on('pointerup', this.onPointerUp, this);
    this.input.on('pointerupoutside', this.onPointerUp, this);

    // cost of our update and of Phaser's render, smoothed (ms), for the benchmark
    this.tm.updateMs = 0;
    this.tm.renderMs = 0;
    this.renderStart = 0;
    this.game.events.on(Phaser.Core.Events.PRE_RENDER, () => { this.renderStart = performance.now(); });
    this.game.events.on(Phaser.Core.Events.POST_RENDER, () => {
      this.tm.renderMs += (performance.now() - this.renderStart - this.tm.renderMs) * 0.05;
    });

    this.scale.on('resize', this.onResize, this);
    this.tm.renderer = this.game.renderer.type === Phaser.WEBGL ? 'webgl' : 'canvas';
    m.scene = this;
    if (m.view) this.setView(m.view, m.layout, m.styles);
    if (m.onSceneReady) m.onSceneReady(this);
  }

  makeNodeTextures() {
    NODE_COLORS.forEach((c, i) => {
      const key = nodeKey(i);
      if (this.textures.exists(key)) return;
      const S = 30;
      const tex = this.textures.createCanvas(key, S, S);
      const ctx = tex.getContext();
      ctx.fillStyle = '#161b22';
      ctx.beginPath(); ctx.arc(S / 2, S / 2, 12, 0, Math.PI * 2); ctx.fill();
      ctx.lineWidth = 3;
      ctx.strokeStyle = rgba(c, 0.95);
      ctx.stroke();
      ctx.fillStyle = rgba(c, 0.9);
      ctx.beginPath(); ctx.arc(S / 2, S / 2, 4, 0, Math.PI * 2); ctx.fill();
      tex.refresh();
    });
  }

  /** The texture, Blitter and pool of a colour: made once, the first time the colour is used. */
  slot(colour) {
    let s = this.slots.get(colour);
    if (s !== undefined) return s;
    const key = dotKey(colour);
    if (!this.textures.exists(key)) {
      const tex = this.textures.createCanvas(key, DOT, DOT);
      const ctx = tex.getContext();
      ctx.clearRect(0, 0, DOT, DOT);
      ctx.fillStyle = rgba(colour, 0.28);
      ctx.beginPath(); ctx.arc(HALF, HALF, HALF, 0, Math.PI * 2); ctx.fill();
      ctx.fillStyle = rgba(colour, 1);
      ctx.beginPath(); ctx.arc(HALF, HALF, 3.2, 0, Math.PI * 2); ctx.fill();
      tex.refresh();
    }
    const blitter = this.add.blitter(0, 0, key).setDepth(10);
    s = { colour, blitter, pool: null };
    s.pool = new DotPool({
      create: () => new Dot(blitter.create(-DOT, -DOT, undefined, true), s),
      capacity: MAX_DOTS,
      initial: 128,
    });
    const views = s.pool.views;
    blitter.getRenderList = function () { return views; };
    this.slots.set(colour, s);
    this.slotList.push(s);
    return s;
  }

  /**
   * Draw another view (or the same view after a reload): its dots, node visuals, titles,
   * sink and scale go, the new ones come. `layout` is the view's Layout, `styles` its TypeStyles.
   */
  setView(view, layout, styles) {
    this.clearAll();
    if (this.layout && this.layout !== layout) {
      for (const n of this.layout.allNodes()) this.dropNodeView(n);
    }
    this.view = view;
    this.layout = layout;
    this.styles = styles;
    for (const c of styles.colours()) this.slot(c);
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

  // ---- nodes -------------------------------------------------------------

  nodeView(node) {
    if (node.view) return node.view;
    const img = this.add.image(node.x, node.y, nodeKey(node.tierIndex)).setDepth(25);
    img.setInteractive({ draggable: true, useHandCursor: true });
    const label = this.add.text(node.x, node.y + 15, node.name, {
      fontFamily: FONT, fontSize: '13px', fontStyle: 'bold', color: '#e6edf3',
      backgroundColor: 'rgba(13,17,23,0.78)', padding: { x: 4, y: 1 },
    }).setOrigin(0.5, 0).setDepth(26);
    const rate = this.add.text(node.x, node.y + 33, ' ', {
      fontFamily: FONT, fontSize: '11px', color: '#8b949e',
      backgroundColor: 'rgba(13,17,23,0.78)', padding: { x: 3, y: 0 },
    }).setOrigin(0.5, 0).setDepth(26);
    const layout = this.layout;
    img.on('dragstart', () => { this.tm.nodeDrags++; });
    img.on('drag', (pointer, x, y) => {
      layout.moveNode(node, x, y, false);
    });
    img.on('dragend', () => { layout.save(); });
    node.view = { img, label, rate, lastCount: 0, text: ' ' };
    return node.view;
  }

  /** Destroy a node's visuals (its view is no longer drawn); they are remade if it comes back. */
  dropNodeView(node) {
    const v = node.view;
    if (!v) return;
    v.img.destroy();
    v.label.destroy();
    v.rate.destroy();
    node.view = null;
  }

  placeNodeViews() {
    const g = this.layout.geo;
    for (const list of this.layout.lists.values()) {
      // Crowded tier: name beside the node instead of below it, and no rate line.
      const spacing = (g.nodeBottom - g.nodeTop) / (list.length + 1);
      const below = spacing >= 46;
      for (const n of list) {
        const v = this.nodeView(n);
        v.img.setPosition(n.x, n.y);
        if (below) {
          v.label.setOrigin(0.5, 0).setPosition(n.x, n.y + 15);
          v.rate.setPosition(n.x, n.y + 33).setVisible(true);
        } else {
          const left = n.x - 16 - v.label.width >= 0;
          v.label.setOrigin(left ? 1 : 0, 0.5).setPosition(left ? n.x - 16 : n.x + 16, n.y);
          v.rate.setVisible(false);
        }
      }
    }
  }

  /** Per-node rates: twice a second at most (setText re-renders a texture). */
  updateNodeLabels(now) {
    const dt = now - this.labelsAt;
    if (dt < 500 || !this.layout) return;
    this.labelsAt = now;
    for (const list of this.layout.lists.values()) {
      for (const n of list) {
        const v = n.view;
        if (!v) continue;
        const r = ((n.count - v.lastCount) * 1000) / dt;
        v.lastCount = n.count;
        const text = r >= 0.5 ? Math.round(r) + '/s' : ' ';
        if (text !== v.text) { v.text = text; v.rate.setText(text); }
      }
    }
  }

  drawBackground() {
    const L = this.layout;
    const g = L.geo;
    const bg = this.bg;
    bg.clear();
    if (this.floorShown) {
      bg.fillStyle(0xff5a52, 0.06);
      bg.fillRect(0, g.floorY, g.width, g.height - g.floorY);
      bg.lineStyle(1, 0x6e2b29, 1);
      bg.lineBetween(0, g.floorY, g.width, g.floorY);
    }
    // links that carried traffic
    bg.lineStyle(1.5, 0x30363d, 1);
    for (const l of L.links) bg.lineBetween(l.from.x, l.from.y, l.to.x, l.to.y);
    if (!g.ball) return;
    // nodes that send on to the sink: a faint line to the ball
    bg.lineStyle(1, 0x5b3a1e, 0.8);
    for (const n of L.allNodes()) {
      if (n.toSink) bg.lineBetween(n.x, n.y, g.ball.x - g.ball.r, g.ball.y);
    }
    bg.fillStyle(BALL_COLOR, 0.12);
    bg.fillCircle(g.ball.x, g.ball.y, g.ball.r + 10);
    bg.fillStyle(BALL_COLOR, 0.9);
    bg.fillCircle(g.ball.x, g.ball.y, g.ball.r);
    // the scale: a line, a long tick at each labelled value
    bg.lineStyle(1, 0x484f58, 1);
    bg.lineBetween(g.scaleX, g.scaleTop, g.scaleX, g.scaleBottom);
    for (const t of this.ticks) {
      const y = g.scaleBottom - t.f * (g.scaleBottom - g.scaleTop);
      bg.lineBetween(g.scaleX - 6, y, g.scaleX, y);
    }
  }

  // ---- dots --------------------------------------------------------------

  /** Called by the arrival queue for each event due; lag = ms it is late. */
  spawn(ev, lag) {
    const tm = this.tm;
    const m = this.model;
    const type = ev.type;
    if (m.hidden.has(type)) { tm.notDrawn.hiddenType++; return; }
    if (this.totalDots >= MAX_DOTS || !this.layout) { tm.notDrawn.poolFull++; return; }
    const style = this.styles.of(type);
    const d = this.slot(style.colour).pool.acquire();
    if (d === null) { tm.notDrawn.poolFull++; return; }
    this.totalDots++;
    const L = this.layout;
    const g = L.geo;
    const px = d.px, py = d.py;
    const jx = (Math.random() - 0.5) * 8;
    const jy = (Math.random() - 0.5) * 10;
    d.fall = -1;
    d.fade = 250;
    const same = style.from === style.to;
    const a = L.ensure(style.from, fieldString(same && ev.from === undefined ? ev.to : ev.from));
    const b = same ? a : L.ensure(style.to, fieldString(ev.to));
    a.count++;
    if (b !== a) b.count++;
    if (a.view === null) this.nodeView(a);
    if (b.view === null) this.nodeView(b);
    L.link(a, b);
    let then = style.then;
    if (then === 'sink' && !g.ball) then = 'stop';
    px[0] = a.x; py[0] = a.y + jy * 0.4;
    let hold = false;
    if (then === 'sink') {
      let s = 1;
      if (!same) { px[1] = b.x + jx; py[1] = b.y + jy; s = 2; }
      if (!b.toSink) { b.toSink = true; L.version++; }
      d.nseg = s;
      px[s] = g.scaleX - 3;
      py[s] = scaleToY(ev[this.view.sink.scale.field], this.view.sink.scale, g.scaleTop, g.scaleBottom);
      d.fade = 450;
    } else if (then === 'fall') {
      let s = 1;
      if (!same) { px[1] = a.x + (b.x - a.x) * 0.45 + jx; py[1] = a.y + (b.y - a.y) * 0.45 + jy; s = 2; }
      d.nseg = s;
      px[s] = px[s - 1] + g.width * 0.05 + jx * 3; py[s] = g.floorY - 3 - Math.random() * 3;
      d.fall = s - 1;
      d.fade = 900;
    } else if (same) {
      // stays at its node: a short hold, drifting up a little, then it fades
      hold = true;
      d.nseg = 1;
      px[0] = a.x + jx * 1.5; py[0] = a.y + jy;
      px[1] = px[0]; py[1] = py[0] - 10;
      d.fade = 500;
    } else if (then === 'return') {
      d.nseg = 2;
      px[1] = a.x + (b.x - a.x) * 0.62 + jx; py[1] = a.y + (b.y - a.y) * 0.62 + jy;
      px[2] = a.x + 4; py[2] = a.y + 8 + jy * 0.5;
    } else {
      d.nseg = 1;
      px[1] = b.x + jx; py[1] = b.y + jy;
    }
    // segment end times (ms at speed 1): constant ground speed (the width of the picture
    // in ~2.4 s), falls a bit faster
    if (hold) {
      d.tEnd[0] = HOLD_MS;
    } else {
      const v = g.width * 0.00042;
      let t = 0;
      for (let s = 0; s < d.nseg; s++) {
        const dx = px[s + 1] - px[s], dy = py[s + 1] - py[s];
        let dur = Math.sqrt(dx * dx + dy * dy) / (s === d.fall ? v * 1.4 : v);
        if (dur < 120) dur = 120;
        t += dur;
        d.tEnd[s] = t;
      }
    }
    d.ev = ev;
    d.type = type;
    d.state = MOVING;
    d.age = lag * m.speed;
    d.view.alpha = 1;
    this.place(d);
    tm.dotsDrawn++;
    const dr = tm.drawnByType, ac = tm.activeByType;
    dr[type] = (dr[type] || 0) + 1;
    ac[type] = (ac[type] || 0) + 1;
    this.spawnedSince++;
  }

  /** Position of a moving dot at its age; returns false when it is done. */
  place(d) {
    const n = d.nseg;
    const end = d.tEnd[n - 1];
    const age = d.age;
    if (age >= end + d.fade) return false;
    const a = age < end ? age : end;
    let s = 0;
    while (s < n - 1 && a > d.tEnd[s]) s++;
    const t0 = s === 0 ? 0 : d.tEnd[s - 1];
    const span = d.tEnd[s] - t0;
    const u = span > 0 ? (a - t0) / span : 1;
    const px = d.px, py = d.py;
    let x, y;
    if (s === d.fall) {
      x = px[s] + (px[s + 1] - px[s]) * (u * (2 - u));
      y = py[s] + (py[s + 1] - py[s]) * (u * u);
    } else {
      x = px[s] + (px[s + 1] - px[s]) * u;
      y = py[s] + (py[s + 1] - py[s]) * u;
    }
    d.x = x; d.y = y;
    const view = d.view;
    if (this.roundDots) {
      view.x = Math.round(x - HALF);
      view.y = Math.round(y - HALF);
    } else {
      view.x = x - HALF;
      view.y = y - HALF;
    }
    view.alpha = age > end ? 1 - (age - end) / d.fade : 1;
    return true;
  }

  releaseDot(d) {
    if (d === this.held) this.held = null;
    if (d === this.selected) this.selected = null;
    d.ev = null;
    d.view.x = -DOT; d.view.y = -DOT;
    d.slot.pool.release(d);
    this.tm.activeByType[d.type]--;
    this.totalDots--;
  }

  /** Remove every dot of a type now (legend toggle). */
  clearType(type) {
    for (const s of this.slotList) {
      const act = s.pool.active;
      for (let i = act.length - 1; i >= 0; i--) if (act[i].type === type) this.releaseDot(act[i]);
    }
  }

  clearAll() {
    for (const s of this.slotList) {
      const act = s.pool.active;
      for (let i = act.length - 1; i >= 0; i--) this.releaseDot(act[i]);
    }
  }

  update() {
    const m = this.model;
    const tm = this.tm;
    const now = performance.now();
    // Wall-clock time, not Phaser's delta: Phaser smooths and caps delta (to 1/60 s while
    // "cooling down" or unfocused), so on a slow frame dots would live longer, pile up and
    // slow the next frame further. A long gap (throttled tab) is capped so nothing teleports.
    const wall = this.lastNow > 0 ? now - this.lastNow : 16;
    this.lastNow = now;
    const step = wall > 250 ? 250 : wall;
    const dt = step * (m.paused ? 0 : m.speed);

    if (!m.paused && this.layout) m.queue.drain(now, this.spawnFn);

    let active = 0;
    const slots = this.slotList;
    for (let k = 0; k < slots.length; k++) {
      const act = slots[k].pool.active;
      for (let i = act.length - 1; i >= 0; i--) {
        const d = act[i];
        if (d.state === MOVING) {
          d.age += dt;
          if (!this.place(d)) this.releaseDot(d);
        } else if (d.state === RESTING) {
          if (!m.paused) d.rest -= step;
          if (d.rest <= 0) this.releaseDot(d);
          else d.view.alpha = d.rest < 500 ? d.rest / 500 : 1;
        }
      }
      active += act.length;
    }
    tm.dotsActive = active;

    if (this.layout && this.layoutVersion !== this.layout.version) {
      this.layoutVersion = this.layout.version;
      this.placeNodeViews();
      this.drawBackground();
    }
    this.updateNodeLabels(now);
    this.drawSelection();

    tm.updateMs += (performance.now() - now - tm.updateMs) * 0.05;
    this.fpsFrames++;
    const since = now - this.fpsSince;
    if (since >= 1000) {
      tm.fps = Math.round((this.fpsFrames * 10000) / since) / 10;
      tm.dotsPerSecond = Math.round((this.spawnedSince * 1000) / since);
      tm.phaserFps = Math.round(this.game.loop.actualFps * 10) / 10;
      this.fpsFrames = 0;
      this.spawnedSince = 0;
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

  /** The live dot nearest to (x, y) within r pixels, or null. */
  dotAt(x, y, r = 10) {
    let best = null, bestD = r * r;
    for (const s of this.slotList) {
      const act = s.pool.active;
      for (let i = 0; i < act.length; i++) {
        const d = act[i];
        if (d.view.alpha <= 0.05) continue;
        const dx = d.x - x, dy = d.y - y;
        const dd = dx * dx + dy * dy;
        if (dd <= bestD) { bestD = dd; best = d; }
      }
    }
    return best;
  }

  onPointerDown(pointer, over) {
    if (over && over.length) return; // a node: Phaser drags it
    const d = this.dotAt(pointer.worldX, pointer.worldY, 12);
    if (!d) return;
    this.held = d;
    d.state = HELD;          // dragging stops its motion
    d.view.alpha = 1;
    this.selected = d;
    this.selectedEv = d.ev;
    this.tm.dotDrags++;
    if (this.model.onInspect) this.model.onInspect(d.ev, this.styles.of(d.type));
  }

  onPointerMove(pointer) {
    const d = this.held;
    if (!d || !pointer.isDown) return;
    d.x = pointer.worldX; d.y = pointer.worldY;
    d.view.x = d.x - HALF; d.view.y = d.y - HALF;
  }

  onPointerUp(pointer) {
    const d = this.held;
    if (!d) return;
    this.held = null;
    if (pointer) {
      d.x = pointer.worldX; d.y = pointer.worldY;
      d.view.x = d.x - HALF; d.view.y = d.y - HALF;
    }
    d.state = RESTING;       // stays where it was dropped for a while, then fades
    d.rest = 6000;
  }

  /** For tests: live dots in canvas coordinates (optionally of one type). */
  listDots(limit = 50, type = null) {
    const out = [];
    for (const s of this.slotList) {
      const act = s.pool.active;
      for (let i = 0; i < act.length && out.length < limit; i++) {
        const d = act[i];
        if (type && d.type !== type) continue;
        out.push({ type: d.type, x: d.x, y: d.y, state: ['moving', 'held', 'resting'][d.state], alpha: d.view.alpha });
      }
    }
    return out;
  }
}

/** Create the Phaser game in `parent`. renderer: 'canvas' (default) or 'webgl'. */
export function createGame({ parent, renderer, model }) {
  const scene = new TrafficScene(model);
  const config = {
    type: renderer === 'webgl' ? Phaser.WEBGL : Phaser.CANVAS,
    parent,
    backgroundColor: '#0d1117',
    banner: false,
    disableContextMenu: true,
    antialias: true,
    scale: { mode: Phaser.Scale.RESIZE, width: parent.clientWidth || 960, height: parent.clientHeight || 600 },
    input: { keyboard: false, gamepad: false },
    audio: { noAudio: true },
    scene: [scene],
  };
  return new Phaser.Game(config);
}
