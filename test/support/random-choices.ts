/**
 * Choices drawn from a seeded generator (mulberry32): a failing workload can be run
 * again with the seed its failure message gives.
 */
export class RandomChoices {
  private state: number;

  constructor(readonly seed: number = Math.floor(Math.random() * 2 ** 31)) {
    this.state = seed >>> 0;
  }

  /** A number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  oneOf<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}
