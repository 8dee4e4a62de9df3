import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, SeqTracker, describeResume } from '../../web/app/backoff.js';

test('backoff grows exponentially up to the cap', () => {
  const b = new Backoff({ base: 500, max: 8000, random: () => 1 });
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(() => b.next()), [500, 1000, 2000, 4000, 8000, 8000, 8000]);
  b.reset();
  assert.equal(b.next(), 500);
});

test('backoff jitter stays within [cap/2, cap]', () => {
  const b = new Backoff({ base: 1000, max: 16000, random: () => 0 });
  assert.deepEqual([1, 2, 3].map(() => b.next()), [500, 1000, 2000]);
  const r = new Backoff({ base: 1000, max: 16000 });
  for (let i = 0; i < 200; i++) {
    const cap = r.cap(r.attempts);
    const d = r.next();
    assert.ok(d >= cap / 2 && d <= cap, `${d} in [${cap / 2}, ${cap}]`);
  }
});

test('backoff jitter actually spreads clients', () => {
  const seen = new Set();
  for (let i = 0; i < 50; i++) { const b = new Backoff({ base: 1000 }); b.next(); b.next(); seen.add(b.next()); }
  assert.ok(seen.size > 10);
});

test('seq tracker: gaps within a connection', () => {
  const s = new SeqTracker();
  assert.equal(s.observe(1), 0);
  assert.equal(s.lastResume.kind, 'first');
  assert.equal(s.observe(2), 0);
  assert.equal(s.observe(5), 2);
  assert.equal(s.missedFrames, 2);
  assert.equal(s.observe(null), 0, 'frames without seq are ignored');
  assert.equal(s.lastSeq, 5);
});

test('seq tracker: resume after reconnect shows the gap', () => {
  const s = new SeqTracker();
  s.observe(10); s.observe(11);
  s.newConnection();
  assert.equal(s.observe(20), 8);
  assert.deepEqual(s.lastResume, { kind: 'gap', missed: 8, from: 11, to: 20 });
  assert.match(describeResume(s.lastResume), /missed 8 frames \(12.19\)/);
  s.newConnection();
  assert.equal(s.observe(21), 0);
  assert.equal(s.lastResume.kind, 'contiguous');
  s.newConnection();
  assert.equal(s.observe(1), 0);
  assert.equal(s.lastResume.kind, 'restart');
  assert.equal(s.restarts, 1);
  assert.match(describeResume(s.lastResume), /restarted/);
  assert.equal(s.missedFrames, 8);
});
