// Events as they arrive: counted by type and by view, routed to their view by their rule,
// recorded in that view's layout (nodes, links and counts exist in the model whether or not
// a dot is ever drawn, in the view drawn or another), and the current view's queued for the
// renderer. Also the rates the
// top bar, the legend and the node labels show. Pure module: the store, the catalog and
// the queue are passed in; no DOM.

import { RateMeter, oneInN } from './rates.js';

const fieldString = (v) => (typeof v === 'string' && v.length ? v : typeof v === 'number' ? String(v) : '?');

/** Node names an event touches: [from, to] (a type that stays at its node has from == to). */
function endpointNames(style, ev) {
  const same = style.from === style.to;
  const from = fieldString(same && ev.from === undefined ? ev.to : ev.from);
  return [from, same ? from : fieldString(ev.to)];
}

/** Several daemons: the names of those whose events touched a node (a node is keyed by name). */
function tagDaemon(node, name) {
  if (node.daemons === undefined) node.daemons = new Set();
  node.daemons.add(name);
}

/**
 * Record one event in its view's layout: its nodes on first sight, their counts, the link
 * between them, which daemon saw them, and whether the target sends on to the sink.
 */
export function recordEvent(layout, style, ev, daemonName = null) {
  const [fromName, toName] = endpointNames(style, ev);
  const a = layout.ensure(style.from, fromName);
  const b = style.from === style.to ? a : layout.ensure(style.to, toName);
  a.count++;
  if (b !== a) b.count++;
  layout.link(a, b);
  if (daemonName !== null) { tagDaemon(a, daemonName); if (b !== a) tagDaemon(b, daemonName); }
  if (style.then === 'sink' && layout.hasSink && !b.toSink) { b.toSink = true; layout.version++; }
}

/**
 * The nodes an event recorded touches, without creating any (the renderer reads, it does
 * not write): out.a, out.b, or false when the layout does not hold them (it was replaced).
 */
export function eventNodes(layout, style, ev, out) {
  const [fromName, toName] = endpointNames(style, ev);
  out.a = layout.node(style.from, fromName);
  out.b = style.from === style.to ? out.a : layout.node(style.to, toName);
  return out.a !== undefined && out.b !== undefined;
}

/** Per-node events/s since the last call (the labels and the fold list show them). */
export function updateNodeRates(layout, dtMs) {
  if (!(dtMs > 0)) return;
  for (const list of layout.lists.values()) {
    for (const n of list) {
      n.rate = ((n.count - (n.lastCount || 0)) * 1000) / dtMs;
      n.lastCount = n.count;
    }
  }
  for (const fold of layout.folds.values()) if (fold) fold.rate = fold.members.reduce((a, m) => a + m.rate, 0);
}

export class Traffic {
  /**
   * @param {Store} store
   * @param {ViewCatalog} catalog
   * @param {ArrivalQueue} queue  what the renderer draws from
   */
  constructor(store, catalog, queue) {
    this.store = store;
    this.catalog = catalog;
    this.queue = queue;
    this.typesSeen = new Set();
    this.eventsMeter = new RateMeter();
    this.droppedMeter = new RateMeter();
    this.lastTypeCounts = new Map();
    this.drawable = [];           // reused per batch: the events of the current view
    this.legendVersion = -1;      // the styles' version the legend last showed
  }

  /**
   * One frame's events from one daemon (`daemonName` when several are watched, else null).
   * `hiddenTab`: the page is not visible, so nothing is queued (no pile-up to draw later).
   */
  onBatch(events, { dropped = 0, daemonName = null, now = 0, hiddenTab = false } = {}) {
    const s = this.store.state;
    const tr = s.traffic, views = s.views;
    const n = events.length;
    tr.eventsReceived += n;
    tr.dropped += dropped;
    this.eventsMeter.add(n, now);
    this.droppedMeter.add(dropped, now);
    const rbt = tr.receivedByType, rbv = tr.receivedByView, nd = tr.notDrawn;
    const current = views.current ? views.current.id : null;
    const set = views.set;
    const routes = set ? set.ruleToView : null;
    const drawable = this.drawable;
    drawable.length = 0;
    for (let i = 0; i < n; i++) {
      const ev = events[i];
      const t = ev.type;
      if (rbt[t] === undefined) {
        rbt[t] = 0;
        if (!this.typesSeen.has(t)) { this.typesSeen.add(t); tr.typesSeen.push(t); }
      }
      rbt[t]++;
      const vid = routes !== null ? routes.get(ev.rule) : undefined;
      if (vid === undefined) { nd.noView++; continue; }
      rbv[vid] = (rbv[vid] || 0) + 1;
      if (vid !== current) {
        // its colour is settled in order of first sight, its nodes are there when its tab is
        recordEvent(this.catalog.layoutOf(vid) || this.catalog.layoutFor(set.byId.get(vid)), this.catalog.stylesOf(vid).of(t), ev, daemonName);
        nd.otherView++;
        continue;
      }
      recordEvent(views.layout, views.styles.of(t), ev, daemonName);
      drawable.push(ev);
    }
    if (views.styles && views.styles.version !== this.legendVersion) {
      this.legendVersion = views.styles.version;
      this.store.notify('legend');
    }
    const m = drawable.length;
    if (m === 0) return;
    if (hiddenTab) { nd.hiddenTab += m; return; }
    if (s.ui.paused) { nd.paused += m; return; }
    this.queue.pushBatch(drawable, now);
    drawable.length = 0;
  }

  /** The legend was redrawn for these styles (a view change redraws it too). */
  legendShown(styles) { this.legendVersion = styles ? styles.version : -1; }

  /** Rates over the last seconds, every refresh (`dt` seconds since the last). */
  tick(now, dt) {
    const s = this.store.state;
    const tr = s.traffic;
    const styles = s.views.styles;
    if (dt > 0 && styles) {
      const counts = new Map();
      for (const t of styles.types()) {
        const c = tr.receivedByType[t] || 0;
        counts.set(t, c);
        const r = (c - (this.lastTypeCounts.get(t) ?? c)) / dt;
        const old = tr.typeRates.get(t) || 0;
        tr.typeRates.set(t, old + (r - old) * 0.35);
      }
      this.lastTypeCounts = counts;
    }
    tr.eventsPerSecond = Math.round(this.eventsMeter.rate(now));
    tr.droppedPerSecond = Math.round(this.droppedMeter.rate(now));
    tr.oneInN = oneInN(tr.eventsPerSecond, tr.droppedPerSecond);
    tr.notDrawn.stale = this.queue.stale;
    tr.notDrawn.overflow = this.queue.overflowed;
    tr.notDrawn.behind = this.queue.behind;
  }
}
