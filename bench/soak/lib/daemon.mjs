// The daemon under soak: started from the binary in a temp dir on a free port (port 0; the
// port is read from its log), with its log in a file (so a flood of log lines shows as a
// size, and nothing is lost to a full pipe). Reads what the kernel says about it: RSS from
// /proc/PID/status, open fds from /proc/PID/fd.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export class Daemon {
  static async start({ bin, dir, rulesDir, args = [] }) {
    const d = new Daemon();
    d.dir = dir;
    d.socketPath = path.join(dir, 'in.sock');
    d.logPath = path.join(dir, 'daemon.log');
    const logFd = fs.openSync(d.logPath, 'w');
    d.argv = ['run', '--listen', '127.0.0.1:0', '--rules', rulesDir, '--socket', d.socketPath, ...args];
    d.proc = spawn(bin, d.argv, { cwd: dir, stdio: ['ignore', logFd, logFd] });
    fs.closeSync(logFd);
    d.exit = null;
    d.exited = new Promise((resolve) => d.proc.once('exit', (code, signal) => { d.exit = { code, signal }; resolve(d.exit); }));
    const deadline = Date.now() + 30000;
    for (;;) {
      const m = /UI, \/metrics and \/api at http:\/\/([^\s/]+):(\d+)\//.exec(d.log());
      if (m) {
        d.port = Number(m[2]);
        return d;
      }
      if (d.exit) throw new Error(`tapemeasure exited at start (${JSON.stringify(d.exit)}):\n${d.log()}`);
      if (Date.now() > deadline) {
        d.proc.kill('SIGKILL');
        throw new Error(`tapemeasure did not log its listen address within 30 s:\n${d.log()}`);
      }
      await delay(50);
    }
  }

  get pid() { return this.proc.pid; }
  log() { return fs.readFileSync(this.logPath, 'utf8'); }
  logBytes() { return fs.statSync(this.logPath).size; }

  rssKiB() {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${this.pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  }

  fds() { return fs.readdirSync(`/proc/${this.pid}/fd`).length; }

  // The daemon's open-files limit (its soft RLIMIT_NOFILE, inherited from us).
  maxFiles() {
    const m = /Max open files\s+(\d+)/.exec(fs.readFileSync(`/proc/${this.pid}/limits`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  }

  get(pathname, timeout = 10000) {
    return new Promise((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: this.port, path: pathname, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => { body += c; });
        res.on('end', () => resolve({ status: res.statusCode, body }));
        res.on('error', reject);
      });
      req.setTimeout(timeout, () => req.destroy(new Error(`GET ${pathname}: no answer within ${timeout} ms`)));
      req.on('error', reject);
    });
  }

  // /metrics as {name{labels}: value}; unlabelled series under their plain name.
  async metrics() {
    const res = await this.get('/metrics');
    if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
    const out = new Map();
    for (const line of res.body.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const sp = line.lastIndexOf(' ');
      out.set(line.slice(0, sp), Number(line.slice(sp + 1)));
    }
    return out;
  }

  async stop(signal = 'SIGTERM', timeoutMs = 10000) {
    if (!this.exit) this.proc.kill(signal);
    const t = delay(timeoutMs).then(() => null);
    const r = await Promise.race([this.exited, t]);
    if (!r) {
      this.proc.kill('SIGKILL');
      await this.exited;
      return { code: null, signal: 'SIGKILL', timedOut: true };
    }
    return r;
  }
}

// Sum of every series of `name` (any labels) in a metrics() map.
export function sumOf(metrics, name) {
  let s = 0;
  for (const [k, v] of metrics) if (k === name || k.startsWith(`${name}{`)) s += v;
  return s;
}
