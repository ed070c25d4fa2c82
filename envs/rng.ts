/**
 * The seeded random source of envs and spaces.
 *
 * Generator: sfc32 ("Small Fast Counting", Chris Doty-Humphrey, PractRand 0.94), 128 bits of state
 * (three 32-bit words and a 32-bit counter), period at least 2^32, passes PractRand and BigCrush.
 * Seeding follows PractRand's `sfc32::seed`: words (0, seedLo, seedHi), counter 1, then 12 rounds
 * discarded so that nearby seeds give unrelated streams.
 */
import type { Rng } from './spaces/space.js';

/** The JSON-serialisable state of a {@link SeededRng}, saved in checkpoints. */
export interface RngState {
  readonly algorithm: 'sfc32';
  /** [a, b, c, counter] as unsigned 32-bit integers. */
  readonly words: readonly [number, number, number, number];
}

const TWO_POW_32 = 4294967296;

/** A deterministic PRNG (sfc32) with the helpers envs need. Not for cryptography. */
export class SeededRng implements Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private counter = 0;

  /** Use {@link SeededRng.fromSeed} or {@link SeededRng.fromState}. */
  private constructor() {}

  /**
   * A generator seeded from an integer; the same seed always gives the same stream.
   * @throws RangeError when `seed` is not a safe integer.
   */
  static fromSeed(seed: number): SeededRng {
    if (!Number.isSafeInteger(seed)) {
      throw new RangeError(`SeededRng.fromSeed: seed (${String(seed)}) must be a safe integer.`);
    }
    const rng = new SeededRng();
    rng.b = seed >>> 0;
    // Floor division keeps negative seeds distinct from their unsigned 32-bit twins.
    rng.c = Math.floor(seed / TWO_POW_32) >>> 0;
    rng.counter = 1;
    for (let i = 0; i < 12; i++) rng.nextUint32();
    return rng;
  }

  /**
   * A generator resumed from a state saved by {@link SeededRng.getState}.
   * @throws TypeError when `state` is not a valid {@link RngState}.
   */
  static fromState(state: unknown): SeededRng {
    const rng = new SeededRng();
    rng.setState(state);
    return rng;
  }

  /** A seed drawn from the OS clock and Math.random, for when the user gives none. */
  static randomSeed(): number {
    return Math.floor(Math.random() * 2 ** 31) ^ (Date.now() & 0x7fffffff);
  }

  /** The next unsigned 32-bit integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.counter) | 0;
    this.counter = (this.counter + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1) with 32 bits of randomness. */
  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** A float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /**
   * An integer in [0, n), unbiased (rejection sampling on 32-bit draws).
   * @throws RangeError when `n` is not an integer in [1, 2^32].
   */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new RangeError(`SeededRng.nextInt: n (${String(n)}) must be an integer in [1, 2^32].`);
    }
    // Reject the top partial block of 2^32 so every residue is equally likely.
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** A standard normal draw (Box-Muller; no cached spare, so the state stays four words). */
  normal(): number {
    // 1 - next() lies in (0, 1], so the log is finite.
    const u1 = 1 - this.next();
    const u2 = this.next();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** An exponential draw with rate 1. */
  exponential(): number {
    return -Math.log(1 - this.next());
  }

  /** The state as plain JSON; {@link SeededRng.setState} resumes the stream exactly. */
  getState(): RngState {
    return { algorithm: 'sfc32', words: [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.counter >>> 0] };
  }

  /**
   * Restores a state saved by {@link SeededRng.getState} (for example from a checkpoint).
   * @throws TypeError naming the field when `state` is malformed.
   */
  setState(state: unknown): void {
    if (typeof state !== 'object' || state === null) {
      throw new TypeError(
        `SeededRng.setState: state must be an object { algorithm, words }, got ${typeof state}.`,
      );
    }
    const { algorithm, words } = state as { algorithm?: unknown; words?: unknown };
    if (algorithm !== 'sfc32') {
      throw new TypeError(`SeededRng.setState: state.algorithm (${String(algorithm)}) must be 'sfc32'.`);
    }
    if (
      !Array.isArray(words) ||
      words.length !== 4 ||
      !words.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32)
    ) {
      throw new TypeError(
        `SeededRng.setState: state.words (${JSON.stringify(words)}) must be 4 unsigned 32-bit integers.`,
      );
    }
    const [a, b, c, counter] = words as [number, number, number, number];
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.counter = counter | 0;
  }
}
