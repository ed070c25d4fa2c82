/**
 * ClipReward: rewards clipped to [minReward, maxReward] (as Gymnasium 1.x
 * `gymnasium/wrappers/transform_reward.py` ClipReward).
 */
import type { Env, EnvSpec, EnvState, ResetOptions, ResetResult, StepResult } from '../env.js';
import type { Space, SpaceValue } from '../spaces/space.js';
import { innerEnvState, readWrapperState, restoreInnerEnv } from './wrapper-state.js';

/** Clips every reward to [minReward, maxReward]. */
export class ClipReward<O extends SpaceValue = SpaceValue, A extends SpaceValue = SpaceValue>
  implements Env<O, A>
{
  readonly observationSpace: Space<O>;
  readonly actionSpace: Space<A>;
  readonly spec: EnvSpec;

  /** @throws RangeError when minReward > maxReward or either is NaN. */
  constructor(
    readonly env: Env<O, A>,
    readonly minReward: number,
    readonly maxReward: number,
  ) {
    if (!(minReward <= maxReward)) {
      throw new RangeError(`ClipReward: minReward (${minReward}) must be <= maxReward (${maxReward}).`);
    }
    this.observationSpace = env.observationSpace;
    this.actionSpace = env.actionSpace;
    this.spec = env.spec;
  }

  reset(options?: ResetOptions): ResetResult<O> {
    return this.env.reset(options);
  }

  step(action: A): StepResult<O> {
    const result = this.env.step(action);
    result.reward = Math.min(this.maxReward, Math.max(this.minReward, result.reward));
    return result;
  }

  close(): void {
    this.env.close();
  }

  /** The wrapped env's state (this wrapper has none of its own); see `StatefulEnv` in envs/env.ts. */
  getState(): EnvState {
    return { env: innerEnvState(this.env) };
  }

  /** Restores {@link getState}'s result. @throws TypeError naming the field on a malformed state */
  setState(state: unknown): void {
    const where = 'ClipReward.setState: state';
    restoreInnerEnv(this.env, readWrapperState(state, where, 'env'), where);
  }
}
