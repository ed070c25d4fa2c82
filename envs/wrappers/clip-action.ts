/**
 * ClipAction: actions clipped to the env's Box bounds; the wrapper accepts any real-valued action (as
 * Gymnasium 1.x `gymnasium/wrappers/transform_action.py` ClipAction, whose action space is unbounded).
 */
import type { Env, EnvSpec, EnvState, ResetOptions, ResetResult, StepResult } from '../env.js';
import { Box } from '../spaces/box.js';
import { describeSpace } from '../spaces/describe-value.js';
import type { Space, SpaceValue } from '../spaces/space.js';
import { innerEnvState, readWrapperState, restoreInnerEnv } from './wrapper-state.js';

/** Clips Float32Array actions to the inner env's Box action bounds. */
export class ClipAction<O extends SpaceValue = SpaceValue> implements Env<O, Float32Array> {
  readonly observationSpace: Space<O>;
  readonly actionSpace: Box<'float32'>;
  readonly spec: EnvSpec;
  private readonly inner: Box<'float32'>;

  /** @throws TypeError when the env's action space is not a float32 Box. */
  constructor(readonly env: Env<O, Float32Array>) {
    const space = env.actionSpace;
    if (!(space instanceof Box) || space.dtype !== 'float32') {
      throw new TypeError(
        `ClipAction: the env's action space must be a float32 Box, got ${describeSpace(space)}.`,
      );
    }
    this.inner = space as Box<'float32'>;
    this.actionSpace = new Box({ low: -Infinity, high: Infinity, shape: space.shape });
    this.observationSpace = env.observationSpace;
    this.spec = env.spec;
  }

  reset(options?: ResetOptions): ResetResult<O> {
    return this.env.reset(options);
  }

  step(action: Float32Array): StepResult<O> {
    const out = new Float32Array(this.inner.size);
    const { low, high } = this.inner;
    for (let i = 0; i < out.length; i++) {
      out[i] = Math.min(high[i]!, Math.max(low[i]!, action[i]!));
    }
    return this.env.step(out);
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
    const where = 'ClipAction.setState: state';
    restoreInnerEnv(this.env, readWrapperState(state, where, 'env'), where);
  }
}
