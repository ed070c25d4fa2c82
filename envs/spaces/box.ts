/**
 * Box: an array of numbers of a fixed shape and dtype, each element within [low_i, high_i]
 * (as Gymnasium 1.x `gymnasium/spaces/box.py`).
 */
import { describeValue } from './describe-value.js';
import { type BoxArrayOf, DTYPES } from './dtypes.js';
import { sampleExponential, sampleInt, sampleNormal } from './sampling.js';
import type { BoxDtype, Rng, Space, SpaceJson } from './space.js';

/** Options of {@link Box}. */
export interface BoxOptions<D extends BoxDtype> {
  /** Lower bound: one number for every element, or one per element (row-major). May be -Infinity. */
  low: number | ArrayLike<number>;
  /** Upper bound: one number for every element, or one per element (row-major). May be Infinity. */
  high: number | ArrayLike<number>;
  /** Shape of a value. @default the length of `low`/`high` when one is an array, else [1] (as Gymnasium) */
  shape?: readonly number[];
  /** Element type. @default 'float32' */
  dtype?: D;
}

/**
 * A Box space. Values are typed arrays of the dtype (Float32Array for float32) of `size` elements.
 * float32 bounds are rounded to float32 (`Math.fround`); for integer dtypes infinite bounds become the
 * dtype's limits. Sampling follows Gymnasium: uniform where bounded on both sides, `low + Exp(1)` or
 * `high - Exp(1)` where bounded on one side, N(0, 1) where unbounded, uniform integers for int dtypes.
 */
export class Box<D extends BoxDtype = 'float32'> implements Space<BoxArrayOf<D>> {
  readonly type = 'Box' as const;
  readonly shape: readonly number[];
  readonly dtype: D;
  /** Number of elements (product of the shape). */
  readonly size: number;
  readonly flatSize: number;
  /** Per-element lower bounds (after dtype rounding), row-major. */
  readonly low: Float64Array;
  /** Per-element upper bounds (after dtype rounding), row-major. */
  readonly high: Float64Array;

  /**
   * @throws RangeError naming the field when the shape, dtype or bounds are invalid (NaN, low > high,
   *   array lengths not matching the shape, non-integer or out-of-range bounds for integer dtypes).
   */
  constructor(options: BoxOptions<D>) {
    const dtype = (options.dtype ?? 'float32') as D;
    const info = DTYPES[dtype];
    if (info === undefined) {
      throw new RangeError(
        `Box: dtype (${String(dtype)}) must be one of float32, float64, int8, int16, int32, uint8.`,
      );
    }
    this.dtype = dtype;
    const shape = options.shape ?? inferShape(options.low, options.high);
    for (const [i, d] of shape.entries()) {
      if (!Number.isSafeInteger(d) || d < 0) {
        throw new RangeError(`Box: shape[${i}] (${String(d)}) must be a non-negative integer.`);
      }
    }
    this.shape = Object.freeze([...shape]);
    this.size = shape.reduce((a, b) => a * b, 1);
    this.flatSize = this.size;
    this.low = expandBound('low', options.low, this.size, this.shape);
    this.high = expandBound('high', options.high, this.size, this.shape);
    for (let i = 0; i < this.size; i++) {
      this.low[i] = normaliseBound('low', i, this.low[i]!, dtype);
      this.high[i] = normaliseBound('high', i, this.high[i]!, dtype);
      if (this.low[i]! > this.high[i]!) {
        throw new RangeError(`Box: low[${i}] (${this.low[i]}) must be <= high[${i}] (${this.high[i]}).`);
      }
    }
  }

  /** True when every element has a finite lower and upper bound. */
  isBounded(): boolean {
    for (let i = 0; i < this.size; i++) {
      if (!Number.isFinite(this.low[i]!) || !Number.isFinite(this.high[i]!)) return false;
    }
    return true;
  }

  /** Allocates a zeroed value of this space's dtype and size (not necessarily a member). */
  zeros(): BoxArrayOf<D> {
    return DTYPES[this.dtype].create(this.size) as BoxArrayOf<D>;
  }

  sample(rng: Rng): BoxArrayOf<D> {
    const out = this.zeros();
    const integer = DTYPES[this.dtype].integer;
    for (let i = 0; i < this.size; i++) {
      const lo = this.low[i]!;
      const hi = this.high[i]!;
      if (integer) {
        out[i] = lo + sampleInt(rng, hi - lo + 1);
        continue;
      }
      const loFinite = Number.isFinite(lo);
      const hiFinite = Number.isFinite(hi);
      let v: number;
      if (loFinite && hiFinite) v = lo + (hi - lo) * rng.next();
      else if (loFinite) v = lo + sampleExponential(rng);
      else if (hiFinite) v = hi - sampleExponential(rng);
      else v = sampleNormal(rng);
      out[i] = v;
      // float32 rounding may step outside [lo, hi] only by rounding to a bound's neighbour: clamp.
      if (out[i]! > hi) out[i] = hi;
      else if (out[i]! < lo) out[i] = lo;
    }
    return out;
  }

  contains(x: unknown): x is BoxArrayOf<D> {
    return this.explain(x) === undefined;
  }

  /** Why `x` is not a member (type, length, dtype or the first element out of bounds); undefined if it is. */
  explain(x: unknown): string | undefined {
    const info = DTYPES[this.dtype];
    if (!(x instanceof info.arrayClass)) {
      return `expected a ${info.arrayClass.name} (Box dtype ${this.dtype}) of ${this.size} elements, got ${describeValue(x)}`;
    }
    const arr = x as unknown as ArrayLike<number>;
    if (arr.length !== this.size) {
      return `expected ${this.size} elements (shape [${this.shape.join(', ')}]), got ${arr.length}`;
    }
    for (let i = 0; i < this.size; i++) {
      const v = arr[i]!;
      // Written so that NaN fails.
      if (!(v >= this.low[i]! && v <= this.high[i]!)) {
        return `element ${i} (${v}) is outside [${this.low[i]}, ${this.high[i]}]`;
      }
    }
    return undefined;
  }

  toJson(): SpaceJson {
    return {
      type: 'Box',
      shape: [...this.shape],
      dtype: this.dtype,
      low: Array.from(this.low, finiteOrNull),
      high: Array.from(this.high, finiteOrNull),
    };
  }

  /** Copies the values; float64 values are rounded to float32 (values beyond float32 range become ±Infinity). */
  flattenInto(x: BoxArrayOf<D>, out: Float32Array, offset: number): void {
    for (let i = 0; i < this.size; i++) out[offset + i] = x[i]!;
  }

  flatten(x: BoxArrayOf<D>): Float32Array {
    const out = new Float32Array(this.size);
    this.flattenInto(x, out, 0);
    return out;
  }

  /** @throws RangeError when `flat` does not have `flatSize` elements. */
  unflatten(flat: Float32Array): BoxArrayOf<D> {
    if (flat.length !== this.size) {
      throw new RangeError(`Box.unflatten: expected ${this.size} elements, got ${flat.length}.`);
    }
    const out = this.zeros();
    out.set(flat);
    return out;
  }
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function inferShape(low: number | ArrayLike<number>, high: number | ArrayLike<number>): number[] {
  if (typeof low !== 'number') return [low.length];
  if (typeof high !== 'number') return [high.length];
  return [1];
}

function expandBound(
  name: 'low' | 'high',
  bound: number | ArrayLike<number>,
  size: number,
  shape: readonly number[],
): Float64Array {
  if (typeof bound === 'number') return new Float64Array(size).fill(bound);
  if (bound === null || typeof bound !== 'object' || typeof bound.length !== 'number') {
    throw new RangeError(`Box: ${name} (${describeValue(bound)}) must be a number or an array of numbers.`);
  }
  if (bound.length !== size) {
    throw new RangeError(
      `Box: ${name} has ${bound.length} elements but shape [${shape.join(', ')}] needs ${size}.`,
    );
  }
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const v = bound[i];
    if (typeof v !== 'number') {
      throw new RangeError(`Box: ${name}[${i}] (${describeValue(v)}) must be a number.`);
    }
    out[i] = v;
  }
  return out;
}

function normaliseBound(name: 'low' | 'high', i: number, v: number, dtype: BoxDtype): number {
  if (Number.isNaN(v))
    throw new RangeError(`Box: ${name}[${i}] is NaN; bounds must be numbers or ±Infinity.`);
  const info = DTYPES[dtype];
  if (!info.integer) return dtype === 'float32' ? Math.fround(v) : v;
  if (v === Number.NEGATIVE_INFINITY) return info.min;
  if (v === Number.POSITIVE_INFINITY) return info.max;
  if (!Number.isInteger(v) || v < info.min || v > info.max) {
    throw new RangeError(
      `Box: ${name}[${i}] (${v}) must be an integer in [${info.min}, ${info.max}] for dtype ${dtype}.`,
    );
  }
  return v;
}
