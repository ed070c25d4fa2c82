/**
 * The state API of the wrappers (see `StatefulEnv` in envs/env.ts): a wrapper's state is its own fields
 * plus `env`, the state of the env it wraps (null when that env has no state API), so saving the
 * outermost wrapper saves the whole chain.
 */
import { type Env, type EnvState, isStatefulEnv } from '../env.js';
import { describeValue } from '../spaces/describe-value.js';

/** The state of the wrapped env, or null when it has no state API. */
export function innerEnvState(env: Env): EnvState | null {
  return isStatefulEnv(env) ? env.getState() : null;
}

/**
 * Checks that `state` is an object and returns it as a record.
 * @param where the error prefix, e.g. `TimeLimit.setState: state`.
 * @throws TypeError when `state` is not a (non-array) object.
 */
export function readWrapperState(state: unknown, where: string, fields: string): EnvState {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new TypeError(`${where} must be an object { ${fields} }, got ${describeValue(state)}.`);
  }
  return state as EnvState;
}

/**
 * Restores the wrapped env from `record.env` when it has a state API (a stateless inner env needs
 * nothing).
 * @throws TypeError naming `<where>.env` when the inner env is stateful and `record.env` is missing, or
 *   with the inner env's message (prefixed) when its state is malformed.
 */
export function restoreInnerEnv(env: Env, record: EnvState, where: string): void {
  if (!isStatefulEnv(env)) return;
  const inner = record['env'];
  if (typeof inner !== 'object' || inner === null) {
    throw new TypeError(
      `${where}.env (${describeValue(inner)}) must be the wrapped env's state (an object from its getState()).`,
    );
  }
  try {
    env.setState(inner);
  } catch (e) {
    throw new TypeError(`${where}.env: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/**
 * Reads a finite number field.
 * @throws TypeError naming `<where>.<key>`.
 */
export function readFiniteNumber(record: EnvState, key: string, where: string): number {
  const v = record[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new TypeError(`${where}.${key} (${describeValue(v)}) must be a finite number.`);
  }
  return v;
}

/**
 * Reads a non-negative integer field.
 * @throws TypeError naming `<where>.<key>`.
 */
export function readCount(record: EnvState, key: string, where: string): number {
  const v = record[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new TypeError(`${where}.${key} (${describeValue(v)}) must be a non-negative integer.`);
  }
  return v;
}
