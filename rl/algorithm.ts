/**
 * The algorithm contract. An algorithm is a VALUE (an {@link AlgorithmDefinition}), not a subclass:
 * its name, its `training` config section (schema + defaults), how to build its learner, which policy
 * env runners run, and its iteration (sample -> learn -> sync weights), plus optional extra checkpoint
 * state. Every algorithm folder has the same files: README.md, index.ts, config.ts, loss.ts,
 * learner.ts, policy.ts and `<algo>.ts` (the definition and its iteration).
 *
 * How the pieces run (RLlib's new API stack, `env_runner.py` / `learner.py`, in our own shapes):
 * - env runners (rl/env-runner/) step vector envs with the algorithm's {@link InferencePolicy} and
 *   return time-major fragments; they may live in other processes, so they rebuild the policy from
 *   the definition found by {@link AlgorithmRef} (module URL + export name, as core finds actors);
 * - the learner (rl/learner/) owns the model and optimiser made by {@link AlgorithmDefinition.createLearner};
 * - the iteration ({@link TrainingIteration}) is the one function that wires them for one step.
 *
 * On-policy (PPO): sample fragments from every runner, one learner update over them, broadcast weights.
 * Off-policy (DQN, SAC): the iteration owns a replay buffer (returned by `getState` for checkpoints),
 * adds the fragments, samples minibatches for `trainingIntensity` updates and syncs weights every K steps.
 */
import type { ObjectRef } from '../core/index.js';
import type { SeededRng } from '../envs/rng.js';
import type { SpaceJson } from '../envs/spaces/space.js';
import type { LearnerWorkload } from './backend/webgpu.js';
import type { CommonConfig, TrainConfig } from './config/common.js';
import type { ObjectSchema, RefineContext, Shape } from './config/schema.js';
import type { MetricValue } from './metrics/iteration-result.js';
import type { NamedWeights } from './models/named-weights.js';
import type { SampleBatch } from './sample-batch/sample-batch.js';

/** Where a definition lives, so another process can import it (`await import(moduleUrl)[exportName]`). */
export interface AlgorithmRef {
  /** `import.meta.url` of the module exporting the definition. */
  readonly moduleUrl: string;
  /** Name of the export holding the {@link AlgorithmDefinition}. */
  readonly exportName: string;
}

/** What every algorithm hook is told about the run. Plain data: it crosses process boundaries. */
export interface AlgorithmContext<TTraining = Readonly<Record<string, unknown>>> {
  /** The resolved config (common sections). */
  readonly config: CommonConfig;
  /** The resolved `training` section of this algorithm (the same object as `config.training`, typed). */
  readonly training: TTraining;
  /** Spaces of one env (not batched). */
  readonly observationSpace: SpaceJson;
  readonly actionSpace: SpaceJson;
  /** Length of a flattened observation row. */
  readonly obsSize: number;
}

/** The `model` section every algorithm reads. */
export type ModelConfig = CommonConfig['model'];

/** Where an env runner's policy writes one step for `numRows` envs. */
export interface PolicyOutput {
  /** [numRows, actionSize]: int32 for discrete actions, float32 for continuous. */
  readonly actions: Int32Array | Float32Array;
  /** Extra per-row columns declared in {@link InferencePolicy.extraColumns} (e.g. logProbs, valuePreds). [numRows] each */
  readonly extras: Record<string, Float32Array>;
}

/**
 * Exploration state the driver sends to env runners beside the weights (typed, never smuggled in as
 * fake weights): each runner may get its own (APEX-DQN's per-runner epsilon). Validated on arrival
 * by `validateRunnerControl` (rl/env-runner/runner-control.ts).
 */
export interface RunnerControl {
  /**
   * Probability that an action is drawn uniformly from the action space instead of from the policy:
   * DQN's epsilon; SAC's warm-up (1 before learning starts, 0 after). In [0, 1].
   */
  readonly epsilon?: number;
}

/**
 * The policy an env runner runs, in plain JS or tfjs (the env runner does not care): batched over the
 * runner's vector envs. Built by {@link AlgorithmDefinition.createPolicy} inside the runner's process.
 */
export interface InferencePolicy {
  /** Per-row float32 columns this policy writes besides actions, e.g. `['logProbs', 'valuePreds']`. */
  readonly extraColumns: readonly string[];
  /** Replaces the weights (as broadcast by the learner). */
  setWeights(weights: NamedWeights): void;
  /**
   * Acts for `numRows` observations. `explore` false means the deterministic (greedy / mean) action.
   * @param obs [numRows, obsSize]
   */
  act(obs: Float32Array, numRows: number, explore: boolean, rng: SeededRng, out: PolicyOutput): void;
  /**
   * V(s) for `numRows` observations into `out` [numRows]; defined by policies of algorithms that
   * bootstrap from V (the runner then adds `finalValuePreds` on truncation and `lastValues`).
   */
  values?(obs: Float32Array, numRows: number, out: Float32Array): void;
  /**
   * Runner-side postprocessing of each fragment before it leaves the runner (APEX-DQN: n-step
   * transitions and their initial priorities from the runner's own Q-values). The result need not be
   * time-major: return it with `numEnvs: 1`.
   */
  postprocess?(fragment: Fragment): Fragment;
  /** Applies the driver's exploration state; policies without exploration knobs omit it. */
  setControl?(control: RunnerControl): void;
  /** Frees backend memory, if any. */
  dispose?(): void;
}

/** Scalar learner statistics of one update, e.g. `{ policyLoss, vfLoss, approxKl, clipFrac }`. */
export type LearnerStats = Record<string, number>;

/** What {@link Learner.updateWithTdErrors} returns. */
export interface TdUpdateResult {
  readonly stats: LearnerStats;
  /** [B] TD error y - Q(s, a) of every row of the minibatch, before the update (new priorities). */
  readonly tdErrors: Float32Array;
}

/** What {@link Learner.computeGradients} returns. */
export interface GradientResult {
  /** Named like the variables; the gradient of the shard's mean loss. */
  readonly grads: NamedWeights;
  readonly stats: LearnerStats;
  /** [rows of the shard] TD errors, for prioritized replay (learners that have them). */
  readonly tdErrors?: Float32Array;
}

/**
 * Which gradients one data-parallel learner is asked for: its shard of the minibatch, and the phase of
 * a step that needs more than one all-reduce (SAC: 0 the critics, 1 the actor on the updated critics).
 */
export interface GradientShard {
  /** This learner's shard, 0-based; its rows are `index * rows .. (index + 1) * rows` of the minibatch. */
  readonly index: number;
  /** Learners (equal shards) in the step. */
  readonly count: number;
  /** 0-based phase of the step; always 0 for learners without {@link Learner.gradientPhases}. */
  readonly phase: number;
}

/** The state a learner saves in checkpoints: backend-independent weights and optimiser state. */
export interface LearnerState {
  readonly weights: NamedWeights;
  readonly optimizer: NamedWeights;
  /** Counters, RNG states and other small JSON data. */
  readonly extra: Readonly<Record<string, unknown>>;
}

/**
 * What updates the model. Owns the model and optimiser; used by the learner actor (rl/learner/).
 * Data parallelism: several learners hold replicas; `computeGradients` + `applyGradients` is the seam
 * where gradients are averaged (one learner calls `update`, which may do both in one go).
 */
export interface Learner {
  /** One update over the given fragments (on-policy) or minibatch (off-policy). */
  update(fragments: readonly Fragment[], info: UpdateInfo): Promise<LearnerStats> | LearnerStats;
  /**
   * One update on one replay minibatch that also returns each row's TD error, from which prioritized
   * replay computes new priorities (Schaul et al. 2016). Defined by learners of algorithms with
   * prioritized replay; the result crosses processes, so the learner may be an actor.
   */
  updateWithTdErrors?(batch: SampleBatch, info: UpdateInfo): Promise<TdUpdateResult> | TdUpdateResult;
  /**
   * Data parallelism on a replay minibatch, first half: the gradients of the mean loss on this
   * learner's shard (`batch` holds the shard's rows only), nothing applied. Learners that define it and
   * {@link applyGradients} run with `numLearners > 1` (DQN, APEX-DQN, SAC).
   */
  computeGradients?(
    batch: SampleBatch,
    info: UpdateInfo,
    shard: GradientShard,
  ): Promise<GradientResult> | GradientResult;
  /**
   * Data parallelism, second half: applies the element-wise mean of every learner's gradients for
   * `phase` (all replicas get the same results in the same order, so they stay identical). The stats
   * may hold `stopUpdate: 1` to end a {@link beginUpdate} update early (PPO's target KL).
   */
  applyGradients?(
    results: readonly GradientResult[],
    info: UpdateInfo,
    phase: number,
  ): Promise<LearnerStats> | LearnerStats;
  /** All-reduces per minibatch step (computeGradients + applyGradients pairs). @default 1 */
  readonly gradientPhases?: number;
  /**
   * Data parallelism for an update that runs its own minibatch loop over the fragments (PPO): every
   * replica builds the same train batch and plans the same minibatches (same seed, same calls), and
   * returns the gradient steps planned. Then, per step, {@link nextGradients} on its shard of the next
   * minibatch and {@link applyGradients}; {@link endUpdate} gives the update's stats.
   */
  beginUpdate?(fragments: readonly Fragment[], info: UpdateInfo): Promise<number> | number;
  /** The gradients of this learner's shard of the next planned minibatch (see {@link beginUpdate}). */
  nextGradients?(shard: GradientShard): Promise<GradientResult> | GradientResult;
  /** The stats of the update {@link beginUpdate} began, as `update` returns them. */
  endUpdate?(): Promise<LearnerStats> | LearnerStats;
  /**
   * The current policy weights, as env runners need them (a promise where they are read back from a
   * device asynchronously).
   */
  getWeights(): Promise<NamedWeights> | NamedWeights;
  /** The full state for checkpoints. */
  getState(): Promise<LearnerState> | LearnerState;
  /** Restores {@link getState}'s result. @throws TypeError when it does not fit the model. */
  setState(state: LearnerState): void;
  /** Frees backend memory. */
  dispose(): void;
}

/** Passed to every {@link Learner.update}. */
export interface UpdateInfo {
  /** Lifetime env steps before this update (for schedules). */
  readonly envSteps: number;
  /** The iteration this update belongs to (0-based). */
  readonly iteration: number;
}

/**
 * One env runner's sample: a time-major [T, N] batch (row `t * N + n`) and what GAE needs besides.
 * Plain data apart from the batch; `fragmentToPlain`/`fragmentFromPlain` (rl/env-runner/) cross processes.
 */
export interface Fragment {
  /** Columns obs, actions, rewards, terminated, truncated, the policy's extras, finalValuePreds... */
  readonly batch: SampleBatch;
  /** N: envs of the runner. */
  readonly numEnvs: number;
  /** [N] V(obs after the last step), when the policy has `values`. */
  readonly lastValues?: Float32Array;
}

/** The episodes that ended in a sample call. */
export interface EpisodeSummary {
  readonly returns: readonly number[];
  readonly lengths: readonly number[];
}

/** What the iteration reports; the driver adds counters, timing and episode windows. */
export interface IterationOutcome {
  /** Env steps sampled in this iteration (all runners). */
  readonly envSteps: number;
  /** Episodes finished in this iteration. */
  readonly episodes: EpisodeSummary;
  /** Learner statistics (averaged when there were several updates). */
  readonly learner: LearnerStats;
  /** Extra metrics of the iteration (APEX-DQN: replay sizes per shard, return per epsilon). */
  readonly metrics?: Readonly<Record<string, MetricValue>>;
}

/**
 * A sampled fragment where it lies: in this process (inline runner), or in the object store under the
 * ref of the runner actor's `sample` call. Learner actors and replay actors take the ref as an argument
 * and read the data from the store; the driver only routes it.
 */
export type SampledFragment =
  | { readonly kind: 'local'; readonly fragment: Fragment }
  | { readonly kind: 'ref'; readonly ref: ObjectRef<unknown>; readonly numEnvs: number };

/** What one sampling call returns. */
export interface SampleRound {
  /** One per sample that arrived (one per runner when sampling synchronously). */
  readonly fragments: readonly SampledFragment[];
  readonly episodes: EpisodeSummary;
  readonly envSteps: number;
  /** Index of the runner each fragment came from (parallel to `fragments`). */
  readonly runnerIndexes: readonly number[];
  /** Weight versions each fragment's policy was behind the latest published version (parallel to `fragments`). */
  readonly weightLags: readonly number[];
  /** Episode returns per runner that produced them (parallel to `episodes.returns`). */
  readonly episodeRunners: readonly number[];
}

/**
 * What the iteration may use; built by the training driver (rl/training/) from the resolved config.
 * Every method may run remote actors underneath; none of them blocks the event loop.
 */
export interface IterationServices {
  /** Number of env runners (1 when the runner is inline). */
  readonly numRunners: number;
  /** True when runners are actors (they sample in other processes or, in local mode, as actors). */
  readonly runnersAreActors: boolean;
  /**
   * Samples one fragment from every healthy runner (restarting failed ones). With `async` (runner
   * actors only; off-policy algorithms), every runner keeps one sample call in flight and this returns
   * the samples that are ready (at least one), resubmitting those runners at once.
   */
  sample(options?: { readonly async?: boolean }): Promise<SampleRound>;
  /** Reads fragments into this process (refs are fetched from the object store). */
  resolve(fragments: readonly SampledFragment[]): Promise<Fragment[]>;
  /** Runs one learner update over `fragments` (refs go to learner actors as refs). */
  update(fragments: readonly SampledFragment[], info: UpdateInfo): Promise<LearnerStats>;
  /**
   * One update on a replay minibatch, returning TD errors for new priorities.
   * @throws TypeError when the algorithm's learner has no `updateWithTdErrors`.
   */
  updateWithTdErrors(batch: SampleBatch, info: UpdateInfo): Promise<TdUpdateResult>;
  /** Publishes the learner's current weights: put once per version; runners pull them with their next sample call. */
  syncWeights(): Promise<void>;
  /** Sets the runners' exploration state: one for all, or one per runner (in runner order). */
  setRunnerControl(control: RunnerControl | readonly RunnerControl[]): void;
}

/** Extra checkpoint state of an iteration; arrays are saved as raw blobs, not JSON. */
export interface IterationState {
  readonly json: unknown;
  readonly arrays: readonly {
    readonly name: string;
    readonly shape: readonly number[];
    readonly data: Float32Array | Int32Array | Uint8Array | Float64Array;
  }[];
}

/** One training iteration of an algorithm; may keep state across iterations (a replay buffer). */
export interface TrainingIteration {
  /** Runs iteration `iteration` (0-based) at `envSteps` lifetime env steps. */
  run(
    services: IterationServices,
    counters: { iteration: number; envSteps: number },
  ): Promise<IterationOutcome>;
  /** Extra checkpoint state: small JSON data plus typed arrays (a replay buffer's columns). */
  getState?(): IterationState | Promise<IterationState>;
  /** Restores {@link getState}'s result (as read back: validate it). @throws TypeError on malformed state. */
  setState?(state: IterationState): void | Promise<void>;
  /** Stops what the iteration started (APEX-DQN's replay shards); called once when the run ends. */
  close?(): void | Promise<void>;
}

/** Options env runners are built with, derived by the algorithm from its config. */
export interface RunnerSpec {
  /** Record `nextObs` (the final observation where an episode ended), as off-policy buffers need. */
  readonly recordNextObs: boolean;
}

/** An algorithm, as a value. `T` is the shape of its `training` section. */
export interface AlgorithmDefinition<T extends Shape = Shape> {
  /** The name used by `--algo` and in checkpoints, e.g. `ppo`. */
  readonly name: string;
  /** One line for `--help`. */
  readonly description: string;
  /** Where this definition lives, so runner and learner processes can import it. */
  readonly ref: AlgorithmRef;
  /** The `training` section: schema with defaults (config paths under `training.`). */
  readonly trainingSchema: ObjectSchema<T>;
  /** Cross-section checks (e.g. minibatches dividing the train batch), for `buildConfigSchema`. */
  refineConfig?(config: TrainConfig<T>, ctx: RefineContext): void;
  /** Checks the env's spaces. @throws TypeError naming the space and the fix when unsupported. */
  checkSpaces(observationSpace: SpaceJson, actionSpace: SpaceJson): void;
  /** Env-runner options. */
  runnerSpec(ctx: AlgorithmContext<TrainConfig<T>['training']>): RunnerSpec;
  /** The runner-side policy (built in the runner's process). */
  createPolicy(ctx: AlgorithmContext<TrainConfig<T>['training']>): Promise<InferencePolicy> | InferencePolicy;
  /** The learner (built in the learner's process, after the backend is initialised). */
  createLearner(ctx: AlgorithmContext<TrainConfig<T>['training']>): Promise<Learner> | Learner;
  /**
   * The size of one learner step, so that `backend: auto` can put big learners on a GPU
   * (rl/backend/webgpu.ts `webGpuGains`). Omitted: the backend choice ignores the model's size.
   */
  learnerWorkload?(ctx: AlgorithmContext<TrainConfig<T>['training']>): LearnerWorkload;
  /** The iteration (built in the driver). */
  createIteration(ctx: AlgorithmContext<TrainConfig<T>['training']>): TrainingIteration;
  /**
   * The deterministic action network from a checkpoint's weights, for `rl export`; algorithms
   * without it cannot be exported.
   * @throws TypeError when the weights do not fit.
   */
  deterministicNetwork?(
    ctx: AlgorithmContext<TrainConfig<T>['training']>,
    weights: NamedWeights,
  ): DenseNetwork;
}

/**
 * The deterministic action network of a policy as a stack of dense layers, for export to other
 * runtimes (`rl export`): `x -> act_i(x @ kernel_i + bias_i)`, then the head picks the action.
 */
export interface DenseNetwork {
  /** Length of the flattened observation. */
  readonly inputSize: number;
  readonly layers: readonly {
    /** [fanIn, fanOut] row-major. */
    readonly kernel: Float32Array;
    readonly bias: Float32Array;
    readonly fanIn: number;
    readonly fanOut: number;
    readonly activation: 'tanh' | 'relu' | 'elu' | 'sigmoid' | 'linear';
  }[];
  /** `argmax`: the output is one score per Discrete action; `identity`: the output is the Box action (clip it to the bounds). */
  readonly head: 'argmax' | 'identity';
}

/** A definition with its training shape erased, as registries and the driver hold them. */
export type AnyAlgorithmDefinition = AlgorithmDefinition<Shape>;

/**
 * Imports a definition by its {@link AlgorithmRef} (in runner and learner processes).
 * @throws TypeError when the module has no such export or it is not a definition.
 */
export async function loadAlgorithm(ref: AlgorithmRef): Promise<AnyAlgorithmDefinition> {
  const mod = (await import(ref.moduleUrl)) as Record<string, unknown>;
  const def = mod[ref.exportName];
  if (
    typeof def !== 'object' ||
    def === null ||
    typeof (def as { createLearner?: unknown }).createLearner !== 'function'
  ) {
    throw new TypeError(
      `loadAlgorithm: ${ref.moduleUrl} has no algorithm definition named '${ref.exportName}' ` +
        `(found ${typeof def}).`,
    );
  }
  return def as AnyAlgorithmDefinition;
}
