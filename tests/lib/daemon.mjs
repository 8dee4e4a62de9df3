// The one daemon harness of the JS test suites (integration tests, the soak tool): start
// the real tapemeasure binary in a temp dir on a free port (port 0: the port is read from its
// log), stop it, read /metrics, and what the kernel says about it (RSS, open files). Also
// the processes and temp dirs a test made, cleaned up by cleanup(). No npm dependency.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Metrics } from './exposition.mjs';
import { Abort, waitFor } from './wait.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = path.resolve(ROOT, process.env.TAPEMEASURE_BIN || 'build/tapemeasure');
export const RULES_DIR = path.join(ROOT, 'rules');

const children = new Set();  // every process started here, until it exits
const tempDirs = [];

// A fresh directory under the system temp dir; short, so socket paths stay under 108 bytes.
export function tempDir(prefix = 'tm-it-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

// Kills whatever is still running, removes temp dirs. Register with after().
export async function cleanup() {
  const waits = [];
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      waits.push(new Promise((resolve) => child.once('exit', resolve)));
      child.kill('SIGKILL');
    }
  }
  await Promise.all(waits);
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

// Backstop: never leave a daemon behind, even when the runner dies.
process.on('exit', () => {
  for (const child of children) {
    try { child.kill('SIGKILL'); } catch { /* gone */ }
  }
});

export function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

// Runs a command to completion (with a deadline); resolves {code, signal, stdout, stderr}.
// Standard input: `input` (written to a pipe), or `stdinFile` (a file, all there at once:
// nc -w0 quits as soon as standard input is idle, so a pipe filled later loses data).
export function run(cmd, args, { input, stdinFile, timeout = 20000, cwd, env } = {}) {
  return new Promise((resolve, reject) => {
    const stdinFd = stdinFile ? fs.openSync(stdinFile, 'r') : null;
    const child = track(spawn(cmd, args, { cwd, env: env ?? process.env, stdio: [stdinFd ?? 'pipe', 'pipe', 'pipe'] }));
    if (stdinFd !== null) fs.closeSync(stdinFd);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} did not finish within ${timeout} ms; stderr: ${stderr}`));
    }, timeout);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (child.stdin) {
      child.stdin.on('error', () => { /* the command may exit without reading */ });
      child.stdin.end(input);
    }
  });
}

// The tapemeasure binary itself, run to completion.
export function tm(args, opts) {
  return run(BIN, args, opts);
}

// A running `tapemeasure run`. Options:
//   rules: paths (default: the bundled rules/); socket: file name in dir, '-' for stdin, or
//   null for none (default 'in.sock'); dgram: file name in dir (default none); args: extra
//   flags; dir: the temp dir (default: a new one); listen (default 127.0.0.1:0); stdinFile:
//   the daemon's standard input (default: a pipe, d.proc.stdin); maxFiles: its ulimit -n;
//   logFile: a file name in dir that takes its log instead of a pipe (a flood of log lines
//   then shows as a size, and nothing is lost to a full pipe); bin: another binary.
export class Daemon {
  // `command` 'demo' runs `tapemeasure demo` (its own traffic and pack: give `args` such as
  // ['--pack', 'dns']); there `rules` defaults to none (the pack's) and there is no socket.
  static async start({ command = 'run', rules = command === 'run' ? [RULES_DIR] : [],
    socket = command === 'run' ? 'in.sock' : null, dgram = null, args = [], dir, listen = '127.0.0.1:0',
    stdinFile = null, maxFiles = null, startTimeout = 10000, logFile = null, bin = BIN } = {}) {
    const d = new this();
    d.dir = dir ?? tempDir();
    d.socketPath = socket === null ? null : socket === '-' ? '-' : path.join(d.dir, socket);
    d.dgramPath = dgram === null ? null : path.join(d.dir, dgram);
    const argv = [command, '--listen', listen];
    for (const r of [].concat(rules)) argv.push('--rules', r);
    if (command === 'run') argv.push('--socket', d.socketPath ?? '');
    if (d.dgramPath) argv.push('--dgram-socket', d.dgramPath);
    argv.push(...args);
    d.argv = argv;
    d.output = '';
    d.logPath = logFile ? path.join(d.dir, logFile) : null;
    const logFd = d.logPath ? fs.openSync(d.logPath, 'w') : null;
    const stdinFd = stdinFile ? fs.openSync(stdinFile, 'r') : null;
    const stdio = [stdinFd ?? 'pipe', 'ignore', logFd ?? 'pipe'];
    // maxFiles: a lower open-files limit (ulimit -n), then exec: the child is the daemon itself.
    d.proc = track(maxFiles
      ? spawn('sh', ['-c', `ulimit -n ${Number(maxFiles)} && exec "$0" "$@"`, bin, ...argv], { cwd: d.dir, stdio })
      : spawn(bin, argv, { cwd: d.dir, stdio }));
    if (stdinFd !== null) fs.closeSync(stdinFd);
    if (logFd !== null) fs.closeSync(logFd);
    d.proc.stdin?.on('error', () => { /* closed by the daemon */ });
    d.exit = null;
    d.exited = new Promise((resolve) => d.proc.once('exit', (code, signal) => { d.exit = { code, signal }; resolve(d.exit); }));
    d.proc.stderr?.setEncoding('utf8').on('data', (chunk) => {
      d.output += chunk;
      // A sanitizer report is a failure whatever the test checks: show it.
      if (/Sanitizer/.test(chunk)) process.stderr.write(chunk);
    });
    let exitedEarly = null;
    d.exited.then((r) => { exitedEarly = r; });
    // The daemon logs "UI, /metrics and /api at http://HOST:PORT/" once it listens; with
    // port 0 that line is the only way to learn the port.
    const m = await waitFor(() => {
      if (exitedEarly) throw new Abort(`tapemeasure exited early (${JSON.stringify(exitedEarly)}): ${d.stderr}`);
      return /UI, \/metrics and \/api at http:\/\/([^\s/]+):(\d+)\//.exec(d.stderr);
    }, { timeout: startTimeout, what: 'the daemon to log its listen address' }).catch((e) => {
      d.proc.kill('SIGKILL');
      throw new Error(`${e.message}\nstderr: ${d.stderr}`);
    });
    d.host = m[1];
    d.port = Number(m[2]);
    d.base = `http://${d.host}:${d.port}`;
    d.url = `${d.base}/`;  // what a browser opens
    return d;
  }

  get pid() { return this.proc.pid; }
  get running() { return this.proc.exitCode === null && this.proc.signalCode === null; }

  // What the daemon logged so far (its standard error, or its logFile).
  get stderr() { return this.logPath ? fs.readFileSync(this.logPath, 'utf8') : this.output; }
  log() { return this.stderr; }
  logBytes() { return this.logPath ? fs.statSync(this.logPath).size : Buffer.byteLength(this.output); }

  // What the kernel says: resident memory (KiB), open files, and the open-files limit.
  rssKiB() {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${this.pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  }
  fds() { return fs.readdirSync(`/proc/${this.pid}/fd`).length; }
  maxFiles() {
    const m = /Max open files\s+(\d+)/.exec(fs.readFileSync(`/proc/${this.pid}/limits`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  }

  // Sends a signal and waits for the exit; resolves {code, signal}.
  async stop(signal = 'SIGTERM', timeout = 5000) {
    if (this.running) this.proc.kill(signal);
    let timer;
    const deadline = new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`daemon did not exit within ${timeout} ms of ${signal}`)), timeout);
    });
    try {
      return await Promise.race([this.exited, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  get(pathname, opts) { return httpGet(this.port, pathname, opts); }

  async metrics() {
    const res = await this.get('/metrics');
    if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${res.text}`);
    return new Metrics(res.text);
  }

  async metric(name, labels = {}) {
    return (await this.metrics()).value(name, labels);
  }

  async json(pathname) {
    const res = await this.get(pathname);
    if (res.status !== 200) throw new Error(`${pathname} answered ${res.status}: ${res.text}`);
    return JSON.parse(res.text);
  }

  // Waits until tapemeasure_lines_total reaches n (fails if it goes beyond).
  async waitLines(n, timeout = 10000) {
    let seen = 0;
    await waitFor(async () => {
      seen = await this.metric('tapemeasure_lines_total');
      if (seen > n) throw new Abort(`tapemeasure_lines_total is ${seen}, more than the ${n} expected`);
      return seen === n;
    }, { timeout, what: `tapemeasure_lines_total == ${n}` }).catch((e) => {
      throw new Error(`${e.message} (last seen ${seen})`);
    });
  }

  // Waits until tapemeasure_ws_clients equals n (the hub has registered the clients).
  async waitClients(n, timeout = 5000) {
    await waitFor(async () => (await this.metric('tapemeasure_ws_clients')) === n,
      { timeout, what: `tapemeasure_ws_clients == ${n}` });
  }

}

// GET (or another method) with a fresh connection (agent: false: nothing pooled, so
// connection counts in the tests are exact). Resolves {status, headers, body, text}.
export function httpGet(port, pathname, { method = 'GET', headers = {}, timeout = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode, headers: res.headers, body, text: body.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.setTimeout(timeout, () => req.destroy(new Error(`${method} ${pathname}: no answer within ${timeout} ms`)));
    req.on('error', reject);
    req.end();
  });
}

