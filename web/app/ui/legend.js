// The legend: one entry per type of the view drawn (click hides or shows it), each with its
// rate, and the "squelch errors" toggle. Rebuilt when the types or colours change, else only
// toggled; rates change 4 times a second.

import { formatCount } from '../model/rates.js';
import { $, setText } from './dom.js';

export class Legend {
  /** @param {object} h handlers: onToggleType(type), onSquelch() */
  constructor(h) {
    this.h = h;
    this.legendItems = new Map();   // type -> {button, rate}
    this.legendKey = null;   // null: nothing drawn yet (an empty legend is drawn too)
    $('squelch').addEventListener('click', () => h.onSquelch());
  }

  /** The legend from legendModel(): rebuilt when its types or colours change, else only toggled. */
  set(model) {
    const key = model.entries.map((e) => e.type + '\u0000' + e.css).join('\u0001');
    if (key !== this.legendKey) {
      this.legendKey = key;
      this.legendItems.clear();
      const legend = $('legend');
      const buttons = model.entries.map((e) => {
        const b = document.createElement('button');
        b.className = 'legend-item';
        b.dataset.type = e.type;
        b.title = `Show or hide ${e.type}` + (e.declared ? '' : ' (not declared by the view: colour from the palette)') +
          ' \u2014 hidden types are filtered by the server too';
        const sw = document.createElement('span');
        sw.className = 'swatch';
        sw.style.background = e.css;
        sw.style.boxShadow = `0 0 6px ${e.css}`;
        const name = document.createElement('span');
        name.className = 'name';
        name.textContent = e.type;
        const rate = document.createElement('span');
        rate.className = 'rate';
        b.append(sw, name, rate);
        b.addEventListener('click', () => this.h.onToggleType(e.type));
        this.legendItems.set(e.type, { button: b, rate });
        return b;
      });
      if (!buttons.length) {
        const p = document.createElement('p');
        p.className = 'muted';
        p.textContent = 'no types yet';
        legend.replaceChildren(p);
      } else {
        legend.replaceChildren(...buttons);
      }
    }
    for (const e of model.entries) this.legendItems.get(e.type).button.setAttribute('aria-pressed', e.hidden ? 'false' : 'true');
    const s = $('squelch');
    s.hidden = !model.squelch.shown;
    s.setAttribute('aria-pressed', model.squelch.pressed ? 'true' : 'false');
    s.title = `Hide ${model.squelch.types.join(' and ')} here and ask the server not to send them`;
    setText($('squelch-text'), model.squelch.pressed ? 'Errors squelched \u2713' : 'Squelch errors');
    setText($('squelch-types'), model.squelch.types.join(' + '));
  }

  /** Each type's events/s (smoothed, model/traffic.js). */
  rates(typeRates) {
    for (const [type, it] of this.legendItems) {
      const r = typeRates.get(type) || 0;
      setText(it.rate, r >= 0.5 ? formatCount(r) + '/s' : '');
    }
  }
}
