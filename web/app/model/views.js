// The view frame ({"view": {...}} and GET /api/view, docs/views.md) made safe to draw:
// every field checked, colours turned into numbers, defaults filled in, and the map
// from rule name to view that routes each event. Pure module.
//
// The UI knows no domain: whatever tiers, types, sink, shares and ratios it draws come
// from here, so a new kind of traffic is a YAML edit, never a change in web/.

/** The documented palette (docs/views.md), used when a frame carries none. */
export const DEFAULT_PALETTE = Object.freeze(['#4c9aff', '#3fb950', '#f2cc60', '#ff5a52', '#bc8cff', '#f0883e', '#39c5cf', '#f778ba', '#9aa4ae']);
/** Colour names a rule file may use; the daemon resolves them, this is for a frame that did not. */
const COLOUR_NAMES = Object.freeze({
  blue: 0x4c9aff, green: 0x3fb950, yellow: 0xf2cc60, red: 0xff5a52, purple: 0xbc8cff,
  orange: 0xf0883e, cyan: 0x39c5cf, pink: 0xf778ba, grey: 0x9aa4ae, gray: 0x9aa4ae,
});
export const THENS = Object.freeze(['stop', 'sink', 'return', 'fall']);
export const SCALE_KINDS = Object.freeze(['octet', 'linear', 'log']);

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v, dflt = '') => (typeof v === 'string' && v.length ? v : dflt);
const num = (v, dflt) => (typeof v === 'number' && Number.isFinite(v) ? v : dflt);
const strings = (v) => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);

/** "#rrggbb" (or a palette name) -> 0xRRGGBB, or null when it is neither. */
export function parseColour(c) {
  if (typeof c !== 'string') return null;
  const m = /^#([0-9a-f]{6})$/i.exec(c.trim());
  if (m) return parseInt(m[1], 16);
  const named = COLOUR_NAMES[c.trim().toLowerCase()];
  return named === undefined ? null : named;
}

export function colourCss(rgb) {
  return '#' + (rgb >>> 0).toString(16).padStart(6, '0');
}

function normalizeScale(raw) {
  const s = isObject(raw) ? raw : {};
  const kind = SCALE_KINDS.includes(s.kind) ? s.kind : 'octet';
  let min = num(s.min, kind === 'octet' ? 0 : kind === 'log' ? 1 : 0);
  let max = num(s.max, kind === 'octet' ? 255 : min + 1);
  if (kind === 'octet') { min = 0; max = 255; }
  if (kind === 'log' && min <= 0) min = 1;
  if (!(max > min)) max = kind === 'log' ? min * 10 : min + 1;
  return { field: str(s.field), kind, min, max };
}

function normalizeView(raw, index) {
  const v = isObject(raw) ? raw : {};
  const id = str(v.id, 'view' + (index + 1));
  let tiers = (Array.isArray(v.tiers) ? v.tiers : []).filter(isObject)
    .map((t) => ({ name: str(t.name), title: str(t.title, str(t.name).toUpperCase()) }))
    .filter((t, i, all) => t.name && all.findIndex((u) => u.name === t.name) === i);
  if (!tiers.length) tiers = [{ name: 'from', title: 'FROM' }, { name: 'to', title: 'TO' }];
  const tierNames = tiers.map((t) => t.name);
  const first = tierNames[0], last = tierNames[tierNames.length - 1];
  const sink = isObject(v.sink) ? { title: str(v.sink.title, 'sink'), scale: normalizeScale(v.sink.scale) } : null;
  const types = [];
  for (const t of (Array.isArray(v.types) ? v.types : [])) {
    if (!isObject(t) || !str(t.type) || types.some((u) => u.type === t.type)) continue;
    const from = tierNames.includes(t.from) ? t.from : first;
    const to = tierNames.includes(t.to) ? t.to : (t.to === undefined ? from : last);
    let then = THENS.includes(t.then) ? t.then : 'stop';
    if (then === 'sink' && !sink) then = 'stop';   // nothing flies into a sink nobody declared
    // `error` from the view; a daemon from before it: the types that return or fall.
    const error = typeof t.error === 'boolean' ? t.error : then === 'return' || then === 'fall';
    types.push({ type: t.type, colour: parseColour(t.colour), from, to, then, error });
  }
  const shares = (Array.isArray(v.shares) ? v.shares : []).filter(isObject).map((s) => ({
    title: str(s.title, str(s.metric)), metric: str(s.metric), rows: str(s.rows), cols: str(s.cols),
    where: isObject(s.where) ? s.where : {}, fair: s.fair !== false,
  }));
  const ratios = (Array.isArray(v.ratios) ? v.ratios : []).filter(isObject).map((r) => ({
    title: str(r.title, str(r.metric)), metric: str(r.metric), label: str(r.label), part: strings(r.part),
  }));
  const compares = (Array.isArray(v.compares) ? v.compares : []).filter(isObject).map((c) => ({
    title: str(c.title, str(c.metric)), metric: str(c.metric), label: str(c.label), baseline: str(c.baseline),
  }));
  return {
    id, title: str(v.title, id), file: str(v.file), declared: v.declared !== false,
    rules: strings(v.rules), tiers, sink, types, shares, ratios, compares,
  };
}

/**
 * The whole frame: {views, palette (numbers), metrics, byId, ruleToView}.
 * Ids are made unique (a frame should never repeat one, but a drawing must not break).
 */
export function normalizeViewSet(raw) {
  const r = isObject(raw) ? raw : {};
  const views = [];
  for (const [i, v] of (Array.isArray(r.views) ? r.views : []).entries()) {
    const n = normalizeView(v, i);
    while (views.some((u) => u.id === n.id)) n.id += '_';
    views.push(n);
  }
  let palette = strings(r.palette).map(parseColour).filter((c) => c !== null);
  if (!palette.length) palette = DEFAULT_PALETTE.map(parseColour);
  const byId = new Map(views.map((v) => [v.id, v]));
  const ruleToView = new Map();
  for (const v of views) for (const rule of v.rules) if (!ruleToView.has(rule)) ruleToView.set(rule, v.id);
  return {
    views, palette, byId, ruleToView,
    metrics: Array.isArray(r.metrics) ? r.metrics.filter(isObject) : [],
  };
}

/** The view to show: the one asked for (the URL's ?view=) if loaded, else the first. */
export function chooseView(set, wantedId) {
  if (!set || !set.views.length) return null;
  return set.byId.get(wantedId) || set.views[0];
}

/** A key that changes when what the scene draws of a view (tiers, sink) changes. */
export function geometryKey(view) {
  return JSON.stringify([view.tiers.map((t) => t.name), view.sink && view.sink.scale]);
}
