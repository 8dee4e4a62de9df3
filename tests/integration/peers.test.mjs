// Several boxes, one picture (DESIGN.md): a daemon's name (--name, default the host name)
// in every frame it sends and in /api/stats; the other boxes' daemons (--peer) at
// GET /api/peers, normalised, in the order given, without duplicates or the daemon itself;
// a bad --name or --peer stops the start with a one-line message; stats seconds that end on
// whole wall-clock seconds on every box.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';

import { Daemon, TEST_RULES, cleanup, freePort, tempDir, tm, waitFor, writeRules, writeStream } from './helpers.mjs';

after(cleanup);

test('/api/peers: the name and the peers, normalised, in order; frames and /api/stats name the daemon', async () => {
  const dir = tempDir();
  const port = await freePort();
  const d = await Daemon.start({
    rules: [writeRules(dir, 't.yml', TEST_RULES)], dir, listen: `127.0.0.1:${port}`,
    args: ['--name', 'box1',
      '--peer', 'http://127.0.0.1:8003',
      '--peer', 'HTTP://127.0.0.1:08002/',
      '--peer', 'http://127.0.0.1:8003/',          // the same as the first: once
      '--peer', `http://localhost:${port}/`],     // this daemon: the UI has it already
  });

  const res = await d.get('/api/peers');
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^application\/json/);
  assert.equal(res.text, '{"name":"box1","peers":["http://127.0.0.1:8003/","http://127.0.0.1:8002/"],"ws_max_rate":1000.0}');
  assert.match(d.stderr, /daemon box1, /, 'the start line names the daemon');
  assert.match(d.stderr, new RegExp(`--peer http://localhost:${port}/ is this daemon`));
  assert.match(d.stderr, /--peer http:\/\/127\.0\.0\.1:8003\/ is given twice/);
  // Guarded like every /api endpoint: a Host that is not this server is refused.
  assert.equal((await d.get('/api/peers', { headers: { Host: 'rebind.example:8000' } })).status, 403);
  const head = await d.get('/api/peers', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(Number(head.headers['content-length']), res.text.length);

  const c = await d.ws();
  const raw = [];
  c.ws.on('message', (data, isBinary) => { if (!isBinary) raw.push(data.toString('utf8')); });
  await d.waitClients(1);
  await writeStream(d.socketPath, ['ev alpha 1\n', 'ev beta 2\n', 'w1 3\n']);
  await waitFor(() => c.received === 2, { what: 'both events' });
  await c.waitStats(1, 3000);
  // Another frame of events, after the first (which carries "boot").
  await writeStream(d.socketPath, ['ev alpha 4\n']);
  await waitFor(() => c.received === 3, { what: 'the third event' });

  const kinds = { view: 0, stats: 0, events: 0 };
  for (const f of c.frames) {
    if (f.error) continue;
    assert.equal(f.daemon, 'box1', `daemon in ${JSON.stringify(f).slice(0, 200)}`);
    kinds[f.view ? 'view' : f.stats ? 'stats' : 'events']++;
  }
  assert.ok(kinds.view >= 1 && kinds.stats >= 1 && kinds.events >= 2, JSON.stringify(kinds));
  assert.deepEqual(Object.keys(c.frames[0]), ['view', 'daemon']);
  // The UI reads "seq" and "boot" from the head of the text (web/app/network/connection.js).
  const firstEvents = raw.find((t) => t.startsWith('{"seq":'));
  assert.match(firstEvents, /^\{"seq":\d+,"boot":"[0-9a-f]{16}","daemon":"box1","events":\[/);
  const laterEvents = raw.filter((t) => t.startsWith('{"seq":')).at(-1);
  assert.match(laterEvents, /^\{"seq":3,"daemon":"box1","events":\[/);
  assert.match(raw.find((t) => t.startsWith('{"stats":')), /,"daemon":"box1"\}$/);

  const stats = await d.json('/api/stats');
  assert.deepEqual(Object.keys(stats), ['daemon', 'seconds']);
  assert.equal(stats.daemon, 'box1');
  assert.ok(Array.isArray(stats.seconds) && stats.seconds.length >= 1);
  // /api/view stays what the view frame carries (docs/views.md): no name inside.
  assert.deepEqual(c.frames[0].view, await d.json('/api/view'));
});

test('the stats seconds of every box end on whole wall-clock seconds, so the browser adds like with like', async () => {
  // Started half-way through a second: a daemon ticking every second from its start would
  // stamp its seconds ~500 ms past the whole second.
  await new Promise((r) => setTimeout(r, (1450 - (Date.now() % 1000)) % 1000));
  const d = await Daemon.start({ socket: null });
  const c = await d.ws();
  await c.waitStats(5, 10000);
  // The stamp is when the second was closed: a few ms past a whole second, later only if the
  // timer was held up. Unaligned ticks would spread over the whole second.
  const past = c.frames.filter((f) => f.stats).map((f) => f.stats.ts % 1000);
  const sorted = [...past].sort((a, b) => a - b);
  assert.ok(sorted[Math.floor(sorted.length / 2)] < 100, `ms past the whole second: ${past.join(', ')}`);
  const stamps = (await d.json('/api/stats')).seconds.map((x) => x.ts);
  for (let i = 1; i < stamps.length; i++) {
    assert.notEqual(Math.floor(stamps[i] / 1000), Math.floor(stamps[i - 1] / 1000), `two seconds stamped in one: ${stamps.join(', ')}`);
  }
});

test('without --name the daemon is named after the host; no --peer: an empty list', async () => {
  const d = await Daemon.start({ socket: null });
  assert.deepEqual(await d.json('/api/peers'), { name: os.hostname(), peers: [], ws_max_rate: 1000 });
  const c = await d.ws();
  await c.waitStats(1, 3000);
  assert.equal(c.views[0] && c.frames[0].daemon, os.hostname());
  assert.equal(c.frames.find((f) => f.stats).daemon, os.hostname());
});

test('a peer may be told to accept a UI served by another box', async () => {
  // box2 allows box1's origin, as a user merging both in box1's page sets it up.
  const box1 = await Daemon.start({ socket: null, args: ['--name', 'box1'] });
  const box2 = await Daemon.start({ socket: null, args: ['--name', 'box2', '--allowed-origin', box1.base,
    '--peer', `${box1.base}/`] });
  assert.deepEqual(await box2.json('/api/peers'), { name: 'box2', peers: [`${box1.base}/`], ws_max_rate: 1000 });
  const c = await box2.ws({ origin: box1.base });
  await waitFor(() => c.views.length > 0, { what: "box2's view frame" });
  assert.equal(c.frames[0].daemon, 'box2');
  await assert.rejects(box2.ws({ origin: 'http://127.0.0.1:1' }), /HTTP 403/, 'other origins are still refused');
});

test('a bad --name or --peer: exit 1 with one line saying what is wrong, nothing created', async () => {
  const cases = [
    [['--name', 'my box'], "--name 'my box': a daemon name is made of letters, digits, '.', '_' and '-' only"],
    [['--name', 'x'.repeat(65)], `--name '${'x'.repeat(65)}': a daemon name is at most 64 characters`],
    [['--name', ''], null],  // empty: the default (the host name), so it starts; not run here
    [['--peer', 'box2:8000'], "--peer 'box2:8000': a peer is an http:// or https:// URL (e.g. http://box2:8000/)"],
    [['--peer', 'http://127.0.0.1:8002/', '--peer', 'ftp://box3/'],
      "--peer 'ftp://box3/': a peer is an http:// or https:// URL (e.g. http://box2:8000/)"],
    [['--peer', 'http://box2:70000/'], "--peer 'http://box2:70000/': the port must be 1-65535 (e.g. http://box2:8000/)"],
    [['--peer', 'http://admin:pw@box2/'],
      "--peer 'http://admin:pw@box2/': no user or password in a peer URL (e.g. http://box2:8000/)"],
    [['--peer', 'http://box2/?a=1'], "--peer 'http://box2/?a=1': no query or fragment in a peer URL (e.g. http://box2:8000/)"],
  ];
  const dir = tempDir();
  const rules = writeRules(dir, 't.yml', TEST_RULES);
  const sock = path.join(dir, 'in.sock');
  for (const [args, message] of cases) {
    if (message === null) continue;
    const r = await tm(['run', '--rules', rules, '--listen', '127.0.0.1:0', '--socket', sock, ...args], { timeout: 10000 });
    assert.equal(r.code, 1, `${args.join(' ')}: exit ${r.code}, stderr: ${r.stderr}`);
    assert.equal(r.stderr, `tapemeasure: ${message}\n`);
    assert.equal(fs.existsSync(sock), false, 'no socket file left behind');
  }
  // demo takes the same options, checked the same way.
  const r = await tm(['demo', '--listen', '127.0.0.1:0', '--name', 'a/b'], { timeout: 10000, cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /--name 'a\/b': a daemon name is made of/);
});
