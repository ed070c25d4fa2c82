/**
 * The per-episode bookkeeping every built-in env shares: the seeded random source, the
 * reset-before-step order (Gymnasium's `OrderEnforcing`) and the step limit (Gymnasium's `TimeLimit`,
 * gymnasium/wrappers/common.py: `elapsed_steps += 1; truncated = elapsed_steps >= max_episode_steps`).
 */
import { type RngState, SeededRng } from '../rng.js';
import { describeValue } from '../spaces/describe-value.js';

/** Random source, reset order and time limit of one env. */
export class EpisodeClock {
  /** The step limit; undefined when there is none. */
  readonly maxEpisodeSteps: number | undefined;
  /** Steps taken since the last reset. */
  elapsedSteps = 0;
  private readonly limit: number;
  private rngValue: SeededRng | undefined;
  private started = false;

  /**
   * @param envName used in error messages.
   * @param maxEpisodeSteps the step limit, undefined for none.
   */
  constructor(
    private readonly envName: string,
    maxEpisodeSteps: number | undefined,
  ) {
    this.maxEpisodeSteps = maxEpisodeSteps;
    this.limit = maxEpisodeSteps ?? Number.POSITIVE_INFINITY;
  }

  /**
   * Starts an episode: reseeds the random source when `seed` is given (as Gymnasium's
   * `Env.reset(seed=...)`), else keeps its stream (seeding it from the clock the first time), and zeroes
   * the step count.
   * @returns the random source to draw the initial state from.
   * @throws TypeError when `seed` is given and is not a safe integer.
   */
  beginEpisode(seed: unknown): SeededRng {
    if (seed !== undefined) {
      if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
        throw new TypeError(`${this.envName}.reset: seed (${describeValue(seed)}) must be a safe integer.`);
      }
      this.rngValue = SeededRng.fromSeed(seed);
    } else if (this.rngValue === undefined) {
      this.rngValue = SeededRng.fromSeed(SeededRng.randomSeed());
    }
    this.elapsedSteps = 0;
    this.started = true;
    return this.rngValue;
  }

  /**
   * Counts one step.
   * @returns true when the step limit is reached (and on every later step until the next reset).
   * @throws Error when no episode was started with `reset()`.
   */
  tick(): boolean {
    if (!this.started) {
      throw new Error(`${this.envName}.step: call reset() before step() (no episode has been started).`);
    }
    return ++this.elapsedSteps >= this.limit;
  }

  /** The clock's state as plain JSON (for the envs' `getState`). */
  getState(): EpisodeClockState {
    return { elapsedSteps: this.elapsedSteps, started: this.started, rng: this.rngValue?.getState() ?? null };
  }

  /**
   * Restores {@link getState}'s result; `where` prefixes error messages (e.g. `CartPoleEnv.setState: state`).
   * @throws TypeError naming the field when `state` is malformed.
   */
  setState(state: { readonly [key: string]: unknown }, where: string): void {
    const { elapsedSteps, started, rng } = state;
    if (typeof elapsedSteps !== 'number' || !Number.isSafeInteger(elapsedSteps) || elapsedSteps < 0) {
      throw new TypeError(
        `${where}.elapsedSteps (${describeValue(elapsedSteps)}) must be a non-negative integer.`,
      );
    }
    if (typeof started !== 'boolean') {
      throw new TypeError(`${where}.started (${describeValue(started)}) must be a boolean.`);
    }
    let restored: SeededRng | undefined;
    if (rng !== null) {
      try {
        restored = SeededRng.fromState(rng);
      } catch (e) {
        throw new TypeError(
          `${where}.rng must be null or a SeededRng state: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    }
    this.elapsedSteps = elapsedSteps;
    this.started = started;
    this.rngValue = restored;
  }
}

/** The saved state of an {@link EpisodeClock}. */
export interface EpisodeClockState {
  elapsedSteps: number;
  started: boolean;
  /** The random source's state; null before the first reset. */
  rng: RngState | null;
}
