/**
 * `env.normalizeObservations`: one running mean/std over every env of a runner's vector env (as SB3's
 * VecNormalize, https://github.com/DLR-RM/stable-baselines3/blob/master/stable_baselines3/common/vec_env/vec_normalize.py;
 * not one statistic per env), `(obs - mean) / sqrt(var + 1e-8)` as Gymnasium's NormalizeObservation.
 * The statistic is the run's, set by the driver before each sample call; a training runner does not
 * change it, but keeps the moments of the raw observations it saw since the driver last asked
 * ({@link takeDelta}), which the driver merges into the run's statistic (./run-obs-statistic.ts). So
 * within a sampling round every runner normalises with the same statistic. (The observation a
 * fragment starts from was normalised when it was observed, at the end of the previous call.)
 * The evaluation runner and `rl evaluate` use the training statistic and report nothing (frozen).
 * Works over any vector env, remote ones included.
 */
import type { Space, SpaceValue } from '../../envs/spaces/space.js';
import type { VectorEnv, VectorResetResult, VectorStepResult } from '../../envs/vector/vector-env.js';
import { RunningMeanStd, type RunningMeanStdState } from '../../envs/wrappers/running-mean-std.js';

/** Gymnasium's epsilon in the denominator (NormalizeObservation's `epsilon=1e-8`). */
export const OBS_NORM_EPSILON = 1e-8;

/** A vector env whose observations (and final observations) are standardised by one statistic. */
export class NormalizeVectorObservation<A extends SpaceValue = SpaceValue> implements VectorEnv<A> {
  readonly numEnvs: number;
  readonly obsSize: number;
  /** The statistic observations are standardised with (the run's, as last set). */
  readonly rms: RunningMeanStd;
  /** Moments of the raw observations seen since the last {@link takeDelta} (count 0: none). */
  private delta: RunningMeanStd;
  /** The raw (unnormalised) observation of every env, [N, obsSize], as of the last reset or step. */
  readonly rawObs: Float32Array;
  /** When true no moments are kept for the driver (evaluation). */
  frozen: boolean;
  private readonly obsOut: Float32Array;
  private readonly finalOut: Float32Array;
  /** The wrapped env's state API, passed through when it has one (EnvRunner checks for it). */
  readonly getState?: () => unknown;
  readonly setState?: (state: unknown) => void;

  constructor(
    readonly env: VectorEnv<A>,
    options: { frozen?: boolean } = {},
  ) {
    this.numEnvs = env.numEnvs;
    this.obsSize = env.obsSize;
    this.rms = new RunningMeanStd(env.obsSize);
    this.delta = RunningMeanStd.empty(env.obsSize);
    this.rawObs = new Float32Array(env.numEnvs * env.obsSize);
    this.frozen = options.frozen ?? false;
    this.obsOut = new Float32Array(env.numEnvs * env.obsSize);
    this.finalOut = new Float32Array(env.numEnvs * env.obsSize);
    const inner = env as Partial<{ getState(): unknown; setState(state: unknown): void }>;
    if (typeof inner.getState === 'function' && typeof inner.setState === 'function') {
      this.getState = () => inner.getState!();
      this.setState = (state) => inner.setState!(state);
    }
  }

  get singleObservationSpace(): Space {
    return this.env.singleObservationSpace;
  }
  get singleActionSpace(): Space<A> {
    return this.env.singleActionSpace;
  }
  get spec() {
    return this.env.spec;
  }

  async reset(options?: Parameters<VectorEnv<A>['reset']>[0]): Promise<VectorResetResult> {
    const result = await this.env.reset(options);
    this.rawObs.set(result.obs);
    return { ...result, obs: this.normalize(result.obs, this.obsOut, true) };
  }

  async step(actions: readonly A[]): Promise<VectorStepResult> {
    const result = await this.env.step(actions);
    // Final observations are normalised with the same statistic but do not update it: each is also
    // seen as an observation when the episode's last step is taken.
    const finalObs = this.normalize(result.finalObs, this.finalOut, false);
    this.rawObs.set(result.obs);
    return { ...result, obs: this.normalize(result.obs, this.obsOut, true), finalObs };
  }

  close(): Promise<void> {
    return this.env.close();
  }

  /** The statistic as plain JSON (runner state, checkpoints). */
  getFilterState(): RunningMeanStdState {
    return this.rms.getState();
  }

  /**
   * Replaces the statistic by `state` (the run's, from the driver); the delta keeps counting.
   * @throws TypeError naming the bad field.
   */
  setFilterState(state: unknown): void {
    this.rms.setState(state, 'env.normalizeObservations statistic');
  }

  /**
   * The moments (mean, population variance, count) of the raw observations seen since the last call,
   * and starts counting afresh; undefined when there were none (or the statistic is frozen).
   */
  takeDelta(): RunningMeanStdState | undefined {
    if (this.delta.count === 0) return undefined;
    const out = this.delta.getState();
    this.delta = RunningMeanStd.empty(this.obsSize);
    return out;
  }

  private normalize(raw: Float32Array, out: Float32Array, update: boolean): Float32Array {
    const D = this.obsSize;
    for (let n = 0; n < this.numEnvs; n++) {
      const row = raw.subarray(n * D, (n + 1) * D);
      if (update && !this.frozen) this.delta.update(row);
    }
    for (let n = 0; n < this.numEnvs; n++) {
      this.rms.normalizeInto(
        raw.subarray(n * D, (n + 1) * D),
        out.subarray(n * D, (n + 1) * D),
        OBS_NORM_EPSILON,
      );
    }
    return out;
  }
}
