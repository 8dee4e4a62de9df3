// The traffic view: a Phaser 4 scene. Tiers (ingress, MTAs, relays), the Internet
// ball and the first-octet scale are drawn once per layout change; every event is
// a dot from a per-colour Blitter whose Bobs are recycled through a free-list.
//
// Phaser 4 notes (checked against node_modules/phaser/types/phaser.d.ts):
//  - the Canvas renderer ignores tint, so every colour has its own texture,
//    generated once with textures.createCanvas();
//  - no Group/get(): our DotPool keeps the free-list, and each Blitter's render list
//    is the pool's dense array of live Bobs (no per-frame filter, no allocation);
//  - Text.setText() re-renders a texture, so labels change at most twice a second;
//  - own motion code instead of one tween per dot (a tween per event would allocate).

import * as Phaser from '../node_modules/phaser/dist/phaser.esm.min.js';
import { TYPE_COLORS, KNOWN_TYPES, OTHER, typeKind, firstOctet } from './protocol.js';
import { DotPool } from './dotpool.js';
import { TIERS, TIER_TITLES, routeTiers, octetToY } from './layout.js';

export { Phaser };

export const KINDS = Object.freeze([...KNOWN_TYPES, OTHER]);
const DOT = 10;                  // dot texture size (px)
const HALF = DOT / 2;
const MAX_DOTS = 9000;           // across all colours
const MOVING = 0, HELD = 1, RESTING = 2;
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
const NODE_COLORS = { ingress: 0x56d364, mta: 0xe6edf3, proxy: 0xd2a8ff };
const BALL_COLOR = 0xf0883e;

function rgba(rgb, a) {
  return `rgba(${(rgb >> 16) & 255},${(rgb >> 8) & 255},${rgb & 255},${a})`;
}

/** One moving dot. Created only when a pool grows, then recycled. */
class Dot {
  constructor(view, kind) {
    this.view = view;            // Phaser Bob
    this.kind = kind;
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
    this.model = model;          // shared state from main.js (layout, queue, counters, ...)
  }

  create() {
    const m = this.model;
    this.layout = m.layout;
    this.tm = m.tm;
    this.makeTextures();

    this.bg = this.add.graphics().setDepth(0);
    this.sel = this.add.graphics().setDepth(30);

    // Static labels: created once, only moved on resize.
    const titleStyle = { fontFamily: FONT, fontSize: '12px', fontStyle: 'bold', color: '#8b949e' };
    this.titles = {};
    for (const t of [...TIERS, 'internet']) {
      this.titles[t] = this.add.text(0, 12, TIER_TITLES[t], titleStyle).setOrigin(0.5, 0).setDepth(1);
    }
    this.titles.scale = this.add.text(0, 12, '1ST OCTET', titleStyle).setOrigin(1, 0).setDepth(1);
    const tickStyle = { fontFamily: FONT, fontSize: '11px', color: '#8b949e' };
    this.ticks = [];
    for (const o of [0, 32, 64, 96, 128, 160, 192, 224, 255]) {
      this.ticks.push({ o, text: this.add.text(0, 0, String(o), tickStyle).setOrigin(0, 0.5).setDepth(1) });
    }
    this.ballLabel = this.add.text(0, 0, 'Internet', { fontFamily: FONT, fontSize: '15px', fontStyle: 'bold', color: '#2b1706' })
      .setOrigin(0.5, 0.5).setDepth(27);
    this.floorLabel = this.add.text(0, 0, 'permanent failures land on the floor',
      { fontFamily: FONT, fontSize: '11px', color: '#b55a56' }).setOrigin(0, 0.5).setDepth(1);

    // One Blitter (one texture) per colour; its render list is the pool's live Bobs.
    this.pools = {};
    this.blitters = {};
    for (const kind of KINDS) {
      const blitter = this.add.blitter(0, 0, 'dot-' + kind).setDepth(10);
      const pool = new DotPool({
        create: () => new Dot(blitter.create(-DOT, -DOT, undefined, true), kind),
        capacity: MAX_DOTS,
        initial: kind === 'delivered' ? 1024 : kind === 'inbound' ? 512 : 128,
      });
      const views = pool.views;
      blitter.getRenderList = function () { return views; };
      this.pools[kind] = pool;
      this.blitters[kind] = blitter;
    }
    this.totalDots = 0;
    this.roundDots = true;   // whole-pixel dots: a cheaper blit on the Canvas renderer

    this.spawnFn = this.spawn.bind(this);
    this.held = null;       // dot being dragged
    this.selected = null;   // dot shown in the inspector
    this.selectedEv = null;
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
    this.onResize({ width: this.scale.width, height: this.scale.height });

    this.tm.renderer = this.game.renderer.type === Phaser.WEBGL ? 'webgl' : 'canvas';
    m.scene = this;
    if (m.onSceneReady) m.onSceneReady(this);
  }

  makeTextures() {
    for (const kind of KINDS) {
      const key = 'dot-' + kind;
      if (this.textures.exists(key)) continue;
      const tex = this.textures.createCanvas(key, DOT, DOT);
      const ctx = tex.getContext();
      const c = TYPE_COLORS[kind];
      ctx.clearRect(0, 0, DOT, DOT);
      ctx.fillStyle = rgba(c, 0.28);
      ctx.beginPath(); ctx.arc(HALF, HALF, HALF, 0, Math.PI * 2); ctx.fill();
      ctx.fillStyle = rgba(c, 1);
      ctx.beginPath(); ctx.arc(HALF, HALF, 3.2, 0, Math.PI * 2); ctx.fill();
      tex.refresh();
    }
    for (const tier of TIERS) {
      const key = 'node-' + tier;
      if (this.textures.exists(key)) continue;
      const S = 30;
      const tex = this.textures.createCanvas(key, S, S);
      const ctx = tex.getContext();
      const c = NODE_COLORS[tier];
      ctx.fillStyle = '#161b22';
      ctx.beginPath(); ctx.arc(S / 2, S / 2, 12, 0, Math.PI * 2); ctx.fill();
      ctx.lineWidth = 3;
      ctx.strokeStyle = rgba(c, 0.95);
      ctx.stroke();
      ctx.fillStyle = rgba(c, 0.9);
      ctx.beginPath(); ctx.arc(S / 2, S / 2, 4, 0, Math.PI * 2); ctx.fill();
      tex.refresh();
    }
  }

  onResize(size) {
    const w = Math.round(size.width), h = Math.round(size.height);
    this.layout.place(w, h);
    const g = this.layout.geo;
    this.titles.ingress.setPosition(g.tierX.ingress, 12);
    this.titles.mta.setPosition(g.tierX.mta, 12);
    this.titles.proxy.setPosition(g.tierX.proxy, 12);
    this.titles.internet.setPosition(g.ball.x, 12);
    this.titles.scale.setPosition(g.width - 6, 12);
    for (const t of this.ticks) t.text.setPosition(g.scaleX + 6, octetToY(t.o, g.scaleTop, g.scaleBottom));
    this.ballLabel.setPosition(g.ball.x, g.ball.y);
    this.floorLabel.setPosition(10, g.floorY + 12);
    this.layoutVersion = -1; // redraw
  }

  // ---- nodes -------------------------------------------------------------

  nodeView(node) {
    if (node.view) return node.view;
    const img = this.add.image(node.x, node.y, 'node-' + node.tier).setDepth(25);
    img.setInteractive({ draggable: true, useHandCursor: true });
    const label = this.add.text(node.x, node.y + 15, node.name === 'none' ? 'no relay' : node.name, {
      fontFamily: FONT, fontSize: '13px', fontStyle: 'bold', color: '#e6edf3',
      backgroundColor: 'rgba(13,17,23,0.78)', padding: { x: 4, y: 1 },
    }).setOrigin(0.5, 0).setDepth(26);
    const rate = this.add.text(node.x, node.y + 33, ' ', {
      fontFamily: FONT, fontSize: '11px', color: '#8b949e',
      backgroundColor: 'rgba(13,17,23,0.78)', padding: { x: 3, y: 0 },
    }).setOrigin(0.5, 0).setDepth(26);
    img.on('dragstart', () => { this.tm.nodeDrags++; });
    img.on('drag', (pointer, x, y) => {
      this.layout.moveNode(node, x, y, false);
    });
    img.on('dragend', () => { this.layout.save(); });
    node.view = { img, label, rate, lastCount: 0, text: ' ' };
    node.created = false;
    return node.view;
  }

  placeNodeViews() {
    const g = this.layout.geo;
    for (const tier of TIERS) {
      const list = this.layout.lists[tier];
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
    if (dt < 500) return;
    this.labelsAt = now;
    for (const tier of TIERS) {
      for (const n of this.layout.lists[tier]) {
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
    const g = this.layout.geo;
    const bg = this.bg;
    bg.clear();
    // floor band
    bg.fillStyle(0xff5a52, 0.06);
    bg.fillRect(0, g.floorY, g.width, g.height - g.floorY);
    bg.lineStyle(1, 0x6e2b29, 1);
    bg.lineBetween(0, g.floorY, g.width, g.floorY);
    // links that carried traffic
    bg.lineStyle(1.5, 0x30363d, 1);
    for (const l of this.layout.links) bg.lineBetween(l.from.x, l.from.y, l.to.x, l.to.y);
    // relays to the Internet
    bg.lineStyle(1, 0x5b3a1e, 0.8);
    for (const p of this.layout.lists.proxy) {
      if (p.name !== 'none') bg.lineBetween(p.x, p.y, g.ball.x - g.ball.r, g.ball.y);
    }
    // the Internet
    bg.fillStyle(BALL_COLOR, 0.12);
    bg.fillCircle(g.ball.x, g.ball.y, g.ball.r + 10);
    bg.fillStyle(BALL_COLOR, 0.9);
    bg.fillCircle(g.ball.x, g.ball.y, g.ball.r);
    // first-octet scale
    bg.lineStyle(1, 0x484f58, 1);
    bg.lineBetween(g.scaleX, g.scaleTop, g.scaleX, g.scaleBottom);
    for (let o = 0; o <= 256; o += 16) {
      const y = octetToY(Math.min(o, 255), g.scaleTop, g.scaleBottom);
      bg.lineBetween(g.scaleX - (o % 64 === 0 ? 6 : 3), y, g.scaleX, y);
    }
  }

  // ---- dots --------------------------------------------------------------

  /** Called by the arrival queue for each event due; lag = ms it is late. */
  spawn(ev, lag) {
    const tm = this.tm;
    const kind = typeKind(ev.type);
    if (this.model.hidden.has(kind)) { tm.notDrawn.hiddenType++; return; }
    if (this.totalDots >= MAX_DOTS) { tm.notDrawn.poolFull++; return; }
    const d = this.pools[kind].acquire();
    if (d === null) { tm.notDrawn.poolFull++; return; }
    this.totalDots++;
    const L = this.layout;
    const g = L.geo;
    const px = d.px, py = d.py;
    const jx = (Math.random() - 0.5) * 8;
    const jy = (Math.random() - 0.5) * 10;
    d.fall = -1;
    d.fade = 250;
    const tiers = routeTiers(kind);
    if (tiers !== null) {
      const a = L.ensure(tiers[0], typeof ev.from === 'string' ? ev.from : '?');
      const b = L.ensure(tiers[1], typeof ev.to === 'string' ? ev.to : 'none');
      a.count++; b.count++;
      if (a.view === null) this.nodeView(a);
      if (b.view === null) this.nodeView(b);
      L.link(a, b);
      px[0] = a.x; py[0] = a.y + jy * 0.4;
      if (kind === 'inbound' || kind === 'relay') {
        d.nseg = 1;
        px[1] = b.x + jx; py[1] = b.y + jy;
      } else if (kind === 'delivered') {
        d.nseg = 2;
        px[1] = b.x + jx; py[1] = b.y + jy;
        px[2] = g.scaleX - 3;
        py[2] = octetToY(firstOctet(ev.ip), g.scaleTop, g.scaleBottom);
        d.fade = 450;
      } else if (kind === 'transient') {
        d.nseg = 2;
        px[1] = a.x + (b.x - a.x) * 0.62 + jx; py[1] = a.y + (b.y - a.y) * 0.62 + jy;
        px[2] = a.x + 4; py[2] = a.y + 8 + jy * 0.5;
      } else { // permanent: out, then falls to the floor
        d.nseg = 2;
        px[1] = a.x + (b.x - a.x) * 0.45 + jx; py[1] = a.y + (b.y - a.y) * 0.45 + jy;
        px[2] = px[1] + g.width * 0.05 + jx * 3; py[2] = g.floorY - 3 - Math.random() * 3;
        d.fall = 1;
        d.fade = 900;
      }
    } else {
      // other types: between nodes of those names if known, else edge -> Internet
      const a = typeof ev.from === 'string' ? L.find(ev.from) : undefined;
      const b = typeof ev.to === 'string' ? L.find(ev.to) : undefined;
      d.nseg = 1;
      if (a) { px[0] = a.x; py[0] = a.y; a.count++; } else { px[0] = 4; py[0] = (g.top + g.floorY) / 2 + jy * 3; }
      if (b) { px[1] = b.x + jx; py[1] = b.y + jy; b.count++; } else { px[1] = g.ball.x + jx; py[1] = g.ball.y + jy * 2; }
    }
    // segment end times (ms at speed 1): constant ground speed (the width of the view in
    // ~2.4 s), falls a bit faster
    const v = g.width * 0.00042;
    let t = 0;
    for (let s = 0; s < d.nseg; s++) {
      const dx = px[s + 1] - px[s], dy = py[s + 1] - py[s];
      let dur = Math.sqrt(dx * dx + dy * dy) / (s === d.fall ? v * 1.4 : v);
      if (dur < 120) dur = 120;
      t += dur;
      d.tEnd[s] = t;
    }
    d.ev = ev;
    d.state = MOVING;
    d.age = lag * this.model.speed;
    const view = d.view;
    view.alpha = 1;
    this.place(d);
    tm.dotsDrawn++;
    tm.drawnByType[kind]++;
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
    this.pools[d.kind].release(d);
    this.totalDots--;
  }

  /** Remove every dot of a kind now (legend toggle). */
  clearKind(kind) {
    const pool = this.pools[kind];
    if (!pool) return;
    const act = pool.active;
    for (let i = act.length - 1; i >= 0; i--) this.releaseDot(act[i]);
  }

  clearAll() {
    for (const kind of KINDS) this.clearKind(kind);
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

    if (!m.paused) m.queue.drain(now, this.spawnFn);

    let active = 0;
    for (let k = 0; k < KINDS.length; k++) {
      const kind = KINDS[k];
      const act = this.pools[kind].active;
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
      tm.activeByType[kind] = act.length;
      active += act.length;
    }
    tm.dotsActive = active;

    if (this.layoutVersion !== this.layout.version) {
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
    for (const kind of KINDS) {
      const act = this.pools[kind].active;
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
    if (this.model.onInspect) this.model.onInspect(d.ev, d.kind);
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

  /** For tests: live dots in canvas coordinates. */
  listDots(limit = 50, kind = null) {
    const out = [];
    for (const k of KINDS) {
      if (kind && k !== kind) continue;
      const act = this.pools[k].active;
      for (let i = 0; i < act.length && out.length < limit; i++) {
        const d = act[i];
        out.push({ kind: k, type: d.ev && d.ev.type, x: d.x, y: d.y, state: ['moving', 'held', 'resting'][d.state], alpha: d.view.alpha });
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
