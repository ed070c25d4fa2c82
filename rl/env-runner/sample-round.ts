/** Assembles the {@link SampleRound} the iteration sees from the samples of one round of runners. */
import type { RunningMeanStdState } from '../../envs/wrappers/running-mean-std.js';
import type { EpisodeSummary, SampledFragment, SampleRound } from '../algorithm.js';

/** What the driver reads of a runner's sample: all but the rows, and the weights version. */
export interface SampleInfo {
  readonly episodes: EpisodeSummary;
  readonly envSteps: number;
  readonly weightsVersion: number;
  readonly obsDelta?: RunningMeanStdState;
}

/** One runner's sample in a round: its rows (local, or a ref into the object store) and its info. */
export interface RoundSample {
  readonly index: number;
  readonly fragment: SampledFragment;
  readonly sample: SampleInfo;
}

/** The round of `samples` (in the order given); weight lags count against `weightsVersion`. */
export function assembleSampleRound(samples: readonly RoundSample[], weightsVersion: number): SampleRound {
  const returns: number[] = [];
  const lengths: number[] = [];
  const episodeRunners: number[] = [];
  const fragments: SampledFragment[] = [];
  const weightLags: number[] = [];
  let envSteps = 0;
  for (const { index, fragment, sample } of samples) {
    returns.push(...sample.episodes.returns);
    lengths.push(...sample.episodes.lengths);
    for (let e = 0; e < sample.episodes.returns.length; e++) episodeRunners.push(index);
    envSteps += sample.envSteps;
    fragments.push(fragment);
    weightLags.push(Math.max(0, weightsVersion - sample.weightsVersion));
  }
  return {
    fragments,
    episodes: { returns, lengths },
    envSteps,
    runnerIndexes: samples.map((s) => s.index),
    weightLags,
    episodeRunners,
  };
}
