import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, SeqTracker, describeResume } from '../../web/app/network/backoff.js';

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

test('seq tracker: within a connection seq is the daemon\'s event count, not a frame number', () => {
  const s = new SeqTracker();
  assert.equal(s.observe(1, { boot: 'a', received: 1 }), 0);
  assert.equal(s.lastResume.kind, 'first');
  // A filtered client sees seq jump by the other types' events: no loss (dropped says those).
  assert.equal(s.observe(2, { received: 1 }), 0);
  assert.equal(s.observe(50, { received: 1 }), 0);
  assert.equal(s.missedEvents, 0);
  assert.equal(s.observe(null), 0, 'frames without seq are ignored');
  assert.equal(s.lastSeq, 50);
});

test('seq tracker: same boot after a reconnect -> the events that passed while away', () => {
  const s = new SeqTracker();
  s.observe(10, { boot: 'run1', received: 10 }); s.observe(11, { received: 1 });
  s.newConnection();
  // seq 20 as of this frame's last event; the frame holds 1 event and reports 2 dropped.
  assert.equal(s.observe(20, { boot: 'run1', received: 1, dropped: 2 }), 6);
  assert.deepEqual(s.lastResume, { kind: 'gap', missed: 6, from: 11, to: 20 });
  assert.equal(describeResume(s.lastResume), '6 events passed while away');
  s.newConnection();
  assert.equal(s.observe(21, { boot: 'run1', received: 1 }), 0);
  assert.equal(s.lastResume.kind, 'contiguous');
  assert.equal(describeResume(s.lastResume), 'no events passed while away');
  assert.equal(s.missedEvents, 6);
});

test('seq tracker: another boot is a restart, even when the new seq is larger', () => {
  const s = new SeqTracker();
  s.observe(5, { boot: 'run1', received: 5 });
  s.newConnection();
  assert.equal(s.observe(900, { boot: 'run2', received: 3 }), 0);
  assert.equal(s.lastResume.kind, 'restart');
  assert.equal(s.restarts, 1);
  assert.match(describeResume(s.lastResume), /the daemon restarted/);
  assert.equal(s.missedEvents, 0, 'a restart is not a gap');
  // ... and the new run is the reference from now on.
  s.newConnection();
  assert.equal(s.observe(910, { boot: 'run2', received: 1 }), 9);
  assert.equal(s.lastResume.kind, 'gap');
});

test('seq tracker: without boot (an older server), seq going back is a restart', () => {
  const s = new SeqTracker();
  s.observe(100);
  s.newConnection();
  assert.equal(s.observe(3), 0);
  assert.equal(s.lastResume.kind, 'restart');
  assert.equal(describeResume({ kind: 'gap', missed: 1, from: 1, to: 3 }), '1 event passed while away');
});
