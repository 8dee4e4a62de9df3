import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseMessage, normalizeStats, firstOctet, typeKind, filterMessage, maxRateMessage,
  wantedTypes, KNOWN_TYPES, TYPE_COLORS, colorCss,
} from '../../web/app/protocol.js';

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
  assert.equal(n.events[0].type, 'unknown', 'missing type becomes unknown (drawn grey)');
  assert.equal(n.events[1].type, 'unknown');
});

test('invalid frames never throw', () => {
  for (const t of ['', 'nope', '[1,2]', 'null', '42', '{"hello":1}', '{"seq":']) {
    const m = parseMessage(t);
    assert.equal(m.kind, 'invalid', t);
    assert.equal(typeof m.error, 'string');
  }
});

test('parses a stats frame', () => {
  const m = parseMessage(JSON.stringify({ stats: {
    ts: 1764233462000, lines_per_s: 1234, events_per_s: 1200,
    deliveries_per_s: { delivered: 900, transient: 90, permanent: 45 },
    bounce_ratio: 0.13,
    relay_matrix: { mta1: { proxy1: 120, proxy2: 60, proxy3: 20 }, mta2: { proxy1: 10 } },
    dropped_per_s: 0 } }));
  assert.equal(m.kind, 'stats');
  const s = m.stats;
  assert.equal(s.linesPerS, 1234);
  assert.equal(s.eventsPerS, 1200);
  assert.equal(s.bounceRatio, 0.13);
  assert.equal(s.droppedPerS, 0);
  assert.deepEqual(s.relayMatrix.mta1, { proxy1: 120, proxy2: 60, proxy3: 20 });
  assert.equal(s.deliveriesPerS.permanent, 45);
});

test('stats: missing keys degrade gracefully, bounce ratio derived', () => {
  const s = normalizeStats({ deliveries_per_s: { delivered: 900, transient: 90, permanent: 45 }, relay_matrix: { mta1: 'x', mta2: { p: 'NaN', q: '3' } } });
  assert.equal(s.linesPerS, null);
  assert.equal(s.eventsPerS, null);
  assert.ok(Math.abs(s.bounceRatio - 135 / 1035) < 1e-12);
  assert.deepEqual(s.relayMatrix, { mta2: { q: 3 } });
  const e = normalizeStats(undefined);
  assert.equal(e.bounceRatio, null);
  assert.deepEqual(e.relayMatrix, {});
  assert.equal(normalizeStats({ bounce_ratio: 7 }).bounceRatio, 1, 'clamped to [0,1]');
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

test('type kinds and colours', () => {
  for (const t of KNOWN_TYPES) assert.equal(typeKind(t), t);
  assert.equal(typeKind('expired'), 'other');
  assert.equal(typeKind(undefined), 'other');
  assert.equal(colorCss(TYPE_COLORS.inbound), '#3fb950');
  assert.equal(colorCss(0x0000ff), '#0000ff');
});

test('client messages', () => {
  assert.deepEqual(JSON.parse(filterMessage(['delivered', 'permanent'])), { filter: { types: ['delivered', 'permanent'] } });
  assert.deepEqual(JSON.parse(filterMessage(null)), { filter: {} });
  assert.deepEqual(JSON.parse(maxRateMessage(200.7)), { max_rate: 200 });
  assert.deepEqual(JSON.parse(maxRateMessage(0)), { max_rate: 1 });
});

test('wanted types: nothing hidden means no filter; squelching errors keeps the rest', () => {
  assert.equal(wantedTypes(new Set(), new Set(['expired'])), null);
  assert.deepEqual(wantedTypes(new Set(['transient', 'permanent']), new Set(['delivered', 'expired'])),
    ['inbound', 'relay', 'delivered', 'expired']);
  assert.deepEqual(wantedTypes(new Set(['other']), new Set(['expired', 'inbound'])),
    ['inbound', 'relay', 'delivered', 'transient', 'permanent']);
});
