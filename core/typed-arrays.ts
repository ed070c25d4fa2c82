/**
 * The numeric typed arrays tsrl stores and sends (sample-batch columns, checkpoint blobs, Box values),
 * their dtype names and constructors: one table for every layer.
 */

/** A numeric typed array of one of the {@link TypedArrayDtype}s. */
export type NumericArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array;

/** Constructors by dtype name (numpy's names). */
export const NUMERIC_ARRAY_TYPES = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
} as const;

/** The dtype names of {@link NumericArray}. */
export type NumericDtype = keyof typeof NUMERIC_ARRAY_TYPES;

/**
 * The dtype of a typed array, or undefined when `x` is none of the {@link NumericArray} types
 * (a Uint8ClampedArray or a BigInt array; a Node Buffer is a Uint8Array and counts as uint8).
 */
export function numericDtypeOf(x: unknown): NumericDtype | undefined {
  if (x instanceof Float32Array) return 'float32';
  if (x instanceof Float64Array) return 'float64';
  if (x instanceof Int8Array) return 'int8';
  if (x instanceof Int16Array) return 'int16';
  if (x instanceof Int32Array) return 'int32';
  if (x instanceof Uint8Array) return 'uint8';
  if (x instanceof Uint16Array) return 'uint16';
  if (x instanceof Uint32Array) return 'uint32';
  return undefined;
}
