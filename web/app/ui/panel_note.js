// What the Shares and Compare panels draw alike. A panel with nothing to show for this view
// ("This view declares no shares.") says so in one muted line, written once: a panel redrawn
// every second would otherwise rebuild it each time (and lose a text selection in it).

/** Show `html` as the panel's only content unless it already is. */
export function showNote(panel, html) {
  if (panel.note === html) return;
  panel.host.innerHTML = `<p class="muted">${html}</p>`;
  panel.note = html;
}

/** The panel draws content of its own again: the next note is written anew. */
export function clearNote(panel) {
  panel.note = null;
}

/**
 * One block of a side panel (a share, a comparison): <div class="share ..." data-title>
 * with its title and, small beside it, what it is about (`sub`).
 */
export function titledBlock(className, title, sub) {
  const div = document.createElement('div');
  div.className = className;
  div.dataset.title = title;
  const h = document.createElement('h3');
  h.textContent = title;
  const small = document.createElement('small');
  small.textContent = sub;
  h.append(small);
  div.append(h);
  return div;
}
