// Who may reach the daemon when it listens on every address (--listen 0.0.0.0:PORT, as
// docs/ecosystem.md suggests for remote boxes): the Host check must still stop DNS
// rebinding, and the Origin check foreign pages; and a client that floods the daemon with
// bad messages without reading cannot grow its queue past the byte bound.
import assert from 'node:assert/strict';
import os from 'node:os';
import { after, describe, test } from 'node:test';

import { Daemon, cleanup, delay, waitFor } from './helpers.mjs';

after(cleanup);

// A non-loopback IPv4 address of this machine, if it has one.
function ownAddress() {
  for (const list of Object.values(os.networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return null;
}

describe('a wildcard listen (0.0.0.0)', () => {
  let d;
  test('start', async () => {
    d = await Daemon.start({ listen: '0.0.0.0:0', args: ['--allowed-host', 'dash.example.org'] });
  });

  test('a Host naming another site gets 403 (DNS rebinding)', async () => {
    for (const host of ['evil.example', `evil.example:${d.port}`, `0.0.0.0:${d.port}`, `203.0.113.9:${d.port}`]) {
      const res = await d.get('/api/rules', { headers: { Host: host } });
      assert.equal(res.status, 403, `Host: ${host} -> ${res.status}`);
    }
  });

  test('the machine\'s own addresses and names, localhost and --allowed-host are served', async () => {
    const hosts = [`127.0.0.1:${d.port}`, `localhost:${d.port}`, `${os.hostname()}:${d.port}`, 'dash.example.org'];
    const own = ownAddress();
    if (own) hosts.push(`${own}:${d.port}`);
    for (const host of hosts) {
      const res = await d.get('/api/rules', { headers: { Host: host } });
      assert.equal(res.status, 200, `Host: ${host} -> ${res.status}`);
    }
  });

  test('a WebSocket with Origin and Host of another site is refused; the page we served is not', async () => {
    await assert.rejects(d.ws({ origin: `http://evil.example:${d.port}`, host: `evil.example:${d.port}` }),
      (e) => e.statusCode === 403);
    const ok = await d.ws({ origin: `http://127.0.0.1:${d.port}`, host: `127.0.0.1:${d.port}` });
    assert.ok(ok.open);
    await ok.end();
  });
});

test('a client sending bad messages without reading: error frames stop at the byte bound', async () => {
  const d = await Daemon.start({ args: ['--ws-queue-bytes', String(64 * 1024)] });
  const c = await d.ws({ perMessageDeflate: false });
  await d.waitClients(1);
  c.pause();
  // Each answer is an ~90-byte error frame: far more than the socket buffers and the
  // client's 4 MiB bound hold (the bound a daemon without --ws-queue-bytes wiring uses).
  const burst = 'x';
  for (let i = 0; i < 200000; i++) {
    c.ws.send(burst);
    if (i % 5000 === 0) await delay(1);
  }
  await waitFor(() => /error frame\(s\) not queued/.test(d.stderr), { timeout: 15000, what: 'the log line about refused error frames' });
  assert.ok(d.running);
  await c.end();
});
