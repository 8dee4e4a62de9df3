// The shipped example dashboards/prometheus/prometheus.yml, made runnable in a test: 1 s
// scrape and evaluation intervals, rule files by absolute path, and its static_configs
// (the several-box example) replaced by the test's own daemons. Everything else (the one
// job, the relabeling that names a box) is the shipped file's, so the tests run it as is.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';

// targets: [{address: '127.0.0.1:PORT', labels: {box: 'b1'}}]
export function examplePromConfig(repo, targets) {
  const dir = path.join(repo, 'dashboards/prometheus');
  let cfg = fs.readFileSync(path.join(dir, 'prometheus.yml'), 'utf8');
  const replace = (from, to) => {
    const n = typeof from === 'string' ? cfg.split(from).length - 1 : (cfg.match(from) || []).length;
    if (n < 1) throw new Error(`prometheus.yml: ${from} not found`);
    cfg = typeof from === 'string' ? cfg.split(from).join(to) : cfg.replace(from, to);
  };
  replace('scrape_interval: 15s', 'scrape_interval: 1s');
  replace('evaluation_interval: 15s', 'evaluation_interval: 1s');
  replace('- tapemeasure.rules.yml', `- ${path.join(dir, 'tapemeasure.rules.yml')}`);
  replace('- tapemeasure.alerts.yml', `- ${path.join(dir, 'tapemeasure.alerts.yml')}`);
  // The static_configs block: its key line, then list items and comments indented deeper.
  const groups = targets.map((t) => `      - targets: ['${t.address}']\n        labels: ${JSON.stringify(t.labels || {})}\n`).join('');
  replace(/^    static_configs:\n(?:      .*\n|\s*\n)+/m, `    static_configs:\n${groups}`);
  return cfg;
}

// Runs a real Prometheus on that config at 127.0.0.1:port, its data and log in tmp. Its pid
// goes to $PROM_PID_FILE (the shell script kills it if we die), and it is stopped when this
// process exits. Returns a function that stops it.
export function startExamplePrometheus(repo, targets, { tmp, port }) {
  fs.writeFileSync(path.join(tmp, 'prometheus.yml'), examplePromConfig(repo, targets));
  const log = fs.openSync(path.join(tmp, 'prometheus.log'), 'w');
  const child = spawn('prometheus', [
    `--config.file=${path.join(tmp, 'prometheus.yml')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    `--storage.tsdb.path=${path.join(tmp, 'tsdb')}`,
    '--storage.tsdb.retention.time=1h',
    '--log.level=warn',
  ], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  if (process.env.PROM_PID_FILE) fs.writeFileSync(process.env.PROM_PID_FILE, String(child.pid));
  const stop = () => { try { child.kill('SIGTERM'); } catch { /* gone */ } };
  process.on('exit', stop);
  return stop;
}
