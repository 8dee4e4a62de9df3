// Shutdown under load (issue 10, item 10): start the daemon, load it from every side at
// once (writers on the stream socket, WebSocket clients reading, stalled, sending messages
// and joining and leaving, /metrics polled, a reload in flight), stop it with SIGTERM, and require a
// clean exit: code 0 within a few seconds, and no sanitizer report on stderr. Repeated
// TAPEMEASURE_RESTART_ITERATIONS times (default 100), since a shutdown race shows up once
// in many runs; tests/run_all.sh runs this file under AddressSanitizer and ThreadSanitizer.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, test } from 'node:test';

import {
  Daemon, POSTFIX_LOG, WsClient, cleanup, delay, httpGet, performance, replaceFile, run, tempDir, waitFor,
} from './helpers.mjs';

after(cleanup);

const ITERATIONS = Number(process.env.TAPEMEASURE_RESTART_ITERATIONS ?? 100);
const EXIT_WITHIN_MS = 5000;
// What ASan, LSan, UBSan and TSan print when they find something.
const SANITIZER_REPORT = /ERROR: AddressSanitizer|ERROR: LeakSanitizer|WARNING: ThreadSanitizer|runtime error:|SUMMARY: \w+Sanitizer/;
const LOG = fs.readFileSync(POSTFIX_LOG);

// A writer that sends the Postfix sample over and over, as fast as the daemon reads, until
// the daemon goes away (then it stops quietly: that is the point).
function writer(socketPath) {
  const sock = net.createConnection(socketPath);
  sock.on('error', () => { /* the daemon stopped */ });
  const pump = () => {
    while (!sock.destroyed && sock.write(LOG)) { /* until the kernel buffer is full */ }
  };
  sock.on('connect', pump);
  sock.on('drain', pump);
  return sock;
}

// WebSocket clients that connect and go at once, over and over, so that the network
// thread is registering and removing clients (posting to the ingest thread, with the
// session) as shutdown begins.
async function joinLeave(port, stop) {
  while (!stop.done) {
    try {
      const c = await WsClient.connect(port);
      c.ws.terminate();
    } catch { return; }
  }
}

// Polls an HTTP path until the daemon goes away.
async function poller(port, pathname, stop) {
  while (!stop.done) {
    try {
      await httpGet(port, pathname, { timeout: 2000 });
    } catch { return; }
  }
}

// A small pack in the shape of rules/postfix.yml (syslog format, events for the clients,
// labelled counters, in-file tests): a reload of it is a real build, yet short enough for
// a hundred rounds under ThreadSanitizer. The round number in a comment makes each
// rewrite a change.
const RULES = (round) => `# round ${round}
format: syslog
rules:
  - name: delivered
    match: '^postfix(?:/[\\w.-]+)*/smtp\\[\\d+\\]: (?P<queue_id>\\w+): to=<[^>]*>, relay=(?P<relay>[^\\s,\\[]+).*, status=(?P<status>\\w+)'
    event: {type: '\${status}', from: '\${host:-localhost}', to: '\${relay}'}
    metrics:
      - counter: restart_deliveries_total
        help: Delivery attempts by relay and status.
        labels: {relay: '\${relay}', status: '\${status}'}
    tests:
      - line: 'Nov  7 09:00:05 mta2 postfix/smtp[15173]: BC972BD941: to=<p@example.com>, relay=proxy1[10.0.0.1]:25, delay=1.26, dsn=2.0.0, status=sent (250 ok)'
        expect: {type: sent, from: mta2, to: proxy1}
  - name: received
    match: '^postfix(?:/[\\w.-]+)*/smtpd\\[\\d+\\]: (?P<queue_id>\\w+): client=(?P<client>[^\\[\\s,]+)'
    event: {type: inbound, from: '\${client}', to: '\${host:-localhost}'}
    metrics:
      - counter: restart_received_total
        help: Messages received by MTA.
        labels: {mta: '\${host:-localhost}'}
`;

// Every thread's stack of a process (gdb, when installed), for a shutdown that hangs.
async function stacks(pid) {
  const r = await run('gdb', ['-p', String(pid), '-batch', '-ex', 'thread apply all bt 40'], { timeout: 60000 })
    .catch((e) => ({ stdout: `(no stacks: ${e.message})` }));
  return r.stdout.split('\n').filter((l) => /^Thread|^#/.test(l)).join('\n');
}

async function oneRound(i) {
  const dir = tempDir('tm-restart-');
  const rules = path.join(dir, 'rules');
  fs.mkdirSync(rules);
  const file = path.join(rules, 'mail.yml');
  fs.writeFileSync(file, RULES(0));
  const d = await Daemon.start({ rules: [rules], dir });
  const stop = { done: false };
  const writers = [writer(d.socketPath), writer(d.socketPath)];
  // A reader, a stalled client (its frames pile up in the daemon), and a chatty one whose
  // messages the network thread posts to the ingest thread right up to the end.
  const clients = await Promise.all([d.ws(), d.ws({ perMessageDeflate: false }), d.ws()]);
  clients[1].pause();
  const chatter = setInterval(() => {
    try {
      clients[2].send({ filter: { types: i % 2 ? ['delivered'] : ['inbound', 'permanent'] } });
      clients[2].send({ max_rate: 100 + (i % 7) });
    } catch { /* closing */ }
  }, 5);
  const polls = [poller(d.port, '/metrics', stop), poller(d.port, '/api/rules', stop), joinLeave(d.port, stop)];
  await waitFor(async () => (await d.metric('tapemeasure_lines_total')) > 0, { what: 'lines flowing' });

  // A reload in flight: a rule file rewritten (the watcher) and SIGHUP, then SIGTERM a
  // little later each round, so it lands before, during or after the build.
  replaceFile(file, RULES(i + 1));
  d.proc.kill('SIGHUP');
  await delay((i % 6) * 15);

  const started = performance.now();
  let result;
  try {
    result = await d.stop('SIGTERM', EXIT_WITHIN_MS).catch(async (e) => {
      // Too slow. A sanitizer writing its report (symbolizing takes a while) exits soon
      // after: wait for it and show the report. A hang: show where every thread is.
      const late = await Promise.race([d.exited, delay(60000).then(() => null)]);
      const where = late ? `exited ${JSON.stringify(late)} after all` : await stacks(d.pid);
      throw new Error(`round ${i + 1}: ${e.message}\n--- stderr ---\n${d.stderr.slice(-12000)}\n--- threads ---\n${where}`);
    });
  } finally {
    stop.done = true;
    clearInterval(chatter);
    for (const w of writers) w.destroy();
    for (const c of clients) c.ws.terminate();
    await Promise.all(polls);
  }
  const ms = performance.now() - started;
  const report = SANITIZER_REPORT.exec(d.stderr);
  const context = `round ${i + 1}: exit ${JSON.stringify(result)} after ${ms.toFixed(0)} ms\n--- stderr ---\n${d.stderr.slice(-6000)}`;
  assert.equal(report, null, `a sanitizer report at shutdown, ${context}`);
  assert.deepEqual(result, { code: 0, signal: null }, `not a clean exit, ${context}`);
  assert.match(d.stderr, /stopped after \d+ lines/, context);
  fs.rmSync(dir, { recursive: true, force: true });
  return ms;
}

test(`SIGTERM under load, ${ITERATIONS} times: exit 0 within ${EXIT_WITHIN_MS / 1000} s, no sanitizer report`,
  { timeout: 600000 }, async () => {
    const times = [];
    for (let i = 0; i < ITERATIONS; i++) times.push(await oneRound(i));
    times.sort((a, b) => a - b);
    console.log(`# ${ITERATIONS} rounds; time from SIGTERM to exit: median ${times[times.length >> 1].toFixed(0)} ms, ` +
      `max ${times.at(-1).toFixed(0)} ms`);
  });
