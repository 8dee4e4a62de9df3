// Hot reload against a running daemon: good edit, bad edit (regex and YAML), moved
// declaration, changed metric shape, renamed and removed rules, SIGHUP; counts of metrics
// still declared are kept, /metrics never fails, and WebSocket clients stay connected.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Daemon, cleanup, performance, replaceFile, run, tempDir, waitFor, writeStream } from './helpers.mjs';

after(cleanup);

// Rule file text from parts, so edits are easy to read. Each rule: [name, word, metric, extra].
function ruleFile(rules) {
  let y = '# reload test rules\nformat: raw\nrules:\n';
  for (const r of rules) {
    y += `  - name: ${r.name}\n`;
    y += `    match: '${r.match ?? `^${r.word} (?P<k>\\w+)$`}'\n`;
    y += `    event: {type: ${r.word}, from: '\${k}', to: sink}\n`;
    if (r.metric) {
      y += '    metrics:\n';
      y += `      - counter: ${r.metric}\n`;
      y += `        help: ${r.help ?? 'Counted lines.'}\n`;
      y += `        labels: ${r.labels ?? "{k: '${k}'}"}\n`;
    }
  }
  return y;
}

const FOO = { name: 'foo', word: 'foo', metric: 'foo_total' };
const BAR = { name: 'bar', word: 'bar', metric: 'shared_total' };
const BAZ = { name: 'baz', word: 'baz', metric: 'shared_total' };
const QUX = { name: 'qux', word: 'qux', metric: 'qux_total' };

describe('hot reload', () => {
  let d;
  let dir;
  let file;
  let ws;
  let written = 0;

  // Writes lines and waits until the daemon has processed them.
  async function feed(...lines) {
    await writeStream(d.socketPath, [lines.map((l) => `${l}\n`).join('')]);
    written += lines.length;
    await d.waitLines(written);
  }

  // Waits for a reload (success or failure) to be reported; returns ms since `since`.
  async function reloaded({ reloads, failures }, since) {
    await waitFor(async () => {
      const m = await d.metrics();
      return m.value('tapemeasure_rules_reloads_total') === reloads && m.value('tapemeasure_rules_reload_failures_total') === failures;
    }, { timeout: 5000, interval: 10, what: `reloads ${reloads}, failures ${failures}` });
    return performance.now() - since;
  }

  before(async () => {
    dir = tempDir();
    fs.mkdirSync(path.join(dir, 'rules'));
    file = path.join(dir, 'rules', 'a.yml');
    fs.writeFileSync(file, ruleFile([FOO, BAR, BAZ]));
    d = await Daemon.start({ rules: [path.join(dir, 'rules')], dir });
    ws = await d.ws();
    await d.waitClients(1);
    await feed('foo a', 'foo a', 'foo a', 'bar a', 'bar a', 'baz a', 'baz a', 'baz a', 'baz a');
    const m = await d.metrics();
    assert.equal(m.value('foo_total', { k: 'a' }), 3);
    assert.equal(m.value('shared_total', { k: 'a' }), 6);
  });

  test('good edit (saved in place): a new rule and metric appear within a second, counts kept', async () => {
    const t0 = performance.now();
    fs.writeFileSync(file, ruleFile([FOO, BAR, BAZ, QUX]));
    await waitFor(async () => (await d.json('/api/rules')).rules.some((r) => r.name === 'qux'),
      { timeout: 3000, interval: 10, what: 'rule qux in /api/rules' });
    const ms = performance.now() - t0;
    assert.ok(ms < 1000, `reload took ${ms.toFixed(0)} ms`);
    const rules = await d.json('/api/rules');
    assert.equal(rules.last_reload.ok, true);
    assert.ok(rules.metrics.some((m) => m.name === 'qux_total'));
    await feed('qux a', 'foo a');
    const m = await d.metrics();
    assert.equal(m.value('qux_total', { k: 'a' }), 1);
    assert.equal(m.value('foo_total', { k: 'a' }), 4, 'an unchanged metric keeps counting from where it was');
    assert.equal(m.value('shared_total', { k: 'a' }), 6);
    assert.equal(m.value('tapemeasure_rules_reloads_total'), 1);
    assert.equal(m.value('tapemeasure_rules_loaded'), 4);
  });

  test('bad edit (invalid regex): old rules keep running, error names file:line, failures counted', async () => {
    const good = fs.readFileSync(file, 'utf8');
    const broken = ruleFile([FOO, BAR, BAZ, QUX, { name: 'broken', word: 'broken', match: '^broken (unclosed' }]);
    const badLine = broken.split('\n').findIndex((l) => l.includes('(unclosed')) + 1;
    const t0 = performance.now();
    replaceFile(file, broken);
    const ms = await reloaded({ reloads: 1, failures: 1 }, t0);
    assert.ok(ms < 1000, `the failed reload took ${ms.toFixed(0)} ms to be reported`);
    const rules = await d.json('/api/rules');
    assert.equal(rules.last_reload.ok, false);
    assert.match(rules.last_reload.error, new RegExp(`a\\.yml:${badLine}\\b`), rules.last_reload.error);
    assert.match(rules.last_reload.error, /broken/);
    assert.equal(rules.reload_failures, 1);
    assert.deepEqual(rules.rules.map((r) => r.name), ['foo', 'bar', 'baz', 'qux'], 'the running rules are the old ones');
    assert.match(d.stderr, /reload .*failed, keeping the running rules/);
    await feed('foo a', 'qux a', 'broken x');
    const m = await d.metrics();
    assert.equal(m.value('foo_total', { k: 'a' }), 5);
    assert.equal(m.value('qux_total', { k: 'a' }), 2);
    assert.equal(m.value('tapemeasure_rules_reload_failures_total'), 1);

    // Broken YAML: the same, with its line.
    const yaml = `${good}  - name: [unterminated\n`;
    const yamlLine = yaml.split('\n').length - 1;
    replaceFile(file, yaml);
    await reloaded({ reloads: 1, failures: 2 }, performance.now());
    const r2 = await d.json('/api/rules');
    // yaml-cpp reports where it noticed the problem: the bad line or the end of the file after it.
    const at = Number(/a\.yml:(\d+): .*YAML/.exec(r2.last_reload.error)?.[1]);
    assert.ok(at === yamlLine || at === yamlLine + 1, `${r2.last_reload.error} (the bad line is ${yamlLine})`);

    // Fixing the file recovers.
    replaceFile(file, good);
    await reloaded({ reloads: 2, failures: 2 }, performance.now());
    const r3 = await d.json('/api/rules');
    assert.equal(r3.last_reload.ok, true);
    assert.equal(r3.last_reload.error, null);
    assert.equal((await d.metrics()).value('foo_total', { k: 'a' }), 5);
  });

  test('moved declarations: rules sharing a metric swapped, a rule moved down: /metrics 200, counts kept', async () => {
    replaceFile(file, ruleFile([FOO, BAZ, BAR, QUX]));
    await reloaded({ reloads: 3, failures: 2 }, performance.now());
    let res = await d.get('/metrics');
    assert.equal(res.status, 200, res.text);
    await feed('bar a', 'baz a');
    let m = await d.metrics();
    assert.equal(m.value('shared_total', { k: 'a' }), 8);

    replaceFile(file, ruleFile([BAZ, BAR, QUX, FOO]));
    await reloaded({ reloads: 4, failures: 2 }, performance.now());
    res = await d.get('/metrics');
    assert.equal(res.status, 200, res.text);
    await feed('foo a');
    m = await d.metrics();
    assert.equal(m.value('foo_total', { k: 'a' }), 6);
    assert.equal(m.value('shared_total', { k: 'a' }), 8);
    assert.equal(m.value('qux_total', { k: 'a' }), 2);
    // Only one HELP/TYPE per metric, whatever the order of declarations.
    assert.equal(res.text.match(/^# TYPE shared_total /gm).length, 1);
  });

  test('renamed rule: its metric keeps its count; removed rule: its metric disappears', async () => {
    replaceFile(file, ruleFile([BAZ, BAR, { ...FOO, name: 'foo_renamed' }]));
    await reloaded({ reloads: 5, failures: 2 }, performance.now());
    const res = await d.get('/metrics');
    assert.equal(res.status, 200);
    assert.ok(!/^qux_total/m.test(res.text), 'qux_total is declared by no rule any more');
    assert.ok(!/^# TYPE qux_total/m.test(res.text));
    const before = ws.received;
    await feed('foo b', 'foo a');
    const m = await d.metrics();
    assert.equal(m.value('foo_total', { k: 'a' }), 7);
    assert.equal(m.value('foo_total', { k: 'b' }), 1);
    assert.equal(m.value('tapemeasure_lines_matched_total', { rule: 'foo_renamed' }), 2);
    await waitFor(() => ws.events.slice(before).some((e) => e.rule === 'foo_renamed'), { what: 'an event of the renamed rule' });
  });

  test('changed label names: the metric starts afresh under its new shape, /metrics stays valid', async () => {
    const reshaped = { ...BAR, labels: "{k: '${k}', extra: x}" };
    const reshaped2 = { ...BAZ, labels: "{k: '${k}', extra: x}" };
    replaceFile(file, ruleFile([reshaped2, reshaped, { ...FOO, name: 'foo_renamed' }]));
    await reloaded({ reloads: 6, failures: 2 }, performance.now());
    await feed('bar a');
    const m = await d.metrics();
    assert.equal(m.value('shared_total', { k: 'a', extra: 'x' }), 1);
    assert.equal(m.value('shared_total', { k: 'a' }), undefined, 'the old shape is gone');
    assert.equal(m.value('foo_total', { k: 'a' }), 7);
    const check = await run('promtool', ['check', 'metrics'], { input: m.text });
    assert.equal(check.code, 0, `promtool: ${check.stdout}${check.stderr}`);
  });

  test('SIGHUP reloads', async () => {
    const before = await d.metric('tapemeasure_rules_reloads_total');
    process.kill(d.pid, 'SIGHUP');
    await reloaded({ reloads: before + 1, failures: 2 }, performance.now());
    assert.match(d.stderr, /reloaded rules \(SIGHUP\)/);
    assert.equal((await d.metrics()).value('foo_total', { k: 'a' }), 7);
  });

  test('the WebSocket client stayed connected through every reload', async () => {
    assert.equal(ws.close, null);
    assert.ok(ws.open);
    await d.waitClients(1);
    const before = ws.received;
    await feed('foo z');
    await waitFor(() => ws.received > before, { what: 'an event after all the reloads' });
    assert.equal(ws.events.at(-1).from, 'z');
    assert.deepEqual(ws.badFrames, []);
    assert.ok(d.running);
  });
});

test('a rule file given by path (not directory) is watched too, also when replaced by rename', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'only.yml');
  fs.writeFileSync(file, ruleFile([FOO]));
  const d = await Daemon.start({ rules: [file], dir });
  replaceFile(file, ruleFile([FOO, QUX]));
  await waitFor(async () => (await d.metric('tapemeasure_rules_reloads_total')) === 1, { what: 'the reload' });
  await writeStream(d.socketPath, ['qux a\n']);
  await d.waitLines(1);
  assert.equal(await d.metric('qux_total', { k: 'a' }), 1);
});
