/**
 * PPO's `training` config section. Names follow CleanRL (`cleanrl/ppo.py` arguments) in camelCase;
 * defaults are CleanRL's for classic control unless noted.
 */
import type { TrainConfig } from '../../rl/config/common.js';
import { envStepsPerSampleRound } from '../../rl/config/common.js';
import { divisorsNear } from '../../rl/config/did-you-mean.js';
import type { RefineContext } from '../../rl/config/schema.js';
import { type InferShape, s } from '../../rl/config/schema.js';

// Default constant (as SB3): a linear schedule needs a horizon, which a config without stop.envSteps lacks.
const schedule = (what: string) =>
  s.enum(['constant', 'linear'] as const, {
    default: 'constant',
    description: `${what} schedule: constant, or linear decay to 0 at training.annealEnvSteps (CleanRL anneal_lr).`,
  });

/** The schema of PPO's `training` section. */
export const PPO_TRAINING = s.object({
  lr: s.number({
    min: 0,
    exclusiveMin: true,
    default: 2.5e-4,
    description: 'Adam learning rate (CleanRL 2.5e-4).',
  }),
  lrSchedule: schedule('Learning-rate'),
  gamma: s.number({ min: 0, max: 1, default: 0.99, description: 'Discount factor.' }),
  gaeLambda: s.number({ min: 0, max: 1, default: 0.95, description: 'GAE lambda.' }),
  numEpochs: s.int({
    min: 1,
    default: 4,
    description: 'Epochs over each train batch (CleanRL update_epochs).',
  }),
  numMinibatches: s.int({
    min: 1,
    default: 4,
    description: 'Minibatches per epoch (CleanRL num_minibatches).',
  }),
  normAdvantages: s.boolean({ default: true, description: 'Normalise advantages per minibatch.' }),
  clipCoef: s.number({
    min: 0,
    exclusiveMin: true,
    default: 0.2,
    description: 'Surrogate clipping epsilon.',
  }),
  clipSchedule: s.enum(['constant', 'linear'] as const, {
    default: 'constant',
    description:
      'clipCoef schedule: constant, or linear decay to 0 at training.annealEnvSteps (rl-zoo lin_0.2).',
  }),
  clipVLoss: s.boolean({
    default: true,
    description: 'Clip the value update around the old value (CleanRL).',
  }),
  vfClipCoef: s.number({ min: 0, exclusiveMin: true, default: 0.2, description: 'Value clipping range.' }),
  entCoef: s.number({ min: 0, default: 0.01, description: 'Entropy bonus coefficient.' }),
  vfCoef: s.number({ min: 0, default: 0.5, description: 'Value loss coefficient.' }),
  maxGradNorm: s.number({
    min: 0,
    exclusiveMin: true,
    default: 0.5,
    description: 'Global gradient-norm clip.',
  }),
  targetKl: s.optional(
    s.number({
      min: 0,
      exclusiveMin: true,
      description: 'Stop the epochs early when approx KL exceeds this.',
    }),
  ),
  annealEnvSteps: s.optional(
    s.int({ min: 1, description: 'Env steps over which linear schedules reach 0; default stop.envSteps.' }),
  ),
});

/** PPO's resolved `training` section. */
export type PpoTraining = InferShape<(typeof PPO_TRAINING)['shape']>;

/** Cross-section checks: minibatches must divide the train batch; linear schedules need a horizon. */
export function refinePpoConfig(
  config: TrainConfig<(typeof PPO_TRAINING)['shape']>,
  ctx: RefineContext,
): void {
  const t = config.training;
  const batch = envStepsPerSampleRound(config);
  if (batch % t.numMinibatches !== 0) {
    const near = divisorsNear(batch, t.numMinibatches);
    ctx.fail(
      'training.numMinibatches',
      t.numMinibatches,
      `must divide the train batch (${batch} = runners x env.numEnvsPerRunner x envRunners.rolloutFragmentLength)`,
      `try ${near.join(', ')}`,
    );
  }
  const minibatch = Math.floor(batch / t.numMinibatches);
  const learners = config.learners.numLearners;
  if (learners > 1 && minibatch % learners !== 0) {
    ctx.fail(
      'learners.numLearners',
      learners,
      `must divide the minibatch (${minibatch} rows = train batch ${batch} / training.numMinibatches) so every data-parallel learner gets an equal shard`,
      `try ${divisorsNear(minibatch, learners).join(', ')}`,
    );
  }
  const linear = t.lrSchedule === 'linear' || t.clipSchedule === 'linear';
  if (linear && t.annealEnvSteps === undefined && config.stop.envSteps === undefined) {
    ctx.fail(
      'training.annealEnvSteps',
      undefined,
      'is required when a schedule is linear and stop.envSteps is not set (linear schedules need a horizon)',
      'set training.annealEnvSteps, or stop.envSteps, or use constant schedules',
    );
  }
}

/** Linear decay to 0 at `horizon` env steps (CleanRL: frac = 1 - (iteration - 1) / num_iterations). */
export function scheduled(
  kind: 'constant' | 'linear',
  initial: number,
  envSteps: number,
  horizon: number,
): number {
  if (kind === 'constant') return initial;
  return initial * Math.max(0, 1 - envSteps / horizon);
}
