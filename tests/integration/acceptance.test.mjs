// Issue 3's acceptance: tests/data/postfix.log replayed into a running daemon with 20
// WebSocket clients connected throughout. Lines counted equal `wc -l`; mail_deliveries_total
// equals an independent awk count of the log's status= words; every client accounts for
// every event; /api/stats and the stats frames add up to the same totals.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';

import { Daemon, POSTFIX_LOG, ROOT, cleanup, replay, run, tempDir, waitFor } from './helpers.mjs';

after(cleanup);

test('postfix.log replayed with 20 WebSocket clients: lines, deliveries and events all add up', async () => {
  const d = await Daemon.start();
  const clients = [];
  for (let i = 0; i < 20; i++) clients.push(await d.ws());
  await d.waitClients(20);

  await replay(d.socketPath, POSTFIX_LOG);

  const wc = await run('wc', ['-l', POSTFIX_LOG]);
  const lines = Number(wc.stdout.trim().split(/\s+/)[0]);
  assert.ok(lines > 500, `wc -l says ${lines}`);
  await d.waitLines(lines);

  // The independent count: awk over the status= words, "mta relay outcome count" per line.
  const awk = await run(path.join(ROOT, 'tests/data/postfix_status_count.sh'), [POSTFIX_LOG]);
  assert.equal(awk.code, 0, awk.stderr);
  const expected = {};
  for (const line of awk.stdout.trim().split('\n')) {
    const [mta, relay, outcome, count] = line.split(' ');
    expected[`${mta} ${relay} ${outcome}`] = Number(count);
  }
  assert.ok(Object.keys(expected).length > 10, 'the log has many delivery series');

  const m = await d.metrics();
  const actual = {};
  for (const s of m.select('mail_deliveries_total')) {
    actual[`${s.labels.mta} ${s.labels.relay} ${s.labels.outcome}`] = s.value;
  }
  assert.deepEqual(actual, expected);
  assert.equal(m.value('tapemeasure_lines_total'), lines);
  assert.equal(m.sum('tapemeasure_lines_matched_total') + m.value('tapemeasure_lines_unmatched_total'), lines,
    'lines = matched + unmatched');

  // Every client, connected all along, accounts for every event the rules produced.
  const rules = await d.json('/api/rules');
  const eventRules = rules.rules.filter((r) => r.event).map((r) => r.name);
  const events = eventRules.reduce((a, r) => a + (m.value('tapemeasure_lines_matched_total', { rule: r }) ?? 0), 0);
  assert.ok(events > 100);
  for (const [i, c] of clients.entries()) {
    await c.waitAccounted(events);
    assert.ok(c.received > 0, `client ${i} received nothing`);
    assert.deepEqual(c.badFrames, []);
    assert.equal(c.seqs.at(-1), events, `client ${i}: the last frame's seq`);
  }
  await d.waitClients(20);
  assert.ok(clients.every((c) => c.open && c.close === null), 'all 20 clients still connected');

  // /api/stats: the per-second records add up to the cumulative counters.
  const stats = await waitFor(async () => {
    const s = await d.json('/api/stats');
    return s.seconds.reduce((a, x) => a + x.lines_per_s, 0) === lines && s;
  }, { timeout: 3000, what: '/api/stats to account for every line' });
  // Each second carries the counter's increments (metrics), the Postfix view's MTA-to-relay
  // share (counts by mta and relay) and its bounce ratio (part and total).
  let perSecond = 0, part = 0, total = 0;
  const matrix = {};
  for (const s of stats.seconds) {
    perSecond += s.metrics.mail_deliveries_total.per_s;
    const share = s.shares.find((x) => x.title === 'MTA to relay');
    assert.equal(share.omitted, 0);
    for (const [mta, row] of Object.entries(share.counts)) {
      for (const [relay, n] of Object.entries(row)) matrix[`${mta} ${relay}`] = (matrix[`${mta} ${relay}`] ?? 0) + n;
    }
    const ratio = s.ratios.find((x) => x.title === 'bounce ratio');
    part += ratio.part;
    total += ratio.total;
    if (ratio.total > 0) assert.ok(ratio.value >= 0 && ratio.value <= 1 && Math.abs(ratio.value - ratio.part / ratio.total) < 1e-5)  // sent rounded to 6 digits;
    else assert.equal(ratio.value, null);
  }
  const attempts = m.sum('mail_deliveries_total');
  const bounces = m.sum('mail_deliveries_total', { outcome: 'transient' }) + m.sum('mail_deliveries_total', { outcome: 'permanent' });
  assert.ok(attempts > 0 && bounces > 0);
  assert.equal(perSecond, attempts, 'metrics.mail_deliveries_total.per_s adds up to the counter');
  assert.equal(total, attempts, 'the bounce ratio\'s totals add up to every attempt');
  assert.equal(part, bounces, 'the bounce ratio\'s parts add up to transient + permanent');
  assert.equal(stats.seconds.at(-1).metrics.mail_deliveries_total.total, attempts);
  const expectedMatrix = {};
  for (const [key, n] of Object.entries(expected)) {
    const [mta, relay] = key.split(' ');
    expectedMatrix[`${mta} ${relay}`] = (expectedMatrix[`${mta} ${relay}`] ?? 0) + n;
  }
  assert.deepEqual(matrix, expectedMatrix);

  // The stats frames each client got say the same.
  await waitFor(() => clients.every((c) => c.stats.reduce((a, s) => a + s.stats.lines_per_s, 0) === lines),
    { timeout: 3000, what: 'every client\'s stats frames to count every line' });
  for (const c of clients) {
    const parts = c.stats.reduce((a, s) => a + s.stats.ratios.find((x) => x.title === 'bounce ratio').part, 0);
    assert.equal(parts, bounces);
  }
});

// The same log 40 times over, written as fast as the socket takes it: reads are large, so
// the daemon may match them on its two match threads and apply the results in order (the
// unit and golden tests prove the helpers run; this checks the whole daemon). Nothing may be
// lost or counted twice, and the clients' accounting still holds.
test('postfix.log 40 times over, matched on two threads with 20 clients: the totals are 40 times as large', async () => {
  const d = await Daemon.start({ args: ['--match-threads', '2'] });
  const clients = [];
  for (let i = 0; i < 20; i++) clients.push(await d.ws());
  await d.waitClients(20);

  const once = fs.readFileSync(POSTFIX_LOG, 'utf8');
  const times = 40;
  const file = path.join(tempDir(), 'postfix-40x.log');
  fs.writeFileSync(file, once.repeat(times));
  await replay(d.socketPath, file);
  const lines = once.split('\n').length - 1;
  await d.waitLines(lines * times);

  const awk = await run(path.join(ROOT, 'tests/data/postfix_status_count.sh'), [POSTFIX_LOG]);
  assert.equal(awk.code, 0, awk.stderr);
  const expected = {};
  for (const line of awk.stdout.trim().split('\n')) {
    const [mta, relay, outcome, count] = line.split(' ');
    expected[`${mta} ${relay} ${outcome}`] = Number(count) * times;
  }
  const m = await d.metrics();
  const actual = {};
  for (const s of m.select('mail_deliveries_total')) actual[`${s.labels.mta} ${s.labels.relay} ${s.labels.outcome}`] = s.value;
  assert.deepEqual(actual, expected);
  assert.equal(m.value('tapemeasure_lines_total'), lines * times);
  assert.equal(m.sum('tapemeasure_lines_matched_total') + m.value('tapemeasure_lines_unmatched_total'), lines * times);

  const rules = await d.json('/api/rules');
  const events = rules.rules.filter((r) => r.event)
    .reduce((a, r) => a + (m.value('tapemeasure_lines_matched_total', { rule: r.name }) ?? 0), 0);
  for (const [i, c] of clients.entries()) {
    await c.waitAccounted(events);
    assert.deepEqual(c.badFrames, [], `client ${i}`);
    assert.equal(c.seqs.at(-1), events, `client ${i}: the last frame's seq`);
  }
});
