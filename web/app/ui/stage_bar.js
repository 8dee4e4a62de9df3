// The strip above the traffic picture: the view's title (shown even with one view loaded),
// node order (natural or by volume), zoom (-, +, reset), and the list a fold ("…more")
// opens on click. DOM only.

import { formatCount } from '../model/rates.js';
import { $ } from './dom.js';

export class StageBar {
  /** @param {object} h handlers: onOrder(mode), onZoom(factor), onZoomReset() */
  constructor(h) {
    this.h = h;
    this.fold = null;            // the fold node whose list is open
    $('node-order').addEventListener('change', (e) => h.onOrder(e.target.value));
    $('zoom-in').addEventListener('click', () => h.onZoom(1.25));
    $('zoom-out').addEventListener('click', () => h.onZoom(0.8));
    $('zoom-reset').addEventListener('click', () => h.onZoomReset());
    $('fold-close').addEventListener('click', () => this.closeFold());
  }

  setTitle(view) {
    const t = $('view-title');
    t.textContent = view.title;
    t.title = view.file ? `${view.title} (${view.file})` : view.title;
  }

  setOrder(mode) { $('node-order').value = mode; }

  setZoom(cam) {
    const z = cam ? cam.zoom : 1;
    $('zoom-level').textContent = Math.round(z * 100) + '%';
    $('zoom-reset').disabled = !cam || (z === 1 && cam.scrollX === 0 && cam.scrollY === 0);
  }

  /** Open a fold's list: every node it holds, busiest first, with its rate. */
  openFold(fold, tierTitle) {
    this.fold = fold;
    $('fold-title').textContent = `${tierTitle}: ${fold.members.length} more`;
    this.refreshFold();
    $('fold-list').hidden = false;
  }

  closeFold() {
    this.fold = null;
    $('fold-list').hidden = true;
  }

  /** Re-list the open fold (its members change as counts move on). */
  refreshFold() {
    if (!this.fold) return;
    const items = this.fold.members.map((n) => {
      const li = document.createElement('li');
      li.dataset.name = n.name;
      const name = document.createElement('span');
      name.textContent = n.name;
      const rate = document.createElement('small');
      rate.textContent = n.rate >= 0.5 ? formatCount(n.rate) + '/s' : formatCount(n.count) + ' total';
      li.append(name, rate);
      return li;
    });
    $('fold-items').replaceChildren(...items);
  }

  /** Names listed by the open fold (for the test hook). */
  openFoldNames() {
    return this.fold ? { tier: this.fold.tier, names: this.fold.members.map((n) => n.name) } : null;
  }
}
