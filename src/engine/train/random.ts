/**
 * A seeded generator (mulberry32) whose whole state is one number: saved with a checkpoint, it
 * makes a resumed training draw exactly the patches an uninterrupted one would have drawn.
 */
export class Random {
  constructor(private state: number) {}

  get seed(): number {
    return this.state;
  }

  /** uniform in [0, 1) */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  shuffle<T>(items: T[]): T[] {
    for (let n = items.length - 1; n > 0; n--) {
      const m = this.int(n + 1);
      [items[n], items[m]] = [items[m], items[n]];
    }
    return items;
  }
}
