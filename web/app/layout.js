// Geometry of the traffic view: tiers, node placement, first-octet scale,
// and the user's dragged node positions kept in localStorage. Pure module.

export const TIERS = Object.freeze(['ingress', 'mta', 'proxy']);
export const TIER_TITLES = Object.freeze({ ingress: 'INGRESS', mta: 'MTAs', proxy: 'RELAYS', internet: 'INTERNET' });
export const STORAGE_KEY = 'tapemeasure.layout.v1';
export const OVERFLOW_NAME = '\u2026more';

/** Tiers of the two ends of an event of this kind, or null (other types: resolved by name). */
export function routeTiers(kind) {
  switch (kind) {
    case 'inbound': return ROUTE_IN;
    case 'relay':
    case 'delivered':
    case 'transient':
    case 'permanent': return ROUTE_OUT;
    default: return null;
  }
}
const ROUTE_IN = Object.freeze(['ingress', 'mta']);
const ROUTE_OUT = Object.freeze(['mta', 'proxy']);

/**
 * Fixed geometry for a view of w x h pixels.
 * Tiers run left to right; the Internet ball sits between the relays and the
 * first-octet scale on the right edge; the floor is a band at the bottom.
 */
export function geometry(w, h) {
  const width = Math.max(320, w | 0);
  const height = Math.max(240, h | 0);
  const top = 44;                      // below the tier titles
  const floorY = height - 26;          // permanent failures fall onto this line
  const scaleX = width - 40;           // octet scale line; labels right of it
  const tierX = {
    ingress: Math.round(width * 0.075),
    mta: Math.round(width * 0.27),
    proxy: Math.round(width * 0.50),
  };
  const ballR = Math.round(Math.max(28, Math.min(width * 0.085, (floorY - top) * 0.24)));
  const ball = { x: Math.round(tierX.proxy + (scaleX - tierX.proxy) * 0.52), y: Math.round((top + floorY) / 2), r: ballR };
  return {
    width, height, top, floorY, scaleX, tierX, ball,
    scaleTop: top + 6,
    scaleBottom: floorY - 10,
    nodeTop: top + 18,
    nodeBottom: floorY - 34,
  };
}

/** y of a first octet on the scale: 255 at the top, 0 at the bottom; -1 (unknown) -> middle. */
export function octetToY(octet, top, bottom) {
  if (!(octet >= 0)) return (top + bottom) / 2;
  const o = octet > 255 ? 255 : octet;
  return bottom - (o / 255) * (bottom - top);
}

/** Inverse of octetToY (for the scale labels and tests). */
export function yToOctet(y, top, bottom) {
  const f = (bottom - y) / (bottom - top);
  return Math.round(Math.min(1, Math.max(0, f)) * 255);
}

/** Natural order: mta2 < mta10. */
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
   * @param {Storage|null} opts.storage  localStorage-like (getItem/setItem/removeItem) or null
   * @param {number} opts.maxPerTier      names beyond this share one overflow node per tier
   */
  constructor({ storage = null, maxPerTier = 24, key = STORAGE_KEY } = {}) {
    this.storage = storage;
    this.key = key;
    this.maxPerTier = maxPerTier;
    this.byTier = { ingress: new Map(), mta: new Map(), proxy: new Map() };
    this.lists = { ingress: [], mta: [], proxy: [] };
    this.overrides = Object.create(null); // "tier:name" -> [fx, fy]
    this.links = [];                       // [{from, to}] pairs that carried traffic
    this.geo = geometry(1280, 720);
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
      this.storage.setItem(this.key, JSON.stringify({ v: 1, nodes: this.overrides }));
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

  get(tier, name) {
    const m = this.byTier[tier];
    return m ? m.get(name) : undefined;
  }

  /** Find a node by name in any tier (ingress, then mta, then proxy). */
  find(name) {
    for (const t of TIERS) {
      const n = this.byTier[t].get(name);
      if (n) return n;
    }
    return undefined;
  }

  /**
   * The node for (tier, name), created on first sight. Names beyond maxPerTier map to
   * one overflow node of the tier. Returns the node; `node.created` is true exactly
   * on the call that created it (reset by the caller via takeCreated()).
   */
  ensure(tier, name) {
    const m = this.byTier[tier];
    let n = m.get(name);
    if (n) return n;
    const key = typeof name === 'string' && name.length ? name : '?';
    if (key !== name) { n = m.get(key); if (n) { m.set(name, n); return n; } }
    const list = this.lists[tier];
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
      tier, name, key: tier + ':' + name, x: 0, y: 0, aliases: 0,
      count: 0,          // events touching this node (for the rate label)
      out: new Set(),    // nodes this one sent traffic to
      created: true,     // consumer clears this after creating visuals
      view: null,        // scene-owned visuals
    };
    this.byTier[tier].set(name, n);
    const list = this.lists[tier];
    list.push(n);
    list.sort((a, b) => sortRank(a.name) - sortRank(b.name) || naturalCompare(a.name, b.name));
    this.place();
    return n;
  }

  /** Remember that traffic flows from node a to node b (an edge is drawn). No allocation once known. */
  link(a, b) {
    if (a.out.has(b)) return;
    a.out.add(b);
    this.links.push({ from: a, to: b });
    this.version++;
  }

  hasLink(a, b) {
    return a.out.has(b);
  }

  /** Recompute every node's pixel position for the current (or given) size. */
  place(w, h) {
    if (w !== undefined) this.geo = geometry(w, h);
    const g = this.geo;
    for (const tier of TIERS) {
      const list = this.lists[tier];
      for (let i = 0; i < list.length; i++) {
        const n = list[i];
        const o = this.overrides[n.key];
        if (o) {
          n.x = Math.round(o[0] * g.width);
          n.y = Math.round(o[1] * g.height);
        } else {
          n.x = g.tierX[tier];
          n.y = Math.round(spread(i, list.length, g.nodeTop, g.nodeBottom));
        }
      }
    }
    this.version++;
  }

  /** The user dragged a node to pixel (x, y): keep it (as a fraction of the view). */
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

  allNodes() {
    return [...this.lists.ingress, ...this.lists.mta, ...this.lists.proxy];
  }
}

/** "none" (no relay) and the overflow node go after the named nodes of a tier. */
function sortRank(name) {
  return name === OVERFLOW_NAME ? 2 : name === 'none' ? 1 : 0;
}

function clamp01(v) { return v < 0 ? 0 : v > 1 ? 1 : v; }
function round4(v) { return Math.round(v * 10000) / 10000; }
