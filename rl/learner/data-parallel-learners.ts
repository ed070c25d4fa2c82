/**
 * N data-parallel learner actors (`learners.numLearners: N`), all started from the same spec (same
 * seed: identical replicas). Each gradient step splits the minibatch into N equal shards; learner k
 * computes the gradients of its shard's mean loss; then every learner gets the refs of all N results
 * and applies their mean (`applyGradients`): an all-reduce through the object store (each result is
 * put once, as the result of its call, and read by the N learners; the driver routes refs and never
 * decodes gradients). Equal shards make the mean of the shard gradients the gradient of the whole
 * minibatch's mean loss, and every replica applies the same mean with the same optimiser state, so
 * parameters stay identical after every step.
 *
 * Two ways in, by the learner (LearnerActorImpl.dataParallelMode):
 * - `minibatch` (DQN, APEX-DQN, SAC): the driver splits each replay minibatch ({@link step}); a step
 *   has `gradientPhases` all-reduces (SAC: critics, then the actor on the updated critics), the
 *   shards are put in the store once and read in every phase.
 * - `fragments` (PPO): every replica builds the same train batch from the same fragments and plans
 *   the same shuffled minibatches; per planned step each computes its shard of the next minibatch
 *   ({@link update}), until the plan ends or a replica reports `stopUpdate` (target KL).
 */
import { type ActorHandle, get, kill, type ObjectRef, put } from '../../core/index.js';
import type { GradientResult, LearnerState, LearnerStats, TdUpdateResult, UpdateInfo } from '../algorithm.js';
import type { NamedWeights } from '../models/named-weights.js';
import type { SampleBatch } from '../sample-batch/sample-batch.js';
import { LearnerActor, type LearnerActorImpl, type LearnerSpec } from './learner-actor.js';

/** Mean of each stat over the results (equal shards: the mean over the whole minibatch). */
function meanStats(results: readonly GradientResult[]): LearnerStats {
  const stats: LearnerStats = {};
  for (const key of Object.keys(results[0]!.stats)) {
    stats[key] = results.reduce((sum, r) => sum + (r.stats[key] ?? 0), 0) / results.length;
  }
  return stats;
}

/** See the module comment. */
export class DataParallelLearners {
  private constructor(
    private readonly actors: readonly ActorHandle<LearnerActorImpl>[],
    /** How the learner runs data-parallel (see the module comment). */
    readonly mode: 'minibatch' | 'fragments' = 'minibatch',
    private readonly phases = 1,
  ) {}

  /**
   * Starts `n` learner actors from the same spec (same seed: identical initial replicas).
   * @throws RangeError when the algorithm's learner cannot run data-parallel.
   */
  static async create(spec: LearnerSpec, n: number): Promise<DataParallelLearners> {
    const actors = Array.from({ length: n }, () =>
      LearnerActor.options({ numGpus: spec.numGpus }).remote(spec),
    );
    const probe = new DataParallelLearners(actors);
    const { mode, phases } = await get(actors[0]!.call('dataParallelMode')).catch(async (error: unknown) => {
      await probe.close();
      throw error;
    });
    if (mode === 'none') {
      await probe.close();
      throw new RangeError(
        `learners.numLearners (${n}) > 1 needs a learner with computeGradients and applyGradients ` +
          "(DQN, APEX-DQN, SAC, PPO); this algorithm's learner has none: set learners.numLearners to 1.",
      );
    }
    return new DataParallelLearners(actors, mode, phases);
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
    const shards = this.actors.map((_, k) => put(batch.slice(k * rows, (k + 1) * rows).toPlain()));
    let stats: LearnerStats = {};
    let first: GradientResult[] = [];
    for (let phase = 0; phase < this.phases; phase++) {
      const refs: ObjectRef<GradientResult>[] = this.actors.map((a, index) =>
        a.call('computeGradients', shards[index] as never, info, { index, count: n, phase }),
      );
      // All-reduce: every learner reads all N results from the store and applies their mean.
      const applied = await get(this.actors.map((a) => a.call('applyGradients', refs as never, info, phase)));
      const results = await get(refs);
      if (phase === 0) first = results;
      stats = { ...stats, ...applied[0]!, ...meanStats(results) };
    }
    const parts = first.map((r) => r.tdErrors);
    if (parts.some((p) => p === undefined)) return { stats };
    const tdErrors = new Float32Array(batch.count);
    parts.forEach((p, k) => {
      tdErrors.set(p!, k * rows);
    });
    return { stats, tdErrors };
  }

  /**
   * One data-parallel update over fragments (`fragments` mode, PPO): `samples` go to every learner as
   * they are (refs are read from the store by each). Returns learner 0's update stats.
   */
  async update(samples: readonly unknown[], info: UpdateInfo): Promise<LearnerStats> {
    const n = this.actors.length;
    const planned = await get(this.actors.map((a) => a.call('beginUpdate', samples as never, info)));
    for (let step = 0; step < planned[0]!; step++) {
      const refs: ObjectRef<GradientResult>[] = this.actors.map((a, index) =>
        a.call('nextGradients', { index, count: n, phase: 0 }),
      );
      const applied = await get(this.actors.map((a) => a.call('applyGradients', refs as never, info, 0)));
      if (applied[0]!['stopUpdate'] === 1) break;
    }
    return get(this.actors[0]!.call('endUpdate'));
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
