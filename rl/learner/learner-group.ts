/**
 * The learner(s) of a run behind one interface: in the driver's process (the default: no copies,
 * one learner on our 2-core machines) or as a {@link LearnerActor} placed where its `numGpus` are.
 * Sample fragments that are refs (runner actors' samples in the object store) go to a learner actor
 * as refs: it reads them from the store, the driver never re-sends them.
 *
 * With `numLearners > 1` the learners are data-parallel actors (./data-parallel-learners.ts): each
 * minibatch is split over them and their gradients are all-reduced through the object store; PPO's
 * fragments go to every learner (as refs where they are refs), each running the same minibatch plan.
 */
import { type ActorHandle, get, kill } from '../../core/index.js';
import type {
  Fragment,
  Learner,
  LearnerState,
  LearnerStats,
  SampledFragment,
  TdUpdateResult,
  UpdateInfo,
} from '../algorithm.js';
import { fragmentFromPlain, fragmentToPlain } from '../env-runner/runner-sample-codec.js';
import type { NamedWeights } from '../models/named-weights.js';
import type { SampleBatch } from '../sample-batch/sample-batch.js';
import { DataParallelLearners } from './data-parallel-learners.js';
import { buildLearner, LearnerActor, type LearnerActorImpl, type LearnerSpec } from './learner-actor.js';

/** Options of {@link LearnerGroup.create}. */
export interface LearnerGroupOptions {
  readonly spec: LearnerSpec;
  /** `local`: in this process; `actor`: one learner actor. */
  readonly mode: 'local' | 'actor';
  /** Learners; > 1 runs data-parallel learner actors (the runtime must be initialised). @default 1 */
  readonly numLearners?: number;
  /** Reads ref fragments into this process (for a local learner); the env runner group's `resolve`. */
  readonly resolve?: (fragments: readonly SampledFragment[]) => Promise<Fragment[]>;
}

/** A fragment as a learner actor's `update` argument: the ref itself, or the plain fragment. */
function asActorArgument(f: SampledFragment): unknown {
  return f.kind === 'ref' ? f.ref : fragmentToPlain(f.fragment);
}

/** Reads fragments without a cache: local ones as they are, refs decoded from the store. */
async function resolveFromStore(fragments: readonly SampledFragment[]): Promise<Fragment[]> {
  return Promise.all(
    fragments.map(async (f) => (f.kind === 'local' ? f.fragment : fragmentFromPlain(await get(f.ref)))),
  );
}

/** See the module comment. */
export class LearnerGroup {
  private constructor(
    private readonly local: Learner | undefined,
    private readonly actor: ActorHandle<LearnerActorImpl> | undefined,
    private readonly resolve: (fragments: readonly SampledFragment[]) => Promise<Fragment[]>,
    /** The data-parallel learners, when numLearners > 1. */
    readonly parallel?: DataParallelLearners,
  ) {}

  /**
   * Builds the learner(s).
   * @throws RangeError when `numLearners > 1` and the algorithm's learner cannot run data-parallel.
   */
  static async create(options: LearnerGroupOptions): Promise<LearnerGroup> {
    const n = options.numLearners ?? 1;
    const resolve = options.resolve ?? resolveFromStore;
    if (n > 1) {
      const parallel = await DataParallelLearners.create(options.spec, n);
      return new LearnerGroup(undefined, undefined, resolve, parallel);
    }
    if (options.mode === 'local')
      return new LearnerGroup(await buildLearner(options.spec), undefined, resolve);
    const handle = LearnerActor.options({ numGpus: options.spec.numGpus }).remote(options.spec);
    return new LearnerGroup(undefined, handle, resolve);
  }

  /** One update over `fragments` (fragments given as {@link Fragment}s are taken as local). */
  async update(fragments: readonly (SampledFragment | Fragment)[], info: UpdateInfo): Promise<LearnerStats> {
    const sampled = fragments.map((f): SampledFragment => ('kind' in f ? f : { kind: 'local', fragment: f }));
    if (this.parallel?.mode === 'fragments') return this.parallel.update(sampled.map(asActorArgument), info);
    if (this.parallel !== undefined) {
      const sums: LearnerStats = {};
      const batches = await this.resolve(sampled);
      for (const f of batches) {
        const { stats } = await this.parallel.step(f.batch, info);
        for (const [k, v] of Object.entries(stats)) sums[k] = (sums[k] ?? 0) + v / batches.length;
      }
      return sums;
    }
    if (this.local !== undefined) return this.local.update(await this.resolve(sampled), info);
    return get(this.actor!.call('update', sampled.map(asActorArgument) as never, info));
  }

  /**
   * One update on a replay minibatch that returns TD errors (new priorities).
   * @throws TypeError when the learner has no `updateWithTdErrors`.
   */
  async updateWithTdErrors(batch: SampleBatch, info: UpdateInfo): Promise<TdUpdateResult> {
    if (this.parallel !== undefined) return this.parallel.stepWithTdErrors(batch, info);
    if (this.local !== undefined) {
      if (this.local.updateWithTdErrors === undefined) {
        throw new TypeError(
          "this algorithm's learner has no updateWithTdErrors: prioritized replay is not supported.",
        );
      }
      return this.local.updateWithTdErrors(batch, info);
    }
    return get(this.actor!.call('updateWithTdErrors', batch.toPlain(), info));
  }

  async getWeights(): Promise<NamedWeights> {
    if (this.parallel !== undefined) return this.parallel.getWeights();
    if (this.local !== undefined) return this.local.getWeights();
    return get(this.actor!.call('getWeights'));
  }

  async getState(): Promise<LearnerState> {
    if (this.parallel !== undefined) return this.parallel.getState();
    if (this.local !== undefined) return this.local.getState();
    return get(this.actor!.call('getState'));
  }

  async setState(state: LearnerState): Promise<void> {
    if (this.parallel !== undefined) return this.parallel.setState(state);
    if (this.local !== undefined) {
      this.local.setState(state);
      return;
    }
    await get(this.actor!.call('setState', state));
  }

  async close(): Promise<void> {
    if (this.parallel !== undefined) return this.parallel.close();
    if (this.local !== undefined) {
      this.local.dispose();
      return;
    }
    await get(this.actor!.call('dispose')).catch(() => undefined);
    kill(this.actor!);
  }
}
