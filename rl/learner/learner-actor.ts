/**
 * The learner as an actor on the core runtime: initialises the tensor backend in its own worker
 * (`tfjs-node-gpu` when it was placed with `numGpus > 0`, else the configured one), builds the
 * algorithm's {@link Learner} and serves `update` / `getWeights` / `getState` / `setState`.
 */
import { remoteClass } from '../../core/index.js';
import type {
  AlgorithmContext,
  AlgorithmRef,
  GradientResult,
  GradientShard,
  Learner,
  LearnerState,
  LearnerStats,
  TdUpdateResult,
  UpdateInfo,
} from '../algorithm.js';
import { loadAlgorithm } from '../algorithm.js';
import { type BackendChoice, initBackend } from '../backend/backend.js';
import { type FragmentPlain, fragmentFromPlain } from '../env-runner/runner-sample-codec.js';
import { type NamedWeights, validateNamedWeights } from '../models/named-weights.js';
import { SampleBatch } from '../sample-batch/sample-batch.js';

/** Everything a learner is built from; plain data. */
export interface LearnerSpec {
  readonly algorithm: AlgorithmRef;
  readonly context: AlgorithmContext;
  /** GPUs this learner was placed with; > 0 selects the tfjs-node-gpu backend. */
  readonly numGpus: number;
}

/** Builds the backend and the learner in the current process. */
export async function buildLearner(spec: LearnerSpec): Promise<Learner> {
  const backend: BackendChoice = spec.numGpus > 0 ? 'tfjs-node-gpu' : spec.context.config.backend;
  await initBackend({ backend });
  const def = await loadAlgorithm(spec.algorithm);
  return def.createLearner(spec.context);
}

/** @throws TypeError naming the field when `value` is not a {@link GradientShard}. */
function validateShard(value: unknown): GradientShard {
  const v = value as Partial<GradientShard> | null;
  const int = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  if (
    v === null ||
    typeof v !== 'object' ||
    !int(v.index) ||
    !int(v.count) ||
    !int(v.phase) ||
    v.index! >= v.count!
  ) {
    throw new TypeError(
      `gradient shard (${JSON.stringify(value)}) must be { index, count, phase }: integers >= 0 with index < count.`,
    );
  }
  return { index: v.index!, count: v.count!, phase: v.phase! };
}

/** @throws TypeError naming the field when `value` is not a record of numbers. */
function validateStats(value: unknown, field: string): LearnerStats {
  if (
    value === null ||
    typeof value !== 'object' ||
    Object.values(value).some((x) => typeof x !== 'number')
  ) {
    throw new TypeError(`${field} must be an object of numbers.`);
  }
  return value as LearnerStats;
}

/** The actor's implementation (see the module comment). */
export class LearnerActorImpl {
  private readonly learner: Promise<Learner>;

  constructor(spec: LearnerSpec) {
    this.learner = buildLearner(spec);
    this.learner.catch(() => undefined);
  }

  /** One update over the runners' fragments (plain, as they crossed the runtime; refs arrive resolved). */
  async update(samples: readonly FragmentPlain[], info: UpdateInfo): Promise<LearnerStats> {
    const fragments = samples.map((s) => fragmentFromPlain(s));
    return (await this.learner).update(fragments, info);
  }

  /**
   * One update on a replay minibatch (plain), returning TD errors.
   * @throws TypeError when the batch is malformed or the learner has no `updateWithTdErrors`.
   */
  async updateWithTdErrors(batch: unknown, info: UpdateInfo): Promise<TdUpdateResult> {
    const learner = await this.learner;
    if (learner.updateWithTdErrors === undefined) {
      throw new TypeError(
        "this algorithm's learner has no updateWithTdErrors: prioritized replay is not supported.",
      );
    }
    return learner.updateWithTdErrors(SampleBatch.fromPlain(batch), info);
  }

  /**
   * How the learner runs data-parallel: `minibatch` (computeGradients on shards of a replay minibatch:
   * DQN, APEX-DQN, SAC), `fragments` (its own minibatch loop: beginUpdate / nextGradients /
   * endUpdate: PPO), or `none`. Also reports the phases per step.
   */
  async dataParallelMode(): Promise<{ mode: 'minibatch' | 'fragments' | 'none'; phases: number }> {
    const l = await this.learner;
    const phases = l.gradientPhases ?? 1;
    if (l.applyGradients === undefined) return { mode: 'none', phases };
    if (l.beginUpdate !== undefined && l.nextGradients !== undefined && l.endUpdate !== undefined)
      return { mode: 'fragments', phases };
    return { mode: l.computeGradients !== undefined ? 'minibatch' : 'none', phases };
  }

  /**
   * Data parallelism: gradients on this learner's shard (plain batch), nothing applied.
   * @throws TypeError when the batch or shard is malformed or the learner has no `computeGradients`.
   */
  async computeGradients(batch: unknown, info: UpdateInfo, shard: unknown): Promise<GradientResult> {
    const learner = await this.learner;
    if (learner.computeGradients === undefined) {
      throw new TypeError("this algorithm's learner has no computeGradients: it cannot run data-parallel.");
    }
    return learner.computeGradients(SampleBatch.fromPlain(batch), info, validateShard(shard));
  }

  /** Data parallelism over fragments: see Learner.beginUpdate. Returns the gradient steps planned. */
  async beginUpdate(samples: readonly FragmentPlain[], info: UpdateInfo): Promise<number> {
    const learner = await this.learner;
    if (learner.beginUpdate === undefined) {
      throw new TypeError(
        "this algorithm's learner has no beginUpdate: it cannot run data-parallel over fragments.",
      );
    }
    return learner.beginUpdate(
      samples.map((s) => fragmentFromPlain(s)),
      info,
    );
  }

  /** See Learner.nextGradients. @throws TypeError when the shard is malformed. */
  async nextGradients(shard: unknown): Promise<GradientResult> {
    const learner = await this.learner;
    if (learner.nextGradients === undefined) {
      throw new TypeError(
        "this algorithm's learner has no nextGradients: it cannot run data-parallel over fragments.",
      );
    }
    return learner.nextGradients(validateShard(shard));
  }

  /** See Learner.endUpdate. */
  async endUpdate(): Promise<LearnerStats> {
    const learner = await this.learner;
    if (learner.endUpdate === undefined) {
      throw new TypeError(
        "this algorithm's learner has no endUpdate: it cannot run data-parallel over fragments.",
      );
    }
    return learner.endUpdate();
  }

  /**
   * Data parallelism: applies the mean of every learner's gradients. `results` are the learners'
   * gradient results (their refs, resolved by the runtime), in learner order.
   * @throws TypeError when a result is malformed or the learner has no `applyGradients`.
   */
  async applyGradients(
    results: readonly GradientResult[],
    info: UpdateInfo,
    phase = 0,
  ): Promise<LearnerStats> {
    const learner = await this.learner;
    if (learner.applyGradients === undefined) {
      throw new TypeError("this algorithm's learner has no applyGradients: it cannot run data-parallel.");
    }
    if (!Array.isArray(results) || results.length === 0) {
      throw new TypeError('applyGradients(results): must be a non-empty array of gradient results.');
    }
    const checked = results.map((r: GradientResult, k) => ({
      ...r,
      grads: validateNamedWeights(r?.grads, `results[${k}].grads`),
      stats: validateStats(r?.stats, `results[${k}].stats`),
    }));
    return learner.applyGradients(checked, info, phase);
  }

  async getWeights(): Promise<NamedWeights> {
    return (await this.learner).getWeights();
  }

  async getState(): Promise<LearnerState> {
    return (await this.learner).getState();
  }

  async setState(state: LearnerState): Promise<void> {
    (await this.learner).setState(state);
  }

  async dispose(): Promise<void> {
    (await this.learner).dispose();
  }
}

/** The remote class; `LearnerActor.options({ numGpus }).remote(spec)` starts one. */
export const LearnerActor = remoteClass(import.meta.url, 'LearnerActor', LearnerActorImpl);
