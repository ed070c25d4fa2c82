/**
 * Reading the one-element float32 action of the continuous built-in envs (Pendulum-v1,
 * MountainCarContinuous-v0), whose action spaces are `Box(low, high, shape=(1,), dtype=float32)`.
 */
import { describeValue } from '../spaces/describe-value.js';

/**
 * The action's single element as a float32 value (`Math.fround`), unclipped: each env clips it as
 * Gymnasium does.
 * @throws TypeError when `action` is not an array or typed array of one number; RangeError when it is NaN.
 */
export function readBoxAction(envName: string, action: unknown): number {
  if (action instanceof Float32Array && action.length === 1) {
    const v = action[0]!;
    if (Number.isNaN(v)) throw nanError(envName);
    return v;
  }
  const ok =
    (Array.isArray(action) || (ArrayBuffer.isView(action) && !(action instanceof DataView))) &&
    (action as ArrayLike<unknown>).length === 1 &&
    typeof (action as ArrayLike<unknown>)[0] === 'number';
  if (!ok) {
    throw new TypeError(
      `${envName}.step: action (${describeValue(action)}) must be a Float32Array of 1 element.`,
    );
  }
  const v = Math.fround((action as ArrayLike<number>)[0]!);
  if (Number.isNaN(v)) throw nanError(envName);
  return v;
}

function nanError(envName: string): RangeError {
  return new RangeError(`${envName}.step: action[0] is NaN; a NaN action would poison the state.`);
}
