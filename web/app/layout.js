// Geometry of the traffic picture of one view: its tiers left to right (any count,
// spaced by the count), the sink ball and its scale at the right edge when the view has
// a sink, node placement, and the user's dragged node positions kept in localStorage
// under a key per view. Pure module.

export const STORAGE_PREFIX = 'tapemeasure.layout.v2:';
export const OVERFLOW_NAME = '\u2026more';

/** localStorage key of one view's dragged node positions. */
export function storageKey(viewId) {
  return STORAGE_PREFIX + viewId;
}

/**
 * Fixed geometry for a picture of w x h pixels with `tiers` tiers, with or without a sink.
 * Tiers run left to right from 7.5% of the width; with a sink they end about half way,
 * leaving room for the ball and the scale on the right edge; without one they use the width.
 * The floor is a band at the bottom.
 */
export function geometry(w, h, { tiers = 3, sink = true } = {}) {
  const width = Math.max(320, w | 0);
  const height = Math.max(240, h | 0);
  const n = Math.max(1, tiers | 0);
  const top = 44;                      // below the tier titles
  const floorY = height - 26;          // what falls lands on this line
  const scaleX = width - 40;           // scale line; labels right of it
  const left = width * 0.075;
  const right = sink ? width * Math.min(0.62, 0.38 + 0.04 * n) : width * 0.9;
  const tierX = [];
  for (let i = 0; i < n; i++) tierX.push(Math.round(n === 1 ? (sink ? left + (right - left) * 0.3 : width / 2) : left + (i * (right - left)) / (n - 1)));
  const lastX = tierX[n - 1];
  let ball = null;
  if (sink) {
    const ballR = Math.round(Math.max(28, Math.min(width * 0.085, (floorY - top) * 0.24, (scaleX - lastX) * 0.3)));
    ball = { x: Math.round(lastX + (scaleX - lastX) * 0.52), y: Math.round((top + floorY) / 2), r: ballR };
  }
  return {
    width, height, top, floorY, scaleX: sink ? scaleX : null, tierX, ball,
    scaleTop: top + 6,
    scaleBottom: floorY - 10,
    nodeTop: top + 18,
    nodeBottom: floorY - 34,
  };
}

/** Natural order: node2 < node10. */
export function naturalCompare(a, b) {
  const re = /(\d+)|(\D+)/g;
  const ta = String(a).match(re) || [];
  const tb = String(b).match(re) || [];
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    const x = ta[i], y = tb[i];
    if (x === y) continue;
    const nx = /^\d/.test(x), ny = /^\d/.test(y);
    if (nx && ny) return Number(x) - Number(y) || x.length - y.length;
    return x < y ? -1 : 1;
  }
  return ta.length - tb.length;
}

/** Evenly spaced auto position of item i of n between lo and hi. */
export function spread(i, n, lo, hi) {
  return lo + ((i + 1) * (hi - lo)) / (n + 1);
}

export class Layout {
  /**
   * @param {object} opts
   * @param {object} opts.view            a normalized view (views.js): its tiers and sink
   * @param {Storage|null} opts.storage   localStorage-like (getItem/setItem/removeItem) or null
   * @param {number} opts.maxPerTier      names beyond this share one overflow node per tier
   */
  constructor({ view, storage = null, maxPerTier = 24 }) {
    this.storage = storage;
    this.viewId = view.id;
    this.key = storageKey(view.id);
    this.maxPerTier = maxPerTier;
    this.tiers = view.tiers.map((t) => t.name);
    this.tierTitles = view.tiers.map((t) => t.title);
    this.hasSink = !!view.sink;
    this.tierIndex = new Map(this.tiers.map((t, i) => [t, i]));
    this.byTier = new Map(this.tiers.map((t) => [t, new Map()]));
    this.lists = new Map(this.tiers.map((t) => [t, []]));
    this.overrides = Object.create(null); // "tier:name" -> [fx, fy]
    this.links = [];                       // [{from, to}] pairs that carried traffic
    this.geo = geometry(1280, 720, { tiers: this.tiers.length, sink: this.hasSink });
    this.version = 0;                      // bumps when anything visible changes
    this.load();
  }

  load() {
    this.overrides = Object.create(null);
    if (!this.storage) return;
    try {
      const text = this.storage.getItem(this.key);
      if (!text) return;
      const data = JSON.parse(text);
      const nodes = data && data.nodes;
      if (nodes && typeof nodes === 'object') {
        for (const k of Object.keys(nodes)) {
          const v = nodes[k];
          if (Array.isArray(v) && v.length === 2 && Number.isFinite(v[0]) && Number.isFinite(v[1])) {
            this.overrides[k] = [clamp01(v[0]), clamp01(v[1])];
          }
        }
      }
    } catch (_) { /* corrupt or unavailable storage: start fresh */ }
  }

  save() {
    if (!this.storage) return;
    try {
      this.storage.setItem(this.key, JSON.stringify({ v: 2, nodes: this.overrides }));
    } catch (_) { /* quota or privacy mode: positions just are not kept */ }
  }

  /** Forget every dragged position (storage too) and place nodes automatically. */
  reset() {
    this.overrides = Object.create(null);
    if (this.storage) {
      try { this.storage.removeItem(this.key); } catch (_) { /* ignore */ }
    }
    this.place();
  }

  /** x of a tier's column. */
  tierX(tier) {
    return this.geo.tierX[this.tierIndex.get(tier)];
  }

  get(tier, name) {
    const m = this.byTier.get(tier);
    return m ? m.get(name) : undefined;
  }

  /** Find a node by name in any tier (left to right). */
  find(name) {
    for (const m of this.byTier.values()) {
      const n = m.get(name);
      if (n) return n;
    }
    return undefined;
  }

  /**
   * The node for (tier, name), created on first sight. Names beyond maxPerTier map to
   * one overflow node of the tier. An unknown tier falls back to the first one.
   */
  ensure(tier, name) {
    let m = this.byTier.get(tier);
    if (m === undefined) { tier = this.tiers[0]; m = this.byTier.get(tier); }
    let n = m.get(name);
    if (n) return n;
    const key = typeof name === 'string' && name.length ? name : '?';
    if (key !== name) { n = m.get(key); if (n) { m.set(name, n); return n; } }
    const list = this.lists.get(tier);
    if (list.length >= this.maxPerTier) {
      let of = m.get(OVERFLOW_NAME);
      if (!of) of = this._add(tier, OVERFLOW_NAME);
      of.aliases++;
      m.set(key, of);
      if (key !== name) m.set(name, of);
      return of;
    }
    n = this._add(tier, key);
    if (key !== name) m.set(name, n);
    return n;
  }

  _add(tier, name) {
    const n = {
      tier, tierIndex: this.tierIndex.get(tier), name, key: tier + ':' + name, x: 0, y: 0, aliases: 0,
      count: 0,          // events touching this node (for the rate label)
      out: new Set(),    // nodes this one sent traffic to
      toSink: false,     // some dot went on from here to the sink (a line to the ball is drawn)
      view: null,        // scene-owned visuals
    };
    this.byTier.get(tier).set(name, n);
    const list = this.lists.get(tier);
    list.push(n);
    list.sort((a, b) => (a.name === OVERFLOW_NAME) - (b.name === OVERFLOW_NAME) || naturalCompare(a.name, b.name));
    this.place();
    return n;
  }

  /** Remember that traffic flows from node a to node b (an edge is drawn). No allocation once known. */
  link(a, b) {
    if (a === b || a.out.has(b)) return;
    a.out.add(b);
    this.links.push({ from: a, to: b });
    this.version++;
  }

  hasLink(a, b) {
    return a.out.has(b);
  }

  /** Recompute every node's pixel position for the current (or given) size. */
  place(w, h) {
    if (w !== undefined) this.geo = geometry(w, h, { tiers: this.tiers.length, sink: this.hasSink });
    const g = this.geo;
    this.tiers.forEach((tier, ti) => {
      const list = this.lists.get(tier);
      for (let i = 0; i < list.length; i++) {
        const n = list[i];
        const o = this.overrides[n.key];
        if (o) {
          n.x = Math.round(o[0] * g.width);
          n.y = Math.round(o[1] * g.height);
        } else {
          n.x = g.tierX[ti];
          n.y = Math.round(spread(i, list.length, g.nodeTop, g.nodeBottom));
        }
      }
    });
    this.version++;
  }

  /** The user dragged a node to pixel (x, y): keep it (as a fraction of the picture). */
  moveNode(node, x, y, persist = true) {
    const g = this.geo;
    const fx = clamp01(x / g.width), fy = clamp01(y / g.height);
    this.overrides[node.key] = [round4(fx), round4(fy)];
    node.x = Math.round(fx * g.width);
    node.y = Math.round(fy * g.height);
    this.version++;
    if (persist) this.save();
  }

  isMoved(node) {
    return this.overrides[node.key] !== undefined;
  }

  /** Every node, tier by tier from left to right. */
  allNodes() {
    const out = [];
    for (const list of this.lists.values()) out.push(...list);
    return out;
  }
}

function clamp01(v) { return v < 0 ? 0 : v > 1 ? 1 : v; }
function round4(v) { return Math.round(v * 10000) / 10000; }
