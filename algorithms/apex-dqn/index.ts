/** APEX-DQN: the definition and its parts (see README.md). */
export { ApexIteration, type ApexIterationOptions, apexDqn } from './apex-dqn.js';
export {
  APEX_TRAINING,
  type ApexTraining,
  dqnTrainingOf,
  refineApexConfig,
  runnerEpsilon,
} from './config.js';
export { apexNetOf, createApexLearner } from './learner.js';
export { type InitialPriorityInputs, initialPriorities } from './loss.js';
export { ApexPolicy, type ApexPolicyOptions } from './policy.js';
