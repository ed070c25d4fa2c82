/**
 * Acrobot-v1, exact to Gymnasium 1.x gymnasium/envs/classic_control/acrobot.py (Sutton 1996; the
 * "book" dynamics, as Gymnasium's default `book_or_nips = "book"`), registered in gymnasium/envs/__init__.py
 * with max_episode_steps=500 and reward_threshold=-100.
 *
 * One step integrates the dynamics over dt = 0.2 s with a single classical Runge-Kutta (rk4) step, then
 * wraps both angles into [-pi, pi] (by repeated +-2 pi, Gymnasium's `wrap`, not a modulo) and clips the
 * angular velocities (`bound`). The state is float64 after a step and float32-rounded after a reset, as
 * Gymnasium's (`uniform(...).astype(np.float32)`).
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

// Constants, gymnasium/envs/classic_control/acrobot.py `AcrobotEnv` class attributes and `_dsdt`.
const DT = 0.2;
const L1 = 1.0; // LINK_LENGTH_1 [m]
const M1 = 1.0; // LINK_MASS_1 [kg]
const M2 = 1.0; // LINK_MASS_2 [kg]
const LC1 = 0.5; // LINK_COM_POS_1 [m]
const LC2 = 0.5; // LINK_COM_POS_2 [m]
const I1 = 1.0; // LINK_MOI
const I2 = 1.0; // LINK_MOI
const G = 9.8;
const MAX_VEL_1 = 4 * Math.PI;
const MAX_VEL_2 = 9 * Math.PI;
const AVAIL_TORQUE = [-1.0, 0.0, 1] as const;
const PI = Math.PI;
// rk4 over t = [0, dt]: `dt = t[1] - t[0]`, `dt2 = dt / 2.0`, and the final weight `dt / 6.0`.
const RK_DT = DT - 0;
const RK_DT2 = RK_DT / 2.0;
const RK_DT6 = RK_DT / 6.0;

const NAME = 'AcrobotEnv';
const STATE_NAMES = ['theta1', 'theta2', 'dtheta1', 'dtheta2'] as const;

/** Options of {@link AcrobotEnv}. */
export type AcrobotOptions = BuiltinEnvOptions;

/**
 * Swing the tip of a two-link pendulum, actuated at the middle joint, above the bar: actions 0, 1, 2
 * apply a torque of -1, 0, +1; observation [cos t1, sin t1, cos t2, sin t2, dt1, dt2]; reward -1 per
 * step and 0 on the terminating one; terminates when -cos(t1) - cos(t1 + t2) > 1; truncates after
 * `spec.maxEpisodeSteps` (500) steps. Reset options `low`/`high` (default -0.1/0.1) bound the uniform
 * initial state.
 */
export class AcrobotEnv implements Env<Float32Array, number>, StatefulEnv {
  readonly observationSpace = new Box({
    low: [-1, -1, -1, -1, -MAX_VEL_1, -MAX_VEL_2],
    high: [1, 1, 1, 1, MAX_VEL_1, MAX_VEL_2],
    dtype: 'float32',
  });
  readonly actionSpace = new Discrete(3);
  readonly spec: EnvSpec;
  private readonly clock: EpisodeClock;
  private readonly s = new Float64Array(4);
  /** rk4 scratch: k1..k4 (4 each) and the intermediate state. */
  private readonly k = new Float64Array(16);
  private readonly y = new Float64Array(4);

  /** @throws TypeError naming the option when `options` is invalid. */
  constructor(options?: AcrobotOptions) {
    const resolved = readEnvOptions(NAME, options, {}, 500);
    this.clock = new EpisodeClock(NAME, resolved.maxEpisodeSteps);
    this.spec = { id: 'Acrobot-v1', maxEpisodeSteps: resolved.maxEpisodeSteps, rewardThreshold: -100 };
  }

  /** The physical state [theta1, theta2, dtheta1, dtheta2] (float64, live: writes change the env). */
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
   * Draws each state variable uniformly from [low, high) (options `low`/`high`, default -0.1/0.1), rounded
   * to float32 as Gymnasium does.
   * @throws TypeError/RangeError on an invalid seed or option.
   */
  reset(options?: ResetOptions): ResetResult<Float32Array> {
    const { low, high } = readResetBounds(NAME, options?.options, -0.1, 0.1);
    const rng = this.clock.beginEpisode(options?.seed);
    for (let i = 0; i < 4; i++) this.s[i] = Math.fround(rng.uniform(low, high));
    return { obs: this.observe(), info: {} };
  }

  /** @throws RangeError when `action` is not 0, 1 or 2; Error before the first reset. */
  step(action: number): StepResult<Float32Array> {
    if (action !== 0 && action !== 1 && action !== 2) {
      throw new RangeError(
        `${NAME}.step: action (${describeValue(action)}) must be 0 (torque -1), 1 (0) or 2 (+1).`,
      );
    }
    const truncated = this.clock.tick();
    const torque = AVAIL_TORQUE[action];
    const s = this.s;
    const y = this.y;
    const k = this.k;
    // rk4 (acrobot.py `rk4`): k1 = f(y0), k2 = f(y0 + dt/2 k1), k3 = f(y0 + dt/2 k2), k4 = f(y0 + dt k3).
    dsdt(s, torque, k, 0);
    for (let i = 0; i < 4; i++) y[i] = s[i]! + RK_DT2 * k[i]!;
    dsdt(y, torque, k, 4);
    for (let i = 0; i < 4; i++) y[i] = s[i]! + RK_DT2 * k[4 + i]!;
    dsdt(y, torque, k, 8);
    for (let i = 0; i < 4; i++) y[i] = s[i]! + RK_DT * k[8 + i]!;
    dsdt(y, torque, k, 12);
    for (let i = 0; i < 4; i++) {
      s[i] = s[i]! + RK_DT6 * (k[i]! + 2 * k[4 + i]! + 2 * k[8 + i]! + k[12 + i]!);
    }
    s[0] = wrap(s[0]!, -PI, PI);
    s[1] = wrap(s[1]!, -PI, PI);
    s[2] = bound(s[2]!, -MAX_VEL_1, MAX_VEL_1);
    s[3] = bound(s[3]!, -MAX_VEL_2, MAX_VEL_2);
    const terminated = -Math.cos(s[0]!) - Math.cos(s[1]! + s[0]!) > 1.0;
    return { obs: this.observe(), reward: terminated ? 0.0 : -1.0, terminated, truncated, info: {} };
  }

  /** The env's state as plain JSON (see `StatefulEnv` in envs/env.ts). */
  getState(): EnvState {
    return builtinEnvState('Acrobot-v1', this.s, this.clock);
  }

  /** Restores {@link getState}'s result. @throws TypeError naming the field on a malformed state */
  setState(state: unknown): void {
    restoreBuiltinEnvState(NAME, 'Acrobot-v1', STATE_NAMES, state, this.clock, this.s);
  }

  close(): void {}

  private observe(): Float32Array {
    const s = this.s;
    const obs = new Float32Array(6);
    obs[0] = Math.cos(s[0]!);
    obs[1] = Math.sin(s[0]!);
    obs[2] = Math.cos(s[1]!);
    obs[3] = Math.sin(s[1]!);
    obs[4] = s[2]!;
    obs[5] = s[3]!;
    return obs;
  }
}

/**
 * The time derivative of [theta1, theta2, dtheta1, dtheta2] under torque `a` (acrobot.py `_dsdt`, "book"
 * variant), written into `out` at `offset`. The expressions keep Gymnasium's order of operations so that
 * the float64 results agree bit for bit (squares as products, which is what NumPy computes).
 */
function dsdt(y: Float64Array, a: number, out: Float64Array, offset: number): void {
  const theta1 = y[0]!;
  const theta2 = y[1]!;
  const dtheta1 = y[2]!;
  const dtheta2 = y[3]!;
  const cos2 = Math.cos(theta2);
  const sin2 = Math.sin(theta2);
  const d1 = M1 * LC1 ** 2 + M2 * (L1 ** 2 + LC2 ** 2 + 2 * L1 * LC2 * cos2) + I1 + I2;
  const d2 = M2 * (LC2 ** 2 + L1 * LC2 * cos2) + I2;
  const phi2 = M2 * LC2 * G * Math.cos(theta1 + theta2 - PI / 2.0);
  const phi1 =
    -M2 * L1 * LC2 * (dtheta2 * dtheta2) * sin2 -
    2 * M2 * L1 * LC2 * dtheta2 * dtheta1 * sin2 +
    (M1 * LC1 + M2 * L1) * G * Math.cos(theta1 - PI / 2) +
    phi2;
  const ddtheta2 =
    (a + (d2 / d1) * phi1 - M2 * L1 * LC2 * (dtheta1 * dtheta1) * sin2 - phi2) /
    (M2 * LC2 ** 2 + I2 - (d2 * d2) / d1);
  const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  out[offset] = dtheta1;
  out[offset + 1] = dtheta2;
  out[offset + 2] = ddtheta1;
  out[offset + 3] = ddtheta2;
}

/**
 * Gymnasium's `wrap`: shifts `x` by whole turns `M - m` until m <= x <= M (repeated subtraction, not a
 * modulo, so values already inside are returned unchanged and the bounds themselves are kept).
 * Non-finite values are returned as they are (Python would loop forever on an infinity).
 */
export function wrap(x: number, m: number, M: number): number {
  if (!Number.isFinite(x)) return x;
  const diff = M - m;
  while (x > M) x = x - diff;
  while (x < m) x = x + diff;
  return x;
}

/** Gymnasium's `bound`: `min(max(x, m), M)`. */
export function bound(x: number, m: number, M: number): number {
  return Math.min(Math.max(x, m), M);
}
