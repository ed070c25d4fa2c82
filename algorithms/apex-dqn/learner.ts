/**
 * APEX-DQN's learner is DQN's (algorithms/dqn/learner.ts): Adam on the importance-weighted Huber loss
 * of double-Q n-step targets, target-network updates, and `updateWithTdErrors`, whose TD errors become
 * the new priorities sent back to the replay shard that served the rows (Horgan et al. 2018, Alg. 2).
 */
import type { AlgorithmContext } from '../../rl/algorithm.js';
import { DqnLearner } from '../dqn/learner.js';
import { numActionsOf, qNetSpec } from '../dqn/model.js';
import { type ApexTraining, dqnTrainingOf } from './config.js';

/** The Q-network spec and action count of a run. */
export function apexNetOf(ctx: AlgorithmContext<ApexTraining>) {
  const numActions = numActionsOf(ctx.actionSpace);
  return { numActions, spec: qNetSpec(ctx.obsSize, numActions, ctx.config.model, ctx.training.dueling) };
}

/** Builds the learner (requires `initBackend()` first). */
export function createApexLearner(ctx: AlgorithmContext<ApexTraining>): DqnLearner {
  const { spec, numActions } = apexNetOf(ctx);
  return new DqnLearner({ spec, numActions, training: dqnTrainingOf(ctx.training), seed: ctx.config.seed });
}
