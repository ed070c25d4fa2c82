/**
 * APEX-DQN's `training` section: DQN's learner knobs (same names and meaning as algorithms/dqn/config.ts)
 * plus the distributed parts of Horgan et al. 2018 ("Distributed Prioritized Experience Replay",
 * arXiv:1803.00933): per-runner epsilons eps_i = epsilonBase^(1 + epsilonAlpha * i / (N - 1))
 * (sec. 4.1: 0.4 and 7), replay shards with proportional prioritization (alpha 0.6, beta 0.4, no
 * annealing, appendix Table), n = 3 step returns, and weights published every `weightSyncInterval`
 * gradient steps.
 */
import type { TrainConfig } from '../../rl/config/common.js';
import type { RefineContext } from '../../rl/config/schema.js';
import { type InferShape, s } from '../../rl/config/schema.js';
import { DQN_TRAINING, type DqnTraining } from '../dqn/config.js';

const dqn = DQN_TRAINING.shape;

/** The schema of APEX-DQN's `training` section. */
export const APEX_TRAINING = s.object({
  lr: dqn.lr,
  gamma: dqn.gamma,
  bufferSize: s.int({
    min: 1,
    default: 100_000,
    description: 'Replay capacity in transitions over all shards (each holds bufferSize / numReplayShards).',
  }),
  batchSize: dqn.batchSize,
  learningStarts: s.int({
    min: 0,
    default: 1_000,
    description: 'Transitions in replay (all shards) before the first gradient step.',
  }),
  trainingIntensity: s.number({
    min: 0,
    exclusiveMin: true,
    default: 0.125,
    description: 'Gradient steps per sampled env step (the learner keeps to this ratio).',
  }),
  targetUpdateInterval: dqn.targetUpdateInterval,
  tau: dqn.tau,
  doubleQ: dqn.doubleQ,
  dueling: dqn.dueling,
  nStep: s.int({ min: 1, default: 3, description: 'n of the n-step TD target (Ape-X 3).' }),
  huberDelta: dqn.huberDelta,
  maxGradNorm: dqn.maxGradNorm,
  prioritizedAlpha: s.number({ min: 0, max: 1, default: 0.6, description: 'Priority exponent (Ape-X 0.6).' }),
  prioritizedBeta: s.number({
    min: 0,
    max: 1,
    default: 0.4,
    description: 'Importance-sampling exponent, fixed (Ape-X 0.4).',
  }),
  prioritizedEps: dqn.prioritizedEps,
  numReplayShards: s.int({ min: 1, default: 2, description: 'Replay-shard actors.' }),
  saveReplayBuffer: s.boolean({
    default: true,
    description:
      "Save every replay shard's rows and priorities in checkpoints (a resumed run continues from them).",
  }),
  weightSyncInterval: s.int({
    min: 1,
    default: 16,
    description: 'Gradient steps between weight publications; runners pick them up with their next sample.',
  }),
  epsilonBase: s.number({
    min: 0,
    max: 1,
    default: 0.4,
    description: 'eps_i = epsilonBase^(1 + epsilonAlpha i / (N - 1)) for runner i of N (Ape-X 0.4).',
  }),
  epsilonAlpha: s.number({
    min: 0,
    default: 7,
    description: 'Exponent spread of the runner epsilons (Ape-X 7).',
  }),
});

/** APEX-DQN's resolved `training` section. */
export type ApexTraining = InferShape<(typeof APEX_TRAINING)['shape']>;

/**
 * Cross-section checks: APEX runs runner actors (it cannot sample inline) and a shard must hold a
 * minibatch.
 */
export function refineApexConfig(
  config: TrainConfig<(typeof APEX_TRAINING)['shape']>,
  ctx: RefineContext,
): void {
  const t = config.training;
  if (config.envRunners.numEnvRunners < 1) {
    ctx.fail(
      'envRunners.numEnvRunners',
      config.envRunners.numEnvRunners,
      'is 0, but APEX-DQN samples with runner actors (each with its own epsilon)',
      'set it to 1 or more (the presets use 3)',
    );
  }
  const perShard = Math.floor(t.bufferSize / t.numReplayShards);
  if (perShard < t.batchSize) {
    ctx.fail(
      'training.bufferSize',
      t.bufferSize,
      `gives each of the ${t.numReplayShards} replay shards ${perShard} rows, fewer than training.batchSize (${t.batchSize})`,
      `raise it to at least ${t.batchSize * t.numReplayShards}`,
    );
  }
}

/** Runner i's epsilon of N runners (Horgan et al. 2018, sec. 4.1); N = 1 gives epsilonBase. */
export function runnerEpsilon(
  t: Pick<ApexTraining, 'epsilonBase' | 'epsilonAlpha'>,
  i: number,
  n: number,
): number {
  const frac = n > 1 ? i / (n - 1) : 0;
  return t.epsilonBase ** (1 + t.epsilonAlpha * frac);
}

/** The DQN learner's training section for an APEX config (DQN's defaults for what APEX does not use). */
export function dqnTrainingOf(t: ApexTraining): DqnTraining {
  const defaults = DQN_TRAINING.parse({}, 'training') as DqnTraining;
  return {
    ...defaults,
    lr: t.lr,
    gamma: t.gamma,
    batchSize: t.batchSize,
    targetUpdateInterval: t.targetUpdateInterval,
    tau: t.tau,
    doubleQ: t.doubleQ,
    dueling: t.dueling,
    nStep: t.nStep,
    huberDelta: t.huberDelta,
    maxGradNorm: t.maxGradNorm,
    prioritized: true,
  };
}
