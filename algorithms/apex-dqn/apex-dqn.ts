/**
 * APEX-DQN (Horgan et al. 2018, "Distributed Prioritized Experience Replay", arXiv:1803.00933) as an
 * {@link AlgorithmDefinition}. The data flow of one iteration, wired here:
 *
 *   runner actors (runner i acting with eps_i, n-step transitions + initial priorities computed in the
 *   runner, ./policy.ts) sample asynchronously -> each sample's ref goes to replay shard
 *   (runner index mod numShards), which reads it from the object store -> the learner takes
 *   prioritized minibatches from the shards in turn (the next one requested before the current
 *   update runs: prefetch) -> its TD errors go back as priorities to the shard that served the rows
 *   -> every `weightSyncInterval` gradient steps the weights are published, and runners pick them up
 *   with their next sample call.
 *
 * The learner keeps to `trainingIntensity` gradient steps per sampled env step. Checkpoints hold every
 * replay shard's rows, priorities and RNG (`saveReplayBuffer`), restored into the new shards when a
 * resumed run starts them; asynchronous sampling is not bit-reproducible.
 */
import { type ActorHandle, get, kill, type ObjectRef } from '../../core/index.js';
import type { SpaceJson } from '../../envs/spaces/space.js';
import type {
  AlgorithmDefinition,
  IterationOutcome,
  IterationServices,
  IterationState,
  LearnerStats,
  SampledFragment,
  TrainingIteration,
} from '../../rl/algorithm.js';
import {
  ReplayShard,
  type ReplayShardImpl,
  type ReplayShardStats,
} from '../../rl/buffers/replay-shard-actor.js';
import { fragmentToPlain } from '../../rl/env-runner/runner-sample-codec.js';
import type { MetricValue } from '../../rl/metrics/iteration-result.js';
import { mlpMacsPerRow } from '../../rl/models/mlp.js';
import { prioritiesFromTdErrors } from '../../rl/off-policy/off-policy-iteration.js';
import { Columns } from '../../rl/sample-batch/columns.js';
import { SampleBatch } from '../../rl/sample-batch/sample-batch.js';
import { numActionsOf } from '../dqn/model.js';
import { APEX_TRAINING, type ApexTraining, refineApexConfig, runnerEpsilon } from './config.js';
import { apexNetOf, createApexLearner } from './learner.js';
import { ApexPolicy } from './policy.js';

type ApexShape = (typeof APEX_TRAINING)['shape'];

/** Returns kept per runner for the return-per-epsilon metric. */
const RETURN_WINDOW = 20;

/** Options of {@link ApexIteration}. */
export interface ApexIterationOptions {
  readonly training: ApexTraining;
  readonly obsSize: number;
  readonly seed: number;
}

/** The APEX-DQN iteration (see the module comment). */
export class ApexIteration implements TrainingIteration {
  private readonly t: ApexTraining;
  private shards: ActorHandle<ReplayShardImpl>[] = [];
  private shardStats: ReplayShardStats[] = [];
  /** Calls whose results only update shard stats (adds, priority updates): read at the next round. */
  private pendingStats: { shard: number; ref: ObjectRef<ReplayShardStats> }[] = [];
  /** Prefetched minibatch requests, oldest first. */
  private prefetch: { shard: number; ref: ObjectRef<unknown> }[] = [];
  private nextShard = 0;
  private epsilons: number[] = [];
  private returnsByRunner: number[][] = [];
  private gradCredit = 0;
  private gradSteps = 0;
  private lastTimeMs: number | undefined;
  /** Shard states from a checkpoint, loaded into the shards when they start. */
  private restoredShards: IterationState[] | undefined;

  constructor(private readonly o: ApexIterationOptions) {
    this.t = o.training;
  }

  async run(
    services: IterationServices,
    counters: { iteration: number; envSteps: number },
  ): Promise<IterationOutcome> {
    if (!services.runnersAreActors) {
      throw new Error('apex-dqn: needs runner actors (envRunners.numEnvRunners >= 1).');
    }
    if (this.shards.length === 0) await this.start(services);
    const started = this.lastTimeMs ?? performance.now();
    await this.readStats();
    const round = await services.sample({ async: true });
    round.fragments.forEach((f, k) => {
      const shard = round.runnerIndexes[k]! % this.shards.length;
      this.pendingStats.push({ shard, ref: this.shards[shard]!.call('add', asShardArgument(f) as never) });
    });
    round.episodes.returns.forEach((ret, k) => {
      const list = this.returnsByRunner[round.episodeRunners[k]!]!;
      list.push(ret);
      if (list.length > RETURN_WINDOW) list.shift();
    });
    await this.readStats();

    const lifetime = counters.envSteps + round.envSteps;
    const sums: Record<string, number> = {};
    let steps = 0;
    if (lifetime >= this.t.learningStarts && this.replaySize() >= this.t.learningStarts) {
      this.gradCredit += round.envSteps * this.t.trainingIntensity;
      const info = { envSteps: lifetime, iteration: counters.iteration };
      while (this.gradCredit >= 1) {
        const stats = await this.gradientStep(services, info);
        if (stats === undefined) break; // no shard holds a minibatch yet: keep the credit
        this.gradCredit -= 1;
        for (const [k, v] of Object.entries(stats)) sums[k] = (sums[k] ?? 0) + v;
        steps++;
        this.gradSteps++;
        if (this.gradSteps % this.t.weightSyncInterval === 0) await services.syncWeights();
      }
    }
    const now = performance.now();
    const seconds = Math.max(1e-9, (now - started) / 1000);
    this.lastTimeMs = now;
    const learner: LearnerStats = {};
    for (const [k, v] of Object.entries(sums)) learner[k] = v / steps;
    learner['gradSteps'] = steps;
    learner['gradStepsLifetime'] = this.gradSteps;
    return {
      envSteps: round.envSteps,
      episodes: round.episodes,
      learner,
      metrics: { apex: this.metrics(round.envSteps, steps, seconds) },
    };
  }

  /** Starts the replay shards (with their restored rows on resume) and gives every runner its epsilon. */
  private async start(services: IterationServices): Promise<void> {
    const t = this.t;
    const n = services.numRunners;
    this.epsilons = Array.from({ length: n }, (_, i) => runnerEpsilon(t, i, n));
    this.returnsByRunner = Array.from({ length: n }, () => []);
    services.setRunnerControl(this.epsilons.map((epsilon) => ({ epsilon })));
    const capacity = Math.floor(t.bufferSize / t.numReplayShards);
    this.shards = Array.from({ length: t.numReplayShards }, (_, k) =>
      ReplayShard.remote({
        capacity,
        obsSize: this.o.obsSize,
        actionSize: 0,
        actionDtype: 'int32',
        alpha: t.prioritizedAlpha,
        seed: this.o.seed * 977 + k,
      }),
    );
    this.shardStats = this.shards.map(() => ({ size: 0, numAdded: 0 }));
    const restored = this.restoredShards;
    this.restoredShards = undefined;
    if (restored === undefined) return;
    if (restored.length !== this.shards.length) {
      throw new RangeError(
        `apex-dqn: the checkpoint holds ${restored.length} replay shards, training.numReplayShards is ${this.shards.length}; resume with the checkpoint's value.`,
      );
    }
    this.shardStats = await get(this.shards.map((shard, k) => shard.call('setState', restored[k] as never)));
  }

  /** One prioritized minibatch from the shards (prefetched), one update, priorities back to its shard. */
  private async gradientStep(
    services: IterationServices,
    info: { envSteps: number; iteration: number },
  ): Promise<LearnerStats | undefined> {
    // Try each shard at most once for a non-empty minibatch.
    for (let tries = 0; tries < this.shards.length; tries++) {
      if (this.prefetch.length === 0) this.request();
      const { shard, ref } = this.prefetch.shift()!;
      this.request(); // prefetch: the next minibatch is prepared while this update runs
      const plain = await get(ref);
      if (plain === null) continue;
      const batch = SampleBatch.fromPlain(plain);
      const { stats, tdErrors } = await services.updateWithTdErrors(batch, info);
      const priorities = prioritiesFromTdErrors(tdErrors, batch.count, this.t.prioritizedEps);
      this.pendingStats.push({
        shard,
        ref: this.shards[shard]!.call('updatePriorities', batch.int32(Columns.BATCH_INDEXES), priorities),
      });
      return stats;
    }
    return undefined;
  }

  /** Asks the next shard (round robin) for a minibatch. */
  private request(): void {
    const shard = this.nextShard;
    this.nextShard = (this.nextShard + 1) % this.shards.length;
    this.prefetch.push({
      shard,
      ref: this.shards[shard]!.call('sample', this.t.batchSize, this.t.prioritizedBeta),
    });
  }

  /** Reads the finished add / update calls (their errors surface here). */
  private async readStats(): Promise<void> {
    const pending = this.pendingStats;
    this.pendingStats = [];
    const stats = await get(pending.map((p) => p.ref));
    pending.forEach((p, k) => {
      this.shardStats[p.shard] = stats[k]!;
    });
  }

  private replaySize(): number {
    return this.shardStats.reduce((sum, s) => sum + s.size, 0);
  }

  private metrics(envSteps: number, gradSteps: number, seconds: number): Record<string, MetricValue> {
    const replaySizes: Record<string, MetricValue> = {};
    this.shardStats.forEach((s, k) => {
      replaySizes[`shard${k}`] = s.size;
    });
    const runners: Record<string, MetricValue> = {};
    this.epsilons.forEach((epsilon, i) => {
      const r = this.returnsByRunner[i]!;
      runners[`runner${i}`] = {
        epsilon,
        returnMean: r.length === 0 ? null : r.reduce((a, b) => a + b, 0) / r.length,
      };
    });
    return {
      sampledEnvStepsPerS: envSteps / seconds,
      trainedRowsPerS: (gradSteps * this.t.batchSize) / seconds,
      replaySizes,
      runners,
    };
  }

  /**
   * The iteration's counters and, with `saveReplayBuffer`, every shard's state (blobs named
   * `shard<k>/replay/...`). Waits for the shards' pending adds, so the saved rows are all sampled ones.
   */
  async getState(): Promise<IterationState> {
    await this.readStats();
    const arrays: IterationState['arrays'][number][] = [];
    let shards: unknown[] | null = null;
    if (this.t.saveReplayBuffer && this.shards.length > 0) {
      const states = await get(this.shards.map((s) => s.call('getState')));
      shards = states.map((state, k) => {
        for (const a of state.arrays) arrays.push({ ...a, name: `shard${k}/${a.name}` });
        return state.json;
      });
    }
    return { json: { version: 2, gradCredit: this.gradCredit, gradSteps: this.gradSteps, shards }, arrays };
  }

  /**
   * Restores {@link getState}'s result; the shard states go into the shards when they start. Version 1
   * (before shards were saved) restores the counters and starts with empty shards.
   * @throws TypeError naming the field when the state is malformed.
   */
  setState(state: IterationState): void {
    const j = state.json as {
      version?: unknown;
      gradCredit?: unknown;
      gradSteps?: unknown;
      shards?: unknown;
    } | null;
    const version = j?.version;
    if (
      (version !== 1 && version !== 2) ||
      typeof j?.gradCredit !== 'number' ||
      typeof j.gradSteps !== 'number'
    ) {
      throw new TypeError(
        'ApexIteration.setState: state.json must be { version: 1 or 2, gradCredit, gradSteps } (numbers).',
      );
    }
    const shards = version === 2 ? j.shards : null;
    if (shards !== null && !Array.isArray(shards)) {
      throw new TypeError(
        'ApexIteration.setState: state.json.shards must be an array of shard states or null.',
      );
    }
    this.gradCredit = j.gradCredit;
    this.gradSteps = j.gradSteps;
    this.restoredShards = shards?.map((json: unknown, k) => {
      const prefix = `shard${k}/`;
      const arrays = state.arrays
        .filter((a) => a.name.startsWith(prefix))
        .map((a) => ({ ...a, name: a.name.slice(prefix.length) }));
      return { json, arrays };
    });
  }

  /** Stops the replay shards. */
  close(): void {
    for (const s of this.shards) {
      try {
        kill(s);
      } catch {
        // already dead
      }
    }
    this.shards = [];
  }
}

/** A sampled fragment as a shard's `add` argument: the ref itself, or the plain fragment. */
function asShardArgument(f: SampledFragment): unknown {
  return f.kind === 'ref' ? f.ref : fragmentToPlain(f.fragment);
}

/** APEX-DQN: distributed prioritized replay with per-runner exploration, Discrete actions. */
export const apexDqn: AlgorithmDefinition<ApexShape> = {
  name: 'apex-dqn',
  description:
    'APEX-DQN (distributed prioritized replay, per-runner epsilon, replay shards), Discrete actions.',
  ref: { moduleUrl: import.meta.url, exportName: 'apexDqn' },
  trainingSchema: APEX_TRAINING,
  refineConfig: refineApexConfig,
  checkSpaces(_observationSpace: SpaceJson, actionSpace: SpaceJson): void {
    numActionsOf(actionSpace);
  },
  runnerSpec: () => ({ recordNextObs: true }),
  createPolicy(ctx) {
    const { spec, numActions } = apexNetOf(ctx);
    const t = ctx.training;
    return new ApexPolicy({
      spec,
      numActions,
      dueling: t.dueling,
      obsSize: ctx.obsSize,
      nStep: t.nStep,
      gamma: t.gamma,
      priorityEps: t.prioritizedEps,
    });
  },
  createLearner: createApexLearner,
  learnerWorkload(ctx) {
    // DQN's: one forward pass of the Q-network over a minibatch.
    return { macsPerStep: ctx.training.batchSize * mlpMacsPerRow(apexNetOf(ctx).spec) };
  },
  createIteration: (ctx) =>
    new ApexIteration({ training: ctx.training, obsSize: ctx.obsSize, seed: ctx.config.seed }),
};
