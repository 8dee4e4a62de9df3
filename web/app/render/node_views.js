// What a node looks like: its ring, its label and its rate, made the first time the node is
// drawn and kept in a map here (the layout's nodes are the model's; their visuals are
// ours). Rows are as compact as the tier needs (node_labels.js); the full name shows on
// hover. Dragging a node moves it in the layout, which keeps the position.
//
// Phaser 4: Text.setText() re-renders a texture, so rate labels change at most twice a second.

import { nodeLabelPlan, shortenLabel } from './node_labels.js';
import { OVERFLOW_NAME } from '../model/layout.js';
import { rgba } from './colour_css.js';

export const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
// Node rings by tier position (decoration only: they tell the columns apart).
const NODE_COLORS = [0x56d364, 0xe6edf3, 0xd2a8ff, 0x79c0ff, 0xffa657];
const nodeKey = (tierIndex) => 'node-' + (tierIndex % NODE_COLORS.length);

export class NodeViews {
  /**
   * @param {Phaser.Scene} scene
   * @param {object} h  onFoldClick(fold), onDragStart() (counts drags)
   */
  constructor(scene, h) {
    this.scene = scene;
    this.h = h;
    this.layout = null;
    this.visuals = new Map();    // node -> {img, label, rate, text, labelled, font, roomy, foldText}
    this.portOut = [];           // per tier: x offset from a node where its outgoing lines start
    this.hovered = null;
    this.labelsAt = 0;
    this.makeTextures();
    this.hoverText = scene.add.text(0, 0, '', {
      fontFamily: FONT, fontSize: '12px', color: '#e6edf3', backgroundColor: 'rgba(22,27,34,0.96)', padding: { x: 5, y: 2 },
    }).setOrigin(0, 1).setDepth(40).setVisible(false);
  }

  makeTextures() {
    const textures = this.scene.textures;
    NODE_COLORS.forEach((c, i) => {
      const key = nodeKey(i);
      if (textures.exists(key)) return;
      const S = 30;
      const tex = textures.createCanvas(key, S, S);
      const ctx = tex.getContext();
      ctx.fillStyle = '#161b22';
      ctx.beginPath(); ctx.arc(S / 2, S / 2, 12, 0, Math.PI * 2); ctx.fill();
      ctx.lineWidth = 3;
      ctx.strokeStyle = rgba(c, 0.95);
      ctx.stroke();
      ctx.fillStyle = rgba(c, 0.9);
      ctx.beginPath(); ctx.arc(S / 2, S / 2, 4, 0, Math.PI * 2); ctx.fill();
      tex.refresh();
    });
  }

  /** Another layout is drawn: the old one's visuals go (they are remade if it comes back). */
  setLayout(layout) {
    if (this.layout !== layout) {
      for (const v of this.visuals.values()) { v.img.destroy(); v.label.destroy(); v.rate.destroy(); }
      this.visuals.clear();
      this.hovered = null;
      this.hoverText.setVisible(false);
    }
    this.layout = layout;
  }

  visual(node) {
    const v = this.visuals.get(node);
    return v === undefined ? this.make(node) : v;
  }

  make(node) {
    const scene = this.scene;
    const img = scene.add.image(node.x, node.y, nodeKey(node.tierIndex)).setDepth(25);
    img.setInteractive({ draggable: true, useHandCursor: true });
    const label = scene.add.text(node.x, node.y, node.isFold ? OVERFLOW_NAME : shortenLabel(node.name), {
      fontFamily: FONT, fontSize: '13px', fontStyle: 'bold', color: node.isFold ? '#79c0ff' : '#e6edf3',
      backgroundColor: 'rgba(13,17,23,0.78)', padding: { x: 3, y: 0 },
    }).setOrigin(0, 0.5).setDepth(26);
    const rate = scene.add.text(node.x, node.y, ' ', {
      fontFamily: FONT, fontSize: '11px', color: '#8b949e',
      backgroundColor: 'rgba(13,17,23,0.78)', padding: { x: 3, y: 0 },
    }).setOrigin(0, 0).setDepth(26);
    const layout = this.layout;
    let downAt = null;
    img.on('pointerdown', (p) => { downAt = { x: p.x, y: p.y }; });
    img.on('pointerup', (p) => {
      // a click (no drag) on the fold opens it
      if (node.isFold && downAt && Math.hypot(p.x - downAt.x, p.y - downAt.y) < 5) this.h.onFoldClick(node);
      downAt = null;
    });
    img.on('pointerover', () => this.showHover(node));
    img.on('pointerout', () => this.hideHover(node));
    img.on('dragstart', () => { this.h.onDragStart(); this.hideHover(node); });
    img.on('drag', (pointer, x, y) => { layout.moveNode(node, x, y, false); });
    img.on('dragend', () => { layout.save(); });
    const v = { img, label, rate, text: ' ', labelled: true, font: 13, roomy: true, foldText: '' };
    this.visuals.set(node, v);
    return v;
  }

  /** The full name (and rate) of a node under the pointer: labels may be thinned or shortened. */
  showHover(node) {
    this.hovered = node;
    const v = this.visuals.get(node);
    const name = node.isFold ? `${OVERFLOW_NAME}: ${node.members.length} quieter nodes \u2014 click to list them` : node.name;
    const rate = v && v.text.trim() ? ` \u00b7 ${v.text.trim()}` : '';
    // one name seen by several daemons is one node: say whose logs it is in
    const seenBy = node.daemons && node.daemons.size > 1 ? `\nseen by ${[...node.daemons].sort().join(', ')}` : '';
    this.hoverText.setText(name + rate + seenBy).setPosition(node.x + 8, node.y - 8).setVisible(true);
    this.hoverText.setScale(1 / this.scene.cameras.main.zoom);
  }

  hideHover(node) {
    if (this.hovered === node) { this.hovered = null; this.hoverText.setVisible(false); }
  }

  /**
   * Rows as compact as the tier needs: node size, label size and which labels are shown
   * follow the row spacing (node_labels.js). Labels sit right of their node and outgoing
   * lines start right of the tier's widest label, so no line crosses a label.
   */
  place() {
    const L = this.layout;
    // folded nodes are not drawn (their dots go to the fold)
    for (const list of L.lists.values()) for (const n of list) if (n.folded && this.visuals.has(n)) this.setVisible(n, false);
    L.tiers.forEach((tier, ti) => {
      const shown = L.shown.get(tier);
      const plan = nodeLabelPlan(L.rowSpacing(tier), shown.length);
      let column = 0;
      for (let i = 0; i < shown.length; i++) {
        const n = shown[i];
        const v = this.visual(n);
        this.setVisible(n, true);
        if (n.isFold) {
          const text = `${OVERFLOW_NAME} (${n.members.length})`;
          if (text !== v.foldText) { v.foldText = text; v.label.setText(text); }
        }
        v.img.setScale(plan.nodeScale).setPosition(n.x, n.y);
        if (v.font !== plan.font) { v.font = plan.font; v.label.setFontSize(plan.font + 'px'); v.label.setFontStyle(plan.font >= 12 ? 'bold' : ''); }
        const labelled = plan.labelled(i) || n.isFold;
        const x = n.x + plan.offset;
        v.label.setVisible(labelled);
        v.labelled = labelled;
        v.roomy = plan.roomy;
        if (plan.roomy) {
          v.label.setOrigin(0, 1).setPosition(x, n.y + 1);
          v.rate.setPosition(x, n.y + 1).setVisible(true);
        } else {
          v.label.setOrigin(0, 0.5).setPosition(x, n.y);
          v.rate.setVisible(false);
        }
        if (labelled) column = Math.max(column, v.label.width, plan.roomy ? v.rate.width : 0);
      }
      this.portOut[ti] = plan.offset + column + 4;
    });
  }

  setVisible(n, on) {
    const v = this.visuals.get(n);
    if (v.img.visible === on) return;
    v.img.setVisible(on);
    if (on) v.img.setInteractive(); else v.img.disableInteractive();
    if (!on) { v.label.setVisible(false); v.rate.setVisible(false); }
  }

  /** Rate labels from the model's node rates: twice a second at most (setText re-renders). */
  updateRates(now) {
    if (now - this.labelsAt < 500 || !this.layout) return;
    this.labelsAt = now;
    for (const list of this.layout.shown.values()) {
      for (const n of list) {
        const v = this.visuals.get(n);
        if (v === undefined) continue;
        const r = n.rate || 0;
        const text = r >= 0.5 ? Math.round(r) + '/s' : ' ';
        if (text !== v.text) { v.text = text; if (v.roomy) v.rate.setText(text); }
      }
    }
  }

  /** Boxes of the labels drawn now, in world coordinates (tests check that none overlap). */
  labelBoxes() {
    const out = [];
    if (!this.layout) return out;
    for (const list of this.layout.shown.values()) {
      for (const n of list) {
        const v = this.visuals.get(n);
        if (!v || !v.label.visible) continue;
        const l = v.label;
        const x0 = l.x - l.originX * l.width, y0 = l.y - l.originY * l.height;
        let x1 = x0 + l.width, y1 = y0 + l.height;
        if (v.rate.visible) {
          const r = v.rate;
          x1 = Math.max(x1, r.x + r.width);
          y1 = Math.max(y1, r.y + r.height);
        }
        out.push({ tier: n.tier, name: n.name, x: x0, y: y0, w: x1 - x0, h: y1 - y0 });
      }
    }
    return out;
  }
}
