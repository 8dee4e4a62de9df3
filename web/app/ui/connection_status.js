// The top bar's connection line, from the store: one daemon's state in words ("live",
// "reconnecting in 2.5 s"), or one line for several daemons and a dot per daemon. Pure
// functions; ui/top_bar.js puts them on the page.

import { formatBytes } from './units.js';

/**
 * What the connection box says: {state, text, detail, retry} (retry: show "retry now").
 * @param {object} net  state.net of the store
 */
export function connectionLine(net) {
  const list = net.daemons;
  if (list.length > 1) return severalLine(list);
  const d = list[0];
  if (!d) return { state: 'idle', text: 'idle', detail: '', retry: false };
  const st = d.connection;
  if (st === 'open') {
    const seq = net.lastSeq !== null ? `seq ${net.lastSeq}` : 'waiting for data';
    return { state: 'open', text: d.reconnects ? `live (reconnected \u00d7${d.reconnects})` : 'live', detail: `${seq} \u00b7 ${formatBytes(d.bytesReceived)}`, retry: false };
  }
  if (st === 'connecting') {
    return { state: 'connecting', text: d.attempt > 1 ? `connecting\u2026 (attempt ${d.attempt})` : 'connecting\u2026', detail: d.ws, retry: false };
  }
  if (st === 'reconnecting') {
    const secs = Math.max(0, (d.retryInMs || 0) / 1000);
    return { state: 'reconnecting', text: `reconnecting in ${secs.toFixed(1)} s`, detail: `${d.lastError || 'disconnected'} \u00b7 attempt ${d.attempt}`, retry: true };
  }
  return { state: st, text: st, detail: '', retry: false };
}

/** Several daemons: "live · 3 daemons", "2 of 3 daemons live", "no daemon reachable". */
function severalLine(list) {
  const total = list.length;
  const open = list.filter((x) => x.state === 'open').length;
  const anyConnecting = list.some((x) => x.state === 'connecting');
  const whole = open === total ? 'open' : open > 0 ? 'partial' : anyConnecting ? 'connecting' : 'closed';
  const state = whole === 'open' ? 'open' : whole === 'closed' ? 'reconnecting' : 'connecting';
  const text = whole === 'open' ? `live \u00b7 ${total} daemons`
    : open > 0 ? `${open} of ${total} daemons live`
      : whole === 'connecting' ? `connecting to ${total} daemons\u2026` : 'no daemon reachable';
  return { state, text, detail: '', retry: list.some((x) => x.connection === 'reconnecting') };
}
