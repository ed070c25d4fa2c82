/**
 * The learner(s) of a run behind one interface: in the driver's process (the default: no copies,
 * one learner on our 2-core machines) or as a {@link LearnerActor} placed where its `numGpus` are.
 *
 * Data parallelism (several learners) is designed, not built: each learner would get a shard of the
 * fragments, compute gradients, the group would average them (all-reduce through the object store)
 * and every learner apply the same mean with `Adam.applyGradients`, keeping replicas identical.
 * The seam is `Learner.update`; `numLearners > 1` is rejected until then.
 */
import { type ActorHandle, get, kill } from '../../core/index.js';
import type { Fragment, Learner, LearnerState, LearnerStats, UpdateInfo } from '../algorithm.js';
import { runnerSampleToPlain } from '../env-runner/runner-sample-codec.js';
import type { NamedWeights } from '../models/named-weights.js';
import { buildLearner, LearnerActor, type LearnerActorImpl, type LearnerSpec } from './learner-actor.js';

/** Options of {@link LearnerGroup.create}. */
export interface LearnerGroupOptions {
  readonly spec: LearnerSpec;
  /** `local`: in this process; `actor`: one learner actor. */
  readonly mode: 'local' | 'actor';
  /** Learners (data parallel). Only 1 is supported now. @default 1 */
  readonly numLearners?: number;
}

/** See the module comment. */
export class LearnerGroup {
  private constructor(
    private readonly local: Learner | undefined,
    private readonly actor: ActorHandle<LearnerActorImpl> | undefined,
  ) {}

  /**
   * Builds the learner.
   * @throws RangeError when `numLearners` is not 1 (data-parallel learners are not implemented yet).
   */
  static async create(options: LearnerGroupOptions): Promise<LearnerGroup> {
    const n = options.numLearners ?? 1;
    if (n !== 1) {
      throw new RangeError(
        `learners.numLearners (${n}) must be 1: data-parallel learners are designed (rl/learner/learner-group.ts) but not built yet.`,
      );
    }
    if (options.mode === 'local') return new LearnerGroup(await buildLearner(options.spec), undefined);
    const handle = LearnerActor.options({ numGpus: options.spec.numGpus }).remote(options.spec);
    return new LearnerGroup(undefined, handle);
  }

  /** One update over `fragments`. */
  async update(fragments: readonly Fragment[], info: UpdateInfo): Promise<LearnerStats> {
    if (this.local !== undefined) return this.local.update(fragments, info);
    const plain = fragments.map((f) =>
      runnerSampleToPlain({ fragment: f, episodes: { returns: [], lengths: [] }, envSteps: 0 }),
    );
    return get(this.actor!.call('update', plain, info));
  }

  async getWeights(): Promise<NamedWeights> {
    if (this.local !== undefined) return this.local.getWeights();
    return get(this.actor!.call('getWeights'));
  }

  async getState(): Promise<LearnerState> {
    if (this.local !== undefined) return this.local.getState();
    return get(this.actor!.call('getState'));
  }

  async setState(state: LearnerState): Promise<void> {
    if (this.local !== undefined) {
      this.local.setState(state);
      return;
    }
    await get(this.actor!.call('setState', state));
  }

  async close(): Promise<void> {
    if (this.local !== undefined) {
      this.local.dispose();
      return;
    }
    await get(this.actor!.call('dispose')).catch(() => undefined);
    kill(this.actor!);
  }
}
