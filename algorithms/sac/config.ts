/**
 * SAC's `training` section. Names follow CleanRL (`cleanrl/sac_continuous_action.py` arguments) in
 * camelCase; defaults are CleanRL's unless noted (the presets in configs/ tune them).
 */
import type { TrainConfig } from '../../rl/config/common.js';
import type { RefineContext } from '../../rl/config/schema.js';
import { type InferShape, s } from '../../rl/config/schema.js';
import { checkReplayFitsMinibatch } from '../../rl/off-policy/check-replay-config.js';

/** The schema of SAC's `training` section. */
export const SAC_TRAINING = s.object({
  actorLr: s.number({
    min: 0,
    exclusiveMin: true,
    default: 3e-4,
    description: 'Actor Adam learning rate (CleanRL policy_lr 3e-4).',
  }),
  criticLr: s.number({
    min: 0,
    exclusiveMin: true,
    default: 1e-3,
    description: 'Critic Adam learning rate (CleanRL q_lr 1e-3).',
  }),
  alphaLr: s.number({
    min: 0,
    exclusiveMin: true,
    default: 1e-3,
    description: 'Temperature Adam learning rate (CleanRL uses q_lr for it).',
  }),
  gamma: s.number({ min: 0, max: 1, default: 0.99, description: 'Discount factor.' }),
  tau: s.number({
    min: 0,
    max: 1,
    exclusiveMin: true,
    default: 0.005,
    description: 'Polyak coefficient of the target critics (CleanRL 0.005).',
  }),
  bufferSize: s.int({
    min: 1,
    default: 1_000_000,
    description: 'Replay capacity in transitions (CleanRL 1e6).',
  }),
  batchSize: s.int({ min: 1, default: 256, description: 'Minibatch rows per gradient step (CleanRL 256).' }),
  learningStarts: s.int({
    min: 0,
    default: 5000,
    description: 'Env steps of uniform-random actions before the first gradient step (CleanRL 5e3).',
  }),
  trainingIntensity: s.number({
    min: 0,
    exclusiveMin: true,
    default: 1,
    description: 'Gradient steps per env step (CleanRL: one per step).',
  }),
  targetUpdateInterval: s.int({
    min: 1,
    default: 1,
    description: 'Gradient steps between Polyak updates (CleanRL target_network_frequency 1).',
  }),
  autoEntropy: s.boolean({
    default: true,
    description: 'Tune alpha towards the target entropy (CleanRL autotune).',
  }),
  initialAlpha: s.number({
    min: 0,
    exclusiveMin: true,
    default: 1,
    description: 'alpha at the start (CleanRL: 1 with autotune, as log_alpha = 0; 0.2 without).',
  }),
  targetEntropy: s.optional(
    s.number({ description: 'Target entropy; default -|A| (Haarnoja et al. 2018, sec. 5).' }),
  ),
  criticHiddenSizes: s.optional(
    s.array(s.int({ min: 1 }), {
      minLength: 1,
      description: 'Critic MLP widths; default model.hiddenSizes.',
    }),
  ),
  maxGradNorm: s.optional(
    s.number({
      min: 0,
      exclusiveMin: true,
      description: 'Global grad-norm clip of each optimiser (none in CleanRL).',
    }),
  ),
  saveReplayBuffer: s.boolean({
    default: true,
    description: 'Save the replay buffer in checkpoints (exact resume; costs its size on disk).',
  }),
});

/** SAC's resolved `training` section. */
export type SacTraining = InferShape<(typeof SAC_TRAINING)['shape']>;

/** Cross-section checks: the buffer must hold a minibatch. */
export function refineSacConfig(
  config: TrainConfig<(typeof SAC_TRAINING)['shape']>,
  ctx: RefineContext,
): void {
  const t = config.training;
  checkReplayFitsMinibatch(t, ctx);
}
