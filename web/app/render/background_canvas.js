// The still part of the traffic picture (links, the sink ball, the scale, the floor) painted
// once per change into one canvas texture, drawn as a single image each frame. A Phaser
// Graphics object replays every path command on every frame; with a fleet's thousands of
// links that alone cost more than all the dots. The drawing calls mirror Graphics'.

import { rgba as css } from './colour_css.js';

export class BackgroundCanvas {
  constructor(scene, key = 'traffic-background') {
    this.scene = scene;
    this.key = key;
    this.tex = scene.textures.createCanvas(key, 16, 16);
    this.ctx = this.tex.getContext();
    this.image = scene.add.image(0, 0, key).setOrigin(0, 0).setDepth(0);
    this.open = false;   // a stroke path is being collected (lines of one style go in one path)
  }

  /** Start a new picture of w x h pixels. */
  begin(w, h) {
    if (this.tex.width !== w || this.tex.height !== h) {
      this.tex.setSize(w, h);
      this.ctx = this.tex.getContext();
      this.image.setSize(w, h);
      this.image.setTexture(this.key);
    }
    this.ctx.clearRect(0, 0, w, h);
    this.open = false;
    return this;
  }

  end() {
    this.flush();
    this.tex.refresh();
  }

  flush() {
    if (this.open) { this.ctx.stroke(); this.open = false; }
  }

  lineStyle(width, colour, alpha) {
    this.flush();
    this.ctx.lineWidth = width;
    this.ctx.strokeStyle = css(colour, alpha);
  }

  fillStyle(colour, alpha) {
    this.flush();
    this.ctx.fillStyle = css(colour, alpha);
  }

  lineBetween(x0, y0, x1, y1) {
    if (!this.open) { this.ctx.beginPath(); this.open = true; }
    this.ctx.moveTo(x0, y0);
    this.ctx.lineTo(x1, y1);
  }

  fillRect(x, y, w, h) {
    this.flush();
    this.ctx.fillRect(x, y, w, h);
  }

  fillCircle(x, y, r) {
    this.flush();
    this.ctx.beginPath();
    this.ctx.arc(x, y, r, 0, Math.PI * 2);
    this.ctx.fill();
  }
}
