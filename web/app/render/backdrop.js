// What lies behind the dots, redrawn only when the layout changes: the floor (when some type
// falls), the links that carried traffic, the lines to the sink, the sink ball and its scale.
// Drawn into one canvas (background_canvas.js), not as many Phaser shapes.

import { BackgroundCanvas } from './background_canvas.js';

const BALL_COLOR = 0xf0883e;

export class Backdrop {
  constructor(scene) {
    this.bg = new BackgroundCanvas(scene);
    this.lineKeys = new Set();   // reused: each drawn line once (folded nodes share their fold's)
  }

  /**
   * @param {Layout} L
   * @param {object} o  floor: draw the floor band; portOut: per tier, where outgoing lines
   *                    start right of a node (past its labels); ticks: the scale's [{f}]
   */
  draw(L, { floor, portOut, ticks }) {
    const g = L.geo;
    const bg = this.bg.begin(g.width, g.height);
    if (floor) {
      bg.fillStyle(0xff5a52, 0.06);
      bg.fillRect(0, g.floorY, g.width, g.height - g.floorY);
      bg.lineStyle(1, 0x6e2b29, 1);
      bg.lineBetween(0, g.floorY, g.width, g.floorY);
    }
    // links that carried traffic: from right of the sender's label column to the left edge
    // of the receiver (a folded node's links are its fold's, drawn once)
    const lines = this.lineKeys;
    lines.clear();
    bg.lineStyle(1.2, 0x30363d, 1);
    for (const l of L.links) {
      const a = l.from, b = l.to;
      const k = a.x + ',' + a.y + ',' + b.x + ',' + b.y;
      if (lines.has(k)) continue;
      lines.add(k);
      const right = b.x > a.x;
      const ax = right ? a.x + (portOut[a.tierIndex] || 0) : a.x;
      const bx = right ? b.x - 6 : b.x;
      if (!right || bx > ax) bg.lineBetween(ax, a.y, bx, b.y);
    }
    if (g.ball) this.drawSink(bg, L, portOut, ticks);
    bg.end();
  }

  drawSink(bg, L, portOut, ticks) {
    const g = L.geo;
    // nodes that send on to the sink: a faint line to the ball
    bg.lineStyle(1, 0x5b3a1e, 0.8);
    for (const n of L.drawnNodes()) {
      const sends = n.isFold ? n.members.some((m) => m.toSink) : n.toSink;
      if (sends) bg.lineBetween(n.x + (portOut[n.tierIndex] || 0), n.y, g.ball.x - g.ball.r, g.ball.y);
    }
    bg.fillStyle(BALL_COLOR, 0.12);
    bg.fillCircle(g.ball.x, g.ball.y, g.ball.r + 10);
    bg.fillStyle(BALL_COLOR, 0.9);
    bg.fillCircle(g.ball.x, g.ball.y, g.ball.r);
    // the scale: a line, a long tick at each labelled value
    bg.lineStyle(1, 0x484f58, 1);
    bg.lineBetween(g.scaleX, g.scaleTop, g.scaleX, g.scaleBottom);
    for (const t of ticks) {
      const y = g.scaleBottom - t.f * (g.scaleBottom - g.scaleTop);
      bg.lineBetween(g.scaleX - 6, y, g.scaleX, y);
    }
  }
}
