// The dots: one per event drawn, flying along its trajectory (trajectory.js: the pure
// maths, under node tests), from a per-colour Blitter whose Bobs are recycled through a
// free-list (dotpool.js), so nothing is allocated per event. Reads the layout's nodes (the
// model made them when the event arrived); writes only the renderer's own counters.
//
// Phaser 4: the Canvas renderer ignores tint, so every colour has its own texture, made
// the first time the colour is used; each Blitter's render list is its pool's dense array
// of live Bobs (no per-frame filter); own motion code instead of a tween per dot.

import { DotPool } from './dotpool.js';
import { scaleToY } from './scale.js';
import { trajectory, MAX_POINTS } from './trajectory.js';
import { eventNodes } from '../model/traffic.js';
import { rgba } from './colour_css.js';

export const DOT = 10;           // dot texture size (px)
export const HALF = DOT / 2;
const MAX_DOTS = 9000;           // across all colours
export const MOVING = 0, HELD = 1, RESTING = 2;
const STATE_NAMES = ['moving', 'held', 'resting'];
const HOLD_MS = 700;             // a type that stays at its node (from == to tier) pulses this long

const dotKey = (colour) => 'dot-' + (colour >>> 0).toString(16).padStart(6, '0');

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

export class Dots {
  /**
   * @param {Phaser.Scene} scene  where the Blitters are added
   * @param {object} state        the store's state: ui (hidden, speed), render and traffic counters
   */
  constructor(scene, state) {
    this.scene = scene;
    this.state = state;
    this.counters = state.render;
    this.notDrawn = state.traffic.notDrawn;
    this.slots = new Map();      // colour -> {colour, pool, blitter}
    this.slotList = [];
    this.total = 0;
    this.round = true;           // whole-pixel dots: a cheaper blit on the Canvas renderer
    this.layout = null;
    this.styles = null;
    this.view = null;
    this.ends = { a: undefined, b: undefined };   // reused: the nodes of the event spawned
    this.spawnedSince = 0;       // for dots/s
    this.spawn = this.spawn.bind(this);            // handed to the arrival queue each frame
  }

  /** The view whose events are drawn now (the caller clears the old dots first). */
  setView(view, layout, styles) {
    this.view = view;
    this.layout = layout;
    this.styles = styles;
    for (const c of styles.colours()) this.slot(c);
  }

  /** The texture, Blitter and pool of a colour: made once, the first time the colour is used. */
  slot(colour) {
    let s = this.slots.get(colour);
    if (s !== undefined) return s;
    const scene = this.scene;
    const key = dotKey(colour);
    if (!scene.textures.exists(key)) {
      const tex = scene.textures.createCanvas(key, DOT, DOT);
      const ctx = tex.getContext();
      ctx.clearRect(0, 0, DOT, DOT);
      ctx.fillStyle = rgba(colour, 0.28);
      ctx.beginPath(); ctx.arc(HALF, HALF, HALF, 0, Math.PI * 2); ctx.fill();
      ctx.fillStyle = rgba(colour, 1);
      ctx.beginPath(); ctx.arc(HALF, HALF, 3.2, 0, Math.PI * 2); ctx.fill();
      tex.refresh();
    }
    const blitter = scene.add.blitter(0, 0, key).setDepth(10);
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
    const c = this.counters, nd = this.notDrawn;
    const type = ev.type;
    if (this.state.ui.hidden.has(type)) { nd.hiddenType++; return; }
    if (this.total >= MAX_DOTS || !this.layout) { nd.poolFull++; return; }
    const style = this.styles.of(type);
    const ends = this.ends;
    if (!eventNodes(this.layout, style, ev, ends)) { nd.noView++; return; }
    const d = this.slot(style.colour).pool.acquire();
    if (d === null) { nd.poolFull++; return; }
    this.total++;
    const a = ends.a, b = ends.b;
    const g = this.layout.geo;
    const px = d.px, py = d.py;
    const jx = (Math.random() - 0.5) * 8;
    const jy = (Math.random() - 0.5) * 10;
    let then = style.then;
    if (then === 'sink' && !g.ball) then = 'stop';
    const path = trajectory({
      a, b, then, between: b === a ? [] : this.tiersBetween(a, b), floorY: g.floorY, width: g.width, jx, jy,
      sink: then === 'sink' ? { x: g.scaleX - 3, y: scaleToY(ev[this.view.sink.scale.field], this.view.sink.scale, g.scaleTop, g.scaleBottom) } : null,
    });
    const n = Math.min(path.px.length, MAX_POINTS);
    for (let i = 0; i < n; i++) { px[i] = path.px[i]; py[i] = path.py[i]; }
    d.nseg = n - 1;
    d.fall = path.fall;
    d.fade = path.fade;
    // segment end times (ms at speed 1): constant ground speed (the width of the picture
    // in ~2.4 s), falls a bit faster
    if (path.hold) {
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
    d.age = lag * this.state.ui.speed;
    d.view.alpha = 1;
    this.place(d);
    c.dotsDrawn++;
    const dr = c.drawnByType, ac = c.activeByType;
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
    if (this.round) {
      view.x = Math.round(x - HALF);
      view.y = Math.round(y - HALF);
    } else {
      view.x = x - HALF;
      view.y = y - HALF;
    }
    view.alpha = age > end ? 1 - (age - end) / d.fade : 1;
    return true;
  }

  /**
   * Move every dot on by one frame: `dt` ms of travel (0 while paused), `step` ms of wall
   * time (a dropped dot rests that long). Returns the dots alive; `onRelease(d)` for each
   * that goes (the scene forgets it if held or selected).
   */
  advance(dt, step, paused, onRelease) {
    let active = 0;
    const slots = this.slotList;
    for (let k = 0; k < slots.length; k++) {
      const act = slots[k].pool.active;
      for (let i = act.length - 1; i >= 0; i--) {
        const d = act[i];
        if (d.state === MOVING) {
          d.age += dt;
          if (!this.place(d)) { onRelease(d); this.release(d); }
        } else if (d.state === RESTING) {
          if (!paused) d.rest -= step;
          if (d.rest <= 0) { onRelease(d); this.release(d); } else d.view.alpha = d.rest < 500 ? d.rest / 500 : 1;
        }
      }
      active += act.length;
    }
    return active;
  }

  release(d) {
    d.ev = null;
    d.view.x = -DOT; d.view.y = -DOT;
    d.slot.pool.release(d);
    this.counters.activeByType[d.type]--;
    this.total--;
  }

  /** Every live dot, newest last, that matches `keep(d)` goes. */
  releaseWhere(keep, onRelease) {
    for (const s of this.slotList) {
      const act = s.pool.active;
      for (let i = act.length - 1; i >= 0; i--) if (keep(act[i])) { onRelease(act[i]); this.release(act[i]); }
    }
  }

  /** Put a dot at (x, y) (it is being dragged, or was dropped there). */
  moveTo(d, x, y) {
    d.x = x; d.y = y;
    d.view.x = x - HALF; d.view.y = y - HALF;
  }

  /** The live dot nearest to (x, y) within r pixels, or null. */
  at(x, y, r = 10) {
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

  /** For tests: live dots in world coordinates (optionally of one type). */
  list(limit = 50, type = null) {
    const out = [];
    for (const s of this.slotList) {
      const act = s.pool.active;
      for (let i = 0; i < act.length && out.length < limit; i++) {
        const d = act[i];
        if (type && d.type !== type) continue;
        out.push({ type: d.type, x: d.x, y: d.y, state: STATE_NAMES[d.state], alpha: d.view.alpha });
      }
    }
    return out;
  }
}
