import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Layout, geometry, octetToY, yToOctet, naturalCompare, routeTiers, spread, STORAGE_KEY, OVERFLOW_NAME,
} from '../../web/app/layout.js';

class MemStorage {
  constructor() { this.m = new Map(); }
  getItem(k) { return this.m.has(k) ? this.m.get(k) : null; }
  setItem(k, v) { this.m.set(k, String(v)); }
  removeItem(k) { this.m.delete(k); }
}

test('octet to height: 255 at the top, 0 at the bottom, linear, clamped', () => {
  assert.equal(octetToY(255, 100, 355), 100);
  assert.equal(octetToY(0, 100, 355), 355);
  assert.equal(octetToY(128, 0, 255), 127);
  assert.equal(octetToY(300, 100, 355), 100);
  assert.equal(octetToY(-1, 100, 300), 200, 'unknown -> middle');
  assert.equal(octetToY(NaN, 100, 300), 200);
  for (const o of [0, 1, 74, 127, 200, 255]) assert.equal(yToOctet(octetToY(o, 40, 600), 40, 600), o);
  // monotonic: higher octet -> higher on screen (smaller y)
  for (let o = 1; o < 256; o++) assert.ok(octetToY(o, 10, 700) < octetToY(o - 1, 10, 700));
});

test('geometry: tiers left to right, ball between relays and the scale', () => {
  for (const [w, h] of [[960, 670], [1580, 1030], [320, 240], [100, 100]]) {
    const g = geometry(w, h);
    assert.ok(g.tierX.ingress < g.tierX.mta && g.tierX.mta < g.tierX.proxy);
    assert.ok(g.ball.x - g.ball.r > g.tierX.proxy, `ball right of relays at ${w}x${h}`);
    assert.ok(g.ball.x + g.ball.r < g.scaleX, `ball left of the scale at ${w}x${h}`);
    assert.ok(g.scaleX < g.width && g.floorY < g.height && g.top < g.nodeTop && g.nodeBottom < g.floorY);
    assert.ok(g.scaleTop < g.scaleBottom);
  }
});

test('natural order of node names', () => {
  assert.deepEqual(['mta10', 'mta2', 'mta1', 'a', 'mta'].sort(naturalCompare), ['a', 'mta', 'mta1', 'mta2', 'mta10']);
  assert.equal(spread(0, 1, 0, 100), 50);
  assert.deepEqual([0, 1, 2].map((i) => spread(i, 3, 0, 100)), [25, 50, 75]);
});

test('route tiers by type', () => {
  assert.deepEqual(routeTiers('inbound'), ['ingress', 'mta']);
  for (const t of ['relay', 'delivered', 'transient', 'permanent']) assert.deepEqual(routeTiers(t), ['mta', 'proxy']);
  assert.equal(routeTiers('other'), null);
});

test('nodes appear when first seen, spread evenly in their tier', () => {
  const l = new Layout({ storage: null });
  l.place(1000, 700);
  const a = l.ensure('mta', 'mta2');
  assert.equal(a.created, true);
  assert.equal(l.ensure('mta', 'mta2'), a, 'same node on second sight');
  const b = l.ensure('mta', 'mta1');
  const g = l.geo;
  assert.equal(a.x, g.tierX.mta);
  assert.ok(b.y < a.y, 'sorted by name: mta1 above mta2');
  assert.equal(b.y, Math.round(spread(0, 2, g.nodeTop, g.nodeBottom)));
  assert.equal(l.find('mta1'), b);
  assert.equal(l.find('nope'), undefined);
  const p = l.ensure('proxy', 'proxy1');
  assert.equal(p.x, g.tierX.proxy);
  assert.equal(l.ensure('mta', ''), l.ensure('mta', '?'), 'empty names share "?"');
});

test('too many names in a tier share an overflow node', () => {
  const l = new Layout({ storage: null, maxPerTier: 3 });
  for (let i = 0; i < 3; i++) l.ensure('proxy', 'p' + i);
  const x = l.ensure('proxy', 'p3');
  const y = l.ensure('proxy', 'p4');
  assert.equal(x, y);
  assert.equal(x.name, OVERFLOW_NAME);
  assert.equal(l.lists.proxy.length, 4);
  assert.equal(l.lists.proxy[3], x, 'overflow node sorts last');
});

test('dragged positions persist in storage, survive resize, and reset', () => {
  const st = new MemStorage();
  const l = new Layout({ storage: st });
  l.place(1000, 500);
  const n = l.ensure('mta', 'mta1');
  l.moveNode(n, 250, 100);
  assert.deepEqual([n.x, n.y], [250, 100]);
  assert.ok(l.isMoved(n));
  assert.deepEqual(JSON.parse(st.getItem(STORAGE_KEY)).nodes['mta:mta1'], [0.25, 0.2]);
  l.place(2000, 1000);
  assert.deepEqual([n.x, n.y], [500, 200], 'kept as a fraction of the view');

  const l2 = new Layout({ storage: st });
  l2.place(1000, 500);
  const n2 = l2.ensure('mta', 'mta1');
  assert.deepEqual([n2.x, n2.y], [250, 100], 'restored from storage');
  l2.reset();
  assert.equal(st.getItem(STORAGE_KEY), null);
  assert.equal(n2.x, l2.geo.tierX.mta);
  assert.ok(!l2.isMoved(n2));
});

test('corrupt or throwing storage is harmless', () => {
  const bad = new MemStorage();
  bad.setItem(STORAGE_KEY, '{not json');
  const l = new Layout({ storage: bad });
  l.place(800, 600);
  l.ensure('mta', 'x');
  const throwing = { getItem() { throw new Error('denied'); }, setItem() { throw new Error('quota'); }, removeItem() { throw new Error('x'); } };
  const l2 = new Layout({ storage: throwing });
  const n = l2.ensure('mta', 'y');
  l2.moveNode(n, 10, 10);
  l2.reset();
  const junk = new MemStorage();
  junk.setItem(STORAGE_KEY, JSON.stringify({ nodes: { 'mta:a': [5, -2], 'mta:b': 'x', 'mta:c': [NaN, 1] } }));
  const l3 = new Layout({ storage: junk });
  assert.deepEqual(l3.overrides['mta:a'], [1, 0]);
  assert.equal(l3.overrides['mta:b'], undefined);
  assert.equal(l3.overrides['mta:c'], undefined);
});

test('links are remembered once', () => {
  const l = new Layout({ storage: null });
  const a = l.ensure('mta', 'a'), b = l.ensure('proxy', 'b');
  const v = l.version;
  l.link(a, b);
  assert.ok(l.version > v);
  const v2 = l.version;
  l.link(a, b);
  assert.equal(l.version, v2);
  assert.ok(l.hasLink(a, b));
  assert.equal(l.links.length, 1);
});
