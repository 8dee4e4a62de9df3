// The UI's window over the per-second stats: a view's shares and ratios summed over the
// last N seconds (10 by default), so one quiet or busy second does not swing the answer.
// Shares are recomputed from the summed counts with matrix.js; ratios are summed part
// over summed total. Pure module.

import { addMatrices, shareMatrix } from './matrix.js';

export const WINDOW_SECONDS = 10;

/** Does a share or ratio of a stats second belong to this declared one of `viewId`? */
const sameItem = (got, viewId, decl) => got.title === decl.title && (got.view === '' || got.view === viewId);

export class StatsWindow {
  constructor(size = WINDOW_SECONDS) {
    this.size = size;
    this.items = [];   // normalized stats seconds (protocol.js), oldest first
  }

  push(stats) {
    this.items.push({
      ts: stats.ts ?? null, daemons: stats.daemons || null,   // several daemons: who is in the sum
      shares: stats.shares || [], ratios: stats.ratios || [],
    });
    while (this.items.length > this.size) this.items.shift();
  }

  clear() { this.items.length = 0; }

  get seconds() { return this.items.length; }

  /** The seconds in the window: [{ts, daemons}] (daemons: null for a single daemon's frame). */
  stamps() {
    return this.items.map((x) => ({ ts: x.ts, daemons: x.daemons }));
  }

  /**
   * Each share the view declares, over the window:
   * [{title, metric, rows, cols, counts:{row:{col:n}}, shares:{row:{col:fraction}}, matrix}]
   * where `matrix` is shareMatrix's full result (deviation, hot cells, ...).
   */
  shares(view) {
    return view.shares.map((decl) => {
      const counts = {};
      for (const sec of this.items) {
        for (const s of sec.shares) if (sameItem(s, view.id, decl)) addMatrices(counts, s.counts);
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
   * Each ratio the view declares, over the window:
   * [{title, metric, value (null when nothing was counted), part, total, perSecond}]
   */
  ratios(view) {
    const n = this.items.length;
    return view.ratios.map((decl) => {
      let part = 0, total = 0;
      for (const sec of this.items) {
        for (const r of sec.ratios) if (sameItem(r, view.id, decl)) { part += r.part; total += r.total; }
      }
      return {
        title: decl.title, metric: decl.metric,
        value: total > 0 ? Math.min(1, part / total) : null,
        part, total, perSecond: n ? total / n : null,
      };
    });
  }
}
