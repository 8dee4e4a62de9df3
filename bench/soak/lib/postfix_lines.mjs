// Generated Postfix syslog traffic in the shape of tests/data/postfix.log: each message is
// connect, client=, cleanup, qmgr from=, one or more delivery attempts (sent, deferred or
// bounced), removed, disconnect. Host and relay names come from small fixed sets, so the
// label sets of the pack's metrics stay bounded however long the soak runs: RSS growth
// then means a leak, not more series. Queue ids and recipients vary freely (they are no labels).

// mulberry32: deterministic, so two runs feed the same traffic.
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MTAS = ['mta1', 'mta2', 'mta3', 'mta4', 'mx1', 'mx2'];
const RELAYS = [['proxy1', '10.0.0.1'], ['proxy2', '10.0.0.2'], ['proxy3', '10.0.0.3'], ['mx.gmail.example', '142.250.1.27'],
  ['mail.web.example', '203.0.113.9'], ['smtp.outlook.example', '52.101.8.44']];
const CLIENTS = [['lb1.int.example.com', '10.1.0.2'], ['lb2.int.example.com', '10.1.0.3']];
const APPS = [['app1.int.example.com', '10.1.0.11', 'billing'], ['app2.int.example.com', '10.1.0.12', 'notify']];
const DOMAINS = ['example.org', 'outlook.example', 'web.example', 'mail.example.de'];

// Lines for `messages` messages, in order (a Postfix log's interleaving is not needed here).
export function postfixLines(messages, seed = 1) {
  const r = rng(seed);
  const pick = (a) => a[Math.floor(r() * a.length)];
  const hex = (n) => Array.from({ length: n }, () => '0123456789ABCDEF'[Math.floor(r() * 16)]).join('');
  const lines = [];
  let sec = 0;
  for (let m = 0; m < messages; m++) {
    sec += r() < 0.3 ? 1 : 0;
    const ts = `Nov  7 ${String(9 + Math.floor(sec / 3600) % 15).padStart(2, '0')}:${String(Math.floor(sec / 60) % 60).padStart(2, '0')}:${String(sec % 60).padStart(2, '0')}`;
    const mta = pick(MTAS);
    const qid = hex(10);
    const pid = 1000 + Math.floor(r() * 40000);
    const viaApp = r() < 0.3;
    const [cname, cip, sasl] = viaApp ? pick(APPS) : pick(CLIENTS);
    const smtpd = viaApp ? 'postfix/submission/smtpd' : 'postfix/smtpd';
    lines.push(`${ts} ${mta} ${smtpd}[${pid}]: connect from ${cname}[${cip}]`);
    lines.push(`${ts} ${mta} ${smtpd}[${pid}]: ${qid}: client=${cname}[${cip}]${viaApp ? `, sasl_method=PLAIN, sasl_username=${sasl}` : ''}`);
    lines.push(`${ts} ${mta} postfix/cleanup[${pid + 7}]: ${qid}: message-id=<${hex(12)}@${cname}>`);
    const nrcpt = 1 + Math.floor(r() * 3);
    lines.push(`${ts} ${mta} postfix/qmgr[5876]: ${qid}: from=<noreply@example.com>, size=${500 + Math.floor(r() * 50000)}, nrcpt=${nrcpt} (queue active)`);
    for (let i = 0; i < nrcpt; i++) {
      const [relay, rip] = pick(RELAYS);
      const rcpt = `user${Math.floor(r() * 1000)}@${pick(DOMAINS)}`;
      const delay = (r() * 3).toFixed(2);
      const o = r();
      const tail = o < 0.85 ? `dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ${hex(10)})`
        : o < 0.95 ? 'dsn=4.4.1, status=deferred (connect to relay: Connection timed out)'
          : 'dsn=5.1.1, status=bounced (host said: 550 5.1.1 <x>: Recipient address rejected: User unknown)';
      lines.push(`${ts} ${mta} postfix/smtp[${pid + 13}]: ${qid}: to=<${rcpt}>, relay=${relay}[${rip}]:25, delay=${delay}, delays=0.1/0/0.2/0.3, ${tail}`);
    }
    lines.push(`${ts} ${mta} postfix/qmgr[5876]: ${qid}: removed`);
    lines.push(`${ts} ${mta} ${smtpd}[${pid}]: disconnect from ${cname}[${cip}] ehlo=1 mail=1 rcpt=${nrcpt} data=1 quit=1 commands=5`);
  }
  return lines;
}

// The lines as one buffer, with the offset where each line starts (and one past the end),
// so a writer can send any run of whole lines as one slice and know how many it sent.
export function lineBuffer(lines) {
  const buf = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
  const starts = new Uint32Array(lines.length + 1);
  let off = 0;
  for (let i = 0; i < lines.length; i++) {
    starts[i] = off;
    off += Buffer.byteLength(lines[i], 'utf8') + 1;
  }
  starts[lines.length] = off;
  return { buf, starts, count: lines.length };
}
