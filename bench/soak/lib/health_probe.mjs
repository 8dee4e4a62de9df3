// What an orchestrator's health check would see under the soak's load and attacks: a GET
// /healthz on a fresh connection every `everyMs`, each timed (connect to last byte). A probe
// that fails, is not 200, or takes longer than `timeoutMs` counts as failed.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';

function probe(port, timeoutMs) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ok: res.statusCode === 200, ms: performance.now() - t0, status: res.statusCode }));
      res.on('error', () => resolve({ ok: false, ms: performance.now() - t0, status: 'error' }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ ok: false, ms: performance.now() - t0, status: e.message === 'timeout' ? 'timeout' : (e.code || 'error') }));
  });
}

export class HealthProbe {
  constructor(port, { everyMs = 100, timeoutMs = 5000 } = {}) {
    this.port = port;
    this.everyMs = everyMs;
    this.timeoutMs = timeoutMs;
    this.times = [];
    this.failures = {};  // status -> count
    this.running = false;
  }

  start() {
    this.running = true;
    this.done = (async () => {
      while (this.running) {
        const r = await probe(this.port, this.timeoutMs);
        this.times.push(r.ms);
        if (!r.ok) this.failures[r.status] = (this.failures[r.status] ?? 0) + 1;
        await delay(this.everyMs);
      }
    })();
  }

  async stop() {
    this.running = false;
    await this.done;
    return this.stats();
  }

  stats() {
    const sorted = [...this.times].sort((a, b) => a - b);
    const at = (q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN);
    const failed = Object.values(this.failures).reduce((a, b) => a + b, 0);
    return { probes: sorted.length, failed, failures: this.failures, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted.at(-1) ?? NaN };
  }
}
