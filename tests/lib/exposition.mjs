// The one Prometheus text-exposition parser of the JS test suites. No npm dependency, so
// any suite can import it.

// Prometheus text exposition, parsed: [{name, labels, value}].
export function parseExposition(text) {
  const series = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    let i = 0;
    while (i < line.length && line[i] !== '{' && line[i] !== ' ') i++;
    const name = line.slice(0, i);
    const labels = {};
    if (line[i] === '{') {
      i++;
      while (line[i] !== '}') {
        const eq = line.indexOf('=', i);
        const key = line.slice(i, eq).trim();
        if (line[eq + 1] !== '"') throw new Error(`bad label in: ${line}`);
        let j = eq + 2;
        let value = '';
        while (line[j] !== '"') {
          if (j >= line.length) throw new Error(`unterminated label value in: ${line}`);
          if (line[j] === '\\') {
            const n = line[j + 1];
            value += n === 'n' ? '\n' : n;
            j += 2;
          } else {
            value += line[j++];
          }
        }
        labels[key] = value;
        i = j + 1;
        if (line[i] === ',') i++;
      }
      i++;
    }
    const rest = line.slice(i).trim().split(/\s+/);
    series.push({ name, labels, value: Number(rest[0]) });
  }
  return series;
}

export class Metrics {
  constructor(text) {
    this.text = text;
    this.series = parseExposition(text);
  }
  // The series of `name` whose labels include all of `labels`.
  select(name, labels = {}) {
    return this.series.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  }
  // The value of the one series with exactly these labels (undefined if absent).
  value(name, labels = {}) {
    const want = Object.keys(labels).length;
    const s = this.select(name, labels).find((x) => Object.keys(x.labels).length === want);
    return s?.value;
  }
  sum(name, labels = {}) {
    return this.select(name, labels).reduce((a, s) => a + s.value, 0);
  }
  has(name) { return this.series.some((s) => s.name === name) || this.text.includes(`# TYPE ${name} `); }
}

