/**
 * N data-parallel learner actors (`learners.numLearners: N`). Each update splits the minibatch into N
 * equal shards; learner k computes the gradients of its shard's mean loss (`computeGradients`); then
 * every learner gets the refs of all N results and applies their mean (`applyGradients`): an
 * all-reduce through the object store (each result is put once, as the result of its call, and read
 * by the N learners; the driver routes refs and never decodes gradients). Equal shards make the mean
 * of the shard gradients the gradient of the whole minibatch's mean loss, and every replica applies
 * the same mean with the same optimiser state, so parameters stay identical after every step.
 *
 * Learners that define `computeGradients` and `applyGradients` can run this way (DQN, APEX-DQN).
 */
import { type ActorHandle, get, kill, type ObjectRef } from '../../core/index.js';
import type { GradientResult, LearnerState, LearnerStats, TdUpdateResult, UpdateInfo } from '../algorithm.js';
import type { NamedWeights } from '../models/named-weights.js';
import type { SampleBatch } from '../sample-batch/sample-batch.js';
import { LearnerActor, type LearnerActorImpl, type LearnerSpec } from './learner-actor.js';

/** See the module comment. */
export class DataParallelLearners {
  private constructor(private readonly actors: readonly ActorHandle<LearnerActorImpl>[]) {}

  /**
   * Starts `n` learner actors from the same spec (same seed: identical initial replicas).
   * @throws RangeError when the algorithm's learner cannot run data-parallel.
   */
  static async create(spec: LearnerSpec, n: number): Promise<DataParallelLearners> {
    const group = new DataParallelLearners(
      Array.from({ length: n }, () => LearnerActor.options({ numGpus: spec.numGpus }).remote(spec)),
    );
    if (!(await get(group.actors[0]!.call('supportsDataParallel')))) {
      await group.close();
      throw new RangeError(
        `learners.numLearners (${n}) > 1 needs a learner with computeGradients and applyGradients ` +
          "(DQN, APEX-DQN); this algorithm's learner has none: set learners.numLearners to 1.",
      );
    }
    return group;
  }

  get numLearners(): number {
    return this.actors.length;
  }

  /**
   * One data-parallel gradient step on `batch`; returns the stats (shard losses averaged) and the
   * TD errors of every row in batch order (when the learner has them).
   * @throws RangeError when the batch rows do not split evenly over the learners.
   */
  async step(
    batch: SampleBatch,
    info: UpdateInfo,
  ): Promise<{ stats: LearnerStats; tdErrors?: Float32Array }> {
    const n = this.actors.length;
    if (batch.count % n !== 0) {
      throw new RangeError(
        `data-parallel learners: the minibatch (${batch.count} rows) must split evenly over learners.numLearners (${n}).`,
      );
    }
    const rows = batch.count / n;
    const refs: ObjectRef<GradientResult>[] = this.actors.map((a, k) =>
      a.call('computeGradients', batch.slice(k * rows, (k + 1) * rows).toPlain(), info),
    );
    // All-reduce: every learner reads all N results from the store and applies their mean.
    const applied = await get(this.actors.map((a) => a.call('applyGradients', refs as never, info)));
    const results = await get(refs);
    const stats: LearnerStats = { ...applied[0]! };
    for (const key of Object.keys(results[0]!.stats)) {
      stats[key] = results.reduce((sum, r) => sum + (r.stats[key] ?? 0), 0) / n;
    }
    const parts = results.map((r) => r.tdErrors);
    if (parts.some((p) => p === undefined)) return { stats };
    const tdErrors = new Float32Array(batch.count);
    parts.forEach((p, k) => {
      tdErrors.set(p!, k * rows);
    });
    return { stats, tdErrors };
  }

  /** {@link step} with TD errors required (prioritized replay). */
  async stepWithTdErrors(batch: SampleBatch, info: UpdateInfo): Promise<TdUpdateResult> {
    const { stats, tdErrors } = await this.step(batch, info);
    if (tdErrors === undefined)
      throw new TypeError('data-parallel learners: the learner returned no TD errors.');
    return { stats, tdErrors };
  }

  /** Every replica's weights (tests check they are identical). */
  async allWeights(): Promise<NamedWeights[]> {
    return get(this.actors.map((a) => a.call('getWeights')));
  }

  async getWeights(): Promise<NamedWeights> {
    return get(this.actors[0]!.call('getWeights'));
  }

  async getState(): Promise<LearnerState> {
    return get(this.actors[0]!.call('getState'));
  }

  async setState(state: LearnerState): Promise<void> {
    await get(this.actors.map((a) => a.call('setState', state)));
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.actors.map((a) => get(a.call('dispose'))));
    for (const a of this.actors) {
      try {
        kill(a);
      } catch {
        // already dead
      }
    }
  }
}
