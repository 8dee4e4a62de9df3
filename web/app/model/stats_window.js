// The UI's window over the stats: a view's shares and ratios summed over the span the user
// picks (10 s by default, up to 24 h or everything since the daemon started), so one quiet
// or busy second does not swing the answer and a log of a few lines a minute still says
// something. Short windows (up to 5 minutes) are the last live seconds; longer ones come
// from the daemons' per-minute history (history_window.js). Either way a window is a list
// of records, each the sum of `seconds` seconds, and everything is summed from counts:
// shares recomputed from the summed cells with matrix.js, ratios as summed part over summed
// total. Pure module.

import { addMatrices, shareMatrix } from './matrix.js';

export const WINDOW_SECONDS = 10;
/** The windows offered, in seconds; 'all' is everything since the daemons started. */
export const WINDOW_CHOICES = [10, 60, 300, 3600, 86400, 'all'];
/** The longest window made of live seconds; longer ones read the daemons' minutes. */
export const LIVE_SECONDS = 300;

/** `?window=` (or a stored choice) as one of WINDOW_CHOICES; anything else is the default. */
export function parseWindow(v) {
  if (v === 'all') return 'all';
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  return WINDOW_CHOICES.includes(n) ? n : WINDOW_SECONDS;
}

/** "10 s", "1 min", "1 h", "24 h", "since start". */
export function windowLabel(w) {
  if (w === 'all') return 'since start';
  if (w >= 3600) return `${w / 3600} h`;
  if (w >= 60) return `${w / 60} min`;
  return `${w} s`;
}

/** Does a share or ratio of a stats record belong to this declared one of `viewId`? */
const sameItem = (got, viewId, decl) => got.title === decl.title && (got.view === '' || got.view === viewId);

/**
 * Each share the view declares, summed over `records` ([{shares}], normalized stats):
 * [{title, metric, rows, cols, fair, counts:{row:{col:n}}, shares:{row:{col:fraction}}, matrix}]
 * where `matrix` is shareMatrix's full result (deviation, hot cells, ...).
 */
export function windowShares(records, view) {
  return view.shares.map((decl) => {
    const counts = {};
    for (const rec of records) {
      for (const s of rec.shares) if (sameItem(s, view.id, decl)) addMatrices(counts, s.counts);
    }
    const matrix = shareMatrix(counts);
    const shares = {};
    for (const r of matrix.rows) {
      shares[r] = {};
      for (const c of matrix.cols) if (matrix.shares[r][c] !== null) shares[r][c] = matrix.shares[r][c];
    }
    return {
      title: decl.title, metric: decl.metric, rows: decl.rows, cols: decl.cols, fair: decl.fair !== false,
      counts: matrix.counts, shares, matrix,
    };
  });
}

/**
 * Each ratio the view declares, summed over `records` that cover `seconds` seconds:
 * [{title, metric, value (null when nothing was counted), part, total, perSecond}]
 */
export function windowRatios(records, view, seconds) {
  return view.ratios.map((decl) => {
    let part = 0, total = 0;
    for (const rec of records) {
      for (const r of rec.ratios) if (sameItem(r, view.id, decl)) { part += r.part; total += r.total; }
    }
    return {
      title: decl.title, metric: decl.metric,
      value: total > 0 ? Math.min(1, part / total) : null,
      part, total, perSecond: seconds ? total / seconds : null,
    };
  });
}

/** The live seconds (merged over the daemons): the last `size` of them, up to LIVE_SECONDS. */
export class StatsWindow {
  constructor(size = WINDOW_SECONDS) {
    this.size = Math.min(size, LIVE_SECONDS);
    this.items = [];   // normalized stats seconds (protocol.js), oldest first, at most LIVE_SECONDS
  }

  push(stats) {
    this.items.push(StatsWindow.item(stats));
    if (this.items.length > LIVE_SECONDS) this.items.splice(0, this.items.length - LIVE_SECONDS);
  }

  static item(stats) {
    return {
      ts: stats.ts ?? null, daemons: stats.daemons || null,   // several daemons: who is in the sum
      seconds: 1, shares: stats.shares || [], ratios: stats.ratios || [], compares: stats.compares || [],
      metrics: stats.metrics || {},
    };
  }

  /**
   * The seconds before the page opened (GET api/stats, normalized, oldest first), put before
   * the live ones: those the live frames already brought (same `ts` or later) are skipped,
   * whichever of the two arrived first.
   */
  backfill(seconds) {
    const first = this.items.length ? this.items[0].ts : Infinity;
    const older = seconds.filter((s) => Number.isFinite(s.ts) && s.ts < first).map((s) => StatsWindow.item(s));
    this.items = [...older, ...this.items].slice(-LIVE_SECONDS);
  }

  /** Sum the last `size` seconds from now on (kept seconds beyond it stay for a longer choice). */
  setSize(size) { this.size = Math.max(1, Math.min(size, LIVE_SECONDS)); }

  clear() { this.items.length = 0; }

  /** The seconds in the window, oldest first. */
  inWindow() { return this.items.length > this.size ? this.items.slice(-this.size) : this.items; }

  get seconds() { return Math.min(this.items.length, this.size); }

  /** The seconds in the window: [{ts, daemons}] (daemons: null for a single daemon's frame). */
  stamps() {
    return this.inWindow().map((x) => ({ ts: x.ts, daemons: x.daemons }));
  }

  shares(view) { return windowShares(this.inWindow(), view); }

  ratios(view) { return windowRatios(this.inWindow(), view, this.seconds); }
}
