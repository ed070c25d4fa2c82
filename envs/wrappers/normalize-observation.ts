/**
 * NormalizeObservation: observations standardised by a running mean and variance (as Gymnasium 1.x
 * `gymnasium/wrappers/stateful_observation.py` NormalizeObservation: `(obs - mean) / sqrt(var + 1e-8)`,
 * statistics updated on every reset and step observation unless frozen).
 */
import type { Env, EnvSpec, EnvState, ResetOptions, ResetResult, StepResult } from '../env.js';
import { Box } from '../spaces/box.js';
import type { Space, SpaceValue } from '../spaces/space.js';
import { RunningMeanStd, type RunningMeanStdState } from './running-mean-std.js';
import { innerEnvState, readWrapperState, restoreInnerEnv } from './wrapper-state.js';

/** The saved state of a {@link NormalizeObservation}: its statistics and the wrapped env's state. */
export interface NormalizeObservationState {
  rms: RunningMeanStdState;
  /** The wrapped env's state; null when it has no state API. */
  env: EnvState | null;
}

/** Options of {@link NormalizeObservation}. */
export interface NormalizeObservationOptions {
  /** Added to the variance before the square root. @default 1e-8 (Gymnasium) */
  epsilon?: number;
  /** When set, normalised values are clipped to [-clip, clip] (as SB3's VecNormalize clip_obs). @default no clipping */
  clip?: number;
  /** Start frozen: use the statistics without updating them (evaluation). @default false */
  frozen?: boolean;
}

/** Standardises Box observations to Float32Arrays; the statistics are saved with {@link getState}. */
export class NormalizeObservation<A extends SpaceValue = SpaceValue> implements Env<Float32Array, A> {
  readonly observationSpace: Box<'float32'>;
  readonly actionSpace: Space<A>;
  readonly spec: EnvSpec;
  /** The running statistics (shared with whoever holds this wrapper; merge others into it). */
  readonly rms: RunningMeanStd;
  /** When true the statistics are used but not updated (Gymnasium's `update_running_mean = False`). */
  frozen: boolean;
  private readonly epsilon: number;
  private readonly clip: number;

  /** @throws TypeError when the observation space is not a Box; RangeError on a bad option. */
  constructor(
    readonly env: Env<SpaceValue, A>,
    options: NormalizeObservationOptions = {},
  ) {
    const space = env.observationSpace;
    if (!(space instanceof Box)) {
      throw new TypeError(
        `NormalizeObservation: the env's observation space must be a Box, got ${space.type}.`,
      );
    }
    this.epsilon = options.epsilon ?? 1e-8;
    this.clip = options.clip ?? Number.POSITIVE_INFINITY;
    if (!(this.epsilon >= 0))
      throw new RangeError(`NormalizeObservation: epsilon (${this.epsilon}) must be >= 0.`);
    if (!(this.clip > 0)) throw new RangeError(`NormalizeObservation: clip (${this.clip}) must be > 0.`);
    this.frozen = options.frozen ?? false;
    this.observationSpace = new Box({
      low: -this.clip,
      high: this.clip,
      shape: space.shape,
      dtype: 'float32',
    });
    this.actionSpace = env.actionSpace;
    this.spec = env.spec;
    this.rms = new RunningMeanStd(space.size);
  }

  reset(options?: ResetOptions): ResetResult<Float32Array> {
    const { obs, info } = this.env.reset(options);
    return { obs: this.normalize(obs), info };
  }

  step(action: A): StepResult<Float32Array> {
    const result = this.env.step(action);
    return { ...result, obs: this.normalize(result.obs) };
  }

  close(): void {
    this.env.close();
  }

  /**
   * The statistics (`rms`) and the wrapped env's state as plain JSON, for checkpoints; see `StatefulEnv`
   * in envs/env.ts.
   */
  getState(): NormalizeObservationState {
    return { rms: this.rms.getState(), env: innerEnvState(this.env) };
  }

  /**
   * Restores a state saved by {@link getState}. A bare {@link RunningMeanStdState} `{ mean, var, count }`
   * (this wrapper's state before it carried the inner env's) restores the statistics alone.
   * @throws TypeError naming the bad field
   */
  setState(state: unknown): void {
    const where = 'NormalizeObservation.setState: state';
    const record = readWrapperState(state, where, 'rms, env');
    if (!('rms' in record) && 'mean' in record) {
      this.rms.setState(state, 'NormalizeObservation.setState');
      return;
    }
    const rms = new RunningMeanStd(this.rms.size);
    rms.setState(record['rms'], 'NormalizeObservation.setState (rms)');
    restoreInnerEnv(this.env, record, where);
    this.rms.setState(record['rms']);
  }
  private normalize(obs: SpaceValue): Float32Array {
    const x = obs as ArrayLike<number>;
    if (!this.frozen) this.rms.update(x);
    const out = new Float32Array(this.rms.size);
    this.rms.normalizeInto(x, out, this.epsilon);
    if (this.clip !== Number.POSITIVE_INFINITY) {
      for (let i = 0; i < out.length; i++) out[i] = Math.min(this.clip, Math.max(-this.clip, out[i]!));
    }
    return out;
  }
}
