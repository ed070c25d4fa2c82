/** DQN: the definition and its parts (see README.md). */
export { DQN_TRAINING, type DqnTraining, epsilonAt, refineDqnConfig } from './config.js';
export { dqn } from './dqn.js';
export { DqnLearner, type DqnLearnerOptions } from './learner.js';
export { dqnLoss, dqnTarget, duelingQ, huber, selectActionValues } from './loss.js';
export { EPSILON, numActionsOf, Q_NET, Q_TARGET, qNetSpec } from './model.js';
export { OffPolicyIteration, type OffPolicyIterationOptions, TD_ERRORS } from './off-policy-iteration.js';
export { DqnPolicy } from './policy.js';
export { patchWasmTransposedMatMul } from './wasm-transposed-matmul.js';
