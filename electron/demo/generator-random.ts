// Seeded pseudo-random numbers for the demo mailbox generator. Each (seed, message index, purpose) triple gets its
// own independent stream, so any one message can be built without building the ones before it.
import { createHash } from 'node:crypto';

/**
 * Pseudo-random numbers from the xoshiro128** generator (Blackman and Vigna, 2018): fast, with a 2^128 - 1
 * period, and fully determined by its 128-bit state. Not suitable for anything secret.
 */
export class GeneratorRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Creates a stream from 16 state octets; an all-zero state would stay zero, so it is replaced. */
  constructor(state: Buffer) {
    this.s0 = state.readUInt32LE(0);
    this.s1 = state.readUInt32LE(4);
    this.s2 = state.readUInt32LE(8);
    this.s3 = state.readUInt32LE(12);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) {
      this.s0 = 0x9e3779b9;
    }
  }

  /** Returns an unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotateLeft(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;

    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotateLeft(this.s3, 11);

    return result;
  }

  /** Returns a float in [0, 1). */
  next(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** Returns an integer in [min, max], both ends included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Returns true with the given probability. */
  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** Returns one element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) {
      throw new Error('GeneratorRandom.pick needs a non-empty list');
    }
    return item;
  }

  /** Returns `count` distinct elements of a list in random order (fewer if the list is shorter). */
  sample<T>(items: readonly T[], count: number): T[] {
    const pool = [...items];
    const chosen: T[] = [];
    while (chosen.length < count && pool.length > 0) {
      const [item] = pool.splice(Math.floor(this.next() * pool.length), 1);
      if (item !== undefined) {
        chosen.push(item);
      }
    }
    return chosen;
  }

  /** Returns a string of `length` random characters from `alphabet`. */
  chars(alphabet: string, length: number): string {
    let text = '';
    for (let i = 0; i < length; i++) {
      text += alphabet[Math.floor(this.next() * alphabet.length)] ?? '';
    }
    return text;
  }

  /** Returns a string of `length` random decimal digits. */
  digits(length: number): string {
    return this.chars('0123456789', length);
  }
}

function rotateLeft(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits));
}

/** Creates the random stream of one purpose (such as "plan" or "body") of one message of one seeded mailbox. */
export function createRandom(seed: number, index: number, purpose: string): GeneratorRandom {
  const digest = createHash('sha256').update(`mailcase-demo/${seed}/${index}/${purpose}`).digest();
  return new GeneratorRandom(digest.subarray(0, 16));
}
