import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Layout, geometry, naturalCompare, spread, storageKey, OVERFLOW_NAME } from '../../web/app/model/layout.js';
import { normalizeViewSet } from '../../web/app/model/views.js';
import { MAIL, WEB, frame, MemStorage } from './fixtures.mjs';

const viewOf = (v) => normalizeViewSet(frame(v)).views[0];
const mail = viewOf(MAIL);
const web = viewOf(WEB);

test('geometry: any number of tiers left to right, spaced by the count', () => {
  for (const n of [1, 2, 3, 5, 8]) {
    for (const sink of [true, false]) {
      const g = geometry(1200, 700, { tiers: n, sink });
      assert.equal(g.tierX.length, n);
      for (let i = 1; i < n; i++) assert.ok(g.tierX[i] > g.tierX[i - 1], `tiers in order (${n}, sink ${sink})`);
      if (n > 2) {
        const gaps = g.tierX.slice(1).map((x, i) => x - g.tierX[i]);
        assert.ok(Math.max(...gaps) - Math.min(...gaps) <= 1, 'even spacing');
      }
    }
  }
});

test('geometry: with a sink the ball sits between the last tier and the scale; without one the tiers use the width', () => {
  for (const [w, h] of [[960, 670], [1580, 1030], [320, 240], [100, 100]]) {
    const g = geometry(w, h, { tiers: 3, sink: true });
    const last = g.tierX[2];
    assert.ok(g.ball.x - g.ball.r > last, `ball right of the last tier at ${w}x${h}`);
    assert.ok(g.ball.x + g.ball.r < g.scaleX, `ball left of the scale at ${w}x${h}`);
    assert.ok(g.scaleX < g.width && g.floorY < g.height && g.top < g.nodeTop && g.nodeBottom < g.floorY);
    const n = geometry(w, h, { tiers: 3, sink: false });
    assert.equal(n.ball, null);
    assert.equal(n.scaleX, null);
    assert.ok(n.tierX[2] > g.tierX[2] + g.width * 0.2, 'no sink: the last tier moves right');
  }
  const one = geometry(1000, 600, { tiers: 1, sink: false });
  assert.equal(one.tierX[0], 500, 'one tier, no sink: in the middle');
});

test('natural order of node names', () => {
  assert.deepEqual(['mta10', 'mta2', 'mta1', 'a', 'mta'].sort(naturalCompare), ['a', 'mta', 'mta1', 'mta2', 'mta10']);
  assert.equal(spread(0, 1, 0, 100), 50);
  assert.deepEqual([0, 1, 2].map((i) => spread(i, 3, 0, 100)), [25, 50, 75]);
});

test('the layout takes its tiers from the view', () => {
  const l = new Layout({ view: web });
  l.place(1000, 700);
  assert.deepEqual(l.tiers, ['lb', 'app']);
  assert.equal(l.hasSink, false);
  const a = l.ensure('lb', 'lb1'), b = l.ensure('app', 'app1');
  assert.equal(a.x, l.geo.tierX[0]);
  assert.equal(b.x, l.geo.tierX[1]);
  assert.equal(l.tierX('app'), b.x);
  assert.equal(l.ensure('nope', 'x').tier, 'lb', 'an unknown tier falls back to the first');
  assert.deepEqual(l.allNodes().map((n) => n.tier), ['lb', 'lb', 'app'], 'tier by tier, left to right');
});

test('nodes appear when first seen, spread evenly in their tier, in natural order', () => {
  const l = new Layout({ view: mail });
  l.place(1000, 700);
  const a = l.ensure('mta', 'mta10');
  assert.equal(l.ensure('mta', 'mta10'), a, 'same node on second sight');
  const b = l.ensure('mta', 'mta2');
  const g = l.geo;
  assert.equal(a.x, g.tierX[1]);
  assert.ok(b.y < a.y, 'mta2 above mta10');
  assert.equal(b.y, Math.round(spread(0, 2, g.nodeTop, g.nodeBottom)));
  assert.equal(l.find('mta2'), b);
  assert.equal(l.find('nope'), undefined);
  assert.equal(l.ensure('mta', ''), l.ensure('mta', '?'), 'empty names share "?"');
});

test('a fold only beyond the limit: it holds the quietest nodes and is drawn last, at their place', () => {
  const l = new Layout({ view: mail, maxPerTier: 4 });
  l.place(1000, 700);
  for (let i = 1; i <= 4; i++) l.ensure('relay', 'p' + i);
  assert.equal(l.folds.get('relay'), null, 'exactly at the limit: no fold');
  assert.equal(l.shown.get('relay').length, 4);
  l.get('relay', 'p1').count = 50;
  l.get('relay', 'p3').count = 40;
  l.get('relay', 'p4').count = 30;
  const p5 = l.ensure('relay', 'p5');
  const fold = l.folds.get('relay');
  assert.ok(fold, 'one beyond the limit: a fold');
  assert.equal(fold.name, OVERFLOW_NAME);
  assert.deepEqual(l.shown.get('relay').map((n) => n.name), ['p1', 'p3', 'p4', OVERFLOW_NAME], 'the three busiest, then the fold');
  assert.deepEqual(fold.members.map((n) => n.name).sort(), ['p2', 'p5'], 'the fold holds the two quietest');
  assert.ok(p5.folded && !l.get('relay', 'p1').folded);
  assert.deepEqual([p5.x, p5.y], [fold.x, fold.y], 'a folded node is drawn (and its dots go) at the fold');
  assert.equal(l.ensure('relay', 'p5'), p5, 'a folded node keeps its own record and count');
  assert.equal(l.allNodes().length, 5 + l.lists.get('ingress').length + l.lists.get('mta').length, 'allNodes: every real node, no fold');
  // counts move on: the fold is re-decided when asked, not per event
  p5.count = 100;
  assert.equal(l.refold(), true);
  assert.ok(!p5.folded, 'busy now: drawn');
  assert.deepEqual(fold.members.map((n) => n.name).sort(), ['p2', 'p4']);
  assert.equal(l.refold(), false, 'nothing changed: nothing redrawn');
});

test('the limit follows the picture: at least 60 per tier at 1280x720', () => {
  const l = new Layout({ view: mail });
  l.place(950, 640);
  assert.ok(l.limit() >= 60, `limit ${l.limit()}`);
  for (let i = 1; i <= 60; i++) l.ensure('mta', 'mta' + i);
  assert.equal(l.folds.get('mta'), null, '60 MTAs: every one drawn');
  assert.equal(l.shown.get('mta').length, 60);
  assert.ok(l.rowSpacing('mta') >= 7, `rows ${l.rowSpacing('mta')} px apart`);
});

test('order: natural by default, by volume on request, stable while nodes appear', () => {
  const l = new Layout({ view: mail });
  l.place(1000, 700);
  for (const name of ['mta10', 'mta2', 'mta1']) l.ensure('mta', name);
  const names = () => l.shown.get('mta').map((n) => n.name);
  assert.deepEqual(names(), ['mta1', 'mta2', 'mta10']);
  l.get('mta', 'mta10').count = 9;
  l.get('mta', 'mta1').count = 5;
  assert.deepEqual(names(), ['mta1', 'mta2', 'mta10'], 'natural order does not follow counts');
  l.setOrder('volume');
  assert.deepEqual(names(), ['mta10', 'mta1', 'mta2']);
  const y10 = l.get('mta', 'mta10').y;
  l.get('mta', 'mta2').count = 99;
  l.ensure('mta', 'mta3');
  assert.deepEqual(names(), ['mta10', 'mta1', 'mta2', 'mta3'], 'not re-ranked behind the user\'s back; a new node goes last');
  assert.ok(l.get('mta', 'mta10').y < y10, 'only spacing changes');
  l.setOrder('natural');
  assert.deepEqual(names(), ['mta1', 'mta2', 'mta3', 'mta10']);
  l.setOrder('nonsense');
  assert.equal(l.order, 'natural');
});

test('dragged positions persist per view, survive resize, and reset', () => {
  const st = new MemStorage();
  const l = new Layout({ view: mail, storage: st });
  l.place(1000, 500);
  const n = l.ensure('mta', 'mta1');
  l.moveNode(n, 250, 100);
  assert.deepEqual([n.x, n.y], [250, 100]);
  assert.ok(l.isMoved(n));
  assert.equal(storageKey('postfix'), 'tapemeasure.layout.v2:postfix');
  assert.deepEqual(JSON.parse(st.getItem(storageKey('postfix'))).nodes['mta:mta1'], [0.25, 0.2]);
  l.place(2000, 1000);
  assert.deepEqual([n.x, n.y], [500, 200], 'kept as a fraction of the picture');

  const other = new Layout({ view: { ...mail, id: 'other' }, storage: st });
  other.place(1000, 500);
  assert.equal(other.isMoved(other.ensure('mta', 'mta1')), false, 'another view has its own positions');

  const l2 = new Layout({ view: mail, storage: st });
  l2.place(1000, 500);
  const n2 = l2.ensure('mta', 'mta1');
  assert.deepEqual([n2.x, n2.y], [250, 100], 'restored from storage');
  l2.reset();
  assert.equal(st.getItem(storageKey('postfix')), null);
  assert.equal(n2.x, l2.geo.tierX[1]);
  assert.ok(!l2.isMoved(n2));
});

test('corrupt or throwing storage is harmless', () => {
  const bad = new MemStorage();
  bad.setItem(storageKey('postfix'), '{not json');
  const l = new Layout({ view: mail, storage: bad });
  l.place(800, 600);
  l.ensure('mta', 'x');
  const throwing = { getItem() { throw new Error('denied'); }, setItem() { throw new Error('quota'); }, removeItem() { throw new Error('x'); } };
  const l2 = new Layout({ view: mail, storage: throwing });
  const n = l2.ensure('mta', 'y');
  l2.moveNode(n, 10, 10);
  l2.reset();
  const junk = new MemStorage();
  junk.setItem(storageKey('postfix'), JSON.stringify({ nodes: { 'mta:a': [5, -2], 'mta:b': 'x', 'mta:c': [NaN, 1] } }));
  const l3 = new Layout({ view: mail, storage: junk });
  assert.deepEqual(l3.overrides['mta:a'], [1, 0]);
  assert.equal(l3.overrides['mta:b'], undefined);
  assert.equal(l3.overrides['mta:c'], undefined);
});

test('links are remembered once, never to the node itself', () => {
  const l = new Layout({ view: mail });
  const a = l.ensure('mta', 'a'), b = l.ensure('relay', 'b');
  const v = l.version;
  l.link(a, b);
  assert.ok(l.version > v);
  const v2 = l.version;
  l.link(a, b);
  l.link(a, a);
  assert.equal(l.version, v2);
  assert.ok(l.hasLink(a, b));
  assert.equal(l.links.length, 1);
});
