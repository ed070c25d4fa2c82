/**
 * Discrete: the integers {start, start + 1, ..., start + n - 1} (as Gymnasium 1.x
 * `gymnasium/spaces/discrete.py`). Flattens to a one-hot vector of length n (`gymnasium.spaces.flatten`).
 */
import { describeValue } from './describe-value.js';
import { sampleInt } from './sampling.js';
import type { Rng, Space, SpaceJson } from './space.js';

/** A Discrete space of `n` integers starting at `start`. Values are plain numbers. */
export class Discrete implements Space<number> {
  readonly type = 'Discrete' as const;
  readonly shape: readonly number[] = Object.freeze([]);
  readonly n: number;
  readonly start: number;
  readonly flatSize: number;

  /**
   * @param n number of values, at least 1.
   * @param start the smallest value. @default 0
   * @throws RangeError when `n` is not a positive safe integer or `start` not a safe integer.
   */
  constructor(n: number, start = 0) {
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new RangeError(`Discrete: n (${describeValue(n)}) must be a positive integer.`);
    }
    if (!Number.isSafeInteger(start)) {
      throw new RangeError(`Discrete: start (${describeValue(start)}) must be an integer.`);
    }
    this.n = n;
    this.start = start;
    this.flatSize = n;
  }

  sample(rng: Rng): number {
    return this.start + sampleInt(rng, this.n);
  }

  contains(x: unknown): x is number {
    return this.explain(x) === undefined;
  }

  /** Why `x` is not a member; undefined if it is. */
  explain(x: unknown): string | undefined {
    if (typeof x !== 'number' || !Number.isInteger(x)) {
      return `expected an integer in [${this.start}, ${this.start + this.n - 1}], got ${describeValue(x)}`;
    }
    if (x < this.start || x >= this.start + this.n) {
      return `${x} is outside [${this.start}, ${this.start + this.n - 1}]`;
    }
    return undefined;
  }

  toJson(): SpaceJson {
    return { type: 'Discrete', n: this.n, start: this.start };
  }

  /** @throws RangeError when `x` is not a member (it would write outside its slot). */
  flattenInto(x: number, out: Float32Array, offset: number): void {
    const index = x - this.start;
    if (!(index >= 0 && index < this.n && Number.isInteger(index))) {
      throw new RangeError(
        `Discrete.flatten: ${describeValue(x)} is not in [${this.start}, ${this.start + this.n - 1}].`,
      );
    }
    out.fill(0, offset, offset + this.n);
    out[offset + index] = 1;
  }

  flatten(x: number): Float32Array {
    const out = new Float32Array(this.n);
    this.flattenInto(x, out, 0);
    return out;
  }

  /**
   * The value whose one-hot is `flat` (the first non-zero entry, as Gymnasium's `unflatten`).
   * @throws RangeError when `flat` has the wrong length or no non-zero entry.
   */
  unflatten(flat: Float32Array): number {
    if (flat.length !== this.n) {
      throw new RangeError(`Discrete.unflatten: expected ${this.n} elements, got ${flat.length}.`);
    }
    const index = flat.findIndex((v) => v !== 0);
    if (index < 0) throw new RangeError('Discrete.unflatten: the one-hot vector has no non-zero entry.');
    return this.start + index;
  }
}
