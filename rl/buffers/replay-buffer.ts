/**
 * A preallocated ring buffer of transitions over typed arrays (as Stable-Baselines3's `ReplayBuffer`,
 * `stable_baselines3/common/buffers.py`): one array per column of `capacity * rowSize` elements,
 * allocated once; adding overwrites the oldest rows; memory is exactly the columns' bytes.
 *
 * Shapes (C = capacity; see rl/sample-batch/columns.ts):
 *   obs, nextObs  [C, obsSize] float32    flattened observations (any space, via Space.flatten)
 *   actions       [C] int32 (Discrete) or [C, actionSize] float32 (Box) or [C, k] int32
 *   rewards       [C] float32
 *   terminated    [C] uint8
 *   truncated     [C] uint8
 *   discounts     [C] float32            only with n-step transitions (gamma^m)
 * or any other columns given in {@link ReplayBufferOptions.columns}.
 */
import type { Rng } from '../../envs/spaces/space.js';
import {
  allocColumn,
  type ColumnArray,
  type ColumnDtype,
  Columns,
  dtypeOf,
} from '../sample-batch/columns.js';
import { SampleBatch } from '../sample-batch/sample-batch.js';

/** The dtype and per-row shape of one stored column. */
export interface ColumnSpec {
  dtype: ColumnDtype;
  /** Shape of one row; `[]` for a scalar. */
  shape: number[];
}

/** Options of {@link ReplayBuffer}. */
export interface ReplayBufferOptions {
  /** Maximum number of rows kept; the oldest are overwritten first. */
  capacity: number;
  /** Column name -> dtype and row shape; {@link transitionColumns} gives the usual set. */
  columns: Record<string, ColumnSpec>;
}

/** Options of {@link transitionColumns}. */
export interface TransitionColumnsOptions {
  /** Length of one flattened observation. */
  obsSize: number;
  /** Elements per action row: 0 for a scalar (Discrete), k for a vector. */
  actionSize: number;
  /** 'int32' for discrete actions, 'float32' for continuous. */
  actionDtype: 'int32' | 'float32';
  /** Adds a `discounts` column for n-step transitions. @default false */
  nStep?: boolean;
}

/** The standard transition columns: obs, nextObs, actions, rewards, terminated, truncated (+ discounts). */
export function transitionColumns(options: TransitionColumnsOptions): Record<string, ColumnSpec> {
  const cols: Record<string, ColumnSpec> = {
    [Columns.OBS]: { dtype: 'float32', shape: [options.obsSize] },
    [Columns.NEXT_OBS]: { dtype: 'float32', shape: [options.obsSize] },
    [Columns.ACTIONS]: {
      dtype: options.actionDtype,
      shape: options.actionSize === 0 ? [] : [options.actionSize],
    },
    [Columns.REWARDS]: { dtype: 'float32', shape: [] },
    [Columns.TERMINATED]: { dtype: 'uint8', shape: [] },
    [Columns.TRUNCATED]: { dtype: 'uint8', shape: [] },
  };
  if (options.nStep === true) cols[Columns.DISCOUNTS] = { dtype: 'float32', shape: [] };
  return cols;
}

/** Where {@link ReplayBuffer.add} put a batch: input rows firstRow.. went to (firstIndex + k) % capacity. */
export interface AddResult {
  /** Buffer index of the first row written. */
  firstIndex: number;
  /** First input row written (rows before it were overwritten within the same batch and skipped). */
  firstRow: number;
  /** Number of rows written. */
  numWritten: number;
}

/** The plain-data state of a {@link ReplayBuffer}, for checkpoints (msgpackr keeps the typed arrays). */
export interface ReplayBufferState {
  version: 1;
  capacity: number;
  size: number;
  nextIndex: number;
  numAdded: number;
  /** Column -> spec and its first `size` rows. */
  columns: Record<string, ColumnSpec & { data: ColumnArray }>;
}

function rowSizeOf(shape: readonly number[]): number {
  let p = 1;
  for (const d of shape) p *= d;
  return p;
}

/** A fixed-capacity ring buffer of rows with uniform sampling. */
export class ReplayBuffer {
  /** Maximum number of rows. */
  readonly capacity: number;
  /** Column specs, as given. */
  readonly specs: Readonly<Record<string, ColumnSpec>>;
  private readonly data: Record<string, ColumnArray> = {};
  private sizeRows = 0;
  private next = 0;
  private added = 0;

  /**
   * Allocates every column for `capacity` rows up front.
   * @throws RangeError naming the option when capacity or a column spec is invalid.
   */
  constructor(options: ReplayBufferOptions) {
    const { capacity, columns } = options;
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`ReplayBuffer: capacity (${String(capacity)}) must be a positive integer.`);
    }
    if (Object.keys(columns).length === 0)
      throw new RangeError('ReplayBuffer: columns must name at least one column.');
    for (const [name, spec] of Object.entries(columns)) {
      if (!Array.isArray(spec.shape) || !spec.shape.every((d) => Number.isSafeInteger(d) && d >= 1)) {
        throw new RangeError(
          `ReplayBuffer: columns.${name}.shape (${JSON.stringify(spec.shape)}) must be an array of positive integers.`,
        );
      }
      this.data[name] = allocColumn(spec.dtype, capacity * rowSizeOf(spec.shape));
    }
    this.capacity = capacity;
    this.specs = Object.freeze(structuredClone(columns));
  }

  /** Number of rows stored (at most capacity). */
  get size(): number {
    return this.sizeRows;
  }

  /** Buffer index the next row goes to. */
  get nextIndex(): number {
    return this.next;
  }

  /** Rows added over the buffer's lifetime (including overwritten ones). */
  get numAdded(): number {
    return this.added;
  }

  /** Bytes of the preallocated column arrays (all that the buffer holds besides a few numbers). */
  memoryBytes(): number {
    let n = 0;
    for (const a of Object.values(this.data)) n += a.byteLength;
    return n;
  }

  /**
   * Copies the batch's rows in at the ring position; extra columns of the batch are ignored. A batch
   * larger than the capacity keeps its last `capacity` rows.
   * @throws RangeError naming the column when one is missing or has another dtype or row size.
   */
  add(batch: SampleBatch): AddResult {
    for (const [name, spec] of Object.entries(this.specs)) {
      const src = batch.columns[name];
      if (src === undefined) {
        throw new RangeError(
          `ReplayBuffer.add: the batch has no column '${name}'; it has [${batch.columnNames.join(', ')}].`,
        );
      }
      if (dtypeOf(src) !== spec.dtype) {
        throw new RangeError(
          `ReplayBuffer.add: column '${name}' is ${dtypeOf(src)}; the buffer stores ${spec.dtype} (convert it before adding).`,
        );
      }
      if (batch.rowSize(name) !== rowSizeOf(spec.shape)) {
        throw new RangeError(
          `ReplayBuffer.add: column '${name}' has rows of ${batch.rowSize(name)} elements; the buffer stores ` +
            `shape [${spec.shape.join(', ')}] (${rowSizeOf(spec.shape)} elements).`,
        );
      }
    }
    const firstRow = Math.max(0, batch.count - this.capacity);
    const numWritten = batch.count - firstRow;
    const firstIndex = (this.next + firstRow) % this.capacity;
    // Rows before firstRow would be overwritten by this same batch: skipping them is the same end state.
    const head = Math.min(numWritten, this.capacity - firstIndex);
    for (const name of Object.keys(this.specs)) {
      const k = rowSizeOf(this.specs[name]!.shape);
      const src = batch.columns[name]!;
      const dst = this.data[name]!;
      dst.set(src.subarray(firstRow * k, (firstRow + head) * k) as ArrayLike<number>, firstIndex * k);
      if (head < numWritten)
        dst.set(src.subarray((firstRow + head) * k, batch.count * k) as ArrayLike<number>, 0);
    }
    this.next = (this.next + batch.count) % this.capacity;
    this.sizeRows = Math.min(this.capacity, this.sizeRows + batch.count);
    this.added += batch.count;
    return { firstIndex, firstRow, numWritten };
  }

  /**
   * `batchSize` rows drawn uniformly with replacement from `rng`, plus a `batchIndexes` column (int32)
   * with their buffer indexes.
   * @throws RangeError when the buffer is empty or batchSize is not a positive integer.
   */
  sample(batchSize: number, rng: Rng): SampleBatch {
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
      throw new RangeError(
        `ReplayBuffer.sample: batchSize (${String(batchSize)}) must be a positive integer.`,
      );
    }
    if (this.sizeRows === 0)
      throw new RangeError('ReplayBuffer.sample: the buffer is empty; add transitions first.');
    const indexes = new Int32Array(batchSize);
    for (let i = 0; i < batchSize; i++) {
      indexes[i] = Math.min(this.sizeRows - 1, Math.floor(rng.next() * this.sizeRows));
    }
    return this.gather(indexes);
  }

  /**
   * The rows at the given buffer indexes (copies), plus a `batchIndexes` column holding them.
   * @throws RangeError naming the first index outside [0, size).
   */
  gather(indexes: Int32Array): SampleBatch {
    const m = indexes.length;
    for (let i = 0; i < m; i++) {
      const r = indexes[i]!;
      if (r < 0 || r >= this.sizeRows) {
        throw new RangeError(`ReplayBuffer.gather: indexes[${i}] (${r}) must be in [0, ${this.sizeRows}).`);
      }
    }
    const out: Record<string, ColumnArray> = {};
    const shapes: Record<string, readonly number[]> = {};
    for (const [name, spec] of Object.entries(this.specs)) {
      const k = rowSizeOf(spec.shape);
      const src = this.data[name]!;
      const dst = allocColumn(spec.dtype, m * k);
      if (k === 1) {
        for (let i = 0; i < m; i++) dst[i] = src[indexes[i]!]!;
      } else if (k < 64) {
        for (let i = 0; i < m; i++) {
          const from = indexes[i]! * k;
          const to = i * k;
          for (let j = 0; j < k; j++) dst[to + j] = src[from + j]!;
        }
      } else {
        // Large rows (images): one memcpy per row beats an element loop.
        for (let i = 0; i < m; i++) {
          const from = indexes[i]! * k;
          dst.set(src.subarray(from, from + k) as ArrayLike<number>, i * k);
        }
      }
      out[name] = dst;
      shapes[name] = spec.shape;
    }
    out[Columns.BATCH_INDEXES] = indexes.slice();
    return new SampleBatch(m, out, shapes);
  }

  /** The state as plain data (the first `size` rows of each column, not copied), for checkpoints. */
  getState(): ReplayBufferState {
    const columns: ReplayBufferState['columns'] = {};
    for (const [name, spec] of Object.entries(this.specs)) {
      const k = rowSizeOf(spec.shape);
      columns[name] = {
        dtype: spec.dtype,
        shape: [...spec.shape],
        data: this.data[name]!.subarray(0, this.sizeRows * k),
      };
    }
    return {
      version: 1,
      capacity: this.capacity,
      size: this.sizeRows,
      nextIndex: this.next,
      numAdded: this.added,
      columns,
    };
  }

  /**
   * Restores a state saved by {@link getState} into this buffer (same capacity and columns).
   * @throws TypeError / RangeError naming the field when the state is malformed or does not match.
   */
  setState(state: unknown): void {
    if (typeof state !== 'object' || state === null) {
      throw new TypeError('ReplayBuffer.setState: state must be an object saved by ReplayBuffer.getState().');
    }
    const s = state as Partial<Record<keyof ReplayBufferState, unknown>>;
    if (s.version !== 1)
      throw new TypeError(`ReplayBuffer.setState: state.version (${String(s.version)}) must be 1.`);
    if (s.capacity !== this.capacity) {
      throw new RangeError(
        `ReplayBuffer.setState: state.capacity (${String(s.capacity)}) differs from this buffer's capacity (${this.capacity}); ` +
          'create the buffer with the checkpoint capacity.',
      );
    }
    const size = s.size;
    const nextIndex = s.nextIndex;
    const numAdded = s.numAdded;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0 || size > this.capacity) {
      throw new RangeError(
        `ReplayBuffer.setState: state.size (${String(size)}) must be an integer in [0, ${this.capacity}].`,
      );
    }
    if (
      typeof nextIndex !== 'number' ||
      !Number.isSafeInteger(nextIndex) ||
      nextIndex < 0 ||
      nextIndex >= this.capacity
    ) {
      throw new RangeError(
        `ReplayBuffer.setState: state.nextIndex (${String(nextIndex)}) must be an integer in [0, ${this.capacity}).`,
      );
    }
    if (size < this.capacity && nextIndex !== size) {
      throw new RangeError(
        `ReplayBuffer.setState: state.nextIndex (${nextIndex}) must equal state.size (${size}) while the buffer is not full.`,
      );
    }
    if (typeof numAdded !== 'number' || !Number.isSafeInteger(numAdded) || numAdded < size) {
      throw new RangeError(
        `ReplayBuffer.setState: state.numAdded (${String(numAdded)}) must be an integer >= size (${size}).`,
      );
    }
    const cols = s.columns;
    if (typeof cols !== 'object' || cols === null) {
      throw new TypeError('ReplayBuffer.setState: state.columns must be an object.');
    }
    const given = cols as Record<string, unknown>;
    for (const [name, spec] of Object.entries(this.specs)) {
      const c = given[name] as { dtype?: unknown; shape?: unknown; data?: unknown } | undefined;
      if (c === undefined || typeof c !== 'object' || c === null) {
        throw new RangeError(`ReplayBuffer.setState: state.columns has no column '${name}'.`);
      }
      const k = rowSizeOf(spec.shape);
      if (c.dtype !== spec.dtype || dtypeOf(c.data) !== spec.dtype) {
        throw new RangeError(
          `ReplayBuffer.setState: state.columns.${name} is ${String(c.dtype)} (data ${String(dtypeOf(c.data))}); this buffer stores ${spec.dtype}.`,
        );
      }
      if (JSON.stringify(c.shape) !== JSON.stringify(spec.shape)) {
        throw new RangeError(
          `ReplayBuffer.setState: state.columns.${name}.shape (${JSON.stringify(c.shape)}) differs from [${spec.shape.join(', ')}].`,
        );
      }
      if ((c.data as ColumnArray).length !== size * k) {
        throw new RangeError(
          `ReplayBuffer.setState: state.columns.${name}.data has ${(c.data as ColumnArray).length} elements; expected size x row size = ${size * k}.`,
        );
      }
    }
    for (const name of Object.keys(given)) {
      if (!(name in this.specs))
        throw new RangeError(`ReplayBuffer.setState: state.columns.${name} is not a column of this buffer.`);
    }
    for (const [name, dst] of Object.entries(this.data)) {
      dst.fill(0);
      dst.set((given[name] as { data: ColumnArray }).data as ArrayLike<number>, 0);
    }
    this.sizeRows = size;
    this.next = nextIndex;
    this.added = numAdded;
  }
}
