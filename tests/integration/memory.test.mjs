// Measuring across lines in the running daemon: lines written to its socket give the same
// /metrics as `tapemeasure test` on the same log (memory between lines applied in line order,
// whatever the match threads), and a reload keeps what was remembered.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';

import { Daemon, ROOT, cleanup, parseExposition, replaceFile, tempDir, tm, waitFor, writeStream } from './helpers.mjs';

after(cleanup);

// The series of `text` whose name starts with none of `skip`, as "name{labels} value" lines.
function series(text, skip = ['tapemeasure_']) {
  return parseExposition(text)
    .filter((s) => !skip.some((p) => s.name.startsWith(p)))
    .map((s) => `${s.name}${JSON.stringify(s.labels)} ${s.value}`)
    .sort();
}

describe('memory between lines', () => {
  test('the daemon gives the numbers `tapemeasure test` gives (mtail examples with recall and remember)', async () => {
    // Two examples that carry state between lines: rsyncd (connection time by pid, in log
    // time) and mysql_slowqueries (user and host of an earlier line label later ones).
    for (const name of ['rsyncd', 'mysql_slowqueries']) {
      const rules = path.join(ROOT, 'rules/examples', `${name}.yml`);
      const log = path.join(ROOT, 'tests/data/mtail', `${name}.log`);
      const offline = await tm(['test', '--rules', rules, '--input', log, '--format', 'metrics']);
      assert.equal(offline.code, 0, offline.stderr);

      // Two match threads: large reads are matched in parallel and applied in order.
      const d = await Daemon.start({ rules: [rules], args: ['--match-threads', '2'] });
      try {
        const text = fs.readFileSync(log, 'utf8');
        const lines = text.split('\n').filter((l) => l !== '').length;
        await writeStream(d.socketPath, [text]);
        await d.waitLines(lines);
        const live = (await d.get('/metrics')).text;
        assert.deepEqual(series(live), series(offline.stdout), `${name}: daemon and test differ`);
        assert.ok(series(live).length > 10, `${name}: too few series to mean anything`);
      } finally {
        await d.stop();
      }
    }
  });

  test('a reload keeps the tables: a size remembered before it is recalled after it', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'rules'));
    const file = path.join(dir, 'rules', 'q.yml');
    const rules = (help) => `format: syslog
rules:
  - name: qmgr_size
    match: '^\\S+/qmgr\\[\\d+\\]: (?P<qid>\\w+): from=<[^>]*>, size=(?P<size>\\d+)'
    remember: {in: queue, key: '\${host}/\${qid}', for: 2h}
    event: false
  - name: delivered
    match: '^\\S+/smtp\\[\\d+\\]: (?P<qid>\\w+): to=<[^>]*>, relay=(?P<relay>[^\\[,]+).* status=sent'
    recall: {from: queue, key: '\${host}/\${qid}'}
    event: false
    metrics:
      - counter: bytes_total
        help: ${help}
        value: '\${queue.size}'
        labels: {relay: '\${relay}'}
      - counter: lifetime_seconds_total
        value: '\${queue.elapsed}'
`;
    fs.writeFileSync(file, rules('Bytes delivered.'));
    const d = await Daemon.start({ rules: [path.join(dir, 'rules')], dir });
    try {
      await writeStream(d.socketPath, [
        'Nov  7 09:00:00 mx1 postfix/qmgr[5]: AAA111: from=<a@x>, size=1000, nrcpt=1 (queue active)\n',
        'Nov  7 09:00:01 mx2 postfix/qmgr[5]: AAA111: from=<a@x>, size=7, nrcpt=1 (queue active)\n',
      ]);
      await d.waitLines(2);
      let m = await d.metrics();
      assert.equal(m.value('tapemeasure_remembered', { table: 'queue' }), 2);
      assert.equal(m.value('bytes_total'), undefined, 'labelled by a capture: no series until a delivery');
      assert.equal(m.value('lifetime_seconds_total'), 0, 'a counter without labels is there at 0 from the start');

      replaceFile(file, rules('Bytes delivered, by relay.'));
      await waitFor(async () => (await d.metric('tapemeasure_rules_reloads_total')) === 1,
        { timeout: 5000, what: 'the reload' });

      await writeStream(d.socketPath, [
        'Nov  7 09:00:04 mx1 postfix/smtp[6]: AAA111: to=<b@y>, relay=proxy1[10.0.0.1]:25, delay=4, dsn=2.0.0, status=sent (ok)\n',
        'Nov  7 09:00:09 mx1 postfix/smtp[6]: BBB222: to=<b@y>, relay=proxy1[10.0.0.1]:25, delay=4, dsn=2.0.0, status=sent (ok)\n',
      ]);
      await d.waitLines(4);
      m = await d.metrics();
      assert.equal(m.value('bytes_total', { relay: 'proxy1' }), 1000, 'mx1\'s size, remembered before the reload');
      assert.equal(m.value('lifetime_seconds_total'), 4, 'log time: 09:00:00 to 09:00:04');
      assert.equal(m.value('tapemeasure_recall_misses_total', { rule: 'delivered' }), 1, 'BBB222 was never remembered');
      assert.equal(m.value('tapemeasure_remembered', { table: 'queue' }), 2);
    } finally {
      await d.stop();
    }
  });
});
