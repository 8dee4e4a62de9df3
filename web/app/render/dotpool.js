// A free-list of reusable dot records with a dense list of the active ones.
// Pure module. Nothing is allocated per acquire/release once the pool has grown:
// records are created by `create(index)` only when the free-list is empty (and
// below capacity), then recycled forever.
//
//   pool.active[0..pool.active.length)  the live records (order is not stable)
//   pool.views                           record.view of each live record, same order
//                                        (handed to a Phaser Blitter as its render list)

export class DotPool {
  constructor({ create, capacity = 4096, initial = 0 }) {
    if (typeof create !== 'function') throw new TypeError('DotPool needs create(index)');
    this.create = create;
    this.capacity = capacity;
    this.created = 0;
    this.free = [];
    this.active = [];
    this.views = [];
    for (let i = 0; i < Math.min(initial, capacity); i++) this.free.push(this._make());
  }

  _make() {
    const item = this.create(this.created++);
    item._ai = -1;
    return item;
  }

  get size() { return this.active.length; }

  /** A record to use, or null when `capacity` records are all in use. */
  acquire() {
    let item;
    if (this.free.length > 0) item = this.free.pop();
    else if (this.created < this.capacity) item = this._make();
    else return null;
    item._ai = this.active.length;
    this.active.push(item);
    this.views.push(item.view);
    return item;
  }

  /** Give a live record back. Releasing a free record is a no-op. */
  release(item) {
    const i = item._ai;
    if (i < 0) return;
    const lastIndex = this.active.length - 1;
    const last = this.active[lastIndex];
    this.active[i] = last;
    this.views[i] = last.view;
    last._ai = i;
    this.active.pop();
    this.views.pop();
    item._ai = -1;
    this.free.push(item);
  }

  /** Release every live record. */
  releaseAll() {
    while (this.active.length) this.release(this.active[this.active.length - 1]);
  }
}
