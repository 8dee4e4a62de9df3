// The one waitFor of the JS test suites (integration, ecosystem, soak): poll a condition
// against a deadline instead of sleeping. No npm dependency, so any suite can import it.
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';

// Thrown inside a waitFor() callback: fails at once instead of polling on.
export class Abort extends Error {}

// Polls fn (sync or async) until it returns something truthy; returns that value. On the
// deadline, fails with `what` and the last value or error seen (an Abort fails at once).
// Under a sanitizer (tests/run_all.sh sets TAPEMEASURE_SANITIZER for its ThreadSanitizer
// pass) the daemon runs several times slower: deadlines stretch, conditions stay the same.
export const SLOWDOWN = process.env.TAPEMEASURE_SANITIZER ? 6 : 1;

export async function waitFor(fn, { timeout = 5000, interval = 20, what = 'a condition' } = {}) {
  timeout *= SLOWDOWN;
  const deadline = performance.now() + timeout;
  let last;
  let lastError;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      if (e instanceof Abort) throw e;
      lastError = e;
    }
    if (performance.now() > deadline) {
      const detail = lastError ? `; last error: ${lastError.message}` : `; last value: ${JSON.stringify(last)}`;
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${detail}`);
    }
    await delay(interval);
  }
}

