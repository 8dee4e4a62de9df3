// Geometry of the traffic picture of one view: its tiers left to right (any count,
// spaced by the count), the sink ball and its scale at the right edge when the view has
// a sink, node placement, and the user's dragged node positions kept in localStorage
// under a key per view. Node order (natural or by volume) and the fold of the quietest
// nodes come from node_order.js. Pure module.

import { naturalCompare, orderNodes, foldQuietest, tierCapacity, volumeRanking, ORDERS } from './node_order.js';

export { naturalCompare };
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
export function geometry(w, h, { tiers = 3, sink = true, scaleRoom = 40 } = {}) {
  const width = Math.max(320, w | 0);
  const height = Math.max(240, h | 0);
  const n = Math.max(1, tiers | 0);
  const top = 44;                      // below the tier titles
  const floorY = height - 26;          // what falls lands on this line
  const scaleX = width - Math.max(40, scaleRoom | 0); // scale line; its tick labels right of it
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

/** Evenly spaced auto position of item i of n between lo and hi. */
export function spread(i, n, lo, hi) {
  return lo + ((i + 1) * (hi - lo)) / (n + 1);
}

export class Layout {
  /**
   * @param {object} opts
   * @param {object} opts.view            a normalized view (views.js): its tiers and sink
   * @param {Storage|null} opts.storage   localStorage-like (getItem/setItem/removeItem) or null
   * @param {number} [opts.maxPerTier]    nodes a tier draws before folding the quietest;
   *                                      0: as many as fit (tierCapacity), at least 60
   * @param {string} [opts.order]         'natural' (mta2 before mta10) or 'volume'
   */
  constructor({ view, storage = null, maxPerTier = 0, order = 'natural' }) {
    this.storage = storage;
    this.viewId = view.id;
    this.key = storageKey(view.id);
    this.maxPerTier = maxPerTier;
    this.order = ORDERS.includes(order) ? order : 'natural';
    this.ranking = null;                   // volume order: the ranking taken when it was chosen
    this.tiers = view.tiers.map((t) => t.name);
    this.tierTitles = view.tiers.map((t) => t.title);
    this.hasSink = !!view.sink;
    this.tierIndex = new Map(this.tiers.map((t, i) => [t, i]));
    this.byTier = new Map(this.tiers.map((t) => [t, new Map()]));
    this.lists = new Map(this.tiers.map((t) => [t, []]));   // every real node, in drawing order
    this.shown = new Map(this.tiers.map((t) => [t, []]));   // drawn: the unfolded nodes, then the fold
    this.folds = new Map(this.tiers.map((t) => [t, null])); // the tier's fold node, once it needed one
    this.overrides = Object.create(null); // "tier:name" -> [fx, fy]
    this.links = [];                       // [{from, to}] pairs that carried traffic
    this.scaleRoom = 40;                   // px right of the scale line for its tick labels
    this.geo = geometry(1280, 720, { tiers: this.tiers.length, sink: this.hasSink });
    this.version = 0;                      // bumps when anything visible changes
    this.seq = 0;                          // order of first sight
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

  /** Nodes a tier draws before it folds its quietest. */
  limit() {
    return this.maxPerTier > 0 ? this.maxPerTier : tierCapacity(this.geo.nodeBottom - this.geo.nodeTop);
  }

  /**
   * The node for (tier, name), created on first sight; an unknown tier falls back to the
   * first one. A folded node is returned too: its x, y are its fold's, so dots go there.
   */
  ensure(tier, name) {
    let m = this.byTier.get(tier);
    if (m === undefined) { tier = this.tiers[0]; m = this.byTier.get(tier); }
    let n = m.get(name);
    if (n) return n;
    const key = typeof name === 'string' && name.length ? name : '?';
    if (key !== name) { n = m.get(key); if (n) { m.set(name, n); return n; } }
    n = this._add(tier, key);
    if (key !== name) m.set(name, n);
    return n;
  }

  /** The node ensure() made for (tier, name), or undefined; creates nothing (for the renderer). */
  node(tier, name) {
    const m = this.byTier.get(tier) || this.byTier.get(this.tiers[0]);
    return m.get(name);
  }

  _node(tier, name) {
    return {
      tier, tierIndex: this.tierIndex.get(tier), name, key: tier + ':' + name, x: 0, y: 0,
      seq: this.seq++,
      count: 0,          // events touching this node (the rate label, volume order, the fold)
      out: new Set(),    // nodes this one sent traffic to
      toSink: false,     // some dot went on from here to the sink (a line to the ball is drawn)
      folded: false,     // in its tier's fold: drawn as the fold
      isFold: false,
    };
  }

  _add(tier, name) {
    const n = this._node(tier, name);
    this.byTier.get(tier).set(name, n);
    this.lists.get(tier).push(n);
    this._arrange(tier);
    this.place();
    return n;
  }

  /** Order a tier and decide its fold; true when what is drawn changed. */
  _arrange(tier) {
    const ordered = orderNodes(this.lists.get(tier), this.order, this.ranking);
    this.lists.set(tier, ordered);
    const { shown, folded } = foldQuietest(ordered, this.limit());
    let fold = this.folds.get(tier);
    if (folded.length && !fold) {
      fold = this._node(tier, OVERFLOW_NAME);
      fold.isFold = true;
      fold.members = [];
      this.folds.set(tier, fold);
    }
    const before = this.shown.get(tier);
    const next = folded.length ? [...shown, fold] : shown;
    let changed = before.length !== next.length || before.some((n, i) => n !== next[i]);
    if (fold) {
      if (fold.members.length !== folded.length || fold.members.some((n, i) => n !== folded[i])) changed = true;
      fold.members = folded;
    }
    for (const n of shown) n.folded = false;
    for (const n of folded) n.folded = true;
    this.shown.set(tier, next);
    return changed;
  }

  /**
   * Look again at which nodes are the quietest (counts move on): the fold is re-decided.
   * Called every few seconds, not per event, so nodes do not flicker in and out of it.
   */
  refold() {
    let changed = false;
    for (const t of this.tiers) if (this.folds.get(t) || this.lists.get(t).length > this.limit()) changed = this._arrange(t) || changed;
    if (changed) this.place();
    return changed;
  }

  /** 'natural' or 'volume' (ranked by the counts as they are now). */
  setOrder(mode) {
    this.order = ORDERS.includes(mode) ? mode : 'natural';
    this.ranking = this.order === 'volume' ? volumeRanking(this.allNodes()) : null;
    for (const t of this.tiers) this._arrange(t);
    this.place();
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
    if (w !== undefined) {
      const limit = this.limit();
      this.geo = geometry(w, h, { tiers: this.tiers.length, sink: this.hasSink, scaleRoom: this.scaleRoom });
      if (limit !== this.limit()) for (const t of this.tiers) this._arrange(t);
    }
    const g = this.geo;
    this.tiers.forEach((tier, ti) => {
      const shown = this.shown.get(tier);
      for (let i = 0; i < shown.length; i++) {
        const n = shown[i];
        const o = this.overrides[n.key];
        if (o) {
          n.x = Math.round(o[0] * g.width);
          n.y = Math.round(o[1] * g.height);
        } else {
          n.x = g.tierX[ti];
          n.y = Math.round(spread(i, shown.length, g.nodeTop, g.nodeBottom));
        }
      }
      const fold = this.folds.get(tier);
      if (fold) for (const n of fold.members) { n.x = fold.x; n.y = fold.y; }
    });
    this.version++;
  }

  /** Pixels between two rows of a tier as drawn now. */
  rowSpacing(tier) {
    const g = this.geo;
    return (g.nodeBottom - g.nodeTop) / (this.shown.get(tier).length + 1);
  }

  /** The user dragged a node to pixel (x, y): keep it (as a fraction of the picture). */
  moveNode(node, x, y, persist = true) {
    const g = this.geo;
    const fx = clamp01(x / g.width), fy = clamp01(y / g.height);
    this.overrides[node.key] = [round4(fx), round4(fy)];
    node.x = Math.round(fx * g.width);
    node.y = Math.round(fy * g.height);
    if (node.isFold) for (const n of node.members) { n.x = node.x; n.y = node.y; }
    this.version++;
    if (persist) this.save();
  }

  isMoved(node) {
    return this.overrides[node.key] !== undefined;
  }

  /** Every real node (folded or not), tier by tier from left to right. */
  allNodes() {
    const out = [];
    for (const list of this.lists.values()) out.push(...list);
    return out;
  }

  /** Every node drawn now (folds included), tier by tier. */
  drawnNodes() {
    const out = [];
    for (const list of this.shown.values()) out.push(...list);
    return out;
  }
}

function clamp01(v) { return v < 0 ? 0 : v > 1 ? 1 : v; }
function round4(v) { return Math.round(v * 10000) / 10000; }
