/**
 * MultiDiscrete: k independent discrete values, value i in [start_i, start_i + nvec_i - 1] (as Gymnasium
 * 1.x `gymnasium/spaces/multi_discrete.py`, one-dimensional nvec). Values are Int32Arrays; flattening
 * concatenates one one-hot vector per element (`gymnasium.spaces.flatten`).
 */
import { describeValue } from './describe-value.js';
import { sampleInt } from './sampling.js';
import type { Rng, Space, SpaceJson } from './space.js';

/** A MultiDiscrete space. */
export class MultiDiscrete implements Space<Int32Array> {
  readonly type = 'MultiDiscrete' as const;
  readonly shape: readonly number[];
  /** Number of values of each element. */
  readonly nvec: readonly number[];
  /** Smallest value of each element. */
  readonly start: readonly number[];
  readonly flatSize: number;

  /**
   * @param nvec number of values of each element (each at least 1).
   * @param start smallest value of each element. @default all zeros
   * @throws RangeError naming the element when nvec/start are not integers, nvec_i < 1, the lengths
   *   differ, or a value would not fit in an Int32Array.
   */
  constructor(nvec: readonly number[], start?: readonly number[]) {
    const starts = start ?? nvec.map(() => 0);
    if (starts.length !== nvec.length) {
      throw new RangeError(`MultiDiscrete: start has ${starts.length} elements but nvec has ${nvec.length}.`);
    }
    for (const [i, n] of nvec.entries()) {
      if (!Number.isSafeInteger(n) || n < 1) {
        throw new RangeError(`MultiDiscrete: nvec[${i}] (${describeValue(n)}) must be a positive integer.`);
      }
      const s = starts[i]!;
      if (!Number.isSafeInteger(s) || s < -(2 ** 31) || s + n - 1 > 2 ** 31 - 1) {
        throw new RangeError(
          `MultiDiscrete: start[${i}] (${describeValue(s)}) must be an integer with start + nvec - 1 within int32.`,
        );
      }
    }
    this.nvec = Object.freeze([...nvec]);
    this.start = Object.freeze([...starts]);
    this.shape = Object.freeze([nvec.length]);
    this.flatSize = nvec.reduce((a, b) => a + b, 0);
  }

  sample(rng: Rng): Int32Array {
    const out = new Int32Array(this.nvec.length);
    for (let i = 0; i < out.length; i++) out[i] = this.start[i]! + sampleInt(rng, this.nvec[i]!);
    return out;
  }

  contains(x: unknown): x is Int32Array {
    return this.explain(x) === undefined;
  }

  /** Why `x` is not a member; undefined if it is. */
  explain(x: unknown): string | undefined {
    if (!(x instanceof Int32Array)) {
      return `expected an Int32Array of ${this.nvec.length} elements (MultiDiscrete), got ${describeValue(x)}`;
    }
    if (x.length !== this.nvec.length) return `expected ${this.nvec.length} elements, got ${x.length}`;
    for (let i = 0; i < x.length; i++) {
      const lo = this.start[i]!;
      const hi = lo + this.nvec[i]! - 1;
      if (x[i]! < lo || x[i]! > hi) return `element ${i} (${x[i]}) is outside [${lo}, ${hi}]`;
    }
    return undefined;
  }

  toJson(): SpaceJson {
    return { type: 'MultiDiscrete', nvec: [...this.nvec], start: [...this.start] };
  }

  /** @throws RangeError when an element is outside its range (it would write outside its slot). */
  flattenInto(x: Int32Array, out: Float32Array, offset: number): void {
    out.fill(0, offset, offset + this.flatSize);
    let base = offset;
    for (let i = 0; i < this.nvec.length; i++) {
      const n = this.nvec[i]!;
      const index = x[i]! - this.start[i]!;
      if (!(index >= 0 && index < n)) {
        throw new RangeError(`MultiDiscrete.flatten: element ${i} (${String(x[i])}) is outside its range.`);
      }
      out[base + index] = 1;
      base += n;
    }
  }

  flatten(x: Int32Array): Float32Array {
    const out = new Float32Array(this.flatSize);
    this.flattenInto(x, out, 0);
    return out;
  }

  /** @throws RangeError when `flat` has the wrong length or a one-hot block has no non-zero entry. */
  unflatten(flat: Float32Array): Int32Array {
    if (flat.length !== this.flatSize) {
      throw new RangeError(
        `MultiDiscrete.unflatten: expected ${this.flatSize} elements, got ${flat.length}.`,
      );
    }
    const out = new Int32Array(this.nvec.length);
    let base = 0;
    for (let i = 0; i < out.length; i++) {
      const n = this.nvec[i]!;
      let index = -1;
      for (let j = 0; j < n; j++) {
        if (flat[base + j] !== 0) {
          index = j;
          break;
        }
      }
      if (index < 0)
        throw new RangeError(`MultiDiscrete.unflatten: one-hot block ${i} has no non-zero entry.`);
      out[i] = this.start[i]! + index;
      base += n;
    }
    return out;
  }
}
