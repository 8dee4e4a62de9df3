// --follow counts every line once through what used to count lines twice: a symlink moved
// between files (each file resumed where it was left, also after it was closed for being
// quiet) and a file cut to half its size (what is left was read; reading goes on at the cut).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';

import { Daemon, TEST_RULES, cleanup, delay, tempDir, waitFor, writeRules } from './helpers.mjs';

after(cleanup);

function lines(tag, from, n) {
  let text = '';
  for (let i = from; i < from + n; i++) text += `w${tag} ${i}\n`;
  return text;
}

// Points `link` at `target` atomically, as `ln -sfn` plus a rename does.
function pointAt(link, target) {
  const tmp = `${link}.tmp`;
  fs.rmSync(tmp, { force: true });
  fs.symlinkSync(target, tmp);
  fs.renameSync(tmp, link);
}

async function followDaemon(dir, file) {
  const d = await Daemon.start({ rules: [writeRules(dir, 't.yml', TEST_RULES)], dir, args: ['--follow', file] });
  await waitFor(async () => (await d.metric('tapemeasure_follow_files')) === 1, { what: 'the file followed' });
  return d;
}

// No more lines arrive after the expected count (two poll periods).
async function settledAt(d, n) {
  await delay(1200);
  assert.equal(await d.metric('tapemeasure_lines_total'), n);
}

test('a symlink moved between two files: each line counted once', async () => {
  const dir = tempDir();
  const link = path.join(dir, 'current.log');
  const a = path.join(dir, 'a.log');
  const b = path.join(dir, 'b.log');
  fs.writeFileSync(a, '');
  fs.writeFileSync(b, '');
  pointAt(link, a);
  const d = await followDaemon(dir, link);
  fs.appendFileSync(link, lines(1, 0, 100));
  await d.waitLines(100);
  pointAt(link, b);
  fs.appendFileSync(link, lines(2, 0, 100));
  await d.waitLines(200);
  // a.log, quiet for 5 s, is closed; the link then comes back to it.
  await waitFor(async () => (await d.metric('tapemeasure_follow_files')) === 1,
    { timeout: 12000, what: 'a.log closed once quiet' });
  pointAt(link, a);
  fs.appendFileSync(link, lines(1, 100, 100));
  await d.waitLines(300);
  await settledAt(d, 300);
  const m = await d.metrics();
  assert.equal(m.value('test_writer_lines_total', { writer: '1' }), 200);
  assert.equal(m.value('test_writer_lines_total', { writer: '2' }), 100);
});

test('a followed file cut to half its size: nothing counted twice, lines after the cut counted', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'app.log');
  fs.writeFileSync(file, '');
  const d = await followDaemon(dir, file);
  const text = lines(1, 1000, 100);  // 100 lines of 9 bytes
  fs.appendFileSync(file, text);
  await d.waitLines(100);
  fs.truncateSync(file, text.length / 2);
  await waitFor(async () => (await d.metric('tapemeasure_follow_rotations_total', { kind: 'truncate' })) === 1,
    { what: 'the truncation seen' });
  fs.appendFileSync(file, lines(2, 0, 10));
  await d.waitLines(110);
  await settledAt(d, 110);
  assert.equal(await d.metric('test_writer_lines_total', { writer: '2' }), 10);
});
