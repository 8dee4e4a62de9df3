// Zoom and pan of the picture. With the camera's origin at the top left,
// screen = (world - scroll) * zoom; zoom stays between 0.5x and 8x. Every change is
// reported (the stage bar shows the zoom, the test hook reads it).

const MIN_ZOOM = 0.5, MAX_ZOOM = 8;
const clampZoom = (z) => Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, z));

export class Camera {
  /**
   * @param {Phaser.Scene} scene
   * @param {(cam: {zoom, scrollX, scrollY}) => void} onChange
   */
  constructor(scene, onChange) {
    this.scene = scene;
    this.cam = scene.cameras.main;
    this.cam.setOrigin(0, 0);
    this.onChange = onChange;
    this.panning = null;         // {x, y, sx, sy} while the background is dragged
  }

  /** World coordinates under a pointer. */
  world(pointer) {
    const cam = this.cam;
    return { x: cam.scrollX + pointer.x / cam.zoom, y: cam.scrollY + pointer.y / cam.zoom };
  }

  /** Wheel: zoom about the pointer. */
  wheel(pointer, dy) {
    const w = this.world(pointer);
    this.zoomTo(clampZoom(this.cam.zoom * Math.exp(-dy * 0.0015)), w.x, w.y, pointer.x, pointer.y);
  }

  /** Zoom to z keeping world point (wx, wy) at screen point (sx, sy). */
  zoomTo(z, wx, wy, sx, sy) {
    this.cam.setZoom(z);
    this.cam.setScroll(wx - sx / z, wy - sy / z);
    this.changed();
  }

  /** Zoom by a factor about the middle of the picture (the +/- buttons). */
  zoomBy(f) {
    const cam = this.cam;
    const sx = this.scene.scale.width / 2, sy = this.scene.scale.height / 2;
    this.zoomTo(clampZoom(cam.zoom * f), cam.scrollX + sx / cam.zoom, cam.scrollY + sy / cam.zoom, sx, sy);
  }

  reset() {
    this.cam.setZoom(1);
    this.cam.setScroll(0, 0);
    this.changed();
  }

  /** A drag on the background starts: it pans the picture. */
  startPan(pointer) {
    this.panning = { x: pointer.x, y: pointer.y, sx: this.cam.scrollX, sy: this.cam.scrollY };
  }

  /** While panning: follow the pointer; false when not panning. */
  pan(pointer) {
    const p = this.panning;
    if (!p || !pointer.isDown) return false;
    this.cam.setScroll(p.sx - (pointer.x - p.x) / this.cam.zoom, p.sy - (pointer.y - p.y) / this.cam.zoom);
    this.changed();
    return true;
  }

  endPan() { this.panning = null; }

  changed() {
    const cam = this.cam;
    this.onChange({ zoom: Math.round(cam.zoom * 1000) / 1000, scrollX: Math.round(cam.scrollX), scrollY: Math.round(cam.scrollY) });
  }
}
