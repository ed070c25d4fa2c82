/**
 * The one column vocabulary of tsrl (as RLlib's `rllib/core/columns.py`): every sample batch, replay
 * buffer, postprocessor and loss names its data with these constants, never with ad-hoc strings.
 *
 * Conventions for every column:
 * - A column is one typed array holding `count` rows, row-major: row i is
 *   `column.subarray(i * rowSize, (i + 1) * rowSize)` with `rowSize` the product of the row shape.
 * - Rows of an on-policy rollout from N vector envs over T steps are time-major: row `t * N + n`.
 * - `terminated` means the MDP reached a terminal state (no bootstrapping); `truncated` means the
 *   episode was cut from outside (time limit): bootstrap from the final observation (Gymnasium 1.x).
 */

import {
  NUMERIC_ARRAY_TYPES,
  type NumericArray,
  type NumericDtype,
  numericDtypeOf,
} from '../../core/typed-arrays.js';

/** The names of the standard columns. Custom columns are allowed; prefer adding them here. */
export const Columns = {
  /** [B, obsSize] float32: the flattened observation the action was taken in. */
  OBS: 'obs',
  /** [B, obsSize] float32: the observation after the step; the final observation where an episode ended. */
  NEXT_OBS: 'nextObs',
  /** [B, actionSize] float32 (Box) or [B] int32 (Discrete; [B, k] for MultiDiscrete/MultiBinary). */
  ACTIONS: 'actions',
  /** [B] float32: reward of the step (the n-step discounted sum after n-step postprocessing). */
  REWARDS: 'rewards',
  /** [B] uint8: 1 where the step reached a terminal state (after n-step: a terminal state within the window). */
  TERMINATED: 'terminated',
  /** [B] uint8: 1 where the episode was cut from outside at this step (time limit). */
  TRUNCATED: 'truncated',
  /** [B] float32: log pi(a|s) of the behaviour policy at sampling time. */
  LOG_PROBS: 'logProbs',
  /** [B] float32: V(s) of the behaviour policy at sampling time. */
  VALUE_PREDS: 'valuePreds',
  /** [B] float32: V(finalObs) where `truncated` is 1 (ignored elsewhere), for bootstrapping on truncation. */
  FINAL_VALUE_PREDS: 'finalValuePreds',
  /** [B] float32: advantage estimates (GAE). */
  ADVANTAGES: 'advantages',
  /** [B] float32: value-function regression targets (advantages + valuePreds for GAE). */
  VALUE_TARGETS: 'valueTargets',
  /** [B, distInputSize] float32: the action-distribution inputs (logits, or mean and log std) at sampling time. */
  ACTION_DIST_INPUTS: 'actionDistInputs',
  /** [B] float32: the multiplier of the bootstrap value: gamma^m for an m-step transition (n-step returns). */
  DISCOUNTS: 'discounts',
  /** [B] int32: index of the env (within its runner's vector) that produced the row. */
  ENV_IDS: 'envIds',
  /** [B] int32: episode id, unique within a runner, for per-episode metrics and postprocessing. */
  EPISODE_IDS: 'episodeIds',
  /** [B] int32: time step within the episode (0 at reset). */
  T: 't',
  /** [B] float32: importance-sampling weights (prioritized replay), normalised so the largest is 1. */
  WEIGHTS: 'weights',
  /** [B] int32: the rows' indexes in the replay buffer they were sampled from (for priority updates). */
  BATCH_INDEXES: 'batchIndexes',
  /** [B] float32: initial replay priorities computed where the rows were sampled (Ape-X: |TD| + eps by the actor). */
  PRIORITIES: 'priorities',
} as const;

/** A standard column name. */
export type ColumnName = (typeof Columns)[keyof typeof Columns];

/** The typed arrays a column may be stored in. */
export type ColumnArray = NumericArray;

/** The dtype names matching {@link ColumnArray}. */
export type ColumnDtype = NumericDtype;

/** Constructors of each dtype. */
export const COLUMN_ARRAY_TYPES = NUMERIC_ARRAY_TYPES;

/** The dtype of a typed array, or undefined when `x` is not one of the {@link ColumnArray} types. */
export const dtypeOf: (x: unknown) => ColumnDtype | undefined = numericDtypeOf;

/**
 * A new zero-filled column of `dtype` and `length` elements.
 * @throws RangeError when `length` is not a non-negative safe integer.
 */
export function allocColumn(dtype: ColumnDtype, length: number): ColumnArray {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`allocColumn: length (${String(length)}) must be a non-negative integer.`);
  }
  return new COLUMN_ARRAY_TYPES[dtype](length);
}
