import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DotPool } from '../../web/app/render/dotpool.js';
import { ArrivalQueue } from '../../web/app/model/arrivals.js';
import { RateMeter, oneInN, formatOneInN, formatCount, formatPercent } from '../../web/app/model/rates.js';

test('dot pool recycles records through its free-list', () => {
  let made = 0;
  const pool = new DotPool({ create: (i) => { made++; return { id: i, view: { id: i } }; }, capacity: 3, initial: 2 });
  assert.equal(made, 2);
  const a = pool.acquire(), b = pool.acquire(), c = pool.acquire();
  assert.equal(made, 3);
  assert.equal(pool.acquire(), null, 'at capacity');
  assert.equal(pool.size, 3);
  pool.release(a);
  assert.equal(pool.size, 2);
  assert.deepEqual(new Set(pool.active), new Set([b, c]));
  assert.deepEqual(pool.views.map((v) => v.id).sort(), [b.id, c.id].sort());
  pool.release(a); // double release is a no-op
  assert.equal(pool.free.length, 1);
  const d = pool.acquire();
  assert.equal(d, a, 'reused, not re-created');
  assert.equal(made, 3);
  pool.releaseAll();
  assert.equal(pool.size, 0);
  assert.equal(pool.views.length, 0);
  for (let i = 0; i < 1000; i++) { const x = pool.acquire(); pool.release(x); }
  assert.equal(made, 3);
});

test('dot pool: active/views stay consistent under random churn', () => {
  const pool = new DotPool({ create: (i) => ({ view: i }), capacity: 64 });
  const live = new Set();
  let seed = 1;
  const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  for (let i = 0; i < 5000; i++) {
    if (rnd() < 0.55) { const x = pool.acquire(); if (x) live.add(x); } else if (live.size) {
      const arr = [...live]; const x = arr[Math.floor(rnd() * arr.length)]; pool.release(x); live.delete(x);
    }
    if (i % 97 === 0) {
      assert.equal(pool.active.length, live.size);
      pool.active.forEach((x, j) => { assert.equal(x._ai, j); assert.equal(pool.views[j], x.view); });
    }
  }
});

test('arrivals are spread over the frame interval, in order', () => {
  const q = new ArrivalQueue(100);
  const out = [];
  const fn = (ev, lag) => out.push([ev, lag]);
  q.pushBatch([], 0);
  q.pushBatch(['a', 'b', 'c', 'd'], 16);
  assert.equal(q.drain(16, fn), 1, 'only the first is due at once');
  assert.equal(q.drain(23.9, fn), 1);
  assert.equal(q.drain(40, fn), 2);
  assert.deepEqual(out.map((x) => x[0]), ['a', 'b', 'c', 'd']);
  assert.ok(out.every(([, lag]) => lag >= 0));
  // interval between due times is ~ frame gap / n
  const dues = [];
  q.pushBatch([1, 2, 3, 4, 5, 6, 7, 8], 56);
  q.drain(1000, (ev, lag) => dues.push(1000 - lag));
  assert.equal(dues.length, 0, 'all stale after 1 s: not drawn');
  assert.equal(q.stale, 8);
});

test('arrival queue drops the oldest when full and can be cleared', () => {
  const q = new ArrivalQueue(4, { maxLagMs: 1e9 });
  q.pushBatch([1, 2, 3, 4, 5, 6], 0);
  assert.equal(q.length, 4);
  assert.equal(q.overflowed, 2);
  const got = [];
  q.drain(1e6, (e) => got.push(e));
  assert.deepEqual(got, [3, 4, 5, 6]);
  q.pushBatch([7, 8], 2e6);
  q.clear();
  assert.equal(q.length, 0);
  assert.equal(q.discarded, 2);
  assert.equal(q.drain(1e9, () => assert.fail('nothing left')), 0);
});

test('rate meter', () => {
  const r = new RateMeter({ windowMs: 2000, bucketMs: 250 });
  for (let t = 0; t < 4000; t += 10) r.add(10, t); // 1000/s
  const v = r.rate(4000);
  assert.ok(v > 900 && v < 1100, String(v));
  assert.ok(r.rate(10000) === 0, 'decays to 0 when idle');
});

test('showing 1 in N', () => {
  assert.equal(oneInN(0, 0), null);
  assert.equal(oneInN(100, 0), 1);
  assert.equal(oneInN(100, 300), 4);
  assert.equal(oneInN(0, 5), Infinity);
  assert.equal(formatOneInN(1), 'showing all');
  assert.equal(formatOneInN(4), 'showing 1 in 4.0');
  assert.equal(formatOneInN(1.03), 'showing 97%');
  assert.equal(formatOneInN(1.001), 'showing all');
  assert.equal(formatOneInN(Infinity), 'showing none');
  assert.equal(formatOneInN(1234), 'showing 1 in 1,234');
  assert.equal(formatOneInN(null), 'idle');
  assert.equal(formatCount(999), '999');
  assert.equal(formatCount(1234), '1.2k');
  assert.equal(formatCount(45678), '46k');
  assert.equal(formatCount(2.5e6), '2.5M');
  assert.equal(formatPercent(0.13), '13%');
  assert.equal(formatPercent(0.043), '4.3%');
  // never all or nothing when it is not
  assert.equal(formatPercent(532 / 533), '99.8%');
  assert.equal(formatPercent(1 / 533), '0.2%');
  assert.equal(formatPercent(0.9996), '99.96%');
  assert.equal(formatPercent(1e-5), '0.001%');
  assert.equal(formatPercent(1e-9), '<0.0001%');
  assert.equal(formatPercent(1 - 1e-9), '>99.9999%');
  assert.equal(formatPercent(1), '100%');
  assert.equal(formatPercent(0), '0%');
  assert.equal(formatPercent(0.5), '50%');
});

test('a burst of frames (tab thawed) is not queued beyond maxAheadMs', () => {
  const q = new ArrivalQueue(100000, { maxAheadMs: 250 });
  q.pushBatch([], 0);
  for (let f = 0; f < 16; f++) q.pushBatch(new Array(16).fill(f), 16 * (f + 1)); // steady: nothing dropped
  assert.equal(q.behind, 0);
  q.drain(1e9, () => {});
  const t = 10000;
  for (let f = 0; f < 200; f++) q.pushBatch(new Array(16).fill(f), t); // 3 s of frames at one instant
  assert.ok(q.behind > 0, 'excess dropped');
  const queuedMs = q.due[(q.head + q.length - 1) % q.capacity] - t;
  assert.ok(queuedMs <= 250 + 16, `queued ${queuedMs} ms ahead`);
  assert.ok(q.length <= 16 * 16, `at most 16 frames' worth kept, got ${q.length}`);
  assert.equal(q.length + q.behind, 200 * 16);
});

test('after a short burst the queue catches up instead of staying late', () => {
  const q = new ArrivalQueue(100000, { maxAheadMs: 250 });
  let t = 0;
  for (let f = 0; f < 20; f++) { q.pushBatch(new Array(16).fill(0), t); t += 16; q.drain(t, () => {}); }
  for (let f = 0; f < 10; f++) q.pushBatch(new Array(16).fill(0), t); // 10 frames at once (main thread was busy)
  const aheadAfterBurst = q.lastDue - t;
  assert.ok(aheadAfterBurst > 30, String(aheadAfterBurst));
  for (let f = 0; f < 40; f++) { t += 16; q.pushBatch(new Array(16).fill(0), t); q.drain(t, () => {}); }
  assert.ok(q.lastDue - t <= 17, `caught up: ${q.lastDue - t} ms ahead`);
  assert.equal(q.behind, 0);
});

test('a late, fuller frame is spread over the time it covers', () => {
  const q = new ArrivalQueue(1000);
  let t = 0;
  for (let f = 0; f < 30; f++) { q.pushBatch(new Array(16).fill(0), t); q.drain(t + 16, () => {}); t += 16; }
  q.drain(t, () => {});
  t += 80;                                   // the sender stalled: next frame 96 ms after the last
  q.pushBatch(new Array(80).fill(1), t);
  const dues = [];
  q.drain(t + 100, (ev, lag) => dues.push(t + 100 - lag));
  assert.equal(dues.length, 80);
  const span = dues[dues.length - 1] - dues[0];
  assert.ok(span > 90 && span <= 96, `spread over ${span} ms`);
});
