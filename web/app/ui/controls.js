// The controls: pause, speed, window, max rate and reset layout; and the tabs, one per view
// (shown only with several) and one per side panel.

import { SIDE_TABS } from '../model/store.js';
import { $, setText } from './dom.js';

export class Controls {
  /**
   * @param {object} h handlers: onPause(), onSpeed(exp), onMaxRate(n), onWindow('10'|...|'all'),
   *                   onResetLayout(), onChooseView(id), onSideTab(name)
   */
  constructor(h) {
    this.h = h;
    this.tabsKey = '';
    $('pause').addEventListener('click', () => h.onPause());
    $('reset-layout').addEventListener('click', () => h.onResetLayout());
    const speed = $('speed');
    speed.addEventListener('input', () => h.onSpeed(Number(speed.value)));
    $('max-rate').addEventListener('change', (e) => h.onMaxRate(Number(e.target.value)));
    $('window').addEventListener('change', (e) => h.onWindow(e.target.value));
    for (const b of document.querySelectorAll('#side-tabs button')) {
      b.addEventListener('click', () => h.onSideTab(b.dataset.tab));
    }
  }

  setPaused(paused) {
    const p = $('pause');
    p.setAttribute('aria-pressed', paused ? 'true' : 'false');
    p.textContent = paused ? '▶ Resume' : '❚❚ Pause';
    $('paused-badge').hidden = !paused;
  }

  setSpeed(exp) {
    $('speed').value = String(exp);
    const v = Math.pow(2, exp);
    setText($('speed-value'), (v < 1 ? v.toFixed(2).replace(/0$/, '') : v.toFixed(v % 1 ? 1 : 0)) + '×');
  }

  setWindow(w) {
    $('window').value = String(w);
  }

  setMaxRate(n) {
    $('max-rate').value = String(n || 0);
  }

  /** One tab per view, shown only when there are several. */
  setTabs(views, currentId) {
    const nav = $('view-tabs');
    const key = views.map((v) => v.id + '\u0000' + v.title).join('\u0001');
    if (key !== this.tabsKey) {
      this.tabsKey = key;
      nav.replaceChildren(...views.map((v) => {
        const b = document.createElement('button');
        b.className = 'view-tab';
        b.setAttribute('role', 'tab');
        b.dataset.view = v.id;
        b.textContent = v.title;
        b.title = v.file ? `${v.title} (${v.file})` : v.title;
        b.addEventListener('click', () => this.h.onChooseView(v.id));
        return b;
      }));
    }
    nav.hidden = views.length < 2;
    for (const b of nav.children) b.setAttribute('aria-selected', b.dataset.view === currentId ? 'true' : 'false');
  }

  /** The side panel's tab: shares, measurements or rules. */
  setSideTab(name) {
    for (const b of document.querySelectorAll('#side-tabs button')) {
      b.setAttribute('aria-selected', b.dataset.tab === name ? 'true' : 'false');
    }
    for (const t of SIDE_TABS) $(t + '-panel').hidden = t !== name;
  }
}
