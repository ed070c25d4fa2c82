/**
 * CartPole-v1, exact to Gymnasium 1.x gymnasium/envs/classic_control/cartpole.py (Barto, Sutton and
 * Anderson 1983), registered in gymnasium/envs/__init__.py with max_episode_steps=500 and
 * reward_threshold=475.
 *
 * The state is float64 (as Gymnasium's `self.state`); the observation is the state rounded to float32.
 */
import { createLogger } from '../../core/logger.js';
import type {
  Env,
  EnvSpec,
  EnvState,
  ResetOptions,
  ResetResult,
  RgbFrame,
  StatefulEnv,
  StepResult,
} from '../env.js';
import { Box } from '../spaces/box.js';
import { describeValue } from '../spaces/describe-value.js';
import { Discrete } from '../spaces/discrete.js';
import { builtinEnvState, restoreBuiltinEnvState } from './builtin-env-state.js';
import { drawCartPole } from './cartpole-render.js';
import { type BuiltinEnvOptions, readEnvOptions } from './env-options.js';
import { EpisodeClock } from './episode-clock.js';
import { readResetBounds } from './reset-bounds.js';
import { writeState } from './write-state.js';

// Physical constants, gymnasium/envs/classic_control/cartpole.py `CartPoleEnv.__init__`.
const GRAVITY = 9.8;
const MASS_CART = 1.0;
const MASS_POLE = 0.1;
const TOTAL_MASS = MASS_POLE + MASS_CART;
/** Half the pole's length [m]. */
const LENGTH = 0.5;
const POLE_MASS_LENGTH = MASS_POLE * LENGTH;
const FORCE_MAG = 10.0;
/** Seconds between state updates. */
const TAU = 0.02;
/** 12 degrees, written as Gymnasium computes it: `12 * 2 * math.pi / 360`. */
const THETA_THRESHOLD_RADIANS = (12 * 2 * Math.PI) / 360;
const X_THRESHOLD = 2.4;

const NAME = 'CartPoleEnv';
const STATE_NAMES = ['x', 'xDot', 'theta', 'thetaDot'] as const;
const log = createLogger('envs.cartpole');

/** Options of {@link CartPoleEnv}. */
export interface CartPoleOptions extends BuiltinEnvOptions {
  /** Reward 0 per step and -1 on termination, as the original Sutton-Barto task. @default false */
  suttonBartoReward?: boolean;
  /** `'rgb_array'`: {@link CartPoleEnv.render} draws 600 x 400 RGB frames (Gymnasium's render_mode). */
  renderMode?: 'rgb_array' | null;
}

/**
 * Balance a pole on a cart: actions 0 (push left) and 1 (push right) with a force of 10 N; reward +1 per
 * step including the terminating one; terminates when |x| > 2.4 or |theta| > 12 degrees; truncates after
 * `spec.maxEpisodeSteps` (500) steps. Reset options `low`/`high` (default -0.05/0.05) bound the uniform
 * initial state.
 */
export class CartPoleEnv implements Env<Float32Array, number>, StatefulEnv {
  readonly observationSpace: Box<'float32'>;
  readonly actionSpace = new Discrete(2);
  readonly spec: EnvSpec;
  /**
   * The integrator: `'euler'` (Gymnasium's default) or `'semi-implicit-euler'` (any other value of
   * Gymnasium's `kinematics_integrator`). @default 'euler'
   */
  kinematicsIntegrator: 'euler' | 'semi-implicit-euler' = 'euler';
  /** `'rgb_array'` when made with that render mode: {@link render} draws frames. */
  readonly renderMode: 'rgb_array' | undefined;
  private readonly suttonBartoReward: boolean;
  private readonly clock: EpisodeClock;
  private readonly s = new Float64Array(4);
  /** Gymnasium's `steps_beyond_terminated`; -1 stands for None. */
  private stepsBeyondTerminated = -1;

  /** @throws TypeError naming the option when `options` is invalid. */
  constructor(options?: CartPoleOptions) {
    const resolved = readEnvOptions(
      NAME,
      options,
      { suttonBartoReward: 'boolean', renderMode: 'render-mode' },
      500,
    );
    this.suttonBartoReward = resolved.fields['suttonBartoReward'] === true;
    this.renderMode = resolved.fields['renderMode'] === 'rgb_array' ? 'rgb_array' : undefined;
    this.clock = new EpisodeClock(NAME, resolved.maxEpisodeSteps);
    this.spec = { id: 'CartPole-v1', maxEpisodeSteps: resolved.maxEpisodeSteps, rewardThreshold: 475 };
    // Twice the termination thresholds so that the failing observation is still inside the space.
    const high = [
      X_THRESHOLD * 2,
      Number.POSITIVE_INFINITY,
      THETA_THRESHOLD_RADIANS * 2,
      Number.POSITIVE_INFINITY,
    ];
    this.observationSpace = new Box({ low: high.map((h) => -h), high, dtype: 'float32' });
  }

  /** The physical state [x, xDot, theta, thetaDot] (float64, live: writes change the env). */
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
   * Draws each state variable uniformly from [low, high) (options `low`/`high`, default -0.05/0.05).
   * @throws TypeError/RangeError on an invalid seed or option.
   */
  reset(options?: ResetOptions): ResetResult<Float32Array> {
    const { low, high } = readResetBounds(NAME, options?.options, -0.05, 0.05);
    const rng = this.clock.beginEpisode(options?.seed);
    for (let i = 0; i < 4; i++) this.s[i] = rng.uniform(low, high);
    this.stepsBeyondTerminated = -1;
    return { obs: this.observe(), info: {} };
  }

  /** @throws RangeError when `action` is not 0 or 1; Error before the first reset. */
  step(action: number): StepResult<Float32Array> {
    if (action !== 0 && action !== 1) {
      throw new RangeError(`${NAME}.step: action (${describeValue(action)}) must be 0 (left) or 1 (right).`);
    }
    const truncated = this.clock.tick();
    const s = this.s;
    let x = s[0]!;
    let xDot = s[1]!;
    let theta = s[2]!;
    let thetaDot = s[3]!;
    const force = action === 1 ? FORCE_MAG : -FORCE_MAG;
    const cosTheta = Math.cos(theta);
    const sinTheta = Math.sin(theta);
    // Florian 2005, "Correct equations for the dynamics of the cart-pole system", as Gymnasium writes them.
    const temp = (force + POLE_MASS_LENGTH * (thetaDot * thetaDot) * sinTheta) / TOTAL_MASS;
    const thetaAcc =
      (GRAVITY * sinTheta - cosTheta * temp) /
      (LENGTH * (4.0 / 3.0 - (MASS_POLE * (cosTheta * cosTheta)) / TOTAL_MASS));
    const xAcc = temp - (POLE_MASS_LENGTH * thetaAcc * cosTheta) / TOTAL_MASS;
    if (this.kinematicsIntegrator === 'euler') {
      x = x + TAU * xDot;
      xDot = xDot + TAU * xAcc;
      theta = theta + TAU * thetaDot;
      thetaDot = thetaDot + TAU * thetaAcc;
    } else {
      xDot = xDot + TAU * xAcc;
      x = x + TAU * xDot;
      thetaDot = thetaDot + TAU * thetaAcc;
      theta = theta + TAU * thetaDot;
    }
    s[0] = x;
    s[1] = xDot;
    s[2] = theta;
    s[3] = thetaDot;
    const terminated =
      x < -X_THRESHOLD ||
      x > X_THRESHOLD ||
      theta < -THETA_THRESHOLD_RADIANS ||
      theta > THETA_THRESHOLD_RADIANS;
    let reward: number;
    if (!terminated) {
      reward = this.suttonBartoReward ? 0.0 : 1.0;
    } else if (this.stepsBeyondTerminated < 0) {
      // The pole just fell: this step still earns the usual reward (Gymnasium 1.x).
      this.stepsBeyondTerminated = 0;
      reward = this.suttonBartoReward ? -1.0 : 1.0;
    } else {
      if (this.stepsBeyondTerminated === 0) {
        log.warn(
          'step() called after this environment returned terminated = true; call reset() once you receive terminated = true: further steps are undefined behaviour (reward 0).',
        );
      }
      this.stepsBeyondTerminated += 1;
      reward = this.suttonBartoReward ? -1.0 : 0.0;
    }
    return { obs: this.observe(), reward, terminated, truncated, info: {} };
  }

  /**
   * The current state drawn as Gymnasium draws it (600 x 400 RGB).
   * @throws Error when the env was made without renderMode 'rgb_array'.
   */
  render(): RgbFrame {
    if (this.renderMode !== 'rgb_array')
      throw new Error(`${NAME}.render: make the env with the option renderMode: 'rgb_array' to draw frames.`);
    return drawCartPole(this.s[0]!, this.s[2]!, X_THRESHOLD, LENGTH);
  }

  /** The env's state as plain JSON (see `StatefulEnv` in envs/env.ts), with `stepsBeyondTerminated`. */
  getState(): EnvState {
    return builtinEnvState('CartPole-v1', this.s, this.clock, {
      stepsBeyondTerminated: this.stepsBeyondTerminated,
    });
  }

  /** Restores {@link getState}'s result. @throws TypeError naming the field on a malformed state */
  setState(state: unknown): void {
    restoreBuiltinEnvState(NAME, 'CartPole-v1', STATE_NAMES, state, this.clock, this.s, (record, where) => {
      const steps = record['stepsBeyondTerminated'];
      if (typeof steps !== 'number' || !Number.isSafeInteger(steps) || steps < -1) {
        throw new TypeError(
          `${where}.stepsBeyondTerminated (${describeValue(steps)}) must be an integer >= -1 (-1: not terminated).`,
        );
      }
      return () => {
        this.stepsBeyondTerminated = steps;
      };
    });
  }

  close(): void {}

  private observe(): Float32Array {
    const obs = new Float32Array(4);
    obs[0] = this.s[0]!;
    obs[1] = this.s[1]!;
    obs[2] = this.s[2]!;
    obs[3] = this.s[3]!;
    return obs;
  }
}
