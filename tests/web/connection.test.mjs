import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeWS, fakeClock } from './fake_time_and_socket.mjs';
import { Connection, wsUrlFor } from '../../web/app/network/connection.js';

function harness() {
  FakeWS.all = [];
  const clock = fakeClock();
  const { timers, advance } = clock;
  const states = [], batches = [], stats = [], views = [];
  const c = new Connection({
    url: 'ws://h/ws', WebSocket: FakeWS,
    setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout,
    now: clock.now,
    backoff: { base: 100, max: 1000, random: () => 1 },
    onBatch: (b) => batches.push(b), onStats: (s) => stats.push(s), onView: (v) => views.push(v), onState: (s) => states.push(s),
  });
  return { c, states, batches, stats, views, timers, advance, now: clock.now, ws: () => FakeWS.all[FakeWS.all.length - 1] };
}

test('ws url next to the page', () => {
  assert.equal(wsUrlFor('http://127.0.0.1:8000/'), 'ws://127.0.0.1:8000/ws');
  assert.equal(wsUrlFor('https://x.example/tm/index.html?renderer=webgl#a'), 'wss://x.example/tm/ws');
});

test('delivers batches and stats, counts frames', () => {
  const h = harness();
  h.c.start();
  assert.equal(h.c.state, 'connecting');
  h.ws().open();
  assert.equal(h.c.state, 'open');
  h.ws().msg({ seq: 1, boot: 'b1', events: [{ type: 'inbound' }], dropped: 0 });
  h.ws().msg({ seq: 3, events: [], dropped: 2 });
  h.ws().msg({ stats: { events_per_s: 5 } });
  h.ws().msg('garbage');
  assert.equal(h.batches.length, 2);
  assert.equal(h.batches[1].missed, 0, 'within a connection, losses are what dropped says');
  assert.equal(h.stats[0].eventsPerS, 5);
  assert.equal(h.c.framesReceived, 2);
  assert.equal(h.c.statsReceived, 1);
  assert.equal(h.c.invalidFrames, 1);
});

test('reconnects with growing delays, resends the filter, reports the seq gap', () => {
  const h = harness();
  h.c.start();
  h.ws().open();
  h.c.setFilter(['inbound', 'delivered']);
  h.c.setMaxRate(200);
  assert.deepEqual(h.ws().sent, [{ filter: { types: ['inbound', 'delivered'] } }, { max_rate: 200 }]);
  h.ws().msg({ seq: 10, boot: 'b1', events: [] });
  h.ws().drop();
  assert.equal(h.c.state, 'reconnecting');
  // random() = 1 -> each delay is its cap: 100, 200, 400, 800, 1000, 1000
  const delays = [];
  for (let i = 0; i < 6; i++) {
    delays.push(h.c.retryAt - h.now());
    const before = FakeWS.all.length;
    h.advance(delays[i]);
    assert.equal(FakeWS.all.length, before + 1, 'a new attempt after the delay');
    if (i < 5) h.ws().drop();
  }
  assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
  h.ws().open();
  assert.deepEqual(h.ws().sent, [{ filter: { types: ['inbound', 'delivered'] } }, { max_rate: 200 }], 'filter re-sent');
  h.ws().msg({ seq: 25, boot: 'b1', events: [{ type: 'inbound' }] });
  assert.equal(h.c.seq.lastResume.kind, 'gap');
  assert.equal(h.c.seq.lastResume.missed, 14, '25 - 10, less the one event in this frame');
  assert.equal(h.batches.at(-1).missed, 14);
  assert.equal(h.c.backoff.attempts, 0, 'backoff reset after data arrives');
  assert.equal(h.c.reconnects, 1);
  h.c.setFilter(null);
  assert.deepEqual(h.ws().sent.at(-1), { filter: {} });
});

test('no retry before the backoff delay has passed', () => {
  const h = harness();
  h.c.start();
  h.ws().drop();
  const n = FakeWS.all.length;
  h.advance(99);
  assert.equal(FakeWS.all.length, n);
  h.advance(1);
  assert.equal(FakeWS.all.length, n + 1);
  h.ws().open();
  h.ws().drop();   // opened but never sent data: the backoff keeps growing
  assert.equal(h.c.retryAt - h.now(), 200);
});

test('a stalled open socket is dropped and retried', () => {
  const h = harness();
  h.c.stallMs = 3000;
  h.c.start();
  h.ws().open();
  const first = h.ws();
  h.advance(4500);
  assert.ok(first.closed, 'stalled socket closed');
  assert.equal(h.c.state === 'reconnecting' || h.c.state === 'connecting', true);
  assert.match(h.c.lastError, /no data/);
});

test('stop() ends everything', () => {
  const h = harness();
  h.c.start();
  h.ws().open();
  h.c.stop();
  assert.equal(h.c.state, 'stopped');
  assert.equal(h.timers.length, 0);
});

test('view frames go to onView as sent, and are counted', () => {
  const h = harness();
  h.c.start();
  h.ws().open();
  h.ws().msg({ view: { views: [{ id: 'postfix' }], palette: [] } });
  h.ws().msg({ seq: 1, events: [] });
  assert.equal(h.views.length, 1);
  assert.deepEqual(h.views[0].views, [{ id: 'postfix' }]);
  assert.equal(h.c.viewsReceived, 1);
  assert.equal(h.batches.length, 1, 'a view frame is not a batch');
  assert.equal(h.c.invalidFrames, 0);
});

test('a reconnect to a restarted daemon (another boot) is a restart, not a gap', () => {
  const h = harness();
  h.c.start();
  h.ws().open();
  // The daemon's frames, as sent: boot right after seq, in the first frame only.
  h.ws().msg('{"seq":500,"boot":"aaaa","events":[],"dropped":0}');
  h.ws().msg('{"seq":510,"events":[],"dropped":0}');
  h.ws().drop();
  h.advance(100);
  h.ws().open();
  h.ws().msg('{"seq":900,"boot":"bbbb","events":[{"type":"inbound"}],"dropped":0}');
  assert.equal(h.c.seq.lastResume.kind, 'restart');
  assert.equal(h.batches.at(-1).missed, 0);
  h.ws().drop();
  h.advance(100);
  h.ws().open();
  h.ws().msg('{"seq":950,"boot":"bbbb","events":[],"dropped":0}');
  assert.deepEqual(h.c.seq.lastResume, { kind: 'gap', missed: 50, from: 900, to: 950 });
});

test('the daemon\'s name comes from its frames; boot is found after a leading "daemon"', () => {
  const h = harness();
  h.c.start();
  h.ws().open();
  assert.equal(h.c.daemon, null);
  h.ws().msg('{"daemon":"box2","seq":10,"boot":"run1","events":[{"type":"inbound"}],"dropped":0}');
  assert.equal(h.c.daemon, 'box2');
  assert.equal(h.c.seq.boot, 'run1');
  h.ws().drop();
  h.advance(100);
  h.ws().open();
  h.ws().msg('{"daemon":"box2","seq":4,"boot":"run2","events":[],"dropped":0}');
  assert.equal(h.c.seq.lastResume.kind, 'restart', 'another boot: the daemon restarted');
});
