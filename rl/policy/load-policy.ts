/**
 * A trained policy outside training (Stable-Baselines3's `model.predict`): load a checkpoint, then
 * `computeAction(obs, { deterministic })` gives the action to pass to `env.step`. The policy is the
 * algorithm's own env-runner policy (the code that acted during training), rebuilt from the
 * checkpoint's config, spaces and weights; no env is created. With `env.normalizeObservations` the
 * observation is standardised with the run's saved statistic first, as in evaluation.
 */
import { SeededRng } from '../../envs/rng.js';
import { describeSpace } from '../../envs/spaces/describe-value.js';
import type { Space, SpaceJson, SpaceValue } from '../../envs/spaces/space.js';
import { spaceFromJson } from '../../envs/spaces/space-from-json.js';
import { RunningMeanStd, type RunningMeanStdState } from '../../envs/wrappers/running-mean-std.js';
import type {
  AlgorithmContext,
  AnyAlgorithmDefinition,
  InferencePolicy,
  PolicyOutput,
} from '../algorithm.js';
import { type LoadedCheckpoint, loadCheckpoint } from '../checkpoint/load-checkpoint.js';
import { buildConfigSchema, type CommonConfig } from '../config/common.js';
import { createActionAdapter } from '../env-runner/action-adapter.js';
import { OBS_NORM_EPSILON } from '../env-runner/normalize-vector-observation.js';
import { readSavedObsFilter } from '../training/saved-obs-filter.js';

/** Options of {@link loadPolicyWith}. */
export interface LoadPolicyOptions {
  /** Finds the algorithm named in the checkpoint (`getAlgorithm` from algorithms/index.ts). */
  readonly resolveAlgorithm: (name: string) => AnyAlgorithmDefinition;
  /** Seed of the sampling RNG for stochastic actions. @default 0 */
  readonly seed?: number;
}

/** Options of {@link LoadedPolicy.computeAction}. */
export interface ComputeActionOptions {
  /** The greedy (Discrete) or mean (Box) action instead of a sample. @default true */
  readonly deterministic?: boolean;
}

/** A policy loaded from a checkpoint. */
export interface LoadedPolicy {
  readonly algorithm: string;
  /** The env the policy was trained on. */
  readonly envId: string;
  readonly observationSpace: SpaceJson;
  readonly actionSpace: SpaceJson;
  /** The checkpoint directory that was read. */
  readonly checkpointDir: string;
  /**
   * The action for one observation, as the env takes it: a number for Discrete, an Int32Array for
   * MultiDiscrete, a Float32Array (clipped to the bounds, as in training) for Box.
   * @param obs an observation of `observationSpace` (a Box observation may be a plain number array).
   * @throws TypeError when `obs` does not fit the observation space.
   */
  computeAction(obs: SpaceValue | readonly number[], options?: ComputeActionOptions): SpaceValue;
  /** Frees backend memory the policy holds, if any. */
  dispose(): void;
}

function flattenObservation(space: Space, obs: SpaceValue | readonly number[]): Float32Array {
  if (space.type === 'Box' && (Array.isArray(obs) || ArrayBuffer.isView(obs))) {
    const values = obs as ArrayLike<number>;
    if (values.length !== space.flatSize) {
      throw new TypeError(
        `computeAction: obs has ${values.length} values; the observation space ${describeSpace(space)} has ${space.flatSize}.`,
      );
    }
    return Float32Array.from(values);
  }
  if (!space.contains(obs as SpaceValue)) {
    throw new TypeError(`computeAction: obs is not in the observation space ${describeSpace(space)}.`);
  }
  return space.flatten(obs as SpaceValue);
}

/** A checkpoint read back with what its policy needs: the algorithm, the resolved config and context. */
export interface CheckpointPolicyContext {
  readonly loaded: LoadedCheckpoint;
  readonly algorithm: AnyAlgorithmDefinition;
  readonly config: CommonConfig;
  readonly ctx: AlgorithmContext;
  readonly observationSpace: Space;
  /** The run's `env.normalizeObservations` statistic; undefined when normalisation is off. */
  readonly obsFilter: RunningMeanStdState | undefined;
}

/**
 * Reads the checkpoint at `path` and rebuilds its algorithm context without creating an env.
 * @throws CheckpointError when the checkpoint is missing, corrupt, or normalises observations but
 *   holds no statistic; ConfigError when its config does not validate.
 */
export function readCheckpointPolicyContext(
  path: string,
  resolveAlgorithm: (name: string) => AnyAlgorithmDefinition,
): CheckpointPolicyContext {
  const loaded: LoadedCheckpoint = loadCheckpoint(path);
  const algorithm = resolveAlgorithm(loaded.algorithm);
  const schema = buildConfigSchema(algorithm.trainingSchema);
  const config = schema.parse(structuredClone(loaded.config), '') as unknown as CommonConfig;
  const observationSpace = spaceFromJson(loaded.spaces.observation, 'observation space');
  const { obsFilter } = readSavedObsFilter(
    loaded.state,
    config.env.normalizeObservations,
    observationSpace.flatSize,
    loaded.dir,
  );
  const ctx: AlgorithmContext = {
    config,
    training: config.training,
    observationSpace: loaded.spaces.observation,
    actionSpace: loaded.spaces.action,
    obsSize: observationSpace.flatSize,
  };
  return { loaded, algorithm, config, ctx, observationSpace, obsFilter };
}

/**
 * Loads the policy of the checkpoint at `path` (a checkpoint directory, or a run / checkpoints
 * directory: its latest checkpoint).
 * @throws CheckpointError when the checkpoint is missing, corrupt, or normalises observations but
 *   holds no statistic; ConfigError when its config does not validate; TypeError from the algorithm
 *   when the weights do not fit.
 */
export async function loadPolicyWith(path: string, options: LoadPolicyOptions): Promise<LoadedPolicy> {
  const { loaded, algorithm, config, ctx, observationSpace, obsFilter } = readCheckpointPolicyContext(
    path,
    options.resolveAlgorithm,
  );
  const policy: InferencePolicy = await algorithm.createPolicy(ctx);
  policy.setWeights(loaded.weights);
  const adapter = createActionAdapter(loaded.spaces.action, 1);
  const out: PolicyOutput = {
    actions: adapter.allocActions(1),
    extras: Object.fromEntries(policy.extraColumns.map((c) => [c, new Float32Array(1)])),
  };
  const rng = SeededRng.fromSeed(options.seed ?? 0);
  const statistic = obsFilter === undefined ? undefined : new RunningMeanStd(observationSpace.flatSize);
  if (obsFilter !== undefined) statistic!.setState(obsFilter);
  return {
    algorithm: loaded.algorithm,
    envId: config.env.id,
    observationSpace: loaded.spaces.observation,
    actionSpace: loaded.spaces.action,
    checkpointDir: loaded.dir,
    computeAction(obs, actionOptions = {}) {
      const row = flattenObservation(observationSpace, obs);
      statistic?.normalizeInto(row, row, OBS_NORM_EPSILON);
      policy.act(row, 1, !(actionOptions.deterministic ?? true), rng, out);
      const action = adapter.toEnvActions(out.actions)[0]!;
      // The adapter reuses its rows: hand out a copy.
      if (action instanceof Float32Array || action instanceof Float64Array || action instanceof Int32Array)
        return action.slice();
      return action;
    },
    dispose: () => policy.dispose?.(),
  };
}
