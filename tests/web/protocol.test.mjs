import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseMessage, normalizeStats, firstOctet, filterMessage, maxRateMessage, wantedTypes, numberMatrix,
} from '../../web/app/network/protocol.js';

test('parses an event batch', () => {
  const m = parseMessage('{"seq":7,"events":[{"ts":1,"rule":"r","type":"delivered","from":"mta1","to":"proxy2","ip":"74.125.1.9"}],"dropped":3}');
  assert.equal(m.kind, 'batch');
  assert.equal(m.seq, 7);
  assert.equal(m.dropped, 3);
  assert.equal(m.events.length, 1);
  assert.equal(m.events[0].to, 'proxy2');
});

test('batch with missing fields is tolerated', () => {
  const m = parseMessage('{"seq":1}');
  assert.equal(m.kind, 'batch');
  assert.deepEqual(m.events, []);
  assert.equal(m.dropped, 0);
  const n = parseMessage('{"events":[{"from":"a"}, 5, null, [1], {"type":7}],"dropped":-4}');
  assert.equal(n.kind, 'batch');
  assert.equal(n.seq, null);
  assert.equal(n.dropped, 0, 'negative dropped clamps to 0');
  assert.equal(n.events.length, 2, 'non-objects discarded');
  assert.equal(n.events[0].type, 'unknown', 'missing type becomes unknown (drawn in a palette colour)');
  assert.equal(n.events[1].type, 'unknown');
});

test('invalid frames never throw', () => {
  for (const t of ['', 'nope', '[1,2]', 'null', '42', '{"hello":1}', '{"seq":']) {
    const m = parseMessage(t);
    assert.equal(m.kind, 'invalid', t);
    assert.equal(typeof m.error, 'string');
  }
});

test('parses a view frame as sent', () => {
  const m = parseMessage(JSON.stringify({ view: { views: [{ id: 'a' }], palette: ['#000000'] } }));
  assert.equal(m.kind, 'view');
  assert.deepEqual(m.view.views, [{ id: 'a' }]);
  assert.equal(parseMessage('{"view": 3}').kind, 'invalid');
});

test('parses a generic stats frame (docs/views.md)', () => {
  const m = parseMessage(JSON.stringify({ stats: {
    ts: 1764233462000, lines_per_s: 3000, matched_per_s: 2900, unmatched_per_s: 100,
    events_per_s: 2500, dropped_per_s: 1500, clients: 1,
    metrics: { c: { kind: 'counter', per_s: 5 } },
    shares: [{ view: 'postfix', title: 'MTA to relay', metric: 'm', rows: 'mta', cols: 'relay',
      counts: { mta1: { proxy1: 12, proxy2: 4 } }, shares: { mta1: { proxy1: 0.75, proxy2: 0.25 } }, omitted: 2 }],
    ratios: [{ view: 'postfix', title: 'bounce ratio', metric: 'm', part: 3, total: 40, value: 0.075 }],
    reload: { ok: true, error: null } } }));
  assert.equal(m.kind, 'stats');
  const s = m.stats;
  assert.equal(s.linesPerS, 3000);
  assert.equal(s.matchedPerS, 2900);
  assert.equal(s.unmatchedPerS, 100);
  assert.equal(s.eventsPerS, 2500);
  assert.equal(s.droppedPerS, 1500);
  assert.equal(s.clients, 1);
  assert.deepEqual(s.shares, [{ view: 'postfix', title: 'MTA to relay', metric: 'm', rows: 'mta', cols: 'relay', counts: { mta1: { proxy1: 12, proxy2: 4 } }, omitted: 2 }]);
  assert.deepEqual(s.ratios, [{ view: 'postfix', title: 'bounce ratio', metric: 'm', part: 3, total: 40 }]);
  assert.equal(s.metrics.c.per_s, 5);
  assert.equal(s.reload.ok, true);
});

test('stats: missing or junk keys degrade gracefully', () => {
  const s = normalizeStats({ shares: [null, { counts: { mta1: 'x', mta2: { p: 'NaN', q: '3' } } }], ratios: 'no', metrics: [1] });
  assert.equal(s.linesPerS, null);
  assert.equal(s.eventsPerS, null);
  assert.equal(s.shares.length, 1);
  assert.deepEqual(s.shares[0].counts, { mta2: { q: 3 } });
  assert.equal(s.shares[0].title, '');
  assert.deepEqual(s.ratios, []);
  assert.deepEqual(s.metrics, {});
  const e = normalizeStats(undefined);
  assert.deepEqual(e.shares, []);
  assert.equal(e.reload, null);
  assert.deepEqual(numberMatrix({ a: { b: 1, c: 'z' }, d: {} }), { a: { b: 1 } });
});

test('first octet of IPv4, IPv6 and junk', () => {
  assert.equal(firstOctet('74.125.1.9'), 74);
  assert.equal(firstOctet('0.0.0.0'), 0);
  assert.equal(firstOctet('255.1.1.1'), 255);
  assert.equal(firstOctet('256.1.1.1'), -1);
  assert.equal(firstOctet('1234.1.1.1'), -1);
  assert.equal(firstOctet('a.b.c.d'), -1);
  assert.equal(firstOctet('2a00:1450:4001::1'), 0x2a);
  assert.equal(firstOctet('[2001:db8::1]'), 0x20);
  assert.equal(firstOctet('::1'), 0);
  assert.equal(firstOctet(''), -1);
  assert.equal(firstOctet(undefined), -1);
  assert.equal(firstOctet('none'), -1);
});

test('client messages', () => {
  assert.deepEqual(JSON.parse(filterMessage(['delivered', 'permanent'])), { filter: { types: ['delivered', 'permanent'] } });
  assert.deepEqual(JSON.parse(filterMessage(null)), { filter: {} });
  assert.deepEqual(JSON.parse(maxRateMessage(200.7)), { max_rate: 200 });
  assert.deepEqual(JSON.parse(maxRateMessage(0)), { max_rate: 1 });
});

test('wanted types: nothing hidden means no filter; hiding keeps every other known type', () => {
  assert.equal(wantedTypes(new Set(), new Set(['expired'])), null);
  assert.deepEqual(wantedTypes(new Set(['transient', 'permanent']), new Set(['inbound', 'delivered', 'transient', 'permanent', '2xx'])),
    ['inbound', 'delivered', '2xx']);
  assert.deepEqual(wantedTypes(new Set(['x']), ['a', 'a', 'x', 'b']), ['a', 'b'], 'no duplicates');
});

test('several boxes: the daemon\'s name and the boot are read wherever they sit in a frame', () => {
  const b = parseMessage('{"daemon":"box2","seq":3,"boot":"r9","events":[],"dropped":0}');
  assert.equal(b.kind, 'batch');
  assert.equal(b.daemon, 'box2');
  assert.equal(b.boot, 'r9');
  const s = parseMessage('{"stats":{"ts":1000},"daemon":"box3"}');
  assert.equal(s.kind, 'stats');
  assert.equal(s.daemon, 'box3');
  assert.equal(parseMessage('{"view":{"views":[]},"daemon":"box1"}').daemon, 'box1');
  const plain = parseMessage('{"seq":1,"events":[],"dropped":0}');
  assert.equal('daemon' in plain, false, 'a frame without a name has none');
  assert.equal('boot' in plain, false);
  assert.equal(parseMessage('{"daemon":7,"seq":1}').daemon, undefined, 'only a string names a daemon');
});
