import { test } from 'node:test';
import assert from 'node:assert/strict';
import { orderNodes, foldQuietest, volumeRanking, tierCapacity, naturalCompare, MIN_DRAWN_PER_TIER } from '../../web/app/model/node_order.js';

const nodes = (spec) => spec.map(([name, count], seq) => ({ name, count, seq }));

test('natural order: mta2 before mta10, whatever the order of first sight', () => {
  const ns = nodes([['mta10', 0], ['mta2', 0], ['mta1', 0], ['10.0.0.11:8080', 0], ['10.0.0.9:8080', 0]]);
  assert.deepEqual(orderNodes(ns, 'natural').map((n) => n.name), ['10.0.0.9:8080', '10.0.0.11:8080', 'mta1', 'mta2', 'mta10']);
  assert.ok(naturalCompare('a2', 'a10') < 0 && naturalCompare('a10', 'a2') > 0 && naturalCompare('x', 'x') === 0);
  // by name ignores case: capitals do not come first
  assert.deepEqual(['bob', 'Carol', 'alice', 'Alice', 'admin2', 'Admin10'].sort(naturalCompare),
    ['admin2', 'Admin10', 'Alice', 'alice', 'bob', 'Carol']);
});

test('volume order: the ranking as taken; unranked nodes last in order of first sight; ties by name', () => {
  const ns = nodes([['b', 5], ['a', 5], ['c', 9]]);
  const ranking = volumeRanking(ns);
  assert.deepEqual([...ranking.keys()], ['c', 'a', 'b'], 'busiest first, a tie in natural order');
  ns[1].count = 1000;   // counts move on: the ranking does not
  const later = [...ns, { name: 'z', count: 50, seq: 3 }, { name: 'd', count: 70, seq: 4 }];
  assert.deepEqual(orderNodes(later, 'volume', ranking).map((n) => n.name), ['c', 'a', 'b', 'z', 'd']);
  assert.deepEqual(orderNodes(later, 'volume', null).map((n) => n.name), ['a', 'b', 'c', 'd', 'z'], 'no ranking: natural');
});

test('fold: nothing at or under the limit; beyond it the quietest, busiest of them first, drawn order kept', () => {
  const ns = nodes([['n1', 3], ['n2', 50], ['n3', 1], ['n4', 20], ['n5', 7]]);
  const same = foldQuietest(ns, 5);
  assert.equal(same.folded.length, 0);
  assert.equal(same.shown, ns);
  const f = foldQuietest(ns, 4);
  assert.deepEqual(f.shown.map((n) => n.name), ['n2', 'n4', 'n5'], 'limit 4: three drawn and the fold');
  assert.deepEqual(f.folded.map((n) => n.name), ['n1', 'n3']);
  const all = foldQuietest(ns, 1);
  assert.equal(all.shown.length, 0);
  assert.equal(all.folded.length, 5, 'a limit of one: only the fold');
});

test('tier capacity: at least 60, more when the tier is tall', () => {
  assert.equal(tierCapacity(300), MIN_DRAWN_PER_TIER);
  assert.ok(tierCapacity(1200) > 100);
});
