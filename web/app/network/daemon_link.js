// The page's link to its daemons: the daemon set (daemons.js: one connection each, with its
// own backoff and seq), what each frame brings written into the store (counters, events to
// the traffic model, views to the catalog, seconds merged over the daemons to the window),
// the connection summary, and the one-off reads at start (api/view, api/peers, api/stats).

import { wantedTypes, normalizeStats } from './protocol.js';
import { DaemonSet, daemonTargets } from './daemons.js';
import { StatsMerge } from './stats_merge.js';
import { describeResume } from './backoff.js';
import { fetchJson } from './fetch_json.js';

export class DaemonLink {
  /**
   * @param {object} o
   * @param {Store} o.store
   * @param {ViewCatalog} o.catalog
   * @param {Traffic} o.traffic
   * @param {WindowFigures} o.figures
   * @param {string} o.pageHref           the page's URL: its own daemon, and ?ws= / ?daemons=
   * @param {URLSearchParams} o.params
   * @param {(text: string) => void} o.onNotice  a line for the person ("Reconnected — ...")
   * @param {() => boolean} [o.hiddenTab] the page is not visible
   */
  constructor({ store, catalog, traffic, figures, pageHref, params, onNotice, hiddenTab = () => false }) {
    this.store = store;
    this.catalog = catalog;
    this.traffic = traffic;
    this.figures = figures;
    this.pageHref = pageHref;
    this.wsOverride = params.get('ws');
    this.onNotice = onNotice;
    this.hiddenTab = hiddenTab;
    this.eventDaemon = new WeakMap();   // event -> its daemon's name (several daemons: the inspector)
    this.viewSource = null;             // the daemon whose views are drawn
    this.viewFromWs = false;            // a view frame arrived: the api/view answer is older
    this.onHistoryWanted = null;        // set by main: the daemons changed, read their minutes

    const daemonsParam = params.get('daemons');
    this.listed = daemonsParam !== null;   // ?daemons= names exactly who to watch
    this.set = new DaemonSet({
      connection: { backoff: { base: 500, max: 15000 } },
      onBatch: (d, b) => this.onBatch(d, b),
      onStats: (d, s) => this.onDaemonStats(d, s),
      onView: (d, raw) => this.onDaemonView(d, raw),
      onState: (d, state) => this.onDaemonState(d, state),
    });
    for (const t of daemonTargets({ pageHref, wsOverride: this.wsOverride, daemonsParam })) this.set.add(t);
    this.merge = new StatsMerge({ reloadFrom: this.set.list[0].id });
    this.merge.setCount(this.set.size);
    const net = store.state.net;
    net.wsUrl = this.set.list[0].wsUrl;
    this.set.setFilter(wantedTypes(store.state.ui.hidden, catalog.knownTypes()));
    net.filter = this.set.filter;
    if (store.state.ui.maxRate) this.set.userRate = store.state.ui.maxRate;
    this.set.applyRates();
    net.daemons = this.set.snapshot();
    /** Is the page served by one of the daemons it watches (its api/ paths answer for it)? */
    const ownBase = new URL('.', pageHref).toString();
    this.servedByWatched = !this.listed || this.set.list.some((d) => d.url === ownBase);
  }

  get several() { return this.set.size > 1; }

  /** Who sent an event (several daemons; null with one). */
  daemonOf(ev) { return this.eventDaemon.get(ev) || null; }

  /** A daemon's name from its id (the window's text names the partial ones). */
  nameOf(id) { const d = this.set.byId(id); return d ? d.name : id; }

  start() { this.set.start(); }

  // ---- frames -------------------------------------------------------------------

  onBatch(d, b) {
    const net = this.store.state.net;
    const evs = b.events;
    const several = this.several;
    net.framesReceived++;
    if (b.seq !== null) net.lastSeq = several ? this.sumOfSeqs() : b.seq;
    net.missedFrames = several ? this.set.list.reduce((a, x) => a + x.conn.seq.missedFrames, 0) : d.conn.seq.missedFrames;
    net.lastResume = d.conn.seq.lastResume;
    const name = several ? d.name : null;
    if (several) for (let i = 0; i < evs.length; i++) this.eventDaemon.set(evs[i], name);
    this.traffic.onBatch(evs, { dropped: b.dropped, daemonName: name, now: performance.now(), hiddenTab: this.hiddenTab() });
  }

  /** Several daemons: the events they matched, added up (the top bar's "seq"). */
  sumOfSeqs() {
    let sum = 0;
    for (const x of this.set.list) sum += x.conn.seq.lastSeq || 0;
    return sum;
  }

  /** A daemon's stats frame: merged with the other daemons' of the same second (stats_merge.js). */
  onDaemonStats(d, s) {
    this.figures.pushDaemonSecond(d.id, s);
    for (const merged of this.merge.push(d.id, s, Date.now())) this.takeSecond(merged);
  }

  /** A merged second: the last stats, the window's figures, the panels that take every second. */
  takeSecond(s) {
    if (s.daemons) s.daemons = s.daemons.map((id) => { const d = this.set.byId(id); return d ? d.url : id; });
    const { raw, shares, ratios, metrics, reload, ...rest } = s;
    this.store.state.window.stats = rest;
    this.store.state.window.lastRaw = raw;
    this.figures.pushSecond(s);
    this.figures.recompute();
    this.store.notify('second');
  }

  /**
   * Several daemons send their views (the same rules, usually): the page draws one daemon's,
   * the first watched that is connected, so a reconnect of another does not redraw it.
   */
  onDaemonView(d, raw) {
    const src = this.viewSource;
    if (src === null || src === d || src.conn.state !== 'open' || d.index < src.index) {
      this.viewSource = d;
      this.viewFromWs = true;
      this.catalog.apply(raw);
    }
  }

  onDaemonState(d, state) {
    for (const merged of this.merge.setLive(d.id, state === 'open', Date.now())) this.takeSecond(merged);
    // hidden types survive reconnects: Connection re-sends the filter (and max_rate) itself
    const net = this.store.state.net;
    const c = d.conn;
    if (!this.several) {
      net.connection = state;
      net.connects = c.connects;
      net.reconnects = c.reconnects;
    } else {
      const sum = this.set.summary();
      net.connection = sum.open > 0 ? 'open' : this.set.list.some((x) => x.conn.state === 'connecting') ? 'connecting' : 'reconnecting';
      net.connects = this.set.list.reduce((a, x) => a + x.conn.connects, 0);
      net.reconnects = this.set.list.reduce((a, x) => a + x.conn.reconnects, 0);
    }
    net.lastError = c.lastError;
    net.daemons = this.set.snapshot();
    this.store.notify('connection');
  }

  /** Every refresh: late seconds, the byte and frame counters, resume notices. */
  tick() {
    if (this.merge.pending.size) for (const merged of this.merge.poll(Date.now())) this.takeSecond(merged);
    const net = this.store.state.net;
    net.statsMerge = { emitted: this.merge.emitted, partial: this.merge.partial, late: this.merge.late };
    const several = this.several;
    const conns = this.set.list.map((d) => d.conn);
    net.bytesReceived = conns.reduce((a, c) => a + c.bytesReceived, 0);
    net.statsReceived = several ? this.merge.emitted : conns[0].statsReceived;
    net.invalidFrames = conns.reduce((a, c) => a + c.invalidFrames, 0);
    if (!several) net.lastResume = conns[0].seq.lastResume;
    for (const d of this.set.list) {
      const r = d.conn.seq.lastResume;
      if (d.pendingResume && r && r.kind !== 'first' && d.conn.seq.lastSeq !== null) {
        d.pendingResume = false;
        this.onNotice((several ? `${d.name} reconnected — ` : 'Reconnected — ') + describeResume(r));
      }
    }
    net.daemons = this.set.snapshot();
  }

  // ---- what the page asks of the daemons ---------------------------------------------

  /** Send the types wanted (everything but the hidden ones) to every daemon. */
  sendFilter() {
    const net = this.store.state.net;
    const wanted = wantedTypes(this.store.state.ui.hidden, this.catalog.knownTypes());
    net.filter = wanted;
    net.filtersSent++;
    this.set.setFilter(wanted);
  }

  /**
   * 0 = "server cap": one daemon is asked for a very high cap, which it clamps to its own;
   * several share the cap (daemons.js).
   */
  setUserRate(n) { this.set.setUserRate(n); }

  retryNow() { this.set.retryNow(); }

  // ---- reads at start ---------------------------------------------------------------

  /** The page may be served before the first view frame arrives: ask for the view once. */
  async loadViewOnce() {
    if (!this.servedByWatched) return;   // ?daemons= without this page's daemon: their frames bring it
    const raw = await fetchJson('api/view');
    if (raw && !this.viewFromWs) this.catalog.apply(raw);
  }

  /**
   * This daemon's peers (GET api/peers: {name, peers: [URL...]}), watched too. Not asked
   * when ?daemons= names the daemons; a daemon without the endpoint has no peers.
   */
  async loadPeers() {
    if (this.listed) return;
    const data = await fetchJson('api/peers');
    if (!data || typeof data !== 'object') return;
    const own = this.set.list[0];
    if (typeof data.name === 'string' && data.name) own.givenName = data.name;
    if (Number.isFinite(data.ws_max_rate)) this.set.setCap(data.ws_max_rate);
    const peers = Array.isArray(data.peers) ? data.peers.filter((p) => typeof p === 'string') : [];
    for (const t of daemonTargets({ pageHref: this.pageHref, wsOverride: this.wsOverride, peers }).slice(1)) this.set.add(t);
    this.merge.setCount(this.set.size);
    this.store.state.net.daemons = this.set.snapshot();
    this.store.notify('connection');
    if (this.onHistoryWanted) this.onHistoryWanted();
  }

  /**
   * The last seconds of stats: the window starts full, the measurements panel has a past.
   * One daemon only: several daemons' seconds would have to be merged second by second as
   * the live frames are; their short windows fill from the live frames (windows past 5 min
   * read every daemon's per-minute history). Returns the seconds as sent.
   */
  async loadStatsOnce() {
    const data = this.set.size === 1 && this.servedByWatched ? await fetchJson('api/stats') : null;
    const seconds = data && Array.isArray(data.seconds) ? data.seconds : [];
    this.figures.backfill(seconds.map(normalizeStats));
    this.figures.recompute();
    return seconds;
  }
}
