/**
 * Proportional prioritized experience replay (Schaul et al. 2016, "Prioritized Experience Replay",
 * https://arxiv.org/abs/1511.05952), on a {@link ReplayBuffer} plus sum and min segment trees over
 * p_i^alpha:
 *
 *   P(i) = p_i^alpha / sum_k p_k^alpha                                  (eq. 1)
 *   w_i  = (N * P(i))^-beta / max_j w_j,  max_j w_j = (N * min_k P(k))^-beta   (sec. 3.4)
 *
 * with N the number of stored rows. New rows get the largest priority seen so far (Algorithm 1 line 6),
 * so every transition is replayed at least once soon after it arrives. Sampling is stratified: the
 * total mass is cut into `batchSize` equal segments and one row drawn from each (appendix B.2.1).
 * Callers pass priorities as they want them stored, e.g. |TD error| + 1e-6 (Ape-X, Horgan et al. 2018).
 */
import type { Rng } from '../../envs/spaces/space.js';
import { Columns } from '../sample-batch/columns.js';
import type { SampleBatch } from '../sample-batch/sample-batch.js';
import {
  type AddResult,
  ReplayBuffer,
  type ReplayBufferOptions,
  type ReplayBufferState,
} from './replay-buffer.js';
import { MinSegmentTree, SumSegmentTree } from './segment-tree.js';

/** Options of {@link PrioritizedReplayBuffer}. */
export interface PrioritizedReplayBufferOptions extends ReplayBufferOptions {
  /** Priority exponent: 0 is uniform sampling, 1 fully proportional. @default 0.6 (Schaul et al. 2016, Table 3) */
  alpha?: number;
}

/** Options of {@link annealBeta}. */
export interface BetaSchedule {
  /** beta at step 0. @default 0.4 (Schaul et al. 2016, Table 3, proportional variant) */
  betaStart?: number;
  /** beta at and after `annealSteps`. @default 1 */
  betaEnd?: number;
  /** Steps (env steps or gradient steps, as the caller counts them) over which beta moves linearly. */
  annealSteps: number;
}

/**
 * beta annealed linearly from `betaStart` to `betaEnd` over `annealSteps` (Schaul et al. 2016 sec. 3.4:
 * "linearly annealing beta from its initial value beta_0 to 1").
 * @throws RangeError when annealSteps is not a positive number or step is negative.
 */
export function annealBeta(step: number, schedule: BetaSchedule): number {
  const { betaStart = 0.4, betaEnd = 1, annealSteps } = schedule;
  if (!(annealSteps > 0)) throw new RangeError(`annealBeta: annealSteps (${annealSteps}) must be > 0.`);
  if (!(step >= 0)) throw new RangeError(`annealBeta: step (${step}) must be >= 0.`);
  const fraction = Math.min(1, step / annealSteps);
  return betaStart + fraction * (betaEnd - betaStart);
}

/** The plain-data state of a {@link PrioritizedReplayBuffer}. */
export interface PrioritizedReplayBufferState {
  buffer: ReplayBufferState;
  alpha: number;
  maxPriority: number;
  /** [size] p_i (not raised to alpha). */
  priorities: Float64Array;
}

/** A {@link ReplayBuffer} sampled in proportion to p_i^alpha, with importance-sampling weights. */
export class PrioritizedReplayBuffer {
  /** Priority exponent. */
  readonly alpha: number;
  private readonly buffer: ReplayBuffer;
  private readonly sumTree: SumSegmentTree;
  private readonly minTree: MinSegmentTree;
  /** [capacity] p_i as given, kept for checkpoints and {@link getPriority}. */
  private readonly priorities: Float64Array;
  private maxSeen = 1;

  /**
   * Allocates the buffer and both trees.
   * @throws RangeError naming the option when alpha, capacity or a column spec is invalid.
   */
  constructor(options: PrioritizedReplayBufferOptions) {
    const alpha = options.alpha ?? 0.6;
    if (!(alpha >= 0 && alpha <= 1))
      throw new RangeError(`PrioritizedReplayBuffer: alpha (${alpha}) must be in [0, 1].`);
    this.alpha = alpha;
    this.buffer = new ReplayBuffer(options);
    this.sumTree = new SumSegmentTree(options.capacity);
    this.minTree = new MinSegmentTree(options.capacity);
    this.priorities = new Float64Array(options.capacity);
  }

  /** Maximum number of rows. */
  get capacity(): number {
    return this.buffer.capacity;
  }

  /** Number of rows stored. */
  get size(): number {
    return this.buffer.size;
  }

  /** Rows added over the buffer's lifetime. */
  get numAdded(): number {
    return this.buffer.numAdded;
  }

  /** The largest priority seen so far (starts at 1): the priority of new rows. */
  get maxPriority(): number {
    return this.maxSeen;
  }

  /** Bytes of the columns, both trees and the priority array. */
  memoryBytes(): number {
    return (
      this.buffer.memoryBytes() +
      this.sumTree.memoryBytes +
      this.minTree.memoryBytes +
      this.priorities.byteLength
    );
  }

  /**
   * p_i of buffer row i.
   * @throws RangeError when i is outside [0, size).
   */
  getPriority(i: number): number {
    if (!(Number.isInteger(i) && i >= 0 && i < this.size)) {
      throw new RangeError(
        `PrioritizedReplayBuffer.getPriority: index (${i}) must be an integer in [0, ${this.size}).`,
      );
    }
    return this.priorities[i]!;
  }

  /** P(i) = p_i^alpha / total for each stored row, [size], for inspection and tests. */
  probabilities(): Float64Array {
    const total = this.sumTree.total();
    const out = new Float64Array(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.sumTree.get(i) / total;
    return out;
  }

  /**
   * Adds the batch's rows at priority `priorities[row]` when given (for example runner-computed
   * |TD| + eps, as Ape-X), else at the largest priority seen so far.
   * @throws RangeError as {@link ReplayBuffer.add}, or when priorities has the wrong length or a value <= 0.
   */
  add(batch: SampleBatch, priorities?: ArrayLike<number>): AddResult {
    if (priorities !== undefined) {
      if (priorities.length !== batch.count) {
        throw new RangeError(
          `PrioritizedReplayBuffer.add: priorities has ${priorities.length} values; the batch has ${batch.count} rows.`,
        );
      }
      for (let r = 0; r < batch.count; r++) checkPriority('add', r, priorities[r]!);
    }
    const result = this.buffer.add(batch);
    for (let k = 0; k < result.numWritten; k++) {
      const index = (result.firstIndex + k) % this.capacity;
      this.setPriority(index, priorities?.[result.firstRow + k] ?? this.maxSeen);
    }
    return result;
  }

  /**
   * `batchSize` rows drawn in proportion to p_i^alpha (stratified over the total mass), plus a
   * `weights` column (float32, importance weights divided by the largest possible weight so that all
   * are <= 1) and a `batchIndexes` column (int32) to pass back to {@link updatePriorities}.
   * @throws RangeError when the buffer is empty, batchSize is not a positive integer or beta is outside [0, 1].
   */
  sample(batchSize: number, rng: Rng, beta: number): SampleBatch {
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
      throw new RangeError(
        `PrioritizedReplayBuffer.sample: batchSize (${String(batchSize)}) must be a positive integer.`,
      );
    }
    if (!(beta >= 0 && beta <= 1))
      throw new RangeError(`PrioritizedReplayBuffer.sample: beta (${beta}) must be in [0, 1].`);
    if (this.size === 0)
      throw new RangeError('PrioritizedReplayBuffer.sample: the buffer is empty; add transitions first.');
    const total = this.sumTree.total();
    const segment = total / batchSize;
    const indexes = new Int32Array(batchSize);
    for (let i = 0; i < batchSize; i++) {
      // Stratum i covers masses [i * segment, (i + 1) * segment) (appendix B.2.1).
      const mass = Math.min((i + rng.next()) * segment, total);
      indexes[i] = this.sumTree.findPrefixSumIndex(mass);
    }
    const n = this.size;
    // w_i = (N P(i))^-beta / (N P_min)^-beta = (P(i) / P_min)^-beta (sec. 3.4).
    const minProb = this.minTree.min() / total;
    const weights = new Float32Array(batchSize);
    const maxWeight = (n * minProb) ** -beta;
    for (let i = 0; i < batchSize; i++) {
      const prob = this.sumTree.get(indexes[i]!) / total;
      weights[i] = (n * prob) ** -beta / maxWeight;
    }
    return this.buffer.gather(indexes).withColumns({ [Columns.WEIGHTS]: weights });
  }

  /**
   * Sets p_i for the given buffer rows (typically |TD error| + a small epsilon) and raises the maximum.
   * @throws RangeError when the lengths differ, an index is outside [0, size) or a priority is not finite and > 0.
   */
  updatePriorities(indexes: ArrayLike<number>, priorities: ArrayLike<number>): void {
    if (indexes.length !== priorities.length) {
      throw new RangeError(
        `PrioritizedReplayBuffer.updatePriorities: ${indexes.length} indexes but ${priorities.length} priorities.`,
      );
    }
    for (let k = 0; k < indexes.length; k++) {
      const i = indexes[k]!;
      if (!(Number.isInteger(i) && i >= 0 && i < this.size)) {
        throw new RangeError(
          `PrioritizedReplayBuffer.updatePriorities: indexes[${k}] (${i}) must be an integer in [0, ${this.size}).`,
        );
      }
      checkPriority('updatePriorities', k, priorities[k]!);
    }
    for (let k = 0; k < indexes.length; k++) this.setPriority(indexes[k]!, priorities[k]!);
  }

  /** The state as plain data (arrays not copied), for checkpoints. */
  getState(): PrioritizedReplayBufferState {
    return {
      buffer: this.buffer.getState(),
      alpha: this.alpha,
      maxPriority: this.maxSeen,
      priorities: this.priorities.subarray(0, this.size),
    };
  }

  /**
   * Restores a state saved by {@link getState}; the trees are rebuilt from the priorities.
   * @throws TypeError / RangeError naming the field when the state is malformed or does not match.
   */
  setState(state: unknown): void {
    if (typeof state !== 'object' || state === null) {
      throw new TypeError('PrioritizedReplayBuffer.setState: state must be an object saved by getState().');
    }
    const s = state as Partial<Record<keyof PrioritizedReplayBufferState, unknown>>;
    if (s.alpha !== this.alpha) {
      throw new RangeError(
        `PrioritizedReplayBuffer.setState: state.alpha (${String(s.alpha)}) differs from this buffer's alpha (${this.alpha}).`,
      );
    }
    const maxPriority = s.maxPriority;
    if (typeof maxPriority !== 'number' || !(maxPriority > 0 && Number.isFinite(maxPriority))) {
      throw new RangeError(
        `PrioritizedReplayBuffer.setState: state.maxPriority (${String(maxPriority)}) must be finite and > 0.`,
      );
    }
    const size = (s.buffer as { size?: unknown } | undefined)?.size;
    const priorities = s.priorities;
    if (!(priorities instanceof Float64Array) || priorities.length !== size) {
      throw new RangeError(
        `PrioritizedReplayBuffer.setState: state.priorities must be a Float64Array of state.buffer.size (${String(size)}) values.`,
      );
    }
    for (let i = 0; i < priorities.length; i++) checkPriority('setState', i, priorities[i]!);
    this.buffer.setState(s.buffer);
    const sums = new Float64Array(this.capacity);
    const mins = new Float64Array(this.capacity).fill(Number.POSITIVE_INFINITY);
    this.priorities.fill(0);
    for (let i = 0; i < priorities.length; i++) {
      const p = priorities[i]!;
      this.priorities[i] = p;
      sums[i] = p ** this.alpha;
      mins[i] = sums[i]!;
    }
    this.sumTree.setLeaves(sums);
    this.minTree.setLeaves(mins);
    this.maxSeen = maxPriority;
  }

  private setPriority(index: number, priority: number): void {
    const scaled = priority ** this.alpha;
    this.priorities[index] = priority;
    this.sumTree.set(index, scaled);
    this.minTree.set(index, scaled);
    if (priority > this.maxSeen) this.maxSeen = priority;
  }
}

function checkPriority(method: string, k: number, p: number): void {
  if (!(p > 0 && Number.isFinite(p))) {
    throw new RangeError(
      `PrioritizedReplayBuffer.${method}: priority [${k}] (${p}) must be finite and > 0 (add a small epsilon to |TD error|).`,
    );
  }
}
