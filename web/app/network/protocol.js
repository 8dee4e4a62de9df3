// Wire protocol of WebSocket /ws (DESIGN.md "WebSocket /ws", docs/views.md).
// Pure module: no DOM, no Phaser, so node's test runner can import it.
//
// server -> client  {"seq":N,"events":[...],"dropped":N}   about every 16 ms
//                   {"stats":{...}}                          once a second
//                   {"view":{"views":[...],"palette":[...],"metrics":[...]}}
//                                                            on connect and after a reload
// client -> server  {"filter":{"types":[...]}}  types still wanted;
//                   {"filter":{}}               no filter (every type wanted)
//                   {"max_rate":N}

import { normalizeCompare } from '../model/compare.js';

function finiteOr(v, dflt) {
  const n = typeof v === 'number' ? v : (typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN);
  return Number.isFinite(n) ? n : dflt;
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Parse one text frame. Never throws.
 * Returns one of
 *   {kind:'batch', seq:number|null, events:object[], dropped:number, boot?:string}
 *   {kind:'stats', stats:NormalizedStats}
 *   {kind:'view', view:object}            the frame's view object as sent (see views.js)
 *   {kind:'invalid', error:string}
 * plus `daemon` (the sending daemon's --name) when the frame carries one.
 * Events that are not objects are discarded; an event without a string `type`
 * gets type "unknown" (drawn in a palette colour, never dropped).
 */
export function parseMessage(text) {
  let msg;
  try {
    msg = JSON.parse(text);
  } catch (e) {
    return { kind: 'invalid', error: 'not JSON: ' + String(e && e.message || e) };
  }
  if (!isObject(msg)) return { kind: 'invalid', error: 'not a JSON object' };
  const out = parseObject(msg);
  // Several boxes: a daemon started with --name tags every frame with it (DESIGN.md).
  if (out.kind !== 'invalid' && typeof msg.daemon === 'string' && msg.daemon !== '') out.daemon = msg.daemon;
  return out;
}

function parseObject(msg) {
  if (msg.stats !== undefined) return { kind: 'stats', stats: normalizeStats(msg.stats) };
  if (msg.view !== undefined) {
    if (!isObject(msg.view)) return { kind: 'invalid', error: 'view is not an object' };
    return { kind: 'view', view: msg.view };
  }
  if (Array.isArray(msg.events) || msg.seq !== undefined || msg.dropped !== undefined) {
    const raw = Array.isArray(msg.events) ? msg.events : [];
    let events = raw;
    // Only copy the array if something in it needs fixing (the usual frame is clean).
    for (let i = 0; i < raw.length; i++) {
      if (!isObject(raw[i])) {
        events = raw.filter(isObject);
        break;
      }
    }
    for (let i = 0; i < events.length; i++) {
      if (typeof events[i].type !== 'string') events[i].type = 'unknown';
    }
    const seq = finiteOr(msg.seq, null);
    const dropped = Math.max(0, finiteOr(msg.dropped, 0));
    const out = { kind: 'batch', seq, events, dropped };
    // the first frame of a connection names the daemon's run (wherever the key sits)
    if (typeof msg.boot === 'string' && msg.boot !== '') out.boot = msg.boot;
    return out;
  }
  return { kind: 'invalid', error: 'neither an event batch, a stats frame nor a view' };
}

function numberMap(obj) {
  const out = {};
  if (isObject(obj)) {
    for (const k of Object.keys(obj)) {
      const v = finiteOr(obj[k], null);
      if (v !== null) out[k] = v;
    }
  }
  return out;
}

/** {row: {col: n}} with only finite numbers kept (and rows that keep any). */
export function numberMatrix(obj) {
  const out = {};
  if (!isObject(obj)) return out;
  for (const r of Object.keys(obj)) {
    const row = numberMap(obj[r]);
    if (Object.keys(row).length) out[r] = row;
  }
  return out;
}

const str = (v) => (typeof v === 'string' ? v : '');

/** One share of a stats second: {view, title, metric, rows, cols, counts, omitted}. */
function normalizeShare(s) {
  return {
    view: str(s.view), title: str(s.title), metric: str(s.metric),
    rows: str(s.rows), cols: str(s.cols),
    counts: numberMatrix(s.counts),
    omitted: Math.max(0, finiteOr(s.omitted, 0)),
  };
}

/** One ratio of a stats second: {view, title, metric, part, total}. */
function normalizeRatio(r) {
  return {
    view: str(r.view), title: str(r.title), metric: str(r.metric),
    part: Math.max(0, finiteOr(r.part, 0)),
    total: Math.max(0, finiteOr(r.total, 0)),
  };
}

/**
 * Defensive view of a stats second (docs/views.md). Every key is optional on the wire;
 * missing numbers become null (shown as "–"). Shares keep only their counts (the UI
 * recomputes shares over its window); ratios keep part and total for the same reason.
 * `metrics` and `reload` are passed through as sent (the measurements and rules panels
 * read them).
 */
export function normalizeStats(raw) {
  const s = isObject(raw) ? raw : {};
  return {
    ts: finiteOr(s.ts, null),
    linesPerS: finiteOr(s.lines_per_s, null),
    matchedPerS: finiteOr(s.matched_per_s, null),
    unmatchedPerS: finiteOr(s.unmatched_per_s, null),
    eventsPerS: finiteOr(s.events_per_s, null),
    droppedPerS: finiteOr(s.dropped_per_s, null),
    clients: finiteOr(s.clients, null),
    shares: Array.isArray(s.shares) ? s.shares.filter(isObject).map(normalizeShare) : [],
    ratios: Array.isArray(s.ratios) ? s.ratios.filter(isObject).map(normalizeRatio) : [],
    compares: Array.isArray(s.compares) ? s.compares.filter(isObject).map(normalizeCompare) : [],
    metrics: isObject(s.metrics) ? s.metrics : {},
    reload: isObject(s.reload) ? s.reload : null,
    raw: s,
  };
}

/** First octet of an IPv4 address (0-255); for IPv6 the high byte of the first group; else -1. */
export function firstOctet(ip) {
  if (typeof ip !== 'string' || ip.length === 0) return -1;
  let s = ip;
  if (s.charCodeAt(0) === 91 /* [ */) s = s.slice(1);
  const dot = s.indexOf('.');
  const colon = s.indexOf(':');
  if (dot > 0 && (colon < 0 || dot < colon)) {
    let n = 0;
    for (let i = 0; i < dot; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9 || i > 2) return -1;
      n = n * 10 + c;
    }
    return n <= 255 ? n : -1;
  }
  if (colon >= 0) {
    if (colon === 0) return 0; // "::1" and friends
    if (colon > 4) return -1;
    const group = parseInt(s.slice(0, colon), 16);
    if (!Number.isFinite(group)) return -1;
    return (group >> 8) & 0xff;
  }
  return -1;
}

/**
 * Message telling the server which types to send.
 * `wanted` is an array of types still wanted, or null for "everything" (sends {"filter":{}}).
 */
export function filterMessage(wanted) {
  if (wanted === null || wanted === undefined) return JSON.stringify({ filter: {} });
  return JSON.stringify({ filter: { types: Array.from(wanted) } });
}

export function maxRateMessage(n) {
  return JSON.stringify({ max_rate: Math.max(1, Math.floor(n)) });
}

/**
 * Types to ask the server for, given the hidden set and every type the page knows of
 * (declared by any loaded view, or seen on the wire). Returns null when nothing is
 * hidden (no filter at all, so types nobody has seen yet still arrive).
 */
export function wantedTypes(hidden, known) {
  if (!hidden || hidden.size === 0) return null;
  const out = [];
  if (known) for (const t of known) if (!hidden.has(t) && !out.includes(t)) out.push(t);
  return out;
}
