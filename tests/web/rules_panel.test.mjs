import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  counterRate, ruleRates, groupByFile, sortRows, ReloadTracker, RulesModel, isLaterReload, firstLine, normalizeReload,
} from '../../web/app/ui/rules_panel.js';

const close = (a, b, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} ~ ${b}`);

function rulesJson({ rules, at = '2026-11-30T18:00:00Z', ok = true, error = null, reloads = 1, failures = 0, lines = 0, unmatched = 0 }) {
  return {
    files: ['rules/a.yml', 'rules/b.yml'],
    rules: rules.map(([name, file, matches, seconds]) => ({ name, file, line: 3, matches, seconds })),
    last_reload: { at, ok, error }, reloads, reload_failures: failures,
    lines, unmatched, unmatched_seconds: unmatched * 2e-6, recent_unmatched: [],
  };
}

test('ruleRates: matches/s and time per match from two polls', () => {
  const prev = [{ name: 'x', matches: 100, seconds: 0.001 }, { name: 'y', matches: 50, seconds: 0.5 }];
  const cur = [{ name: 'x', matches: 300, seconds: 0.003 }, { name: 'y', matches: 50, seconds: 0.5 }, { name: 'z', matches: 4, seconds: 0 }];
  const rows = ruleRates(prev, cur, 2);
  close(rows[0].matchesPerS, 100);
  close(rows[0].secondsPerMatch * 1e6, 10);  // 0.002 s over 200 matches = 10 µs
  assert.equal(rows[1].matchesPerS, 0);
  assert.equal(rows[1].secondsPerMatch, null, 'no matches between polls: no fresh time per match');
  close(rows[1].secondsPerMatchEver, 0.01);
  assert.equal(rows[2].matchesPerS, null, 'a rule new in this poll has no rate yet');
  const sampled = ruleRates([{ name: 'x', matches: 100, seconds: 0.001 }], [{ name: 'x', matches: 150, seconds: 0.001 }], 2);
  assert.equal(sampled[0].secondsPerMatch, null, 'no timed line in the window is unknown, not 0 s');
  close(sampled[0].secondsPerMatchEver, 0.001 / 150);
});

test('ruleRates: counts that went down (a daemon restart) give no rate, not a negative one', () => {
  const rows = ruleRates([{ name: 'x', matches: 1000, seconds: 1 }], [{ name: 'x', matches: 10, seconds: 0.01 }], 2);
  assert.equal(rows[0].matchesPerS, null);
  assert.equal(rows[0].secondsPerMatch, null);
  assert.equal(counterRate(5, 3, 1), null);
  assert.equal(counterRate(5, 9, 0), null);
  assert.equal(counterRate(5, 9, 2), 2);
});

test('RulesModel: rates across a reload that renames a rule; lines/s and unmatched', () => {
  const m = new RulesModel();
  m.update(rulesJson({ rules: [['a1', 'rules/a.yml', 100, 0.001], ['b1', 'rules/b.yml', 0, 0]], lines: 1000, unmatched: 10 }), 0);
  assert.equal(m.rows[0].matchesPerS, null, 'one poll is no rate');
  m.update(rulesJson({ rules: [['a1', 'rules/a.yml', 500, 0.005], ['b1', 'rules/b.yml', 20, 0]], lines: 3000, unmatched: 30 }), 2000);
  close(m.rows[0].matchesPerS, 200);
  close(m.rows[0].secondsPerMatch * 1e6, 10);
  close(m.rows[1].matchesPerS, 10);
  close(m.linesPerS, 1000);
  close(m.unmatchedPerS, 10);
  close(m.secondsPerUnmatched, 2e-6);
  // The reload renames b1 to b2: b2 starts at 0 with no rate, a1 keeps counting.
  m.update(rulesJson({ rules: [['a1', 'rules/a.yml', 900, 0.009], ['b2', 'rules/b.yml', 6, 0]], reloads: 2, at: '2026-11-30T18:00:04Z', lines: 5000 }), 4000);
  close(m.rows[0].matchesPerS, 200);
  assert.equal(m.rows[1].name, 'b2');
  assert.equal(m.rows[1].matchesPerS, null);
  assert.deepEqual(groupByFile(m.rows, ['rules/a.yml', 'rules/b.yml']).map((g) => [g.file, g.rules.map((r) => r.name)]),
    [['rules/a.yml', ['a1']], ['rules/b.yml', ['b2']]]);
});

test('RulesModel: a poll right after another is measured over a longer span', () => {
  const m = new RulesModel();
  m.update(rulesJson({ rules: [['a1', 'rules/a.yml', 0, 0]] }), 0);
  m.update(rulesJson({ rules: [['a1', 'rules/a.yml', 200, 0]] }), 2000);
  m.update(rulesJson({ rules: [['a1', 'rules/a.yml', 230, 0]] }), 2100);  // the poll a reload asks for
  close(m.rows[0].matchesPerS, 230 / 2.1);  // from the poll at 0, not 30 in 0.1 s
  m.update(rulesJson({ rules: [['a1', 'rules/a.yml', 400, 0]] }), 4000);
  close(m.rows[0].matchesPerS, 100, 1e-9);  // the regular poll diffs against 2000 as usual
});

test('groupByFile keeps the daemon file order and lists files without rules', () => {
  const g = groupByFile([{ name: 'r', file: 'z.yml' }, { name: 's', file: 'b.yml' }], ['a.yml', 'b.yml']);
  assert.deepEqual(g.map((x) => [x.file, x.rules.length]), [['a.yml', 0], ['b.yml', 1], ['z.yml', 1]]);
  const sorted = sortRows([{ v: 1 }, { v: null }, { v: 3 }], 'v', true);
  assert.deepEqual(sorted.map((r) => r.v), [3, 1, null]);
});

const reload = (o) => ({ at: '2026-11-30T18:00:00Z', ok: true, error: null, reloads: 1, failures: 0, ...o });

test('banner and notices: fail, the same failure again, fix', () => {
  const t = new ReloadTracker();
  assert.deepEqual(t.observe(reload({})), { notice: null, pollNow: false }, 'the first state seen is the baseline');
  assert.equal(t.bannerError, null);

  const err = 'rules/postfix.yml:12: rule postfix_delivered: label template ${relya} names no capture\n  more detail';
  const failed = reload({ at: '2026-11-30T18:01:00Z', ok: false, error: err, failures: 1 });
  const r1 = t.observe(failed);
  assert.equal(r1.notice, 'reload failed \u2014 rules/postfix.yml:12: rule postfix_delivered: label template ${relya} names no capture');
  assert.equal(r1.pollNow, true, 'a change seen in a stats frame asks for a poll at once');
  assert.equal(t.bannerError, err);

  assert.equal(t.observe(failed).notice, null, 'the same failure in the next stats frame: no new notice');
  assert.equal(t.observe({ last_reload: { at: failed.at, ok: false, error: err }, reloads: 1, reload_failures: 1 }, 7).notice, null,
    'nor when the poll reports it');
  assert.equal(t.bannerError, err, 'the banner stays');

  const again = t.observe({ ...failed, failures: 2 });
  assert.match(again.notice, /^reload failed/, 'a second failed reload (the file saved again) is a new reload');

  const fixed = reload({ at: '2026-11-30T18:02:00Z', reloads: 2, failures: 2 });
  const r2 = t.observe(fixed);
  assert.equal(t.bannerError, null, 'the banner goes with the successful reload');
  assert.deepEqual(r2, { notice: null, pollNow: true }, 'the success notice waits for the poll that counts the rules');
  assert.equal(t.observe(fixed).pollNow, false, 'and is asked for once');
  assert.equal(t.observe({ last_reload: { at: fixed.at, ok: true, error: null }, reloads: 2, reload_failures: 2 }, 3).notice,
    'rules reloaded \u2014 3 rules');
  assert.equal(t.observe({ last_reload: { at: fixed.at, ok: true, error: null }, reloads: 2, reload_failures: 2 }, 3).notice, null);
  assert.deepEqual(t.lastReload.ok, true);
});

test('notices: a reload first seen by a poll; a failed poll still reports the reload', () => {
  const t = new ReloadTracker();
  t.observe(reload({}));
  assert.equal(t.observe(reload({ reloads: 2 }), 1).notice, 'rules reloaded \u2014 1 rule', 'same second, higher count');
  t.observe(reload({ reloads: 3, at: '2026-11-30T18:05:00Z' }));
  assert.equal(t.pollFailed(), 'rules reloaded');
  assert.equal(t.pollFailed(), null);
});

test('a stale poll does not undo a newer reload seen in a stats frame', () => {
  const t = new ReloadTracker();
  t.observe(reload({}));
  t.observe(reload({ at: '2026-11-30T18:01:00Z', ok: false, error: 'a.yml:1: bad', failures: 1 }));
  const stale = { last_reload: { at: '2026-11-30T18:00:00Z', ok: true, error: null }, reloads: 1, reload_failures: 0 };
  assert.equal(t.observe(stale, 4).notice, null);
  assert.equal(t.bannerError, 'a.yml:1: bad');
  assert.equal(isLaterReload(normalizeReload(reload({ at: '2026-11-30T19:00:00Z', reloads: 0 })), normalizeReload(reload({ reloads: 9 }))), true,
    'a restarted daemon (counts reset, later time) is later');
});

test('RulesModel.state() is what window.tapemeasure.rules shows', () => {
  const m = new RulesModel();
  assert.deepEqual(m.state(), { lastReload: { ok: null, error: null }, loaded: null, matches: null }, 'before any poll');
  m.update(rulesJson({ rules: [], ok: false, error: 'b.yml:2: oops', failures: 1 }), 0);
  assert.deepEqual(m.state(), { lastReload: { ok: false, error: 'b.yml:2: oops' }, loaded: 0, matches: 0 });
  m.update(rulesJson({ rules: [['x', 'rules/a.yml', 7, 0], ['y', 'rules/b.yml', 5, 0]] }), 3000);
  assert.deepEqual(m.state().loaded, 2);
  assert.deepEqual(m.state().matches, 12);
  assert.equal(firstLine('\n  x.yml:1: y\nz'), 'x.yml:1: y');
});

test('recent unmatched: the last 10 as plain strings', () => {
  const m = new RulesModel();
  const json = rulesJson({ rules: [] });
  json.recent_unmatched = Array.from({ length: 16 }, (_, i) => `<b>line ${i}</b>`);
  m.update(json, 0);
  assert.equal(m.unmatched.length, 10);
  assert.equal(m.unmatched[0], '<b>line 6</b>');
  assert.equal(m.unmatched[9], '<b>line 15</b>');
});

test('ReloadTracker: a restarted daemon is a new baseline, not a reload (no notice; its banner state is its own)', () => {
  const t = new ReloadTracker();
  assert.equal(t.observe(reload({ at: '2026-11-30T18:00:00Z', reloads: 3, failures: 1, ok: false, error: 'a.yml:1: bad' })).notice, null);
  assert.equal(t.bannerError, 'a.yml:1: bad');
  // The daemon restarts (on fixed rules): counts reset, a later start time.
  const r = t.observe(reload({ at: '2026-11-30T18:05:00Z', reloads: 0, failures: 0 }));
  assert.deepEqual(r, { notice: null, pollNow: false });
  assert.equal(t.bannerError, null);
  // A restart of a daemon that never reloaded says nothing either.
  assert.equal(t.observe(reload({ at: '2026-11-30T18:09:00Z', reloads: 0, failures: 0 }), 12).notice, null);
  // Its first real reload does.
  assert.match(t.observe(reload({ at: '2026-11-30T18:10:00Z', reloads: 1, failures: 0 }), 12).notice, /rules reloaded/);
});
