/**
 * Assigning the physical `state` of a built-in env (as `env.unwrapped.state = ...` in Gymnasium).
 */
import { describeValue } from '../spaces/describe-value.js';

/**
 * Copies `value` (an array or typed array of numbers, one per name in `names`) into `target`.
 * @throws TypeError naming the env, the expected layout and the value when it has the wrong length or
 *   holds something other than numbers.
 */
export function writeState(
  envName: string,
  names: readonly string[],
  value: unknown,
  target: Float64Array,
): void {
  const ok =
    (Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))) &&
    (value as ArrayLike<unknown>).length === names.length;
  if (ok) {
    const arr = value as ArrayLike<unknown>;
    for (let i = 0; i < names.length; i++) {
      if (typeof arr[i] !== 'number') {
        throw new TypeError(
          `${envName}.state[${i}] (${names[i]}) must be a number, got ${describeValue(arr[i])}.`,
        );
      }
    }
    for (let i = 0; i < names.length; i++) target[i] = arr[i] as number;
    return;
  }
  throw new TypeError(
    `${envName}.state must be ${names.length} numbers [${names.join(', ')}], got ${describeValue(value)}.`,
  );
}
