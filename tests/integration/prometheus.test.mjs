// A real Prometheus server (Debian's) scrapes the daemon on loopback; its query API must
// return the daemon's own mail_deliveries_total. promtool accepts /metrics.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, test } from 'node:test';

import { Daemon, POSTFIX_LOG, cleanup, freePort, replay, run, tempDir, waitFor } from './helpers.mjs';

const PROMETHEUS = process.env.PROMETHEUS_BIN || 'prometheus';
const PROMTOOL = process.env.PROMTOOL_BIN || 'promtool';

let prom = null;
after(async () => {
  if (prom && prom.exitCode === null && prom.signalCode === null) {
    const exited = new Promise((resolve) => prom.once('exit', resolve));
    prom.kill('SIGTERM');
    const timer = setTimeout(() => prom.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  await cleanup();
});

function getJson(port, pathname) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: pathname, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode, body: JSON.parse(body) });
        } catch {
          resolve({ status: res.statusCode, body });
        }
      });
    }).on('error', reject);
  });
}

test('promtool check metrics accepts /metrics after real traffic', async () => {
  const d = await Daemon.start();
  await replay(d.socketPath, POSTFIX_LOG);
  await d.waitLines(fs.readFileSync(POSTFIX_LOG, 'utf8').split('\n').length - 1);
  const res = await d.get('/metrics');
  assert.equal(res.status, 200);
  assert.match(res.text, /^mail_delivery_delay_seconds_bucket\{/m, 'a histogram is part of the check');
  const r = await run(PROMTOOL, ['check', 'metrics'], { input: res.text });
  assert.equal(r.code, 0, `promtool exit ${r.code}: ${r.stdout}${r.stderr}`);
  assert.equal(`${r.stdout}${r.stderr}`.trim(), '', 'no lint findings either');
});

test('a real Prometheus scrapes the daemon and returns the same mail_deliveries_total', async () => {
  const d = await Daemon.start();
  await replay(d.socketPath, POSTFIX_LOG);
  await d.waitLines(fs.readFileSync(POSTFIX_LOG, 'utf8').split('\n').length - 1);
  const m = await d.metrics();
  const want = {};
  for (const s of m.select('mail_deliveries_total')) want[`${s.labels.mta} ${s.labels.relay} ${s.labels.outcome}`] = s.value;
  assert.ok(Object.keys(want).length > 10);

  const dir = tempDir('tm-prom-');
  const config = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(config, `global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: tapemeasure
    scrape_interval: 1s
    scrape_timeout: 1s
    static_configs:
      - targets: ['127.0.0.1:${d.port}']
`);
  const check = await run(PROMTOOL, ['check', 'config', config]);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  const port = await freePort();
  let log = '';
  prom = spawn(PROMETHEUS, [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  prom.stderr.setEncoding('utf8').on('data', (c) => { log += c; });
  const exited = new Promise((resolve) => prom.once('exit', (code) => resolve(code)));
  let code = null;
  exited.then((c) => { code = c; });

  await waitFor(async () => {
    if (code !== null) throw new Error(`prometheus exited (${code}): ${log}`);
    return (await getJson(port, '/-/ready')).status === 200;
  }, { timeout: 20000, interval: 100, what: 'prometheus to be ready' });

  const query = (q) => getJson(port, `/api/v1/query?query=${encodeURIComponent(q)}`);
  const up = await waitFor(async () => {
    const r = await query('up{job="tapemeasure"}');
    return r.body?.data?.result?.length === 1 && r.body.data.result[0];
  }, { timeout: 15000, interval: 200, what: 'a first scrape' });
  assert.equal(up.value[1], '1', `the scrape failed; prometheus log: ${log}`);

  const got = await waitFor(async () => {
    const r = await query('mail_deliveries_total');
    if (r.body?.status !== 'success') return false;
    const out = {};
    for (const s of r.body.data.result) out[`${s.metric.mta} ${s.metric.relay} ${s.metric.outcome}`] = Number(s.value[1]);
    return Object.keys(out).length === Object.keys(want).length && out;
  }, { timeout: 15000, interval: 200, what: 'mail_deliveries_total in prometheus' });
  assert.deepEqual(got, want);

  const total = await query('sum(mail_deliveries_total)');
  assert.equal(Number(total.body.data.result[0].value[1]), Object.values(want).reduce((a, b) => a + b, 0));
  const lines = await query('tapemeasure_lines_total');
  assert.equal(Number(lines.body.data.result[0].value[1]), m.value('tapemeasure_lines_total'));
  // Prometheus met nothing it had to skip or reject in the exposition.
  const meta = await getJson(port, '/api/v1/targets');
  const target = meta.body.data.activeTargets.find((t) => t.labels.job === 'tapemeasure');
  assert.equal(target.health, 'up');
  assert.equal(target.lastError, '');
});
