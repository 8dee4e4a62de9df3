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
import { nodeLabelPlan, shortenLabel } from './node_labels.js';
import { OVERFLOW_NAME } from './layout.js';
import { BackgroundCanvas } from './background_canvas.js';
import { trajectory, MAX_POINTS } from './trajectory.js';

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

/** Several daemons: the names of those whose events touched a node (a node is keyed by name). */
function tagDaemon(node, name) {
  if (node.daemons === undefined) node.daemons = new Set();
  node.daemons.add(name);
}

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
    this.px = new Float32Array(MAX_POINTS);
    this.py = new Float32Array(MAX_POINTS);
    this.tEnd = new Float32Array(MAX_POINTS - 1);
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

    this.bg = new BackgroundCanvas(this);
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
    this.refoldAt = 0;
    this.layoutDrawnAt = 0;
    this.hovered = null;

    this.input.on('pointerdown', this.onPointerDown, this);
    this.input.on('pointermove', this.onPointerMove, this);
    this.input.on('pointerup', this.onPointerUp, this);
    this.input.on('pointerupoutside', this.onPointerUp, this);
    this.input.on('wheel', this.onWheel, this);
    // Zoom and pan: with the origin at the top left, screen = (world - scroll) * zoom.
    this.cameras.main.setOrigin(0, 0);
    this.panning = null;
    this.portOut = [];          // per tier: x offset from a node where its outgoing lines start
    this.hoverText = this.add.text(0, 0, '', {
      fontFamily: FONT, fontSize: '12px', color: '#e6edf3', backgroundColor: 'rgba(22,27,34,0.96)', padding: { x: 5, y: 2 },
    }).setOrigin(0, 1).setDepth(40).setVisible(false);

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

  // ---- nodes -------------------------------------------------------------

  nodeView(node) {
    if (node.view) return node.view;
    const img = this.add.image(node.x, node.y, nodeKey(node.tierIndex)).setDepth(25);
    img.setInteractive({ draggable: true, useHandCursor: true });
    const label = this.add.text(node.x, node.y, node.isFold ? OVERFLOW_NAME : shortenLabel(node.name), {
      fontFamily: FONT, fontSize: '13px', fontStyle: 'bold', color: node.isFold ? '#79c0ff' : '#e6edf3',
      backgroundColor: 'rgba(13,17,23,0.78)', padding: { x: 3, y: 0 },
    }).setOrigin(0, 0.5).setDepth(26);
    const rate = this.add.text(node.x, node.y, ' ', {
      fontFamily: FONT, fontSize: '11px', color: '#8b949e',
      backgroundColor: 'rgba(13,17,23,0.78)', padding: { x: 3, y: 0 },
    }).setOrigin(0, 0).setDepth(26);
    const layout = this.layout;
    let downAt = null;
    img.on('pointerdown', (p) => { downAt = { x: p.x, y: p.y }; });
    img.on('pointerup', (p) => {
      // a click (no drag) on the fold opens it
      if (node.isFold && downAt && Math.hypot(p.x - downAt.x, p.y - downAt.y) < 5 && this.model.onFoldClick) this.model.onFoldClick(node);
      downAt = null;
    });
    img.on('pointerover', () => this.showHover(node));
    img.on('pointerout', () => this.hideHover(node));
    img.on('dragstart', () => { this.tm.nodeDrags++; this.hideHover(node); });
    img.on('drag', (pointer, x, y) => {
      layout.moveNode(node, x, y, false);
    });
    img.on('dragend', () => { layout.save(); });
    node.view = { img, label, rate, lastCount: 0, text: ' ', labelled: true, font: 13, roomy: true, foldText: '' };
    return node.view;
  }

  /** The full name (and rate) of a node under the pointer: labels may be thinned or shortened. */
  showHover(node) {
    this.hovered = node;
    const v = node.view;
    const name = node.isFold ? `${OVERFLOW_NAME}: ${node.members.length} quieter nodes \u2014 click to list them` : node.name;
    const rate = v && v.text.trim() ? ` \u00b7 ${v.text.trim()}` : '';
    // one name seen by several daemons is one node: say whose logs it is in
    const seenBy = node.daemons && node.daemons.size > 1 ? `\nseen by ${[...node.daemons].sort().join(', ')}` : '';
    this.hoverText.setText(name + rate + seenBy).setPosition(node.x + 8, node.y - 8).setVisible(true);
    const cam = this.cameras.main;
    this.hoverText.setScale(1 / cam.zoom);
  }

  hideHover(node) {
    if (this.hovered === node) { this.hovered = null; this.hoverText.setVisible(false); }
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

  /**
   * Rows as compact as the tier needs: node size, label size and which labels are shown
   * follow the row spacing (node_labels.js). Labels sit right of their node and outgoing
   * lines start right of the tier's widest label, so no line crosses a label.
   */
  placeNodeViews() {
    const L = this.layout;
    // folded nodes are not drawn (their dots go to the fold)
    for (const list of L.lists.values()) for (const n of list) if (n.folded && n.view) this.setNodeVisible(n, false);
    L.tiers.forEach((tier, ti) => {
      const shown = L.shown.get(tier);
      const plan = nodeLabelPlan(L.rowSpacing(tier), shown.length);
      let column = 0;
      for (let i = 0; i < shown.length; i++) {
        const n = shown[i];
        const v = this.nodeView(n);
        this.setNodeVisible(n, true);
        if (n.isFold) {
          const text = `${OVERFLOW_NAME} (${n.members.length})`;
          if (text !== v.foldText) { v.foldText = text; v.label.setText(text); }
        }
        v.img.setScale(plan.nodeScale).setPosition(n.x, n.y);
        if (v.font !== plan.font) { v.font = plan.font; v.label.setFontSize(plan.font + 'px'); v.label.setFontStyle(plan.font >= 12 ? 'bold' : ''); }
        const labelled = plan.labelled(i) || n.isFold;
        const x = n.x + plan.offset;
        v.label.setVisible(labelled);
        v.labelled = labelled;
        v.roomy = plan.roomy;
        if (plan.roomy) {
          v.label.setOrigin(0, 1).setPosition(x, n.y + 1);
          v.rate.setPosition(x, n.y + 1).setVisible(true);
        } else {
          v.label.setOrigin(0, 0.5).setPosition(x, n.y);
          v.rate.setVisible(false);
        }
        if (labelled) column = Math.max(column, v.label.width, plan.roomy ? v.rate.width : 0);
      }
      this.portOut[ti] = plan.offset + column + 4;
    });
  }

  setNodeVisible(n, on) {
    const v = n.view;
    if (v.img.visible === on) return;
    v.img.setVisible(on);
    if (on) v.img.setInteractive(); else v.img.disableInteractive();
    if (!on) { v.label.setVisible(false); v.rate.setVisible(false); }
  }

  /** Per-node rates: twice a second at most (setText re-renders a texture). */
  updateNodeLabels(now) {
    const dt = now - this.labelsAt;
    if (dt < 500 || !this.layout) return;
    this.labelsAt = now;
    for (const list of this.layout.lists.values()) {
      for (const n of list) {
        n.rate = ((n.count - (n.lastCount || 0)) * 1000) / dt;
        n.lastCount = n.count;
      }
    }
    for (const list of this.layout.shown.values()) {
      for (const n of list) {
        const v = n.view;
        if (!v) continue;
        const r = n.isFold ? n.members.reduce((a, m) => a + m.rate, 0) : n.rate;
        if (n.isFold) n.rate = r;
        const text = r >= 0.5 ? Math.round(r) + '/s' : ' ';
        if (text !== v.text) { v.text = text; if (v.roomy) v.rate.setText(text); }
      }
    }
  }

  /** Boxes of the labels drawn now, in world coordinates (tests check that none overlap). */
  labelBoxes() {
    const out = [];
    if (!this.layout) return out;
    for (const list of this.layout.shown.values()) {
      for (const n of list) {
        const v = n.view;
        if (!v || !v.label.visible) continue;
        const l = v.label;
        let x0 = l.x - l.originX * l.width, y0 = l.y - l.originY * l.height;
        let x1 = x0 + l.width, y1 = y0 + l.height;
        if (v.rate.visible) {
          const r = v.rate;
          x1 = Math.max(x1, r.x + r.width);
          y1 = Math.max(y1, r.y + r.height);
        }
        out.push({ tier: n.tier, name: n.name, x: x0, y: y0, w: x1 - x0, h: y1 - y0 });
      }
    }
    return out;
  }

  drawBackground() {
    const L = this.layout;
    const g = L.geo;
    const bg = this.bg.begin(g.width, g.height);
    if (this.floorShown) {
      bg.fillStyle(0xff5a52, 0.06);
      bg.fillRect(0, g.floorY, g.width, g.height - g.floorY);
      bg.lineStyle(1, 0x6e2b29, 1);
      bg.lineBetween(0, g.floorY, g.width, g.floorY);
    }
    // links that carried traffic: from right of the sender's label column to the left edge
    // of the receiver (a folded node's links are its fold's, drawn once)
    const lines = this.lineKeys || (this.lineKeys = new Set());
    lines.clear();
    bg.lineStyle(1.2, 0x30363d, 1);
    for (const l of L.links) {
      const a = l.from, b = l.to;
      const k = a.x + ',' + a.y + ',' + b.x + ',' + b.y;
      if (lines.has(k)) continue;
      lines.add(k);
      const right = b.x > a.x;
      const ax = right ? a.x + (this.portOut[a.tierIndex] || 0) : a.x;
      const bx = right ? b.x - 6 : b.x;
      if (!right || bx > ax) bg.lineBetween(ax, a.y, bx, b.y);
    }
    if (g.ball) this.drawSink(bg, g);
    bg.end();
  }

  drawSink(bg, g) {
    const L = this.layout;
    // nodes that send on to the sink: a faint line to the ball
    bg.lineStyle(1, 0x5b3a1e, 0.8);
    for (const n of L.drawnNodes()) {
      const sends = n.isFold ? n.members.some((m) => m.toSink) : n.toSink;
      if (sends) bg.lineBetween(n.x + (this.portOut[n.tierIndex] || 0), n.y, g.ball.x - g.ball.r, g.ball.y);
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

  /** The tiers strictly between two nodes' tiers: their x and the ys of their drawn nodes. */
  tiersBetween(a, b) {
    const L = this.layout;
    const lo = Math.min(a.tierIndex, b.tierIndex), hi = Math.max(a.tierIndex, b.tierIndex);
    if (hi - lo < 2) return [];
    const out = [];
    for (let i = lo + 1; i < hi; i++) {
      const tier = L.tiers[i];
      out.push({ x: L.tierX(tier), ys: L.shown.get(tier).map((n) => n.y) });
    }
    return out;
  }

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
    const same = style.from === style.to;
    const a = L.ensure(style.from, fieldString(same && ev.from === undefined ? ev.to : ev.from));
    const b = same ? a : L.ensure(style.to, fieldString(ev.to));
    a.count++;
    if (b !== a) b.count++;
    L.link(a, b);
    const who = m.daemonOf ? m.daemonOf(ev) : null;
    if (who !== null) { tagDaemon(a, who); if (b !== a) tagDaemon(b, who); }
    let then = style.then;
    if (then === 'sink' && !g.ball) then = 'stop';
    if (then === 'sink' && !b.toSink) { b.toSink = true; L.version++; }
    const path = trajectory({
      a, b, then, between: b === a ? [] : this.tiersBetween(a, b), floorY: g.floorY, width: g.width, jx, jy,
      sink: then === 'sink' ? { x: g.scaleX - 3, y: scaleToY(ev[this.view.sink.scale.field], this.view.sink.scale, g.scaleTop, g.scaleBottom) } : null,
    });
    const n = Math.min(path.px.length, MAX_POINTS);
    for (let i = 0; i < n; i++) { px[i] = path.px[i]; py[i] = path.py[i]; }
    d.nseg = n - 1;
    d.fall = path.fall;
    d.fade = path.fade;
    const hold = path.hold;
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

    // at most ~8 redraws a second: new links keep coming while a fleet shows up
    if (this.layout && this.layoutVersion !== this.layout.version && (now - this.layoutDrawnAt > 120 || this.input.activePointer.isDown)) {
      this.layoutDrawnAt = now;
      this.layoutVersion = this.layout.version;
      this.placeNodeViews();
      this.drawBackground();
    }
    this.updateNodeLabels(now);
    if (this.layout && now - this.refoldAt > 3000) { this.refoldAt = now; this.layout.refold(); }
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

  /** World coordinates under the pointer (the camera may be zoomed and scrolled). */
  world(pointer) {
    const cam = this.cameras.main;
    return { x: cam.scrollX + pointer.x / cam.zoom, y: cam.scrollY + pointer.y / cam.zoom };
  }

  /** Wheel: zoom about the pointer. */
  onWheel(pointer, over, dx, dy) {
    const cam = this.cameras.main;
    const w = this.world(pointer);
    const z = Math.max(0.5, Math.min(8, cam.zoom * Math.exp(-dy * 0.0015)));
    this.zoomTo(z, w.x, w.y, pointer.x, pointer.y);
  }

  /** Zoom to z keeping world point (wx, wy) at screen point (sx, sy). */
  zoomTo(z, wx, wy, sx, sy) {
    const cam = this.cameras.main;
    cam.setZoom(z);
    cam.setScroll(wx - sx / z, wy - sy / z);
    this.cameraChanged();
  }

  /** Zoom by a factor about the middle of the picture (the +/- buttons). */
  zoomBy(f) {
    const cam = this.cameras.main;
    const sx = this.scale.width / 2, sy = this.scale.height / 2;
    const z = Math.max(0.5, Math.min(8, cam.zoom * f));
    this.zoomTo(z, cam.scrollX + sx / cam.zoom, cam.scrollY + sy / cam.zoom, sx, sy);
  }

  resetCamera() {
    const cam = this.cameras.main;
    cam.setZoom(1);
    cam.setScroll(0, 0);
    this.cameraChanged();
  }

  cameraChanged() {
    const cam = this.cameras.main;
    this.tm.camera = { zoom: Math.round(cam.zoom * 1000) / 1000, scrollX: Math.round(cam.scrollX), scrollY: Math.round(cam.scrollY) };
    if (this.model.onCamera) this.model.onCamera(this.tm.camera);
  }

  onPointerDown(pointer, over) {
    if (over && over.length) return; // a node: Phaser drags it
    const p = this.world(pointer);
    const d = this.dotAt(p.x, p.y, 12 / this.cameras.main.zoom);
    if (!d) {
      // the background: drag pans the picture
      const cam = this.cameras.main;
      this.panning = { x: pointer.x, y: pointer.y, sx: cam.scrollX, sy: cam.scrollY };
      return;
    }
    this.held = d;
    d.state = HELD;          // dragging stops its motion
    d.view.alpha = 1;
    this.selected = d;
    this.selectedEv = d.ev;
    this.tm.dotDrags++;
    if (this.model.onInspect) this.model.onInspect(d.ev, this.styles.of(d.type));
  }

  onPointerMove(pointer) {
    if (this.panning && pointer.isDown) {
      const cam = this.cameras.main, p = this.panning;
      cam.setScroll(p.sx - (pointer.x - p.x) / cam.zoom, p.sy - (pointer.y - p.y) / cam.zoom);
      this.cameraChanged();
      return;
    }
    const d = this.held;
    if (!d || !pointer.isDown) return;
    const w = this.world(pointer);
    d.x = w.x; d.y = w.y;
    d.view.x = d.x - HALF; d.view.y = d.y - HALF;
  }

  onPointerUp(pointer) {
    this.panning = null;
    const d = this.held;
    if (!d) return;
    this.held = null;
    if (pointer) {
      const w = this.world(pointer);
      d.x = w.x; d.y = w.y;
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
