/** DQN: the definition and its parts (see README.md). */

export {
  OffPolicyIteration,
  type OffPolicyIterationOptions,
} from '../../rl/off-policy/off-policy-iteration.js';
export { DQN_TRAINING, type DqnTraining, epsilonAt, refineDqnConfig } from './config.js';
export { dqn } from './dqn.js';
export { DqnLearner, type DqnLearnerOptions } from './learner.js';
export { dqnLoss, dqnTarget, duelingQ, huber, selectActionValues } from './loss.js';
export { numActionsOf, Q_NET, Q_TARGET, qNetSpec } from './model.js';
export { DqnPolicy } from './policy.js';
