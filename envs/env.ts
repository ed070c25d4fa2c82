/**
 * The environment contract, with Gymnasium 1.x semantics (`gymnasium.Env`):
 * `terminated` means the MDP reached a terminal state (no bootstrapping), `truncated` means the episode
 * was cut from outside (time limit): learners still bootstrap from the final observation.
 */
import type { Space, SpaceValue } from './spaces/space.js';

/** Free-form, JSON-like per-step information. Never used to carry terminated/truncated/final obs. */
export type Info = Record<string, unknown>;

export interface ResetOptions {
  /** Seeds the env's random source; the same seed gives the same episode. */
  seed?: number;
  /** Env-specific reset options (as Gymnasium's `options`). */
  options?: Record<string, unknown>;
}

export interface ResetResult<O extends SpaceValue = SpaceValue> {
  obs: O;
  info: Info;
}

export interface StepResult<O extends SpaceValue = SpaceValue> {
  obs: O;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: Info;
}

/** Static facts about an env, as Gymnasium's `EnvSpec`. */
export interface EnvSpec {
  id: string;
  /** Episodes are truncated after this many steps; undefined means no limit. */
  maxEpisodeSteps: number | undefined;
  /** Return at which the task counts as solved, where one is defined. */
  rewardThreshold?: number;
}

/** One rendered frame: row-major uint8 pixels [height, width, channels], 3 (RGB) or 4 (RGBA) channels. */
export interface RgbFrame {
  readonly pixels: Uint8Array;
  readonly height: number;
  readonly width: number;
  readonly channels: 3 | 4;
}

/** A single environment. */
export interface Env<O extends SpaceValue = SpaceValue, A extends SpaceValue = SpaceValue> {
  readonly observationSpace: Space<O>;
  readonly actionSpace: Space<A>;
  readonly spec: EnvSpec;
  reset(options?: ResetOptions): ResetResult<O>;
  step(action: A): StepResult<O>;
  close(): void;
  /** `'rgb_array'` when {@link render} draws frames (as Gymnasium's `render_mode`); else undefined. */
  readonly renderMode?: string | undefined;
  /** The current frame (after `reset`), where the env was made with renderMode `'rgb_array'`. */
  render?(): RgbFrame;
}

/**
 * A snapshot of an env's state as plain JSON data (numbers, strings, booleans, null, arrays, objects),
 * so that it survives a checkpoint file: enough to make the next steps identical to the saved env's.
 */
export type EnvState = { readonly [key: string]: unknown };

/**
 * The optional state API of an env (exact resume): `getState()` returns plain JSON data and
 * `setState(state)` restores it, after which the env steps exactly as the env that saved it did (the
 * same observations, rewards and, for envs with a random source, the same future resets).
 * `setState` takes `unknown` because states come from checkpoint files: it validates them and throws a
 * TypeError naming the bad field. The built-in envs and wrappers of envs/ implement it.
 */
export interface StatefulEnv {
  /** The env's state as plain JSON data. */
  getState(): EnvState;
  /**
   * Restores a state from {@link StatefulEnv.getState} of an env built the same way.
   * @throws TypeError naming the field when `state` is malformed or belongs to another env.
   */
  setState(state: unknown): void;
}

/**
 * True when `env` implements the {@link StatefulEnv} API. Wrappers implement it by delegating to the
 * env they wrap, so for them this also requires their inner envs (via `env`) to be stateful.
 */
export function isStatefulEnv(env: Env): env is Env & StatefulEnv {
  let current: unknown = env;
  for (;;) {
    const e = current as Partial<StatefulEnv> & { env?: unknown };
    if (typeof e.getState !== 'function' || typeof e.setState !== 'function') return false;
    const inner = e.env;
    if (typeof inner !== 'object' || inner === null || typeof (inner as Partial<Env>).step !== 'function') {
      return true;
    }
    current = inner;
  }
}
