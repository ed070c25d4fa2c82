/**
 * The config sections every algorithm shares, and {@link buildConfigSchema}, which adds the
 * algorithm's own `training` section (each algorithm supplies that schema).
 *
 * ```yaml
 * algo: ppo
 * seed: 0
 * backend: auto
 * env: { id: CartPole-v1, options: {}, kwargs: {}, addresses: [], numEnvsPerRunner: 8, numEnvs (unset),
 *        normalizeObservations: false }
 * envRunners: { numEnvRunners: auto, rolloutFragmentLength: 64, restartFailed: true, sampleTimeoutMs: 60000,
 *               restartWindowMs: 120000 }
 * learners: { numLearners: 1, numGpusPerLearner: 0 }
 * model: { hiddenSizes: [64, 64], activation: tanh }
 * training: { ... }
 * evaluation: { interval: 0, episodes: 10, deterministic: true, numEnvs: 1 }
 * stop: { envSteps: 500000 }
 * expect: { episodeReturnMean: 475, withinEnvSteps: 200000 }
 * metrics: { windowEpisodes: 100, tensorboard: true, weightHistogramInterval: 10 }
 * checkpoint: { interval: 0, intervalMs: 300000, atEnd: true, keepLast: 5 }
 * ```
 */
import {
  type EnvRunnerCounts,
  numEnvRunnersSchema,
  numEnvsPerRunnerSchema,
  resolveEnvRunnerCounts,
} from './num-env-runners.js';
import { type InferShape, type ObjectSchema, type RefineContext, type Shape, s } from './schema.js';

/** The compute backends `backend` accepts; `auto` picks the fastest available one. */
export const BACKENDS = ['auto', 'wasm', 'cpu', 'tfjs-node', 'tfjs-node-gpu', 'webgpu'] as const;

/** The hidden-layer activations `model.activation` accepts. */
export const ACTIVATIONS = ['tanh', 'relu', 'elu', 'sigmoid', 'linear'] as const;

/** The shared sections (everything except `training`). */
export const COMMON_SECTIONS = {
  algo: s.optional(
    s.string({
      description: 'Algorithm name; optional in a file, must match `rl train --algo` when both are given.',
    }),
  ),
  seed: s.int({ min: 0, max: 2 ** 32 - 1, default: 0, description: 'Seed of every RNG in the run.' }),
  backend: s.enum(BACKENDS, { default: 'auto', description: 'tfjs backend of the learners and runners.' }),
  env: s.object({
    id: s.string({ default: 'CartPole-v1', description: 'Registered env id, e.g. CartPole-v1.' }),
    options: s.record(s.json(), { description: 'Options passed to the env constructor.' }),
    kwargs: s.record(s.json(), {
      description:
        'Keyword arguments of a Python env (gymnasium:/python: ids): gymnasium.make(id, **kwargs) or Class(**kwargs).',
    }),
    addresses: s.array(s.string(), {
      default: [],
      description:
        'Env server addresses (tcp:// or ipc://) spread over the env runners (runner i uses addresses[i % n]); replaces env.id.',
    }),
    numEnvsPerRunner: numEnvsPerRunnerSchema(),
    numEnvs: s.optional(
      s.int({
        min: 1,
        description:
          "The run's envs in all, shared equally by the env runners: sets numEnvsPerRunner to numEnvs / runners, so the sample round is the same whatever numEnvRunners auto picks. An explicit numEnvsPerRunner wins.",
      }),
    ),
    normalizeObservations: s.boolean({
      default: false,
      description:
        "One running mean/std of the observations per run (SB3 VecNormalize's obs part), shared by every env runner: saved with checkpoints, frozen in evaluation.",
    }),
  }),
  envRunners: s.object({
    numEnvRunners: numEnvRunnersSchema(),
    rolloutFragmentLength: s.int({ min: 1, default: 64, description: 'Env steps per env per sample call.' }),
    restartFailed: s.boolean({
      default: true,
      description: 'Restart a failed runner and go on (RLlib restart_failed_env_runners).',
    }),
    sampleTimeoutMs: s.int({ min: 1, default: 60_000, description: 'Max wait for one sample call.' }),
    restartWindowMs: s.int({
      min: 0,
      default: 120_000,
      description:
        'How long a failed runner is rebuilt, with backoff, before the run fails (a remote env server restarting); 0 fails at once.',
    }),
  }),
  learners: s.object({
    numLearners: s.int({
      min: 1,
      default: 1,
      description:
        'Learners; > 1 runs data-parallel learner actors (gradients all-reduced every step; DQN, APEX-DQN, SAC, PPO).',
    }),
    numGpusPerLearner: s.number({
      min: 0,
      default: 0,
      description: 'GPUs per learner; > 0 uses tfjs-node-gpu.',
    }),
  }),
  model: s.object({
    hiddenSizes: s.array(s.int({ min: 1 }), {
      minLength: 1,
      default: [64, 64],
      description: 'MLP hidden layer widths.',
    }),
    activation: s.enum(ACTIVATIONS, { default: 'tanh', description: 'Hidden-layer activation.' }),
    convs: s.optional(
      s.array(
        s.object({
          filters: s.int({ min: 1, description: 'Output channels.' }),
          kernelSize: s.int({ min: 1, description: 'Square kernel side.' }),
          stride: s.int({ min: 1, default: 1, description: 'Stride (valid padding).' }),
        }),
        {
          minLength: 1,
          description:
            'Conv layers (ReLU, valid padding) before the hidden layers, for image observations [H, W, C]; ' +
            'actor and critic share them (PPO).',
        },
      ),
    ),
  }),
  evaluation: s.object({
    interval: s.int({
      min: 0,
      default: 0,
      description: 'Evaluate every N iterations; 0 turns evaluation off.',
    }),
    episodes: s.int({ min: 1, default: 10, description: 'Episodes per evaluation.' }),
    deterministic: s.boolean({ default: true, description: 'Greedy/mean actions during evaluation.' }),
    numEnvs: s.int({ min: 1, default: 1, description: 'Envs the evaluation runner steps.' }),
  }),
  stop: s.object({
    envSteps: s.optional(s.int({ min: 1, description: 'Stop after this many lifetime env steps.' })),
    iterations: s.optional(s.int({ min: 1, description: 'Stop after this many iterations.' })),
    timeMs: s.optional(
      s.number({ min: 0, exclusiveMin: true, description: 'Stop after this much wall time.' }),
    ),
    episodeReturnMean: s.optional(
      s.number({ description: 'Stop when the windowed mean return reaches this.' }),
    ),
  }),
  expect: s.optional(
    s.object({
      episodeReturnMean: s.number({ description: 'The mean return a preset must reach (learning tests).' }),
      withinEnvSteps: s.optional(
        s.int({ min: 1, description: 'Env steps within which it must be reached.' }),
      ),
    }),
  ),
  metrics: s.object({
    windowEpisodes: s.int({ min: 1, default: 100, description: 'Episodes in the episodeReturnMean window.' }),
    tensorboard: s.boolean({
      default: true,
      description: 'Also write TensorBoard event files (every numeric metric) into the run dir.',
    }),
    weightHistogramInterval: s.int({
      min: 0,
      default: 10,
      description:
        "With metrics.tensorboard: histograms of the learner's weights every N iterations (0: none).",
    }),
  }),
  checkpoint: s.object({
    interval: s.int({
      min: 0,
      default: 0,
      description: 'Checkpoint every N iterations; 0 turns this off.',
    }),
    intervalMs: s.int({
      min: 0,
      default: 300_000,
      description: 'Checkpoint when this much wall time passed since the last one; 0 turns this off.',
    }),
    atEnd: s.boolean({ default: true, description: 'Write a checkpoint when the run stops.' }),
    keepLast: s.int({ min: 1, default: 5, description: 'Keep only the newest N checkpoints of the run.' }),
  }),
} as const;

/** The shape of a full config with the algorithm's training section `T`. */
export type ConfigShape<T extends Shape> = typeof COMMON_SECTIONS & { readonly training: ObjectSchema<T> };

/** A resolved config whose training section has shape `T`. */
export type TrainConfig<T extends Shape> = InferShape<ConfigShape<T>>;

/** A resolved config seen by machinery that does not read `training` (runners, metrics, checkpoints). */
export type CommonConfig = InferShape<typeof COMMON_SECTIONS> & {
  readonly training: Readonly<Record<string, unknown>>;
};

/** Options of {@link buildConfigSchema}. */
export interface BuildConfigSchemaOptions<T extends Shape> {
  /** Cross-section checks of the algorithm (e.g. minibatches dividing the train batch); paths are absolute. */
  readonly refine?: (config: TrainConfig<T>, ctx: RefineContext) => void;
}

/** The full config schema: the common sections plus `training`, with the algorithm's `refine`. */
export function buildConfigSchema<T extends Shape>(
  training: ObjectSchema<T>,
  options: BuildConfigSchemaOptions<T> = {},
): ObjectSchema<ConfigShape<T>> {
  const shape = { ...COMMON_SECTIONS, training } as ConfigShape<T>;
  // `expect` never blocks a run: a shorter run just gets no verdict (rl/cli/expect-verdict.ts).
  return s.object(shape, {
    refine: (config, ctx) => {
      resolveEnvRunnerCounts(config as unknown as EnvRunnerCounts, ctx);
      options.refine?.(config, ctx);
    },
  });
}

/**
 * Env steps one sampling round collects across all runners: runners (at least 1, as 0 samples
 * locally) x envs per runner x rollout fragment length.
 */
export function envStepsPerSampleRound(config: CommonConfig): number {
  return (
    Math.max(1, config.envRunners.numEnvRunners) *
    config.env.numEnvsPerRunner *
    config.envRunners.rolloutFragmentLength
  );
}
