/**
 * The spaces (Gymnasium 1.x semantics): Box, Discrete, MultiDiscrete, MultiBinary, TupleSpace, DictSpace,
 * and `spaceFromJson` to rebuild any of them from its JSON form.
 */
export { Box, type BoxOptions } from './box.js';
export { describeSpace, describeValue } from './describe-value.js';
export { DictSpace, type DictValue } from './dict-space.js';
export { Discrete } from './discrete.js';
export { BOX_DTYPES, type BoxArray, type BoxArrayOf, dtypeOf, isBoxDtype } from './dtypes.js';
export { explainNotContained, isExplainingSpace } from './explain.js';
export { MultiBinary } from './multi-binary.js';
export { MultiDiscrete } from './multi-discrete.js';
export type { BoxDtype, ExplainingSpace, Rng, Space, SpaceJson, SpaceValue } from './space.js';
export { SpaceJsonError, spaceFromJson } from './space-from-json.js';
export { TupleSpace } from './tuple-space.js';
