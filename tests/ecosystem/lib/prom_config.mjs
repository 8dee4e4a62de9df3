// The shipped example dashboards/prometheus/prometheus.yml, made runnable in a test: 1 s
// scrape and evaluation intervals, rule files by absolute path, and its static_configs
// (the several-box example) replaced by the test's own daemons. Everything else (the one
// job, the relabeling that names a box) is the shipped file's, so the tests run it as is.
import fs from 'node:fs';
import path from 'node:path';

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
