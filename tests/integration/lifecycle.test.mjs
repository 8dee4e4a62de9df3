// Lifecycle: SIGTERM/SIGINT close WebSocket clients with 1001, remove the socket files and
// exit 0 after processing what was read; `tapemeasure demo` runs and stops cleanly.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { after, test } from 'node:test';

import {
  BIN, Daemon, TEST_RULES, WsClient, cleanup, sendDatagram, tempDir, waitFor, writeRules, writeStream,
} from './helpers.mjs';

after(cleanup);

for (const signal of ['SIGTERM', 'SIGINT']) {
  test(`${signal}: clients get close 1001, socket files are removed, exit code 0`, async () => {
    const dir = tempDir();
    const d = await Daemon.start({ rules: [writeRules(dir, 't.yml', TEST_RULES)], dir, dgram: 'in.dgram' });
    const clients = [await d.ws(), await d.ws(), await d.ws({ perMessageDeflate: false })];
    await d.waitClients(3);
    await writeStream(d.socketPath, ['ev alpha 1\nw1 1\n']);
    await sendDatagram(d.dgramPath, 'w1 2\n');
    await d.waitLines(3);
    assert.ok(fs.existsSync(d.socketPath) && fs.existsSync(d.dgramPath));

    const { code, signal: sig } = await d.stop(signal);
    assert.equal(sig, null, 'exited by itself, not killed by the signal');
    assert.equal(code, 0);
    for (const c of clients) {
      const close = await Promise.race([c.closed, waitFor(() => false, { timeout: 2000, what: 'a close frame' })]);
      assert.equal(close.code, 1001, `close code ${close.code}`);
    }
    assert.ok(!fs.existsSync(d.socketPath), 'stream socket file removed');
    assert.ok(!fs.existsSync(d.dgramPath), 'datagram socket file removed');
    assert.match(d.stderr, new RegExp(`received ${signal}, shutting down`));
    assert.match(d.stderr, /stopped after 3 lines/);
  });
}

test('a writer still connected at SIGTERM does not keep the daemon alive', async () => {
  const dir = tempDir();
  const d = await Daemon.start({ rules: [writeRules(dir, 't.yml', TEST_RULES)], dir });
  const net = await import('node:net');
  const sock = net.createConnection(d.socketPath);
  sock.on('error', () => { /* the daemon goes away */ });
  await new Promise((resolve) => sock.once('connect', resolve));
  sock.write('w1 1\n');
  await d.waitLines(1);
  const { code } = await d.stop('SIGTERM', 3000);
  assert.equal(code, 0);
  sock.destroy();
});

test('demo: prints its URL, synthetic traffic flows to /metrics and /ws, stops cleanly', async () => {
  const proc = spawn(BIN, ['demo', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8').on('data', (c) => { out += c; });
  proc.stderr.setEncoding('utf8').on('data', (c) => { err += c; });
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  try {
    const m = await waitFor(() => /open http:\/\/127\.0\.0\.1:(\d+)\/ in a browser/.exec(out),
      { timeout: 10000, what: `the demo's URL on stdout (stderr: ${err})` });
    const port = Number(m[1]);
    const socketDir = /into (\S+)\/tapemeasure\.sock/.exec(out)?.[1];
    assert.ok(socketDir && fs.existsSync(socketDir), out);
    const c = await WsClient.connect(port);
    // The generator's messages arrive, then get delivered (or bounce) a moment later.
    await waitFor(() => ['inbound', 'delivered'].every((t) => c.events.some((e) => e.type === t)),
      { timeout: 10000, what: 'inbound and delivered demo events on /ws' });
    for (const e of c.events) assert.ok(e.ts && e.rule && e.type && e.from, JSON.stringify(e));
    await c.waitStats(3);
    const share = c.stats.map((s) => s.stats.shares.find((x) => x.title === 'MTA to relay')).find((x) => x && Object.keys(x.counts).length);
    assert.ok(share, 'the demo fills the Postfix view\'s MTA-to-relay share');
    assert.ok(c.views.length >= 1 && c.views[0].view.views.some((v) => v.title === 'Mail flow'), 'the demo sends the Postfix view');
    proc.kill('SIGTERM');
    const { code } = await exited;
    assert.equal(code, 0, err);
    assert.ok(!fs.existsSync(socketDir), 'the demo removes its temp dir');
  } finally {
    proc.kill('SIGKILL');
  }
});
