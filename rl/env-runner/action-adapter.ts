/**
 * Converts a policy's batched actions ([N] int32 indexes for Discrete, [N, k] int32 for MultiDiscrete
 * and MultiBinary,
 * [N, k] float32 for Box) into the per-env values a {@link VectorEnv} steps with, without allocating
 * per step. Box actions are clipped to the space's bounds on the way to the env (CleanRL's
 * `gym.wrappers.ClipAction`); the batch keeps the unclipped sample so log-probs stay consistent.
 */
import type { SpaceJson, SpaceValue } from '../../envs/spaces/space.js';

/** See the module comment. */
export interface ActionAdapter {
  /** Elements per action row (1 for Discrete). */
  readonly actionSize: number;
  /** Shape of one row in the batch (`[]` for Discrete). */
  readonly rowShape: number[];
  /** A zeroed action column for `rows` rows. */
  allocActions(rows: number): Int32Array | Float32Array;
  /** Per-env values for `VectorEnv.step`; the returned array and its rows are reused by the next call. */
  toEnvActions(actions: Int32Array | Float32Array): SpaceValue[];
}

/**
 * An adapter for `space`, for `numEnvs` envs.
 * @throws TypeError naming the space type when actions of that type are not supported.
 */
export function createActionAdapter(space: SpaceJson, numEnvs: number): ActionAdapter {
  switch (space.type) {
    case 'Discrete': {
      const out: number[] = new Array<number>(numEnvs).fill(space.start);
      return {
        actionSize: 1,
        rowShape: [],
        allocActions: (rows) => new Int32Array(rows),
        toEnvActions(actions) {
          for (let n = 0; n < numEnvs; n++) out[n] = space.start + (actions[n] as number);
          return out;
        },
      };
    }
    case 'MultiDiscrete': {
      const k = space.nvec.length;
      const rowsOut = Array.from({ length: numEnvs }, () => new Int32Array(k));
      return {
        actionSize: k,
        rowShape: [k],
        allocActions: (rows) => new Int32Array(rows * k),
        toEnvActions(actions) {
          for (let n = 0; n < numEnvs; n++) {
            const row = rowsOut[n]!;
            for (let j = 0; j < k; j++) row[j] = (space.start[j] ?? 0) + (actions[n * k + j] as number);
          }
          return rowsOut;
        },
      };
    }
    case 'MultiBinary': {
      // The policy writes one 0/1 index per bit; the env takes an Int8Array per action.
      const k = space.shape.reduce((a, b) => a * b, 1);
      const rowsOut = Array.from({ length: numEnvs }, () => new Int8Array(k));
      return {
        actionSize: k,
        rowShape: [...space.shape],
        allocActions: (rows) => new Int32Array(rows * k),
        toEnvActions(actions) {
          for (let n = 0; n < numEnvs; n++) {
            const row = rowsOut[n]!;
            for (let j = 0; j < k; j++) row[j] = actions[n * k + j] as number;
          }
          return rowsOut;
        },
      };
    }
    case 'Box': {
      const k = space.low.length;
      const low = space.low.map((x) => x ?? -Infinity);
      const high = space.high.map((x) => x ?? Infinity);
      const float64 = space.dtype === 'float64';
      const rowsOut = Array.from({ length: numEnvs }, () =>
        float64 ? new Float64Array(k) : new Float32Array(k),
      );
      return {
        actionSize: k,
        rowShape: [...space.shape],
        allocActions: (rows) => new Float32Array(rows * k),
        toEnvActions(actions) {
          for (let n = 0; n < numEnvs; n++) {
            const row = rowsOut[n]!;
            for (let j = 0; j < k; j++) {
              const a = actions[n * k + j] as number;
              row[j] = Math.min(high[j]!, Math.max(low[j]!, a));
            }
          }
          return rowsOut;
        },
      };
    }
    default:
      throw new TypeError(
        `EnvRunner: action space ${space.type} is not supported; use Discrete, MultiDiscrete, MultiBinary or Box ` +
          '(flatten other action spaces with a wrapper).',
      );
  }
}
