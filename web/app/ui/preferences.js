// What the page keeps for next time in localStorage: hidden types, speed, max rate, the side
// tab and the node order. A browser that refuses storage (privacy mode, quota) just gets
// the defaults each time.

const UI_KEY = 'tapemeasure.ui.v1';

/** localStorage if the page may use it, else null. */
export function pageStorage() {
  try {
    const s = window.localStorage;
    s.getItem(UI_KEY);
    return s;
  } catch (_) {
    return null;
  }
}

export function loadPreferences(storage) {
  try { return JSON.parse(storage && storage.getItem(UI_KEY)) || {}; } catch (_) { return {}; }
}

/** Keep the person's choices (state.ui of the store). */
export function savePreferences(storage, ui) {
  try {
    storage && storage.setItem(UI_KEY, JSON.stringify({ hidden: [...ui.hidden], speedExp: ui.speedExp, maxRate: ui.maxRate, sideTab: ui.sideTab, order: ui.order }));
  } catch (_) { /* ignore */ }
}
