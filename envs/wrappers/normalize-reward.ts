/**
 * NormalizeReward: rewards divided by the running standard deviation of a discounted return (as
 * Gymnasium 1.x `gymnasium/wrappers/stateful_reward.py` NormalizeReward:
 * `G = G * gamma * (1 - terminated) + r; rms.update(G); r / sqrt(rms.var + epsilon)`, not mean-centred,
 * https://github.com/openai/baselines/issues/538).
 */
import type { Env, EnvSpec, EnvState, ResetOptions, ResetResult, StepResult } from '../env.js';
import type { Space, SpaceValue } from '../spaces/space.js';
import { RunningMeanStd, type RunningMeanStdState } from './running-mean-std.js';
import { innerEnvState, readFiniteNumber, readWrapperState, restoreInnerEnv } from './wrapper-state.js';

/** Options of {@link NormalizeReward}. */
export interface NormalizeRewardOptions {
  /** Discount of the running return. @default 0.99 */
  gamma?: number;
  /** Added to the variance before the square root. @default 1e-8 */
  epsilon?: number;
  /** Start frozen: use the statistics without updating them (evaluation). @default false */
  frozen?: boolean;
}

/** The saved state of a {@link NormalizeReward}: return statistics and the running return. */
export interface NormalizeRewardState {
  rms: RunningMeanStdState;
  discountedReturn: number;
  /** The wrapped env's state; null when it has no state API. */
  env: EnvState | null;
}

/** Scales rewards by the running std of the discounted return. */
export class NormalizeReward<O extends SpaceValue = SpaceValue, A extends SpaceValue = SpaceValue>
  implements Env<O, A>
{
  readonly observationSpace: Space<O>;
  readonly actionSpace: Space<A>;
  readonly spec: EnvSpec;
  readonly rms = new RunningMeanStd(1);
  frozen: boolean;
  /** The running discounted return G (Gymnasium keeps it across resets; only termination zeroes it). */
  discountedReturn = 0;
  private readonly gamma: number;
  private readonly epsilon: number;
  private readonly scratch = new Float64Array(1);

  /** @throws RangeError when gamma is outside [0, 1] or epsilon negative. */
  constructor(
    readonly env: Env<O, A>,
    options: NormalizeRewardOptions = {},
  ) {
    this.gamma = options.gamma ?? 0.99;
    this.epsilon = options.epsilon ?? 1e-8;
    if (!(this.gamma >= 0 && this.gamma <= 1))
      throw new RangeError(`NormalizeReward: gamma (${this.gamma}) must be in [0, 1].`);
    if (!(this.epsilon >= 0))
      throw new RangeError(`NormalizeReward: epsilon (${this.epsilon}) must be >= 0.`);
    this.frozen = options.frozen ?? false;
    this.observationSpace = env.observationSpace;
    this.actionSpace = env.actionSpace;
    this.spec = env.spec;
  }

  reset(options?: ResetOptions): ResetResult<O> {
    return this.env.reset(options);
  }

  step(action: A): StepResult<O> {
    const result = this.env.step(action);
    this.discountedReturn = this.discountedReturn * this.gamma * (result.terminated ? 0 : 1) + result.reward;
    if (!this.frozen) {
      this.scratch[0] = this.discountedReturn;
      this.rms.update(this.scratch);
    }
    result.reward = result.reward / Math.sqrt(this.rms.var[0]! + this.epsilon);
    return result;
  }

  close(): void {
    this.env.close();
  }

  /**
   * Statistics, running return and the wrapped env's state as plain JSON, for checkpoints; see
   * `StatefulEnv` in envs/env.ts.
   */
  getState(): NormalizeRewardState {
    return {
      rms: this.rms.getState(),
      discountedReturn: this.discountedReturn,
      env: innerEnvState(this.env),
    };
  }

  /** Restores a state saved by {@link getState}. @throws TypeError naming the bad field */
  setState(state: unknown): void {
    const where = 'NormalizeReward.setState: state';
    const record = readWrapperState(state, where, 'rms, discountedReturn, env');
    const g = readFiniteNumber(record, 'discountedReturn', where);
    const rms = new RunningMeanStd(1);
    rms.setState(record['rms'], 'NormalizeReward.setState (rms)');
    restoreInnerEnv(this.env, record, where);
    this.rms.setState(record['rms']);
    this.discountedReturn = g;
  }
}
