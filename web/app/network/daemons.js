// The daemons a page watches (DESIGN.md "Several boxes, one picture"): its own plus the
// peers its daemon lists at GET /api/peers, or exactly those named by ?daemons=URL,URL.
// One Connection each (connection.js: its own backoff with jitter, seq and boot), so a
// daemon that goes away never stops the others. Each asks for max_rate = cap / N so the
// browser's total stays within the cap. No DOM: the Connection class and its WebSocket and
// timers are injectable for tests.

import { Connection, wsUrlFor } from './connection.js';

/** The daemons' default --ws-max-rate (DESIGN.md), used while a daemon has not said its own. */
export const DEFAULT_CAP = 1000;
/** What "server cap" asks for with one daemon: the server clamps it to its own cap. */
export const SERVER_CAP_REQUEST = 1000000;

/**
 * One daemon to watch from a URL as a user writes it: its page (http://host:port/, a
 * sub-path too) or its WebSocket (ws://host:port/ws). Relative to the page. Null if unusable.
 * @returns {{url: string, wsUrl: string}|null} url: the daemon's base (ends with /)
 */
export function daemonTarget(text, pageHref) {
  const s = String(text || '').trim();
  if (!s) return null;
  let u;
  try { u = new URL(s, pageHref); } catch (_) { return null; }
  u.hash = '';
  u.search = '';
  if (u.protocol === 'ws:' || u.protocol === 'wss:') {
    const wsUrl = u.toString();
    u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
    return { url: new URL('.', u).toString(), wsUrl };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (!u.pathname.endsWith('/')) u.pathname += '/';   // "http://box2:8000/tm" is a folder
  const url = u.toString();
  return { url, wsUrl: wsUrlFor(url) };
}

/** ?daemons=URL,URL as targets (unusable entries skipped, the same daemon once). */
export function parseDaemonsParam(text, pageHref) {
  return dedupe(String(text || '').split(',').map((s) => daemonTarget(s, pageHref)));
}

function dedupe(targets) {
  const seen = new Set();
  return targets.filter((t) => t && !seen.has(t.wsUrl) && seen.add(t.wsUrl));
}

/**
 * Who to watch. With `daemonsParam` (the ?daemons= value, even empty): exactly those.
 * Otherwise the page's own daemon (its /ws, or `wsOverride` from ?ws=), then each peer URL
 * from /api/peers; a peer that is the page's own daemon is not watched twice.
 */
export function daemonTargets({ pageHref, wsOverride = null, daemonsParam = null, peers = [] }) {
  if (daemonsParam !== null && daemonsParam !== undefined) {
    const listed = parseDaemonsParam(daemonsParam, pageHref);
    if (listed.length) return listed;
  }
  const own = { url: new URL('.', pageHref).toString(), wsUrl: wsOverride || wsUrlFor(pageHref) };
  own.url = own.url.replace(/[?#].*$/, '');
  return dedupe([own, ...(Array.isArray(peers) ? peers : []).map((p) => daemonTarget(p, pageHref))]);
}

/** max_rate each of `n` daemons is asked for, so that their sum stays within `cap`. */
export function perDaemonRate(cap, n) {
  return Math.max(1, Math.floor(cap / Math.max(1, n)));
}

/** A Connection's state as window.tapemeasure.daemons reports it: open | connecting | closed. */
export function publicState(connState) {
  if (connState === 'open') return 'open';
  if (connState === 'connecting' || connState === 'idle') return 'connecting';
  return 'closed';   // reconnecting (waiting for the next attempt) or stopped
}

/** "127.0.0.1:8002" for a daemon that has not told its name yet. */
export function hostOf(url) {
  try { return new URL(url).host; } catch (_) { return String(url); }
}

export class DaemonSet {
  /**
   * @param {object} o
   * @param {function} [o.Connection]   connection class (default connection.js's)
   * @param {object} [o.connection]     options for each Connection (WebSocket, timers, backoff, stallMs)
   * @param {function} [o.onBatch]      (daemon, batch) per event frame
   * @param {function} [o.onStats]      (daemon, normalizedStats) per stats frame
   * @param {function} [o.onView]       (daemon, view) per view frame
   * @param {function} [o.onState]      (daemon, state) on every state change of a connection
   */
  constructor(o = {}) {
    this.Connection = o.Connection || Connection;
    this.connOptions = o.connection || {};
    this.onBatch = o.onBatch || (() => {});
    this.onStats = o.onStats || (() => {});
    this.onView = o.onView || (() => {});
    this.onState = o.onState || (() => {});
    this.list = [];            // daemon records, in the order they were added
    this.started = false;
    this.filter = null;        // wanted types, or null
    this.userRate = 0;         // the page's "Max rate" (0: the server's cap)
    this.cap = DEFAULT_CAP;    // the daemons' cap, when one has said it
  }

  get size() { return this.list.length; }

  /** Watch one more daemon ({url, wsUrl}); `name` until its frames say its own. */
  add(target, { name = null } = {}) {
    const existing = this.list.find((d) => d.wsUrl === target.wsUrl);
    if (existing) return existing;
    const d = {
      id: target.wsUrl, url: target.url, wsUrl: target.wsUrl, index: this.list.length,
      givenName: name, conn: null, eventsReceived: 0, pendingResume: false,
      get name() { return (this.conn && this.conn.daemon) || this.givenName || hostOf(this.url); },
    };
    d.conn = new this.Connection({
      ...this.connOptions,
      url: target.wsUrl,
      onBatch: (b) => { d.eventsReceived += b.events.length; this.onBatch(d, b); },
      onStats: (s) => this.onStats(d, s),
      onView: (v) => this.onView(d, v),
      onState: (state) => {
        if (state === 'open' && d.conn.connects > 1) d.pendingResume = true;
        this.onState(d, state);
      },
    });
    d.conn.filter = this.filter;
    this.list.push(d);
    this.applyRates();
    if (this.started) d.conn.start();
    return d;
  }

  byId(id) {
    return this.list.find((d) => d.id === id) || null;
  }

  start() {
    this.started = true;
    for (const d of this.list) d.conn.start();
  }

  stop() {
    this.started = false;
    for (const d of this.list) d.conn.stop();
  }

  setFilter(wanted) {
    this.filter = wanted ? Array.from(wanted) : null;
    for (const d of this.list) d.conn.setFilter(this.filter);
  }

  /** The page's "Max rate" choice (0 = the server's cap); each daemon gets its part. */
  setUserRate(n) {
    this.userRate = n > 0 ? n : 0;
    this.applyRates(true);
  }

  /** The daemons' --ws-max-rate, once known (the cap that is divided when none is chosen). */
  setCap(n) {
    if (!(n > 0) || n === this.cap) return;
    this.cap = n;
    this.applyRates();
  }

  /**
   * What each connection asks for. One daemon: the page's choice, if any (and, once chosen
   * and set back to "server cap", a request the server clamps to its own). Several: cap / N,
   * the cap being the page's choice or the daemons' cap, re-sent to every open connection
   * when N or the cap changes, and after every reconnect.
   */
  rateRequest(changedByUser = false) {
    if (this.list.length <= 1) return this.userRate || (changedByUser ? SERVER_CAP_REQUEST : null);
    return perDaemonRate(this.userRate || this.cap, this.list.length);
  }

  applyRates(changedByUser = false) {
    const r = this.rateRequest(changedByUser);
    for (const d of this.list) {
      if (r === null) continue;              // one daemon, nothing chosen: as it always was
      if (d.conn.maxRate !== r || changedByUser) d.conn.setMaxRate(r);
    }
  }

  retryNow() {
    for (const d of this.list) d.conn.retryNow();
  }

  /** open: how many are open; state of the whole: open (all), partial, connecting, closed (none open). */
  summary() {
    const states = this.list.map((d) => publicState(d.conn.state));
    const open = states.filter((s) => s === 'open').length;
    let state = 'closed';
    if (open === states.length && open > 0) state = 'open';
    else if (open > 0) state = 'partial';
    else if (states.includes('connecting')) state = 'connecting';
    return { state, open, total: states.length };
  }

  /** window.tapemeasure.daemons: one plain record per daemon. */
  snapshot(now = Date.now()) {
    return this.list.map((d) => {
      const c = d.conn;
      const waiting = c.state === 'reconnecting';
      return {
        name: d.name, url: d.url, ws: d.wsUrl, state: publicState(c.state), connection: c.state,
        eventsReceived: d.eventsReceived, framesReceived: c.framesReceived, statsReceived: c.statsReceived,
        bytesReceived: c.bytesReceived, lastSeq: c.seq.lastSeq, boot: c.seq.boot, missedEvents: c.seq.missedEvents,
        restarts: c.seq.restarts, connects: c.connects, reconnects: c.reconnects, attempt: c.attempt,
        retryInMs: waiting ? Math.max(0, c.retryAt - now) : null, lastError: c.lastError, maxRate: c.maxRate,
      };
    });
  }
}
