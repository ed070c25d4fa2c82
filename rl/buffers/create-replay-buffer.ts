/**
 * The replay interface an off-policy algorithm codes against, and the factory that picks the uniform
 * or the prioritized buffer from config, so DQN and SAC need no branch on the buffer kind
 * except where priorities are updated.
 */
import type { Rng } from '../../envs/spaces/space.js';
import type { SampleBatch } from '../sample-batch/sample-batch.js';
import { PrioritizedReplayBuffer } from './prioritized-replay-buffer.js';
import { type AddResult, type ColumnSpec, ReplayBuffer } from './replay-buffer.js';

/** What {@link ReplayBuffer} and {@link PrioritizedReplayBuffer} have in common. */
export interface Replay {
  readonly capacity: number;
  readonly size: number;
  readonly numAdded: number;
  /** Copies the batch's rows in (see {@link ReplayBuffer.add}). */
  add(batch: SampleBatch): AddResult;
  /**
   * `batchSize` rows with a `batchIndexes` column; a prioritized buffer also adds `weights` and uses
   * `beta` (a uniform buffer ignores it).
   */
  sample(batchSize: number, rng: Rng, beta: number): SampleBatch;
  /** Bytes held. */
  memoryBytes(): number;
  /** Plain-data state for checkpoints. */
  getState(): unknown;
  /** Restores {@link getState}'s output. */
  setState(state: unknown): void;
}

/** Options of {@link createReplayBuffer}. */
export interface CreateReplayBufferOptions {
  capacity: number;
  columns: Record<string, ColumnSpec>;
  /** Prioritized replay with this alpha when given; uniform when absent. */
  prioritized?: { alpha: number };
}

/**
 * A uniform {@link ReplayBuffer}, or a {@link PrioritizedReplayBuffer} when `options.prioritized` is given.
 * @throws RangeError as the buffers' constructors.
 */
export function createReplayBuffer(
  options: CreateReplayBufferOptions,
): ReplayBuffer | PrioritizedReplayBuffer {
  const { capacity, columns, prioritized } = options;
  return prioritized === undefined
    ? new ReplayBuffer({ capacity, columns })
    : new PrioritizedReplayBuffer({ capacity, columns, alpha: prioritized.alpha });
}
