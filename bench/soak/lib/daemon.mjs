// The daemon under soak: the test suites' one harness (tests/lib/daemon.mjs), its log in a
// file (so a flood of log lines shows as a size, and nothing is lost to a full pipe).
import { Daemon as SharedDaemon } from '../../../tests/lib/daemon.mjs';

export class Daemon extends SharedDaemon {
  static start({ bin, dir, rulesDir, args = [] }) {
    return super.start({ bin, dir, rules: [rulesDir], args, logFile: 'daemon.log', startTimeout: 30000 });
  }

  // Soak reports say how a stop went rather than failing: a daemon that does not exit in
  // time is killed and that is reported.
  async stop(signal = 'SIGTERM', timeoutMs = 10000) {
    try {
      return await super.stop(signal, timeoutMs);
    } catch {
      this.proc.kill('SIGKILL');
      await this.exited;
      return { code: null, signal: 'SIGKILL', timedOut: true };
    }
  }
}
