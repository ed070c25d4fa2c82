/**
 * FrameStack: the observation is the last `numStack` observations stacked, oldest first, as a Box of
 * shape [numStack, ...shape] (as Gymnasium 1.x `gymnasium/wrappers/stateful_observation.py`
 * FrameStackObservation; its default `padding_type="reset"` fills the stack with the reset observation,
 * `"zero"` with zeros).
 */
import type { Env, EnvSpec, EnvState, ResetOptions, ResetResult, StepResult } from '../env.js';
import { Box } from '../spaces/box.js';
import { describeSpace, describeValue } from '../spaces/describe-value.js';
import type { BoxArray } from '../spaces/dtypes.js';
import type { BoxDtype, Space, SpaceValue } from '../spaces/space.js';
import { innerEnvState, readWrapperState, restoreInnerEnv } from './wrapper-state.js';

/** Options of {@link FrameStack}. */
export interface FrameStackOptions {
  /** What fills the stack after a reset: copies of the reset observation, or zeros. @default 'reset' */
  padding?: 'reset' | 'zero';
}

/** Stacks the last `numStack` Box observations into one array of the same dtype. */
export class FrameStack<A extends SpaceValue = SpaceValue> implements Env<BoxArray, A> {
  readonly observationSpace: Box<BoxDtype>;
  readonly actionSpace: Space<A>;
  readonly spec: EnvSpec;
  private readonly frameSize: number;
  private readonly padding: 'reset' | 'zero';
  /** Ring of the last numStack frames; `head` is the slot of the oldest. */
  private readonly frames: BoxArray[];
  private head = 0;

  /**
   * @throws TypeError when the observation space is not a Box; RangeError when numStack < 1 or the
   *   padding is unknown.
   */
  constructor(
    readonly env: Env<SpaceValue, A>,
    readonly numStack: number,
    options: FrameStackOptions = {},
  ) {
    const space = env.observationSpace;
    if (!(space instanceof Box)) {
      throw new TypeError(
        `FrameStack: the env's observation space must be a Box, got ${describeSpace(space)}.`,
      );
    }
    if (!Number.isSafeInteger(numStack) || numStack < 1) {
      throw new RangeError(`FrameStack: numStack (${numStack}) must be a positive integer.`);
    }
    this.padding = options.padding ?? 'reset';
    if (this.padding !== 'reset' && this.padding !== 'zero') {
      throw new RangeError(`FrameStack: padding (${String(this.padding)}) must be 'reset' or 'zero'.`);
    }
    const inner = space as Box<BoxDtype>;
    this.frameSize = inner.size;
    const tile = (b: Float64Array): number[] => Array.from({ length: numStack }, () => Array.from(b)).flat();
    // 'zero' padding puts zeros in the stack: widen the bounds to include 0 so padded stacks are members.
    const low = tile(inner.low).map((v) => (this.padding === 'zero' ? Math.min(v, 0) : v));
    const high = tile(inner.high).map((v) => (this.padding === 'zero' ? Math.max(v, 0) : v));
    this.observationSpace = new Box({ low, high, shape: [numStack, ...inner.shape], dtype: inner.dtype });
    this.actionSpace = env.actionSpace;
    this.spec = env.spec;
    this.frames = Array.from({ length: numStack }, () => inner.zeros());
  }

  reset(options?: ResetOptions): ResetResult<BoxArray> {
    const { obs, info } = this.env.reset(options);
    const frame = obs as BoxArray;
    for (const f of this.frames) {
      if (this.padding === 'reset') f.set(frame);
      else f.fill(0);
    }
    this.head = 0;
    this.push(frame);
    return { obs: this.stacked(), info };
  }

  step(action: A): StepResult<BoxArray> {
    const result = this.env.step(action);
    this.push(result.obs as BoxArray);
    return { ...result, obs: this.stacked() };
  }

  close(): void {
    this.env.close();
  }

  /**
   * The stacked frames (oldest first, as numbers) and the wrapped env's state; see `StatefulEnv` in
   * envs/env.ts.
   */
  getState(): EnvState {
    const frames = Array.from({ length: this.numStack }, (_, k) =>
      Array.from(this.frames[(this.head + k) % this.numStack]!),
    );
    return { frames, env: innerEnvState(this.env) };
  }

  /**
   * Restores {@link getState}'s result.
   * @throws TypeError naming the field when the state is malformed or has another number or size of frames
   */
  setState(state: unknown): void {
    const where = 'FrameStack.setState: state';
    const record = readWrapperState(state, where, 'frames, env');
    const frames = record['frames'];
    if (!Array.isArray(frames) || frames.length !== this.numStack) {
      throw new TypeError(
        `${where}.frames (${describeValue(frames)}) must be ${this.numStack} frames (numStack), oldest first.`,
      );
    }
    for (const [k, frame] of frames.entries()) {
      if (
        !Array.isArray(frame) ||
        frame.length !== this.frameSize ||
        !frame.every((v) => typeof v === 'number' && !Number.isNaN(v))
      ) {
        throw new TypeError(
          `${where}.frames[${k}] (${describeValue(frame)}) must be ${this.frameSize} numbers (one observation).`,
        );
      }
    }
    restoreInnerEnv(this.env, record, where);
    for (const [k, frame] of (frames as number[][]).entries()) this.frames[k]!.set(frame);
    this.head = 0;
  }

  /** Overwrites the oldest frame with `frame`, which becomes the newest. */
  private push(frame: BoxArray): void {
    this.frames[this.head]!.set(frame);
    this.head = (this.head + 1) % this.numStack;
  }

  private stacked(): BoxArray {
    const out = this.observationSpace.zeros();
    for (let k = 0; k < this.numStack; k++) {
      out.set(this.frames[(this.head + k) % this.numStack]!, k * this.frameSize);
    }
    return out;
  }
}
