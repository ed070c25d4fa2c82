/** Models built from raw tfjs ops with backend-independent weights, and fast plain-JS inference. */
export { Cnn, type CnnOptions, type ConvLayerSpec, NATURE_CONVS } from './cnn.js';
export { glorotUniform, type InitKind, initKernel, orthogonal } from './init.js';
export { type DenseWeights, JsMlp, mlpWeightSpecs } from './js-mlp.js';
export {
  type Activation,
  MLP_ACTIVATIONS,
  Mlp,
  type MlpOptions,
  type MlpSpec,
  mlpMacsPerRow,
} from './mlp.js';
export {
  cloneNamedWeights,
  type NamedWeight,
  type NamedWeights,
  shapeSize,
  validateNamedWeights,
} from './named-weights.js';
export { createPreprocessor, isImageSpace, type ObsKind, type ObsPreprocessor } from './preprocess.js';
