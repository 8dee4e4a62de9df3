// Views against a running daemon (docs/views.md): GET /api/view describes the loaded files,
// each WebSocket client's first frame is {"view"}, a reload that changes a view sends it to
// connected clients at once (and one that does not, nothing), and a broken view edit keeps
// the old view while /api/rules names the file and line.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Daemon, cleanup, performance, replaceFile, tempDir, waitFor } from './helpers.mjs';

after(cleanup);

// a.yml: a declared view whose types are `types` ({name: line}); its rule emits `foo`.
function declared(types, match = '^foo (?P<k>\\w+)$') {
  let y = `format: raw
view:
  title: Foo flow
  tiers:
    - {name: left}
    - {name: right, title: Right side}
  sink:
    title: Out
    scale: {field: n, kind: linear, min: 0, max: 100}
  types:
`;
  for (const [name, style] of Object.entries(types)) y += `    ${name}: ${style}\n`;
  y += `  shares:
    - {title: k by k, metric: foo_total, rows: k, cols: k}
  ratios:
    - {title: foo part, metric: foo_total, label: k, part: [a]}
rules:
  - name: foo
    match: '${match}'
    event: {type: foo, from: '\${k}', to: there}
    metrics:
      - counter: foo_total
        help: Foo lines.
        labels: {k: '\${k}'}
`;
  return y;
}

// b.yml: no view at all, so it gets the default one.
const PLAIN = `format: raw
rules:
  - name: bar
    match: '^bar (?P<k>\\w+)$'
    event: {type: bar, from: '\${k}', to: there}
  - name: quiet
    match: '^quiet'
    event: false
`;

const FOO = { foo: '{colour: green, from: left, to: right, then: sink}' };
const FOO_BAZ = { ...FOO, baz: "{colour: '#123456', from: right}" };

describe('views', () => {
  let d;
  let file;

  before(async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'rules'));
    file = path.join(dir, 'rules', 'a.yml');
    fs.writeFileSync(file, declared(FOO));
    fs.writeFileSync(path.join(dir, 'rules', 'b.yml'), PLAIN);
    d = await Daemon.start({ rules: [path.join(dir, 'rules')], dir });
  });

  test('GET /api/view describes the loaded files', async () => {
    const res = await d.get('/api/view');
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'], /^application\/json/);
    const v = JSON.parse(res.text);
    assert.deepEqual(Object.keys(v), ['views', 'palette', 'metrics']);
    assert.deepEqual(v.views.map((x) => x.id), ['a', 'b']);
    const [a, b] = v.views;
    assert.equal(a.title, 'Foo flow');
    assert.equal(a.file, file);
    assert.equal(a.declared, true);
    assert.deepEqual(a.rules, ['foo']);
    assert.deepEqual(a.tiers, [{ name: 'left', title: 'LEFT' }, { name: 'right', title: 'Right side' }]);
    assert.deepEqual(a.sink, { title: 'Out', scale: { field: 'n', kind: 'linear', min: 0, max: 100 } });
    assert.deepEqual(a.types, [{ type: 'foo', colour: '#3fb950', from: 'left', to: 'right', then: 'sink', error: false }]);
    assert.deepEqual(a.shares, [{ title: 'k by k', metric: 'foo_total', rows: 'k', cols: 'k', where: {}, fair: true }]);
    assert.deepEqual(a.ratios, [{ title: 'foo part', metric: 'foo_total', label: 'k', part: ['a'], where: {} }]);
    assert.deepEqual(a.compares, []);
    assert.equal(b.declared, false);
    assert.equal(b.title, 'b');
    assert.deepEqual(b.rules, ['bar']);
    assert.deepEqual(b.tiers, [{ name: 'from', title: 'FROM' }, { name: 'to', title: 'TO' }]);
    assert.equal(b.sink, null);
    assert.deepEqual(b.types, []);
    assert.deepEqual(b.compares, []);
    assert.equal(v.palette.length, 9);
    assert.equal(v.palette[0], '#4c9aff');
    assert.deepEqual(v.metrics, [{ name: 'foo_total', kind: 'counter', help: 'Foo lines.', labels: ['k'], buckets: [] }]);
  });

  test('the first WebSocket frame is {"view"}, the same object as /api/view', async () => {
    const ws = await d.ws();
    await waitFor(() => ws.frames.length > 0, { what: 'a first frame' });
    assert.deepEqual(Object.keys(ws.frames[0]), ['view', 'daemon']);
    assert.deepEqual(ws.frames[0].view, await d.json('/api/view'));
    await ws.end();
  });

  test('reloads: a changed view reaches a connected client within a second; a broken one changes nothing', async () => {
    const ws = await d.ws();
    await waitFor(() => ws.views.length === 1, { what: 'the view frame on connect' });
    await d.waitClients(1);

    // A rule edit that leaves the view as it was: reloaded, but no view frame.
    const reloadsBefore = (await d.json('/api/rules')).reloads;
    replaceFile(file, declared(FOO, '^foo +(?P<k>\\w+)$'));
    await waitFor(async () => (await d.json('/api/rules')).reloads === reloadsBefore + 1, { what: 'a reload' });

    // A type added to the view: a new frame, at once.
    const t0 = performance.now();
    replaceFile(file, declared(FOO_BAZ));
    await waitFor(() => ws.views.length >= 2, { timeout: 3000, interval: 10, what: 'a second view frame' });
    const ms = ws.views[1].t - t0;
    assert.ok(ms < 1000, `the new view took ${ms.toFixed(0)} ms`);
    assert.equal(ws.views.length, 2, 'the reload that kept the view sent no view frame');
    const types = ws.views[1].view.views[0].types;
    assert.deepEqual(types.map((t) => t.type), ['foo', 'baz']);
    assert.deepEqual(types[1], { type: 'baz', colour: '#123456', from: 'right', to: 'right', then: 'stop', error: false });
    assert.deepEqual(ws.views[1].view, await d.json('/api/view'));

    // A broken view: the old view stays, and the error names the file and line.
    const good = await d.json('/api/view');
    const broken = declared({ ...FOO, baz: '{colour: green, from: middle}' });
    const line = broken.split('\n').findIndex((l) => l.includes('from: middle')) + 1;
    replaceFile(file, broken);
    const rules = await waitFor(async () => {
      const r = await d.json('/api/rules');
      return r.last_reload.ok === false ? r : null;
    }, { what: 'the failed reload in /api/rules' });
    assert.ok(rules.last_reload.error.includes(`${file}:${line}: view: type 'baz' comes from tier 'middle', which the view does not declare (tiers: left, right)`),
      rules.last_reload.error);
    assert.deepEqual(await d.json('/api/view'), good);
    assert.equal(ws.views.length, 2, 'a failed reload sent a view frame');
    assert.ok(ws.open);
    await ws.end();
  });
});
