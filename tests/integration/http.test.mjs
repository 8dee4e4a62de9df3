// HTTP and its guards: endpoints and content types, static files from --web-root with no
// way out of it, Host and Origin checks, oversized and malformed WebSocket messages, the
// connection cap, malformed requests.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  Daemon, TEST_RULES, WsClient, cleanup, rawTcp, tempDir, waitFor, writeRules, writeStream,
} from './helpers.mjs';

after(cleanup);

const SECRET = 'TOP-SECRET-do-not-serve';

// A web root with files and symlinks, next to a secret that must never be served.
function makeWebRoot(dir) {
  const web = path.join(dir, 'web');
  fs.mkdirSync(path.join(web, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>tapemeasure test</title>\n');
  fs.writeFileSync(path.join(web, 'app.js'), 'export const x = 1;\n');
  fs.writeFileSync(path.join(web, 'style.css'), 'body { margin: 0 }\n');
  fs.writeFileSync(path.join(web, 'data.json'), '{"a":1}\n');
  fs.writeFileSync(path.join(web, 'sub', 'page.html'), '<p>sub</p>\n');
  fs.writeFileSync(path.join(dir, 'secret.txt'), `${SECRET}\n`);
  fs.mkdirSync(path.join(dir, 'outside'));
  fs.writeFileSync(path.join(dir, 'outside', 'secret.txt'), `${SECRET}\n`);
  fs.symlinkSync('../secret.txt', path.join(web, 'leak.txt'));          // file link leading out
  fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(web, 'abs-leak.txt'));
  fs.symlinkSync('../outside', path.join(web, 'linkdir'));              // directory link leading out
  fs.symlinkSync('index.html', path.join(web, 'alias.html'));           // a link that stays inside
  return web;
}

// Status code of a raw response ("HTTP/1.1 404 Not Found..." -> 404).
const statusOf = (raw) => Number(/^HTTP\/1\.[01] (\d{3})/.exec(raw)?.[1]);

describe('endpoints, static files and guards', () => {
  let d;
  let dir;
  before(async () => {
    dir = tempDir();
    const web = makeWebRoot(dir);
    d = await Daemon.start({ rules: [writeRules(dir, 't.yml', TEST_RULES)], dir,
      args: ['--web-root', web, '--allowed-origin', 'https://dash.example.com', '--allowed-host', 'tm.example'] });
  });

  test('/, static files, /metrics, /api/stats, /api/rules, /healthz, 404, 405', async () => {
    const root = await d.get('/');
    assert.equal(root.status, 200);
    assert.equal(root.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(root.text, /tapemeasure test/);
    for (const [p, type] of [['/index.html', 'text/html'], ['/app.js', 'text/javascript'], ['/style.css', 'text/css'],
      ['/data.json', 'application/json'], ['/sub/page.html', 'text/html'], ['/alias.html', 'text/html'],
      ['/app.js?v=3', 'text/javascript']]) {
      const r = await d.get(p);
      assert.equal(r.status, 200, p);
      assert.ok(r.headers['content-type'].startsWith(type), `${p}: ${r.headers['content-type']}`);
    }
    const head = await d.get('/app.js', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(Number(head.headers['content-length']), fs.statSync(path.join(dir, 'web', 'app.js')).size);
    assert.equal(head.body.length, 0);
    // HEAD on one keep-alive connection: headers only, each with the real length, so the
    // next answer on the connection is read correctly.
    const host = `Host: 127.0.0.1:${d.port}\r\n`;
    const pipelined = await rawTcp(d.port, `HEAD /healthz HTTP/1.1\r\n${host}\r\nHEAD /app.js HTTP/1.1\r\n${host}\r\n` +
      `GET /healthz HTTP/1.1\r\n${host}Connection: close\r\n\r\n`);
    const answers = pipelined.split(/(?=HTTP\/1\.1 )/);
    assert.equal(answers.length, 3, pipelined);
    const parts = (a) => ({ status: statusOf(a), length: Number(/\r\ncontent-length: (\d+)\r\n/i.exec(a)?.[1]),
      body: a.slice(a.indexOf('\r\n\r\n') + 4) });
    assert.deepEqual(parts(answers[0]), { status: 200, length: 3, body: '' });
    assert.deepEqual(parts(answers[1]), { status: 200, length: Number(head.headers['content-length']), body: '' });
    assert.deepEqual(parts(answers[2]), { status: 200, length: 3, body: 'ok\n' });

    await writeStream(d.socketPath, ['ev alpha 1\nw1 1\nnothing\n']);
    await d.waitLines(3);
    const metrics = await d.get('/metrics');
    assert.equal(metrics.status, 200);
    assert.ok(metrics.headers['content-type'].startsWith('text/plain; version=0.0.4'), metrics.headers['content-type']);
    for (const name of ['tapemeasure_lines_total', 'tapemeasure_lines_matched_total', 'tapemeasure_lines_unmatched_total',
      'tapemeasure_lines_truncated_total', 'tapemeasure_ingest_connections', 'tapemeasure_ws_clients',
      'tapemeasure_ws_events_sent_total', 'tapemeasure_ws_events_dropped_total', 'tapemeasure_rules_reloads_total',
      'tapemeasure_rules_reload_failures_total', 'tapemeasure_rules_loaded', 'tapemeasure_series_overflow_total',
      'tapemeasure_build_info']) {
      assert.match(metrics.text, new RegExp(`^# TYPE ${name} `, 'm'), `self-metric ${name}`);
    }

    const stats = await waitFor(async () => {
      const s = await d.json('/api/stats');
      return s.seconds.reduce((a, x) => a + x.lines_per_s, 0) === 3 && s;
    }, { timeout: 3000, what: '/api/stats to count 3 lines' });
    const last = stats.seconds.at(-1);
    for (const k of ['ts', 'lines_per_s', 'matched_per_s', 'unmatched_per_s', 'events_per_s', 'dropped_per_s', 'clients',
      'metrics', 'shares', 'ratios', 'compares', 'reload']) assert.ok(k in last, `/api/stats second has ${k}`);
    // Every declared metric is in every second, busy or not; a counter's increments and its
    // busiest label sets are there when it moved.
    assert.ok(stats.seconds.every((s) => s.metrics.test_events_total?.kind === 'counter'), 'test_events_total every second');
    const moved = stats.seconds.map((s) => s.metrics.test_events_total).filter((m) => m.per_s > 0);
    assert.deepEqual(moved.map((m) => [m.per_s, m.top]), [[1, [{ labels: { kind: 'alpha' }, per_s: 1 }]]]);
    assert.equal(last.metrics.test_events_total.total, 1);
    assert.equal(last.reload.ok, true);
    // The minutes since a time (a page's last hour): a minute's start, epoch ms; nothing else.
    const minutes = await d.json('/api/stats?step=60');
    assert.ok(minutes.records.length >= 1);
    const newest = minutes.records.at(-1);
    assert.ok(newest.last_ts >= last.ts, 'the current minute holds the newest second');
    assert.deepEqual((await d.json(`/api/stats?step=60&since=${newest.ts}`)).records.map((r) => r.ts), [newest.ts]);
    assert.deepEqual((await d.json(`/api/stats?step=60&since=${newest.ts + 60000}`)).records, []);
    for (const bad of ['step=60&since=abc', 'step=60&since=', 'step=all&since=0', 'since=0', 'step=60&since=1e12']) {
      const r = await d.get(`/api/stats?${bad}`);
      assert.equal(r.status, bad === 'step=60&since=' ? 200 : 400, `/api/stats?${bad}`);
    }

    const rules = await d.json('/api/rules');
    for (const k of ['lines', 'unmatched', 'files', 'rules', 'metrics', 'reloads', 'reload_failures', 'last_reload',
      'recent_unmatched']) assert.ok(k in rules, `/api/rules has ${k}`);
    assert.deepEqual(rules.rules.map((r) => r.name), ['ev', 'writer', 'text']);
    const ev = rules.rules[0];
    for (const k of ['name', 'file', 'line', 'format', 'match', 'continue', 'event', 'metrics', 'matches', 'seconds']) {
      assert.ok(k in ev, `rule has ${k}`);
    }
    assert.equal(ev.file.endsWith('t.yml'), true);
    assert.equal(rules.rules[1].event, false);
    assert.equal(rules.last_reload.ok, true);

    const health = await d.get('/healthz');
    assert.equal(health.status, 200);
    assert.equal(health.text.trim(), 'ok');

    assert.equal((await d.get('/nope.html')).status, 404);
    assert.equal((await d.get('/sub/')).status, 404, 'a directory without index.html');
    assert.equal((await d.get('/metrics', { method: 'POST' })).status, 405);
    assert.equal((await d.get('/ws')).status, 426, '/ws without an upgrade');
  });

  test('path traversal: .., encoded .., backslashes, absolute paths, symlinks out of the root -> 404', async () => {
    const abs = path.join(dir, 'secret.txt');
    const targets = [
      '/../secret.txt', '/../../../../../../etc/passwd', '/sub/../../secret.txt', '/..%2fsecret.txt',
      '/%2e%2e/secret.txt', '/%2E%2E/secret.txt', '/%2e%2e%2fsecret.txt', '/.%2e/secret.txt', '/%2e./secret.txt',
      '/sub/%2e%2e/%2e%2e/secret.txt', '/sub%2f..%2f..%2fsecret.txt', '/%252e%252e/secret.txt',
      '/..\\secret.txt', '/%5c..%5csecret.txt', '/..%00/secret.txt', '/index.html%00.txt',
      `/${abs}`, `/%2f${abs.slice(1)}`, `//${abs}`,
      '/leak.txt', '/abs-leak.txt', '/linkdir/secret.txt', '/linkdir/../secret.txt', '/linkdir/%2e%2e/secret.txt',
    ];
    for (const target of targets) {
      const raw = await rawTcp(d.port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${d.port}\r\nConnection: close\r\n\r\n`);
      assert.equal(statusOf(raw), 404, `GET ${target}: ${raw.split('\r\n')[0]}`);
      assert.ok(!raw.includes(SECRET), `GET ${target} leaked the file`);
      assert.ok(!raw.includes('root:'), `GET ${target} leaked /etc/passwd`);
    }
    // Node's client normalises nothing either; one more through it for good measure.
    const r = await d.get('/../secret.txt');
    assert.equal(r.status, 404);
    assert.ok(!r.text.includes(SECRET));
  });

  test('Host must name this server (DNS rebinding): others get 403', async () => {
    for (const host of ['evil.example', `evil.example:${d.port}`, `127.0.0.2:${d.port}`, `localhost:${d.port + 1}`, '']) {
      for (const p of ['/', '/metrics', '/api/rules', '/api/stats', '/healthz']) {
        const raw = await rawTcp(d.port, `GET ${p} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
        assert.equal(statusOf(raw), 403, `GET ${p} with Host '${host}': ${raw.split('\r\n')[0]}`);
        assert.ok(!raw.includes('tapemeasure_lines_total'));
      }
    }
    const noHost = await rawTcp(d.port, 'GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n');
    assert.equal(statusOf(noHost), 403, 'no Host header at all');
    for (const host of [`127.0.0.1:${d.port}`, `localhost:${d.port}`, `LOCALHOST:${d.port}`, 'tm.example', 'tm.example:8443']) {
      const r = await d.get('/metrics', { headers: { Host: host } });
      assert.equal(r.status, 200, `Host '${host}' is this server`);
    }
    // The WebSocket upgrade is checked the same way.
    await assert.rejects(d.ws({ host: `evil.example:${d.port}` }), (e) => e.statusCode === 403);
  });

  test('Origin on /ws: foreign and null get 403; same origin, --allowed-origin and none are accepted', async () => {
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${d.port}.evil.example`,
      `https://127.0.0.1:${d.port}`, `http://127.0.0.1:${d.port + 1}`, 'https://dash.example.com.evil']) {
      await assert.rejects(d.ws({ origin }), (e) => e.statusCode === 403, `Origin ${origin}`);
    }
    for (const origin of [undefined, `http://127.0.0.1:${d.port}`, 'https://dash.example.com']) {
      const c = await d.ws({ origin });
      assert.ok(c.open, `Origin ${origin}`);
      await c.end();
    }
    const c = await d.ws({ origin: `http://localhost:${d.port}`, host: `localhost:${d.port}` });
    await c.end();
  });

  test('oversized and malformed WebSocket messages close that client only', async () => {
    const bystander = await d.ws();
    const big = await d.ws();
    big.send(JSON.stringify({ filter: { types: ['x'.repeat(70 * 1024)] } }));
    const close = await big.closed;
    assert.equal(close.code, 1009, `close code ${close.code}`);

    // A frame no client may send: unmasked, with reserved bits set.
    const bad = await d.ws();
    bad.ws._socket.write(Buffer.from([0xf1, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f]));
    const badClose = await bad.closed;
    assert.notEqual(badClose.code, 1000, 'a protocol error is not a normal close');

    // Just under the limit is fine.
    bystander.send({ filter: { types: ['y'.repeat(60 * 1024)] } });
    await bystander.sendAndSync({ filter: null });
    assert.ok(bystander.open);
    await waitFor(async () => (await d.metric('tapemeasure_ws_clients')) === 1, { what: 'the hub to drop the closed clients' });
    const before = bystander.received + bystander.dropped;
    await writeStream(d.socketPath, ['ev alpha 2\n']);
    await waitFor(() => bystander.received + bystander.dropped > before, { what: 'the bystander to keep getting events' });
    assert.equal((await d.get('/healthz')).status, 200);
    await bystander.end();
  });

  test('malformed HTTP gets 400, oversized headers 413, an unknown Transfer-Encoding 501, and the daemon carries on', async () => {
    const cases = [
      ['GARBAGE\r\n\r\n', 400],
      ['GET / HTTP/9.9\r\nHost: x\r\n\r\n', 400],
      [`GET / HTTP/1.1\r\nHost: 127.0.0.1:${d.port}\r\nContent-Length: nope\r\n\r\n`, 400],
      [`GET / HTTP/1.1\r\nHost: 127.0.0.1:${d.port}\r\nBad Header\r\n\r\n`, 400],
      ['\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n', 400],  // TLS to a plain port
      [`GET / HTTP/1.1\r\nHost: 127.0.0.1:${d.port}\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`, 413],
      [`POST /metrics HTTP/1.1\r\nHost: 127.0.0.1:${d.port}\r\nContent-Length: 100000\r\n\r\n`, 413],
      // A coding it does not know: 501 and closed, or the body would be read as a request.
      [`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${d.port}\r\nTransfer-Encoding: foo\r\n\r\n` +
        `GET /api/stats HTTP/1.1\r\nHost: 127.0.0.1:${d.port}\r\n\r\n`, 501],
    ];
    for (const [req, status] of cases) {
      const raw = await rawTcp(d.port, req);
      assert.equal(statusOf(raw), status, `${JSON.stringify(req.slice(0, 40))}: ${raw.split('\r\n')[0]}`);
    }
    assert.equal((await d.get('/healthz')).status, 200);
  });
});

test('idle connections beyond --max-connections: the longest idle make room; /healthz is answered throughout', async () => {
  const dir = tempDir();
  const d = await Daemon.start({ rules: [writeRules(dir, 't.yml', TEST_RULES)], dir, args: ['--max-connections', '20'] });
  const ws = await d.ws();  // one WebSocket client counts too, and must survive all this
  const idle = [];
  const closedByServer = new Set();
  for (let i = 0; i < 40; i++) {
    const s = net.connect(d.port, '127.0.0.1');
    s.on('error', () => { /* reset by the server */ });
    s.on('close', () => closedByServer.add(s));
    await new Promise((resolve) => s.once('connect', resolve));
    idle.push(s);
  }
  // 20 slots, the last 10 (--reserved-connections 16, at most half) kept for /healthz and
  // /metrics: the WebSocket and the 9 newest silent connections hold the others; each
  // newcomer closed the connection that had waited longest without sending a byte.
  await waitFor(() => closedByServer.size === 31, { what: '31 idle connections closed to make room' });
  assert.ok(idle.slice(31).every((s) => !closedByServer.has(s)), 'the newest connections stay open');
  assert.equal((await d.get('/healthz', { timeout: 3000 })).status, 200, 'an idle connection makes room for the probe');

  for (const s of idle) s.destroy();
  const res = await waitFor(async () => {
    const r = await d.get('/healthz');
    return r.status === 200 && r;
  }, { timeout: 5000, what: 'the daemon to serve again' });
  assert.equal(res.text.trim(), 'ok');
  // Many requests in a row after that: connections are released when done.
  for (let i = 0; i < 50; i++) assert.equal((await d.get('/healthz')).status, 200);
  assert.ok(ws.open);
  await writeStream(d.socketPath, ['ev alpha 1\n']);
  await waitFor(() => ws.received === 1, { what: 'the WebSocket client still served' });
  assert.ok(d.running);
});

test('out of file descriptors: accept pauses instead of spinning, and serving resumes', async () => {
  const dir = tempDir();
  const d = await Daemon.start({ rules: [writeRules(dir, 't.yml', TEST_RULES)], dir, maxFiles: 40,
    args: ['--max-connections', '200'] });
  const conns = [];
  for (let i = 0; i < 60; i++) {
    const s = net.connect(d.port, '127.0.0.1');
    s.on('error', () => { /* reset */ });
    await new Promise((resolve) => s.once('connect', resolve));
    conns.push(s);
  }
  const warnings = () => (d.stderr.match(/warn accept: Too many open files/g) ?? []).length;
  // Five warnings: with a pause between attempts that takes ~0.5 s; a loop retrying at
  // once would have logged many thousands by then.
  await waitFor(() => warnings() >= 5, { timeout: 5000, what: 'accept to report running out of file descriptors' });
  assert.ok(warnings() < 50, `${warnings()} accept warnings: accept is spinning`);
  for (const s of conns) s.destroy();
  await waitFor(async () => (await d.get('/healthz')).status === 200, { timeout: 5000, what: 'the daemon to serve again' });
  await writeStream(d.socketPath, ['w1 1\n']);
  await d.waitLines(1);
  assert.ok(d.running);
});

test('a WebSocket upgrade anywhere but /ws is not one: 404', async () => {
  const dir = tempDir();
  const d = await Daemon.start({ rules: [writeRules(dir, 't.yml', TEST_RULES)], dir });
  await assert.rejects(WsClient.connect(d.port, { path: '/nope' }), (e) => e.statusCode === 404);
});
