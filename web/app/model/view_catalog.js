// The views the daemon declared, each with its TypeStyles (colours settled in order of first
// sight) and its Layout (nodes, links, dragged positions), kept while the view's declaration
// is unchanged so a reload of the rules does not shuffle colours or forget nodes. Writes
// state.views in the store. Pure module: storage is passed in.

import { normalizeViewSet, chooseView, geometryKey } from './views.js';
import { TypeStyles } from './styles.js';
import { Layout } from './layout.js';

export class ViewCatalog {
  /** @param {Store} store  @param {Storage|null} storage where layouts keep dragged positions */
  constructor(store, storage = null) {
    this.store = store;
    this.storage = storage;
    this.stylesByView = new Map();   // id -> {key, styles}
    this.layoutsByView = new Map();  // id -> {key, layout}
  }

  get set() { return this.store.state.views.set; }

  /** A view's TypeStyles, kept while its declaration is unchanged (keeps first-sight colours). */
  stylesFor(v) {
    const key = JSON.stringify([v.tiers, v.types, this.set.palette]);
    let e = this.stylesByView.get(v.id);
    if (!e || e.key !== key) { e = { key, styles: new TypeStyles(v, this.set.palette) }; this.stylesByView.set(v.id, e); }
    return e.styles;
  }

  /** A view's Layout, kept while its tiers and sink are unchanged (keeps nodes and links). */
  layoutFor(v) {
    const key = geometryKey(v);
    let e = this.layoutsByView.get(v.id);
    if (!e || e.key !== key) {
      e = { key, layout: new Layout({ view: v, storage: this.storage, order: this.store.state.ui.order }) };
      this.layoutsByView.set(v.id, e);
    }
    return e.layout;
  }

  /** The styles of view `id` if it is known (events of other views settle their colours). */
  stylesOf(id) {
    const e = this.stylesByView.get(id);
    return e ? e.styles : null;
  }

  /** The layout of view `id` once the page made one. */
  layoutOf(id) {
    const e = this.layoutsByView.get(id);
    return e ? e.layout : null;
  }

  /** A view object as sent (frame or api/view): the set, then the view to draw. */
  apply(raw) {
    const views = this.store.state.views;
    views.raw = raw;
    views.received++;
    views.set = normalizeViewSet(raw);
    for (const id of [...this.stylesByView.keys()]) if (!views.set.byId.has(id)) this.stylesByView.delete(id);
    for (const id of [...this.layoutsByView.keys()]) if (!views.set.byId.has(id)) this.layoutsByView.delete(id);
    for (const v of views.set.views) this.stylesFor(v);
    this.show(chooseView(views.set, views.wanted), true);
  }

  /**
   * Draw view `v`: a tab click, or the same view again after a view frame (`again`). The
   * 'view' topic is told in both cases: the renderer starts over on it.
   */
  show(v, again = false) {
    if (!v) return;
    const views = this.store.state.views;
    const layout = this.layoutFor(v), styles = this.stylesFor(v);
    const changed = views.current === null || views.current.id !== v.id || views.layout !== layout || views.styles !== styles;
    views.current = v;
    views.layout = layout;
    views.styles = styles;
    if (layout.order !== this.store.state.ui.order) layout.setOrder(this.store.state.ui.order);
    if (changed || again) this.store.notify('view');
  }

  /** The view with this id, if the set has it. */
  byId(id) {
    const set = this.set;
    return set && set.byId.has(id) ? set.byId.get(id) : null;
  }

  /** Every layout the page made (the views with traffic, and the one drawn). */
  layouts() {
    return [...this.layoutsByView.values()].map((e) => e.layout);
  }

  /** Every view's layout follows the node order the person chose. */
  setOrder(mode) {
    for (const e of this.layoutsByView.values()) e.layout.setOrder(mode);
  }

  /** Every type the page knows of: declared by a loaded view, given a style, or seen. */
  knownTypes() {
    const out = new Set();
    for (const e of this.stylesByView.values()) for (const t of e.styles.types()) out.add(t);
    for (const t of this.store.state.traffic.typesSeen) out.add(t);
    return out;
  }
}
