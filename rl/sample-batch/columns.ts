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
} as const;

/** A standard column name. */
export type ColumnName = (typeof Columns)[keyof typeof Columns];

/** The typed arrays a column may be stored in. */
export type ColumnArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array;

/** The dtype names matching {@link ColumnArray}. */
export type ColumnDtype = 'float32' | 'float64' | 'int8' | 'int16' | 'int32' | 'uint8' | 'uint16' | 'uint32';

/** Constructors of each dtype. */
export const COLUMN_ARRAY_TYPES = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
} as const;

/**
 * The dtype of a typed array, or undefined when `x` is not one of the {@link ColumnArray} types
 * (a Uint8ClampedArray, a BigInt array, a Node Buffer's parent class is Uint8Array and counts as uint8).
 */
export function dtypeOf(x: unknown): ColumnDtype | undefined {
  if (x instanceof Float32Array) return 'float32';
  if (x instanceof Float64Array) return 'float64';
  if (x instanceof Int8Array) return 'int8';
  if (x instanceof Int16Array) return 'int16';
  if (x instanceof Int32Array) return 'int32';
  if (x instanceof Uint8Array) return 'uint8';
  if (x instanceof Uint16Array) return 'uint16';
  if (x instanceof Uint32Array) return 'uint32';
  return undefined;
}

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
