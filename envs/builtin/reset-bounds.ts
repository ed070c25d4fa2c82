/**
 * Reading the reset options of the classic-control envs, as Gymnasium 1.x
 * gymnasium/envs/classic_control/utils.py (`maybe_parse_reset_bounds`, `verify_number_and_cast`).
 */
import { describeValue } from '../spaces/describe-value.js';

/**
 * Reads the finite numbers `keys` from the reset `options` (absent keys take their defaults).
 * Unknown keys are rejected so that a misspelt option does not pass silently.
 * @throws TypeError naming the env, the key and the value when a value is not a finite number or a key is
 *   unknown.
 */
export function readResetNumbers<K extends string>(
  envName: string,
  options: Record<string, unknown> | undefined,
  defaults: Readonly<Record<K, number>>,
): Record<K, number> {
  const out: Record<K, number> = { ...defaults };
  if (options === undefined) return out;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${envName}.reset: options (${describeValue(options)}) must be an object.`);
  }
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!Object.hasOwn(defaults, key)) {
      throw new TypeError(
        `${envName}.reset: unknown option '${key}'; known options: ${Object.keys(defaults).join(', ')}.`,
      );
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new TypeError(
        `${envName}.reset: options.${key} (${describeValue(value)}) must be a finite number.`,
      );
    }
    out[key as K] = value;
  }
  return out;
}

/**
 * The `low`/`high` bounds of a uniform initial state, from `options.low` / `options.high` or the
 * defaults (Gymnasium's `maybe_parse_reset_bounds`).
 * @throws TypeError as {@link readResetNumbers}; RangeError when low > high.
 */
export function readResetBounds(
  envName: string,
  options: Record<string, unknown> | undefined,
  defaultLow: number,
  defaultHigh: number,
): { low: number; high: number } {
  const { low, high } = readResetNumbers(envName, options, { low: defaultLow, high: defaultHigh });
  if (low > high) {
    throw new RangeError(
      `${envName}.reset: options.low (${low}) must be lower than or equal to options.high (${high}).`,
    );
  }
  return { low, high };
}
