/**
 * SAC as an {@link AlgorithmDefinition}: runners sample the squashed Gaussian (./policy.ts), the shared
 * off-policy iteration (../dqn/off-policy-iteration.ts) fills the replay buffer and runs
 * `trainingIntensity` gradient steps per env step after `learningStarts`, the learner (./learner.ts)
 * updates critics, actor and temperature and the Polyak targets.
 */
import type { SpaceJson } from '../../envs/spaces/space.js';
import type { AlgorithmContext, AlgorithmDefinition } from '../../rl/algorithm.js';
import { mlpMacsPerRow } from '../../rl/models/mlp.js';
import { OffPolicyIteration } from '../../rl/off-policy/off-policy-iteration.js';
import { refineSacConfig, SAC_TRAINING, type SacTraining } from './config.js';
import { sacDeterministicNetwork } from './export.js';
import { SacLearner } from './learner.js';
import { actorSpec, criticSpec, sacActionSpec } from './model.js';
import { SacPolicy } from './policy.js';

type SacShape = (typeof SAC_TRAINING)['shape'];

function specsOf(ctx: AlgorithmContext<SacTraining>) {
  const action = sacActionSpec(ctx.actionSpace);
  return {
    action,
    actor: actorSpec(ctx.obsSize, action.actionSize, ctx.config.model),
    critic: criticSpec(ctx.obsSize, action.actionSize, ctx.config.model, ctx.training.criticHiddenSizes),
  };
}

/** Soft Actor-Critic (Haarnoja et al. 2018) for 1-D Box actions, with automatic entropy tuning. */
export const sac: AlgorithmDefinition<SacShape> = {
  name: 'sac',
  description: 'Soft Actor-Critic (twin critics, squashed Gaussian, auto entropy), Box actions.',
  ref: { moduleUrl: import.meta.url, exportName: 'sac' },
  trainingSchema: SAC_TRAINING,
  refineConfig: refineSacConfig,
  checkSpaces(_observationSpace: SpaceJson, actionSpace: SpaceJson): void {
    sacActionSpec(actionSpace);
  },
  runnerSpec: () => ({ recordNextObs: true }),
  createPolicy(ctx) {
    const { action, actor } = specsOf(ctx);
    return new SacPolicy(actor, action);
  },
  deterministicNetwork(ctx, weights) {
    const { action, actor } = specsOf(ctx);
    return sacDeterministicNetwork(actor, action, weights);
  },
  createLearner(ctx) {
    const { action, actor, critic } = specsOf(ctx);
    return new SacLearner({
      actorSpec: actor,
      criticSpec: critic,
      action,
      training: ctx.training,
      seed: ctx.config.seed,
    });
  },
  learnerWorkload(ctx) {
    // One forward pass of the actor and both critics over a minibatch.
    const { actor, critic } = specsOf(ctx);
    return { macsPerStep: ctx.training.batchSize * (mlpMacsPerRow(actor) + 2 * mlpMacsPerRow(critic)) };
  },
  createIteration(ctx) {
    const t = ctx.training;
    const { action } = specsOf(ctx);
    return new OffPolicyIteration({
      obsSize: ctx.obsSize,
      actionSize: action.actionSize,
      actionDtype: 'float32',
      gamma: t.gamma,
      nStep: 1,
      bufferSize: t.bufferSize,
      batchSize: t.batchSize,
      learningStarts: t.learningStarts,
      trainingIntensity: t.trainingIntensity,
      saveReplayBuffer: t.saveReplayBuffer,
      seed: ctx.config.seed,
      // Uniform actions until the first gradient step (CleanRL sac_continuous_action.py, SB3 learning_starts).
      exploration: (_envSteps, gradSteps) => ({ epsilon: gradSteps === 0 ? 1 : 0 }),
    });
  },
};
