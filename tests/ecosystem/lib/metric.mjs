// node metric.mjs URL NAME [label=value ...]
// Prints the sum of the series of NAME in URL/metrics whose labels include the given
// ones (0 when none matches). Exits 2 when /metrics cannot be fetched.
import { parseExposition } from './prom.mjs';

const [url, name, ...want] = process.argv.slice(2);
const pairs = want.map((kv) => { const i = kv.indexOf('='); return [kv.slice(0, i), kv.slice(i + 1)]; });
let text;
try {
  const res = await fetch(`${url}/metrics`);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  text = await res.text();
} catch (e) {
  console.error(`metric: ${url}/metrics: ${e.message}`);
  process.exit(2);
}
let sum = 0;
for (const s of parseExposition(text)) {
  if (s.name !== name) continue;
  if (pairs.every(([k, v]) => s.labels[k] === v)) sum += s.value;
}
console.log(String(sum));
