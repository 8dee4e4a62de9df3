import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heatColour, tableFits, heatmapOrder, worstCells, matrixCsv, SATURATE_AT } from '../../web/app/ui/heatmap.js';
import { shareMatrix } from '../../web/app/model/matrix.js';
import { nodeLabelPlan, shortenLabel } from '../../web/app/render/node_labels.js';

const dist = (a, b) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
const BG = [22, 27, 34];

test('heatmap colour: orange above fair, blue below, stronger with the deviation, saturating', () => {
  const over = heatColour(0.5), under = heatColour(-0.5);
  assert.ok(over[0] > over[2], 'over: red above blue (orange)');
  assert.ok(under[2] > under[0], 'under: blue above red');
  let last = -1;
  for (const d of [0.1, 0.2, 0.3, 0.45, SATURATE_AT]) {
    const c = dist(heatColour(d), BG);
    assert.ok(c > last, `stronger at ${d}`);
    last = c;
  }
  assert.deepEqual(heatColour(SATURATE_AT), heatColour(3), 'saturates');
  assert.deepEqual(heatColour(0.02), heatColour(-0.03), 'near fair: one neutral colour');
  assert.ok(dist(heatColour(0.5, false), BG) < dist(heatColour(0.5, true), BG), 'chance: weaker');
  assert.ok(dist(heatColour(null), BG) < dist(heatColour(0), BG), 'no value: darker than fair');
});

const skewed = () => {
  const m = {};
  for (let r = 1; r <= 20; r++) {
    m['mta' + r] = {};
    for (let c = 1; c <= 8; c++) m['mta' + r]['proxy' + c] = 100;
  }
  m.mta7.proxy3 = 500;   // mta7 favours proxy3
  m.mta12.proxy5 = 0;    // mta12 starves proxy5
  return shareMatrix(m);
};

test('a table only when it fits; heatmap sorted worst first', () => {
  const m = skewed();
  assert.equal(tableFits(m, 300), false, '20x8 does not fit 300 px');
  assert.equal(tableFits(shareMatrix({ a: { x: 1, y: 2, z: 3, w: 4 } }), 300), true, '1x4 fits');
  const byName = heatmapOrder(m, 'name');
  assert.equal(byName.rows[0], 'mta1');
  const worst = heatmapOrder(m, 'worst');
  assert.deepEqual(worst.rows.slice(0, 2).sort(), ['mta12', 'mta7']);
  assert.equal(worst.rows.length, 20);
  assert.ok(['proxy3', 'proxy5'].includes(worst.cols[0]));
  assert.equal(new Set(worst.cols).size, 8, 'every column, once');
});

test('worst cells: beyond-chance first, furthest from fair first', () => {
  const cells = worstCells(skewed(), 3);
  assert.equal(cells.length, 3);
  assert.deepEqual([cells[0].row, cells[0].col], ['mta7', 'proxy3']);
  assert.ok(cells.every((c) => c.hot));
});

test('CSV: every row and column, shares in %, the row count, quoted where needed', () => {
  const m = shareMatrix({ 'a,1': { x: 3, y: 1 }, b: { x: 2, y: 2 } });
  const csv = matrixCsv(m, 'mta', 'relay');
  assert.equal(csv, 'mta \\ relay,x,y,count\n"a,1",75.0,25.0,4\nb,50.0,50.0,4\n');
});

test('node labels: compact rows get small labels, thinned, the last always labelled', () => {
  const roomy = nodeLabelPlan(80, 4);
  assert.ok(roomy.roomy && [0, 1, 2, 3].every((i) => roomy.labelled(i)));
  const tight = nodeLabelPlan(8, 60);
  assert.ok(!tight.roomy && tight.font === 9 && tight.every === 2);
  assert.ok(tight.labelled(0) && !tight.labelled(1) && tight.labelled(59));
  assert.equal(tight.labelled(58), false, 'the row before the last yields to it');
  for (let s = 6; s < 40; s += 0.5) {
    const p = nodeLabelPlan(s, 50);
    const shown = [...Array(50).keys()].filter((i) => p.labelled(i));
    for (let k = 1; k < shown.length; k++) assert.ok((shown[k] - shown[k - 1]) * s >= p.font + 3 - 1e-9, `no overlap at ${s} px`);
  }
  assert.equal(shortenLabel('short'), 'short');
  const long = shortenLabel('web-frontend-europe-west-1-node-17');
  assert.equal(long.length, 22);
  assert.ok(long.startsWith('web-front') && long.endsWith('node-17'));
});

test('heatmapOrder by volume: the busiest rows and columns first, ties by name', () => {
  const m = shareMatrix({ a: { x: 1, y: 9 }, b: { x: 50, y: 5 }, c: { x: 1, y: 9 } });
  const { rows, cols } = heatmapOrder(m, 'volume');
  assert.deepEqual(rows, ['b', 'a', 'c']);
  assert.deepEqual(cols, ['x', 'y']);
  assert.deepEqual(heatmapOrder(m, 'name').rows, ['a', 'b', 'c']);
});
