/**
 * The state API shared by the built-in envs (see `StatefulEnv` in envs/env.ts): the physical state, the
 * episode clock (steps, reset order, random source) and any env-specific extras, as plain JSON.
 */
import type { EnvState } from '../env.js';
import { describeValue } from '../spaces/describe-value.js';
import type { EpisodeClock } from './episode-clock.js';

/**
 * The state of a built-in env: `id` (the Gymnasium id, checked on restore), `state` (the physical state
 * as float64 numbers), the clock's `elapsedSteps`, `started` and `rng`, and the env's extras.
 */
export function builtinEnvState(
  id: string,
  physical: Float64Array,
  clock: EpisodeClock,
  extras: EnvState = {},
): EnvState {
  return { id, state: Array.from(physical), ...clock.getState(), ...extras };
}

/**
 * Validates a state from {@link builtinEnvState} and, only when all of it is valid, restores it: the
 * env is left unchanged when this throws.
 * @param readExtras validates the env's extra fields and returns the function that applies them.
 * @throws TypeError naming the field (`<EnvName>.setState: state.<field>`) when the state is malformed,
 *   non-finite or saved by another env.
 */
export function restoreBuiltinEnvState(
  envName: string,
  id: string,
  stateNames: readonly string[],
  state: unknown,
  clock: EpisodeClock,
  physical: Float64Array,
  readExtras: (record: EnvState, where: string) => () => void = () => () => {},
): void {
  const where = `${envName}.setState: state`;
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new TypeError(
      `${where} must be an object from ${envName}.getState(), got ${describeValue(state)}.`,
    );
  }
  const record = state as EnvState;
  if (record['id'] !== id) {
    throw new TypeError(
      `${where}.id (${describeValue(record['id'])}) must be '${id}': the state was saved by another env.`,
    );
  }
  const saved = record['state'];
  if (!Array.isArray(saved) || saved.length !== stateNames.length) {
    throw new TypeError(
      `${where}.state must be ${stateNames.length} numbers [${stateNames.join(', ')}], got ${describeValue(saved)}.`,
    );
  }
  const values = new Float64Array(stateNames.length);
  for (let i = 0; i < stateNames.length; i++) {
    const v: unknown = saved[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new TypeError(
        `${where}.state[${i}] (${stateNames[i]}) must be a finite number, got ${describeValue(v)}.`,
      );
    }
    values[i] = v;
  }
  const applyExtras = readExtras(record, where);
  clock.setState(record, where);
  physical.set(values);
  applyExtras();
}
