// Small DOM helpers the UI's parts share.

export const $ = (id) => document.getElementById(id);

/** Set an element's text only when it changed (no layout work 4 times a second for nothing). */
export function setText(el, text) {
  if (el && el.textContent !== text) el.textContent = text;
}
