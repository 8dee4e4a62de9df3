import { test } from 'node:test';
import assert from 'node:assert/strict';
import { octetToY, yToOctet, scaleToY, scaleFraction, scaleTicks, scaleTitle, tickLabel } from '../../web/app/render/scale.js';

const octet = { field: 'ip', kind: 'octet', min: 0, max: 255 };

test('octet to height: 255 at the top, 0 at the bottom, linear, clamped', () => {
  assert.equal(octetToY(255, 100, 355), 100);
  assert.equal(octetToY(0, 100, 355), 355);
  assert.equal(octetToY(128, 0, 255), 127);
  assert.equal(octetToY(300, 100, 355), 100);
  assert.equal(octetToY(-1, 100, 300), 200, 'unknown -> middle');
  for (const o of [0, 1, 74, 127, 200, 255]) assert.equal(yToOctet(octetToY(o, 40, 600), 40, 600), o);
  for (let o = 1; o < 256; o++) assert.ok(octetToY(o, 10, 700) < octetToY(o - 1, 10, 700));
});

test('an event lands at its field on the scale', () => {
  assert.equal(scaleToY('74.125.1.9', octet, 0, 255), 255 - 74);
  assert.equal(scaleToY('not an ip', octet, 0, 200), 100, 'unreadable -> middle');
  const lin = { field: 'ms', kind: 'linear', min: 0, max: 1000 };
  assert.equal(scaleToY(250, lin, 0, 400), 300);
  assert.equal(scaleToY('1000', lin, 0, 400), 0, 'numbers as strings too');
  assert.equal(scaleToY(5000, lin, 0, 400), 0, 'clamped at the top');
  assert.equal(scaleToY(-3, lin, 0, 400), 400, 'clamped at the bottom');
  const log = { field: 'bytes', kind: 'log', min: 1, max: 10000 };
  assert.ok(Math.abs(scaleFraction(100, log) - 0.5) < 1e-12, '100 is half way from 1 to 10^4');
  assert.equal(scaleFraction(0, log), 0);
  assert.ok(Number.isNaN(scaleFraction(undefined, log)));
});

test('ticks: octets as before, nice linear steps, decades on a log scale', () => {
  assert.deepEqual(scaleTicks(octet).map((t) => t.value), [0, 32, 64, 96, 128, 160, 192, 224, 255]);
  assert.equal(scaleTicks(octet)[8].f, 1);
  const lin = scaleTicks({ kind: 'linear', min: 0, max: 1000 });
  assert.deepEqual(lin.map((t) => t.value), [0, 200, 400, 600, 800, 1000]);
  assert.ok(lin.every((t) => t.f >= 0 && t.f <= 1));
  assert.deepEqual(scaleTicks({ kind: 'log', min: 1, max: 100000 }).map((t) => t.value), [1, 10, 100, 1000, 10000, 100000]);
  assert.deepEqual(scaleTicks({ kind: 'log', min: 1, max: 100 }).map((t) => t.value), [1, 2, 5, 10, 20, 50, 100]);
  assert.equal(tickLabel(12000), '12k');
  assert.equal(tickLabel(0.25), '0.25');
  assert.equal(scaleTitle(octet), 'IP 1ST OCTET');
  assert.equal(scaleTitle({ field: 'ms', kind: 'log' }), 'MS (LOG)');
});
