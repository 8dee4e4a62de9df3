// The picture at a real platform's scale, in headless Chromium against the real daemon:
// generated Postfix logs (fleet_log.mjs) of 40 MTAs x 12 relays and of 100 MTAs x 30 relays
// written into its socket at ~3000 lines/s.
//
//   TAPEMEASURE_BIN=build/tapemeasure node --test tests/e2e/scale.e2e.mjs
//
// Checks: every node is in window.tapemeasure.nodes() and drawn, or listed by its opened
// fold; the share matrix holds every cell /api/stats has; label boxes do not overlap; fps is
// reported. Screenshots scale-*.png in $SCREENSHOT_DIR (default build/screenshots).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, waitFor, waitForGrowth, waitForSeconds, screenshot } from './harness.mjs';
import { Daemon, cleanup } from '../lib/daemon.mjs';
import { feedSocket } from './fleet_log.mjs';

after(cleanup);  // temp dirs, and any daemon a failed test left running


/** A daemon with the bundled rules on a free port and a socket of its own. */
async function startDaemon() {
  const d = await Daemon.start({ startTimeout: 20000 });
  return { url: d.url, socket: d.socketPath, close: () => d.stop('SIGTERM', 10000) };
}

/** Rectangles a and b overlap by more than half a pixel. */
const overlap = (a, b) => Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x) > 0.5 && Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y) > 0.5;

for (const [mtas, relays] of [[40, 12], [100, 30]]) {
  const tag = `${mtas}x${relays}`;
  describe(`a fleet of ${mtas} MTAs and ${relays} relays at 1280x720`, { timeout: 180000 }, () => {
    let d, feed, b, page;
    const names = (prefix, n) => Array.from({ length: n }, (_, i) => prefix + (i + 1));
    before(async () => {
      d = await startDaemon();
      feed = feedSocket(d.socket, { mtas, relays, rate: 3000 });
      b = await launchBrowser({ width: 1280, height: 720 });
      page = b.page;
      await page.goto(d.url + '?view=postfix', { waitUntil: 'load' });
      await waitFor(page, ([m, r]) => {
        const t = window.tapemeasure;
        if (!t.ready) return false;
        const ns = t.nodes();
        return ns.filter((n) => n.tier === 'mta').length >= m && ns.filter((n) => n.tier === 'relay').length >= r;
      }, [mtas, relays], 30000);
    });
    after(async () => {
      if (b) await b.close();
      if (feed) await feed.stop();
      if (d) await d.close();
    });

    it('every node is drawn, or listed by its opened fold', async () => {
      const nodes = await page.evaluate(() => window.tapemeasure.nodes());
      for (const [tier, want] of [['mta', names('mta', mtas)], ['relay', names('relay', relays)]]) {
        const have = nodes.filter((n) => n.tier === tier);
        for (const name of want) assert.ok(have.some((n) => n.name === name), `${tier} ${name} in nodes()`);
        const folded = have.filter((n) => n.folded).map((n) => n.name);
        if (have.length <= 60) assert.deepEqual(folded, [], `${have.length} ${tier} nodes: none folded at 1280x720`);
        if (!folded.length) continue;
        const fold = (await page.evaluate(() => window.tapemeasure.folds())).find((f) => f.tier === tier);
        assert.ok(fold, `a fold in ${tier}`);
        await page.mouse.click(fold.pageX, fold.pageY);
        await waitFor(page, (t) => { const o = window.tapemeasure.openFold(); return o && o.tier === t; }, tier, 5000);
        const open = await page.evaluate(() => window.tapemeasure.openFold());
        const nowFolded = (await page.evaluate(() => window.tapemeasure.nodes())).filter((n) => n.tier === tier && n.folded).map((n) => n.name);
        assert.deepEqual([...open.names].sort(), [...nowFolded].sort(), 'the opened fold lists every folded node');
        assert.equal(await page.locator('#fold-items li').count(), nowFolded.length);
        assert.match(await page.locator('#fold-title').textContent(), new RegExp(`${nowFolded.length} more`));
        // the fold holds the quietest: none of them busier than any drawn node of the tier
        const all = (await page.evaluate(() => window.tapemeasure.nodes())).filter((n) => n.tier === tier);
        const drawnMin = Math.min(...all.filter((n) => !n.folded).map((n) => n.count));
        const foldedMax = Math.max(...all.filter((n) => n.folded).map((n) => n.count));
        console.log(`# ${tag} ${tier}: ${all.length - nowFolded.length} drawn, ${nowFolded.length} folded (busiest folded ${foldedMax}, quietest drawn ${drawnMin})`);
        await screenshot(page, `scale-${tag}-fold-${tier}-1280x720.png`);
        await page.click('#fold-close');
      }
    });

    it('label boxes do not overlap, and sit inside the picture', async () => {
      await waitFor(page, () => window.tapemeasure.openFold() === null && window.tapemeasure.labelBoxes().length > 0, null, 5000);
      const boxes = await page.evaluate(() => window.tapemeasure.labelBoxes());
      const r = await page.evaluate(() => window.tapemeasure.canvasRect());
      assert.ok(boxes.length >= Math.min(mtas, 20), `${boxes.length} labels drawn`);
      for (let i = 0; i < boxes.length; i++) {
        const a = boxes[i];
        assert.ok(a.x >= r.left - 1 && a.x + a.w <= r.left + r.width + 1, `${a.name}'s label inside the canvas`);
        for (let j = i + 1; j < boxes.length; j++) assert.ok(!overlap(a, boxes[j]), `labels ${a.name} and ${boxes[j].name} overlap`);
      }
    });

    it('the share matrix holds every cell the daemon counted', async () => {
      await waitFor(page, ([m, r]) => {
        const d = window.tapemeasure.shareDetails[0];
        return d && d.rows.length >= m && d.cols.length >= r && window.tapemeasure.windowStamps.length >= 5;
      }, [mtas, relays], 30000);
      const got = await page.evaluate(async () => {
        const t = window.tapemeasure;
        const api = await (await fetch('api/stats')).json();
        // Only the seconds the page's window holds: a page slowed down by a busy machine may
        // lag the daemon's newest seconds.
        const inWindow = new Set(t.windowStamps.map((w) => w.ts));
        return { shares: t.shares[0], detail: t.shareDetails[0], api: api.seconds.filter((sec) => inWindow.has(sec.ts)),
          csv: t.shareCsv(t.shares[0].title) };
      });
      assert.ok(got.api.length >= 3, `${got.api.length} seconds of /api/stats in the page's window`);
      const { detail, shares, api } = got;
      assert.deepEqual([...detail.rows].sort(), names('mta', mtas).sort(), 'every MTA is a row');
      assert.deepEqual([...detail.cols].sort(), names('relay', relays).sort(), 'every relay is a column');
      // every (row, col) the daemon counted over most of the window is in the page's matrix
      for (const sec of api) {
        const s = sec.shares.find((x) => x.title === shares.title);
        assert.equal(s.omitted, 0, 'nothing omitted by the daemon');
        for (const [row, cols] of Object.entries(s.counts)) {
          for (const col of Object.keys(cols)) assert.ok(shares.counts[row] && shares.counts[row][col] > 0, `cell ${row} -> ${col}`);
        }
      }
      const block = page.locator(`.share[data-title="${shares.title}"]`);
      assert.equal(await block.getAttribute('data-mode'), 'heatmap', 'too large for a table: a heatmap');
      const canvas = block.locator('canvas.heatmap');
      assert.equal(Number(await canvas.getAttribute('data-rows')), detail.rows.length);
      assert.equal(Number(await canvas.getAttribute('data-cols')), detail.cols.length);
      // the panel re-renders once a second: measure a settled canvas
      let box = null;
      for (let i = 0; i < 20 && !box; i++) box = await canvas.boundingBox().catch(() => null);
      const side = await page.locator('#side').boundingBox();
      assert.ok(box.x + box.width <= side.x + side.width + 1, 'the heatmap fits the side panel: every column visible');
      assert.match(await block.locator('.verdict').textContent(), /round-robin|not enough/);
      assert.ok(await block.locator('ol.worst li').count() > 0, 'the worst cells are listed');
      // the value on hover
      await canvas.hover({ position: { x: box.width - 3, y: box.height - 3 } });
      assert.match(await block.locator('.readout').textContent(), /\u2192 .*: \d+, /);
      // CSV: a header and one line per row, every column
      const lines = got.csv.trim().split('\n');
      assert.equal(lines.length, detail.rows.length + 1);
      assert.equal(lines[0].split(',').length, detail.cols.length + 2);
      await screenshot(page, `scale-${tag}-1280x720.png`);
      // the full matrix in the overlay
      await block.locator('button.full').click();
      assert.equal(await page.locator('#matrix-overlay').isVisible(), true);
      assert.equal(await page.locator('#matrix-overlay-body tbody tr').count(), detail.rows.length);
      await screenshot(page, `scale-${tag}-matrix-overlay-1280x720.png`);
      await page.click('#matrix-overlay-close');
      assert.equal(await page.locator('#matrix-overlay').isVisible(), false);
    });

    it('zoom and pan, order by name or by volume', async () => {
      const before = await page.evaluate(() => window.tapemeasure.nodes().find((n) => n.name === 'mta1'));
      const r = await page.evaluate(() => window.tapemeasure.canvasRect());
      await page.mouse.move(r.left + r.width / 3, r.top + r.height / 2);
      await page.mouse.wheel(0, -600);
      await waitFor(page, () => window.tapemeasure.camera && window.tapemeasure.camera.zoom > 1.5, null, 5000);
      const zoomed = await page.evaluate(() => window.tapemeasure.nodes().find((n) => n.name === 'mta1'));
      assert.equal(zoomed.x, before.x, 'zoom moves the camera, not the nodes');
      assert.ok(Math.abs(zoomed.pageY - r.top - r.height / 2) > Math.abs(before.pageY - r.top - r.height / 2) || before.pageY === zoomed.pageY, 'page position scaled');
      await screenshot(page, `scale-${tag}-zoomed-1280x720.png`);
      assert.equal(await page.locator('#zoom-reset').isEnabled(), true);
      await page.click('#zoom-reset');
      const reset = await page.evaluate(() => window.tapemeasure.camera);
      assert.deepEqual(reset, { zoom: 1, scrollX: 0, scrollY: 0 });

      const drawnOrder = () => page.evaluate(() => window.tapemeasure.nodes().filter((n) => n.tier === 'mta' && !n.folded).sort((a, b) => a.y - b.y));
      const natural = await drawnOrder();
      const idx = (list, name) => list.findIndex((n) => n.name === name);
      assert.ok(idx(natural, 'mta2') < idx(natural, 'mta10') || idx(natural, 'mta2') < 0 || idx(natural, 'mta10') < 0, 'mta2 above mta10');
      await page.selectOption('#node-order', 'volume');
      const byVolume = await drawnOrder();
      for (let i = 1; i < Math.min(byVolume.length, 10); i++) assert.ok(byVolume[i - 1].count >= byVolume[i].count * 0.9, 'busiest first (ranked when chosen)');
      await waitForGrowth(page, 'eventsReceived', 500, 10000);   // traffic goes on
      const later = await drawnOrder();
      assert.deepEqual(later.slice(0, 10).map((n) => n.name), byVolume.slice(0, 10).map((n) => n.name), 'stable while traffic goes on');
      await page.selectOption('#node-order', 'natural');
    });

    it('reports fps at this fleet size', async () => {
      await waitForSeconds(page, 3);
      const t = await page.evaluate(() => ({ fps: window.tapemeasure.fps, dps: window.tapemeasure.dotsPerSecond, live: window.tapemeasure.dotsActive }));
      console.log(`# fps ${tag}: ${t.fps} fps at ${t.dps} new dots/s (${t.live} live), ${feed.written()} lines written`);
      assert.ok(t.fps > 0 && t.dps > 0, 'fps and dots measured');
      assert.deepEqual(b.errors, []);
    });
  });
}
