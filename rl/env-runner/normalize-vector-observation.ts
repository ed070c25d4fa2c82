/**
 * `env.normalizeObservations`: one running mean/std over every env of a runner's vector env (as SB3's
 * VecNormalize, https://github.com/DLR-RM/stable-baselines3/blob/master/stable_baselines3/common/vec_env/vec_normalize.py;
 * not one statistic per env), `(obs - mean) / sqrt(var + 1e-8)` as Gymnasium's NormalizeObservation.
 * Training runners update it with every observation they see; the evaluation runner and `rl evaluate`
 * use the training statistic frozen. Its state travels in the runner's state, so checkpoints keep it.
 * Works over any vector env, remote ones included.
 */
import type { Space, SpaceValue } from '../../envs/spaces/space.js';
import type { VectorEnv, VectorResetResult, VectorStepResult } from '../../envs/vector/vector-env.js';
import { RunningMeanStd, type RunningMeanStdState } from '../../envs/wrappers/running-mean-std.js';

/** Gymnasium's epsilon in the denominator. */
const EPSILON = 1e-8;

/** A vector env whose observations (and final observations) are standardised by one statistic. */
export class NormalizeVectorObservation<A extends SpaceValue = SpaceValue> implements VectorEnv<A> {
  readonly numEnvs: number;
  readonly obsSize: number;
  /** The running statistic of the raw observations. */
  readonly rms: RunningMeanStd;
  /** When true the statistic is used but not updated (evaluation). */
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
    return { ...result, obs: this.normalize(result.obs, this.obsOut, true) };
  }

  async step(actions: readonly A[]): Promise<VectorStepResult> {
    const result = await this.env.step(actions);
    // Final observations are normalised with the same statistic but do not update it: each is also
    // seen as an observation when the episode's last step is taken.
    const finalObs = this.normalize(result.finalObs, this.finalOut, false);
    return { ...result, obs: this.normalize(result.obs, this.obsOut, true), finalObs };
  }

  close(): Promise<void> {
    return this.env.close();
  }

  /** The statistic as plain JSON (runner state, checkpoints). */
  getFilterState(): RunningMeanStdState {
    return this.rms.getState();
  }

  /** Restores {@link getFilterState}'s result. @throws TypeError naming the bad field. */
  setFilterState(state: unknown): void {
    this.rms.setState(state, 'env.normalizeObservations statistic');
  }

  private normalize(raw: Float32Array, out: Float32Array, update: boolean): Float32Array {
    const D = this.obsSize;
    for (let n = 0; n < this.numEnvs; n++) {
      const row = raw.subarray(n * D, (n + 1) * D);
      if (update && !this.frozen) this.rms.update(row);
    }
    for (let n = 0; n < this.numEnvs; n++) {
      this.rms.normalizeInto(raw.subarray(n * D, (n + 1) * D), out.subarray(n * D, (n + 1) * D), EPSILON);
    }
    return out;
  }
}
