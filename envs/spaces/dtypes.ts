/**
 * The Box dtypes: their typed-array classes and value ranges.
 */
import { numericDtypeOf } from '../../core/typed-arrays.js';
import type { BoxDtype } from './space.js';

/** The typed array that holds values of a Box of dtype `D`. */
export type BoxArrayOf<D extends BoxDtype> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int8'
      ? Int8Array
      : D extends 'int16'
        ? Int16Array
        : D extends 'int32'
          ? Int32Array
          : D extends 'uint8'
            ? Uint8Array
            : never;

/** Any Box value. */
export type BoxArray = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array;

/** What a dtype is made of. */
export interface DtypeInfo {
  /** Allocates a zeroed array of `length` elements. */
  readonly create: (length: number) => BoxArray;
  /** The typed-array class, for `instanceof` checks. */
  readonly arrayClass: { readonly name: string; [Symbol.hasInstance](x: unknown): boolean };
  readonly integer: boolean;
  /** Smallest and largest representable value (finite for integer dtypes). */
  readonly min: number;
  readonly max: number;
}

/** Facts about each dtype. */
export const DTYPES: Readonly<Record<BoxDtype, DtypeInfo>> = {
  float32: {
    create: (n) => new Float32Array(n),
    arrayClass: Float32Array,
    integer: false,
    min: Number.NEGATIVE_INFINITY,
    max: Number.POSITIVE_INFINITY,
  },
  float64: {
    create: (n) => new Float64Array(n),
    arrayClass: Float64Array,
    integer: false,
    min: Number.NEGATIVE_INFINITY,
    max: Number.POSITIVE_INFINITY,
  },
  int8: { create: (n) => new Int8Array(n), arrayClass: Int8Array, integer: true, min: -128, max: 127 },
  int16: { create: (n) => new Int16Array(n), arrayClass: Int16Array, integer: true, min: -32768, max: 32767 },
  int32: {
    create: (n) => new Int32Array(n),
    arrayClass: Int32Array,
    integer: true,
    min: -2147483648,
    max: 2147483647,
  },
  uint8: { create: (n) => new Uint8Array(n), arrayClass: Uint8Array, integer: true, min: 0, max: 255 },
};

/** The dtype names, in a stable order (for error messages). */
export const BOX_DTYPES: readonly BoxDtype[] = ['float32', 'float64', 'int8', 'int16', 'int32', 'uint8'];

/** True when `x` names a Box dtype. */
export function isBoxDtype(x: unknown): x is BoxDtype {
  return typeof x === 'string' && (BOX_DTYPES as readonly string[]).includes(x);
}

/** The dtype of a typed array, or undefined when `x` is none of the Box arrays. */
export function dtypeOf(x: unknown): BoxDtype | undefined {
  const dtype = numericDtypeOf(x);
  return dtype === 'uint16' || dtype === 'uint32' ? undefined : dtype;
}
