import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeWS, fakeClock } from './fake_time_and_socket.mjs';
import {
  DaemonSet, daemonTarget, parseDaemonsParam, daemonTargets, perDaemonRate, publicState, DEFAULT_CAP, SERVER_CAP_REQUEST,
} from '../../web/app/network/daemons.js';

const PAGE = 'http://127.0.0.1:8001/?view=postfix';

test('a daemon from a URL as a user writes it', () => {
  assert.deepEqual(daemonTarget('http://127.0.0.1:8002/', PAGE), { url: 'http://127.0.0.1:8002/', wsUrl: 'ws://127.0.0.1:8002/ws' });
  assert.deepEqual(daemonTarget(' http://box2:8000 ', PAGE), { url: 'http://box2:8000/', wsUrl: 'ws://box2:8000/ws' });
  assert.deepEqual(daemonTarget('https://tm.example/box3', PAGE), { url: 'https://tm.example/box3/', wsUrl: 'wss://tm.example/box3/ws' });
  assert.deepEqual(daemonTarget('ws://10.0.0.4:8000/ws', PAGE), { url: 'http://10.0.0.4:8000/', wsUrl: 'ws://10.0.0.4:8000/ws' });
  assert.deepEqual(daemonTarget('//127.0.0.1:8003/', PAGE), { url: 'http://127.0.0.1:8003/', wsUrl: 'ws://127.0.0.1:8003/ws' });
  assert.equal(daemonTarget('', PAGE), null);
  assert.equal(daemonTarget('ftp://x/', PAGE), null);
  assert.equal(daemonTarget('http://[bad', PAGE), null);
});

test('?daemons= is exactly the daemons named, each once', () => {
  const t = parseDaemonsParam('http://127.0.0.1:8002/,,junk://x, http://127.0.0.1:8002,http://127.0.0.1:8003/', PAGE);
  assert.deepEqual(t.map((x) => x.wsUrl), ['ws://127.0.0.1:8002/ws', 'ws://127.0.0.1:8003/ws']);
  const only = daemonTargets({ pageHref: PAGE, daemonsParam: 'http://127.0.0.1:8002/', peers: ['http://127.0.0.1:8009/'] });
  assert.deepEqual(only.map((x) => x.url), ['http://127.0.0.1:8002/'], 'not the page\'s own, not its peers');
});

test('without ?daemons=: the page\'s own daemon first, then its peers, none twice', () => {
  const t = daemonTargets({ pageHref: PAGE, peers: ['http://127.0.0.1:8002/', 'http://127.0.0.1:8001', 'http://127.0.0.1:8003/', 'http://127.0.0.1:8002/'] });
  assert.deepEqual(t.map((x) => x.url), ['http://127.0.0.1:8001/', 'http://127.0.0.1:8002/', 'http://127.0.0.1:8003/']);
  assert.equal(t[0].wsUrl, 'ws://127.0.0.1:8001/ws');
  const own = daemonTargets({ pageHref: PAGE, wsOverride: 'ws://127.0.0.1:9999/ws' });
  assert.deepEqual(own.map((x) => x.wsUrl), ['ws://127.0.0.1:9999/ws'], '?ws= still names the page\'s own');
});

test('the cap is shared: each of N daemons is asked for cap / N', () => {
  assert.equal(perDaemonRate(1000, 1), 1000);
  assert.equal(perDaemonRate(1000, 3), 333);
  assert.ok(perDaemonRate(1000, 3) * 3 <= 1000);
  assert.equal(perDaemonRate(2, 3), 1, 'never 0 (0 would mean nothing)');
  assert.deepEqual(['open', 'connecting', 'idle', 'reconnecting', 'stopped'].map(publicState), ['open', 'connecting', 'connecting', 'closed', 'closed']);
});

// ---- DaemonSet over fake sockets and a fake clock ------------------------------------

function harness() {
  FakeWS.all = [];
  const clock = fakeClock();
  const { timers, advance } = clock;
  const got = { batches: [], stats: [], views: [], states: [] };
  const set = new DaemonSet({
    connection: {
      WebSocket: FakeWS, now: clock.now,
      setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout,
      backoff: { base: 100, max: 10000, random: () => 1 },
      stallMs: 1e9,
    },
    onBatch: (d, b) => got.batches.push([d.name, b.events.length]),
    onStats: (d, s) => got.stats.push([d.name, s.ts]),
    onView: (d, v) => got.views.push([d.name, v]),
    onState: (d, s) => got.states.push([d.url, s]),
  });
  /** The newest socket to a daemon's /ws. */
  const ws = (port) => FakeWS.all.filter((w) => w.url === `ws://127.0.0.1:${port}/ws`).at(-1);
  return { set, got, advance, ws, now: clock.now };
}

function threeBoxes() {
  const h = harness();
  for (const t of daemonTargets({ pageHref: PAGE, peers: ['http://127.0.0.1:8002/', 'http://127.0.0.1:8003/'] })) h.set.add(t);
  h.set.start();
  for (const p of [8001, 8002, 8003]) h.ws(p).open();
  return h;
}

const rates = (w) => w.sent.filter((m) => m.max_rate !== undefined).map((m) => m.max_rate);

test('three daemons: one connection each, named by their frames, counted apart', () => {
  const h = threeBoxes();
  assert.equal(h.set.size, 3);
  h.ws(8001).msg({ daemon: 'box1', seq: 5, boot: 'r1', events: [{ type: 'inbound' }, { type: 'delivered' }], dropped: 0 });
  h.ws(8002).msg({ seq: 9, events: [{ type: 'inbound' }], dropped: 0, boot: 'r2', daemon: 'box2' });
  h.ws(8003).msg({ stats: { ts: 1000 }, daemon: 'box3' });
  const snap = h.set.snapshot(h.now());
  assert.deepEqual(snap.map((d) => [d.name, d.state, d.eventsReceived, d.lastSeq, d.boot]),
    [['box1', 'open', 2, 5, 'r1'], ['box2', 'open', 1, 9, 'r2'], ['box3', 'open', 0, null, null]]);
  assert.deepEqual(snap.map((d) => d.url), ['http://127.0.0.1:8001/', 'http://127.0.0.1:8002/', 'http://127.0.0.1:8003/']);
  assert.deepEqual(h.got.batches, [['box1', 2], ['box2', 1]]);
  assert.deepEqual(h.got.stats, [['box3', 1000]]);
  assert.deepEqual(h.set.summary(), { state: 'open', open: 3, total: 3 });
});

test('a daemon not yet heard from is called by its host', () => {
  const h = threeBoxes();
  assert.equal(h.set.list[1].name, '127.0.0.1:8002');
  h.set.list[0].givenName = 'box1';   // what /api/peers said
  assert.equal(h.set.list[0].name, 'box1');
});

test('each daemon is asked for cap / N, again when N or the choice changes, and after a reconnect', () => {
  const h = harness();
  const [own] = daemonTargets({ pageHref: PAGE });
  h.set.add(own);
  h.set.start();
  h.ws(8001).open();
  assert.deepEqual(rates(h.ws(8001)), [], 'one daemon, nothing chosen: no max_rate, as always');
  h.set.add(daemonTarget('http://127.0.0.1:8002/', PAGE));
  h.set.add(daemonTarget('http://127.0.0.1:8003/', PAGE));
  h.ws(8002).open();
  h.ws(8003).open();
  assert.deepEqual(rates(h.ws(8001)), [500, 333], 'the open connection is told each time N grows');
  for (const p of [8002, 8003]) assert.deepEqual(rates(h.ws(p)), [333], `port ${p}: on open, once`);
  h.set.setUserRate(300);
  for (const p of [8001, 8002, 8003]) assert.deepEqual(rates(h.ws(p)).at(-1), 100);
  h.set.setUserRate(0);
  for (const p of [8001, 8002, 8003]) assert.deepEqual(rates(h.ws(p)).at(-1), 333, '"server cap" shares the cap');
  h.set.setCap(1200);
  assert.deepEqual(rates(h.ws(8002)).at(-1), 400, 'the daemons\' own cap, once known');
  h.ws(8002).drop();
  h.advance(100);
  h.ws(8002).open();
  assert.deepEqual(rates(h.ws(8002)), [400], 'the new connection is told again');
  const total = h.set.list.reduce((a, d) => a + d.conn.maxRate, 0);
  assert.ok(total <= 1200, `total ${total} within the cap`);
});

test('one daemon: the page\'s choice as before (server cap = a request the server clamps)', () => {
  const h = harness();
  h.set.add(daemonTargets({ pageHref: PAGE })[0]);
  h.set.setUserRate(200);
  h.set.start();
  h.ws(8001).open();
  assert.deepEqual(rates(h.ws(8001)), [200]);
  h.set.setUserRate(0);
  assert.deepEqual(rates(h.ws(8001)), [200, SERVER_CAP_REQUEST]);
  assert.equal(DEFAULT_CAP, 1000);
});

test('a daemon that goes away never stops the others; its own backoff retries it', () => {
  const h = threeBoxes();
  h.set.setFilter(['delivered']);
  const w2 = h.ws(8002);
  w2.drop();
  let snap = h.set.snapshot(h.now());
  assert.deepEqual(snap.map((d) => d.state), ['open', 'closed', 'open']);
  assert.equal(snap[1].retryInMs, 100, 'first retry after base (random()=1)');
  assert.equal(snap[0].retryInMs, null);
  assert.deepEqual(h.set.summary(), { state: 'partial', open: 2, total: 3 });
  // the others go on
  h.ws(8001).msg({ seq: 1, events: [{ type: 'delivered' }], dropped: 0 });
  h.ws(8003).msg({ seq: 1, events: [{ type: 'delivered' }], dropped: 0 });
  assert.deepEqual(h.set.snapshot().map((d) => d.eventsReceived), [1, 0, 1]);
  // 8002 keeps failing: its delays grow, nobody else's connection is touched
  const delays = [];
  for (let i = 0; i < 4; i++) {
    h.advance(h.set.list[1].conn.retryAt - h.now());
    assert.equal(h.set.list[1].conn.state, 'connecting');
    h.ws(8002).drop();
    delays.push(h.set.list[1].conn.retryAt - h.now());
  }
  assert.deepEqual(delays, [200, 400, 800, 1600]);
  assert.equal(FakeWS.all.filter((w) => w.url.includes(':8001')).length, 1, 'box1 never reconnected');
  assert.equal(FakeWS.all.filter((w) => w.url.includes(':8003')).length, 1, 'box3 never reconnected');
  // back: open again, told the filter and its share of the cap
  h.advance(h.set.list[1].conn.retryAt - h.now());
  h.ws(8002).open();
  const sent = h.ws(8002).sent;
  assert.deepEqual(sent.find((m) => m.filter), { filter: { types: ['delivered'] } });
  assert.deepEqual(rates(h.ws(8002)), [333]);
  snap = h.set.snapshot(h.now());
  assert.deepEqual(snap.map((d) => d.state), ['open', 'open', 'open']);
  assert.equal(snap[1].reconnects, 1);
  assert.equal(h.set.list[1].pendingResume, true, 'main.js tells the user what passed while it was away');
});

test('retry now skips the wait of every daemon waiting; the filter goes to all', () => {
  const h = threeBoxes();
  h.ws(8001).drop();
  h.ws(8003).drop();
  assert.deepEqual(h.set.summary(), { state: 'partial', open: 1, total: 3 });
  h.set.retryNow();
  assert.deepEqual(h.set.snapshot().map((d) => d.state), ['connecting', 'open', 'connecting']);
  h.ws(8001).open();
  h.ws(8003).open();
  h.set.setFilter(null);
  for (const p of [8001, 8002, 8003]) assert.deepEqual(h.ws(p).sent.at(-1), { filter: {} });
  h.ws(8001).drop(); h.ws(8002).drop(); h.ws(8003).drop();
  assert.deepEqual(h.set.summary(), { state: 'closed', open: 0, total: 3 });
});
