const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** Small seeded PRNG (mulberry32) so generated sample data is the same on every machine. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** `length` hex digits, eight from each draw (the unused rest of the last draw is dropped). */
  hex(length: number): string {
    let text = '';
    while (text.length < length) {
      const word = Math.floor(this.next() * 0x100000000);
      text +=
        HEX_BYTES[word >>> 24]! +
        HEX_BYTES[(word >>> 16) & 0xff]! +
        HEX_BYTES[(word >>> 8) & 0xff]! +
        HEX_BYTES[word & 0xff]!;
    }
    return text.length === length ? text : text.slice(0, length);
  }
}
