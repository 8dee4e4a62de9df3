// The landing scale right of the sink: which height an event lands at, from one of its
// fields (docs/views.md: octet = first octet of an IPv4 field, 0-255; linear or log =
// a number between min and max), and the ticks drawn beside it. Pure module.

import { firstOctet } from '../network/protocol.js';

/** y of a first octet on the scale: 255 at the top, 0 at the bottom; -1 (unknown) -> middle. */
export function octetToY(octet, top, bottom) {
  if (!(octet >= 0)) return (top + bottom) / 2;
  const o = octet > 255 ? 255 : octet;
  return bottom - (o / 255) * (bottom - top);
}

/** Inverse of octetToY (for tests). */
export function yToOctet(y, top, bottom) {
  const f = (bottom - y) / (bottom - top);
  return Math.round(Math.min(1, Math.max(0, f)) * 255);
}

/** Where `value` sits on the scale, 0 (bottom) .. 1 (top), clamped; NaN when it cannot be read. */
export function scaleFraction(value, scale) {
  if (scale.kind === 'octet') {
    const o = firstOctet(value);
    return o < 0 ? NaN : o / 255;
  }
  const v = typeof value === 'number' ? value : (typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN);
  if (!Number.isFinite(v)) return NaN;
  let f;
  if (scale.kind === 'log') {
    if (v <= 0) return 0;
    f = Math.log(v / scale.min) / Math.log(scale.max / scale.min);
  } else {
    f = (v - scale.min) / (scale.max - scale.min);
  }
  return f < 0 ? 0 : f > 1 ? 1 : f;
}

/** y of an event's field on a scale drawn from `top` (max) to `bottom` (min); unreadable -> middle. */
export function scaleToY(value, scale, top, bottom) {
  const f = scaleFraction(value, scale);
  if (Number.isNaN(f)) return (top + bottom) / 2;
  return bottom - f * (bottom - top);
}

/** A short label for a tick value (1200 -> 1.2k, 0.25 -> 0.25). */
export function tickLabel(v) {
  const a = Math.abs(v);
  if (a >= 1e6) return +(v / 1e6).toPrecision(3) + 'M';
  if (a >= 1e4) return +(v / 1e3).toPrecision(3) + 'k';
  return String(+v.toPrecision(3));
}

/** "Nice" linear ticks (steps of 1, 2 or 5 times a power of ten) between min and max. */
function linearTicks(min, max, want = 6) {
  const raw = (max - min) / want;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) || 10 * p;
  const out = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

/** Log ticks: every power of ten in range; 1-2-5 within decades when the range is short. */
function logTicks(min, max) {
  const lo = Math.floor(Math.log10(min)), hi = Math.ceil(Math.log10(max));
  const steps = hi - lo <= 2 ? [1, 2, 5] : [1];
  const out = [];
  for (let e = lo; e <= hi; e++) {
    for (const m of steps) {
      const v = +(m * Math.pow(10, e)).toPrecision(12);
      if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) out.push(v);
    }
  }
  return out;
}

/** Labelled ticks of a scale, [{value, label, f}] with f its fraction (0 bottom .. 1 top). */
export function scaleTicks(scale) {
  let values;
  if (scale.kind === 'octet') values = [0, 32, 64, 96, 128, 160, 192, 224, 255];
  else if (scale.kind === 'log') values = logTicks(scale.min, scale.max);
  else values = linearTicks(scale.min, scale.max);
  return values.map((v) => ({
    value: v,
    label: tickLabel(v),
    f: scale.kind === 'octet' ? v / 255 : scaleFraction(v, scale),
  }));
}

/** The scale's title above it: the field and how it is read. */
export function scaleTitle(scale) {
  const field = (scale.field || 'value').toUpperCase();
  if (scale.kind === 'octet') return field + ' 1ST OCTET';
  return scale.kind === 'log' ? field + ' (LOG)' : field;
}
