import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HistoryWindow, MAX_LIVE_WITHOUT_HISTORY } from '../../web/app/model/history_window.js';
import { parseWindow, windowLabel, windowShares, windowRatios, StatsWindow, LIVE_SECONDS } from '../../web/app/model/stats_window.js';
import { normalizeStats } from '../../web/app/network/protocol.js';
import { normalizeViewSet } from '../../web/app/model/views.js';
import { MAIL, frame } from './fixtures.mjs';

const mail = normalizeViewSet(frame(MAIL)).byId.get('postfix');
const T0 = 1_764_000_000_000;   // a minute's start

const share = (counts) => ({ view: 'postfix', title: 'MTA to relay', metric: 'mail_deliveries_total', rows: 'mta', cols: 'relay', counts });
const ratio = (part, total) => ({ view: 'postfix', title: 'bounce ratio', metric: 'mail_deliveries_total', part, total });
/** A record of api/stats?step=60 for minute `m` holding seconds [first, last] of it. */
const minute = (m, seconds, counts, part, total, lastSecond = 59) => ({
  ts: T0 + m * 60000, step: 60, seconds, last_ts: T0 + m * 60000 + lastSecond * 1000,
  shares: [share(counts)], ratios: [ratio(part, total)],
});
const live = (ts, counts, part, total) => normalizeStats({ ts, shares: [share(counts)], ratios: [ratio(part, total)] });

test('?window= takes the offered spans and "all"; anything else is the 10 s default', () => {
  assert.equal(parseWindow('3600'), 3600);
  assert.equal(parseWindow('all'), 'all');
  assert.equal(parseWindow(86400), 86400);
  for (const bad of ['7', '-60', '1e3', '', null, undefined, '3600abc']) assert.equal(parseWindow(bad), 10, String(bad));
  assert.deepEqual([10, 60, 300, 3600, 86400, 'all'].map(windowLabel), ['10 s', '1 min', '5 min', '1 h', '24 h', 'since start']);
});

test('history plus the live seconds after its newest second: none counted twice, none lost', () => {
  const h = new HistoryWindow(3600);
  // Seconds arrive before the history does (the fetch is slower than the socket).
  h.push('a', live(T0 + 120000 + 29000, { mta1: { proxy1: 100 } }, 0, 100));   // in the history too
  h.push('a', live(T0 + 120000 + 30000, { mta1: { proxy1: 7 } }, 1, 7));       // after it
  assert.equal(h.contents(T0 + 200000).loading, true);
  h.setHistory('a', { records: [
    minute(0, 60, { mta1: { proxy1: 10, proxy2: 10 } }, 2, 20),
    minute(1, 60, { mta2: { proxy1: 5 } }, 0, 5),
    minute(2, 30, { mta1: { proxy1: 100 } }, 0, 100, 29),   // the current minute, up to :29
  ] });
  h.push('a', live(T0 + 120000 + 31000, { mta1: { proxy2: 3 } }, 0, 3));
  h.push('a', live(T0 + 120000 + 20000, { mta1: { proxy2: 999 } }, 0, 999));   // late: in the history
  const c = h.contents(T0 + 200000);
  assert.equal(c.loading, false);
  assert.equal(c.seconds, 60 + 60 + 30 + 2);
  assert.equal(c.from, T0);
  const [s] = windowShares(c.records, mail);
  assert.deepEqual(s.counts, { mta1: { proxy1: 117, proxy2: 13 }, mta2: { proxy1: 5, proxy2: 0 } });
  const [r] = windowRatios(c.records, mail, c.seconds);
  assert.equal(r.part, 3);
  assert.equal(r.total, 135);
  assert.equal(r.perSecond, 135 / 152);
});

test('an hour leaves out the minutes that ended before it; since start takes the one record', () => {
  const h = new HistoryWindow(3600);
  h.setHistory('a', { records: [minute(0, 60, { a: { x: 1 } }, 0, 1), minute(61, 60, { a: { x: 2 } }, 0, 2), minute(62, 10, { a: { x: 4 } }, 0, 4, 9)] });
  const now = T0 + 62 * 60000 + 10000;
  assert.deepEqual(windowShares(h.contents(now).records, mail)[0].counts, { a: { x: 6 } }, 'minute 0 ended more than an hour ago');
  const all = new HistoryWindow('all');
  assert.equal(all.query, 'step=all');
  all.setHistory('a', { records: [{ ts: T0, seconds: 3730, last_ts: now - 1000, shares: [share({ a: { x: 7 } })], ratios: [] }] });
  all.push('a', live(now, { a: { x: 1 } }, 0, 0));
  const c = all.contents(now);
  assert.equal(c.seconds, 3731);
  assert.deepEqual(windowShares(c.records, mail)[0].counts, { a: { x: 8 } });
});

test('several daemons: their minutes add up, the span is not multiplied; one without history is named', () => {
  const h = new HistoryWindow(86400);
  h.setHistory('a', { records: [minute(0, 60, { m: { p: 10 } }, 1, 10)] });
  h.setHistory('b', { records: [minute(0, 60, { m: { p: 5 } }, 1, 5)] });
  h.historyFailed('c');
  h.push('c', live(T0 + 5000, { m: { q: 2 } }, 0, 2));
  const c = h.contents(T0 + 60000);
  assert.equal(c.seconds, 60);
  assert.deepEqual(c.partial, ['c']);
  assert.deepEqual(windowShares(c.records, mail)[0].counts, { m: { p: 15, q: 2 } });
  assert.equal(windowRatios(c.records, mail, c.seconds)[0].total, 17);
  h.historyFailed('a');
  assert.deepEqual(h.contents(T0 + 60000).partial, ['c'], 'a failed refresh keeps what was read');
});

test('bounded: live seconds of a daemon without history stop at an hour; with history at a few minutes', () => {
  const h = new HistoryWindow(86400);
  h.historyFailed('x');
  for (let i = 0; i < MAX_LIVE_WITHOUT_HISTORY + 50; i++) h.push('x', live(T0 + i * 1000, {}, 0, 0));
  assert.equal(h.daemons.get('x').live.length, MAX_LIVE_WITHOUT_HISTORY);
  h.setHistory('y', { records: [] });
  for (let i = 0; i < 10 * LIVE_SECONDS; i++) h.push('y', live(T0 + i * 1000, {}, 0, 0));
  assert.ok(h.daemons.get('y').live.length <= 5 * LIVE_SECONDS);
});

test('the live window keeps 5 minutes and sums the last N of them', () => {
  const w = new StatsWindow(10);
  for (let i = 0; i < LIVE_SECONDS + 20; i++) w.push(live(T0 + i * 1000, { a: { x: 1 } }, 0, 1));
  assert.equal(w.items.length, LIVE_SECONDS);
  assert.equal(w.seconds, 10);
  assert.deepEqual(w.shares(mail)[0].counts, { a: { x: 10 } });
  w.setSize(300);
  assert.deepEqual(w.shares(mail)[0].counts, { a: { x: 300 } }, 'a longer choice is full at once');
  assert.equal(w.ratios(mail)[0].perSecond, 1);
});

test('the seconds before the page opened go before the live ones, whichever arrived first', () => {
  const w = new StatsWindow(300);
  w.push(live(T0 + 5000, { a: { x: 5 } }, 0, 5));   // a live frame came before the api/stats answer
  w.backfill([3000, 4000, 5000].map((t) => live(T0 + t, { a: { x: 1 } }, 0, 1)));
  assert.deepEqual(w.items.map((x) => x.ts - T0), [3000, 4000, 5000], 'the second both brought is counted once');
  assert.deepEqual(w.shares(mail)[0].counts, { a: { x: 7 } });
  const empty = new StatsWindow(10);
  empty.backfill(Array.from({ length: LIVE_SECONDS + 5 }, (_, i) => live(T0 + i * 1000, {}, 0, 0)));
  assert.equal(empty.items.length, LIVE_SECONDS);
});

test('a day is read once, then only from the newest minute held: the older minutes stay', () => {
  const h = new HistoryWindow(86400);
  assert.equal(h.since('a'), null, 'nothing held: all of it');
  h.setHistory('a', { records: [minute(0, 60, { a: { x: 1 } }, 0, 1), minute(1, 60, { a: { x: 2 } }, 0, 2), minute(2, 20, { a: { x: 4 } }, 0, 4, 19)] }, null, T0 + 150000);
  assert.equal(h.since('a'), T0 + 120000, 'the minute that was not complete');
  h.setHistory('a', { records: [minute(2, 60, { a: { x: 5 } }, 0, 5), minute(3, 10, { a: { x: 1 } }, 0, 1, 9)] }, T0 + 120000, T0 + 190000);
  const c = h.contents(T0 + 190000);
  assert.deepEqual(windowShares(c.records, mail)[0].counts, { a: { x: 9 } }, 'minute 2 replaced, 0 and 1 kept');
  assert.equal(c.seconds, 60 + 60 + 60 + 10);
  const all = new HistoryWindow('all');
  all.setHistory('a', { records: [] });
  assert.equal(all.since('a'), null, 'since start is one record: always read whole');
});

test('a day is summed an hour at a time: a new minute re-sums only its hour, and the counts stay exact', () => {
  const h = new HistoryWindow(86400);
  const recs = Array.from({ length: 150 }, (_, m) => minute(m, 60, { a: { x: 1 } }, m % 2, 2));
  h.setHistory('a', { records: recs }, null, T0 + 150 * 60000);
  let c = h.contents(T0 + 150 * 60000);
  assert.deepEqual(windowShares(c.records, mail)[0].counts, { a: { x: 150 } });
  assert.equal(windowRatios(c.records, mail, c.seconds)[0].part, 75);
  assert.ok(c.records.length <= 4, `three hours' sums and the newest minute: ${c.records.length} records`);
  const first = h.daemons.get('a').hours.get(Math.floor(T0 / 3600000));
  h.setHistory('a', { records: [minute(149, 60, { a: { x: 1 } }, 1, 2), minute(150, 10, { a: { x: 5 } }, 0, 5, 9)] }, T0 + 149 * 60000, T0 + 151 * 60000);
  c = h.contents(T0 + 151 * 60000);
  assert.deepEqual(windowShares(c.records, mail)[0].counts, { a: { x: 155 } });
  assert.equal(h.daemons.get('a').hours.get(Math.floor(T0 / 3600000)).sum, first.sum, 'the first hour was not summed again');
});
