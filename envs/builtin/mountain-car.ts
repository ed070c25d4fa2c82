/**
 * MountainCar-v0, exact to Gymnasium 1.x gymnasium/envs/classic_control/mountain_car.py (Moore 1990),
 * registered in gymnasium/envs/__init__.py with max_episode_steps=200 and reward_threshold=-110.
 *
 * The state [position, velocity] is float64 throughout (as Gymnasium's); the observation rounds it to
 * float32.
 */
import type { Env, EnvSpec, EnvState, ResetOptions, ResetResult, StatefulEnv, StepResult } from '../env.js';
import { Box } from '../spaces/box.js';
import { describeValue } from '../spaces/describe-value.js';
import { Discrete } from '../spaces/discrete.js';
import { builtinEnvState, restoreBuiltinEnvState } from './builtin-env-state.js';
import { type BuiltinEnvOptions, readEnvOptions } from './env-options.js';
import { EpisodeClock } from './episode-clock.js';
import { readResetBounds } from './reset-bounds.js';
import { writeState } from './write-state.js';

// Constants, gymnasium/envs/classic_control/mountain_car.py `MountainCarEnv.__init__`.
const MIN_POSITION = -1.2;
const MAX_POSITION = 0.6;
const MAX_SPEED = 0.07;
const GOAL_POSITION = 0.5;
const FORCE = 0.001;
const GRAVITY = 0.0025;

const NAME = 'MountainCarEnv';
const STATE_NAMES = ['position', 'velocity'] as const;

/** Options of {@link MountainCarEnv}. */
export interface MountainCarOptions extends BuiltinEnvOptions {
  /** The goal also needs velocity >= goalVelocity. @default 0 */
  goalVelocity?: number;
}

/**
 * Drive an underpowered car up the right hill: actions 0 (accelerate left), 1 (none), 2 (right);
 * reward -1 per step; velocity clipped to [-0.07, 0.07], position to [-1.2, 0.6] with the velocity zeroed
 * against the left wall; terminates at position >= 0.5 (and velocity >= goalVelocity); truncates after
 * `spec.maxEpisodeSteps` (200) steps. The initial position is uniform in [low, high) (reset options,
 * default -0.6/-0.4), the velocity 0.
 */
export class MountainCarEnv implements Env<Float32Array, number>, StatefulEnv {
  readonly observationSpace = new Box({
    low: [MIN_POSITION, -MAX_SPEED],
    high: [MAX_POSITION, MAX_SPEED],
    dtype: 'float32',
  });
  readonly actionSpace = new Discrete(3);
  readonly spec: EnvSpec;
  /** The goal also needs velocity >= goalVelocity. */
  readonly goalVelocity: number;
  private readonly clock: EpisodeClock;
  private readonly s = new Float64Array(2);

  /** @throws TypeError naming the option when `options` is invalid. */
  constructor(options?: MountainCarOptions) {
    const resolved = readEnvOptions(NAME, options, { goalVelocity: 'number' }, 200);
    this.goalVelocity = (resolved.fields['goalVelocity'] as number | undefined) ?? 0;
    this.clock = new EpisodeClock(NAME, resolved.maxEpisodeSteps);
    this.spec = { id: 'MountainCar-v0', maxEpisodeSteps: resolved.maxEpisodeSteps, rewardThreshold: -110 };
  }

  /** The physical state [position, velocity] (float64, live: writes change the env). */
  get state(): Float64Array {
    return this.s;
  }

  /** Replaces the physical state; the next observation is computed from it. @throws TypeError on a bad value */
  set state(value: ArrayLike<number>) {
    writeState(NAME, STATE_NAMES, value, this.s);
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
    return { obs: this.observe(), info: {} };
  }

  /** @throws RangeError when `action` is not 0, 1 or 2; Error before the first reset. */
  step(action: number): StepResult<Float32Array> {
    if (action !== 0 && action !== 1 && action !== 2) {
      throw new RangeError(
        `${NAME}.step: action (${describeValue(action)}) must be 0 (left), 1 (no push) or 2 (right).`,
      );
    }
    const truncated = this.clock.tick();
    let position = this.s[0]!;
    let velocity = this.s[1]!;
    velocity += (action - 1) * FORCE + Math.cos(3 * position) * -GRAVITY;
    velocity = Math.min(Math.max(velocity, -MAX_SPEED), MAX_SPEED);
    position += velocity;
    position = Math.min(Math.max(position, MIN_POSITION), MAX_POSITION);
    // The left wall is inelastic.
    if (position === MIN_POSITION && velocity < 0) velocity = 0;
    const terminated = position >= GOAL_POSITION && velocity >= this.goalVelocity;
    this.s[0] = position;
    this.s[1] = velocity;
    return { obs: this.observe(), reward: -1.0, terminated, truncated, info: {} };
  }

  /** The env's state as plain JSON (see `StatefulEnv` in envs/env.ts). */
  getState(): EnvState {
    return builtinEnvState('MountainCar-v0', this.s, this.clock);
  }

  /** Restores {@link getState}'s result. @throws TypeError naming the field on a malformed state */
  setState(state: unknown): void {
    restoreBuiltinEnvState(NAME, 'MountainCar-v0', STATE_NAMES, state, this.clock, this.s);
  }

  close(): void {}

  private observe(): Float32Array {
    const obs = new Float32Array(2);
    obs[0] = this.s[0]!;
    obs[1] = this.s[1]!;
    return obs;
  }
}
