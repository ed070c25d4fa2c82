/**
 * The contract every space implements (Discrete, Box, MultiDiscrete, MultiBinary, Tuple, Dict).
 * Semantics follow Gymnasium's `gymnasium.spaces`; the JSON form is what crosses the env protocol.
 */

/** A seeded random source. `next()` returns a float in [0, 1). */
export interface Rng {
  next(): number;
}

/** The dtypes a Box may hold; observations of float dtypes travel as float32/float64 arrays. */
export type BoxDtype = 'float32' | 'float64' | 'int8' | 'int16' | 'int32' | 'uint8';

/** JSON form of a space: plain data that round-trips through `spaceFromJson`. */
export type SpaceJson =
  | { type: 'Discrete'; n: number; start: number }
  | {
      type: 'Box';
      shape: number[];
      dtype: BoxDtype;
      // Per element, row-major; JSON has no Infinity, so infinite bounds are written as null.
      low: (number | null)[];
      high: (number | null)[];
    }
  | { type: 'MultiDiscrete'; nvec: number[]; start: number[] }
  | { type: 'MultiBinary'; shape: number[] }
  | { type: 'Tuple'; spaces: SpaceJson[] }
  | { type: 'Dict'; spaces: Record<string, SpaceJson> };

/** What a value of each kind of space looks like in TypeScript. */
export type SpaceValue =
  | number
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | SpaceValue[]
  | { [key: string]: SpaceValue };

/** A set of valid values (observations or actions). */
export interface Space<T extends SpaceValue = SpaceValue> {
  readonly type: SpaceJson['type'];
  /** Shape of one value; `[]` for Discrete, undefined for Tuple/Dict. */
  readonly shape: readonly number[] | undefined;
  /** Length of the Float32Array produced by `flatten` (one-hot for Discrete, as Gymnasium's flatdim). */
  readonly flatSize: number;
  /** A uniformly random member, drawn from `rng`. */
  sample(rng: Rng): T;
  /** True when `x` is a member: right type, shape, dtype and within bounds. */
  contains(x: unknown): x is T;
  /** The JSON form. */
  toJson(): SpaceJson;
  /** Writes `x` flattened into `out` at `offset` (allocation-free for hot loops). */
  flattenInto(x: T, out: Float32Array, offset: number): void;
  /** Flattens `x` into a new Float32Array of length `flatSize`. */
  flatten(x: T): Float32Array;
  /** Inverse of `flatten`. */
  unflatten(flat: Float32Array): T;
}

/**
 * Spaces may also explain why a value is not a member (all of tsrl's spaces do); the env checker and
 * the remote env use it for precise errors. Optional, so any object with the methods above is a Space.
 */
export interface ExplainingSpace {
  /** Why `x` is not a member (naming the offending part and value); undefined when it is one. */
  explain(x: unknown): string | undefined;
}
