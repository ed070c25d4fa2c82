/**
 * The off-policy iteration shared by DQN and SAC (RLlib's `training_step` of DQN/SAC, our shapes):
 *
 *   sample from every env runner -> n-step windows (NStepAccumulator, one per runner, so windows
 *   survive fragment boundaries) -> replay buffer -> after `learningStarts` env steps,
 *   `trainingIntensity` gradient steps per env step, each on a fresh minibatch (new priorities written
 *   back when prioritized) -> sync weights to the runners.
 *
 * The learner does the target-network updates (it sees `UpdateInfo.envSteps`). The iteration owns the
 * buffer and saves it with checkpoints (optional: `saveReplayBuffer`).
 *
 * Priorities: a prioritized minibatch goes to `Learner.updateWithTdErrors`, whose result carries the
 * TD error of every row; new priorities are |TD| + eps (Schaul et al. 2016, eq. 1 with
 * p_i = |delta_i| + eps). The result crosses processes, so the learner may be an actor.
 *
 * Exploration: before each sampling round the iteration sends the runners their exploration state
 * (`exploration(envSteps, gradSteps)`, a typed {@link RunnerControl}, e.g. DQN's epsilon).
 *
 * With runner actors, sampling is asynchronous (runners sample while the learner learns; each round
 * takes the samples that are ready); n-step windows are kept per runner.
 */
import { SeededRng } from '../../envs/rng.js';
import type {
  EpisodeSummary,
  Fragment,
  IterationOutcome,
  IterationServices,
  IterationState,
  LearnerStats,
  RunnerControl,
  TrainingIteration,
} from '../algorithm.js';
import { createReplayBuffer } from '../buffers/create-replay-buffer.js';
import { annealBeta, PrioritizedReplayBuffer } from '../buffers/prioritized-replay-buffer.js';
import { type ReplayBuffer, transitionColumns } from '../buffers/replay-buffer.js';
import { NStepAccumulator } from '../postprocessing/n-step-accumulator.js';
import { Columns } from '../sample-batch/columns.js';
import type { SampleBatch } from '../sample-batch/sample-batch.js';
import { accumulatorFromState, accumulatorToState, replayFromState, replayToState } from './replay-state.js';

/** Options of {@link OffPolicyIteration}. */
export interface OffPolicyIterationOptions {
  readonly obsSize: number;
  /** Elements per action row: 0 for a scalar (Discrete), k for a Box of k dims. */
  readonly actionSize: number;
  readonly actionDtype: 'int32' | 'float32';
  readonly gamma: number;
  readonly nStep: number;
  readonly bufferSize: number;
  readonly batchSize: number;
  /** Lifetime env steps before the first gradient step. */
  readonly learningStarts: number;
  /** Gradient steps per env step (fractions carry over between iterations). */
  readonly trainingIntensity: number;
  /** Prioritized replay, when given. */
  readonly prioritized?: {
    readonly alpha: number;
    readonly betaStart: number;
    readonly betaAnnealEnvSteps: number;
    /** Added to |TD error|. */
    readonly eps: number;
  };
  readonly saveReplayBuffer: boolean;
  /** Seeds minibatch sampling. */
  readonly seed: number;
  /** The runners' exploration state at `envSteps` lifetime env steps after `gradSteps` gradient steps. */
  readonly exploration?: (envSteps: number, gradSteps: number) => RunnerControl;
}

/** See the module comment. */
export class OffPolicyIteration implements TrainingIteration {
  /** The replay buffer (read it in tests and benchmarks). */
  readonly buffer: ReplayBuffer | PrioritizedReplayBuffer;
  private readonly o: OffPolicyIterationOptions;
  private readonly rng: SeededRng;
  private accumulators: NStepAccumulator[] = [];
  /** Fractional gradient steps owed (trainingIntensity x env steps not yet spent). */
  private gradCredit = 0;
  private gradSteps = 0;

  /** @throws RangeError as the replay buffer does on bad sizes. */
  constructor(options: OffPolicyIterationOptions) {
    this.o = options;
    this.rng = SeededRng.fromSeed(options.seed * 31 + 17);
    const columns = transitionColumns({
      obsSize: options.obsSize,
      actionSize: options.actionSize,
      actionDtype: options.actionDtype,
      nStep: true,
    });
    this.buffer = createReplayBuffer({
      capacity: options.bufferSize,
      columns,
      ...(options.prioritized !== undefined ? { prioritized: { alpha: options.prioritized.alpha } } : {}),
    });
  }

  async run(
    services: IterationServices,
    counters: { iteration: number; envSteps: number },
  ): Promise<IterationOutcome> {
    const control = this.o.exploration?.(counters.envSteps, this.gradSteps);
    if (control !== undefined) services.setRunnerControl(control);
    const round = await services.sample({ async: services.runnersAreActors });
    const { episodes, envSteps } = round;
    const fragments = await services.resolve(round.fragments);
    fragments.forEach((f, i) => {
      this.buffer.add(this.accumulatorFor(round.runnerIndexes[i] ?? i, f).drainAfter(f));
    });
    const lifetime = counters.envSteps + envSteps;
    const sums: Record<string, number> = {};
    let steps = 0;
    if (lifetime >= this.o.learningStarts && this.buffer.size >= this.o.batchSize) {
      this.gradCredit += envSteps * this.o.trainingIntensity;
      const info = { envSteps: lifetime, iteration: counters.iteration };
      while (this.gradCredit >= 1) {
        this.gradCredit -= 1;
        const stats = await this.gradientStep(services, info);
        for (const [k, v] of Object.entries(stats)) sums[k] = (sums[k] ?? 0) + v;
        steps++;
      }
    }
    this.gradSteps += steps;
    await services.syncWeights();
    const learner: LearnerStats = {};
    for (const [k, v] of Object.entries(sums)) learner[k] = v / steps;
    if (control?.epsilon !== undefined) learner['epsilon'] = control.epsilon;
    learner['gradSteps'] = steps;
    learner['gradStepsLifetime'] = this.gradSteps;
    learner['replaySize'] = this.buffer.size;
    return { envSteps, episodes: episodes as EpisodeSummary, learner };
  }

  /** Samples one minibatch, runs one update on it and writes back new priorities. */
  private async gradientStep(
    services: IterationServices,
    info: { envSteps: number; iteration: number },
  ): Promise<LearnerStats> {
    const p = this.o.prioritized;
    if (p === undefined || !(this.buffer instanceof PrioritizedReplayBuffer)) {
      const batch = this.buffer.sample(this.o.batchSize, this.rng, 1);
      return services.update([{ kind: 'local', fragment: { batch, numEnvs: 1 } }], info);
    }
    const beta = annealBeta(info.envSteps, { betaStart: p.betaStart, annealSteps: p.betaAnnealEnvSteps });
    const batch = this.buffer.sample(this.o.batchSize, this.rng, beta);
    const { stats, tdErrors } = await services.updateWithTdErrors(batch, info);
    this.buffer.updatePriorities(
      batch.int32(Columns.BATCH_INDEXES),
      prioritiesFromTdErrors(tdErrors, batch.count, p.eps),
    );
    return { ...stats, beta };
  }

  private accumulatorFor(index: number, f: Fragment): FragmentAccumulator {
    let acc = this.accumulators[index];
    if (acc === undefined) {
      acc = this.newAccumulator(f.numEnvs);
      this.accumulators[index] = acc;
    }
    return new FragmentAccumulator(acc, this.o.obsSize, Math.max(1, this.o.actionSize));
  }

  private newAccumulator(numEnvs: number): NStepAccumulator {
    return new NStepAccumulator({
      numEnvs,
      obsSize: this.o.obsSize,
      actionSize: this.o.actionSize,
      actionDtype: this.o.actionDtype,
      nStep: this.o.nStep,
      gamma: this.o.gamma,
    });
  }

  getState(): IterationState {
    const arrays: IterationState['arrays'][number][] = [];
    const accs = this.accumulators.map((acc, i) => {
      const s = accumulatorToState(acc, `nstep/${i}`);
      arrays.push(...s.arrays);
      return s.json;
    });
    let replay: unknown = null;
    if (this.o.saveReplayBuffer) {
      const s = replayToState(this.buffer);
      arrays.push(...s.arrays);
      replay = s.json;
    }
    return {
      json: {
        version: 1,
        gradCredit: this.gradCredit,
        gradSteps: this.gradSteps,
        rng: this.rng.getState(),
        accumulators: accs,
        replay,
      },
      arrays,
    };
  }

  setState(state: IterationState): void {
    const j = state.json as Record<string, unknown> | null;
    if (typeof j !== 'object' || j === null || j['version'] !== 1) {
      throw new TypeError('OffPolicyIteration.setState: state.json must be an object with version 1.');
    }
    const blobs = new Map(state.arrays.map((a) => [a.name, a.data]));
    const accs = j['accumulators'];
    if (!Array.isArray(accs))
      throw new TypeError('OffPolicyIteration.setState: state.json.accumulators must be an array.');
    this.accumulators = accs.map((a: unknown, i) => {
      const numEnvs = (a as { numEnvs?: unknown } | null)?.numEnvs;
      if (typeof numEnvs !== 'number') {
        throw new TypeError(`OffPolicyIteration.setState: accumulators[${i}].numEnvs must be a number.`);
      }
      const acc = this.newAccumulator(numEnvs);
      accumulatorFromState(acc, a, blobs, `nstep/${i}`);
      return acc;
    });
    if (j['replay'] !== null && j['replay'] !== undefined) replayFromState(this.buffer, j['replay'], blobs);
    const credit = j['gradCredit'];
    const steps = j['gradSteps'];
    if (typeof credit !== 'number' || typeof steps !== 'number') {
      throw new TypeError(
        'OffPolicyIteration.setState: state.json.gradCredit and gradSteps must be numbers.',
      );
    }
    this.gradCredit = credit;
    this.gradSteps = steps;
    this.rng.setState(j['rng']);
  }
}

/**
 * New priorities |TD| + eps from a learner's TD errors (Schaul et al. 2016, proportional variant).
 * @throws TypeError when `tdErrors` is not a Float32Array of `count` finite numbers (it crossed processes).
 */
export function prioritiesFromTdErrors(tdErrors: unknown, count: number, eps: number): Float64Array {
  if (!(tdErrors instanceof Float32Array) || tdErrors.length !== count) {
    throw new TypeError(
      `prioritized replay: the learner's tdErrors must be a Float32Array of ${count} values (one per minibatch row).`,
    );
  }
  const priorities = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const td = tdErrors[i]!;
    if (!Number.isFinite(td))
      throw new TypeError(`prioritized replay: tdErrors[${i}] (${td}) is not finite.`);
    priorities[i] = Math.abs(td) + eps;
  }
  return priorities;
}

/** Pushes a time-major [T, N] fragment step by step into an accumulator and drains it. */
export class FragmentAccumulator {
  constructor(
    private readonly acc: NStepAccumulator,
    private readonly obsSize: number,
    private readonly actionWidth: number,
  ) {}

  drainAfter(f: Fragment): SampleBatch {
    const b = f.batch;
    if (!b.has(Columns.NEXT_OBS)) {
      throw new Error(
        'off-policy iteration: fragments need a nextObs column (runnerSpec.recordNextObs = true).',
      );
    }
    const N = f.numEnvs;
    const T = b.count / N;
    const D = this.obsSize;
    const A = this.actionWidth;
    const obs = b.float32(Columns.OBS);
    const nextObs = b.float32(Columns.NEXT_OBS);
    const actions = b.get(Columns.ACTIONS);
    const rewards = b.float32(Columns.REWARDS);
    const terminated = b.uint8(Columns.TERMINATED);
    const truncated = b.uint8(Columns.TRUNCATED);
    for (let t = 0; t < T; t++) {
      const r0 = t * N;
      const r1 = r0 + N;
      this.acc.push({
        obs: obs.subarray(r0 * D, r1 * D),
        nextObs: nextObs.subarray(r0 * D, r1 * D),
        actions: actions.subarray(r0 * A, r1 * A),
        rewards: rewards.subarray(r0, r1),
        terminated: terminated.subarray(r0, r1),
        truncated: truncated.subarray(r0, r1),
      });
    }
    return this.acc.drain();
  }
}
