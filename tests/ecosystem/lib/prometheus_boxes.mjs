// Several boxes, one Prometheus (run by t42_prometheus_boxes.sh, which starts three daemons:
// BOX_URLS and BOX_SOCKETS, comma-separated, in the order box1, box2, box3). A real
// Prometheus runs the shipped example prometheus.yml (one job, a `box` label per target,
// lib/prom_config.mjs) with the shipped recording rules, and the rules' aggregates must
// equal what the three daemons' /metrics add up to.
//
// Each box gets its own MTAs, and one MTA ("shared") has lines on every box (as after a
// failover), so the fleet rules really add boxes up. Every log is replayed twice;
// Prometheus starts after the first pass. As in t40 (lib/prometheus_checks.mjs), rate()
// then scales every series of one target by the same factor k (its extrapolation), so
//   rate(series on box b) = k_b * (increase of the series on box b in /metrics, pass 2)
// and k_b is read off the box's own tapemeasure_lines_total. The boxes are scraped at
// different instants, so k differs from box to box: the expected fleet figures are
// sum over b of k_b * increase_b, computed here from the three /metrics.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startExamplePrometheus } from './prom_config.mjs';
import { check, fail, failures, parseExposition, promVector, waitFor } from './prom.mjs';

const repo = process.env.REPO;
const bin = process.env.TAPEMEASURE_BIN;
const tmp = process.env.ECO_TMP;
const urls = process.env.BOX_URLS.split(',');
const sockets = process.env.BOX_SOCKETS.split(',');
const boxes = urls.map((u, i) => ({ name: `box${i + 1}`, url: u, socket: sockets[i] }));
const prom = `http://127.0.0.1:${process.env.PROM_PORT}`;
const EPS = 1e-9;
const near = (a, b) => Math.abs(a - b) <= EPS * Math.max(1, Math.abs(a), Math.abs(b));

// ---- the traffic: [mta, relay, status, count] per box; relay "none" = no server reached --
const traffic = {
  box1: [['mta1', 'proxy1', 'sent', 6], ['mta1', 'proxy2', 'sent', 3], ['mta1', 'proxy2', 'deferred', 1],
    ['shared', 'proxy1', 'sent', 4]],
  box2: [['mta2', 'proxy1', 'sent', 2], ['mta2', 'proxy3', 'bounced', 2], ['mta2', 'none', 'deferred', 1],
    ['shared', 'proxy2', 'sent', 4], ['shared', 'proxy1', 'deferred', 2]],
  box3: [['mta3/postfix-out', 'proxy1', 'sent', 5], ['mta3/postfix-out', 'proxy2', 'sent', 1],
    ['shared', 'proxy3', 'sent', 5], ['shared', 'proxy1', 'sent', 3]],
};
const dsn = { sent: '2.0.0', deferred: '4.4.1', bounced: '5.1.1' };
let qid = 0x100000;
function logLine(mta, relay, status) {
  const [host, inst] = mta.includes('/') ? mta.split('/') : [mta, 'postfix'];
  const id = (qid++).toString(16).toUpperCase();
  const rel = relay === 'none' ? 'none' : `${relay}[10.0.0.${relay.slice(-1)}]:25`;
  return `Nov 27 09:00:01 ${host} ${inst}/smtp[77]: ${id}: to=<u${id}@example.org>, relay=${rel}, delay=0.4, `
    + `delays=0.01/0/0.1/0.2, dsn=${dsn[status]}, status=${status} (${status === 'sent' ? '250 ok' : 'no'})`;
}
for (const b of boxes) {
  const lines = [];
  for (const [mta, relay, status, n] of traffic[b.name]) for (let i = 0; i < n; i++) lines.push(logLine(mta, relay, status));
  lines.push(`Nov 27 09:00:02 ${b.name} postfix/smtpd[5]: connect from lb.example.com[10.1.0.2]`); // unmatched
  b.log = path.join(tmp, `${b.name}.log`);
  fs.writeFileSync(b.log, `${lines.join('\n')}\n`);
}
const replay = (b) => {
  const r = spawnSync(bin, ['replay', b.log, '--socket', b.socket, '--no-progress'], { encoding: 'utf8', timeout: 20000 });
  if (r.status !== 0) throw new Error(`replay ${b.name} failed: ${r.stderr}`);
};
const scrape = async (b) => parseExposition(await (await fetch(`${b.url}/metrics`)).text());
const total = (series, name) => series.filter((s) => s.name === name).reduce((a, s) => a + s.value, 0);
const key = (l, names) => names.map((n) => l[n]).join(' / ');
// mail_deliveries_total of one /metrics as {mta / relay / outcome: value}
const deliveries = (series) => Object.fromEntries(series.filter((s) => s.name === 'mail_deliveries_total')
  .map((s) => [key(s.labels, ['mta', 'relay', 'outcome']), s.value]));
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

// ---- pass 1, then Prometheus ------------------------------------------------------------
for (const b of boxes) {
  replay(b);
  const want = Object.values(traffic[b.name]).reduce((a, t) => a + t[3], 0) + 1;
  await waitFor(`${b.name} to count pass 1`, async () => total(await scrape(b), 'tapemeasure_lines_total') === want, 15000);
  b.lines = want;
}
const stopProm = startExamplePrometheus(repo, boxes.map((b) => ({ address: new URL(b.url).host, labels: { box: b.name } })), { tmp, port: process.env.PROM_PORT });

try {
  await check('Prometheus scrapes the three boxes in one job, each with its box label', () =>
    waitFor('3 targets up', async () => {
      const up = await promVector(prom, 'up{job="tapemeasure"} == 1');
      return up.length === 3 && up.map((u) => u.labels.box).sort().join() === 'box1,box2,box3';
    }, 30000));
  await waitFor('4 scrapes of pass 1 on every box', async () => {
    const v = await promVector(prom, 'count_over_time(tapemeasure_lines_total[5m]) >= 4');
    return v.length === 3;
  }, 30000);
  const before = await Promise.all(boxes.map(scrape));

  // ---- pass 2 -------------------------------------------------------------------------
  for (const b of boxes) {
    replay(b);
    await waitFor(`${b.name} to count pass 2`, async () => total(await scrape(b), 'tapemeasure_lines_total') === 2 * b.lines, 15000);
  }
  const after = await Promise.all(boxes.map(scrape));
  await waitFor('a scrape of pass 2 on every box', async () => {
    const v = await promVector(prom, 'tapemeasure_lines_total');
    return v.length === 3 && v.every((s) => s.value === 2 * boxes.find((b) => b.name === s.labels.box).lines);
  }, 15000);
  const seen = Date.now() / 1000;
  const tm = await waitFor('an evaluation of the mail rules after that scrape', async () => {
    const v = await promVector(prom, 'max(timestamp(mail:deliveries:rate5m))');
    return v.length === 1 && v[0].value > seen ? v[0].value : 0;
  }, 15000);
  const at = (q) => promVector(prom, q, tm);

  // What each box's /metrics says happened in pass 2, and the box's rate factor k_b.
  const inc = boxes.map((b, i) => {
    const a = deliveries(after[i]); const p = deliveries(before[i]);
    return Object.fromEntries(Object.keys(a).map((k) => [k, a[k] - (p[k] || 0)]));
  });
  const k = [];
  for (const [i, b] of boxes.entries()) {
    const lines = total(after[i], 'tapemeasure_lines_total') - total(before[i], 'tapemeasure_lines_total');
    const r = await at(`rate(tapemeasure_lines_total{box="${b.name}"}[5m])`);
    if (r.length !== 1 || !(r[0].value > 0)) throw new Error(`rate of ${b.name}: ${JSON.stringify(r)}`);
    k.push(r[0].value / lines);
  }
  console.log(`  (rate factors k: ${k.map((x) => x.toFixed(6)).join(', ')})`);

  // ---- per box ------------------------------------------------------------------------
  await check('mail:deliveries:rate5m keeps box and drops instance: k_b x each box\'s /metrics increase', async () => {
    const got = await at('mail:deliveries:rate5m');
    const bad = got.filter((s) => 'instance' in s.labels || !s.labels.box || s.labels.job !== 'tapemeasure');
    if (bad.length) throw new Error(`labels: ${JSON.stringify(bad[0].labels)}`);
    const want = {};
    boxes.forEach((b, i) => { for (const [kk, v] of Object.entries(inc[i])) want[`${b.name} / ${kk}`] = k[i] * v; });
    expectVector(got, want, ['box', 'mta', 'relay', 'outcome'], 'per box');
  });

  // ---- the fleet: sums over the three /metrics -----------------------------------------
  const fleet = {}; // mta / relay / outcome -> sum_b k_b * increase_b
  boxes.forEach((b, i) => { for (const [kk, v] of Object.entries(inc[i])) fleet[kk] = (fleet[kk] || 0) + k[i] * v; });
  const sumBy = (names) => {
    const out = {};
    for (const [kk, v] of Object.entries(fleet)) {
      const [mta, relay, outcome] = kk.split(' / ');
      const l = { mta, relay, outcome };
      const kk2 = key(l, names); out[kk2] = (out[kk2] || 0) + v;
    }
    return out;
  };
  await check('fleet attempts by outcome: sum without (box) of the recording = sum of the three /metrics', async () => {
    expectVector(await at('sum without (box, mta, relay) (mail:deliveries:rate5m)'), sumBy(['outcome']), ['outcome'], 'by outcome');
  });
  await check('Prometheus holds the counters the three /metrics show (fleet sum by outcome, no rate)', async () => {
    const want = {};
    after.forEach((series) => { for (const s of series) if (s.name === 'mail_deliveries_total') want[s.labels.outcome] = (want[s.labels.outcome] || 0) + s.value; });
    expectVector(await at('sum by (outcome) (mail_deliveries_total)'), want, ['outcome'], 'counters');
  });
  // Shares and ratios over the fleet, from the same sums.
  const pairs = sumBy(['mta', 'relay']);
  const failed = {};
  for (const [kk, v] of Object.entries(fleet)) {
    const [mta, relay, outcome] = kk.split(' / ');
    if (outcome !== 'delivered') failed[`${mta} / ${relay}`] = (failed[`${mta} / ${relay}`] || 0) + v;
  }
  const wantBounce = Object.fromEntries(Object.entries(pairs).map(([kk, v]) => [kk, (failed[kk] || 0) / v]));
  const perMta = {};
  for (const [kk, v] of Object.entries(pairs)) { const [mta, relay] = kk.split(' / '); if (relay !== 'none') perMta[mta] = (perMta[mta] || 0) + v; }
  const wantShare = Object.fromEntries(Object.entries(pairs).filter(([kk]) => !kk.endsWith(' / none'))
    .map(([kk, v]) => [kk, v / perMta[kk.split(' / ')[0]]]));
  const wantImb = {};
  for (const [kk, v] of Object.entries(wantShare)) {
    const mta = kk.split(' / ')[0];
    const n = Object.keys(wantShare).filter((x) => x.startsWith(`${mta} / `)).length;
    wantImb[mta] = Math.max(wantImb[mta] || 0, v * n);
  }
  await check('mail:bounce_ratio:rate5m per MTA and relay over the fleet = failed / attempts of the summed /metrics', async () => {
    const got = await at('mail:bounce_ratio:rate5m');
    if (got.some((s) => 'box' in s.labels || 'instance' in s.labels)) throw new Error(JSON.stringify(got[0].labels));
    expectVector(got, wantBounce, ['mta', 'relay'], 'bounce ratio');
  });
  await check('mail:relay_share:rate5m over the fleet: "shared" split as the three boxes\' sums say', async () => {
    const got = await at('mail:relay_share:rate5m');
    expectVector(got, wantShare, ['mta', 'relay'], 'relay share');
    const shared = got.filter((s) => s.labels.mta === 'shared');
    if (shared.length !== 3) throw new Error(`shared has ${shared.length} relays, want 3 (one per box at least)`);
  });
  await check('mail:relay_imbalance:rate5m over the fleet = busiest share x number of relays', async () =>
    expectVector(await at('mail:relay_imbalance:rate5m'), wantImb, ['mta'], 'imbalance'));
  await check('tapemeasure:lines:rate5m: one series per box (box and instance kept)', async () => {
    const v = await promVector(prom, 'tapemeasure:lines:rate5m');
    if (v.length !== 3 || v.some((s) => !s.labels.box || !s.labels.instance)) throw new Error(JSON.stringify(v));
  });
} catch (e) {
  fail('Prometheus across boxes', e.stack || e.message);
  try { process.stderr.write(fs.readFileSync(path.join(tmp, 'prometheus.log'), 'utf8').slice(-3000)); } catch { /* none */ }
} finally {
  stopProm();
}
process.exit(failures() ? 1 : 0);
