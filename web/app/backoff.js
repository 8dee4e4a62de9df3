// Reconnect timing and sequence-gap accounting. Pure module (no DOM).

/**
 * Exponential backoff with "equal jitter": the n-th delay (n from 0) is uniformly
 * random in [cap/2, cap] where cap = min(max, base * factor^n). Never below base/2,
 * so a dead server is not hammered, and clients that lost the same server spread out.
 */
export class Backoff {
  constructor({ base = 500, max = 15000, factor = 2, random = Math.random } = {}) {
    this.base = base;
    this.max = max;
    this.factor = factor;
    this.random = random;
    this.attempts = 0;
  }

  /** Upper bound of the delay for attempt n (no jitter). */
  cap(n) {
    return Math.min(this.max, this.base * Math.pow(this.factor, n));
  }

  /** Delay in ms before the next attempt; advances the attempt counter. */
  next() {
    const c = this.cap(this.attempts);
    this.attempts++;
    const half = c / 2;
    return Math.round(half + this.random() * half);
  }

  reset() {
    this.attempts = 0;
  }
}

/**
 * Tracks frame sequence numbers across connections.
 * Within a connection a jump (seq > last+1) counts missed frames.
 * On a new connection the first seq is compared with the last one seen before:
 *   first > last+1  -> resumed with a gap of (first-last-1) frames
 *   first == last+1 -> resumed without a gap
 *   first <= last   -> the server's sequence restarted (e.g. daemon restart); gap unknown
 */
export class SeqTracker {
  constructor() {
    this.lastSeq = null;       // last seq seen on any connection
    this.missedFrames = 0;     // total frames known missed
    this.restarts = 0;         // times the server's sequence restarted
    this.lastResume = null;    // {kind:'gap'|'contiguous'|'restart'|'first', missed, from, to}
    this._fresh = true;        // next seq is the first of a connection
  }

  newConnection() {
    this._fresh = true;
  }

  /** Observe a frame's seq; returns frames missed just before it (0 if none or unknown). */
  observe(seq) {
    if (seq === null || seq === undefined || !Number.isFinite(seq)) return 0;
    let missed = 0;
    if (this._fresh) {
      this._fresh = false;
      if (this.lastSeq === null) {
        this.lastResume = { kind: 'first', missed: 0, from: null, to: seq };
      } else if (seq > this.lastSeq + 1) {
        missed = seq - this.lastSeq - 1;
        this.lastResume = { kind: 'gap', missed, from: this.lastSeq, to: seq };
      } else if (seq === this.lastSeq + 1) {
        this.lastResume = { kind: 'contiguous', missed: 0, from: this.lastSeq, to: seq };
      } else {
        this.restarts++;
        this.lastResume = { kind: 'restart', missed: 0, from: this.lastSeq, to: seq };
      }
    } else if (this.lastSeq !== null && seq > this.lastSeq + 1) {
      missed = seq - this.lastSeq - 1;
    }
    this.missedFrames += missed;
    this.lastSeq = seq;
    return missed;
  }
}

/** Human text for a resume record (shown in the connection panel). */
export function describeResume(r) {
  if (!r) return '';
  switch (r.kind) {
    case 'gap': return `resumed at seq ${r.to}: missed ${r.missed} frame${r.missed === 1 ? '' : 's'} (${r.from + 1}\u2013${r.to - 1})`;
    case 'contiguous': return `resumed at seq ${r.to}: no gap`;
    case 'restart': return `server restarted its sequence (was ${r.from}, now ${r.to}); events in between are lost`;
    default: return '';
  }
}
