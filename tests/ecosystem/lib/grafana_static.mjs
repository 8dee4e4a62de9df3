// Static checks of dashboards/grafana/tapemeasure.json (run by t20_grafana.sh):
// it parses, the datasource is the DS_PROMETHEUS variable / __inputs everywhere (no
// hard-coded datasource UIDs), panels are well formed, and every query reads only
// metrics that exist: the rule pack's (from a running daemon's /api/rules), the
// self-metrics (README "Self-metrics" and the daemon's /metrics) and the recording rules
// of dashboards/prometheus/tapemeasure.rules.yml. Writes every expression, variables
// substituted, to $OUT_RULES as recording rules so that promtool can parse them.
import fs from 'node:fs';
import path from 'node:path';
import { check, failures, metricNames, parseExposition } from './prom.mjs';

const repo = process.env.REPO;
const daemon = process.env.DAEMON_URL;
const file = path.join(repo, 'dashboards/grafana/tapemeasure.json');

let dash;
await check('tapemeasure.json parses as JSON', () => { dash = JSON.parse(fs.readFileSync(file, 'utf8')); });
if (!dash) process.exit(1);

// ---- datasource: a variable, never a fixed UID -----------------------------------------
const DSREF = '${DS_PROMETHEUS}';
await check('__inputs declares DS_PROMETHEUS (a Prometheus datasource)', () => {
  const inp = (dash.__inputs || []).find((i) => i.name === 'DS_PROMETHEUS');
  if (!inp || inp.type !== 'datasource' || inp.pluginId !== 'prometheus') throw new Error(JSON.stringify(dash.__inputs));
});
await check('templating has the datasource variable DS_PROMETHEUS', () => {
  const v = dash.templating.list.find((x) => x.name === 'DS_PROMETHEUS');
  if (!v || v.type !== 'datasource' || v.query !== 'prometheus') throw new Error(JSON.stringify(v));
});
await check('every datasource reference is ${DS_PROMETHEUS} (or Grafana\'s built-in annotations)', () => {
  const bad = [];
  const walk = (node, where) => {
    if (Array.isArray(node)) { node.forEach((n, i) => walk(n, `${where}[${i}]`)); return; }
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'datasource') {
        const ok = (typeof v === 'object' && v && ((v.uid === DSREF && v.type === 'prometheus') || (v.type === 'grafana' && v.uid === '-- Grafana --')))
          || v === DSREF;
        if (!ok) bad.push(`${where}.datasource = ${JSON.stringify(v)}`);
      } else if (k === 'uid' && where !== '' && typeof v === 'string' && v !== DSREF && v !== '-- Grafana --') {
        bad.push(`${where}.uid = ${v}`);
      }
      walk(v, `${where}.${k}`);
    }
  };
  walk(dash, '');
  if (bad.length) throw new Error(bad.join('\n'));
});
await check('dashboard has a title, a stable uid, and no numeric id', () => {
  if (!dash.title || dash.id !== null || typeof dash.uid !== 'string' || !/^[a-z0-9-]{1,40}$/.test(dash.uid)) throw new Error(`${dash.title} ${dash.id} ${dash.uid}`);
});

// ---- panels ------------------------------------------------------------------------
const panels = [];
const collect = (list) => { for (const p of list || []) { panels.push(p); if (p.panels) collect(p.panels); } };
collect(dash.panels);
const content = panels.filter((p) => p.type !== 'row');
await check(`panel ids are unique (${panels.length} panels)`, () => {
  const ids = panels.map((p) => p.id);
  if (new Set(ids).size !== ids.length) throw new Error(ids.join(','));
});
await check('panels fit the 24-column grid and do not overlap', () => {
  const cells = new Map();
  for (const p of panels) {
    const g = p.gridPos;
    if (!g || g.x < 0 || g.w < 1 || g.x + g.w > 24 || g.h < 1) throw new Error(`${p.title}: ${JSON.stringify(g)}`);
    for (let x = g.x; x < g.x + g.w; x++) for (let y = g.y; y < g.y + g.h; y++) {
      const k = `${x},${y}`;
      if (cells.has(k)) throw new Error(`${p.title} overlaps ${cells.get(k)} at ${k}`);
      cells.set(k, p.title);
    }
  }
});
await check('every panel has a title, a description and at least one query', () => {
  const bad = content.filter((p) => !p.title || !p.description || !(p.targets || []).length || p.targets.some((t) => !t.expr || !t.refId));
  if (bad.length) throw new Error(bad.map((p) => p.title).join(', '));
});
const wanted = [
  ['lines/s', /tapemeasure_lines_total|tapemeasure:lines:rate5m/],
  ['deliveries by outcome', /sum by \(outcome\)[^\n]*mail_deliveries_total/],
  ['bounce ratio', /mail:bounce_ratio:rate5m/],
  ['share heatmap', /mail:relay_share:rate5m/, 'heatmap'],
  ['imbalance', /mail:relay_imbalance:rate5m/],
  ['delay quantiles', /histogram_quantile\(0\.\d+, .*mail_delivery_delay_seconds_bucket/],
  ['WebSocket clients', /tapemeasure_ws_clients/],
  ['WebSocket drops', /tapemeasure_ws_events_dropped_total|tapemeasure:ws_events_dropped:rate5m/],
  ['reload failures', /tapemeasure_rules_reload_failures_total/],
];
for (const [what, re, type] of wanted) {
  await check(`a panel shows ${what}`, () => {
    if (!content.some((p) => (!type || p.type === type) && p.targets.some((t) => re.test(t.expr)))) throw new Error('missing');
  });
}

// ---- metric names -------------------------------------------------------------------
const known = new Map(); // name -> where it comes from
const api = await (await fetch(`${daemon}/api/rules`)).json();
for (const m of api.metrics || []) {
  const names = m.kind === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name];
  for (const n of names) known.set(n, 'rule pack');
}
for (const s of parseExposition(await (await fetch(`${daemon}/metrics`)).text())) if (s.name.startsWith('tapemeasure_')) known.set(s.name, 'self-metric');
const readme = fs.readFileSync(path.join(repo, 'README.md'), 'utf8');
const selfSection = readme.split(/^## Self-metrics/m)[1]?.split(/^## /m)[0] || '';
for (const m of selfSection.matchAll(/`(tapemeasure)?(_[a-z_]+)/g)) known.set(`tapemeasure${m[2]}`, 'self-metric (README)');
const recRules = fs.readFileSync(path.join(repo, 'dashboards/prometheus/tapemeasure.rules.yml'), 'utf8');
for (const m of recRules.matchAll(/^\s*- record:\s*(\S+)/gm)) known.set(m[1], 'recording rule');
await check(`known names: rule pack, self-metrics and ${[...recRules.matchAll(/- record:/g)].length} recording rules`, () => {
  for (const n of ['mail_deliveries_total', 'mail_delivery_delay_seconds_bucket', 'tapemeasure_ws_events_dropped_total', 'tapemeasure_build_info', 'mail:relay_share:rate5m']) {
    if (!known.has(n)) throw new Error(`${n} not found; known: ${[...known.keys()].join(' ')}`);
  }
});

await check('the metric-name extractor finds names and only names (self-test)', () => {
  const got = metricNames('histogram_quantile(0.9, sum by (le, relay) (rate(foo_bucket{relay=~"a|b", le!="1e3"}[5m] offset 1h)))'
    + ' / on (mta) group_left (x) bar:baz:rate5m * 1e-3 + count_over_time(up[1m:10s]) or vector(0)').sort().join(' ');
  if (got !== 'bar:baz:rate5m foo_bucket up') throw new Error(got);
});

const exprs = []; // {where, expr}
for (const p of content) for (const t of p.targets) exprs.push({ where: `panel "${p.title}" ${t.refId}`, expr: t.expr });
for (const a of dash.annotations.list) if (a.expr) exprs.push({ where: `annotation "${a.name}"`, expr: a.expr });
for (const v of dash.templating.list) {
  if (v.type !== 'query') continue;
  const q = typeof v.query === 'string' ? v.query : v.query.query;
  const m = /^label_values\((.*),\s*([a-zA-Z_]\w*)\)$/.exec(q);
  if (!m) { exprs.push({ where: `variable ${v.name}`, expr: q }); continue; }
  exprs.push({ where: `variable ${v.name}`, expr: m[1], label: m[2] });
}
await check(`every query (${exprs.length}) reads only known metrics and recording rules`, () => {
  const bad = [];
  for (const e of exprs) {
    const names = metricNames(e.expr);
    if (!names.length) bad.push(`${e.where}: no metric in ${e.expr}`);
    for (const n of names) if (!known.has(n)) bad.push(`${e.where}: unknown metric ${n}`);
  }
  if (bad.length) throw new Error(bad.join('\n'));
});

// For promtool: every expression with the Grafana variables substituted, as a rule.
export const substitute = (expr) => expr
  .replace(/\$__rate_interval|\$\{__rate_interval\}/g, '1m')
  .replace(/\$__range|\$\{__range\}/g, '5m')
  .replace(/\$__interval|\$\{__interval\}/g, '15s')
  .replace(/\$(instance|box|mta|relay)|\$\{(instance|box|mta|relay)\}/g, '.*');
if (process.env.OUT_RULES) {
  const lines = ['groups:', '  - name: grafana-dashboard-queries', '    rules:'];
  exprs.forEach((e, i) => {
    lines.push(`      - record: dashboard_query_${i}`);
    lines.push(`        expr: ${JSON.stringify(substitute(e.expr))}`);
  });
  fs.writeFileSync(process.env.OUT_RULES, `${lines.join('\n')}\n`);
}
process.exit(failures() ? 1 : 0);
