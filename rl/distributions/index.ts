/** Action distributions: tensor versions for losses, plain-JS samplers for env runners. */
export { Categorical } from './categorical.js';
export { DiagGaussian, HALF_LOG_2PI } from './diag-gaussian.js';
export { MultiCategorical } from './multi-categorical.js';
export { type ActionBounds, logOneMinusTanhSq, SquashedGaussian } from './squashed-gaussian.js';
