// node ws_watch.mjs URL TYPE SECONDS READY_FILE
// Connects to URL/ws (as the UI does, without a filter), touches READY_FILE once the
// connection is up, and waits for an event of TYPE. Prints that event and exits 0, or
// exits 1 after SECONDS.
import fs from 'node:fs';
import { wsConnect } from './prom.mjs';

const [url, type, secs, ready] = process.argv.slice(2);
const ws = await wsConnect(`${url}/ws`);
if (ready) fs.writeFileSync(ready, 'ok\n');
const deadline = Date.now() + Number(secs) * 1000;
let seen = 0;
for (;;) {
  for (; seen < ws.messages.length; seen++) {
    const ev = (ws.messages[seen].events || []).find((e) => e.type === type);
    if (ev) { console.log(JSON.stringify(ev)); ws.close(); process.exit(0); }
  }
  if (Date.now() > deadline || ws.closed) { console.error(`no ${type} event within ${secs} s`); ws.close(); process.exit(1); }
  await new Promise((r) => setTimeout(r, 50));
}
