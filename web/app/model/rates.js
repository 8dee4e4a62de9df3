// Rate meters and the "showing 1 in N" arithmetic. Pure module.

/** Counts per time bucket over a sliding window; rate() is per second. */
export class RateMeter {
  constructor({ windowMs = 3000, bucketMs = 250 } = {}) {
    this.bucketMs = bucketMs;
    this.n = Math.max(2, Math.round(windowMs / bucketMs));
    this.buckets = new Float64Array(this.n);
    this.cur = -1;      // absolute bucket number of the newest bucket
    this.started = -1;  // absolute bucket number of the first add/rate call
  }

  _advance(now) {
    const b = Math.floor(now / this.bucketMs);
    if (this.cur < 0) { this.cur = b; this.started = b; return; }
    if (b <= this.cur) return;
    const steps = Math.min(this.n, b - this.cur);
    for (let i = 1; i <= steps; i++) this.buckets[(this.cur + i) % this.n] = 0;
    this.cur = b;
  }

  add(count, now) {
    this._advance(now);
    this.buckets[this.cur % this.n] += count;
  }

  /** Events per second over the window (or since the first call, if shorter). */
  rate(now) {
    this._advance(now);
    let sum = 0;
    for (let i = 0; i < this.n; i++) sum += this.buckets[i];
    const spanBuckets = Math.min(this.n - 1, this.cur - this.started);
    const partial = (now - this.cur * this.bucketMs) / this.bucketMs;
    const span = (spanBuckets + Math.min(1, Math.max(0, partial))) * this.bucketMs;
    return span > 0 ? (sum * 1000) / span : 0;
  }

  reset() {
    this.buckets.fill(0);
    this.cur = -1;
    this.started = -1;
  }
}

/**
 * The server sent `received` events and dropped `dropped` for this client:
 * the view shows 1 in N of the events it was sent, N = (received+dropped)/received.
 * Returns 1 when nothing was dropped, Infinity when nothing got through, null when idle.
 */
export function oneInN(received, dropped) {
  if (!(received > 0) && !(dropped > 0)) return null;
  if (!(received > 0)) return Infinity;
  return (received + (dropped > 0 ? dropped : 0)) / received;
}

export function formatOneInN(n) {
  if (n === null) return 'idle';
  if (n === Infinity) return 'showing none';
  if (n < 1.005) return 'showing all';
  if (n < 2) return 'showing ' + Math.min(99, Math.floor(100 / n)) + '%';
  return 'showing 1 in ' + (n < 10 ? n.toFixed(1) : Math.round(n).toLocaleString('en-US'));
}

/** Compact number: 987, 1.2k, 34k, 1.5M. */
export function formatCount(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '\u2013';
  const a = Math.abs(v);
  if (a < 1000) return a < 10 && a % 1 ? v.toFixed(1) : String(Math.round(v));
  if (a < 1e4) return (v / 1e3).toFixed(1) + 'k';
  if (a < 1e6) return Math.round(v / 1e3) + 'k';
  return (v / 1e6).toFixed(1) + 'M';
}

/**
 * A fraction as a percentage that never claims all or nothing when it is not: 532 of 533
 * is "99.8%", not "100%"; 1 in 100,000 is "0.001%", not "0%". Whole percents from 10% to
 * 90%, one decimal outside, more only where fewer would round to 0% or 100%.
 */
export function formatPercent(r) {
  if (r === null || r === undefined || !Number.isFinite(r)) return '\u2013';
  if (r === 0 || r === 1) return `${r * 100}%`;
  let digits = r < 0.1 || r > 0.9 ? 1 : 0;
  let text = (r * 100).toFixed(digits);
  while (digits < 4 && (Number(text) === 0 || Number(text) === 100)) text = (r * 100).toFixed(++digits);
  if (r > 0 && Number(text) === 0) return '<0.0001%';
  if (r < 1 && Number(text) === 100) return '>99.9999%';
  return text + '%';
}
