/**
 * DQN's `training` config section. Names follow CleanRL (`cleanrl/dqn.py` arguments) in camelCase;
 * defaults are CleanRL's dqn.py classic-control values unless noted (the presets in configs/ tune them).
 */
import type { TrainConfig } from '../../rl/config/common.js';
import type { RefineContext } from '../../rl/config/schema.js';
import { type InferShape, s } from '../../rl/config/schema.js';
import { checkReplayFitsMinibatch } from '../../rl/off-policy/check-replay-config.js';

/** The schema of DQN's `training` section. */
export const DQN_TRAINING = s.object({
  lr: s.number({
    min: 0,
    exclusiveMin: true,
    default: 2.5e-4,
    description: 'Adam learning rate (CleanRL 2.5e-4).',
  }),
  gamma: s.number({ min: 0, max: 1, default: 0.99, description: 'Discount factor.' }),
  bufferSize: s.int({
    min: 1,
    default: 10_000,
    description: 'Replay capacity in transitions (CleanRL 10000).',
  }),
  batchSize: s.int({ min: 1, default: 128, description: 'Minibatch rows per gradient step (CleanRL 128).' }),
  learningStarts: s.int({
    min: 0,
    default: 10_000,
    description: 'Env steps of uniform-random acting before the first gradient step (CleanRL 10000).',
  }),
  trainingIntensity: s.number({
    min: 0,
    exclusiveMin: true,
    default: 0.1,
    description: 'Gradient steps per env step (CleanRL train_frequency 10 -> 0.1).',
  }),
  targetUpdateInterval: s.int({
    min: 1,
    default: 500,
    description: 'Env steps between target-network updates (CleanRL target_network_frequency 500).',
  }),
  tau: s.number({
    min: 0,
    max: 1,
    exclusiveMin: true,
    default: 1,
    description: 'Target update target <- tau * online + (1 - tau) * target; 1 is a hard copy (CleanRL 1.0).',
  }),
  epsilonStart: s.number({
    min: 0,
    max: 1,
    default: 1,
    description: 'Exploration epsilon when learning starts.',
  }),
  epsilonEnd: s.number({
    min: 0,
    max: 1,
    default: 0.05,
    description: 'Final exploration epsilon (CleanRL 0.05).',
  }),
  explorationEnvSteps: s.int({
    min: 1,
    default: 250_000,
    description: 'Env steps over which epsilon decays linearly (CleanRL exploration_fraction 0.5 x 500k).',
  }),
  doubleQ: s.boolean({ default: true, description: 'Double Q-learning targets (van Hasselt et al. 2016).' }),
  dueling: s.boolean({ default: false, description: 'Dueling V + A heads (Wang et al. 2016).' }),
  nStep: s.int({ min: 1, default: 1, description: 'n of the n-step TD target (Rainbow uses 3).' }),
  huberDelta: s.number({
    min: 0,
    exclusiveMin: true,
    default: 1,
    description: 'Huber loss threshold (SB3 smooth_l1; CleanRL dqn.py uses MSE).',
  }),
  maxGradNorm: s.number({
    min: 0,
    exclusiveMin: true,
    default: 10,
    description: 'Global gradient-norm clip (SB3 DQN max_grad_norm 10).',
  }),
  prioritized: s.boolean({ default: false, description: 'Prioritized replay (Schaul et al. 2016).' }),
  prioritizedAlpha: s.number({
    min: 0,
    max: 1,
    default: 0.6,
    description: 'Priority exponent (Schaul et al. 2016, Table 3).',
  }),
  prioritizedBeta: s.number({
    min: 0,
    max: 1,
    default: 0.4,
    description: 'Initial importance-sampling exponent, annealed to 1 (Schaul et al. 2016, Table 3).',
  }),
  prioritizedEps: s.number({
    min: 0,
    exclusiveMin: true,
    default: 1e-6,
    description: 'Added to |TD error| for new priorities (Ape-X 1e-6).',
  }),
  betaAnnealEnvSteps: s.optional(
    s.int({
      min: 1,
      description: 'Env steps over which beta reaches 1; default stop.envSteps, else explorationEnvSteps.',
    }),
  ),
  saveReplayBuffer: s.boolean({
    default: true,
    description: 'Save the replay buffer in checkpoints (exact resume; costs its size on disk).',
  }),
});

/** DQN's resolved `training` section. */
export type DqnTraining = InferShape<(typeof DQN_TRAINING)['shape']>;

/** Cross-section checks: the buffer must hold a minibatch; epsilon decays downwards. */
export function refineDqnConfig(
  config: TrainConfig<(typeof DQN_TRAINING)['shape']>,
  ctx: RefineContext,
): void {
  const t = config.training;
  checkReplayFitsMinibatch(t, ctx);
  if (t.epsilonEnd > t.epsilonStart) {
    ctx.fail(
      'training.epsilonEnd',
      t.epsilonEnd,
      `exceeds training.epsilonStart (${t.epsilonStart}); epsilon decays from start to end`,
      'swap the two values',
    );
  }
}

/**
 * Epsilon at `envSteps` lifetime env steps: epsilonStart decaying linearly to epsilonEnd over
 * `explorationEnvSteps` (CleanRL dqn.py `linear_schedule`, counted from step 0 as there).
 */
export function epsilonAt(t: DqnTraining, envSteps: number): number {
  const frac = Math.min(1, envSteps / t.explorationEnvSteps);
  return t.epsilonStart + frac * (t.epsilonEnd - t.epsilonStart);
}
