/**
 * The spaces: Box, Discrete (and, as they land, MultiDiscrete, MultiBinary, Tuple, Dict, spaceFromJson).
 */

export { Box, type BoxOptions } from './box.js';
export { Discrete } from './discrete.js';
export { BOX_DTYPES, type BoxArray, type BoxArrayOf, dtypeOf, isBoxDtype } from './dtypes.js';
export type { BoxDtype, Rng, Space, SpaceJson, SpaceValue } from './space.js';
