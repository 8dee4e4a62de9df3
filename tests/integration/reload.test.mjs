// Hot reload against a running daemon: good edit, bad edit (regex and YAML), moved
// declaration, changed metric shape, renamed and removed rules, SIGHUP; counts of metrics
// still declared are kept, /metrics never fails, and WebSocket clients stay connected.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { setTimeout as delay } from 'node:timers/promises';

import { Daemon, SLOWDOWN, cleanup, performance, replaceFile, run, tempDir, waitFor, writeStream } from './helpers.mjs';

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
    // Still healthy (the old rules run), and /healthz says where the new ones failed.
    const health = await d.get('/healthz');
    assert.equal(health.status, 200);
    assert.match(health.text, new RegExp(`^ok; last reload failed: .*a\\.yml:${badLine}\\b`), health.text);
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

test('a Kubernetes ConfigMap update (a new ..data symlink renamed over the old) reloads', async () => {
  // The kubelet's layout: the files are symlinks through ..data into a timestamped
  // directory; an update writes a new directory, renames a new ..data over the old one and
  // deletes the old directory. No *.yml name in the watched directory changes at all.
  const dir = tempDir();
  const cm = path.join(dir, 'cm');
  fs.mkdirSync(path.join(cm, '..2026_11_30_17_00_00.000000001'), { recursive: true });
  fs.writeFileSync(path.join(cm, '..2026_11_30_17_00_00.000000001', 'rules.yml'), ruleFile([FOO]));
  fs.symlinkSync('..2026_11_30_17_00_00.000000001', path.join(cm, '..data'));
  fs.symlinkSync('..data/rules.yml', path.join(cm, 'rules.yml'));
  const d = await Daemon.start({ rules: [cm], dir });

  fs.mkdirSync(path.join(cm, '..2026_11_30_17_05_00.000000002'));
  fs.writeFileSync(path.join(cm, '..2026_11_30_17_05_00.000000002', 'rules.yml'), ruleFile([FOO, QUX]));
  fs.symlinkSync('..2026_11_30_17_05_00.000000002', path.join(cm, '..data_tmp'));
  fs.renameSync(path.join(cm, '..data_tmp'), path.join(cm, '..data'));
  fs.rmSync(path.join(cm, '..2026_11_30_17_00_00.000000001'), { recursive: true });

  await waitFor(async () => (await d.metric('tapemeasure_rules_reloads_total')) === 1, { what: 'the ConfigMap reload' });
  await writeStream(d.socketPath, ['qux a\nfoo a\n']);
  await d.waitLines(2);
  assert.equal(await d.metric('qux_total', { k: 'a' }), 1, 'the new rule is live');
  assert.equal(await d.metric('foo_total', { k: 'a' }), 1);

  // A second update is seen too (the new timestamped directory is watched as well).
  fs.mkdirSync(path.join(cm, '..2026_11_30_17_10_00.000000003'));
  fs.writeFileSync(path.join(cm, '..2026_11_30_17_10_00.000000003', 'rules.yml'), ruleFile([QUX]));
  fs.symlinkSync('..2026_11_30_17_10_00.000000003', path.join(cm, '..data_tmp'));
  fs.renameSync(path.join(cm, '..data_tmp'), path.join(cm, '..data'));
  await waitFor(async () => (await d.metric('tapemeasure_rules_reloads_total')) === 2, { what: 'the second ConfigMap reload' });
  assert.equal((await d.json('/api/rules')).rules.map((r) => r.name).join(), 'qux');
});

test('a file written next to the rules that changes no rule file causes no reload', async () => {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'rules'));
  fs.writeFileSync(path.join(dir, 'rules', 'a.yml'), ruleFile([FOO]));
  const d = await Daemon.start({ rules: [path.join(dir, 'rules')], dir });
  fs.writeFileSync(path.join(dir, 'rules', 'README'), 'notes');
  fs.utimesSync(path.join(dir, 'rules', 'a.yml'), new Date(), new Date());  // touched, not changed
  fs.writeFileSync(path.join(dir, 'rules', 'a.yml'), ruleFile([FOO]));           // rewritten, same text
  // Absence can only be waited for: several quiet periods (100 ms) and a re-scan.
  await delay(600 * SLOWDOWN);
  assert.equal(await d.metric('tapemeasure_rules_reloads_total'), 0, 'nothing the rules read changed');
  fs.writeFileSync(path.join(dir, 'rules', 'b.yml'), ruleFile([QUX]));
  await waitFor(async () => (await d.metric('tapemeasure_rules_reloads_total')) === 1, { what: 'b.yml loaded' });
  assert.ok((await d.json('/api/rules')).rules.some((r) => r.name === 'qux'));
});

// 2,000 rules: a reload takes hundreds of milliseconds to build. It used to run on the
// thread that reads the sockets, and datagram senders (rsyslog's omuxsock is non-blocking)
// lost lines meanwhile. Now only the swap runs there: a non-blocking sender loses nothing.
test('reloading 2,000 rules does not stop ingest: a non-blocking datagram sender loses no line over 5 reloads', async () => {
  const dir = tempDir();
  let yaml = 'format: raw\nrules:\n';
  for (let i = 0; i < 2000; i++) {
    yaml += `  - name: r${i}\n    match: '^r${i} (?P<k>\\w+) [a-z]+ \\d+$'\n`;
    yaml += `    metrics:\n      - counter: big_total\n        help: Lines of the big rule set.\n        labels: {k: '\${k}'}\n`;
  }
  fs.mkdirSync(path.join(dir, 'rules'));
  fs.writeFileSync(path.join(dir, 'rules', 'big.yml'), yaml);
  const d = await Daemon.start({ rules: [path.join(dir, 'rules')], dir, dgram: 'in.dgram' });

  // A sender like omuxsock: one datagram of 100 lines every 50 ms (2,000 lines/s), sent
  // with MSG_DONTWAIT; a full receive queue (net.unix.max_dgram_qlen datagrams, 10 by
  // default: about 500 ms of traffic here) refuses the datagram and its lines are lost.
  // It runs until told to stop (a file appears).
  const stopFile = path.join(dir, 'stop-writing');
  const writer = run('python3', ['-c', `
import json, socket, sys, time
import os
path, stop_file, period = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sent = refused = n = 0
streak_start = None; longest = 0.0
next_at = time.monotonic()
while not os.path.exists(stop_file):
    body = ''.join('r%d k%d abc %d\\n' % ((n + i) % 2000, (n + i) % 7, n + i) for i in range(100))
    try:
        s.sendto(body.encode(), socket.MSG_DONTWAIT, path)
        sent += 100
        if streak_start is not None: longest = max(longest, time.monotonic() - streak_start); streak_start = None
    except BlockingIOError:
        refused += 100
        if streak_start is None: streak_start = time.monotonic()
    n += 100
    next_at += period
    time.sleep(max(0, next_at - time.monotonic()))
print(json.dumps({'sent': sent, 'refused': refused, 'longestRefusedMs': round(longest * 1000)}))
`, d.dgramPath, stopFile, String(0.05 * SLOWDOWN)], { timeout: 120000 * SLOWDOWN });

  const t0 = performance.now();
  for (let i = 1; i <= 5; i++) {
    process.kill(d.pid, 'SIGHUP');
    await waitFor(async () => (await d.metric('tapemeasure_rules_reloads_total')) === i,
      { timeout: 15000, interval: 10, what: `reload ${i}` });
  }
  const reloadsMs = performance.now() - t0;
  fs.writeFileSync(stopFile, '');
  const r = await writer;
  assert.equal(r.code, 0, r.stderr);
  const { sent, refused, longestRefusedMs } = JSON.parse(r.stdout);
  // The time each reload held the ingest thread, from the log: the swap now; before, all of
  // it (what the old log line called "tests passed in").
  const held = [...d.stderr.matchAll(/reloaded rules .*(?:the swap held ingest for|tests passed in) ([\d.]+) ms$/gm)]
    .map((m) => Number(m[1]));
  console.log(`# 5 reloads of 2,000 rules in ${reloadsMs.toFixed(0)} ms: ${sent} lines sent, ${refused} refused (longest refusal ${longestRefusedMs} ms); ` +
    `ingest held per reload (ms): ${held.join(', ')}`);
  // Under a sanitizer the swap itself (re-binding 2,000 rules' metrics, the /api/rules
  // snapshot) takes seconds: that run looks for data races, the timing claim is checked in
  // the optimized build.
  if (!process.env.TAPEMEASURE_SANITIZER) {
    assert.equal(refused, 0, `${refused} lines refused by a full socket: ingest stopped reading for ${longestRefusedMs} ms`);
  }
  await d.waitLines(sent);
  assert.equal(await d.metric('tapemeasure_lines_total'), sent, 'every line sent was read');
  assert.equal(await d.metric('big_total', { k: 'k0' }) > 0, true);
});
