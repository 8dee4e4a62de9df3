#!/usr/bin/env node
// Development / e2e stand-in for the tapemeasure daemon's HTTP + /ws side.
// Serves web/ statically and streams synthetic events per DESIGN.md "WebSocket /ws":
//   {"seq":N,"events":[...],"dropped":N} every ~16 ms, {"stats":{...}} once a second;
//   seq: events made since start (plus --seq-start - 1), as of the frame's last event; a
//   client's first frame also carries "boot" (--boot, default "mock": a restart with a
//   higher --seq-start looks like a gap to the UI, with another --boot like a restart);
// honours {"filter":{"types":[...]}} / {"filter":{}} and {"max_rate":N} from the client.
//
//   node tests/e2e/mock_server.mjs [--port 8090] [--host 127.0.0.1] [--rate 1000]
//                                  [--ws-max-rate 1000] [--seq-start 1] [--boot ID] [--web DIR]
//
// Views (docs/views.md): {"view": ...} on connect and at GET /api/view; stats frames and
// GET /api/stats carry the generic per-second figures (metrics, shares, ratios).
//   --views postfix        (default) the Postfix pack's picture: 2 ingress balancers, 4 MTAs,
//                          3 relays with uneven shares (mta1 favours proxy1, mta3 favours
//                          proxy3), ~10% transient, ~5% permanent, a few expired/rejected,
//                          and a rare type the view does not declare ("postscreen");
//   --views nginx          a web picture: lb1/lb2 -> app1..3 (lb1 favours app1), 2xx/4xx/5xx;
//   --views postfix,nginx  both (two tabs).
// POST /mock/views with a body such as "nginx" or "postfix,nginx" loads other views and
// sends the new view frame to every client, like a daemon after a rule reload.
// Several boxes (DESIGN.md "Several boxes, one picture"): --name NAME puts "daemon": NAME in
// every frame (first, before seq and boot), and --peer URL (repeatable) is listed at
// GET /api/peers ({"name", "peers"}), served only when either is given.
// Prints "mock listening on http://HOST:PORT/" once ready.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';

const here = path.dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const o = {
    port: Number(process.env.MOCK_PORT || 8090),
    host: '127.0.0.1',
    rate: Number(process.env.MOCK_RATE || 1000),
    wsMaxRate: 1000,
    seqStart: 1,
    boot: 'mock',
    web: path.resolve(here, '../../web'),
    views: ['postfix'],
    name: null,
    peers: [],
  };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i], v = argv[i + 1];
    switch (a) {
      case '--port': o.port = Number(v); i++; break;
      case '--host': o.host = v; i++; break;
      case '--rate': o.rate = Number(v); i++; break;
      case '--ws-max-rate': o.wsMaxRate = Number(v); i++; break;
      case '--seq-start': o.seqStart = Number(v); i++; break;
      case '--boot': o.boot = String(v); i++; break;
      case '--mtas': o.mtas = Number(v); i++; break;
      case '--proxies': o.proxies = Number(v); i++; break;
      case '--web': o.web = path.resolve(v); i++; break;
      case '--views': o.views = parseViews(v); i++; break;
      case '--name': o.name = String(v); i++; break;
      case '--peer': o.peers.push(String(v)); i++; break;
      case '-h': case '--help':
        console.log('usage: mock_server.mjs [--port N] [--host H] [--rate EV_PER_S] [--ws-max-rate N] [--seq-start N] [--boot ID] [--web DIR]\n' +
          '                      [--views postfix|nginx|postfix,nginx] [--name NAME] [--peer URL]...\n' +
          '                      [--mtas N --proxies N]   (more nodes, to look at a crowded layout)');
        process.exit(0);
      // falls through
      default:
        console.error(`mock_server: unknown flag ${a} (try --help)`);
        process.exit(2);
    }
  }
  return o;
}

/** "postfix,nginx" -> ['postfix', 'nginx']; null when it names no known view. */
function parseViews(text) {
  const ids = String(text || '').split(',').map((s) => s.trim()).filter((s) => s === 'postfix' || s === 'nginx');
  return ids.length ? [...new Set(ids)] : null;
}

const opt = parseArgs(process.argv);
if (!opt.views) { console.error('mock_server: --views takes postfix, nginx or postfix,nginx'); process.exit(2); }

// ---- static files -----------------------------------------------------------------
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
};
const webRoot = fs.realpathSync(opt.web);

function serveStatic(req, res) {
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  } catch (_) {
    res.writeHead(400).end('bad request');
    return;
  }
  if (pathname.endsWith('/')) pathname += 'index.html';
  const file = path.resolve(webRoot, '.' + pathname);
  let real;
  try { real = fs.realpathSync(file); } catch (_) { res.writeHead(404, { 'content-type': 'text/plain' }).end('not found'); return; }
  if (real !== webRoot && !real.startsWith(webRoot + path.sep)) { res.writeHead(403).end('forbidden'); return; }
  fs.stat(real, (err, st) => {
    if (err || !st.isFile()) { res.writeHead(404, { 'content-type': 'text/plain' }).end('not found'); return; }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(real)] || 'application/octet-stream',
      'content-length': st.size,
      'cache-control': 'no-cache',
    });
    if (req.method === 'HEAD') { res.end(); return; }
    fs.createReadStream(real).pipe(res);
  });
}

// ---- the views this mock declares (docs/views.md) --------------------------------------
// "postfix" is the Postfix pack's picture; "nginx" a second, different one (two tiers, no
// sink), to see the UI draw whatever it is given.
const PALETTE = ['#4c9aff', '#3fb950', '#f2cc60', '#ff5a52', '#bc8cff', '#f0883e', '#39c5cf', '#f778ba', '#9aa4ae'];
const C = { blue: PALETTE[0], green: PALETTE[1], yellow: PALETTE[2], red: PALETTE[3], purple: PALETTE[4], orange: PALETTE[5], grey: PALETTE[8] };
const VIEWS = {
  postfix: {
    id: 'postfix', title: 'Mail flow', file: 'rules/postfix.yml', declared: true,
    rules: ['postfix_received', 'postfix_relay', 'postfix_delivered', 'postfix_deferred', 'postfix_bounced', 'postfix_expired', 'postfix_rejected', 'postfix_postscreen'],
    tiers: [{ name: 'ingress', title: 'INGRESS' }, { name: 'mta', title: 'MTAs' }, { name: 'relay', title: 'RELAYS' }],
    sink: { title: 'Internet', scale: { field: 'ip', kind: 'octet', min: 0, max: 255 } },
    types: [
      { type: 'inbound', colour: C.green, from: 'ingress', to: 'mta', then: 'stop' },
      { type: 'relay', colour: C.purple, from: 'mta', to: 'relay', then: 'stop' },
      { type: 'delivered', colour: C.blue, from: 'mta', to: 'relay', then: 'sink' },
      { type: 'transient', colour: C.yellow, from: 'mta', to: 'relay', then: 'return' },
      { type: 'permanent', colour: C.red, from: 'mta', to: 'relay', then: 'fall' },
      { type: 'expired', colour: C.grey, from: 'mta', to: 'mta', then: 'stop' },
      { type: 'rejected', colour: C.grey, from: 'mta', to: 'mta', then: 'stop' },
    ],
    shares: [{ title: 'MTA to relay', metric: 'mail_deliveries_total', rows: 'mta', cols: 'relay', where: {} }],
    ratios: [{ title: 'bounce ratio', metric: 'mail_deliveries_total', label: 'outcome', part: ['transient', 'permanent'] }],
  },
  nginx: {
    id: 'nginx', title: 'Web requests', file: 'rules/nginx.yml', declared: true,
    rules: ['nginx_access'],
    tiers: [{ name: 'lb', title: 'LOAD BALANCERS' }, { name: 'app', title: 'APP SERVERS' }],
    sink: null,
    types: [
      { type: '2xx', colour: C.green, from: 'lb', to: 'app', then: 'stop' },
      { type: '4xx', colour: C.orange, from: 'lb', to: 'app', then: 'return' },
      { type: '5xx', colour: C.red, from: 'lb', to: 'app', then: 'fall' },
    ],
    shares: [{ title: 'LB to app', metric: 'nginx_requests_total', rows: 'lb', cols: 'app', where: {} }],
    ratios: [{ title: 'error ratio', metric: 'nginx_requests_total', label: 'status', part: ['5xx'] }],
  },
};
const METRICS = {
  postfix: [
    { name: 'mail_deliveries_total', kind: 'counter', help: 'Delivery attempts by MTA, relay and outcome.', labels: ['mta', 'relay', 'outcome'], buckets: [] },
    { name: 'mail_messages_received_total', kind: 'counter', help: 'Messages received by MTA and source.', labels: ['mta', 'source'], buckets: [] },
    { name: 'mail_delivery_delay_seconds', kind: 'histogram', help: 'Delivery delay.', labels: ['relay'], buckets: [0.1, 0.5, 1, 5, 30, 300] },
  ],
  nginx: [
    { name: 'nginx_requests_total', kind: 'counter', help: 'Requests by balancer, app server and status class.', labels: ['lb', 'app', 'status'], buckets: [] },
  ],
};
let viewIds = opt.views;
/** The {"view": ...} object for the views loaded now. */
function viewObject() {
  return { views: viewIds.map((id) => VIEWS[id]), palette: PALETTE, metrics: viewIds.flatMap((id) => METRICS[id]) };
}

// ---- synthetic traffic --------------------------------------------------------------
const INGRESS = [['lb1', 0.55], ['lb2', 0.45]];
const MTAS = [['mta1', 0.3], ['mta2', 0.25], ['mta3', 0.25], ['mta4', 0.2]];
const SHARES = {                      // relay choice per MTA (uneven on purpose)
  mta1: [['proxy1', 0.6], ['proxy2', 0.25], ['proxy3', 0.15]],
  mta2: [['proxy1', 0.34], ['proxy2', 0.33], ['proxy3', 0.33]],
  mta3: [['proxy1', 0.2], ['proxy2', 0.2], ['proxy3', 0.6]],
  mta4: [['proxy1', 0.33], ['proxy2', 0.34], ['proxy3', 0.33]],
};
const PROXY_IP = { proxy1: '10.0.0.1', proxy2: '10.0.0.2', proxy3: '10.0.0.3' };
if (opt.mtas || opt.proxies) {            // a bigger, generated topology: mta1 skewed, the rest fair
  const nm = opt.mtas || 4, np = opt.proxies || 3;
  MTAS.length = 0;
  for (const k of Object.keys(SHARES)) delete SHARES[k];
  for (let i = 1; i <= nm; i++) {
    MTAS.push([`mta${i}`, 1 / nm]);
    SHARES[`mta${i}`] = [];
    for (let j = 1; j <= np; j++) {
      SHARES[`mta${i}`].push([`proxy${j}`, i === 1 ? (j === 1 ? 0.5 : 0.5 / (np - 1)) : 1 / np]);
      PROXY_IP[`proxy${j}`] = `10.0.0.${j}`;
    }
  }
}
// type -> [weight, rule]; "postscreen" is not declared by the view: drawn in a palette colour
const MAIL_MIX = [['inbound', 0.22], ['relay', 0.07], ['delivered', 0.55], ['transient', 0.10], ['permanent', 0.05],
  ['expired', 0.004], ['rejected', 0.004], ['postscreen', 0.002]];
const MAIL_RULE = { inbound: 'postfix_received', relay: 'postfix_relay', delivered: 'postfix_delivered', transient: 'postfix_deferred',
  permanent: 'postfix_bounced', expired: 'postfix_expired', rejected: 'postfix_rejected', postscreen: 'postfix_postscreen' };
// destination networks: clustered first octets, like real mail (big providers)
const OCTETS = [[74, 0.2], [142, 0.15], [209, 0.12], [17, 0.08], [40, 0.1], [52, 0.1], [98, 0.05], [157, 0.06], [185, 0.06], [216, 0.08]];
// web: lb1 favours app1 (50%), lb2 is fair
const WEB_SHARES = { lb1: [['app1', 0.5], ['app2', 0.25], ['app3', 0.25]], lb2: [['app1', 0.34], ['app2', 0.33], ['app3', 0.33]] };
const WEB_MIX = [['2xx', 0.9], ['4xx', 0.06], ['5xx', 0.04]];

function pick(table) {
  let r = Math.random();
  for (const [v, w] of table) { if ((r -= w) <= 0) return v; }
  return table[table.length - 1][0];
}
const rnd = (n) => Math.floor(Math.random() * n);
let qid = 0x4f1a2b;

function mailEvent(now) {
  const type = pick(MAIL_MIX);
  const mta = pick(MTAS);
  const queue_id = (qid++).toString(16).toUpperCase();
  const rule = MAIL_RULE[type];
  if (type === 'inbound') {
    return { ts: now, rule, type, from: pick(INGRESS), to: mta, ip: `${rnd(223) + 1}.${rnd(256)}.${rnd(256)}.${rnd(256)}`, queue_id };
  }
  if (type === 'expired' || type === 'rejected') {
    return { ts: now, rule, type, from: mta, to: mta, queue_id };
  }
  if (type === 'postscreen') {          // undeclared: the UI draws it from the first tier to the last
    return { ts: now, rule, type, from: pick(INGRESS), to: pick(SHARES[mta]), queue_id };
  }
  let relay = pick(SHARES[mta]);
  if (type === 'permanent' && Math.random() < 0.3) relay = 'none';
  const ev = { ts: now, rule, type, from: mta, to: relay, queue_id, rcpt: `user${rnd(1000)}@example.${['com', 'net', 'org'][rnd(3)]}` };
  if (type === 'delivered') ev.ip = `${pick(OCTETS)}.${rnd(256)}.${rnd(256)}.${rnd(256)}`;
  else if (relay !== 'none') ev.ip = PROXY_IP[relay];
  if (type === 'transient') ev.dsn = '4.4.1';
  if (type === 'permanent') ev.dsn = '5.1.1';
  ev.delay = +(Math.random() * 2).toFixed(2);
  return ev;
}

function webEvent(now) {
  const type = pick(WEB_MIX);
  const lb = pick(INGRESS);
  const app = pick(WEB_SHARES[lb]);
  const status = type === '2xx' ? 200 : type === '4xx' ? 404 : 502;
  return { ts: now, rule: 'nginx_access', type, from: lb, to: app, status, path: ['/', '/api/items', '/login'][rnd(3)], ms: rnd(300) };
}

function makeEvent(now) {
  const both = viewIds.includes('postfix') && viewIds.includes('nginx');
  if (both) return Math.random() < 0.75 ? mailEvent(now) : webEvent(now);
  return viewIds.includes('nginx') ? webEvent(now) : mailEvent(now);
}

// ---- per-second stats over everything generated (not per client), docs/views.md ---------
const DELAY_BUCKETS = METRICS.postfix[2].buckets;
const totals = {};                     // metric -> observations since start
let sec = newSecond();
function newSecond() {
  return { lines: 0, events: 0, dropped: 0, counters: {}, delay: new Array(DELAY_BUCKETS.length + 1).fill(0), delaySum: 0, delayN: 0 };
}
function count(metric, labels) {
  const m = sec.counters[metric] || (sec.counters[metric] = new Map());
  const key = JSON.stringify(labels);
  m.set(key, (m.get(key) || 0) + 1);
  totals[metric] = (totals[metric] || 0) + 1;
}
const OUTCOME = { delivered: 'delivered', transient: 'transient', permanent: 'permanent' };
const deliveries = {};                 // outcome -> attempts since start, for /metrics
function account(ev) {
  sec.lines++;
  sec.events++;
  if (ev.rule === 'nginx_access') {
    count('nginx_requests_total', { lb: ev.from, app: ev.to, status: ev.type });
  } else if (OUTCOME[ev.type]) {
    count('mail_deliveries_total', { mta: ev.from, relay: ev.to, outcome: OUTCOME[ev.type] });
    deliveries[OUTCOME[ev.type]] = (deliveries[OUTCOME[ev.type]] || 0) + 1;
    let b = DELAY_BUCKETS.findIndex((x) => ev.delay <= x);
    if (b < 0) b = DELAY_BUCKETS.length;
    sec.delay[b]++;
    sec.delaySum += ev.delay;
    sec.delayN++;
    totals.mail_delivery_delay_seconds = (totals.mail_delivery_delay_seconds || 0) + 1;
  } else if (ev.type === 'inbound') {
    count('mail_messages_received_total', { mta: ev.to, source: 'smtp' });
  }
}

/** The share's counts, shares and deviations of one second (what the daemon computes). */
function shareOf(viewId, decl, series) {
  const counts = {};
  for (const [key, n] of series || []) {
    const labels = JSON.parse(key);
    const r = labels[decl.rows], c = labels[decl.cols];
    (counts[r] || (counts[r] = {}))[c] = ((counts[r] || {})[c] || 0) + n;
  }
  const cols = new Set();
  for (const row of Object.values(counts)) for (const c of Object.keys(row)) cols.add(c);
  const shares = {}, deviation = {};
  for (const [r, row] of Object.entries(counts)) {
    const total = Object.values(row).reduce((a, b) => a + b, 0);
    shares[r] = {};
    deviation[r] = {};
    for (const c of Object.keys(row)) {
      shares[r][c] = row[c] / total;
      deviation[r][c] = (row[c] / total) * cols.size - 1;
    }
  }
  return { view: viewId, title: decl.title, metric: decl.metric, rows: decl.rows, cols: decl.cols, counts, shares, deviation, omitted: 0 };
}

function ratioOf(viewId, decl, series) {
  let part = 0, total = 0;
  for (const [key, n] of series || []) {
    total += n;
    if (decl.part.includes(JSON.parse(key)[decl.label])) part += n;
  }
  return { view: viewId, title: decl.title, metric: decl.metric, part, total, value: total ? part / total : null };
}

function statsSecond(s, now) {
  const metrics = {};
  for (const m of viewIds.flatMap((id) => METRICS[id])) {
    if (m.kind === 'counter') {
      const series = [...(s.counters[m.name] || new Map())].map(([k, n]) => ({ labels: JSON.parse(k), per_s: n }));
      series.sort((a, b) => b.per_s - a.per_s);
      metrics[m.name] = { kind: 'counter', per_s: series.reduce((a, x) => a + x.per_s, 0), total: totals[m.name] || 0, top: series.slice(0, 10), label_sets: series.length };
    } else {
      metrics[m.name] = { kind: 'histogram', per_s: s.delayN, sum_per_s: +s.delaySum.toFixed(3), total: totals[m.name] || 0, buckets: m.buckets, increments: s.delay };
    }
  }
  const shares = [], ratios = [];
  for (const id of viewIds) {
    for (const d of VIEWS[id].shares) shares.push(shareOf(id, d, s.counters[d.metric]));
    for (const d of VIEWS[id].ratios) ratios.push(ratioOf(id, d, s.counters[d.metric]));
  }
  return {
    ts: now, lines_per_s: s.lines, matched_per_s: s.lines, unmatched_per_s: 0, events_per_s: s.events,
    dropped_per_s: s.dropped, clients: clients.size, metrics, shares, ratios,
    reload: { at: startedAt, ok: true, error: null, reloads: 1, failures: 0 },
  };
}
const startedAt = new Date().toISOString();
const history = [];                    // the last 300 seconds, oldest first (GET /api/stats)

/** A plausible GET /api/rules (the rules panel's own format is the daemon's to define). */
function rulesObject() {
  const rules = viewIds.flatMap((id) => VIEWS[id].rules.map((name) => ({ name, file: VIEWS[id].file })));
  return { files: viewIds.map((id) => VIEWS[id].file), rules, reload: { at: startedAt, ok: true, error: null, reloads: 1, failures: 0 }, unmatched: [] };
}

// ---- HTTP + WebSocket ------------------------------------------------------------------
/** A frame's text: with --name, "daemon" comes first, as a daemon may put it. */
function frameText(obj) {
  return JSON.stringify(opt.name !== null ? { daemon: opt.name, ...obj } : obj);
}

function sendJson(res, obj) {
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache' }).end(JSON.stringify(obj));
}

const server = http.createServer((req, res) => {
  const url = req.url.split('?')[0];
  if (url === '/healthz') { res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n'); return; }
  if (url === '/api/view') { sendJson(res, viewObject()); return; }
  if (url === '/api/stats') { sendJson(res, { seconds: history }); return; }
  if (url === '/metrics') {
    // Only what the UI tests read: delivery attempts by outcome, as the daemon counts them.
    const body = Object.entries(deliveries).map(([o, n]) => `mail_deliveries_total{outcome="${o}"} ${n}\n`).join('');
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body);
    return;
  }
  if (url === '/api/rules') { sendJson(res, rulesObject()); return; }
  if (url === '/api/peers' && (opt.name !== null || opt.peers.length)) { sendJson(res, { name: opt.name || 'mock', peers: opt.peers }); return; }
  if (url === '/mock/views' && req.method === 'POST') {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const ids = parseViews(body);
      if (!ids) { res.writeHead(400, { 'content-type': 'text/plain' }).end('views: postfix, nginx or postfix,nginx\n'); return; }
      viewIds = ids;
      const frame = frameText({ view: viewObject() });
      for (const c of clients) if (c.ws.readyState === 1) c.ws.send(frame);
      console.log(`mock: views ${ids.join(',')}`);
      sendJson(res, viewObject());
    });
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405).end(); return; }
  serveStatic(req, res);
});
const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: true, maxPayload: 64 * 1024 });
const clients = new Set();

wss.on('connection', (ws) => {
  const c = {
    ws, seq: null, bootSent: false, filter: null, maxRate: opt.wsMaxRate,
    tokens: opt.wsMaxRate / 10, dropped: 0, out: [], messages: 0,
  };
  clients.add(c);
  ws.send(frameText({ view: viewObject() }));
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    let m;
    try { m = JSON.parse(String(data)); } catch (_) { return; }
    if (!m || typeof m !== 'object') return;
    c.messages++;
    if (m.filter && typeof m.filter === 'object') {
      c.filter = Array.isArray(m.filter.types) ? new Set(m.filter.types.map(String)) : null;
      console.log(`mock: client filter ${c.filter ? JSON.stringify([...c.filter]) : '(all)'}`);
    }
    if (Number.isFinite(m.max_rate) && m.max_rate > 0) {
      c.maxRate = Math.min(opt.wsMaxRate, Math.floor(m.max_rate));
      console.log(`mock: client max_rate ${c.maxRate}`);
    }
  });
  ws.on('close', () => clients.delete(c));
  ws.on('error', () => clients.delete(c));
});

// generation loop: every 16 ms, produce rate*dt events and fan out
let matched = opt.seqStart - 1;  // the daemon's seq: events made since start
let carry = 0;
let last = Date.now();
let lastStats = last;
const tick = setInterval(() => {
  const now = Date.now();
  const dt = Math.min(200, now - last);
  last = now;
  carry += (opt.rate * dt) / 1000;
  const n = Math.floor(carry);
  carry -= n;
  for (const c of clients) {
    c.tokens = Math.min(c.maxRate / 10 + 1, c.tokens + (c.maxRate * dt) / 1000); // bucket holds 100 ms
  }
  for (let i = 0; i < n; i++) {
    const ev = makeEvent(now);
    account(ev);
    matched++;
    for (const c of clients) {
      if (c.filter && !c.filter.has(ev.type)) continue;       // not counted as dropped
      if (c.tokens >= 1) { c.tokens -= 1; c.out.push(ev); c.seq = matched; } else { c.dropped++; sec.dropped++; }
    }
  }
  for (const c of clients) {
    if (c.ws.readyState !== 1) continue;
    if (c.ws.bufferedAmount > 4 * 1024 * 1024) { c.dropped += c.out.length; c.out.length = 0; continue; }
    const frame = { seq: c.out.length ? c.seq : matched };
    if (!c.bootSent) { frame.boot = opt.boot; c.bootSent = true; }
    Object.assign(frame, { events: c.out, dropped: c.dropped });
    c.ws.send(frameText(frame));
    c.out = [];
    c.dropped = 0;
  }
  if (now - lastStats >= 1000) {
    lastStats = now;
    const s = sec;
    sec = newSecond();
    const second = statsSecond(s, now);
    history.push(second);
    if (history.length > 300) history.shift();
    const stats = frameText({ stats: second });
    for (const c of clients) if (c.ws.readyState === 1) c.ws.send(stats);
  }
}, 16);

server.listen(opt.port, opt.host, () => {
  const a = server.address();
  console.log(`mock listening on http://${opt.host}:${a.port}/ (rate ${opt.rate}/s, ws cap ${opt.wsMaxRate}/s)`);
});

function shutdown() {
  clearInterval(tick);
  for (const c of clients) { try { c.ws.terminate(); } catch (_) { /* ignore */ } }
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
