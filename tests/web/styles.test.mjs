import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeViewSet } from '../../web/app/model/views.js';
import { TypeStyles, legendModel } from '../../web/app/model/styles.js';
import { MAIL, WEB, DEFAULT_VIEW, frame } from './fixtures.mjs';

const stylesOf = (view) => {
  const set = normalizeViewSet(frame(view));
  return new TypeStyles(set.views[0], set.palette);
};

test('declared types keep their colour, tiers and then', () => {
  const s = stylesOf(MAIL);
  assert.deepEqual(s.types(), ['inbound', 'delivered', 'transient', 'permanent', 'expired']);
  const d = s.of('delivered');
  assert.deepEqual([d.colour, d.css, d.from, d.to, d.then, d.declared], [0x4c9aff, '#4c9aff', 'mta', 'relay', 'sink', true]);
  assert.equal(s.of('transient').then, 'return');
  assert.equal(s.of('permanent').then, 'fall');
  const e = s.of('expired');
  assert.equal(e.from, e.to, 'stays at its node');
  assert.deepEqual(s.errorTypes(), ['transient', 'permanent']);
  assert.ok(s.anyFalls());
  assert.ok(!stylesOf({ ...WEB, types: [WEB.types[0]] }).anyFalls());
});

test('the squelch hides the types the view calls errors: by default those that return or fall', () => {
  // A disconnect drawn as a return is no error (error: false); an error that stops can say so.
  const types = MAIL.types.map((t) => (t.type === 'transient' ? { ...t, error: false } : t.type === 'expired' ? { ...t, error: true } : t));
  assert.deepEqual(stylesOf({ ...MAIL, types }).errorTypes(), ['permanent', 'expired']);
  const types2 = MAIL.types.map(({ error, ...t }) => t);  // a daemon from before `error`
  assert.deepEqual(stylesOf({ ...MAIL, types: types2 }).errorTypes(), ['transient', 'permanent']);
});

test('a default view colours types from the palette in order of first sight, first tier to last', () => {
  const s = stylesOf(DEFAULT_VIEW);
  assert.deepEqual(s.types(), []);
  const v0 = s.version;
  const a = s.of('foo'), b = s.of('bar'), a2 = s.of('foo');
  assert.equal(a, a2, 'same style on second sight');
  assert.equal(a.colour, 0x4c9aff, 'palette[0] first');
  assert.equal(b.colour, 0x3fb950, 'palette[1] next');
  assert.deepEqual([a.from, a.to, a.then, a.declared], ['from', 'to', 'stop', false]);
  assert.ok(s.version > v0, 'the legend is told');
  assert.deepEqual(s.types(), ['foo', 'bar']);
  for (let i = 0; i < 9; i++) s.of('t' + i);
  assert.equal(s.of('t7').colour, 0x4c9aff, 'the palette wraps around after nine colours');
});

test('an undeclared type in a declared view skips colours the view already uses', () => {
  const s = stylesOf(MAIL);   // uses blue, green, yellow, red, grey
  assert.equal(s.of('surprise').colour, 0xbc8cff, 'purple: the first unused palette colour');
  assert.equal(s.of('another').colour, 0xf0883e, 'then orange');
  assert.deepEqual([s.of('surprise').from, s.of('surprise').to], ['ingress', 'relay']);
  assert.equal(s.colours().length, 7);
});

test('legend model: entries in order, hidden state, squelch shown only with error types', () => {
  const s = stylesOf(MAIL);
  s.of('late');
  const m = legendModel(s, new Set(['transient']));
  assert.deepEqual(m.entries.map((e) => e.type), ['inbound', 'delivered', 'transient', 'permanent', 'expired', 'late']);
  assert.deepEqual(m.entries.filter((e) => e.hidden).map((e) => e.type), ['transient']);
  assert.equal(m.entries[5].declared, false);
  assert.deepEqual(m.squelch, { shown: true, types: ['transient', 'permanent'], pressed: false });
  assert.equal(legendModel(s, new Set(['transient', 'permanent'])).squelch.pressed, true);
  const none = legendModel(stylesOf({ ...WEB, types: [WEB.types[0]] }), new Set());
  assert.equal(none.squelch.shown, false, 'no return/fall type: no squelch button');
});
