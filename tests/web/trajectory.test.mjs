import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trajectory, gapY, NODE_CLEARANCE, ARRIVE_SHORT, MAX_POINTS } from '../../web/app/render/trajectory.js';

const A = { x: 100, y: 300 }, B = { x: 500, y: 200 };
const base = { a: A, b: B, floorY: 700, width: 1000, random: () => 0.5 };
const near = (px, py, node, r) => Math.hypot(px - node.x, py - node.y) <= r;

test('a failure reaches the node it failed at, then falls from there', () => {
  const t = trajectory({ ...base, then: 'fall' });
  assert.equal(t.px.length, 3);
  assert.ok(near(t.px[1], t.py[1], B, ARRIVE_SHORT + 1), `at the target (${t.px[1]}, ${t.py[1]}), not 45% of the way`);
  assert.equal(t.fall, 1, 'the segment after the target falls');
  assert.ok(t.py[2] > 690 && t.py[2] <= 697, 'to the floor');
});

test('a return turns back at the node, and comes home', () => {
  const t = trajectory({ ...base, then: 'return' });
  assert.ok(near(t.px[1], t.py[1], B, ARRIVE_SHORT + 1), 'turns at the target, not 62% of the way');
  assert.ok(near(t.px.at(-1), t.py.at(-1), A, 10), 'back at the source');
  assert.equal(t.fall, -1);
});

test('a dot stops short of the node, on the side it comes from, so the label stays readable', () => {
  const t = trajectory({ ...base, then: 'stop' });
  const d = Math.hypot(t.px[1] - B.x, t.py[1] - B.y);
  assert.ok(d > ARRIVE_SHORT - 0.01 && d < ARRIVE_SHORT + 0.01, `stops ${d} px short`);
  assert.ok(t.px[1] < B.x, 'on the left: the label is on the right');
});

test('a type that skips a tier goes around the nodes in between', () => {
  // The straight line from (100, 300) to (500, 200) crosses x=300 at y=250: a node sits there.
  const between = [{ x: 300, ys: [150, 250, 350] }];
  const t = trajectory({ ...base, then: 'stop', between });
  assert.equal(t.px[1], 300);
  for (const y of between[0].ys) assert.ok(Math.abs(t.py[1] - y) >= NODE_CLEARANCE, `clear of the node at ${y} (passes at ${t.py[1]})`);
  assert.ok(Math.abs(t.py[1] - 250) <= 50, 'through the nearest gap');
  // clear of every node already: the straight line
  const clear = trajectory({ ...base, then: 'stop', between: [{ x: 300, ys: [100, 400] }] });
  assert.equal(clear.py[1], 250);
  // a return comes back the same way round
  const r = trajectory({ ...base, then: 'return', between });
  assert.equal(r.px[3], 300);
  assert.equal(r.py[3], t.py[1]);
});

test('gapY: above, between or below the nodes, whichever is nearest', () => {
  assert.equal(gapY(250, [150, 250, 350]), 200);
  assert.equal(gapY(90, [100, 200]), 100 - 2 * NODE_CLEARANCE);
  assert.equal(gapY(205, [100, 200]), 200 + 2 * NODE_CLEARANCE);
  assert.equal(gapY(180, [100, 300]), 180, 'clear: unchanged');
});

test('sink, stay, and the size of a dot\'s arrays', () => {
  const s = trajectory({ ...base, then: 'sink', sink: { x: 900, y: 123 } });
  assert.deepEqual([s.px.at(-1), s.py.at(-1)], [900, 123]);
  assert.equal(s.px[1], B.x, 'a sink dot passes through the node itself');
  const stay = trajectory({ ...base, b: A, then: 'stop' });
  assert.equal(stay.hold, true);
  const fallHere = trajectory({ ...base, b: A, then: 'fall' });
  assert.equal(fallHere.fall, 0);
  const many = Array.from({ length: 6 }, (_, i) => ({ x: 150 + i * 50, ys: [300] }));
  const longest = trajectory({ ...base, then: 'return', between: many });
  assert.ok(longest.px.length <= MAX_POINTS, `${longest.px.length} points`);
});
