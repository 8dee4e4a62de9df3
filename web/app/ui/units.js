// Numbers with their unit, for the top bar and the measurements panel alike. Pure module.

export const DASH = '\u2013';
export const stripZero = (s) => s.replace(/\.0$/, '');

/** v in the largest unit of `steps` ([[scale, unit], ...], ascending) that a reaches. */
export function scaled(v, a, steps) {
  let [scale, unit] = steps[0];
  for (const step of steps) if (a >= step[0]) [scale, unit] = step;
  const s = v / scale;
  return (Math.abs(s) < 10 ? stripZero(s.toFixed(1)) : String(Math.round(s))) + ' ' + unit;
}

/** Bytes with a binary unit: 512 B, 1.5 KiB, 34 MiB. */
export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return DASH;
  const a = Math.abs(bytes);
  if (a < 1024) return (a < 10 ? stripZero(bytes.toFixed(1)) : String(Math.round(bytes))) + ' B';
  return scaled(bytes, a, [[1024, 'KiB'], [1024 ** 2, 'MiB'], [1024 ** 3, 'GiB'], [1024 ** 4, 'TiB']]);
}
