/**
 * MountainCarContinuous-v0, exact to Gymnasium 1.x
 * gymnasium/envs/classic_control/continuous_mountain_car.py, registered in gymnasium/envs/__init__.py
 * with max_episode_steps=999 and reward_threshold=90.
 *
 * Gymnasium stores this env's state as float32 after every step (float64 after reset) and mixes it with
 * Python floats under NumPy 2's promotion rules (NEP 50: an operation between a float32 scalar and a Python
 * float is done in float32, comparisons included). The step below follows the type each value has there,
 * so that the same bits come out: `f32` marks float32 arithmetic (`Math.fround`).
 */
import type { Env, EnvSpec, EnvState, ResetOptions, ResetResult, StatefulEnv, StepResult } from '../env.js';
import { Box } from '../spaces/box.js';
import { describeValue } from '../spaces/describe-value.js';
import { builtinEnvState, restoreBuiltinEnvState } from './builtin-env-state.js';
import { type BuiltinEnvOptions, readEnvOptions } from './env-options.js';
import { EpisodeClock } from './episode-clock.js';
import { readBoxAction } from './read-box-action.js';
import { readResetBounds } from './reset-bounds.js';
import { writeState } from './write-state.js';

// Constants, continuous_mountain_car.py `Continuous_MountainCarEnv.__init__`.
const MIN_ACTION = -1.0;
const MAX_ACTION = 1.0;
const MIN_POSITION = -1.2;
const MAX_POSITION = 0.6;
const MAX_SPEED = 0.07;
/** 0.45 here (0.5 in MountainCar-v0). */
const GOAL_POSITION = 0.45;
const POWER = 0.0015;
const GRAVITY = 0.0025;

const f32 = Math.fround;
const NAME = 'MountainCarContinuousEnv';
const STATE_NAMES = ['position', 'velocity'] as const;

/** Options of {@link MountainCarContinuousEnv}. */
export interface MountainCarContinuousOptions extends BuiltinEnvOptions {
  /** The goal also needs velocity >= goalVelocity. @default 0 */
  goalVelocity?: number;
}

/**
 * MountainCar with a continuous force in [-1, 1] (clipped) scaled by 0.0015: reward 100 on reaching
 * position >= 0.45 (and velocity >= goalVelocity), minus 0.1 * action^2 on every step (of the unclipped
 * action, as Gymnasium); velocity clipped to [-0.07, 0.07], position to [-1.2, 0.6] with the velocity
 * zeroed against the left wall; truncates after `spec.maxEpisodeSteps` (999) steps.
 */
export class MountainCarContinuousEnv implements Env<Float32Array, Float32Array>, StatefulEnv {
  readonly observationSpace = new Box({
    low: [MIN_POSITION, -MAX_SPEED],
    high: [MAX_POSITION, MAX_SPEED],
    dtype: 'float32',
  });
  readonly actionSpace = new Box({ low: MIN_ACTION, high: MAX_ACTION, shape: [1], dtype: 'float32' });
  readonly spec: EnvSpec;
  /** The goal also needs velocity >= goalVelocity. */
  readonly goalVelocity: number;
  private readonly clock: EpisodeClock;
  private readonly s = new Float64Array(2);
  /** Whether Gymnasium would hold the state as float32 (after a step) rather than float64 (after reset). */
  private stateIsFloat32 = false;

  /** @throws TypeError naming the option when `options` is invalid. */
  constructor(options?: MountainCarContinuousOptions) {
    const resolved = readEnvOptions(NAME, options, { goalVelocity: 'number' }, 999);
    this.goalVelocity = (resolved.fields['goalVelocity'] as number | undefined) ?? 0;
    this.clock = new EpisodeClock(NAME, resolved.maxEpisodeSteps);
    this.spec = {
      id: 'MountainCarContinuous-v0',
      maxEpisodeSteps: resolved.maxEpisodeSteps,
      rewardThreshold: 90,
    };
  }

  /**
   * The physical state [position, velocity] (live: writes change the env). Its values are float32 after a
   * step, as in Gymnasium.
   */
  get state(): Float64Array {
    return this.s;
  }

  /**
   * Replaces the physical state. A Float32Array is taken as Gymnasium's float32 state (the next step
   * computes in float32, as after a step); anything else as its float64 state (as after a reset).
   * @throws TypeError on a bad value
   */
  set state(value: ArrayLike<number>) {
    writeState(NAME, STATE_NAMES, value, this.s);
    this.stateIsFloat32 = value instanceof Float32Array;
  }

  /** Steps taken in the current episode. */
  get elapsedSteps(): number {
    return this.clock.elapsedSteps;
  }

  /**
   * Draws the position uniformly from [low, high) (options `low`/`high`, default -0.6/-0.4), velocity 0.
   * @throws TypeError/RangeError on an invalid seed or option.
   */
  reset(options?: ResetOptions): ResetResult<Float32Array> {
    const { low, high } = readResetBounds(NAME, options?.options, -0.6, -0.4);
    const rng = this.clock.beginEpisode(options?.seed);
    this.s[0] = rng.uniform(low, high);
    this.s[1] = 0;
    this.stateIsFloat32 = false;
    return { obs: this.observe(), info: {} };
  }

  /** @throws TypeError/RangeError when `action` is not one number; Error before the first reset. */
  step(action: Float32Array): StepResult<Float32Array> {
    const a = readBoxAction(NAME, action);
    const truncated = this.clock.tick();
    const isF32 = this.stateIsFloat32;
    let position = this.s[0]!;
    let velocity = this.s[1]!;
    // `min(max(action[0], -1.0), 1.0)` with Python's min/max: a clipped force is a Python float.
    const forceClipped = a < MIN_ACTION || a > MAX_ACTION;
    const force = Math.min(Math.max(a, MIN_ACTION), MAX_ACTION);
    // `velocity += force * power - 0.0025 * math.cos(3 * position)`
    const gravityTerm = GRAVITY * Math.cos(isF32 ? f32(3 * position) : 3 * position);
    const dv = forceClipped ? force * POWER - gravityTerm : f32(f32(force * f32(POWER)) - f32(gravityTerm));
    velocity = isF32 ? f32(velocity + f32(dv)) : velocity + dv;
    // Each assignment of a Python float bound below makes that variable a Python (float64) value; the
    // comparisons of a float32 value with a Python float constant are made in float32.
    let velocityIsF32 = isF32;
    if (velocity > (isF32 ? f32(MAX_SPEED) : MAX_SPEED)) {
      velocity = MAX_SPEED;
      velocityIsF32 = false;
    } else if (velocity < (isF32 ? f32(-MAX_SPEED) : -MAX_SPEED)) {
      velocity = -MAX_SPEED;
      velocityIsF32 = false;
    }
    position = isF32 ? f32(position + f32(velocity)) : position + velocity;
    let positionIsF32 = isF32;
    if (position > (isF32 ? f32(MAX_POSITION) : MAX_POSITION)) {
      position = MAX_POSITION;
      positionIsF32 = false;
    } else if (position < (isF32 ? f32(MIN_POSITION) : MIN_POSITION)) {
      position = MIN_POSITION;
      positionIsF32 = false;
    }
    // The left wall is inelastic.
    if (position === (positionIsF32 ? f32(MIN_POSITION) : MIN_POSITION) && velocity < 0) {
      velocity = 0;
      velocityIsF32 = false;
    }
    const terminated =
      position >= (positionIsF32 ? f32(GOAL_POSITION) : GOAL_POSITION) &&
      velocity >= (velocityIsF32 ? f32(this.goalVelocity) : this.goalVelocity);
    // The reward takes the unclipped action: `reward -= math.pow(action[0], 2) * 0.1`.
    const reward = (terminated ? 100.0 : 0) - a * a * 0.1;
    this.s[0] = f32(position);
    this.s[1] = f32(velocity);
    this.stateIsFloat32 = true;
    return { obs: this.observe(), reward, terminated, truncated, info: {} };
  }

  /** The env's state as plain JSON (see `StatefulEnv` in envs/env.ts), with `stateIsFloat32`. */
  getState(): EnvState {
    return builtinEnvState('MountainCarContinuous-v0', this.s, this.clock, {
      stateIsFloat32: this.stateIsFloat32,
    });
  }

  /** Restores {@link getState}'s result. @throws TypeError naming the field on a malformed state */
  setState(state: unknown): void {
    restoreBuiltinEnvState(
      NAME,
      'MountainCarContinuous-v0',
      STATE_NAMES,
      state,
      this.clock,
      this.s,
      (record, where) => {
        const f32 = record['stateIsFloat32'];
        if (typeof f32 !== 'boolean') {
          throw new TypeError(`${where}.stateIsFloat32 (${describeValue(f32)}) must be a boolean.`);
        }
        return () => {
          this.stateIsFloat32 = f32;
        };
      },
    );
  }

  close(): void {}

  private observe(): Float32Array {
    const obs = new Float32Array(2);
    obs[0] = this.s[0]!;
    obs[1] = this.s[1]!;
    return obs;
  }
}
