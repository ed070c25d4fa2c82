/**
 * The seam between PPO's learner loop (./learner.ts) and where its gradient steps run: plain JS for
 * small MLPs (./js-gradients.ts) or tfjs on the backend's device (./device-gradients.ts). Both minimise
 * ./loss.ts and keep their weights and Adam moments to themselves; statistics come back as sums read
 * once per update.
 */
import type { NamedWeights } from '../../rl/models/named-weights.js';
import type { PpoLossCoefs } from './loss.js';
import type { Minibatch } from './minibatch.js';

/** Per-step statistics, in the order of the sums {@link PpoGradients.takeSums} returns. */
export const STEP_STATS = ['loss', 'pgLoss', 'vLoss', 'entropy', 'approxKl', 'clipFrac', 'gradNorm'] as const;

/** Index of approxKl in {@link STEP_STATS}. */
export const APPROX_KL = STEP_STATS.indexOf('approxKl');

/** A learner's weights and Adam state, backend-independent (checkpoint layout: `m/theta`, `v/theta`). */
export interface GradientsState {
  readonly weights: NamedWeights;
  readonly moments: NamedWeights;
  readonly stepCount: number;
}

/** One implementation of PPO's gradient steps. */
export interface PpoGradients {
  /** `js` or `device`, for logs and stats. */
  readonly kind: 'js' | 'device';
  /**
   * One Adam step (global grad-norm clipping inside) on the minibatch. Returns the step's approx KL
   * when `readKl` (early stopping needs it; on a device that is an asynchronous read), else undefined.
   */
  step(mb: Minibatch, coefs: PpoLossCoefs, lr: number, readKl: boolean): Promise<number | undefined>;
  /** Sums of {@link STEP_STATS} over the steps since the last call (one read). */
  takeSums(): Promise<Float64Array>;
  /** A copy of the weights (one read per weight on a device). */
  readWeights(): Promise<NamedWeights>;
  readState(): Promise<GradientsState>;
  /** @throws TypeError naming the field when the state does not fit. */
  setState(state: GradientsState): void;
  dispose(): void;
}
