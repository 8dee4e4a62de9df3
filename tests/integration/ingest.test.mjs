// Ingest over real UNIX sockets and stdin: counts, partial lines, datagrams, truncation,
// bytes that are not UTF-8, and claiming socket paths (stale vs. live).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, test } from 'node:test';

import {
  Daemon, TEST_RULES, cleanup, delay, rng, run, sendDatagram, tempDir, tm, waitFor, writeRules, writeStream,
} from './helpers.mjs';

after(cleanup);

// Splits text into chunks of random sizes, so lines straddle writes.
function chunked(text, random, maxChunk = 6000) {
  const out = [];
  for (let i = 0; i < text.length;) {
    const n = 1 + Math.floor(random() * maxChunk);
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

test('8 concurrent stream writers x 5000 lines: lines_total equals lines written, per writer', async () => {
  const dir = tempDir();
  const d = await Daemon.start({ rules: [writeRules(dir, 't.yml', TEST_RULES)], dir });
  const writers = 8;
  const perWriter = 5000;
  const random = rng(42);
  await Promise.all(Array.from({ length: writers }, (_, w) => {
    let text = '';
    for (let i = 0; i < perWriter; i++) text += `w${w} ${i}\n`;
    return writeStream(d.socketPath, chunked(text, random));
  }));
  await d.waitLines(writers * perWriter);
  const m = await d.metrics();
  for (let w = 0; w < writers; w++) {
    assert.equal(m.value('test_writer_lines_total', { writer: String(w) }), perWriter, `writer ${w}`);
  }
  assert.equal(m.value('tapemeasure_lines_matched_total', { rule: 'writer' }), writers * perWriter);
  assert.equal(m.value('tapemeasure_lines_unmatched_total'), 0, 'a line was split or mixed with another');
  assert.equal(m.value('tapemeasure_lines_truncated_total'), 0);
  await waitFor(async () => (await d.metric('tapemeasure_ingest_connections')) === 0,
    { what: 'tapemeasure_ingest_connections back to 0' });
});

test('a writer cut mid-line: the partial last line is still processed', async () => {
  const dir = tempDir();
  const d = await Daemon.start({ rules: [writeRules(dir, 't.yml', TEST_RULES)], dir });
  // Complete lines, then a last line without its newline; the writer disappears.
  await writeStream(d.socketPath, ['w1 1\nw1 2\nw1', ' 3'], { finish: 'destroy' });
  // Cut inside a line that would otherwise have matched: the fragment is a line of its own.
  await writeStream(d.socketPath, ['w2 1\nw2 '], { finish: 'destroy' });
  await d.waitLines(5);
  const m = await d.metrics();
  assert.equal(m.value('test_writer_lines_total', { writer: '1' }), 3);
  assert.equal(m.value('test_writer_lines_total', { writer: '2' }), 1);
  assert.equal(m.value('tapemeasure_lines_unmatched_total'), 1);
  // The fragment shows among the recent unmatched lines (the snapshot is refreshed each second).
  await waitFor(async () => (await d.json('/api/rules')).recent_unmatched.some((l) => l === 'w2 ' || l === 'w2'),
    { timeout: 3000, what: 'the cut line "w2 " in /api/rules recent_unmatched' });
});

test('datagram socket: logger (one message per datagram) and nc -uU (several lines in one)', async () => {
  const dir = tempDir();
  // logger sends "<13>Mmm dd hh:mm:ss TAG: MSG" without a host name: a syslog-format rule.
  const syslogRules = writeRules(dir, 'sys.yml', `format: syslog
rules:
  - name: dgram
    match: '^tmtest: dg (?P<i>\\d+)$'
    event: false
    metrics:
      - counter: test_dgram_total
        help: Datagram lines.
`);
  const d = await Daemon.start({ rules: [syslogRules, writeRules(dir, 't.yml', TEST_RULES)], dir, dgram: 'in.dgram',
    args: ['--max-line-bytes', '2048'] });
  assert.ok(fs.statSync(d.dgramPath).isSocket());

  const file = path.join(dir, 'messages.txt');
  const n = 300;
  fs.writeFileSync(file, Array.from({ length: n }, (_, i) => `dg ${i}`).join('\n') + '\n');
  const lg = await run('logger', ['--socket-errors=on', '-u', d.dgramPath, '-t', 'tmtest', '-f', file]);
  assert.equal(lg.code, 0, `logger failed: ${lg.stderr}`);
  await d.waitLines(n);
  assert.equal(await d.metric('test_dgram_total'), n);

  // nc sends what it reads as one datagram: three lines in one, each counted.
  await sendDatagram(d.dgramPath, 'w7 1\nw7 2\nw7 3\n');
  await d.waitLines(n + 3);
  assert.equal(await d.metric('test_writer_lines_total', { writer: '7' }), 3);

  // A datagram longer than --max-line-bytes: truncated, counted, still matched.
  const long = `ev long 1 ${'x'.repeat(5000)}`;
  await sendDatagram(d.dgramPath, long);
  await d.waitLines(n + 4);
  const m = await d.metrics();
  assert.equal(m.value('tapemeasure_lines_truncated_total'), 1);
  assert.equal(m.value('test_events_total', { kind: 'long' }), 1);
});

test('a line longer than --max-line-bytes is truncated at the limit and counted', async () => {
  const dir = tempDir();
  const d = await Daemon.start({ rules: [writeRules(dir, 't.yml', TEST_RULES)], dir, args: ['--max-line-bytes', '1024'] });
  const ws = await d.ws();
  await d.waitClients(1);
  const head = 'ev big 1 ';
  await writeStream(d.socketPath, [`${head}${'y'.repeat(3000)}`, `${'y'.repeat(3000)}\n`]);
  await d.waitLines(1);
  await waitFor(() => ws.received === 1, { what: 'the event of the long line' });
  await writeStream(d.socketPath, ['ev big 2 short\nw1 1\n']);
  await d.waitLines(3);
  const m = await d.metrics();
  assert.equal(m.value('tapemeasure_lines_truncated_total'), 1);
  assert.equal(m.value('test_events_total', { kind: 'big' }), 2);
  assert.equal(m.value('test_writer_lines_total', { writer: '1' }), 1, 'the line after the long one is intact');
  assert.equal(ws.events[0].n, '1');
  assert.equal(ws.events[0].pad, 'y'.repeat(1024 - head.length), 'the event carries the line cut at 1024 bytes');
  await ws.end();
});

test('invalid UTF-8 and NUL bytes: events, /metrics and /api stay valid', async () => {
  const dir = tempDir();
  // \C matches any byte: RE2's "." and [^ ] do not match bytes that are not UTF-8.
  const rules = writeRules(dir, 'bytes.yml', `format: raw
rules:
  - name: bytes
    match: '^bytes (?P<label>\\C*?) (?P<body>\\C*)$'
    event: {type: bytes, from: '\${label}', to: sink}
    metrics:
      - counter: test_bytes_total
        help: Lines with odd bytes, by label.
        labels: {label: '\${label}'}
`);
  // A high cap: this test is about bytes, every event must reach the client.
  const d = await Daemon.start({ rules: [rules], dir, args: ['--ws-max-rate', '100000'] });
  const ws = await d.ws();
  await d.waitClients(1);
  const bad = [
    Buffer.from([0xff, 0xfe, 0x41]),            // bytes never valid in UTF-8
    Buffer.from([0x61, 0x00, 0x62]),            // NUL
    Buffer.from([0xc3, 0x28]),                  // broken 2-byte sequence
    Buffer.from([0xed, 0xa0, 0x80]),            // UTF-16 surrogate, encoded
    Buffer.from([0xc0, 0xaf]),                  // overlong "/"
    Buffer.from([0xe2, 0x82]),                  // truncated 3-byte sequence
    Buffer.from('caf\u00e9\u2603', 'utf8'),     // valid UTF-8, kept as is
  ];
  const lines = bad.map((b, i) => Buffer.concat([Buffer.from(`bytes L${i}`), b, Buffer.from(' body'), b, Buffer.from('\n')]));
  lines.push(Buffer.concat([Buffer.from('unmatched '), bad[0], bad[1], Buffer.from('\n')]));
  // One line at a time, each processed before the next: every event passes the rate cap.
  for (let i = 0; i < lines.length; i++) {
    await writeStream(d.socketPath, [lines[i]]);
    await d.waitLines(i + 1);
  }
  assert.equal(await d.metric('tapemeasure_lines_matched_total', { rule: 'bytes' }), bad.length);

  // Events: every frame parsed as JSON; bad bytes arrive as U+FFFD, valid text unchanged.
  await waitFor(() => ws.received + ws.dropped === bad.length, { what: `all ${bad.length} events` });
  assert.equal(ws.dropped, 0);
  assert.deepEqual(ws.badFrames, []);
  for (const [i, e] of ws.events.entries()) {
    assert.equal(e.type, 'bytes');
    assert.ok(e.label.startsWith(`L${i}`), `event ${i} label ${JSON.stringify(e.label)}`);
    if (i === 6) assert.equal(e.body, 'bodycaf\u00e9\u2603');
    else if (i === 1) assert.ok(e.body === 'bodya\u0000b' || e.body === 'bodya\ufffdb', JSON.stringify(e.body));
    else assert.ok(e.body.startsWith('body') && e.body.includes('\ufffd'), `event ${i} body ${JSON.stringify(e.body)}`);
  }

  // /metrics, /api/rules (recent unmatched lines) and /api/stats are valid UTF-8 and parse.
  const strict = new TextDecoder('utf-8', { fatal: true });
  const metricsRes = await d.get('/metrics');
  assert.equal(metricsRes.status, 200);
  strict.decode(metricsRes.body);
  const labels = (await d.metrics()).select('test_bytes_total').map((s) => s.labels.label);
  assert.equal(labels.length, bad.length, `one series per distinct label: ${JSON.stringify(labels)}`);
  const check = await run('promtool', ['check', 'metrics'], { input: metricsRes.text });
  assert.equal(check.code, 0, `promtool: ${check.stdout}${check.stderr}`);
  await waitFor(async () => {
    const res = await d.get('/api/rules');
    strict.decode(res.body);
    return JSON.parse(res.text).recent_unmatched.some((l) => l.startsWith('unmatched '));
  }, { timeout: 3000, what: 'the unmatched line with bad bytes in /api/rules' });
  await waitFor(async () => {
    const res = await d.get('/api/stats');
    strict.decode(res.body);
    const seconds = JSON.parse(res.text).seconds;
    return seconds.reduce((a, s) => a + s.lines_per_s, 0) === lines.length;
  }, { timeout: 3000, what: '/api/stats to account for the lines' });
  assert.ok(d.running);
  await ws.end();
});

test('a stale socket file from a crashed run is replaced', async () => {
  const dir = tempDir();
  const rules = writeRules(dir, 't.yml', TEST_RULES);
  const first = await Daemon.start({ rules: [rules], dir, dgram: 'in.dgram' });
  await first.stop('SIGKILL');  // a crash: nobody removes the socket files
  assert.ok(fs.statSync(first.socketPath).isSocket(), 'the crashed run left its socket file');
  assert.ok(fs.statSync(first.dgramPath).isSocket());

  const second = await Daemon.start({ rules: [rules], dir, dgram: 'in.dgram' });
  assert.match(second.stderr, /removed stale socket .*in\.sock/);
  await writeStream(second.socketPath, ['w1 1\nw1 2\n']);
  await sendDatagram(second.dgramPath, 'w1 3\n');
  await second.waitLines(3);
});

test('a live socket (another daemon on the same path) is an error, not stolen', async () => {
  const dir = tempDir();
  const rules = writeRules(dir, 't.yml', TEST_RULES);
  const first = await Daemon.start({ rules: [rules], dir });
  const r = await tm(['run', '--rules', rules, '--socket', first.socketPath, '--listen', '127.0.0.1:0']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`another process is listening on ${first.socketPath.replace(/[.]/g, '\\.')}`));
  // The first daemon still owns its socket.
  assert.ok(fs.statSync(first.socketPath).isSocket());
  await writeStream(first.socketPath, ['w1 1\n']);
  await first.waitLines(1);
});

test('port in use: a clear one-line error and exit 1', async () => {
  const dir = tempDir();
  const rules = writeRules(dir, 't.yml', TEST_RULES);
  const first = await Daemon.start({ rules: [rules], dir });
  const r = await tm(['run', '--rules', rules, '--socket', path.join(dir, 'other.sock'),
    '--listen', `127.0.0.1:${first.port}`]);
  assert.equal(r.code, 1);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got: ${r.stderr}`);
  assert.match(lines[0], new RegExp(`127\\.0\\.0\\.1:${first.port}.*address already in use`));
  assert.ok(!fs.existsSync(path.join(dir, 'other.sock')), 'no socket file left behind');
  assert.equal((await first.get('/healthz')).status, 200);
});

test('--socket - reads standard input, including a last line without newline', async () => {
  const dir = tempDir();
  const d = await Daemon.start({ rules: [writeRules(dir, 't.yml', TEST_RULES)], dir, socket: '-' });
  let text = '';
  for (let i = 0; i < 1000; i++) text += `w3 ${i}\n`;
  d.proc.stdin.write(text);
  d.proc.stdin.end('w3 1000');
  await d.waitLines(1001);
  assert.equal(await d.metric('test_writer_lines_total', { writer: '3' }), 1001);
  await waitFor(() => /standard input closed/.test(d.stderr), { what: 'the log line about stdin' });
  assert.equal((await d.get('/healthz')).status, 200, 'the daemon keeps serving after stdin ends');
  assert.ok(!fs.existsSync(path.join(dir, 'tapemeasure.sock')), 'no stream socket when reading stdin');
});

test('--socket - with standard input redirected from a file (not a pipe)', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'input.log');
  fs.writeFileSync(file, Array.from({ length: 2000 }, (_, i) => `w4 ${i}`).join('\n') + '\n');
  const d = await Daemon.start({ rules: [writeRules(dir, 't.yml', TEST_RULES)], dir, socket: '-', stdinFile: file });
  await d.waitLines(2000);
  assert.equal(await d.metric('test_writer_lines_total', { writer: '4' }), 2000);
});

test('socket files get --socket-mode (default 0660)', async () => {
  const dir = tempDir();
  const rules = writeRules(dir, 't.yml', TEST_RULES);
  const d = await Daemon.start({ rules: [rules], dir, dgram: 'in.dgram' });
  assert.equal(fs.statSync(d.socketPath).mode & 0o777, 0o660);
  assert.equal(fs.statSync(d.dgramPath).mode & 0o777, 0o660);
  const dir2 = tempDir();
  const d2 = await Daemon.start({ rules: [rules], dir: dir2, dgram: 'in.dgram', args: ['--socket-mode', '0600'] });
  assert.equal(fs.statSync(d2.socketPath).mode & 0o777, 0o600);
  assert.equal(fs.statSync(d2.dgramPath).mode & 0o777, 0o600);
});

// RE2 runs in UTF-8 mode, where "." and [^...] do not match bytes that are not UTF-8; the
// engine matches a cleaned copy of such lines, so a Latin-1 byte in a recipient address
// must not make a delivery go uncounted.
test('a Postfix delivery line with a Latin-1 byte in the address is still counted', async () => {
    const d = await Daemon.start();
    const line = (rcpt) => Buffer.concat([Buffer.from('Nov 27 09:01:02 mta1 postfix/smtp[42]: 4F1A2B: to=<'), rcpt,
      Buffer.from('@b.example>, relay=proxy2[10.0.0.2]:25, delay=0.5, delays=0.1/0/0.2/0.2, dsn=2.0.0, status=sent (250 ok)\n')]);
    await writeStream(d.socketPath, [Buffer.concat([line(Buffer.from('rene')), line(Buffer.from([0x72, 0xe9, 0x6e, 0xe9]))])]);
    await d.waitLines(2);
    assert.equal(await d.metric('mail_deliveries_total', { mta: 'mta1', relay: 'proxy2', outcome: 'delivered' }), 2);
  });

test('datagram socket: the effective receive buffer is logged at start', async () => {
  const d = await Daemon.start({ dgram: 'in.dgram' });
  assert.match(d.stderr, /datagram socket .*in\.dgram: receive buffer \d+ KiB \(asked for 8192 KiB\)/);
});

test('stream writers beyond --max-ingest-connections (256) are closed at once; the others go on', async () => {
  const d = await Daemon.start();
  const open = [];
  for (let i = 0; i < 256; i++) {
    const s = net.createConnection(d.socketPath);
    await new Promise((resolve, reject) => { s.once('connect', resolve); s.once('error', reject); });
    open.push(s);
  }
  await waitFor(async () => (await d.metric('tapemeasure_ingest_connections')) === 256, { what: '256 ingest connections' });
  const extra = net.createConnection(d.socketPath);
  extra.on('error', () => { /* reset */ });
  await new Promise((resolve) => extra.once('close', resolve));
  await waitFor(() => /refused an ingest writer: all 256 slots \(--max-ingest-connections\)/.test(d.stderr),
    { what: 'the log line' });
  assert.equal(await d.metric('tapemeasure_ingest_refused_total'), 1);
  // One closes; a new writer is served again.
  open.pop().end();
  await waitFor(async () => (await d.metric('tapemeasure_ingest_connections')) === 255, { what: '255 ingest connections' });
  await writeStream(d.socketPath, ['one line\n']);
  await d.waitLines(1);
  for (const s of open) s.destroy();
});

// Writers that connect and never write used to hold every slot for good: a real writer was
// refused, its lines never counted. Now, when all slots are taken, the writer silent longest
// gives its slot up if silent past --ingest-idle-timeout; else the new one is refused, counted.
test('idle stream writers holding every slot give way to a real writer after --ingest-idle-timeout', async () => {
  const dir = tempDir();
  const d = await Daemon.start({ rules: [writeRules(dir, 't.yml', TEST_RULES)], dir,
    args: ['--max-ingest-connections', '4', '--ingest-idle-timeout', '0.5'] });
  const idle = [];
  for (let i = 0; i < 4; i++) {
    const s = net.createConnection(d.socketPath);
    s.on('error', () => { /* closed by the daemon */ });
    await new Promise((resolve, reject) => { s.once('connect', resolve); s.once('error', reject); });
    idle.push(s);
  }
  await waitFor(async () => (await d.metric('tapemeasure_ingest_connections')) === 4, { what: '4 ingest connections' });
  await delay(700);  // past the idle timeout: idleness only grows
  let text = '';
  for (let i = 0; i < 1000; i++) text += `w1 ${i}\n`;
  await writeStream(d.socketPath, [text]);
  await d.waitLines(1000);
  const m = await d.metrics();
  assert.equal(m.value('test_writer_lines_total', { writer: '1' }), 1000);
  assert.equal(m.value('tapemeasure_ingest_idle_closed_total'), 1);
  assert.equal(m.value('tapemeasure_ingest_refused_total'), 0);
  for (const s of idle) s.destroy();
});
