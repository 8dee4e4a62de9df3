// A real Prometheus scrapes a daemon fed with a known log (tests/ecosystem/data/fleet.log)
// and evaluates the shipped recording rules (5m windows, unchanged); each rule returns the
// value the log implies; every Grafana query runs. Run by t40_prometheus.sh, which starts
// the daemon (DAEMON_URL, STREAM_SOCKET) and cleans up PROM_PID_FILE's process.
//
// Why the values are exact although the windows are 5 minutes: the log is replayed twice.
// Prometheus starts after the first pass, so every series has the same first sample time;
// the second pass then increases each series by exactly its count in the log. rate() scales
// every series of one target by the same extrapolation factor, so ratios of rates (shares,
// bounce ratio, imbalance, lines per attempt) equal the ratios of counts in the log.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startExamplePrometheus } from './prom_config.mjs';
import { check, fail, failures, metricNames, parseExposition, promQuery, promVector, waitFor, wsConnect } from './prom.mjs';

const repo = process.env.REPO;
const daemon = process.env.DAEMON_URL;
const bin = process.env.TAPEMEASURE_BIN;
const tmp = process.env.ECO_TMP;
const promPort = process.env.PROM_PORT;
const prom = `http://127.0.0.1:${promPort}`;
const fleet = path.join(repo, 'tests/ecosystem/data/fleet.log');
const expected = JSON.parse(fs.readFileSync(path.join(repo, 'tests/ecosystem/data/fleet.expected.json'), 'utf8'));
const EPS = 1e-9;
const near = (a, b) => Math.abs(a - b) <= EPS * Math.max(1, Math.abs(a), Math.abs(b));

const daemonMetric = async (name, labels = {}) => {
  const text = await (await fetch(`${daemon}/metrics`)).text();
  return parseExposition(text).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);
};
const replay = () => {
  const r = spawnSync(bin, ['replay', fleet, '--socket', process.env.STREAM_SOCKET, '--no-progress'], { encoding: 'utf8', timeout: 20000 });
  if (r.status !== 0) throw new Error(`replay failed: ${r.stderr}`);
};
const key = (labels, names) => names.map((n) => labels[n]).join(' / ');
// Compares a vector with {key: value}; extra or missing series are failures.
function expectVector(got, want, names, what) {
  const have = new Map(got.map((s) => [key(s.labels, names), s.value]));
  const problems = [];
  for (const [k, v] of Object.entries(want)) {
    if (!have.has(k)) problems.push(`missing ${k} (want ${v})`);
    else if (!near(have.get(k), v)) problems.push(`${k}: got ${have.get(k)}, want ${v}`);
  }
  for (const k of have.keys()) if (!(k in want)) problems.push(`unexpected series ${k} = ${have.get(k)}`);
  if (problems.length) throw new Error(`${what}:\n${problems.join('\n')}`);
}

// ---- the daemon sees the first pass; a browser with a low cap makes drops ------------------
const ws = await wsConnect(`${daemon}/ws`);
ws.send({ max_rate: 1 });
replay();
await waitFor('the daemon to count pass 1', async () => (await daemonMetric('tapemeasure_lines_total')) === expected.lines, 15000);

// ---- Prometheus: the shipped example configuration, pointed at this daemon -----------------
// One box of the several-box example (lib/prom_config.mjs).
const stopProm = startExamplePrometheus(repo, [{ address: new URL(daemon).host, labels: { box: 'box1' } }], { tmp, port: promPort });

try {
  await check('Prometheus starts with the example config (rules loaded, target up)', () =>
    waitFor('target up', async () => {
      const up = await promVector(prom, 'up{job="tapemeasure"}');
      return up.length === 1 && up[0].value === 1;
    }, 30000));
  await check('Prometheus loaded every recording and alerting rule without error', async () => {
    const body = await (await fetch(`${prom}/api/v1/rules`)).json();
    const rules = body.data.groups.flatMap((g) => g.rules);
    const records = rules.filter((r) => r.type === 'recording').length;
    const alerts = rules.filter((r) => r.type === 'alerting').length;
    if (records !== 7 || alerts !== 3) throw new Error(`${records} recording, ${alerts} alerting rules`);
    await waitFor('rules evaluated', async () => {
      const b = await (await fetch(`${prom}/api/v1/rules`)).json();
      return b.data.groups.flatMap((g) => g.rules).every((r) => r.health === 'ok');
    }, 10000);
  });

  // A few samples of pass 1, then pass 2.
  await waitFor('4 scrapes of pass 1', async () => {
    const v = await promVector(prom, `count_over_time(tapemeasure_lines_total[5m]) >= 4 and tapemeasure_lines_total == ${expected.lines}`);
    return v.length === 1;
  }, 30000);
  replay();
  await waitFor('the daemon to count pass 2', async () => (await daemonMetric('tapemeasure_lines_total')) === 2 * expected.lines, 15000);
  await waitFor('a scrape of pass 2', async () => (await promVector(prom, `tapemeasure_lines_total == ${2 * expected.lines}`)).length === 1, 15000);
  const seen = Date.now() / 1000;
  // Rule groups are evaluated at their own instants. Check each recorded series at the
  // instant it was evaluated (after that scrape), raw queries at the same instant.
  const evaluatedAt = (record) => waitFor(`an evaluation of ${record} after the scrape`, async () => {
    const v = await promVector(prom, `max(timestamp(${record}))`);
    return v.length === 1 && v[0].value > seen ? v[0].value : 0;
  }, 15000);
  const tm = await evaluatedAt('mail:deliveries:rate5m');   // group tapemeasure-mail
  const td = await evaluatedAt('tapemeasure:lines:rate5m'); // group tapemeasure-daemon
  const atM = (q) => promVector(prom, q, tm);
  const atD = (q) => promVector(prom, q, td);
  const te = Math.max(tm, td);

  await check('mail:relay_share:rate5m = each relay\'s share of its MTA\'s attempts in the log', async () =>
    expectVector(await atM('mail:relay_share:rate5m'), expected.relay_share, ['mta', 'relay'], 'relay share'));
  await check('mail:relay_imbalance:rate5m = busiest share / even share, per MTA', async () =>
    expectVector(await atM('mail:relay_imbalance:rate5m'), expected.relay_imbalance, ['mta'], 'imbalance'));
  await check('mail:bounce_ratio:rate5m = (transient + permanent) / attempts, per MTA and relay', async () =>
    expectVector(await atM('mail:bounce_ratio:rate5m'), expected.bounce_ratio, ['mta', 'relay'], 'bounce ratio'));
  await check('mail:deliveries:rate5m: one series per (mta, relay, outcome), in the log\'s proportions', async () => {
    // lines/s of the same instant: attempts per pass = rate / lines rate * lines per pass
    const lines = (await atM('rate(tapemeasure_lines_total[5m])'))[0].value;
    const got = (await atM('mail:deliveries:rate5m')).map((x) => ({ labels: x.labels, value: x.value / lines * expected.lines }));
    expectVector(got, expected.deliveries, ['mta', 'relay', 'outcome'], 'attempts per pass');
  });
  await check('mail:deliveries:rate5m equals rate(mail_deliveries_total[5m]) summed by mta, relay, outcome', async () => {
    const raw = await atM('sum by (mta, relay, outcome) (rate(mail_deliveries_total[5m]))');
    expectVector(await atM('mail:deliveries:rate5m'), Object.fromEntries(raw.map((x) => [key(x.labels, ['mta', 'relay', 'outcome']), x.value])),
      ['mta', 'relay', 'outcome'], 'recorded vs raw');
  });
  await check('tapemeasure:lines:rate5m = rate(tapemeasure_lines_total[5m]) > 0, with job and instance', async () => {
    const rec = await atD('tapemeasure:lines:rate5m');
    const raw = await atD('rate(tapemeasure_lines_total[5m])');
    if (rec.length !== 1 || raw.length !== 1 || !(rec[0].value > 0) || !near(rec[0].value, raw[0].value)) throw new Error(`${JSON.stringify(rec)} vs ${JSON.stringify(raw)}`);
    if (rec[0].labels.job !== 'tapemeasure' || !rec[0].labels.instance) throw new Error(JSON.stringify(rec[0].labels));
    const attempts = Object.values(expected.deliveries).reduce((a, b) => a + b, 0);
    const perAttempt = (await atD('tapemeasure:lines:rate5m / on() group_left sum(rate(mail_deliveries_total[5m]))'))[0].value;
    if (!near(perAttempt, expected.lines / attempts)) throw new Error(`lines per attempt ${perAttempt}, want ${expected.lines}/${attempts}`);
  });
  await check(`tapemeasure:lines_unmatched_ratio:rate5m = ${expected.unmatched}/${expected.lines} unmatched lines`, async () => {
    const v = await atD('tapemeasure:lines_unmatched_ratio:rate5m');
    if (v.length !== 1 || !near(v[0].value, expected.unmatched / expected.lines)) throw new Error(JSON.stringify(v));
  });
  await check('tapemeasure:ws_events_dropped:rate5m = rate of tapemeasure_ws_events_dropped_total, by reason', async () => {
    const rec = await atD('tapemeasure:ws_events_dropped:rate5m');
    const raw = await atD('sum by (job, instance, reason) (rate(tapemeasure_ws_events_dropped_total[5m]))');
    expectVector(rec, Object.fromEntries(raw.map((x) => [key(x.labels, ['job', 'instance', 'reason']), x.value])), ['job', 'instance', 'reason'], 'recorded vs raw');
    const byReason = Object.fromEntries(rec.map((x) => [x.labels.reason, x.value]));
    // The browser capped at 1 event/s missed most of the events of pass 2.
    if (!(byReason.rate > 0) || byReason.queue !== 0) throw new Error(JSON.stringify(byReason));
    const lines = (await atD('tapemeasure:lines:rate5m'))[0].value;
    if (!(byReason.rate < lines)) throw new Error(`drops ${byReason.rate}/s >= lines ${lines}/s`);
  });

  // ---- the Grafana dashboard's queries against this Prometheus ---------------------------
  const dash = JSON.parse(fs.readFileSync(path.join(repo, 'dashboards/grafana/tapemeasure.json'), 'utf8'));
  const subst = (e) => e.replace(/\$__rate_interval/g, '1m').replace(/\$__range/g, '5m').replace(/\$__interval/g, '15s')
    .replace(/\$(instance|box|mta|relay)\b/g, '.*');
  const panels = [];
  const collect = (list) => { for (const p of list || []) { panels.push(p); if (p.panels) collect(p.panels); } };
  collect(dash.panels);
  const names = await (await fetch(`${prom}/api/v1/label/__name__/values`)).json();
  const present = new Set(names.data);
  for (const p of panels.filter((x) => x.type !== 'row')) {
    for (const t of p.targets) {
      await check(`Grafana "${p.title}" ${t.refId}: runs and returns data`, async () => {
        const missing = metricNames(t.expr).filter((n) => !present.has(n));
        if (missing.length) throw new Error(`not in Prometheus: ${missing.join(', ')}`);
        const q = subst(t.expr);
        const data = await promQuery(prom, q, te);
        if (!data.result.length) throw new Error(`no data: ${q}`);
        if (t.instant === false || t.range) {
          // range queries as Grafana sends them
          const params = new URLSearchParams({ query: q, start: String(te - 60), end: String(te), step: '5' });
          const r = await (await fetch(`${prom}/api/v1/query_range`, { method: 'POST', body: params })).json();
          if (r.status !== 'success') throw new Error(`range query: ${r.error}`);
        }
      });
    }
  }
  for (const a of dash.annotations.list.filter((x) => x.expr)) {
    await check(`Grafana annotation "${a.name}": runs`, async () => { await promQuery(prom, subst(a.expr), te); });
  }
  for (const v of dash.templating.list.filter((x) => x.type === 'query')) {
    await check(`Grafana variable $${v.name}: ${v.query} has values`, async () => {
      const m = /^label_values\((.*),\s*(\w+)\)$/.exec(v.query);
      const params = new URLSearchParams({ 'match[]': subst(m[1]) });
      const r = await (await fetch(`${prom}/api/v1/label/${m[2]}/values?${params}`)).json();
      if (r.status !== 'success' || !r.data.length) throw new Error(JSON.stringify(r));
    });
  }
} catch (e) {
  fail('Prometheus integration', e.stack || e.message);
  try { process.stderr.write(fs.readFileSync(path.join(tmp, 'prometheus.log'), 'utf8').slice(-3000)); } catch { /* none */ }
} finally {
  ws.close();
  stopProm();
}
process.exit(failures() ? 1 : 0);
