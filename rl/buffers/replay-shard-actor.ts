/**
 * A prioritized replay shard as an actor (Ape-X, Horgan et al. 2018, sec. 3: replay lives in its own
 * process(es) between actors and the learner). It takes runner fragments as they are in the object
 * store (the ref a runner put its rows under is passed as the argument, so the rows go from the
 * store to the shard, never through the driver's code), adds the rows at the priorities the runner
 * computed (`priorities` column), serves prioritized minibatches and takes priority updates for
 * the rows it served. Several shards split the replay; each serves and updates only its own rows.
 */
import { remoteClass } from '../../core/index.js';
import { SeededRng } from '../../envs/rng.js';
import type { IterationState } from '../algorithm.js';
import { fragmentFromPlain } from '../env-runner/runner-sample-codec.js';
import { replayFromState, replayToState } from '../off-policy/replay-state.js';
import { Columns } from '../sample-batch/columns.js';
import type { SampleBatchPlain } from '../sample-batch/sample-batch.js';
import { PrioritizedReplayBuffer } from './prioritized-replay-buffer.js';
import { transitionColumns } from './replay-buffer.js';

/** What a shard is built from; plain data. */
export interface ReplayShardSpec {
  /** Rows this shard holds. */
  readonly capacity: number;
  readonly obsSize: number;
  /** Elements per action row: 0 for a scalar (Discrete). */
  readonly actionSize: number;
  readonly actionDtype: 'int32' | 'float32';
  /** Priority exponent (Schaul et al. 2016; Ape-X 0.6). */
  readonly alpha: number;
  /** Seeds minibatch sampling. */
  readonly seed: number;
}

/** Sizes of a shard. */
export interface ReplayShardStats {
  readonly size: number;
  readonly numAdded: number;
}

/** A shard's checkpoint form (see ReplayShardImpl.getState). */
export type ReplayShardState = IterationState;

/** The actor's implementation (see the module comment). */
export class ReplayShardImpl {
  private readonly buffer: PrioritizedReplayBuffer;
  private readonly rng: SeededRng;

  constructor(spec: ReplayShardSpec) {
    this.buffer = new PrioritizedReplayBuffer({
      capacity: spec.capacity,
      columns: transitionColumns({
        obsSize: spec.obsSize,
        actionSize: spec.actionSize,
        actionDtype: spec.actionDtype,
        nStep: true,
      }),
      alpha: spec.alpha,
    });
    this.rng = SeededRng.fromSeed(spec.seed);
  }

  /**
   * Adds a runner fragment's rows at their `priorities`.
   * @throws TypeError / RangeError when the sample is malformed or has no positive priorities column.
   */
  add(sample: unknown): ReplayShardStats {
    const { batch } = fragmentFromPlain(sample);
    if (!batch.has(Columns.PRIORITIES)) {
      throw new RangeError(
        `ReplayShard.add: the sample has no '${Columns.PRIORITIES}' column; runners compute initial priorities.`,
      );
    }
    if (batch.count > 0) this.buffer.add(batch, batch.float32(Columns.PRIORITIES));
    return this.stats();
  }

  /**
   * A prioritized minibatch with importance weights at exponent `beta` and the rows' `batchIndexes`,
   * or null while the shard holds fewer than `batchSize` rows.
   */
  sample(batchSize: number, beta: number): SampleBatchPlain | null {
    if (this.buffer.size < batchSize) return null;
    return this.buffer.sample(batchSize, this.rng, beta).toPlain();
  }

  /**
   * New priorities for rows this shard served.
   * @throws RangeError as `PrioritizedReplayBuffer.updatePriorities` (lengths, indexes, values <= 0).
   */
  updatePriorities(indexes: Int32Array, priorities: Float64Array): ReplayShardStats {
    this.buffer.updatePriorities(indexes, priorities);
    return this.stats();
  }

  /**
   * The shard's rows, priorities and sampling RNG for a checkpoint (rl/off-policy/replay-state.ts
   * layout: JSON plus typed-array blobs named `replay/<column>`, `replay/priorities`).
   */
  getState(): ReplayShardState {
    const { json, arrays } = replayToState(this.buffer);
    return { json: { replay: json, rng: this.rng.getState() }, arrays };
  }

  /**
   * Restores {@link getState}'s result (as read back from a checkpoint).
   * @throws TypeError / RangeError naming the field when it is malformed or does not fit this shard.
   */
  setState(state: unknown): ReplayShardStats {
    const s = state as Partial<ReplayShardState> | null;
    const json = s?.json as { replay?: unknown; rng?: unknown } | undefined;
    if (typeof json !== 'object' || json === null || !Array.isArray(s?.arrays)) {
      throw new TypeError(
        'ReplayShard.setState: state must be { json: { replay, rng }, arrays } from getState().',
      );
    }
    replayFromState(this.buffer, json.replay, new Map(s.arrays.map((a) => [a.name, a.data])));
    this.rng.setState(json.rng);
    return this.stats();
  }

  stats(): ReplayShardStats {
    return { size: this.buffer.size, numAdded: this.buffer.numAdded };
  }
}

/** The remote class; `ReplayShard.remote(spec)` starts one. */
export const ReplayShard = remoteClass(import.meta.url, 'ReplayShard', ReplayShardImpl);
