/**
 * The run's one `env.normalizeObservations` statistic, kept by the driver. Every runner normalises
 * with the copy it was last sent, updating it with what it observes, and reports the moments of those
 * observations with each sample (RunnerSample.obsDelta); the driver merges each report once, in
 * arrival order, with the parallel-variance formula of Chan, Golub and LeVeque (1979, "Updating
 * formulae and a pairwise algorithm for computing sample variances"), and sends the merged statistic
 * back with the runner's next sample call. This is RLlib's MeanStdFilter synchronisation
 * (rllib/utils/filter.py and filter_manager.py: each runner's buffer of deltas is applied to the
 * driver's filter, which is then copied back to the runners); with one runner it equals SB3's VecNormalize, which updates per step.
 */
import { RunningMeanStd, type RunningMeanStdState } from '../../envs/wrappers/running-mean-std.js';

/** The driver's statistic of a run (see the module comment). */
export class RunObsStatistic {
  private readonly rms: RunningMeanStd;
  /** Samples already merged (a sample drained for a checkpoint comes round again in the next round). */
  private readonly merged = new WeakSet<object>();

  constructor(readonly obsSize: number) {
    this.rms = new RunningMeanStd(obsSize);
  }

  /**
   * Merges the moments `delta` that runner `runner` reported (nothing when undefined).
   * @throws TypeError naming the runner and field when `delta` is malformed or of another size.
   */
  merge(delta: RunningMeanStdState | undefined, runner: number): void {
    if (delta === undefined) return;
    const checked = new RunningMeanStd(this.obsSize);
    checked.setState(delta, `env runner ${runner}: obsDelta`);
    this.rms.merge(checked);
  }

  /**
   * Merges the reports of `samples`, each sample once, in runner order (not arrival order: the
   * statistic of a synchronous run is then reproducible).
   * @throws TypeError as {@link merge}.
   */
  mergeSamples(
    samples: readonly {
      readonly index: number;
      readonly sample: { readonly obsDelta?: RunningMeanStdState };
    }[],
  ): void {
    for (const { index, sample } of [...samples].sort((a, b) => a.index - b.index)) {
      if (this.merged.has(sample)) continue;
      this.merged.add(sample);
      this.merge(sample.obsDelta, index);
    }
  }

  /** The merged statistic as plain JSON (checkpoints, evaluation, what runners are sent). */
  getState(): RunningMeanStdState {
    return this.rms.getState();
  }

  /**
   * Restores a saved statistic (resume).
   * @throws TypeError naming `where` and the field when `state` is malformed or of another size.
   */
  setState(state: unknown, where = 'env.normalizeObservations statistic'): void {
    this.rms.setState(state, where);
  }
}
