import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Store, initialState, TOPICS, setPaused, setSpeedExp, setMaxRate, setOrder, setSideTab, toggleType, squelchErrors,
  inspect, setWindowChoice, wantView,
} from '../../web/app/model/store.js';
import { ViewCatalog } from '../../web/app/model/view_catalog.js';
import { Traffic, recordEvent, eventNodes, updateNodeRates } from '../../web/app/model/traffic.js';
import { WindowFigures } from '../../web/app/model/window_figures.js';
import { ArrivalQueue } from '../../web/app/model/arrivals.js';
import { normalizeStats } from '../../web/app/network/protocol.js';
import { connectionLine } from '../../web/app/ui/connection_status.js';
import { MAIL, WEB, frame, MemStorage } from './fixtures.mjs';

/** A store that records which topics were told, in order. */
function recorded(state = initialState()) {
  const store = new Store(state);
  const told = [];
  for (const t of TOPICS) store.subscribe(t, () => told.push(t));
  return { store, told };
}

test('initialState: the preferences kept, bounded; the URL\'s window and view', () => {
  const s = initialState({ prefs: { hidden: ['a', 3, 'b'], speedExp: 9, maxRate: -5, order: 'volume', sideTab: 'nope' }, window: '3600', view: 'nginx' });
  assert.deepEqual([...s.ui.hidden], ['a', 'b']);
  assert.equal(s.ui.speedExp, 2);
  assert.equal(s.ui.speed, 4);
  assert.equal(s.ui.maxRate, 0);
  assert.equal(s.ui.order, 'volume');
  assert.equal(s.ui.sideTab, 'shares');
  assert.equal(s.window.choice, 3600);
  assert.equal(s.views.wanted, 'nginx');
  assert.equal(initialState({ window: 'bogus' }).window.choice, 10);
  assert.equal(initialState({ window: 'all' }).window.choice, 'all');
  assert.equal(initialState({ renderer: 'webgl' }).render.requested, 'webgl');
  assert.equal(initialState({ renderer: 'x' }).render.requested, 'canvas');
});

test('Store: subscribe, notify per topic, unsubscribe; a throwing listener does not stop the others', () => {
  const store = new Store(initialState());
  const seen = [];
  const stop = store.subscribe('speed', (s) => seen.push(s.ui.speed));
  store.subscribe('speed', () => { throw new Error('listener bug'); });
  store.subscribe('speed', () => seen.push('after'));
  const warn = console.warn;
  console.warn = () => {};
  try {
    setSpeedExp(store, 1);
    stop();
    setSpeedExp(store, -1);
  } finally { console.warn = warn; }
  assert.deepEqual(seen, [2, 'after', 'after']);
  assert.throws(() => store.subscribe('nope', () => {}), /unknown store topic/);
});

test('updates change one thing and tell its topic', () => {
  const { store, told } = recorded();
  const ui = store.state.ui;
  setPaused(store, true);
  assert.equal(ui.paused, true);
  inspect(store, { type: 'x' }, 'box2');
  assert.deepEqual([ui.inspected, ui.inspectedDaemon], [{ type: 'x' }, 'box2']);
  setPaused(store, false);   // resuming closes the inspector
  assert.equal(ui.inspected, null);
  assert.equal(ui.inspectedDaemon, null);
  setMaxRate(store, 200);
  assert.equal(ui.maxRate, 200);
  setMaxRate(store, -1);
  assert.equal(ui.maxRate, 0);
  setOrder(store, 'volume');
  setOrder(store, 'sideways');
  assert.equal(ui.order, 'natural');
  setSideTab(store, 'compare');
  assert.equal(ui.sideTab, 'compare');
  toggleType(store, 'permanent');
  assert.ok(ui.hidden.has('permanent'));
  toggleType(store, 'permanent');
  assert.ok(!ui.hidden.has('permanent'));
  setWindowChoice(store, 'all');
  assert.equal(store.state.window.choice, 'all');
  setWindowChoice(store, 86400);
  assert.equal(store.state.window.choice, 86400);
  assert.deepEqual(told, ['paused', 'inspected', 'paused', 'inspected', 'maxRate', 'maxRate', 'order', 'order', 'sideTab', 'hidden', 'hidden', 'window', 'window']);
});

test('squelchErrors hides the view\'s error types, then shows them again', () => {
  const { store } = recorded();
  new ViewCatalog(store).apply(frame(MAIL));
  squelchErrors(store);
  assert.deepEqual([...store.state.ui.hidden].sort(), ['permanent', 'transient']);
  squelchErrors(store);
  assert.deepEqual([...store.state.ui.hidden], []);
});

test('ViewCatalog: the wanted view is drawn; a reload keeps its layout and colours; a tab switches', () => {
  const { store, told } = recorded(initialState({ view: 'nginx' }));
  const catalog = new ViewCatalog(store, new MemStorage());
  catalog.apply(frame(MAIL, WEB));
  const v = store.state.views;
  assert.equal(v.current.id, 'nginx');
  assert.equal(v.received, 1);
  const layout = v.layout, styles = v.styles;
  catalog.apply(frame(MAIL, WEB));
  assert.equal(v.layout, layout, 'same declaration: same layout (its nodes stay)');
  assert.equal(v.styles, styles);
  assert.ok(wantView(store, 'postfix'));
  assert.ok(!wantView(store, 'nope'));
  catalog.show(catalog.byId('postfix'));
  assert.equal(v.current.id, 'postfix');
  assert.deepEqual(told, ['view', 'view', 'view']);
  assert.deepEqual([...catalog.knownTypes()].sort(), ['2xx', '5xx', 'delivered', 'expired', 'inbound', 'permanent', 'transient']);
});

/** A store with the mail view drawn, its traffic model and queue. */
function mailTraffic() {
  const { store, told } = recorded();
  const catalog = new ViewCatalog(store);
  catalog.apply(frame(MAIL, WEB));
  const queue = new ArrivalQueue(64);
  return { store, told, catalog, queue, traffic: new Traffic(store, catalog, queue) };
}

test('Traffic: events are counted, routed by rule, their nodes made in the layout, the current view\'s queued', () => {
  const { store, queue, traffic } = mailTraffic();
  const events = [
    { rule: 'postfix_delivered', type: 'delivered', from: 'mta1', to: 'proxy1', ip: '10.0.0.1' },
    { rule: 'postfix_delivered', type: 'delivered', from: 'mta1', to: 'proxy1', ip: '10.0.0.2' },
    { rule: 'postfix_expired', type: 'expired', to: 'mta2' },
    { rule: 'nginx_access', type: '2xx', from: 'lb1', to: 'app1' },
    { rule: 'unknown_rule', type: 'odd' },
  ];
  traffic.onBatch(events, { dropped: 3, now: 1000 });
  const tr = store.state.traffic;
  assert.equal(tr.eventsReceived, 5);
  assert.equal(tr.dropped, 3);
  assert.deepEqual({ ...tr.receivedByType }, { delivered: 2, expired: 1, '2xx': 1, odd: 1 });
  assert.deepEqual({ ...tr.receivedByView }, { postfix: 3, nginx: 1 });
  assert.equal(tr.notDrawn.otherView, 1);
  assert.equal(tr.notDrawn.noView, 1);
  assert.equal(queue.length, 3);
  const L = store.state.views.layout;
  const mta1 = L.get('mta', 'mta1'), proxy1 = L.get('relay', 'proxy1');
  assert.equal(mta1.count, 2);
  assert.equal(proxy1.count, 2);
  assert.ok(L.hasLink(mta1, proxy1));
  assert.ok(proxy1.toSink, 'delivered goes on to the sink');
  assert.equal(L.get('mta', 'mta2').count, 1, 'a type that stays at its node counts once');
  const ends = {};
  assert.ok(eventNodes(L, store.state.views.styles.of('delivered'), events[0], ends));
  assert.equal(ends.a, mta1);
  assert.equal(ends.b, proxy1);
  assert.ok(!eventNodes(L, store.state.views.styles.of('delivered'), { type: 'delivered', from: 'mta9', to: 'proxy1' }, ends), 'nothing is made by a read');
  assert.equal(L.get('mta', 'mta9'), undefined);
});

test('Traffic: a paused or hidden page counts and records nodes but queues nothing', () => {
  const { store, queue, traffic } = mailTraffic();
  const ev = { rule: 'postfix_delivered', type: 'delivered', from: 'mta1', to: 'proxy1' };
  traffic.onBatch([ev], { hiddenTab: true });
  setPaused(store, true);
  traffic.onBatch([ev, ev], {});
  assert.equal(queue.length, 0);
  assert.equal(store.state.traffic.notDrawn.hiddenTab, 1);
  assert.equal(store.state.traffic.notDrawn.paused, 2);
  assert.equal(store.state.views.layout.get('mta', 'mta1').count, 3, 'the model sees every event, drawn or not');
});

test('Traffic: several daemons tag the nodes they saw; a type seen first tells the legend once', () => {
  const { store, told, traffic } = mailTraffic();
  told.length = 0;
  traffic.onBatch([{ rule: 'postfix_delivered', type: 'delivered', from: 'mta1', to: 'proxy1' }], { daemonName: 'box1' });
  traffic.onBatch([{ rule: 'postfix_delivered', type: 'delivered', from: 'mta1', to: 'proxy2' }], { daemonName: 'box2' });
  traffic.onBatch([{ rule: 'postfix_received', type: 'brand_new', from: 'lb1', to: 'mta1' }], {});
  traffic.onBatch([{ rule: 'postfix_received', type: 'brand_new', from: 'lb1', to: 'mta1' }], {});
  assert.deepEqual([...store.state.views.layout.get('mta', 'mta1').daemons].sort(), ['box1', 'box2']);
  assert.equal(told.filter((t) => t === 'legend').length, 2, 'once for the first batch\'s styles, once for the new type');
});

test('recordEvent and updateNodeRates: per-node events/s, a fold sums its members', () => {
  const { store } = mailTraffic();
  const L = store.state.views.layout;
  const style = store.state.views.styles.of('delivered');
  for (let i = 0; i < 10; i++) recordEvent(L, style, { type: 'delivered', from: 'mta1', to: 'proxy1' });
  updateNodeRates(L, 1000);
  assert.equal(L.get('mta', 'mta1').rate, 10);
  for (let i = 0; i < 5; i++) recordEvent(L, style, { type: 'delivered', from: 'mta1', to: 'proxy1' });
  updateNodeRates(L, 500);
  assert.equal(L.get('mta', 'mta1').rate, 10);
});

test('Traffic.tick: rates, 1 in N, and the queue\'s losses', () => {
  const { store, traffic } = mailTraffic();
  for (let t = 0; t <= 2000; t += 250) traffic.onBatch([{ rule: 'postfix_delivered', type: 'delivered', from: 'm', to: 'r' }], { dropped: 1, now: t });
  traffic.tick(2000, 2);
  const tr = store.state.traffic;
  assert.ok(tr.eventsPerSecond > 0);
  assert.equal(tr.eventsPerSecond, tr.droppedPerSecond);
  assert.equal(tr.oneInN, 2);
  assert.ok(tr.typeRates.has('delivered'));
});

test('WindowFigures: live seconds make the shares, ratios and span of the current view; windows over 5 min use the history', () => {
  let now = 1_700_000_000_000;
  const { store, told } = recorded();
  new ViewCatalog(store).apply(frame(MAIL));
  const figures = new WindowFigures(store, { now: () => now });
  for (let i = 0; i < 3; i++) {
    figures.pushSecond(normalizeStats({
      ts: now - (3 - i) * 1000,
      metrics: { mail_deliveries_total: { kind: 'counter', series: [
        { labels: { mta: 'mta1', relay: 'proxy1', outcome: 'delivered' }, inc: 30 },
        { labels: { mta: 'mta1', relay: 'proxy2', outcome: 'permanent' }, inc: 10 },
      ] } },
      shares: [{ title: 'MTA to relay', counts: { mta1: { proxy1: 30, proxy2: 10 } } }],
      ratios: [{ title: 'bounce ratio', part: 10, total: 40 }],
    }));
  }
  told.length = 0;
  figures.recompute();
  const w = store.state.window;
  assert.deepEqual(told, ['figures']);
  assert.equal(w.span, 'last 3 s');
  assert.equal(w.coverage.seconds, 3);
  assert.equal(w.stamps.length, 3);
  assert.equal(w.shares.length, 1);
  assert.deepEqual(w.shares[0].counts, { mta1: { proxy1: 90, proxy2: 30 } });
  assert.equal(w.ratios[0].title, 'bounce ratio');
  assert.equal(w.metrics, null, 'measurement figures only once the panel wants them');
  setWindowChoice(store, 3600);
  figures.follow(3600);
  assert.ok(figures.history, 'a long window reads the daemons\' minutes');
  assert.equal(figures.usualWindowMs(), 3600000);
  setWindowChoice(store, 86400);
  assert.equal(figures.usualWindowMs(), null, 'no hour before a day is kept');
  figures.follow(60);
  assert.equal(figures.history, null);
  assert.equal(figures.live.size, 60);
});

test('connectionLine: one daemon in words; several as one line', () => {
  const d = (over) => ({ name: 'a', ws: 'ws://a/ws', state: 'open', connection: 'open', reconnects: 0, attempt: 1, retryInMs: null, lastError: '', bytesReceived: 2048, ...over });
  assert.deepEqual(connectionLine({ daemons: [d()], lastSeq: 12 }), { state: 'open', text: 'live', detail: 'seq 12 \u00b7 2 KiB', retry: false });
  assert.equal(connectionLine({ daemons: [d({ reconnects: 2 })], lastSeq: null }).text, 'live (reconnected \u00d72)');
  assert.deepEqual(connectionLine({ daemons: [d({ state: 'closed', connection: 'reconnecting', retryInMs: 2500, lastError: 'closed 1006', attempt: 3 })], lastSeq: 1 }),
    { state: 'reconnecting', text: 'reconnecting in 2.5 s', detail: 'closed 1006 \u00b7 attempt 3', retry: true });
  assert.equal(connectionLine({ daemons: [d({ state: 'connecting', connection: 'connecting', attempt: 2 })], lastSeq: null }).text, 'connecting\u2026 (attempt 2)');
  assert.equal(connectionLine({ daemons: [d(), d()], lastSeq: 1 }).text, 'live \u00b7 2 daemons');
  assert.equal(connectionLine({ daemons: [d(), d({ state: 'closed', connection: 'reconnecting' })], lastSeq: 1 }).text, '1 of 2 daemons live');
  assert.equal(connectionLine({ daemons: [d({ state: 'closed', connection: 'reconnecting' }), d({ state: 'closed', connection: 'reconnecting' })], lastSeq: 1 }).text, 'no daemon reachable');
});

test('Traffic: another view\'s events make its nodes too, so its tab shows them at once', () => {
  const { catalog, traffic } = mailTraffic();
  traffic.onBatch([{ rule: 'nginx_access', type: '2xx', from: 'lb1', to: 'app1' }], {});
  const L = catalog.layoutOf('nginx');
  assert.ok(L, 'a layout for the view not drawn');
  assert.equal(L.get('app', 'app1').count, 1);
  catalog.show(catalog.byId('nginx'));
  assert.equal(catalog.store.state.views.layout, L, 'the same layout is drawn when its tab is chosen');
});
