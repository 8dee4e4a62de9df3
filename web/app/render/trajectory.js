// Where a dot goes: its waypoints, from the type's `then` and the nodes it joins. Pure (no
// Phaser), so the geometry is tested under node (tests/web/trajectory.test.mjs).
//
// - Every dot that has a target reaches it: a failure (`fall`) drops from the node it
//   failed at, a `return` turns back at it; no dot turns or falls in the middle of a link,
//   where it would say nothing about where it failed.
// - A dot whose target is more than one tier away goes around the nodes of the tiers in
//   between, through the gap nearest its straight line, so that it never seems to pass
//   through a node it did not visit.
// - A dot stops a little short of a node, on the side it came from, and the node's label
//   (drawn to the node's right) stays readable under heavy traffic.

/** Most waypoints a trajectory has (a dot's arrays are this long). */
export const MAX_POINTS = 16;
/** How close (px) a straight line may pass by a node it does not visit. */
export const NODE_CLEARANCE = 14;
/** How far short of a node's centre a dot arriving at it stops (px). */
export const ARRIVE_SHORT = 9;

/**
 * The y at which a path crossing the column at x0 (between nodes at `ys`) should pass,
 * given the y its straight line would have there: unchanged when clear of every node,
 * else the middle of the nearest gap (or past the first or last node).
 */
export function gapY(lineY, ys) {
  const sorted = [...ys].sort((p, q) => p - q);
  if (!sorted.some((y) => Math.abs(y - lineY) < NODE_CLEARANCE)) return lineY;
  const candidates = [sorted[0] - 2 * NODE_CLEARANCE, sorted[sorted.length - 1] + 2 * NODE_CLEARANCE];
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] - sorted[i - 1] >= 2 * NODE_CLEARANCE) candidates.push((sorted[i] + sorted[i - 1]) / 2);
  }
  let best = candidates[0];
  for (const c of candidates) if (Math.abs(c - lineY) < Math.abs(best - lineY)) best = c;
  return best;
}

/**
 * @param {object} p
 * @param {{x:number,y:number}} p.a source node
 * @param {{x:number,y:number}} p.b target node (the same as a for a type that stays)
 * @param {'stop'|'sink'|'return'|'fall'} p.then
 * @param {{x:number,ys:number[]}[]} [p.between] the tiers strictly between a and b: their x and node ys
 * @param {number} p.floorY
 * @param {number} p.width the picture's width (fall drift)
 * @param {{x:number,y:number}|null} [p.sink] where a `sink` dot lands on the scale
 * @param {number} [p.jx] [p.jy] jitter, so dots on one link do not draw one line
 * @param {() => number} [p.random]
 * @returns {{px:number[], py:number[], fall:number, hold:boolean, fade:number}} fall: the index
 *   of the segment that falls (gravity), or -1; hold: a dot that stays at its node
 */
export function trajectory({ a, b, then, between = [], floorY, width, sink = null, jx = 0, jy = 0, random = Math.random }) {
  const px = [a.x], py = [a.y + jy * 0.4];
  if (a === b || (a.x === b.x && a.y === b.y)) {
    if (then === 'sink' && sink) {
      px.push(sink.x); py.push(sink.y);
      return { px, py, fall: -1, hold: false, fade: 450 };
    }
    if (then === 'fall') {
      px.push(a.x + width * 0.05 + jx * 3); py.push(floorY - 3 - random() * 3);
      return { px, py, fall: 0, hold: false, fade: 900 };
    }
    // stays at its node: a short hold, drifting up a little, then it fades
    px[0] = a.x + jx * 1.5; py[0] = a.y + jy;
    px.push(px[0]); py.push(py[0] - 10);
    return { px, py, fall: -1, hold: true, fade: 500 };
  }
  // Around the nodes of the tiers in between.
  const via = [];
  for (const t of between) {
    const f = (t.x - a.x) / (b.x - a.x);
    if (!(f > 0 && f < 1)) continue;
    const lineY = a.y + (b.y - a.y) * f;
    via.push([t.x, gapY(lineY, t.ys) + jy * 0.5]);
  }
  for (const [x, y] of via) { px.push(x); py.push(y); }
  // The target: a little short of its centre, on the side the dot comes from.
  const [lx, ly] = via.length ? via[via.length - 1] : [a.x, a.y];
  const dx = b.x - lx, dy = b.y - ly, len = Math.hypot(dx, dy) || 1;
  const short = then === 'sink' ? 0 : Math.min(ARRIVE_SHORT, len / 3);
  px.push(b.x - (dx / len) * short + jx * 0.5); py.push(b.y - (dy / len) * short + jy * 0.5);
  const at = px.length - 1;
  if (then === 'sink' && sink) {
    px.push(sink.x); py.push(sink.y);
    return { px, py, fall: -1, hold: false, fade: 450 };
  }
  if (then === 'fall') {
    px.push(px[at] + width * 0.05 + jx * 3); py.push(floorY - 3 - random() * 3);
    return { px, py, fall: at, hold: false, fade: 900 };
  }
  if (then === 'return') {
    for (let i = via.length - 1; i >= 0; i--) { px.push(via[i][0]); py.push(via[i][1]); }
    px.push(a.x + 4); py.push(a.y + 8 + jy * 0.5);
    return { px, py, fall: -1, hold: false, fade: 250 };
  }
  return { px, py, fall: -1, hold: false, fade: 250 };
}
