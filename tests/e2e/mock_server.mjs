#!/usr/bin/env node
// Development / e2e stand-in for the tapemeasure daemon's HTTP + /ws side.
// Serves web/ statically and streams synthetic events per DESIGN.md "WebSocket /ws":
//   {"seq":N,"events":[...],"dropped":N} every ~16 ms, {"stats":{...}} once a second;
// honours {"filter":{"types":[...]}} / {"filter":{}} and {"max_rate":N} from the client.
//
//   node tests/e2e/mock_server.mjs [--port 8090] [--host 127.0.0.1] [--rate 1000]
//                                  [--ws-max-rate 1000] [--seq-start 1] [--web DIR]
//
// Traffic: 2 ingress balancers, 4 MTAs, 3 proxies with uneven shares (mta1 favours
// proxy1, mta3 favours proxy3, mta2/mta4 are fair), ~10% transient, ~5% permanent of
// all events, a few events of an unknown type ("expired") to exercise the grey dots.
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
    web: path.resolve(here, '../../web'),
  };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i], v = argv[i + 1];
    switch (a) {
      case '--port': o.port = Number(v); i++; break;
      case '--host': o.host = v; i++; break;
      case '--rate': o.rate = Number(v); i++; break;
      case '--ws-max-rate': o.wsMaxRate = Number(v); i++; break;
      case '--seq-start': o.seqStart = Number(v); i++; break;
      case '--mtas': o.mtas = Number(v); i++; break;
      case '--proxies': o.proxies = Number(v); i++; break;
      case '--web': o.web = path.resolve(v); i++; break;
      case '-h': case '--help':
        console.log('usage: mock_server.mjs [--port N] [--host H] [--rate EV_PER_S] [--ws-max-rate N] [--seq-start N] [--web DIR]\n' +
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

const opt = parseArgs(process.argv);

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
const TYPE_MIX = [['inbound', 0.22], ['relay', 0.07], ['delivered', 0.555], ['transient', 0.10], ['permanent', 0.05], ['expired', 0.005]];
// destination networks: clustered first octets, like real mail (big providers)
const OCTETS = [[74, 0.2], [142, 0.15], [209, 0.12], [17, 0.08], [40, 0.1], [52, 0.1], [98, 0.05], [157, 0.06], [185, 0.06], [216, 0.08]];

function pick(table) {
  let r = Math.random();
  for (const [v, w] of table) { if ((r -= w) <= 0) return v; }
  return table[table.length - 1][0];
}
const rnd = (n) => Math.floor(Math.random() * n);
let qid = 0x4f1a2b;

function makeEvent(now) {
  const type = pick(TYPE_MIX);
  const mta = pick(MTAS);
  const queue_id = (qid++).toString(16).toUpperCase();
  if (type === 'inbound') {
    return { ts: now, rule: 'demo_inbound', type, from: pick(INGRESS), to: mta, ip: `${rnd(223) + 1}.${rnd(256)}.${rnd(256)}.${rnd(256)}`, queue_id };
  }
  if (type === 'expired') {
    return { ts: now, rule: 'demo_expired', type, from: mta, to: 'none', queue_id };
  }
  let relay = pick(SHARES[mta]);
  if (type === 'permanent' && Math.random() < 0.3) relay = 'none';
  const ev = { ts: now, rule: 'demo_' + type, type, from: mta, to: relay, queue_id, rcpt: `user${rnd(1000)}@example.${['com', 'net', 'org'][rnd(3)]}` };
  if (type === 'delivered') ev.ip = `${pick(OCTETS)}.${rnd(256)}.${rnd(256)}.${rnd(256)}`;
  else if (relay !== 'none') ev.ip = PROXY_IP[relay];
  if (type === 'transient') ev.dsn = '4.4.1';
  if (type === 'permanent') ev.dsn = '5.1.1';
  ev.delay = +(Math.random() * 2).toFixed(2);
  return ev;
}

// ---- per-second stats over everything generated (not per client) -------------------
let sec = newSecond();
function newSecond() {
  return { lines: 0, events: 0, delivered: 0, transient: 0, permanent: 0, matrix: {}, dropped: 0 };
}
function account(ev) {
  sec.lines++;
  sec.events++;
  if (ev.type === 'delivered' || ev.type === 'transient' || ev.type === 'permanent') {
    sec[ev.type]++;
    const row = sec.matrix[ev.from] || (sec.matrix[ev.from] = {});
    row[ev.to] = (row[ev.to] || 0) + 1;
  }
}

// ---- HTTP + WebSocket ------------------------------------------------------------------
const server = http.createServer((req, res) => {
  if (req.url === '/healthz') { res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n'); return; }
  if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405).end(); return; }
  serveStatic(req, res);
});
const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: true, maxPayload: 64 * 1024 });
const clients = new Set();

wss.on('connection', (ws) => {
  const c = {
    ws, seq: opt.seqStart, filter: null, maxRate: opt.wsMaxRate,
    tokens: opt.wsMaxRate / 10, dropped: 0, out: [], messages: 0,
  };
  clients.add(c);
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
    for (const c of clients) {
      if (c.filter && !c.filter.has(ev.type)) continue;       // not counted as dropped
      if (c.tokens >= 1) { c.tokens -= 1; c.out.push(ev); } else { c.dropped++; sec.dropped++; }
    }
  }
  for (const c of clients) {
    if (c.ws.readyState !== 1) continue;
    if (c.ws.bufferedAmount > 4 * 1024 * 1024) { c.dropped += c.out.length; c.out.length = 0; continue; }
    c.ws.send(JSON.stringify({ seq: c.seq++, events: c.out, dropped: c.dropped }));
    c.out = [];
    c.dropped = 0;
  }
  if (now - lastStats >= 1000) {
    const span = (now - lastStats) / 1000;
    lastStats = now;
    const s = sec;
    sec = newSecond();
    const attempts = s.delivered + s.transient + s.permanent;
    const per = (v) => Math.round(v / span);
    const matrix = {};
    for (const [mta, row] of Object.entries(s.matrix)) {
      matrix[mta] = {};
      for (const [relay, v] of Object.entries(row)) matrix[mta][relay] = per(v);
    }
    const stats = JSON.stringify({ stats: {
      ts: now, lines_per_s: per(s.lines), events_per_s: per(s.events),
      deliveries_per_s: { delivered: per(s.delivered), transient: per(s.transient), permanent: per(s.permanent) },
      bounce_ratio: attempts ? +((s.transient + s.permanent) / attempts).toFixed(4) : 0,
      relay_matrix: matrix, dropped_per_s: per(s.dropped),
    } });
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
