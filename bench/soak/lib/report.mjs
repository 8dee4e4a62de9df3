// How the soak prints: one line per period while it runs, the targets at the end.
export const fmt = (n) => Math.round(n).toLocaleString('en-US');
export const mib = (kib) => `${(kib / 1024).toFixed(1)} MiB`;

export function reportLine(r) {
  const ws = r.ws;
  return `[${String(r.t).padStart(4)} s] ${fmt(r.rateAchieved)} lines/s; in ${fmt(r.linesIn)}, counted ${fmt(r.counted)}` +
    ` | RSS ${mib(r.rssKiB)} | fds ${r.fds}` +
    ` | ws ${ws.open} open (${r.wsClientsMetric} per /metrics), ${ws.stalled} stalled, max/s steady ${ws.max.steady}` +
    ` stalling ${ws.max.chaos} after-resume ${ws.max.chaosAfterResume}, over cap ${ws.overCap.length} (${ws.overCap.filter((x) => x.cause === 'admitted').length} admitted)` +
    ` | reloads ok ${r.reloads.ok} failed ${r.reloads.failed}` +
    ` | idle ${r.idle.open} open, ${r.idle.refused} refused, ${r.idle.timedOut} timed out, ${r.idle.failed} failed` +
    ` | slowloris ${r.slow.open} open, ${r.slow.timedOut} cut off` +
    ` | load ${r.load.map((x) => x.toFixed(1)).join(' ')}, ws loop delay max ${ws.loopDelayMaxMs.toFixed(0)} ms` +
    (r.behind ? ` | writers ${fmt(r.behind)} lines behind` : '') + (r.metricsFailures ? ` | /metrics failed ${r.metricsFailures}x` : '');
}

// Prints each target as met or MISSED; returns true when all are met.
export function printTargets(targets) {
  console.log('\ntargets:');
  for (const t of targets) console.log(`  ${t.ok ? 'met   ' : 'MISSED'}  ${t.name}: ${t.detail}`);
  const missed = targets.filter((t) => !t.ok);
  console.log(missed.length ? `\nsoak: ${missed.length} target(s) missed: ${missed.map((t) => t.name).join('; ')}` : '\nsoak: every target met');
  return missed.length === 0;
}
