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

import type { SeededRng } from '../envs/rng.js';
import type { SpaceJson } from '../envs/spaces/space.js';
import type { LearnerWorkload } from './backend/webgpu.js';
import type { CommonConfig, TrainConfig } from './config/common.js';
import type { ObjectSchema, RefineContext, Shape } from './config/schema.js';
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
  /** Frees backend memory, if any. */
  dispose?(): void;
}

/** Scalar learner statistics of one update, e.g. `{ policyLoss, vfLoss, approxKl, clipFrac }`. */
export type LearnerStats = Record<string, number>;

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
}

/**
 * What the iteration may use; built by the training driver (rl/training/) from the resolved config.
 * Every method may run remote actors underneath; none of them blocks the event loop.
 */
export interface IterationServices {
  /** Samples one fragment from every healthy runner (restarting failed ones) and returns them with episodes. */
  sample(): Promise<{ fragments: Fragment[]; episodes: EpisodeSummary; envSteps: number }>;
  /** Runs one learner update over `fragments`. */
  update(fragments: readonly Fragment[], info: UpdateInfo): Promise<LearnerStats>;
  /** Sends the learner's current weights to every runner (put once, one ref for all). */
  syncWeights(): Promise<void>;
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
  getState?(): IterationState;
  /** Restores {@link getState}'s result (as read back: validate it). @throws TypeError on malformed state. */
  setState?(state: IterationState): void;
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
