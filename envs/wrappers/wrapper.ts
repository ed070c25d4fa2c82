/**
 * What every wrapper in envs/wrappers shares: it is an Env that holds the Env it wraps in `env`.
 */
import type { Env } from '../env.js';

/** An env that wraps another (as Gymnasium's `gymnasium.Wrapper`). */
export interface Wrapper extends Env {
  /** The wrapped env. */
  readonly env: Env;
}

/** True when `env` is a wrapper (has an inner `env` that is itself an env). */
export function isWrapper(env: Env): env is Wrapper {
  const inner = (env as Partial<Wrapper>).env;
  return typeof inner === 'object' && inner !== null && typeof inner.step === 'function';
}

/**
 * The innermost env below any wrappers (Gymnasium's `env.unwrapped`), e.g. to read a built-in env's
 * physical `state` through a TimeLimit.
 */
export function unwrapEnv(env: Env): Env {
  let current = env;
  while (isWrapper(current)) current = current.env;
  return current;
}

/**
 * The outermost wrapper of class `cls` in the chain starting at `env`, or undefined (e.g. to read the
 * statistics of a NormalizeObservation below other wrappers).
 */
export function findWrapper<W extends Env>(
  env: Env,
  cls: abstract new (...args: never[]) => W,
): W | undefined {
  let current: Env = env;
  for (;;) {
    if (current instanceof cls) return current;
    if (!isWrapper(current)) return undefined;
    current = current.env;
  }
}
