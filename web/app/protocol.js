// Wire protocol of WebSocket /ws (see DESIGN.md "WebSocket /ws").
// Pure module: no DOM, no Phaser, so node's test runner can import it.
//
// server -> client  {"seq":N,"events":[...],"dropped":N}   about every 16 ms
//                   {"stats":{...}}                          once a second
// client -> server  {"filter":{"types":[...]}}  types still wanted;
//                   {"filter":{}}               no filter (every type wanted)
//                   {"max_rate":N}

/** Types the UI knows, in legend order. Anything else is drawn grey as "other". */
export const KNOWN_TYPES = Object.freeze(['inbound', 'relay', 'delivered', 'transient', 'permanent']);
export const ERROR_TYPES = Object.freeze(['transient', 'permanent']);
export const OTHER = 'other';

/** Colour per kind (0xRRGGBB); "other" covers every unknown type. */
export const TYPE_COLORS = Object.freeze({
  inbound: 0x3fb950,   // green
  relay: 0xbc8cff,     // violet
  delivered: 0x4c9aff, // blue
  transient: 0xf2cc60, // yellow
  permanent: 0xff5a52, // red
  other: 0x9aa4ae,     // grey
});

export const TYPE_LABELS = Object.freeze({
  inbound: 'inbound',
  relay: 'relay',
  delivered: 'delivered',
  transient: 'transient',
  permanent: 'permanent',
  other: 'other',
});

const KNOWN_SET = new Set(KNOWN_TYPES);

/** The drawing kind of an event type: one of KNOWN_TYPES or "other". */
export function typeKind(type) {
  return KNOWN_SET.has(type) ? type : OTHER;
}

export function colorCss(rgb) {
  return '#' + (rgb >>> 0).toString(16).padStart(6, '0');
}

function finiteOr(v, dflt) {
  const n = typeof v === 'number' ? v : (typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN);
  return Number.isFinite(n) ? n : dflt;
}

/**
 * Parse one text frame. Never throws.
 * Returns one of
 *   {kind:'batch', seq:number|null, events:object[], dropped:number}
 *   {kind:'stats', stats:NormalizedStats}
 *   {kind:'invalid', error:string}
 * Events that are not objects are discarded; an event without a string `type`
 * gets type "unknown" (drawn grey, never dropped).
 */
export function parseMessage(text) {
  let msg;
  try {
    msg = JSON.parse(text);
  } catch (e) {
    return { kind: 'invalid', error: 'not JSON: ' + String(e && e.message || e) };
  }
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
    return { kind: 'invalid', error: 'not a JSON object' };
  }
  if (msg.stats !== undefined) {
    return { kind: 'stats', stats: normalizeStats(msg.stats) };
  }
  if (Array.isArray(msg.events) || msg.seq !== undefined || msg.dropped !== undefined) {
    const raw = Array.isArray(msg.events) ? msg.events : [];
    let events = raw;
    // Only copy the array if something in it needs fixing (the usual frame is clean).
    for (let i = 0; i < raw.length; i++) {
      const ev = raw[i];
      if (ev === null || typeof ev !== 'object' || Array.isArray(ev)) {
        events = raw.filter((e) => e !== null && typeof e === 'object' && !Array.isArray(e));
        break;
      }
    }
    for (let i = 0; i < events.length; i++) {
      if (typeof events[i].type !== 'string') events[i].type = 'unknown';
    }
    const seq = finiteOr(msg.seq, null);
    const dropped = Math.max(0, finiteOr(msg.dropped, 0));
    return { kind: 'batch', seq, events, dropped };
  }
  return { kind: 'invalid', error: 'neither an event batch nor a stats frame' };
}

function numberMap(obj) {
  const out = {};
  if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
    for (const k of Object.keys(obj)) {
      const v = finiteOr(obj[k], null);
      if (v !== null) out[k] = v;
    }
  }
  return out;
}

/**
 * Defensive view of a stats frame. Every key is optional on the wire:
 *   ts, lines_per_s, events_per_s, deliveries_per_s{delivered,transient,permanent},
 *   bounce_ratio, relay_matrix{mta:{relay:n}}, dropped_per_s.
 * Missing numbers become null (shown as "–"); bounce_ratio falls back to
 * (transient+permanent)/(delivered+transient+permanent) when deliveries_per_s is there.
 */
export function normalizeStats(raw) {
  const s = raw && typeof raw === 'object' && !Array.isArray(raw) ? raw : {};
  const deliveries = numberMap(s.deliveries_per_s);
  let bounce = finiteOr(s.bounce_ratio, null);
  if (bounce === null) {
    const d = deliveries.delivered || 0, t = deliveries.transient || 0, p = deliveries.permanent || 0;
    if (d + t + p > 0) bounce = (t + p) / (d + t + p);
  }
  const matrix = {};
  if (s.relay_matrix && typeof s.relay_matrix === 'object' && !Array.isArray(s.relay_matrix)) {
    for (const mta of Object.keys(s.relay_matrix)) {
      const row = numberMap(s.relay_matrix[mta]);
      if (Object.keys(row).length) matrix[mta] = row;
    }
  }
  return {
    ts: finiteOr(s.ts, null),
    linesPerS: finiteOr(s.lines_per_s, null),
    eventsPerS: finiteOr(s.events_per_s, null),
    deliveriesPerS: deliveries,
    bounceRatio: bounce === null ? null : Math.min(1, Math.max(0, bounce)),
    relayMatrix: matrix,
    droppedPerS: finiteOr(s.dropped_per_s, null),
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
 * Types to ask the server for, given the hidden set and the types seen so far.
 * Returns null when nothing is hidden (no filter at all, so new types still arrive).
 */
export function wantedTypes(hidden, seen) {
  if (!hidden || hidden.size === 0) return null;
  const out = [];
  const add = (t) => { if (!hidden.has(t) && !hidden.has(typeKind(t)) && !out.includes(t)) out.push(t); };
  for (const t of KNOWN_TYPES) add(t);
  if (seen) for (const t of seen) add(t);
  return out;
}
