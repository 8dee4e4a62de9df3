import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MinuteRecords, judge, hourBefore, usualRatios, usualShares, usualSince, MIN_MINUTES, HOUR_MS } from '../../web/app/model/usual.js';
import { windowShares, windowRatios } from '../../web/app/model/stats_window.js';
import { normalizeStats } from '../../web/app/network/protocol.js';
import { normalizeViewSet } from '../../web/app/model/views.js';
import { MAIL, frame } from './fixtures.mjs';
import { rng } from '../lib/lines.mjs';

const mail = normalizeViewSet(frame(MAIL)).byId.get('postfix');
const T0 = 1_764_000_000_000;
const share = (counts) => ({ view: 'postfix', title: 'MTA to relay', metric: 'mail_deliveries_total', rows: 'mta', cols: 'relay', counts });
const ratio = (part, total) => ({ view: 'postfix', title: 'bounce ratio', metric: 'mail_deliveries_total', part, total });
const minute = (m, counts, part, total) => ({ ts: T0 + m * 60000, step: 60, seconds: 60, last_ts: T0 + m * 60000 + 59000,
  shares: [share(counts)], ratios: [ratio(part, total)] });

/** An hour of minutes: ~10% bounces of ~100 a minute, mta1 split evenly over 3 proxies (random counts). */
function hour(seed = 1, daemonShare = 1) {
  const r = rng(seed);
  const out = [];
  for (let m = 0; m < 60; m++) {
    const total = Math.round((90 + r() * 20) * daemonShare);
    let part = 0;
    for (let i = 0; i < total; i++) if (r() < 0.1) part++;
    const counts = { mta1: { proxy1: 0, proxy2: 0, proxy3: 0 } };
    for (let i = 0; i < total; i++) counts.mta1[`proxy${1 + Math.floor(r() * 3)}`]++;
    out.push(minute(m, counts, part, total));
  }
  return { records: out };
}

const win = (counts, part, total) => [normalizeStats({ ts: T0 + 3600000, shares: [share(counts)], ratios: [ratio(part, total)] })];

test('a ratio far from its hour is marked; one within the hour\'s spread is not', () => {
  const m = new MinuteRecords();
  m.add('a', hour(1), T0 + HOUR_MS);
  const minutes = m.minutes(T0, T0 + HOUR_MS);
  assert.equal(minutes.length, 60);
  const odd = windowRatios(win({}, 60, 200), mail, 10);   // 30% bounces in the window
  const [j] = usualRatios(hourBefore(minutes, mail), odd);
  assert.ok(Math.abs(j.usual - 0.1) < 0.02, `usual ${j.usual}`);
  assert.equal(j.unusual, true);
  assert.equal(usualRatios(hourBefore(minutes, mail), windowRatios(win({}, 23, 200), mail, 10))[0].unusual, false, '11.5% of 200 is noise');
  assert.equal(usualRatios(hourBefore(minutes, mail), windowRatios(win({}, 3, 10), mail, 10))[0].unusual, false, '10 counts say too little');
});

test('fewer than 10 minutes with counts: nothing is usual yet', () => {
  const m = new MinuteRecords();
  m.add('a', { records: hour(2).records.slice(0, MIN_MINUTES - 1) }, T0 + HOUR_MS);
  const [j] = usualRatios(hourBefore(m.minutes(T0, T0 + HOUR_MS), mail), windowRatios(win({}, 90, 100), mail, 10));
  assert.deepEqual(j, { usual: null, unusual: false });
});

test('several daemons add up minute by minute; incomplete minutes and old ones are left out', () => {
  const m = new MinuteRecords();
  m.add('a', hour(3, 0.5), T0 + HOUR_MS);
  m.add('b', hour(4, 0.5), T0 + HOUR_MS);
  const minutes = m.minutes(T0, T0 + HOUR_MS);
  assert.equal(minutes.length, 60);
  assert.equal(minutes[0].length, 2, 'both daemons\' minute');
  assert.equal(m.minutes(T0, T0 + 30000).length, 0, 'a minute that ends after `to` is not complete');
  m.add('a', { records: [] }, T0 + 4 * HOUR_MS);
  assert.equal(m.minutes(0, Infinity)[0].length, 1, 'a\'s minutes older than three hours are let go');
  assert.equal(usualSince(T0 + HOUR_MS + 30000, 10000), T0, 'the hour before a 10 s window, from its minute\'s start');
  assert.equal(usualSince(T0 + 2 * HOUR_MS, HOUR_MS) % 60000, 0, 'from a minute\'s start');
});

test('a share cell that moved is named with its usual share; the even ones are not', () => {
  const m = new MinuteRecords();
  m.add('a', hour(5), T0 + HOUR_MS);
  const minutes = m.minutes(T0, T0 + HOUR_MS);
  const sh = windowShares(win({ mta1: { proxy1: 180, proxy2: 60, proxy3: 60 } }, 0, 0), mail);
  const [u] = usualShares(hourBefore(minutes, mail), sh);
  assert.ok(Math.abs(u.usual.mta1.proxy1 - 1 / 3) < 0.03, JSON.stringify(u.usual));
  assert.deepEqual(u.unusual.map((x) => x.col).sort(), ['proxy1', 'proxy2', 'proxy3'], '60% where a third is usual; 20% twice');
  const even = windowShares(win({ mta1: { proxy1: 105, proxy2: 98, proxy3: 97 } }, 0, 0), mail);
  assert.deepEqual(usualShares(hourBefore(minutes, mail), even)[0].unusual, []);
});

test('judge: a value equal to a constant hour is usual, however many counts', () => {
  const flat = Array.from({ length: 20 }, () => ({ part: 0, total: 100 }));
  assert.deepEqual(judge(0, 1000, flat), { usual: 0, unusual: false });
  assert.equal(judge(0.05, 1000, flat).unusual, true, 'sd 0: counting noise alone (none at p = 0) is the floor');
});
