// Arrival queue: spreads the events of one WebSocket frame over the time until the
// next frame is expected, so dots leave their node evenly instead of in clumps.
// A fixed ring buffer (no allocation per event). Pure module.

export class ArrivalQueue {
  /**
   * @param {number} capacity  events held at most; beyond it the oldest are dropped
   * @param {number} maxLagMs    an event due longer ago than this is not drawn (stale)
   * @param {number} maxAheadMs  the queue never schedules further ahead than this, and
   * @param {number} maxAheadFrames  never holds more than this many frames' worth of events:
   *                             after a burst (a frozen or throttled tab getting its backlog
   *                             at once) the excess is dropped instead of being drawn late
   */
  constructor(capacity = 8192, { maxLagMs = 500, maxAheadMs = 250, maxAheadFrames = 16 } = {}) {
    this.capacity = capacity;
    this.events = new Array(capacity).fill(null);
    this.due = new Float64Array(capacity);
    this.head = 0;       // next to drain
    this.length = 0;
    this.maxLagMs = maxLagMs;
    this.maxAheadMs = maxAheadMs;
    this.maxAheadFrames = maxAheadFrames;
    this.perFrame = 16;  // smoothed events per frame
    this.interval = 16;  // smoothed time between frames (ms)
    this.lastBatchAt = -1;
    this.lastDue = -Infinity;
    this.overflowed = 0; // dropped because the ring was full
    this.stale = 0;      // dropped because they were due too long ago
    this.behind = 0;     // dropped because the queue was already maxAheadMs behind
    this.discarded = 0;  // dropped by clear()
  }

  /** Queue a frame's events that arrived at `now` (ms, same clock as drain()). */
  pushBatch(events, now) {
    const n = events.length;
    // A frame's events are spread over the smoothed frame interval, or over the time since
    // the previous frame when that was longer (a late, fuller frame covers a longer time).
    let frameSpan = this.interval;
    if (this.lastBatchAt >= 0) {
      let gap = now - this.lastBatchAt;
      if (gap < 4) gap = 4; else if (gap > 100) gap = 100;
      this.interval += (gap - this.interval) * 0.2;
      if (gap > frameSpan) frameSpan = gap;
    }
    this.lastBatchAt = now;
    if (n === 0) return;
    // Never schedule before the previous frame's last event (keeps order, no clumps).
    const start = now > this.lastDue ? now : this.lastDue;
    this.perFrame += (n - this.perFrame) * 0.1;
    const limit = Math.max(64, this.perFrame * this.maxAheadFrames);
    if (start - now > this.maxAheadMs || (this.length > 0 && this.length + n > limit)) {
      this.behind += n;
      return;
    }
    // Spread over the expected gap to the next frame; when frames came in a burst and the
    // queue runs ahead of time, squeeze this frame into a quarter of that so it catches up.
    const span = start > now ? Math.max(frameSpan * 0.25, now + frameSpan - start) : frameSpan;
    const step = span / n;
    for (let i = 0; i < n; i++) {
      if (this.length === this.capacity) {
        this.events[this.head] = null;
        this.head = (this.head + 1) % this.capacity;
        this.length--;
        this.overflowed++;
      }
      const idx = (this.head + this.length) % this.capacity;
      this.events[idx] = events[i];
      this.due[idx] = start + i * step;
      this.length++;
    }
    this.lastDue = start + n * step;
  }

  /**
   * Hand every event due by `now` to fn(event, lagMs); lagMs >= 0 is how late it is,
   * so the caller can advance the dot by that much. Stale ones are counted, not handed.
   * Returns the number handed over.
   */
  drain(now, fn) {
    let handed = 0;
    while (this.length > 0) {
      const i = this.head;
      const due = this.due[i];
      if (due > now) break;
      const ev = this.events[i];
      this.events[i] = null;
      this.head = (i + 1) % this.capacity;
      this.length--;
      const lag = now - due;
      if (lag > this.maxLagMs) { this.stale++; continue; }
      fn(ev, lag);
      handed++;
    }
    return handed;
  }

  /** Drop everything queued (tab hidden, view paused). */
  clear() {
    this.discarded += this.length;
    while (this.length > 0) {
      this.events[this.head] = null;
      this.head = (this.head + 1) % this.capacity;
      this.length--;
    }
    this.lastDue = -Infinity;
  }
}
