// Helpers shared by the node parts of the ecosystem tests: result reporting, the
// Prometheus text format, the Prometheus HTTP API, PromQL metric names, and a minimal
// WebSocket client (node 20 has none built in; no npm package needed).
import fs from 'node:fs';
import http from 'node:http';
import crypto from 'node:crypto';
import path from 'node:path';

import { waitFor as sharedWaitFor } from '../../lib/wait.mjs';

// ---- results (same file and format as lib/common.sh) ----------------------------------
const resultsFile = process.env.ECO_RESULTS || '/dev/null';
export const testName = path.basename(process.argv[1] || 'node').replace(/\.[^.]+$/, '');
let failed = 0;
export function pass(what) { fs.appendFileSync(resultsFile, `PASS ${testName}: ${what}\n`); console.log(`  ok    ${what}`); }
export function fail(what, why) {
  failed++;
  fs.appendFileSync(resultsFile, `FAIL ${testName}: ${what}\n`);
  console.error(`  FAIL  ${what}${why ? `\n        ${String(why).replace(/\n/g, '\n        ')}` : ''}`);
}
export function skip(what, why) { fs.appendFileSync(resultsFile, `SKIP ${testName}: ${what}: ${why}\n`); console.log(`  skip  ${what}: ${why}`); }
export function failures() { return failed; }
// check(what, fn): runs fn (sync or async); a throw is a failure with its message.
export async function check(what, fn) {
  try { await fn(); pass(what); return true; } catch (e) { fail(what, e && e.message ? e.message : e); return false; }
}

// ---- Prometheus text exposition -----------------------------------------------------
// The suites' one parser (tests/lib/exposition.mjs): [{name, labels, value}].
export { parseExposition } from '../../lib/exposition.mjs';

// ---- Prometheus HTTP API -----------------------------------------------------------
export async function promQuery(base, query, time) {
  const params = new URLSearchParams({ query });
  if (time !== undefined) params.set('time', String(time));
  const res = await fetch(`${base}/api/v1/query`, { method: 'POST', body: params });
  const body = await res.json().catch(() => ({ status: 'error', error: `HTTP ${res.status}, not JSON` }));
  if (body.status !== 'success') throw new Error(`query failed: ${query}\n${body.errorType || ''}: ${body.error || ''}`);
  return body.data;
}
// Instant vector as [{labels, value}] (labels without __name__).
export async function promVector(base, query, time) {
  const data = await promQuery(base, query, time);
  if (data.resultType !== 'vector') throw new Error(`${query}: expected a vector, got ${data.resultType}`);
  return data.result.map((r) => {
    const { __name__, ...labels } = r.metric;
    return { labels, value: Number(r.value[1]), ts: r.value[0] };
  });
}
// The suites' one waitFor (tests/lib/wait.mjs), called here as waitFor(what, fn, timeoutMs).
export function waitFor(what, fn, timeoutMs = 30000, stepMs = 200) {
  return sharedWaitFor(fn, { what, timeout: timeoutMs, interval: stepMs });
}

// ---- PromQL: which metric names does an expression read? ------------------------------
const PROMQL_WORDS = new Set([
  'sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile',
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'atan2',
  'inf', 'nan', 'le',
]);
export function metricNames(expr) {
  let s = expr;
  s = s.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""'); // strings
  s = s.replace(/\{[^}]*\}/g, ' ');                                      // label matchers
  s = s.replace(/\[[^\]]*\]/g, ' ');                                     // ranges, subqueries
  s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' '); // label lists
  s = s.replace(/\boffset\s+-?[0-9a-z]+/g, ' ');
  const names = new Set();
  const re = /[a-zA-Z_:][a-zA-Z0-9_:]*/g;
  let m;
  while ((m = re.exec(s))) {
    const word = m[0];
    const after = s.slice(re.lastIndex).match(/^\s*(\S)/);
    if (after && after[1] === '(') continue;                 // a function or aggregation
    if (PROMQL_WORDS.has(word.toLowerCase())) continue;
    const before = s.slice(0, m.index);
    if (/[0-9.]$/.test(before)) continue;                      // part of a number (1e3)
    names.add(word);
  }
  return [...names];
}

// ---- minimal WebSocket client -------------------------------------------------------
// wsConnect('http://127.0.0.1:PORT/ws') -> {messages: [parsed JSON...], send(obj), close()}
export function wsConnect(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const key = crypto.randomBytes(16).toString('base64');
    const req = http.request(url, {
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': key, ...headers },
    });
    req.on('response', (res) => reject(new Error(`no upgrade: HTTP ${res.statusCode}`)));
    req.on('error', reject);
    req.on('upgrade', (res, socket, head) => {
      const client = { messages: [], events: 0, dropped: 0, closed: false };
      let buf = head && head.length ? Buffer.from(head) : Buffer.alloc(0);
      let fragments = [];
      const frame = (opcode, payload) => {
        const mask = crypto.randomBytes(4);
        const len = payload.length;
        const hdr = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len])
          : Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 255]);
        const body = Buffer.from(payload);
        for (let i = 0; i < body.length; i++) body[i] ^= mask[i % 4];
        socket.write(Buffer.concat([hdr, mask, body]));
      };
      client.send = (obj) => frame(1, Buffer.from(JSON.stringify(obj)));
      client.close = () => { if (!client.closed) { client.closed = true; try { frame(8, Buffer.alloc(0)); } catch { /* gone */ } socket.end(); } };
      socket.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        for (;;) {
          if (buf.length < 2) return;
          const fin = (buf[0] & 0x80) !== 0; const op = buf[0] & 0x0f;
          let len = buf[1] & 0x7f; let off = 2;
          if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
          else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
          if (buf.length < off + len) return;
          const payload = buf.subarray(off, off + len); buf = buf.subarray(off + len);
          if (op === 9) { frame(10, payload); continue; }
          if (op === 8) { client.closed = true; socket.end(); return; }
          if (op === 1 || op === 0) {
            fragments.push(Buffer.from(payload));
            if (!fin) continue;
            const text = Buffer.concat(fragments).toString('utf8'); fragments = [];
            try {
              const msg = JSON.parse(text);
              client.messages.push(msg);
              if (Array.isArray(msg.events)) client.events += msg.events.length;
              if (typeof msg.dropped === 'number') client.dropped += msg.dropped;
            } catch { /* not JSON: ignore */ }
          }
        }
      });
      socket.on('close', () => { client.closed = true; });
      socket.on('error', () => { client.closed = true; });
      resolve(client);
    });
    req.end();
  });
}
