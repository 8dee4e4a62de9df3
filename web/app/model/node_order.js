// In which order a tier's nodes are drawn, and which of them go into the fold ("…more")
// when a tier holds more than fits. Pure module.
//
// Stability matters more than exactness: a person reading the picture must not see
// nodes jump. Natural order only ever inserts a new node at its place; volume order is a
// ranking taken when the user asks for it (new nodes go after the ranked ones, in order of
// appearance) and is not re-ranked behind the user's back.

export const ORDERS = Object.freeze(['natural', 'volume']);
/** Most nodes a tier draws before folding at 1280x720 and larger (the issue asks for 60). */
export const MIN_DRAWN_PER_TIER = 60;
/** Below this many pixels per row the tier folds (a node and a 9 px label need about this). */
export const MIN_ROW_PX = 7;

/** Natural order: node2 < node10. */
export function naturalCompare(a, b) {
  // Letters ignore case first ("alice" before "Bob", as a person sorts names); only names
  // equal but for case fall back to capitals first, so that the order is still total.
  return compareTokens(a, b, true) || compareTokens(a, b, false);
}

function compareTokens(a, b, foldCase) {
  const re = /(\d+)|(\D+)/g;
  const ta = String(a).match(re) || [];
  const tb = String(b).match(re) || [];
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    let x = ta[i], y = tb[i];
    const nx = /^\d/.test(x), ny = /^\d/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y) || x.length - y.length;
      if (d) return d;
      continue;
    }
    if (foldCase) { x = x.toLowerCase(); y = y.toLowerCase(); }
    if (x !== y) return x < y ? -1 : 1;
  }
  return ta.length - tb.length;
}

/**
 * A volume ranking of `nodes` ({name, count}) as it stands now: name -> rank, busiest 0.
 * Ties keep natural order, so equal nodes do not swap between two rankings.
 */
export function volumeRanking(nodes) {
  const sorted = [...nodes].sort((a, b) => b.count - a.count || naturalCompare(a.name, b.name));
  return new Map(sorted.map((n, i) => [n.name, i]));
}

/**
 * `nodes` ({name, seq}) in drawing order, a new array. `mode` 'natural' sorts by name;
 * 'volume' by `ranking` (from volumeRanking), unranked nodes last in order of first sight (seq).
 */
export function orderNodes(nodes, mode, ranking = null) {
  const out = [...nodes];
  if (mode === 'volume' && ranking) {
    const r = (n) => (ranking.has(n.name) ? ranking.get(n.name) : Infinity);
    out.sort((a, b) => {
      const ra = r(a), rb = r(b);
      if (ra !== rb) return ra < rb ? -1 : 1;
      return ra === Infinity ? a.seq - b.seq : 0;
    });
  } else {
    out.sort((a, b) => naturalCompare(a.name, b.name));
  }
  return out;
}

/**
 * Which nodes are drawn and which go into the fold. Only beyond `limit` is anything folded;
 * then the fold takes one row, so `limit - 1` of the busiest (by count) are drawn, in the
 * order given, and the fold holds the rest, busiest first.
 * @returns {{shown: object[], folded: object[]}}
 */
export function foldQuietest(ordered, limit) {
  const cap = Math.max(1, limit | 0);
  if (ordered.length <= cap) return { shown: ordered, folded: [] };
  const keep = new Set(orderByCount(ordered).slice(0, cap - 1));
  return { shown: ordered.filter((n) => keep.has(n)), folded: orderByCount(ordered.filter((n) => !keep.has(n))) };
}

function orderByCount(nodes) {
  return [...nodes].sort((a, b) => b.count - a.count || naturalCompare(a.name, b.name));
}

/** How many nodes a tier draws in `span` pixels of height before it folds. */
export function tierCapacity(span) {
  return Math.max(MIN_DRAWN_PER_TIER, Math.floor(span / MIN_ROW_PX));
}
