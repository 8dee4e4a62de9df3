// Connection exhaustion against the real binary: slowloris connections and idle WebSockets
// take every slot they can, and /healthz and /metrics are still answered (from the
// reserve); --header-timeout ends a slowloris and --keep-alive-timeout an idle keep-alive;
// a flood of refused requests cannot flood the log.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, test } from 'node:test';

import { Daemon, cleanup, performance, waitFor } from './helpers.mjs';

const held = new Set();  // raw sockets this file opened
after(() => {
  for (const s of held) {
    clearInterval(s.trickle);
    s.destroy();
  }
  held.clear();
});
after(cleanup);

// A slowloris: a request header begun and never finished, one more header line every 200 ms.
function slowloris(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    held.add(s);
    s.closedByServer = false;
    s.on('error', () => { /* reset by the server */ });
    s.on('close', () => {
      s.closedByServer = true;
      clearInterval(s.trickle);
    });
    s.once('connect', () => {
      s.write(`GET /api/stats HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
      s.trickle = setInterval(() => s.write('X-Slow: 1\r\n'), 200);
      resolve(s);
    });
  });
}

for (const [name, args] of [
  ['one address over --max-connections-per-peer', ['--max-connections', '100']],
  ['every slot taken', ['--max-connections', '100', '--max-connections-per-peer', '0']],
]) {
  test(`slowloris and idle WebSockets (${name}): /healthz and /metrics are still answered`, async () => {
    const d = await Daemon.start({ args });
    const clients = [];
    for (let i = 0; i < 40; i++) clients.push(await d.ws());
    await d.waitClients(40);
    const attackers = [];
    for (let i = 0; i < 250; i++) attackers.push(await slowloris(d.port));
    // The slowloris that got a general slot hold it (until --header-timeout, 10 s); those in
    // the reserve make room for newer ones. Once settled, probes are answered.
    for (let i = 0; i < 30; i++) {
      const health = await d.get('/healthz', { timeout: 3000 });
      assert.equal(health.status, 200, `probe ${i}: /healthz ${health.status} ${health.text}`);
      const metrics = await d.get('/metrics', { timeout: 3000 });
      assert.equal(metrics.status, 200, `probe ${i}: /metrics ${metrics.status}`);
      assert.match(metrics.text, /^tapemeasure_ws_clients 40$/m);
    }
    const other = await d.get('/api/stats', { timeout: 3000 });
    assert.equal(other.status, 503, other.text);
    assert.match(other.text, /^busy: /);
    assert.ok(attackers.filter((s) => !s.closedByServer).length >= 24, 'the attack still holds slots');
    assert.ok(clients.every((c) => c.open), 'the WebSocket clients are served on');
    assert.ok(d.running);
  });
}

test('--header-timeout closes a slowloris, --keep-alive-timeout an idle keep-alive connection', async () => {
  const d = await Daemon.start({ args: ['--header-timeout', '0.3', '--keep-alive-timeout', '0.3'] });
  const slow = await slowloris(d.port);
  await waitFor(() => slow.closedByServer, { what: 'the slowloris closed at the header timeout' });

  const idle = net.connect(d.port, '127.0.0.1');
  held.add(idle);
  let answer = '';
  let closed = false;
  idle.on('data', (b) => { answer += b.toString('latin1'); });
  idle.on('error', () => { /* reset */ });
  idle.on('close', () => { closed = true; });
  idle.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${d.port}\r\n\r\n`);
  await waitFor(() => closed, { what: 'the idle keep-alive connection closed' });
  assert.match(answer, /^HTTP\/1\.1 200 /);
  assert.equal((await d.get('/healthz')).status, 200);
});

test('a flood of requests with a foreign Host logs a line a second, not one per request', async () => {
  const d = await Daemon.start();
  const host = `evil.example${'A'.repeat(4000)}`;
  const n = 2000;
  const before = d.stderr.length;
  const started = performance.now();
  const sock = net.connect(d.port, '127.0.0.1');
  held.add(sock);
  let got = '';
  const done = new Promise((resolve) => sock.on('close', resolve));
  sock.on('error', () => { /* closed */ });
  sock.on('data', (b) => { got += b.toString('latin1'); });
  let burst = '';
  for (let i = 0; i < n; i++) burst += `GET /api/stats HTTP/1.1\r\nHost: ${host}\r\n${i === n - 1 ? 'Connection: close\r\n' : ''}\r\n`;
  sock.write(burst);
  await done;
  const seconds = (performance.now() - started) / 1000;
  assert.equal((got.match(/HTTP\/1\.1 403 /g) ?? []).length, n);
  const log = d.stderr.slice(before);
  const lines = log.split('\n').filter((l) => l.includes('refused request with Host'));
  assert.ok(lines.length >= 1 && lines.length <= Math.ceil(seconds) + 1,
    `${lines.length} log lines for ${n} refusals in ${seconds.toFixed(2)} s`);
  assert.ok(lines.every((l) => l.length < 300), 'what the client sent is quoted short');
  assert.ok(log.length < 4096 * (Math.ceil(seconds) + 1), `${log.length} bytes of log`);
});
