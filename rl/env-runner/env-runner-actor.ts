/**
 * The env runner as an actor on the core runtime: built from an {@link EnvRunnerSpec} in its worker,
 * `sample()` returns the plain sample (the runtime keeps it in the object store and hands back a ref),
 * `setWeights(ref)` takes the one ref the learner's weights were put under.
 */
import { remoteClass } from '../../core/index.js';
import type { EpisodeSummary } from '../algorithm.js';
import { type NamedWeights, validateNamedWeights } from '../models/named-weights.js';
import { buildEnvRunner, type EnvRunnerSpec } from './build-env-runner.js';
import type { EnvRunner, EnvRunnerState } from './env-runner.js';
import { type RunnerSamplePlain, runnerSampleToPlain } from './runner-sample-codec.js';

/** The actor's implementation (see the module comment). */
export class EnvRunnerActorImpl {
  private readonly runner: Promise<EnvRunner>;

  constructor(spec: EnvRunnerSpec) {
    this.runner = buildEnvRunner(spec);
    // The error surfaces on the first call; do not let it be an unhandled rejection before that.
    this.runner.catch(() => undefined);
  }

  /** One fragment of `rolloutFragmentLength` steps from every env. */
  async sample(): Promise<RunnerSamplePlain> {
    return runnerSampleToPlain(await (await this.runner).sample());
  }

  /** Runs `numEpisodes` episodes (explore as built) and returns their returns and lengths. */
  async sampleEpisodes(numEpisodes: number): Promise<EpisodeSummary> {
    return (await this.runner).sampleEpisodes(numEpisodes);
  }

  /** Replaces the policy weights. @throws TypeError when `weights` is not {@link NamedWeights}. */
  async setWeights(weights: NamedWeights): Promise<void> {
    (await this.runner).setWeights(validateNamedWeights(weights, 'setWeights(weights)'));
  }

  /** The runner's resumable state. */
  async getState(): Promise<EnvRunnerState> {
    return (await this.runner).getState();
  }

  /** Restores {@link getState}; false when the env state could not be restored. */
  async setState(state: EnvRunnerState): Promise<boolean> {
    return (await this.runner).setState(state);
  }

  /** The worker's pid (tests kill it). */
  pid(): number {
    return process.pid;
  }

  /** Closes the envs. */
  async close(): Promise<void> {
    await (await this.runner).close();
  }
}

/** The remote class; `EnvRunnerActor.remote(spec)` starts one. */
export const EnvRunnerActor = remoteClass(import.meta.url, 'EnvRunnerActor', EnvRunnerActorImpl);
