/** Assembles the {@link SampleRound} the iteration sees from the samples of one round of runners. */
import type { ObjectRef } from '../../core/index.js';
import type { SampledFragment, SampleRound } from '../algorithm.js';
import type { RunnerSample } from './env-runner.js';

/** A runner's sample with the weights version it was sampled with. */
export type Sampled = RunnerSample & { readonly weightsVersion: number };

/** One runner's sample in a round; `ref` when it stays in the object store (runner actors). */
export interface RoundSample {
  readonly index: number;
  readonly ref?: ObjectRef<unknown>;
  readonly sample: Sampled;
}

/** The round of `samples` (in the order given); weight lags count against `weightsVersion`. */
export function assembleSampleRound(samples: readonly RoundSample[], weightsVersion: number): SampleRound {
  const returns: number[] = [];
  const lengths: number[] = [];
  const episodeRunners: number[] = [];
  const fragments: SampledFragment[] = [];
  const weightLags: number[] = [];
  let envSteps = 0;
  for (const { index, ref, sample } of samples) {
    returns.push(...sample.episodes.returns);
    lengths.push(...sample.episodes.lengths);
    for (let e = 0; e < sample.episodes.returns.length; e++) episodeRunners.push(index);
    envSteps += sample.envSteps;
    fragments.push(
      ref !== undefined
        ? { kind: 'ref', ref, numEnvs: sample.fragment.numEnvs }
        : { kind: 'local', fragment: sample.fragment },
    );
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
