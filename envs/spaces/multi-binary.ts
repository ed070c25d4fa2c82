/**
 * MultiBinary: an array of 0/1 values of a fixed shape (as Gymnasium 1.x `gymnasium/spaces/multi_binary.py`,
 * dtype int8). Values are Int8Arrays of the shape's size, row-major; flattening copies the values.
 */
import { describeValue } from './describe-value.js';
import type { Rng, Space, SpaceJson } from './space.js';

/** A MultiBinary space. */
export class MultiBinary implements Space<Int8Array> {
  readonly type = 'MultiBinary' as const;
  readonly shape: readonly number[];
  /** Number of elements (product of the shape). */
  readonly size: number;
  readonly flatSize: number;

  /**
   * @param shape a number n (shape [n]) or a shape.
   * @throws RangeError naming the dimension when it is not a non-negative integer.
   */
  constructor(shape: number | readonly number[]) {
    const dims = typeof shape === 'number' ? [shape] : [...shape];
    for (const [i, d] of dims.entries()) {
      if (!Number.isSafeInteger(d) || d < 0) {
        throw new RangeError(
          `MultiBinary: shape[${i}] (${describeValue(d)}) must be a non-negative integer.`,
        );
      }
    }
    this.shape = Object.freeze(dims);
    this.size = dims.reduce((a, b) => a * b, 1);
    this.flatSize = this.size;
  }

  sample(rng: Rng): Int8Array {
    const out = new Int8Array(this.size);
    for (let i = 0; i < this.size; i++) out[i] = rng.next() < 0.5 ? 0 : 1;
    return out;
  }

  contains(x: unknown): x is Int8Array {
    return this.explain(x) === undefined;
  }

  /** Why `x` is not a member; undefined if it is. */
  explain(x: unknown): string | undefined {
    if (!(x instanceof Int8Array)) {
      return `expected an Int8Array of ${this.size} elements of 0/1 (MultiBinary), got ${describeValue(x)}`;
    }
    if (x.length !== this.size)
      return `expected ${this.size} elements (shape [${this.shape.join(', ')}]), got ${x.length}`;
    for (let i = 0; i < x.length; i++) {
      if (x[i] !== 0 && x[i] !== 1) return `element ${i} (${x[i]}) is not 0 or 1`;
    }
    return undefined;
  }

  toJson(): SpaceJson {
    return { type: 'MultiBinary', shape: [...this.shape] };
  }

  flattenInto(x: Int8Array, out: Float32Array, offset: number): void {
    for (let i = 0; i < this.size; i++) out[offset + i] = x[i]!;
  }

  flatten(x: Int8Array): Float32Array {
    const out = new Float32Array(this.size);
    this.flattenInto(x, out, 0);
    return out;
  }

  /** Non-zero entries become 1. @throws RangeError when `flat` has the wrong length. */
  unflatten(flat: Float32Array): Int8Array {
    if (flat.length !== this.size) {
      throw new RangeError(`MultiBinary.unflatten: expected ${this.size} elements, got ${flat.length}.`);
    }
    const out = new Int8Array(this.size);
    for (let i = 0; i < this.size; i++) out[i] = flat[i] !== 0 ? 1 : 0;
    return out;
  }
}
