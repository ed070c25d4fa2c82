/**
 * DQN as an {@link AlgorithmDefinition}: the runners act epsilon-greedily (./policy.ts), the iteration
 * fills a replay buffer and runs `trainingIntensity` gradient steps per env step after `learningStarts`
 * (./off-policy-iteration.ts), the learner (./learner.ts) minimises the loss of ./loss.ts and updates the
 * target network.
 */
import type { SpaceJson } from '../../envs/spaces/space.js';
import type { AlgorithmContext, AlgorithmDefinition } from '../../rl/algorithm.js';
import { mlpMacsPerRow } from '../../rl/models/mlp.js';
import { OffPolicyIteration } from '../../rl/off-policy/off-policy-iteration.js';
import { DQN_TRAINING, type DqnTraining, epsilonAt, refineDqnConfig } from './config.js';
import { dqnDeterministicNetwork } from './export.js';
import { DqnLearner } from './learner.js';
import { numActionsOf, qNetSpec } from './model.js';
import { DqnPolicy } from './policy.js';

type DqnShape = (typeof DQN_TRAINING)['shape'];

function specOf(ctx: AlgorithmContext<DqnTraining>) {
  const numActions = numActionsOf(ctx.actionSpace);
  return { numActions, spec: qNetSpec(ctx.obsSize, numActions, ctx.config.model, ctx.training.dueling) };
}

/** Deep Q-Network (Mnih et al. 2015) with double Q, dueling, n-step and prioritized-replay options. */
export const dqn: AlgorithmDefinition<DqnShape> = {
  name: 'dqn',
  description: 'Deep Q-Network (double Q, dueling, n-step, prioritized replay), Discrete actions.',
  ref: { moduleUrl: import.meta.url, exportName: 'dqn' },
  trainingSchema: DQN_TRAINING,
  refineConfig: refineDqnConfig,
  checkSpaces(_observationSpace: SpaceJson, actionSpace: SpaceJson): void {
    numActionsOf(actionSpace);
  },
  runnerSpec: () => ({ recordNextObs: true }),
  createPolicy(ctx) {
    const { spec, numActions } = specOf(ctx);
    return new DqnPolicy(spec, numActions, ctx.training.dueling);
  },
  deterministicNetwork(ctx, weights) {
    return dqnDeterministicNetwork(specOf(ctx).spec, ctx.training.dueling, weights);
  },
  createLearner(ctx) {
    const { spec, numActions } = specOf(ctx);
    return new DqnLearner({ spec, numActions, training: ctx.training, seed: ctx.config.seed });
  },
  learnerWorkload(ctx) {
    // One forward pass of the Q-network over a minibatch (the target pass on s' costs as much again).
    return { macsPerStep: ctx.training.batchSize * mlpMacsPerRow(specOf(ctx).spec) };
  },
  createIteration(ctx) {
    const t = ctx.training;
    return new OffPolicyIteration({
      obsSize: ctx.obsSize,
      actionSize: 0,
      actionDtype: 'int32',
      gamma: t.gamma,
      nStep: t.nStep,
      bufferSize: t.bufferSize,
      batchSize: t.batchSize,
      learningStarts: t.learningStarts,
      trainingIntensity: t.trainingIntensity,
      ...(t.prioritized
        ? {
            prioritized: {
              alpha: t.prioritizedAlpha,
              betaStart: t.prioritizedBeta,
              betaAnnealEnvSteps: t.betaAnnealEnvSteps ?? ctx.config.stop.envSteps ?? t.explorationEnvSteps,
              eps: t.prioritizedEps,
            },
          }
        : {}),
      saveReplayBuffer: t.saveReplayBuffer,
      seed: ctx.config.seed,
      // Uniform acting (epsilon 1) until the first gradient step, then the schedule.
      exploration: (envSteps, gradSteps) => ({ epsilon: gradSteps === 0 ? 1 : epsilonAt(t, envSteps) }),
    });
  },
};
