// How a tier's rows are drawn at a given row spacing: node size, label font, whether a
// rate line fits under the name, and which labels are shown when rows are too close for
// every one (thinned: every k-th, the last row always, so "…more" keeps its label).
// Pure module; scene.js applies it.

const NODE_TEXTURE_PX = 28;      // the node ring texture's drawn diameter at scale 1
const LABEL_CHARS = 22;          // longer names are shortened in the middle (full name on hover)

/**
 * @param {number} spacing  pixels between two rows
 * @param {number} count    rows in the tier
 */
export function nodeLabelPlan(spacing, count) {
  const s = Math.max(1, spacing);
  const roomy = s >= 34;                                   // name and a rate line under it
  const font = roomy ? 13 : Math.max(9, Math.min(12, Math.floor(s - 2)));
  const nodeScale = Math.max(0.28, Math.min(1, (s - 2) / NODE_TEXTURE_PX));
  const labelHeight = roomy ? 30 : font + 3;
  const every = Math.max(1, Math.ceil(labelHeight / s));
  const last = count - 1;
  // the row before the last that carries a label by the every-k rule; it yields if too close
  const lastRegular = last - (last % every);
  return {
    roomy, font, nodeScale, every,
    offset: Math.round((NODE_TEXTURE_PX / 2) * nodeScale + 4),
    labelled(i) {
      if (i === last) return true;
      if (i % every !== 0) return false;
      return !(i === lastRegular && last - i < every);
    },
  };
}

/** A name shortened in the middle, so both its start and its distinguishing end stay. */
export function shortenLabel(name, max = LABEL_CHARS) {
  const s = String(name);
  if (s.length <= max) return s;
  const tail = Math.floor((max - 1) / 2), head = max - 1 - tail;
  return s.slice(0, head) + '\u2026' + s.slice(s.length - tail);
}
