// The rules as the UI sees them (DESIGN.md "Views, shares and ratios"): per file, each
// rule's matches/s and time per match (differences of GET api/rules between polls), the
// last reload, a banner with the reload error until a reload succeeds, recent unmatched
// lines. The reload state also arrives once a second in the stats frames (`reload`), so
// the banner and the notice react within a second, not at the next 2 s poll.
//
// The rates and the reload state machine are pure exports (node --test); the panel
// touches the DOM only once constructed.

import { formatCompact, formatDuration } from './measurements.js';
import { whenShown } from './when_shown.js';
import { DASH } from './units.js';

export const POLL_MS = 2000;
export const UNMATCHED_SHOWN = 10;
const MIN_BASELINE_S = 1;  // shortest span a rate is measured over

// ---- rates ------------------------------------------------------------------------

/** (cur - prev) / elapsed, or null when unknown or when the counter restarted (cur < prev). */
export function counterRate(prev, cur, elapsedS) {
  if (!(elapsedS > 0) || !Number.isFinite(prev) || !Number.isFinite(cur) || cur < prev) return null;
  return (cur - prev) / elapsedS;
}

/**
 * Per rule, matches/s and seconds per match between two polls. Rules are matched by name
 * (the daemon keeps a kept rule's counts across reloads); a new rule, or counts that went
 * down (a daemon restart), give null until the next poll.
 * @returns {{name, file, line, matches, matchesPerS, secondsPerMatch, secondsPerMatchEver}[]}
 */
export function ruleRates(prevRules, curRules, elapsedS) {
  const before = new Map((Array.isArray(prevRules) ? prevRules : []).map((r) => [r.name, r]));
  return (Array.isArray(curRules) ? curRules : []).map((r) => {
    const p = before.get(r.name);
    const fresh = !p || !(r.matches >= p.matches) || !(r.seconds >= p.seconds);
    const dm = fresh ? null : r.matches - p.matches;
    const ds = fresh ? null : r.seconds - p.seconds;
    return {
      name: r.name, file: r.file, line: r.line, matches: r.matches,
      matchesPerS: fresh ? null : counterRate(p.matches, r.matches, elapsedS),
      // The daemon times a sample of lines: no sampled time in the window is "unknown", not 0 s.
      secondsPerMatch: dm > 0 && ds > 0 ? ds / dm : null,
      // Shown (dimmed) when the window has no figure of its own.
      secondsPerMatchEver: r.matches > 0 && r.seconds > 0 ? r.seconds / r.matches : null,
    };
  });
}

/** Rows grouped by file, in the daemon's file order (files it does not list come last). */
export function groupByFile(rows, files) {
  const groups = new Map((Array.isArray(files) ? files : []).map((f) => [f, []]));
  for (const r of rows) {
    if (!groups.has(r.file)) groups.set(r.file, []);
    groups.get(r.file).push(r);
  }
  return [...groups].map(([file, rules]) => ({ file, rules }));
}

/** Sorted copy; nulls last whichever way. key: a row field, e.g. 'matchesPerS'. */
export function sortRows(rows, key, desc) {
  if (!key) return rows;
  const dir = desc ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = a[key], y = b[key];
    if (x === y) return 0;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    return (x < y ? -1 : 1) * dir;
  });
}

// ---- reload state -----------------------------------------------------------------

/** The stats frame's `reload`, or the api/rules JSON, as {at, ok, error, reloads, failures}. */
export function normalizeReload(r) {
  if (!r || typeof r !== 'object') return null;
  const src = r.last_reload && typeof r.last_reload === 'object'
    ? { ...r.last_reload, reloads: r.reloads, failures: r.reload_failures }
    : r;
  if (typeof src.ok !== 'boolean') return null;
  return {
    at: typeof src.at === 'string' ? src.at : '',
    ok: src.ok,
    error: src.ok ? null : (typeof src.error === 'string' && src.error ? src.error : 'reload failed (no error text)'),
    reloads: Number.isFinite(src.reloads) ? src.reloads : 0,
    failures: Number.isFinite(src.failures) ? src.failures : 0,
  };
}

/**
 * Whether reload state `a` is later than `b`. The ISO times decide when they differ (a
 * daemon restart resets the counts but not the clock); within one second, the counts do.
 * A poll answered just before a reload and read just after it is thereby not "newer".
 */
export function isLaterReload(a, b) {
  if (a.at && b.at && a.at !== b.at) return a.at > b.at;
  return a.reloads + a.failures > b.reloads + b.failures;
}

export function firstLine(text) {
  const line = String(text || '').split('\n').map((l) => l.trim()).find((l) => l) || '';
  return line.length > 160 ? line.slice(0, 159) + '\u2026' : line;
}

const rulesWord = (n) => `${n} rule${n === 1 ? '' : 's'}`;

/**
 * One notice per reload seen, from whichever source sees it first. The first state seen
 * is the baseline (a page opened an hour after a reload says nothing about it). A
 * successful reload seen in a stats frame waits for the poll it triggers, which knows
 * how many rules are loaded; if that poll fails the notice goes out without the count.
 */
export class ReloadTracker {
  constructor() {
    this.seen = null;
    this.pendingSuccess = false;
  }

  /**
   * @param r stats `reload` or the api/rules JSON
   * @param {number} [ruleCount] rules loaded, when `r` comes from a poll
   * @returns {{notice: string|null, pollNow: boolean}}
   */
  observe(r, ruleCount) {
    const cur = normalizeReload(r);
    const fromPoll = Number.isInteger(ruleCount);
    if (!cur) return { notice: null, pollNow: false };
    if (this.seen === null) {
      this.seen = cur;
      return { notice: null, pollNow: false };
    }
    // A restarted daemon (a later time, and counts that went back or never moved) has not
    // reloaded anything: its state is the new baseline, and no notice. (A stale poll has an
    // earlier time, and is ignored below.)
    const count = cur.reloads + cur.failures, seenCount = this.seen.reloads + this.seen.failures;
    if (cur.at && this.seen.at && cur.at > this.seen.at && (count < seenCount || count === 0)) {
      this.seen = cur;
      this.pendingSuccess = false;
      return { notice: null, pollNow: false };
    }
    if (!isLaterReload(cur, this.seen)) {
      if (this.pendingSuccess && fromPoll && this.seen.ok) {
        this.pendingSuccess = false;
        return { notice: `rules reloaded \u2014 ${rulesWord(ruleCount)}`, pollNow: false };
      }
      return { notice: null, pollNow: false };
    }
    this.seen = cur;
    if (!cur.ok) {
      this.pendingSuccess = false;
      return { notice: `reload failed \u2014 ${firstLine(cur.error)}`, pollNow: !fromPoll };
    }
    if (fromPoll) {
      this.pendingSuccess = false;
      return { notice: `rules reloaded \u2014 ${rulesWord(ruleCount)}`, pollNow: false };
    }
    this.pendingSuccess = true;
    return { notice: null, pollNow: true };
  }

  /** The poll meant to count the rules failed: say what is known. */
  pollFailed() {
    if (!this.pendingSuccess) return null;
    this.pendingSuccess = false;
    return 'rules reloaded';
  }

  /** The error text to show until a reload succeeds, or null. */
  get bannerError() {
    return this.seen && !this.seen.ok ? this.seen.error : null;
  }

  get lastReload() {
    return this.seen
      ? { ok: this.seen.ok, error: this.seen.error, at: this.seen.at, reloads: this.seen.reloads, failures: this.seen.failures }
      : { ok: null, error: null, at: '', reloads: 0, failures: 0 };
  }
}

/** What the panel shows, from polls (`update`) and stats frames (`stats`). */
export class RulesModel {
  constructor() {
    this.tracker = new ReloadTracker();
    this.polls = [];       // up to 2 earlier polls [{json, atMs}], >= MIN_BASELINE_S apart
    this.json = null;
    this.rows = [];
    this.linesPerS = null;
    this.unmatchedPerS = null;
    this.secondsPerUnmatched = null;
  }

  /** A GET api/rules answer read at nowMs. @returns {{notice: string|null}} */
  update(json, nowMs) {
    if (!json || typeof json !== 'object') return { notice: null };
    // Rates span at least MIN_BASELINE_S: a poll right after another (a reload asks for
    // one at once) is measured against the poll before, not over a tenth of a second.
    const base = [...this.polls].reverse().find((p) => nowMs - p.atMs >= MIN_BASELINE_S * 1000) || this.polls[0];
    const elapsed = base ? (nowMs - base.atMs) / 1000 : 0;
    const prev = base ? base.json : {};
    this.rows = ruleRates(prev.rules, json.rules, elapsed);
    this.linesPerS = counterRate(prev.lines, json.lines, elapsed);
    this.unmatchedPerS = counterRate(prev.unmatched, json.unmatched, elapsed);
    const du = json.unmatched - prev.unmatched, dsec = json.unmatched_seconds - prev.unmatched_seconds;
    this.secondsPerUnmatched = du > 0 && dsec > 0 ? dsec / du : null;
    const last = this.polls[this.polls.length - 1];
    if (!last || nowMs - last.atMs >= MIN_BASELINE_S * 1000 || nowMs < last.atMs) {
      this.polls.push({ json, atMs: nowMs });
      if (this.polls.length > 2) this.polls.shift();
    }
    this.json = json;
    const rules = Array.isArray(json.rules) ? json.rules.length : 0;
    return { notice: this.tracker.observe(json, rules).notice };
  }

  /** A stats frame's `reload`. @returns {{notice: string|null, pollNow: boolean}} */
  stats(reload) {
    return this.tracker.observe(reload);
  }

  pollFailed() {
    return { notice: this.tracker.pollFailed() };
  }

  get bannerError() {
    return this.tracker.bannerError;
  }

  get unmatched() {
    const recent = this.json && Array.isArray(this.json.recent_unmatched) ? this.json.recent_unmatched : [];
    return recent.slice(-UNMATCHED_SHOWN).map(String);
  }

  /** For the test hook: the last reload, and what the last poll said (null before one). */
  state() {
    const { ok, error } = this.tracker.lastReload;
    const rules = this.json && Array.isArray(this.json.rules) ? this.json.rules : null;
    return {
      lastReload: { ok, error },
      loaded: rules ? rules.length : null,
      matches: rules ? rules.reduce((a, r) => a + (Number(r.matches) || 0), 0) : null,
    };
  }
}

// ---- DOM --------------------------------------------------------------------------

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

const rate = (v) => (v === null ? DASH : formatCompact(v) + '/s');

/** "18:00:03 (2 min ago)" from an ISO time. */
export function formatWhen(iso, nowMs) {
  const t = Date.parse(iso);
  if (!iso || !Number.isFinite(t)) return 'never';
  const ago = Math.max(0, (nowMs - t) / 1000);
  const date = new Date(t);
  const clock = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  if (ago >= 86400) return `${date.toLocaleDateString()} ${clock} (${Math.round(ago / 86400)} d ago)`;
  const rel = ago < 60 ? `${Math.round(ago)} s ago` : ago < 3600 ? `${Math.round(ago / 60)} min ago` : `${(ago / 3600).toFixed(1)} h ago`;
  return `${clock} (${rel})`;
}

const COLUMNS = [
  { key: 'name', title: 'rule', desc: false },
  { key: 'matchesPerS', title: 'matches per s', desc: true },
  { key: 'secondsPerMatch', title: 'time per match', desc: true },
  { key: 'matches', title: 'total', desc: true },
];

export class RulesPanel {
  /**
   * @param {HTMLElement} hostEl the panel's box
   * @param {{onNotice?: (text: string) => void}} options onNotice: once per reload seen
   */
  constructor(hostEl, { onNotice } = {}) {
    this.host = hostEl;
    this.onNotice = typeof onNotice === 'function' ? onNotice : () => {};
    this.model = new RulesModel();
    this.root = el('div', 'tm-rules');
    this.root.append(el('p', 'tm-empty muted', 'waiting for api/rules\u2026'));
    hostEl.append(this.root);
    this.interval = null;
    this.inflight = false;
    this.again = false;
    this.pollError = null;
    this.sort = { key: null, desc: true };
    this.dirty = false;
    this.bannerText = null;
    this.observer = whenShown(hostEl, () => { if (this.dirty) this.render(); });
  }

  /** Poll api/rules now and every POLL_MS. */
  start() {
    if (this.interval !== null) return;
    this.interval = setInterval(() => this.poll(), POLL_MS);
    this.poll();
  }

  stop() {
    if (this.interval !== null) clearInterval(this.interval);
    this.interval = null;
  }

  async poll() {
    if (this.inflight) { this.again = true; return; }
    this.inflight = true;
    try {
      const res = await fetch('api/rules', { cache: 'no-store' });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      this.update(await res.json());
    } catch (err) {
      this.pollError = String((err && err.message) || err);
      this.apply(this.model.pollFailed());
      this.render();
    } finally {
      this.inflight = false;
      if (this.again) { this.again = false; this.poll(); }
    }
  }

  /** One GET api/rules answer. */
  update(rulesJson) {
    this.pollError = null;
    this.apply(this.model.update(rulesJson, performance.now()));
    this.render();
  }

  /** One stats SECOND; only its `reload` is read. */
  stats(second) {
    if (!second || !second.reload) return;
    const out = this.model.stats(second.reload);
    this.apply(out);
    if (out.pollNow) this.poll();
  }

  state() {
    return this.model.state();
  }

  apply({ notice }) {
    if (notice) this.onNotice(notice);
    this.updateBanner();
  }

  updateBanner() {
    const error = this.model.bannerError;
    let banner = document.getElementById('reload-banner');
    if (error === null) {
      if (banner) banner.hidden = true;
      this.bannerText = null;
      return;
    }
    if (!banner) {
      banner = el('div');
      banner.id = 'reload-banner';
      banner.setAttribute('role', 'alert');
      document.body.prepend(banner);
    }
    if (this.bannerText !== error || banner.childElementCount === 0) {
      this.bannerText = error;
      banner.replaceChildren(
        el('strong', '', 'Rule reload failed \u2014 the previous rules are still running.'),
        el('span', '', ' This stays until a reload succeeds: fix the file and save it.'),
        el('pre', '', error),
      );
    }
    banner.hidden = false;
  }

  visible() {
    return this.host.offsetParent !== null && !document.hidden;
  }

  render() {
    if (!this.visible()) { this.dirty = true; return; }
    this.dirty = false;
    const m = this.model;
    const parts = [];
    if (this.pollError) parts.push(el('p', 'tm-poll-error', `could not read api/rules: ${this.pollError}`));
    if (!m.json) {
      parts.push(el('p', 'tm-empty muted', this.pollError ? 'no rules read yet' : 'waiting for api/rules\u2026'));
      this.root.replaceChildren(...parts);
      return;
    }
    parts.push(this.renderReload(), this.renderLines());
    for (const group of groupByFile(m.rows, m.json.files)) parts.push(this.renderFile(group));
    parts.push(...this.renderUnmatched());
    this.root.replaceChildren(...parts);
  }

  renderReload() {
    const r = this.model.tracker.lastReload;
    const p = el('p', `tm-reload ${r.ok === false ? 'bad' : 'ok'}`);
    p.append(el('span', 'tm-reload-state', r.ok === false ? '\u2717 last reload failed' : '\u2713 rules loaded'));
    p.append(el('span', 'muted', ` \u00b7 ${formatWhen(r.at, Date.now())} \u00b7 ${r.reloads} reload${r.reloads === 1 ? '' : 's'}, ${r.failures} failed`));
    return p;
  }

  renderLines() {
    const m = this.model;
    const share = m.linesPerS > 0 && m.unmatchedPerS !== null ? ` (${((m.unmatchedPerS / m.linesPerS) * 100).toFixed(1)}%)` : '';
    const cost = m.secondsPerUnmatched !== null ? ` \u00b7 ${formatDuration(m.secondsPerUnmatched)} per unmatched line` : '';
    return el('p', 'tm-lines muted', `lines ${rate(m.linesPerS)} \u00b7 unmatched ${rate(m.unmatchedPerS)}${share}${cost}`);
  }

  renderFile({ file, rules }) {
    const section = el('section', 'tm-file');
    section.append(el('h4', 'tm-file-name', file || '(no file)'));
    if (rules.length === 0) {
      section.append(el('p', 'muted', 'no rules'));
      return section;
    }
    const table = el('table', 'tm-rule-table');
    const head = el('tr');
    for (const col of COLUMNS) {
      const th = el('th', col.key === 'name' ? 'tm-left' : '', col.title);
      if (this.sort.key === col.key) th.append(el('span', 'tm-sort', this.sort.desc ? ' \u25be' : ' \u25b4'));
      th.title = 'sort by ' + col.title;
      th.addEventListener('click', () => {
        this.sort = this.sort.key === col.key ? { key: col.key, desc: !this.sort.desc } : { key: col.key, desc: col.desc };
        this.render();
      });
      head.append(th);
    }
    table.append(el('thead'), el('tbody'));
    table.tHead.append(head);
    for (const r of sortRows(rules, this.sort.key, this.sort.desc)) {
      const tr = el('tr');
      const name = el('td', 'tm-left');
      name.append(el('span', 'tm-rule-name', r.name), el('small', 'muted', `:${r.line}`));
      name.title = `${r.file}:${r.line}`;
      const time = el('td', r.secondsPerMatch === null ? 'muted' : '',
        formatDuration(r.secondsPerMatch ?? r.secondsPerMatchEver));
      time.title = r.secondsPerMatch === null && r.secondsPerMatchEver !== null
        ? 'no timed match since the last poll: average since the daemon started'
        : 'time per match, from a sample of lines the daemon times';
      tr.append(name, el('td', r.matchesPerS ? '' : 'muted', rate(r.matchesPerS)), time, el('td', 'muted', formatCompact(r.matches)));
      table.tBodies[0].append(tr);
    }
    section.append(table);
    return section;
  }

  renderUnmatched() {
    const lines = this.model.unmatched;
    const title = el('h4', 'tm-unmatched-title', 'recent unmatched lines');
    if (lines.length === 0) return [title, el('p', 'muted', 'none recently')];
    const pre = el('pre', 'tm-unmatched');
    pre.textContent = lines.join('\n');  // never markup: these are raw log lines
    return [title, pre];
  }
}
