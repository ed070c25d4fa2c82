/**
 * The env runner as an actor on the core runtime: built from an {@link EnvRunnerSpec} in its worker.
 * `sample(weights, control)` puts the fragment (the rows) into the object store itself and returns
 * its ref with the sample's small metadata (./runner-sample-codec.ts): the caller reads only the
 * metadata and hands the ref on (to a learner or replay actor), which reads the rows from the store.
 * `weights` is the ref of the latest published {@link VersionedWeights}, passed only when this runner
 * is behind (one transfer per version); `control` is the exploration state; `obsFilter` the run's
 * `env.normalizeObservations` statistic (./run-obs-statistic.ts). Each sample records the weights
 * version it was sampled with and, with normalisation, the moments of what the runner observed.
 */
import { put, remoteClass } from '../../core/index.js';
import type { RunningMeanStdState } from '../../envs/wrappers/running-mean-std.js';
import { buildEnvRunner, type EnvRunnerSpec } from './build-env-runner.js';
import type { EnvRunner, EnvRunnerState } from './env-runner.js';
import { validateRunnerControl, validateVersionedWeights } from './runner-control.js';
import {
  type FragmentPlain,
  fragmentToPlain,
  type RunnerSampleMeta,
  runnerSampleMeta,
} from './runner-sample-codec.js';

/** The actor's implementation (see the module comment). */
export class EnvRunnerActorImpl {
  private readonly runner: Promise<EnvRunner>;
  private weightsVersion = -1;

  constructor(spec: EnvRunnerSpec) {
    this.runner = buildEnvRunner(spec);
    // The error surfaces on the first call; do not let it be an unhandled rejection before that.
    this.runner.catch(() => undefined);
  }

  /**
   * One fragment of `rolloutFragmentLength` steps from every env, after applying newer weights, the
   * control and the run's observation statistic when given.
   * @throws TypeError when `weights`, `control` or `obsFilter` is malformed.
   */
  async sample(
    weights: unknown = null,
    control: unknown = null,
    obsFilter: unknown = null,
  ): Promise<RunnerSampleMeta> {
    const runner = await this.runner;
    if (weights !== null) {
      const w = validateVersionedWeights(weights, 'sample(weights)');
      if (w.version > this.weightsVersion) {
        runner.setWeights(w.weights);
        this.weightsVersion = w.version;
      }
    }
    if (control !== null) runner.setControl(validateRunnerControl(control, 'sample(control)'));
    if (obsFilter !== null) runner.setObsFilterState(obsFilter);
    const sample = await runner.sample();
    const fragment = put<FragmentPlain>(fragmentToPlain(sample.fragment));
    return runnerSampleMeta(sample, this.weightsVersion, fragment);
  }

  /** The runner's resumable state. */
  async getState(): Promise<EnvRunnerState> {
    return (await this.runner).getState();
  }

  /** Restores {@link getState}; false when the env state could not be restored. */
  async setState(state: EnvRunnerState): Promise<boolean> {
    return (await this.runner).setState(state);
  }

  /** The observation statistic the runner normalises with (undefined when normalisation is off). */
  async obsFilterState(): Promise<RunningMeanStdState | undefined> {
    return (await this.runner).getObsFilterState();
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
