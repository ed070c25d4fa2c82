/**
 * RecordEpisodeStatistics: the return and length of every finished episode (as Gymnasium 1.x
 * `gymnasium/wrappers/common.py` RecordEpisodeStatistics), reported as a typed field and a callback,
 * never through `info`.
 */
import type { Env, EnvSpec, EnvState, ResetOptions, ResetResult, StepResult } from '../env.js';
import { describeValue } from '../spaces/describe-value.js';
import type { Space, SpaceValue } from '../spaces/space.js';
import {
  innerEnvState,
  readCount,
  readFiniteNumber,
  readWrapperState,
  restoreInnerEnv,
} from './wrapper-state.js';

/** Statistics of one finished episode. */
export interface EpisodeStatistics {
  /** Sum of the (unwrapped-below-this-wrapper) rewards. */
  episodeReturn: number;
  /** Steps in the episode. */
  episodeLength: number;
  /** Whether it ended by termination (else by truncation). */
  terminated: boolean;
  /** Wall time from reset to the last step [ms]. */
  durationMs: number;
}

/** Options of {@link RecordEpisodeStatistics}. */
export interface RecordEpisodeStatisticsOptions {
  /** Called once per finished episode, after the step that ended it. */
  onEpisodeEnd?: (stats: EpisodeStatistics) => void;
}

/**
 * Sums rewards and counts steps; when a step ends the episode (terminated or truncated) the totals are
 * published in {@link RecordEpisodeStatistics.lastEpisode} and passed to `onEpisodeEnd`.
 */
export class RecordEpisodeStatistics<O extends SpaceValue = SpaceValue, A extends SpaceValue = SpaceValue>
  implements Env<O, A>
{
  readonly observationSpace: Space<O>;
  readonly actionSpace: Space<A>;
  readonly spec: EnvSpec;
  /** The statistics of the most recently finished episode; undefined before the first one ends. */
  lastEpisode: EpisodeStatistics | undefined;
  /** True when the latest `step` ended an episode (then `lastEpisode` describes it). */
  episodeEndedThisStep = false;
  /** Episodes finished since construction. */
  numEpisodes = 0;
  private episodeReturn = 0;
  private episodeLength = 0;
  private startMs = 0;
  private readonly onEpisodeEnd: ((stats: EpisodeStatistics) => void) | undefined;

  constructor(
    readonly env: Env<O, A>,
    options: RecordEpisodeStatisticsOptions = {},
  ) {
    this.observationSpace = env.observationSpace;
    this.actionSpace = env.actionSpace;
    this.spec = env.spec;
    this.onEpisodeEnd = options.onEpisodeEnd;
  }

  reset(options?: ResetOptions): ResetResult<O> {
    this.episodeReturn = 0;
    this.episodeLength = 0;
    this.episodeEndedThisStep = false;
    this.startMs = performance.now();
    return this.env.reset(options);
  }

  step(action: A): StepResult<O> {
    const result = this.env.step(action);
    this.episodeReturn += result.reward;
    this.episodeLength++;
    this.episodeEndedThisStep = result.terminated || result.truncated;
    if (this.episodeEndedThisStep) {
      const stats: EpisodeStatistics = {
        episodeReturn: this.episodeReturn,
        episodeLength: this.episodeLength,
        terminated: result.terminated,
        durationMs: performance.now() - this.startMs,
      };
      this.lastEpisode = stats;
      this.numEpisodes++;
      this.episodeReturn = 0;
      this.episodeLength = 0;
      this.startMs = performance.now();
      this.onEpisodeEnd?.(stats);
    }
    return result;
  }

  close(): void {
    this.env.close();
  }

  /**
   * The running episode's return and length, `numEpisodes`, `episodeEndedThisStep`, `lastEpisode` and the
   * wrapped env's state; see `StatefulEnv` in envs/env.ts. Wall time is not state: after a restore the
   * running episode's `durationMs` counts from the restore.
   */
  getState(): EnvState {
    return {
      episodeReturn: this.episodeReturn,
      episodeLength: this.episodeLength,
      numEpisodes: this.numEpisodes,
      episodeEndedThisStep: this.episodeEndedThisStep,
      lastEpisode: this.lastEpisode === undefined ? null : { ...this.lastEpisode },
      env: innerEnvState(this.env),
    };
  }

  /** Restores {@link getState}'s result. @throws TypeError naming the field on a malformed state */
  setState(state: unknown): void {
    const where = 'RecordEpisodeStatistics.setState: state';
    const record = readWrapperState(
      state,
      where,
      'episodeReturn, episodeLength, numEpisodes, episodeEndedThisStep, lastEpisode, env',
    );
    const episodeReturn = readFiniteNumber(record, 'episodeReturn', where);
    const episodeLength = readCount(record, 'episodeLength', where);
    const numEpisodes = readCount(record, 'numEpisodes', where);
    const ended = record['episodeEndedThisStep'];
    if (typeof ended !== 'boolean') {
      throw new TypeError(`${where}.episodeEndedThisStep (${describeValue(ended)}) must be a boolean.`);
    }
    let lastEpisode: EpisodeStatistics | undefined;
    if (record['lastEpisode'] !== null) {
      const lastWhere = `${where}.lastEpisode`;
      const last = readWrapperState(
        record['lastEpisode'],
        lastWhere,
        'episodeReturn, episodeLength, terminated, durationMs',
      );
      const terminated = last['terminated'];
      if (typeof terminated !== 'boolean') {
        throw new TypeError(`${lastWhere}.terminated (${describeValue(terminated)}) must be a boolean.`);
      }
      lastEpisode = {
        episodeReturn: readFiniteNumber(last, 'episodeReturn', lastWhere),
        episodeLength: readCount(last, 'episodeLength', lastWhere),
        terminated,
        durationMs: readFiniteNumber(last, 'durationMs', lastWhere),
      };
    }
    restoreInnerEnv(this.env, record, where);
    this.episodeReturn = episodeReturn;
    this.episodeLength = episodeLength;
    this.numEpisodes = numEpisodes;
    this.episodeEndedThisStep = ended;
    this.lastEpisode = lastEpisode;
    this.startMs = performance.now();
  }
}
