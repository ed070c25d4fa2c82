/**
 * TimeLimit: truncates episodes after a number of steps (as Gymnasium 1.x
 * `gymnasium/wrappers/common.py` TimeLimit: `elapsed_steps += 1; truncated |= elapsed_steps >= max`).
 */
import type { Env, EnvSpec, EnvState, ResetOptions, ResetResult, StepResult } from '../env.js';
import type { Space, SpaceValue } from '../spaces/space.js';
import { innerEnvState, readCount, readWrapperState, restoreInnerEnv } from './wrapper-state.js';

/** Sets `truncated` once `maxEpisodeSteps` steps have been taken since the last reset. */
export class TimeLimit<O extends SpaceValue = SpaceValue, A extends SpaceValue = SpaceValue>
  implements Env<O, A>
{
  readonly observationSpace: Space<O>;
  readonly actionSpace: Space<A>;
  readonly spec: EnvSpec;
  /** Steps since the last reset. */
  elapsedSteps = 0;

  /** @throws RangeError when `maxEpisodeSteps` is not a positive integer. */
  constructor(
    readonly env: Env<O, A>,
    readonly maxEpisodeSteps: number,
  ) {
    if (!Number.isSafeInteger(maxEpisodeSteps) || maxEpisodeSteps < 1) {
      throw new RangeError(`TimeLimit: maxEpisodeSteps (${maxEpisodeSteps}) must be a positive integer.`);
    }
    this.observationSpace = env.observationSpace;
    this.actionSpace = env.actionSpace;
    this.spec = { ...env.spec, maxEpisodeSteps };
  }

  reset(options?: ResetOptions): ResetResult<O> {
    this.elapsedSteps = 0;
    return this.env.reset(options);
  }

  step(action: A): StepResult<O> {
    const result = this.env.step(action);
    this.elapsedSteps++;
    if (this.elapsedSteps >= this.maxEpisodeSteps) result.truncated = true;
    return result;
  }

  close(): void {
    this.env.close();
  }

  /** `elapsedSteps` and the wrapped env's state; see `StatefulEnv` in envs/env.ts. */
  getState(): EnvState {
    return { elapsedSteps: this.elapsedSteps, env: innerEnvState(this.env) };
  }

  /** Restores {@link getState}'s result. @throws TypeError naming the field on a malformed state */
  setState(state: unknown): void {
    const where = 'TimeLimit.setState: state';
    const record = readWrapperState(state, where, 'elapsedSteps, env');
    const elapsedSteps = readCount(record, 'elapsedSteps', where);
    restoreInnerEnv(this.env, record, where);
    this.elapsedSteps = elapsedSteps;
  }
}
