/**
 * The one seeded random number generator (mulberry32): weight initialisation, shuffling, crops
 * and flips repeat exactly for a given --seed on every backend (tf's own seeded ops differ
 * between backends), and generated data (synthetic scenes, the demo site, benchmark stores) is
 * the same on every run and machine.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    // Mix the seed so that nearby seeds (0, 1, 2) give unrelated streams.
    this.state = hashSeed(seed);
  }

  /**
   * The stream of `seed` as given, without mixing it first. The demo site's scenes were always
   * generated so: keeping this keeps the site (and the demo's output) the same.
   */
  static unmixed(seed: number): Rng {
    const rng = new Rng(0);
    rng.state = seed | 0;
    return rng;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** One of `items`, uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A child generator with its own stream, e.g. one per epoch or per purpose. */
  fork(salt: number): Rng {
    return new Rng((this.state ^ hashSeed(salt)) >>> 0);
  }

  /** Shuffles in place (Fisher–Yates). */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }
}

function hashSeed(seed: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
