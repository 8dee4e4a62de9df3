// Over the picture: the inspector (a paused dot's event as JSON, its type's colour, the
// daemon it came from) and a notice that goes away by itself ("Reconnected — ...").

import { $ } from './dom.js';

export class Inspector {
  /** @param {object} h handlers: onClose() */
  constructor(h) {
    $('inspector-close').addEventListener('click', () => h.onClose());
    this.noticeTimer = null;
  }

  notice(text, ms = 8000) {
    const n = $('notice');
    n.textContent = text;
    n.hidden = false;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => { n.hidden = true; }, ms);
  }

  /** Show an event's JSON (paused, clicked dot); `css` is its type's colour; `daemon` the daemon it came from. */
  show(ev, css, daemon = null) {
    const box = $('inspector');
    if (!ev) { box.hidden = true; return; }
    let when = '';
    if (Number.isFinite(ev.ts)) {
      const d = new Date(ev.ts);
      when = ' · ' + d.toLocaleTimeString('en-GB', { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0');
    }
    const title = $('inspector-title');
    title.textContent = '';
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.cssText = `display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:7px;background:${css || '#9aa4ae'}`;
    title.append(sw, document.createTextNode(String(ev.type) + when));
    if (daemon) {
      const from = document.createElement('span');
      from.className = 'from-daemon';
      from.textContent = ` \u00b7 from ${daemon}`;
      from.title = 'the daemon (box) that sent this event';
      title.append(from);
    }
    let json;
    try { json = JSON.stringify(ev, null, 2); } catch (_) { json = String(ev); }
    $('inspector-json').textContent = json;
    box.hidden = false;
  }
}
