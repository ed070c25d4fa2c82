/**
 * A columnar batch of rows: one typed array per column (see {@link Columns} for the vocabulary and
 * each column's shape and dtype). No per-row objects anywhere: concat, slice, select and shuffle work
 * on whole typed arrays.
 *
 * The plain form ({@link SampleBatchPlain}) is what crosses process boundaries: msgpackr with
 * `new Packr({ useRecords: false, moreTypes: true })` round-trips it with typed arrays intact, and
 * {@link SampleBatch.fromPlain} validates it as untrusted input.
 */
import type { Rng } from '../../envs/spaces/space.js';
import { allocColumn, type ColumnArray, type ColumnDtype, dtypeOf } from './columns.js';

/** The plain-data form of a {@link SampleBatch}. */
export interface SampleBatchPlain {
  /** Number of rows. */
  count: number;
  /** Column name -> typed array of `count * rowSize` elements, row-major. */
  columns: Record<string, ColumnArray>;
  /** Column name -> shape of one row (`[]` for a scalar per row). Optional for scalar or flat rows. */
  shapes?: Record<string, number[]>;
}

/** Options of {@link SampleBatch.minibatches}. */
export interface MinibatchOptions {
  /** Shuffles the rows first with this generator; rows stay in order when absent. */
  rng?: Rng;
  /** Skips a last minibatch smaller than `minibatchSize`. @default false */
  dropLast?: boolean;
}

function product(shape: readonly number[]): number {
  let p = 1;
  for (const d of shape) p *= d;
  return p;
}

function isShape(x: unknown): x is number[] {
  return Array.isArray(x) && x.every((d) => Number.isSafeInteger(d) && d >= 0);
}

/**
 * A uniformly random permutation of 0..n-1 (Fisher-Yates, Knuth vol. 2 Algorithm P), drawn from `rng`.
 * @throws RangeError when `n` is not a non-negative integer below 2^32.
 */
export function permutation(n: number, rng: Rng): Uint32Array {
  if (!Number.isSafeInteger(n) || n < 0 || n >= 2 ** 32) {
    throw new RangeError(`permutation: n (${String(n)}) must be a non-negative integer below 2^32.`);
  }
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    // floor(next() * (i + 1)) is in [0, i]; the min guards against an rng returning exactly 1.
    const j = Math.min(i, Math.floor(rng.next() * (i + 1)));
    const tmp = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = tmp;
  }
  return perm;
}

/** A columnar batch of `count` rows. Immutable in structure; column contents are shared, not copied. */
export class SampleBatch {
  /** Number of rows. */
  readonly count: number;
  /** Column name -> typed array of `count * rowSize(name)` elements. */
  readonly columns: Readonly<Record<string, ColumnArray>>;
  /** Column name -> shape of one row. */
  readonly shapes: Readonly<Record<string, readonly number[]>>;

  /**
   * Wraps the given arrays (not copied). A column's row shape defaults to `[]` when it has `count`
   * elements and to `[length / count]` otherwise.
   * @throws RangeError naming the column when a length is not `count` times its row size, or a shape
   * is given for a column that does not exist.
   */
  constructor(
    count: number,
    columns: Readonly<Record<string, ColumnArray>>,
    shapes: Readonly<Record<string, readonly number[]>> = {},
  ) {
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new RangeError(`SampleBatch: count (${String(count)}) must be a non-negative integer.`);
    }
    const resolved: Record<string, readonly number[]> = {};
    for (const [name, array] of Object.entries(columns)) {
      if (dtypeOf(array) === undefined) {
        throw new TypeError(`SampleBatch: column '${name}' must be a typed array, got ${describe(array)}.`);
      }
      const given = shapes[name];
      let shape: readonly number[];
      if (given !== undefined) {
        if (!isShape(given)) {
          throw new RangeError(
            `SampleBatch: shapes.${name} (${JSON.stringify(given)}) must be an array of non-negative integers.`,
          );
        }
        shape = given;
      } else if (array.length === count) {
        shape = [];
      } else if (count > 0 && array.length % count === 0) {
        shape = [array.length / count];
      } else {
        throw new RangeError(
          `SampleBatch: column '${name}' has ${array.length} elements, not a multiple of count (${count}).`,
        );
      }
      const rowSize = product(shape);
      if (array.length !== count * rowSize) {
        throw new RangeError(
          `SampleBatch: column '${name}' has ${array.length} elements; expected count (${count}) x row size ` +
            `(${rowSize}, shape [${shape.join(', ')}]) = ${count * rowSize}.`,
        );
      }
      resolved[name] = shape;
    }
    for (const name of Object.keys(shapes)) {
      if (!(name in columns)) {
        throw new RangeError(`SampleBatch: shapes.${name} is given but there is no column '${name}'.`);
      }
    }
    this.count = count;
    this.columns = Object.freeze({ ...columns });
    this.shapes = Object.freeze(resolved);
  }

  /**
   * Validates untrusted plain data (from the wire or a file) and wraps it.
   * @throws TypeError / RangeError naming the field, its value and what was expected.
   */
  static fromPlain(plain: unknown): SampleBatch {
    if (typeof plain !== 'object' || plain === null) {
      throw new TypeError(
        `SampleBatch.fromPlain: expected an object { count, columns, shapes? }, got ${describe(plain)}.`,
      );
    }
    const { count, columns, shapes } = plain as { count?: unknown; columns?: unknown; shapes?: unknown };
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
      throw new TypeError(
        `SampleBatch.fromPlain: count (${describe(count)}) must be a non-negative integer.`,
      );
    }
    if (typeof columns !== 'object' || columns === null || Array.isArray(columns)) {
      throw new TypeError(
        `SampleBatch.fromPlain: columns (${describe(columns)}) must be an object of typed arrays.`,
      );
    }
    const cols: Record<string, ColumnArray> = {};
    for (const [name, value] of Object.entries(columns)) {
      if (Buffer.isBuffer(value)) {
        throw new TypeError(
          `SampleBatch.fromPlain: columns.${name} arrived as a Buffer, so its dtype was lost in transit: ` +
            'pack with new Packr({ useRecords: false, moreTypes: true }) to keep typed arrays.',
        );
      }
      if (dtypeOf(value) === undefined) {
        throw new TypeError(
          `SampleBatch.fromPlain: columns.${name} must be a typed array, got ${describe(value)}.`,
        );
      }
      cols[name] = value as ColumnArray;
    }
    const shp: Record<string, number[]> = {};
    if (shapes !== undefined && shapes !== null) {
      if (typeof shapes !== 'object' || Array.isArray(shapes)) {
        throw new TypeError(
          `SampleBatch.fromPlain: shapes (${describe(shapes)}) must be an object of arrays.`,
        );
      }
      for (const [name, value] of Object.entries(shapes)) {
        if (!isShape(value)) {
          throw new TypeError(
            `SampleBatch.fromPlain: shapes.${name} (${JSON.stringify(value)}) must be an array of non-negative integers.`,
          );
        }
        shp[name] = value;
      }
    }
    return new SampleBatch(count, cols, shp);
  }

  /**
   * Concatenates batches row-wise (copies). Empty batches are skipped.
   * @throws RangeError when `batches` is empty or the batches differ in column names, dtypes or row shapes.
   */
  static concat(batches: readonly SampleBatch[]): SampleBatch {
    const first = batches[0];
    if (first === undefined) throw new RangeError('SampleBatch.concat: needs at least one batch.');
    const names = Object.keys(first.columns).sort();
    const nonEmpty = batches.filter((b) => b.count > 0);
    batches.forEach((b, i) => {
      const other = Object.keys(b.columns).sort();
      if (other.join('\u0000') !== names.join('\u0000')) {
        throw new RangeError(
          `SampleBatch.concat: batch ${i} has columns [${other.join(', ')}]; batch 0 has [${names.join(', ')}].`,
        );
      }
    });
    const ref = nonEmpty[0];
    if (ref === undefined) return first;
    if (nonEmpty.length === 1) return ref;
    let total = 0;
    for (const b of nonEmpty) {
      for (const name of names) {
        if (dtypeOf(b.columns[name]) !== dtypeOf(ref.columns[name])) {
          throw new RangeError(
            `SampleBatch.concat: column '${name}' is ${dtypeOf(b.columns[name])} in one batch and ` +
              `${dtypeOf(ref.columns[name])} in another.`,
          );
        }
        const a = b.shapes[name]!;
        const r = ref.shapes[name]!;
        if (a.length !== r.length || a.some((d, k) => d !== r[k])) {
          throw new RangeError(
            `SampleBatch.concat: column '${name}' has row shape [${a.join(', ')}] in one batch and [${r.join(', ')}] in another.`,
          );
        }
      }
      total += b.count;
    }
    const out: Record<string, ColumnArray> = {};
    for (const name of names) {
      const dst = allocColumn(dtypeOf(ref.columns[name])!, total * ref.rowSize(name));
      let offset = 0;
      for (const b of nonEmpty) {
        const src = b.columns[name]!;
        dst.set(src as ArrayLike<number>, offset);
        offset += src.length;
      }
      out[name] = dst;
    }
    return new SampleBatch(total, out, ref.shapes);
  }

  /** The column names. */
  get columnNames(): string[] {
    return Object.keys(this.columns);
  }

  /** Total bytes of the column arrays (the views' lengths, not their underlying buffers). */
  get sizeBytes(): number {
    let n = 0;
    for (const a of Object.values(this.columns)) n += a.byteLength;
    return n;
  }

  /** True when the batch has column `name`. */
  has(name: string): boolean {
    return name in this.columns;
  }

  /**
   * Column `name`.
   * @throws RangeError naming the missing column and the ones present.
   */
  get(name: string): ColumnArray {
    const c = this.columns[name];
    if (c === undefined) {
      throw new RangeError(`SampleBatch: no column '${name}'; columns are [${this.columnNames.join(', ')}].`);
    }
    return c;
  }

  /**
   * Column `name` as a Float32Array.
   * @throws RangeError when it is missing; TypeError when it has another dtype.
   */
  float32(name: string): Float32Array {
    return this.typed(name, 'float32') as Float32Array;
  }

  /**
   * Column `name` as an Int32Array.
   * @throws RangeError when it is missing; TypeError when it has another dtype.
   */
  int32(name: string): Int32Array {
    return this.typed(name, 'int32') as Int32Array;
  }

  /**
   * Column `name` as a Uint8Array.
   * @throws RangeError when it is missing; TypeError when it has another dtype.
   */
  uint8(name: string): Uint8Array {
    return this.typed(name, 'uint8') as Uint8Array;
  }

  /**
   * Number of elements per row of column `name`.
   * @throws RangeError when the column is missing.
   */
  rowSize(name: string): number {
    this.get(name);
    return product(this.shapes[name]!);
  }

  /**
   * A batch with the given columns added or replaced (arrays are not copied).
   * @throws RangeError as the constructor does.
   */
  withColumns(
    columns: Readonly<Record<string, ColumnArray>>,
    shapes: Readonly<Record<string, readonly number[]>> = {},
  ): SampleBatch {
    const keptShapes: Record<string, readonly number[]> = {};
    for (const [name, s] of Object.entries(this.shapes)) if (!(name in columns)) keptShapes[name] = s;
    return new SampleBatch(this.count, { ...this.columns, ...columns }, { ...keptShapes, ...shapes });
  }

  /**
   * Rows [start, end) as views sharing memory with this batch (no copy; writes show through).
   * Negative or out-of-range bounds are clamped as `Array.prototype.slice` does.
   */
  slice(start: number, end: number = this.count): SampleBatch {
    const s = clampIndex(start, this.count);
    const e = Math.max(s, clampIndex(end, this.count));
    const out: Record<string, ColumnArray> = {};
    for (const [name, array] of Object.entries(this.columns)) {
      const k = this.rowSize(name);
      out[name] = array.subarray(s * k, e * k);
    }
    return new SampleBatch(e - s, out, this.shapes);
  }

  /**
   * A new batch of the rows at `indexes`, in that order (copies; indexes may repeat).
   * @throws RangeError naming the first index outside [0, count).
   */
  select(indexes: ArrayLike<number>): SampleBatch {
    const m = indexes.length;
    for (let i = 0; i < m; i++) {
      const r = indexes[i]!;
      if (!(r >= 0 && r < this.count && Number.isInteger(r))) {
        throw new RangeError(
          `SampleBatch.select: indexes[${i}] (${r}) must be an integer in [0, ${this.count}).`,
        );
      }
    }
    const out: Record<string, ColumnArray> = {};
    for (const [name, src] of Object.entries(this.columns)) {
      const k = this.rowSize(name);
      const dst = allocColumn(dtypeOf(src)!, m * k);
      if (k === 1) {
        for (let i = 0; i < m; i++) dst[i] = src[indexes[i]!]!;
      } else {
        for (let i = 0; i < m; i++) {
          const from = indexes[i]! * k;
          const to = i * k;
          for (let j = 0; j < k; j++) dst[to + j] = src[from + j]!;
        }
      }
      out[name] = dst;
    }
    return new SampleBatch(m, out, this.shapes);
  }

  /** A new batch with the rows in a random order drawn from `rng` (copies). */
  shuffle(rng: Rng): SampleBatch {
    return this.select(permutation(this.count, rng));
  }

  /**
   * Yields consecutive minibatches of `minibatchSize` rows (copies), over a random permutation when
   * `options.rng` is given; the last one is smaller when `count` is not a multiple, unless `dropLast`.
   * @throws RangeError when `minibatchSize` is not a positive integer.
   */
  *minibatches(minibatchSize: number, options: MinibatchOptions = {}): Generator<SampleBatch> {
    if (!Number.isSafeInteger(minibatchSize) || minibatchSize < 1) {
      throw new RangeError(
        `SampleBatch.minibatches: minibatchSize (${String(minibatchSize)}) must be a positive integer.`,
      );
    }
    const order = options.rng !== undefined ? permutation(this.count, options.rng) : undefined;
    for (let start = 0; start < this.count; start += minibatchSize) {
      const end = Math.min(this.count, start + minibatchSize);
      if (end - start < minibatchSize && options.dropLast === true) return;
      yield order !== undefined ? this.select(order.subarray(start, end)) : this.slice(start, end);
    }
  }

  /** A deep copy with compact arrays. */
  copy(): SampleBatch {
    const out: Record<string, ColumnArray> = {};
    for (const [name, a] of Object.entries(this.columns)) out[name] = a.slice();
    return new SampleBatch(this.count, out, this.shapes);
  }

  /** The plain-data form (arrays shared, not copied), for msgpackr and checkpoints. */
  toPlain(): SampleBatchPlain {
    const shapes: Record<string, number[]> = {};
    for (const [name, s] of Object.entries(this.shapes)) shapes[name] = [...s];
    return { count: this.count, columns: { ...this.columns }, shapes };
  }

  private typed(name: string, dtype: ColumnDtype): ColumnArray {
    const c = this.get(name);
    const actual = dtypeOf(c);
    if (actual !== dtype) {
      throw new TypeError(`SampleBatch: column '${name}' is ${actual}, expected ${dtype}.`);
    }
    return c;
  }
}

function clampIndex(i: number, n: number): number {
  const t = Math.trunc(i);
  if (Number.isNaN(t)) return 0;
  return t < 0 ? Math.max(0, n + t) : Math.min(n, t);
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (ArrayBuffer.isView(x)) return x.constructor.name;
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (typeof x === 'object') return 'an object';
  return `${typeof x} ${String(x)}`;
}
