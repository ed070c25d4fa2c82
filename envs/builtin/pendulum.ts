/**
 * Pendulum-v1, exact to Gymnasium 1.x gymnasium/envs/classic_control/pendulum.py, registered in
 * gymnasium/envs/__init__.py with max_episode_steps=200.
 *
 * The state [theta, thetaDot] is float64. Gymnasium mixes the float32 action into float64 arithmetic
 * under NumPy 2's promotion rules (NEP 50: a Python float meeting a float32 scalar stays float32), so the
 * torque terms are computed in float32 here too (`Math.fround`) to give the same bits.
 */
import type { Env, EnvSpec, EnvState, ResetOptions, ResetResult, StatefulEnv, StepResult } from '../env.js';
import { Box } from '../spaces/box.js';
import { builtinEnvState, restoreBuiltinEnvState } from './builtin-env-state.js';
import { type BuiltinEnvOptions, readEnvOptions } from './env-options.js';
import { EpisodeClock } from './episode-clock.js';
import { readBoxAction } from './read-box-action.js';
import { readResetNumbers } from './reset-bounds.js';
import { writeState } from './write-state.js';

// Constants, gymnasium/envs/classic_control/pendulum.py `PendulumEnv.__init__`.
const MAX_SPEED = 8;
const MAX_TORQUE = 2.0;
const DT = 0.05;
const MASS = 1.0;
const LENGTH = 1.0;
/** `3.0 / (m * l**2)`. */
const TORQUE_GAIN = 3.0 / (MASS * LENGTH ** 2);
/** The Python float 0.001 of the cost, meeting the float32 `u**2`: rounded to float32 (NEP 50). */
const TORQUE_COST_F32 = Math.fround(0.001);
const TWO_PI = 2 * Math.PI;
// Default reset bounds: theta in [-pi, pi], thetaDot in [-1, 1] (DEFAULT_X, DEFAULT_Y).
const DEFAULT_X = Math.PI;
const DEFAULT_Y = 1.0;

const NAME = 'PendulumEnv';
const STATE_NAMES = ['theta', 'thetaDot'] as const;

/** Options of {@link PendulumEnv}. */
export interface PendulumOptions extends BuiltinEnvOptions {
  /** Gravity [m/s^2]. @default 10.0 */
  g?: number;
}

/**
 * Swing a pendulum up and hold it: action a torque in [-2, 2] (clipped), observation
 * [cos theta, sin theta, thetaDot], reward -(theta_n^2 + 0.1 thetaDot^2 + 0.001 u^2) with theta_n the angle
 * normalised to [-pi, pi); never terminates; truncates after `spec.maxEpisodeSteps` (200) steps. Reset
 * options `x_init`/`y_init` (default pi / 1) bound the uniform initial theta / thetaDot symmetrically.
 */
export class PendulumEnv implements Env<Float32Array, Float32Array>, StatefulEnv {
  readonly observationSpace = new Box({
    low: [-1, -1, -MAX_SPEED],
    high: [1, 1, MAX_SPEED],
    dtype: 'float32',
  });
  readonly actionSpace = new Box({ low: -MAX_TORQUE, high: MAX_TORQUE, shape: [1], dtype: 'float32' });
  readonly spec: EnvSpec;
  /** Gravity [m/s^2]. */
  readonly g: number;
  private readonly clock: EpisodeClock;
  private readonly s = new Float64Array(2);
  /** `3 * g / (2 * l)`, as Gymnasium groups it. */
  private readonly gravityGain: number;

  /** @throws TypeError naming the option when `options` is invalid. */
  constructor(options?: PendulumOptions) {
    const resolved = readEnvOptions(NAME, options, { g: 'number' }, 200);
    this.g = (resolved.fields['g'] as number | undefined) ?? 10.0;
    this.gravityGain = (3 * this.g) / (2 * LENGTH);
    this.clock = new EpisodeClock(NAME, resolved.maxEpisodeSteps);
    this.spec = { id: 'Pendulum-v1', maxEpisodeSteps: resolved.maxEpisodeSteps };
  }

  /** The physical state [theta, thetaDot] (float64, live: writes change the env). */
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
   * Draws theta from [-x_init, x_init) and thetaDot from [-y_init, y_init) (options `x_init`, `y_init`).
   * @throws TypeError on an invalid seed or option.
   */
  reset(options?: ResetOptions): ResetResult<Float32Array> {
    const { x_init: x, y_init: y } = readResetNumbers(NAME, options?.options, {
      x_init: DEFAULT_X,
      y_init: DEFAULT_Y,
    });
    const rng = this.clock.beginEpisode(options?.seed);
    this.s[0] = rng.uniform(-x, x);
    this.s[1] = rng.uniform(-y, y);
    return { obs: this.observe(), info: {} };
  }

  /** @throws TypeError/RangeError when `action` is not one number; Error before the first reset. */
  step(action: Float32Array): StepResult<Float32Array> {
    const a = readBoxAction(NAME, action);
    const truncated = this.clock.tick();
    const th = this.s[0]!;
    const thDot = this.s[1]!;
    // np.clip of the float32 action: stays float32.
    const u = Math.min(Math.max(a, -MAX_TORQUE), MAX_TORQUE);
    const an = angleNormalize(th);
    const costs = an * an + 0.1 * (thDot * thDot) + Math.fround(TORQUE_COST_F32 * Math.fround(u * u));
    let newThDot = thDot + (this.gravityGain * Math.sin(th) + Math.fround(TORQUE_GAIN * u)) * DT;
    newThDot = Math.min(Math.max(newThDot, -MAX_SPEED), MAX_SPEED);
    this.s[0] = th + newThDot * DT;
    this.s[1] = newThDot;
    return { obs: this.observe(), reward: -costs, terminated: false, truncated, info: {} };
  }

  /** The env's state as plain JSON (see `StatefulEnv` in envs/env.ts). */
  getState(): EnvState {
    return builtinEnvState('Pendulum-v1', this.s, this.clock);
  }

  /** Restores {@link getState}'s result. @throws TypeError naming the field on a malformed state */
  setState(state: unknown): void {
    restoreBuiltinEnvState(NAME, 'Pendulum-v1', STATE_NAMES, state, this.clock, this.s);
  }

  close(): void {}

  private observe(): Float32Array {
    const obs = new Float32Array(3);
    const th = this.s[0]!;
    obs[0] = Math.cos(th);
    obs[1] = Math.sin(th);
    obs[2] = this.s[1]!;
    return obs;
  }
}

/**
 * `((x + pi) % (2 pi)) - pi` with Python's (NumPy's `remainder`) modulo, whose result takes the sign of the
 * divisor: JavaScript's `%` keeps the sign of the dividend, so a negative remainder is shifted by 2 pi.
 */
export function angleNormalize(x: number): number {
  let m = (x + Math.PI) % TWO_PI;
  if (m < 0) m += TWO_PI;
  return m - Math.PI;
}
