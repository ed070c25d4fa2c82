/**
 * RecordEpisodeStatistics: the return and length of every finished episode (as Gymnasium 1.x
 * `gymnasium/wrappers/common.py` RecordEpisodeStatistics), reported as a typed field and a callback,
 * never through `info`.
 */
import type { Env, EnvSpec, ResetOptions, ResetResult, StepResult } from '../env.js';
import type { Space, SpaceValue } from '../spaces/space.js';

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
}
