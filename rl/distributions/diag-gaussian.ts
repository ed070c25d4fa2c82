/**
 * The diagonal Gaussian action distribution of Box action spaces: a mean per dimension and a log
 * standard deviation that is either state-independent (a learned vector, as CleanRL's
 * `actor_logstd` in ppo_continuous_action.py) or state-dependent (a second head).
 */
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import type { Rng } from '../../envs/spaces/space.js';
import { requireTf } from '../backend/backend.js';
import { normalDraw } from '../models/init.js';

/** 0.5 * log(2 pi): the normalising constant of a standard normal's log-density. */
export const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log N(x; mu, sigma^2) of one dimension in plain JS, from the standardised z = (x - mu) / sigma and
 * log sigma: -z^2 / 2 - log sigma - log(2 pi) / 2. The one plain-JS copy (samplers, PPO's closed-form
 * gradient in algorithms/ppo/loss-grad.ts); {@link DiagGaussian.logProb} is its tensor form.
 */
export function normalLogDensity(z: number, logStd: number): number {
  return -0.5 * z * z - logStd - HALF_LOG_2PI;
}

/** The entropy of one Gaussian dimension with log std `logStd`: log sigma + 1/2 + log(2 pi) / 2 (plain JS). */
export function normalEntropy(logStd: number): number {
  return logStd + 0.5 + HALF_LOG_2PI;
}

/** A batch of diagonal Gaussians N(mean, diag(exp(logStd))^2). */
export class DiagGaussian {
  /** [B, D] */
  readonly mean: Tensor2D;
  /** [B, D], or [1, D] / [D] broadcast over the batch (state-independent). */
  readonly logStd: Tensor;

  /** Wraps the tensors (not copied, not disposed by this class). Requires `initBackend()`. */
  constructor(mean: Tensor2D, logStd: Tensor) {
    this.mean = mean;
    this.logStd = logStd;
  }

  /** log pi(a | s) summed over dimensions, `actions` [B, D] -> [B]. */
  logProb(actions: Tensor2D): Tensor1D {
    const tf = requireTf();
    return tf.tidy(() => {
      const z = tf.div(tf.sub(actions, this.mean), tf.exp(this.logStd)); // [B, D]
      const perDim = tf.sub(tf.mul(tf.square(z), -0.5), tf.add(this.logStd, HALF_LOG_2PI));
      return tf.sum(perDim, 1) as Tensor1D;
    });
  }

  /** Entropy sum_d (0.5 + 0.5 log(2 pi) + logStd_d), [B]. */
  entropy(): Tensor1D {
    const tf = requireTf();
    return tf.tidy(() => {
      const perDim = tf.add(tf.add(tf.zerosLike(this.mean), this.logStd), 0.5 + HALF_LOG_2PI);
      return tf.sum(perDim, 1) as Tensor1D;
    });
  }

  /** The mean (deterministic action), [B, D]. */
  mode(): Tensor2D {
    return this.mean;
  }

  /** mean + std * noise for standard normal `noise` [B, D] (reparameterised, differentiable). */
  rsample(noise: Tensor2D): Tensor2D {
    const tf = requireTf();
    return tf.tidy(() => tf.add(this.mean, tf.mul(tf.exp(this.logStd), noise)) as Tensor2D);
  }

  /**
   * Samples in plain JS: `mean` [B*D] row-major, `logStd` [D] (shared) or [B*D]. Writes actions to
   * `outActions` [B*D] and, when given, the summed log-probabilities to `outLogProbs` [B].
   * `deterministic` writes the mean.
   * @throws RangeError on mismatched lengths.
   */
  static sampleInto(
    mean: Float32Array,
    logStd: Float32Array,
    batchSize: number,
    actionSize: number,
    rng: Rng,
    outActions: Float32Array,
    outLogProbs?: Float32Array,
    deterministic = false,
  ): void {
    gaussianSampleInto(
      'DiagGaussian',
      mean,
      logStd,
      batchSize,
      actionSize,
      rng,
      outActions,
      outLogProbs,
      deterministic,
    );
  }
}

/**
 * u = mean + exp(logStd) * z, z ~ N(0, 1) (0 when `deterministic`), written to `outActions` [B*D], and
 * sum_d log N(u_d; mean_d, std_d) to `outLogProbs` [B] when given. Shared by the Gaussian samplers;
 * `caller` names the sampler in the error.
 * @throws RangeError on mismatched lengths.
 */
export function gaussianSampleInto(
  caller: string,
  mean: Float32Array,
  logStd: Float32Array,
  batchSize: number,
  actionSize: number,
  rng: Rng,
  outActions: Float32Array,
  outLogProbs: Float32Array | undefined,
  deterministic: boolean,
): void {
  const n = batchSize * actionSize;
  const shared = logStd.length === actionSize;
  if (mean.length !== n || (!shared && logStd.length !== n) || outActions.length < n) {
    throw new RangeError(
      `${caller}.sampleInto: mean (${mean.length}) and outActions (${outActions.length}) must hold ` +
        `batchSize x actionSize (${batchSize} x ${actionSize}) values, logStd (${logStd.length}) ${actionSize} or ${n}.`,
    );
  }
  for (let b = 0; b < batchSize; b++) {
    let logProb = 0;
    for (let d = 0; d < actionSize; d++) {
      const i = b * actionSize + d;
      const ls = logStd[shared ? d : i] as number;
      const z = deterministic ? 0 : normalDraw(rng);
      outActions[i] = (mean[i] as number) + Math.exp(ls) * z;
      logProb += normalLogDensity(z, ls);
    }
    if (outLogProbs !== undefined) outLogProbs[b] = logProb;
  }
}
