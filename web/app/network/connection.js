// WebSocket connection to /ws with reconnect (exponential backoff with jitter),
// accounting of what passed while away (seq and boot), and re-sending of the client's
// filter after a reconnect.
// No DOM access: the WebSocket constructor and timers are injectable for tests.

import { parseMessage, filterMessage, maxRateMessage } from './protocol.js';
import { Backoff, SeqTracker } from './backoff.js';

/** ws:// or wss:// URL of /ws next to the page (works when served under a sub-path too). */
export function wsUrlFor(pageHref) {
  const u = new URL('ws', pageHref);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.hash = '';
  u.search = '';
  return u.toString();
}

/**
 * The "boot" of a connection's first event frame. protocol.js's batch has no field for it
 * yet, so it is read from the frame's head, where the daemon and the mock put it:
 * {"seq":N,"boot":"ID",...}. Null for every other frame.
 */
export function bootOf(text) {
  const m = /^\{"seq":\d+,"boot":"([^"\\]{1,64})"/.exec(text);
  return m ? m[1] : null;
}

export class Connection {
  /**
   * @param {object} o
   * @param {string} o.url
   * @param {function} [o.WebSocket]   constructor (default: global WebSocket)
   * @param {object} [o.backoff]       Backoff options
   * @param {number} [o.stallMs]       no message for this long on an open socket -> reconnect
   * @param {function} [o.onBatch]     ({seq, events, dropped, missed}) per event frame; missed:
 *                                   events that passed while away (first frame after a reconnect)
   * @param {function} [o.onStats]     (normalizedStats) per stats frame
   * @param {function} [o.onView]      (view object as sent) per view frame
   * @param {function} [o.onState]     (state, connection) on every state change
   */
  constructor(o) {
    this.url = o.url;
    this.WS = o.WebSocket || globalThis.WebSocket;
    this.setTimeout = o.setTimeout || globalThis.setTimeout.bind(globalThis);
    this.clearTimeout = o.clearTimeout || globalThis.clearTimeout.bind(globalThis);
    this.now = o.now || (() => Date.now());
    this.backoff = new Backoff(o.backoff);
    this.seq = new SeqTracker();
    this.stallMs = o.stallMs ?? 5000;
    this.onBatch = o.onBatch || (() => {});
    this.onStats = o.onStats || (() => {});
    this.onView = o.onView || (() => {});
    this.onState = o.onState || (() => {});

    this.state = 'idle';      // idle | connecting | open | reconnecting | stopped
    this.ws = null;
    this.timer = null;
    this.watchdog = null;
    this.retryAt = 0;         // when the next attempt starts (state reconnecting)
    this.attempt = 0;         // attempts since the last good connection
    this.connects = 0;        // successful opens
    this.reconnects = 0;      // successful opens after the first
    this.framesReceived = 0;
    this.statsReceived = 0;
    this.viewsReceived = 0;
    this.bytesReceived = 0;
    this.invalidFrames = 0;
    this.lastMessageAt = 0;
    this.lastError = '';
    this.openedAt = 0;
    this.closedAt = 0;
    this.daemon = null;       // the daemon's --name, from its frames (several boxes)
    this.filter = null;       // wanted types (array) or null = everything
    this.maxRate = null;      // requested cap or null
    this._gotMessage = false;
  }

  start() {
    if (this.state === 'connecting' || this.state === 'open') return;
    this._open();
  }

  stop() {
    this._setState('stopped');
    this._clearTimers();
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      try { ws.close(1000, 'bye'); } catch (_) { /* ignore */ }
    }
  }

  /** Types the server should send (array), or null for everything. Sent now if open, and after every reconnect. */
  setFilter(wanted) {
    this.filter = wanted ? Array.from(wanted) : null;
    this._sendFilter();
  }

  setMaxRate(n) {
    this.maxRate = n;
    if (this.state === 'open' && n) this._send(maxRateMessage(n));
  }

  _sendFilter() {
    if (this.state === 'open') this._send(filterMessage(this.filter));
  }

  _send(text) {
    try { this.ws.send(text); return true; } catch (_) { return false; }
  }

  _setState(s) {
    if (this.state === s) return;
    this.state = s;
    try { this.onState(s, this); } catch (e) { /* a UI bug must not kill the socket */ console.error(e); }
  }

  _clearTimers() {
    if (this.timer) { this.clearTimeout(this.timer); this.timer = null; }
    if (this.watchdog) { this.clearTimeout(this.watchdog); this.watchdog = null; }
  }

  _open() {
    this._clearTimers();
    this.attempt++;
    this._gotMessage = false;
    this._setState('connecting');
    let ws;
    try {
      ws = new this.WS(this.url);
    } catch (e) {
      this.lastError = String(e && e.message || e);
      this._scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.connects++;
      if (this.connects > 1) this.reconnects++;
      this.openedAt = this.now();
      this.lastMessageAt = this.openedAt;
      this.seq.newConnection();
      this._setState('open');
      // The server forgets a client's filter with the connection: tell it again.
      if (this.filter) this._sendFilter();
      if (this.maxRate) this._send(maxRateMessage(this.maxRate));
      this._armWatchdog();
    };
    ws.onmessage = (m) => {
      if (this.ws !== ws) return;
      this._onMessage(m.data);
    };
    ws.onerror = () => {
      if (this.ws !== ws) return;
      this.lastError = 'connection error';
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.closedAt = this.now();
      if (ev && ev.code && ev.code !== 1000 && ev.code !== 1005) {
        this.lastError = `closed (${ev.code}${ev.reason ? ': ' + ev.reason : ''})`;
      } else if (this.state === 'open') {
        this.lastError = 'closed by server';
      }
      if (this.state !== 'stopped') this._scheduleRetry();
    };
  }

  _armWatchdog() {
    if (this.watchdog) this.clearTimeout(this.watchdog);
    this.watchdog = this.setTimeout(() => {
      this.watchdog = null;
      if (this.state !== 'open' || !this.ws) return;
      if (this.now() - this.lastMessageAt > this.stallMs) {
        this.lastError = `no data for ${Math.round(this.stallMs / 1000)} s`;
        const ws = this.ws;
        this.ws = null;
        try { ws.close(4000, 'stalled'); } catch (_) { /* ignore */ }
        this._scheduleRetry();
      } else {
        this._armWatchdog();
      }
    }, 1000);
  }

  _scheduleRetry() {
    this._clearTimers();
    const delay = this.backoff.next();
    this.retryAt = this.now() + delay;
    this._setState('reconnecting');
    this.timer = this.setTimeout(() => { this.timer = null; this._open(); }, delay);
  }

  /** Skip the wait and try now (the "retry now" button). */
  retryNow() {
    if (this.state === 'reconnecting') this._open();
  }

  _onMessage(data) {
    if (typeof data !== 'string') { this.invalidFrames++; return; }
    this.lastMessageAt = this.now();
    this.bytesReceived += data.length;
    if (!this._gotMessage) {
      this._gotMessage = true;
      this.backoff.reset();
      this.attempt = 0;
    }
    const msg = parseMessage(data);
    if (msg.daemon !== undefined) this.daemon = msg.daemon;
    if (msg.kind === 'batch') {
      this.framesReceived++;
      msg.missed = this.seq.observe(msg.seq, { boot: msg.boot ?? bootOf(data), received: msg.events.length, dropped: msg.dropped });
      this.onBatch(msg);
    } else if (msg.kind === 'stats') {
      this.statsReceived++;
      this.onStats(msg.stats);
    } else if (msg.kind === 'view') {
      this.viewsReceived++;
      this.onView(msg.view);
    } else {
      this.invalidFrames++;
    }
  }
}
