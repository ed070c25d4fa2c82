/**
 * How a batch of actions travels: one array frame `actions` of shape [numEnvs, ...actionShape].
 *
 * | action space  | wire dtype          | shape                 |
 * |---------------|---------------------|-----------------------|
 * | Discrete      | int32               | [N]                   |
 * | Box           | the Box's dtype     | [N, ...shape]         |
 * | MultiDiscrete | int32               | [N, ...nvec shape]    |
 * | MultiBinary   | int8                | [N, ...shape]         |
 * Tuple and Dict action spaces are not supported by protocol version 1.
 */
import { DTYPES } from '../spaces/dtypes.js';
import type { SpaceJson, SpaceValue } from '../spaces/space.js';
import type { WireDtype } from './protocol.js';
import type { WireArray } from './wire-codec.js';

/** The wire dtype and single-env shape of actions of a space. */
export interface ActionLayout {
  dtype: WireDtype;
  /** Shape of one action ([] for Discrete). */
  shape: number[];
  /** Elements per action. */
  size: number;
}

/**
 * The wire layout of actions of `space`.
 * @throws TypeError for Tuple and Dict action spaces (not in protocol version 1).
 */
export function actionLayout(space: SpaceJson): ActionLayout {
  switch (space.type) {
    case 'Discrete':
      return { dtype: 'int32', shape: [], size: 1 };
    case 'Box':
      return { dtype: space.dtype, shape: [...space.shape], size: product(space.shape) };
    case 'MultiDiscrete':
      return { dtype: 'int32', shape: [space.nvec.length], size: space.nvec.length };
    case 'MultiBinary':
      return { dtype: 'int8', shape: [...space.shape], size: product(space.shape) };
    case 'Tuple':
    case 'Dict':
      throw new TypeError(
        `${space.type} action spaces are not supported by env protocol version 1; use a Box, Discrete, MultiDiscrete or MultiBinary action space`,
      );
  }
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function allocate(dtype: WireDtype, length: number): WireArray {
  switch (dtype) {
    case 'int64':
      return new Float64Array(length);
    case 'bool':
      return new Uint8Array(length);
    default:
      return DTYPES[dtype].create(length);
  }
}

/**
 * Packs `actions` (already checked against the space) into one array of the layout's dtype.
 * @throws TypeError when an action is not a number / array-like of the layout's size.
 */
export function encodeActions(layout: ActionLayout, actions: readonly SpaceValue[]): WireArray {
  const out = allocate(layout.dtype, actions.length * layout.size);
  actions.forEach((action, i) => {
    if (typeof action === 'number') {
      out[i * layout.size] = action;
      return;
    }
    if (!ArrayBuffer.isView(action) && !Array.isArray(action))
      throw new TypeError(`actions[${i}] is not numeric`);
    const values = action as ArrayLike<unknown>;
    if (values.length !== layout.size)
      throw new TypeError(`actions[${i}] has ${values.length} elements, expected ${layout.size}`);
    for (let k = 0; k < layout.size; k++) out[i * layout.size + k] = Number(values[k]);
  });
  return out;
}

/**
 * Splits a decoded [N, ...shape] action array into per-env values: numbers for Discrete, typed arrays
 * of the space's dtype for Box, Int32Array for MultiDiscrete, Int8Array for MultiBinary.
 */
export function decodeActions(
  space: SpaceJson,
  layout: ActionLayout,
  data: WireArray,
  numEnvs: number,
): SpaceValue[] {
  const actions: SpaceValue[] = [];
  for (let i = 0; i < numEnvs; i++) {
    const row = data.subarray(i * layout.size, (i + 1) * layout.size);
    if (space.type === 'Discrete') {
      actions.push(row[0] ?? Number.NaN);
    } else if (space.type === 'Box') {
      const value = DTYPES[space.dtype].create(layout.size);
      for (let k = 0; k < layout.size; k++) value[k] = row[k] ?? Number.NaN;
      actions.push(value);
    } else if (space.type === 'MultiDiscrete') {
      actions.push(Int32Array.from(row));
    } else {
      actions.push(Int8Array.from(row));
    }
  }
  return actions;
}
