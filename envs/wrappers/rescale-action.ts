/**
 * RescaleAction: the agent acts in [minAction, maxAction] (e.g. [-1, 1]) and actions are mapped
 * linearly onto the env's Box bounds (as Gymnasium 1.x `gymnasium/wrappers/transform_action.py`
 * RescaleAction: `low + (high - low) * (a - min) / (max - min)`, clipped to [low, high]).
 */
import type { Env, EnvSpec, EnvState, ResetOptions, ResetResult, StepResult } from '../env.js';
import { Box } from '../spaces/box.js';
import { describeSpace } from '../spaces/describe-value.js';
import type { Space, SpaceValue } from '../spaces/space.js';
import { innerEnvState, readWrapperState, restoreInnerEnv } from './wrapper-state.js';

/** Maps actions from [minAction, maxAction] to the inner env's bounded float32 Box. */
export class RescaleAction<O extends SpaceValue = SpaceValue> implements Env<O, Float32Array> {
  readonly observationSpace: Space<O>;
  readonly actionSpace: Box<'float32'>;
  readonly spec: EnvSpec;
  private readonly inner: Box<'float32'>;

  /**
   * @param minAction lower bound the agent uses (one number or per element). @default -1
   * @param maxAction upper bound the agent uses. @default 1
   * @throws TypeError when the env's action space is not a bounded float32 Box; RangeError when
   *   minAction >= maxAction for some element.
   */
  constructor(
    readonly env: Env<O, Float32Array>,
    minAction: number | readonly number[] = -1,
    maxAction: number | readonly number[] = 1,
  ) {
    const space = env.actionSpace;
    if (!(space instanceof Box) || space.dtype !== 'float32' || !space.isBounded()) {
      throw new TypeError(
        `RescaleAction: the env's action space must be a bounded float32 Box, got ${describeSpace(space)}` +
          `${space instanceof Box && !space.isBounded() ? ' with infinite bounds' : ''}.`,
      );
    }
    this.inner = space as Box<'float32'>;
    this.actionSpace = new Box({ low: minAction, high: maxAction, shape: space.shape });
    for (let i = 0; i < space.size; i++) {
      if (!(this.actionSpace.low[i]! < this.actionSpace.high[i]!)) {
        throw new RangeError(
          `RescaleAction: minAction[${i}] (${this.actionSpace.low[i]}) must be < maxAction[${i}] (${this.actionSpace.high[i]}).`,
        );
      }
    }
    this.observationSpace = env.observationSpace;
    this.spec = env.spec;
  }

  reset(options?: ResetOptions): ResetResult<O> {
    return this.env.reset(options);
  }

  step(action: Float32Array): StepResult<O> {
    const out = new Float32Array(this.inner.size);
    const { low, high } = this.inner;
    const min = this.actionSpace.low;
    const max = this.actionSpace.high;
    for (let i = 0; i < out.length; i++) {
      const v = low[i]! + ((high[i]! - low[i]!) * (action[i]! - min[i]!)) / (max[i]! - min[i]!);
      out[i] = Math.min(high[i]!, Math.max(low[i]!, v));
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
    const where = 'RescaleAction.setState: state';
    restoreInnerEnv(this.env, readWrapperState(state, where, 'env'), where);
  }
}
