/** Postprocessing of rollouts: GAE (on-policy) and n-step returns (off-policy). */
export {
  type AddGaeOptions,
  addGaeColumns,
  computeGae,
  discountedReturns,
  type GaeInput,
  type GaeResult,
  type RolloutValues,
} from './gae.js';
export {
  type NStepBatchOptions,
  type NStepInput,
  type NStepResult,
  nStepBatch,
  nStepReturns,
} from './n-step.js';
export {
  NStepAccumulator,
  type NStepAccumulatorOptions,
  type NStepAccumulatorState,
  type VectorTransition,
} from './n-step-accumulator.js';
