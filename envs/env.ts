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

/** A single environment. */
export interface Env<O extends SpaceValue = SpaceValue, A extends SpaceValue = SpaceValue> {
  readonly observationSpace: Space<O>;
  readonly actionSpace: Space<A>;
  readonly spec: EnvSpec;
  reset(options?: ResetOptions): ResetResult<O>;
  step(action: A): StepResult<O>;
  close(): void;
}
