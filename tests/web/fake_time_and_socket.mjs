// Test doubles shared by the connection and daemon-set tests: a WebSocket the test drives
// by hand, and a clock with timers that only move when the test advances them.

export class FakeWS {
  static all = [];
  constructor(url) { this.url = url; this.sent = []; this.closed = false; FakeWS.all.push(this); }
  send(t) { this.sent.push(JSON.parse(t)); }
  close() { this.closed = true; }
  open() { this.onopen(); }
  msg(o) { this.onmessage({ data: typeof o === 'string' ? o : JSON.stringify(o) }); }
  drop(code = 1006) { this.onclose({ code }); }
}

/** {now, setTimeout, clearTimeout, advance(ms), timers}: timers fire in time order on advance. */
export function fakeClock() {
  const timers = [];
  let now = 0;
  const advance = (ms) => {
    const end = now + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const t = timers[0];
      if (!t || t.at > end) break;
      timers.shift();
      now = t.at;
      t.fn();
    }
    now = end;
  };
  return {
    timers, advance, now: () => now,
    setTimeout: (fn, ms) => { const t = { fn, at: now + ms }; timers.push(t); return t; },
    clearTimeout: (t) => { const i = timers.indexOf(t); if (i >= 0) timers.splice(i, 1); },
  };
}
