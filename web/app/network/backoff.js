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
 * Tracks the daemon's event count across connections. A frame's `seq` is the number of
 * events the daemon has matched since it started, as of the frame's last event; the first
 * frame of a connection also carries `boot`, an id of the daemon's run (DESIGN.md).
 * Within a connection, what this client did not get is the frames' `dropped` (its filter's
 * exclusions are not losses), so seq is not read there. On a new connection the first
 * frame is compared with the last one seen before:
 *   another boot (or seq going back) -> the daemon restarted; what passed is unknown
 *   same boot -> `missed` events (of any type) passed while away: the new seq, less the
 *                last one, less what this frame itself accounts for (received + dropped)
 */
export class SeqTracker {
  constructor() {
    this.lastSeq = null;       // last seq seen on any connection
    this.boot = null;          // the daemon run that seq counts in
    this.missedEvents = 0;     // events known to have passed while away, over all reconnects
    this.restarts = 0;         // times the daemon was found restarted
    this.lastResume = null;    // {kind:'gap'|'contiguous'|'restart'|'first', missed, from, to}
    this._fresh = true;        // next frame is the first of a connection
  }

  /** The older name of missedEvents (window.tapemeasure.missedFrames reads it). */
  get missedFrames() { return this.missedEvents; }

  newConnection() {
    this._fresh = true;
  }

  /**
   * Observe an event frame: its seq, and (optional) its boot and what it accounts for.
   * Returns the events that passed while away just before it (0 within a connection).
   */
  observe(seq, { boot = null, received = 0, dropped = 0 } = {}) {
    if (seq === null || seq === undefined || !Number.isFinite(seq)) return 0;
    let missed = 0;
    if (this._fresh) {
      this._fresh = false;
      const from = this.lastSeq;
      const otherRun = boot !== null && this.boot !== null && boot !== this.boot;
      if (from === null) {
        this.lastResume = { kind: 'first', missed: 0, from: null, to: seq };
      } else if (otherRun || seq < from) {
        this.restarts++;
        this.lastResume = { kind: 'restart', missed: 0, from, to: seq };
      } else {
        missed = Math.max(0, seq - from - received - dropped);
        this.lastResume = { kind: missed > 0 ? 'gap' : 'contiguous', missed, from, to: seq };
      }
      if (boot !== null) this.boot = boot;
    }
    this.missedEvents += missed;
    this.lastSeq = seq;
    return missed;
  }
}

/** Human text for a resume record (shown in the connection panel). */
export function describeResume(r) {
  if (!r) return '';
  switch (r.kind) {
    case 'gap': return `${r.missed} event${r.missed === 1 ? '' : 's'} passed while away`;
    case 'contiguous': return 'no events passed while away';
    case 'restart': return 'the daemon restarted; events from before are not replayed';
    default: return '';
  }
}
