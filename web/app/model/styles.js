// How each event type of one view is drawn: colour, tiers, and what happens after the
// target (`then`). Declared types come from the view; any other type gets the next
// palette colour in order of first sight and flies from the first tier to the last.
// Also the legend's model. Pure module.

import { colourCss } from './views.js';

export class TypeStyles {
  /** @param {object} view a normalized view (views.js); @param {number[]} palette */
  constructor(view, palette) {
    this.view = view;
    this.palette = palette.length ? palette : [0x9aa4ae];
    this.byType = new Map();
    this.order = [];          // styles in legend order: declared first, then first sight
    this.version = 0;         // bumps when a type is added (the legend is rebuilt)
    this.nextPalette = 0;
    const first = view.tiers[0].name, last = view.tiers[view.tiers.length - 1].name;
    this.defaultRoute = { from: first, to: last };
    for (const t of view.types) {
      // a declared type whose colour did not parse still gets one, from the palette
      this._add({ type: t.type, colour: t.colour, from: t.from, to: t.to, then: t.then, error: t.error === true, declared: true });
    }
    for (const s of this.order) if (s.colour === null) s.colour = this._nextColour();
    for (const s of this.order) s.css = colourCss(s.colour);
  }

  _add(s) {
    this.byType.set(s.type, s);
    this.order.push(s);
    this.version++;
    return s;
  }

  /** Next palette colour, skipping those the declared types already use while any is left. */
  _nextColour() {
    const used = new Set(this.order.map((s) => s.colour));
    const n = this.palette.length;
    for (let i = 0; i < n; i++) {
      const c = this.palette[(this.nextPalette + i) % n];
      if (!used.has(c)) { this.nextPalette = (this.nextPalette + i + 1) % n; return c; }
    }
    const c = this.palette[this.nextPalette % n];
    this.nextPalette = (this.nextPalette + 1) % n;
    return c;
  }

  /** The style of a type, created (next palette colour, first -> last tier) on first sight. */
  of(type) {
    const s = this.byType.get(type);
    if (s !== undefined) return s;
    const colour = this._nextColour();
    return this._add({ type, colour, css: colourCss(colour), from: this.defaultRoute.from, to: this.defaultRoute.to, then: 'stop', error: false, declared: false });
  }

  has(type) { return this.byType.has(type); }

  /** Every colour in use (one dot texture and Blitter each). */
  colours() { return [...new Set(this.order.map((s) => s.colour))]; }

  /** Types the "squelch errors" toggle hides: the view's `error` (by default, those that return or fall). */
  errorTypes() { return this.order.filter((s) => s.error).map((s) => s.type); }

  types() { return this.order.map((s) => s.type); }

  /** Whether some type falls to the floor (the floor band and its label are drawn only then). */
  anyFalls() { return this.order.some((s) => s.then === 'fall'); }
}

/**
 * The legend: one entry per type in legend order, with whether it is hidden, and the
 * squelch toggle: shown only when some type is an error type, pressed when all are hidden.
 */
export function legendModel(styles, hidden) {
  const entries = styles.order.map((s) => ({ type: s.type, css: s.css, then: s.then, declared: s.declared, hidden: hidden.has(s.type) }));
  const errors = styles.errorTypes();
  return {
    entries,
    squelch: { shown: errors.length > 0, types: errors, pressed: errors.length > 0 && errors.every((t) => hidden.has(t)) },
  };
}
