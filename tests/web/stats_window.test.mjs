import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatsWindow } from '../../web/app/model/stats_window.js';
import { normalizeStats } from '../../web/app/network/protocol.js';
import { normalizeViewSet } from '../../web/app/model/views.js';
import { MAIL, WEB, frame } from './fixtures.mjs';

const set = normalizeViewSet(frame(MAIL, WEB));
const mail = set.byId.get('postfix');
const web = set.byId.get('nginx');
const close = (a, b, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} ~ ${b}`);

const second = (mailCounts, part, total, webCounts = {}) => normalizeStats({
  shares: [
    { view: 'postfix', title: 'MTA to relay', metric: 'mail_deliveries_total', rows: 'mta', cols: 'relay', counts: mailCounts },
    { view: 'nginx', title: 'LB to app', metric: 'nginx_requests_total', rows: 'lb', cols: 'app', counts: webCounts },
  ],
  ratios: [{ view: 'postfix', title: 'bounce ratio', metric: 'mail_deliveries_total', part, total, value: total ? part / total : null }],
});

test('shares: counts summed over the window, shares recomputed from the sums', () => {
  const w = new StatsWindow(10);
  w.push(second({ mta1: { proxy1: 10, proxy2: 0 } }, 0, 10));
  w.push(second({ mta1: { proxy1: 0, proxy2: 30 }, mta2: { proxy1: 4 } }, 0, 34));
  const [s] = w.shares(mail);
  assert.equal(s.title, 'MTA to relay');
  assert.equal(s.rows, 'mta');
  assert.equal(s.cols, 'relay');
  assert.deepEqual(s.counts, { mta1: { proxy1: 10, proxy2: 30 }, mta2: { proxy1: 4, proxy2: 0 } });
  close(s.shares.mta1.proxy1, 0.25); // not the average of the seconds' shares (0.5)
  close(s.shares.mta1.proxy2, 0.75);
  close(s.shares.mta2.proxy1, 1);
  close(s.matrix.deviation.mta1.proxy2, 0.5);
  const [ws] = w.shares(web);
  assert.equal(ws.title, 'LB to app');
  assert.deepEqual(ws.counts, {}, 'each view sees only its own shares');
});

test('the window forgets seconds older than its size', () => {
  const w = new StatsWindow(2);
  w.push(second({ a: { x: 100 } }, 50, 100));
  w.push(second({ a: { y: 1 } }, 0, 10));
  w.push(second({ a: { y: 1 } }, 0, 10));
  assert.equal(w.seconds, 2);
  assert.deepEqual(w.shares(mail)[0].counts, { a: { y: 2 } });
  assert.equal(w.ratios(mail)[0].value, 0);
});

test('ratios: summed part over summed total, per second of the window; null when nothing counted', () => {
  const w = new StatsWindow(10);
  assert.deepEqual(w.ratios(mail), [{ title: 'bounce ratio', metric: 'mail_deliveries_total', value: null, part: 0, total: 0, perSecond: null }]);
  w.push(second({}, 1, 100));
  w.push(second({}, 29, 100));
  const [r] = w.ratios(mail);
  close(r.value, 0.15);
  assert.equal(r.perSecond, 100);
  assert.equal(w.ratios(web)[0].value, null, 'no stats for the other view\'s ratio');
});
