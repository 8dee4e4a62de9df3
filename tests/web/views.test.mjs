import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeViewSet, chooseView, parseColour, colourCss, geometryKey } from '../../web/app/model/views.js';
import { MAIL, WEB, DEFAULT_VIEW, frame } from './fixtures.mjs';

test('a view frame becomes views, a palette of numbers and a rule -> view route', () => {
  const set = normalizeViewSet(frame(MAIL, WEB));
  assert.deepEqual(set.views.map((v) => v.id), ['postfix', 'nginx']);
  assert.equal(set.palette.length, 9);
  assert.equal(set.palette[0], 0x4c9aff);
  assert.equal(set.ruleToView.get('postfix_delivered'), 'postfix');
  assert.equal(set.ruleToView.get('nginx_access'), 'nginx');
  assert.equal(set.ruleToView.get('nobody'), undefined);
  const mail = set.byId.get('postfix');
  assert.deepEqual(mail.tiers.map((t) => t.name), ['ingress', 'mta', 'relay']);
  assert.deepEqual(mail.sink, { title: 'Internet', scale: { field: 'ip', kind: 'octet', min: 0, max: 255 } });
  assert.equal(mail.types.find((t) => t.type === 'delivered').colour, 0x4c9aff);
  assert.equal(mail.types.find((t) => t.type === 'permanent').then, 'fall');
  assert.equal(set.byId.get('nginx').sink, null);
  assert.equal(set.metrics.length, 1);
});

test('defaults: tiers, to = from, then = stop, no sink for then: sink without a sink', () => {
  const set = normalizeViewSet({ views: [
    { id: 'a', tiers: [], types: [{ type: 'x', from: 'nope' }] },
    { id: 'b', tiers: [{ name: 'l' }, { name: 'r' }], sink: null, types: [{ type: 'y', from: 'l', then: 'sink' }, { type: 'z', from: 'l', to: 'r', then: 'explode' }] },
  ] });
  const [a, b] = set.views;
  assert.deepEqual(a.tiers.map((t) => t.name), ['from', 'to'], 'no tiers: the default view\'s two');
  assert.equal(a.types[0].from, 'from', 'an unknown tier falls back to the first');
  assert.equal(a.types[0].to, 'from', '`to` defaults to `from`');
  assert.equal(b.tiers[0].title, 'L', 'title defaults to the name in capitals');
  assert.equal(b.types[0].then, 'stop', 'nothing flies into a sink nobody declared');
  assert.equal(b.types[1].then, 'stop');
  assert.equal(set.palette.length, 9, 'the documented palette when the frame has none');
  assert.equal(a.declared, true);
  assert.equal(normalizeViewSet(frame(DEFAULT_VIEW)).views[0].declared, false);
});

test('junk never throws; duplicate ids are made unique', () => {
  for (const junk of [undefined, null, 5, 'x', { views: 'no' }, { views: [null, 3, 'a'] }]) {
    const s = normalizeViewSet(junk);
    assert.ok(Array.isArray(s.views));
  }
  const s = normalizeViewSet({ views: [{ id: 'v' }, { id: 'v' }] });
  assert.deepEqual(s.views.map((v) => v.id), ['v', 'v_']);
});

test('scales: linear and log keep min/max, a broken range is repaired', () => {
  const s = normalizeViewSet({ views: [
    { id: 'a', sink: { title: 's', scale: { field: 'ms', kind: 'log', min: 1, max: 10000 } } },
    { id: 'b', sink: { title: 's', scale: { field: 'ms', kind: 'linear', min: 5, max: 5 } } },
  ] });
  assert.deepEqual(s.views[0].sink.scale, { field: 'ms', kind: 'log', min: 1, max: 10000 });
  assert.ok(s.views[1].sink.scale.max > s.views[1].sink.scale.min);
});

test('choosing a view: the asked-for one if loaded, else the first', () => {
  const set = normalizeViewSet(frame(MAIL, WEB));
  assert.equal(chooseView(set, 'nginx').id, 'nginx');
  assert.equal(chooseView(set, 'gone').id, 'postfix');
  assert.equal(chooseView(set, null).id, 'postfix');
  assert.equal(chooseView(normalizeViewSet({ views: [] }), 'x'), null);
});

test('colours: #rrggbb and palette names', () => {
  assert.equal(parseColour('#FF5A52'), 0xff5a52);
  assert.equal(parseColour('purple'), 0xbc8cff);
  assert.equal(parseColour('#fff'), null);
  assert.equal(parseColour(7), null);
  assert.equal(colourCss(0x00ff00), '#00ff00');
});

test('the geometry key changes with tiers and sink, not with types', () => {
  const set = normalizeViewSet(frame(MAIL));
  const k = geometryKey(set.views[0]);
  const more = normalizeViewSet(frame({ ...MAIL, types: [] }));
  assert.equal(geometryKey(more.views[0]), k);
  const fewer = normalizeViewSet(frame({ ...MAIL, tiers: MAIL.tiers.slice(1) }));
  assert.notEqual(geometryKey(fewer.views[0]), k);
});
