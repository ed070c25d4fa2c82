/**
 * The tanh-squashed diagonal Gaussian of SAC (Haarnoja et al. 2018, arXiv:1801.01290, appendix C):
 * u ~ N(mean, std^2), a = low + (tanh(u) + 1) / 2 * (high - low).
 *
 * log pi(a|s) = log N(u) - sum_d log(1 - tanh(u_d)^2) - sum_d log(scale_d), scale = (high - low) / 2,
 * with log(1 - tanh(u)^2) computed in the numerically stable form 2 * (log 2 - u - softplus(-2u))
 * (OpenAI Spinning Up, spinup/algos/pytorch/sac/core.py, `SquashedGaussianMLPActor.forward`), which
 * needs no epsilon and stays finite where tanh(u) rounds to +-1.
 */
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import type { Rng } from '../../envs/spaces/space.js';
import { requireTf } from '../backend/backend.js';
import { gaussianSampleInto, HALF_LOG_2PI } from './diag-gaussian.js';

/** log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2u)), stable for large |u| (plain JS). */
export function logOneMinusTanhSq(u: number): number {
  const x = -2 * u;
  // softplus(x) = log(1 + e^x), stable: max(x, 0) + log1p(e^-|x|).
  const softplus = Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
  return 2 * (Math.LN2 - u - softplus);
}

/** Bounds of the action box; omitted means [-1, 1]. */
export interface ActionBounds {
  readonly low: Float32Array;
  readonly high: Float32Array;
}

/** A batch of tanh-squashed Gaussians with optional rescaling to an action box. */
export class SquashedGaussian {
  /** [B, D] pre-squash mean. */
  readonly mean: Tensor2D;
  /** [B, D] or broadcastable log std (SAC clips it to [-5, 2] in the actor before this). */
  readonly logStd: Tensor;
  private readonly bounds: ActionBounds | undefined;

  /** Wraps the tensors (not copied, not disposed). Requires `initBackend()`. */
  constructor(mean: Tensor2D, logStd: Tensor, bounds?: ActionBounds) {
    this.mean = mean;
    this.logStd = logStd;
    this.bounds = bounds;
  }

  private scaleOffset(): { scale: Tensor1D; offset: Tensor1D } | undefined {
    if (this.bounds === undefined) return undefined;
    const tf = requireTf();
    const { low, high } = this.bounds;
    const scale = Float32Array.from(low, (l, i) => ((high[i] as number) - l) / 2);
    const offset = Float32Array.from(low, (l, i) => ((high[i] as number) + l) / 2);
    return { scale: tf.tensor1d(scale), offset: tf.tensor1d(offset) };
  }

  /**
   * A reparameterised sample for standard normal `noise` [B, D]: the squashed, rescaled action
   * [B, D] and its log-probability [B] (both differentiable in mean and logStd).
   */
  rsample(noise: Tensor2D): { actions: Tensor2D; logProb: Tensor1D } {
    const tf = requireTf();
    return tf.tidy(() => {
      const u = tf.add(this.mean, tf.mul(tf.exp(this.logStd), noise)); // [B, D]
      const gaussian = tf.sub(tf.mul(tf.square(noise), -0.5), tf.add(this.logStd, HALF_LOG_2PI));
      const correction = tf.mul(tf.sub(tf.sub(Math.LN2, u), tf.softplus(tf.mul(u, -2))), 2); // log(1 - tanh^2)
      let logProb = tf.sum(tf.sub(gaussian, correction), 1);
      let actions = tf.tanh(u);
      const so = this.scaleOffset();
      if (so !== undefined) {
        actions = tf.add(tf.mul(actions, so.scale), so.offset);
        logProb = tf.sub(logProb, tf.sum(tf.log(so.scale)));
      }
      return { actions: actions as Tensor2D, logProb: logProb as Tensor1D };
    });
  }

  /** The deterministic action tanh(mean), rescaled, [B, D]. */
  mode(): Tensor2D {
    const tf = requireTf();
    return tf.tidy(() => {
      const so = this.scaleOffset();
      const a = tf.tanh(this.mean);
      return (so === undefined ? a : tf.add(tf.mul(a, so.scale), so.offset)) as Tensor2D;
    });
  }

  /**
   * Samples in plain JS (env runners): `mean` [B*D], `logStd` [D] or [B*D]; writes squashed, rescaled
   * actions to `outActions` and log-probabilities to `outLogProbs` [B] when given.
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
    bounds?: ActionBounds,
  ): void {
    // The Gaussian draw u and log N(u), then tanh, its log-det correction and the rescaling per element.
    gaussianSampleInto(
      'SquashedGaussian',
      mean,
      logStd,
      batchSize,
      actionSize,
      rng,
      outActions,
      outLogProbs,
      deterministic,
    );
    for (let b = 0; b < batchSize; b++) {
      let correction = 0;
      for (let d = 0; d < actionSize; d++) {
        const i = b * actionSize + d;
        const u = outActions[i] as number;
        let a = Math.tanh(u);
        correction += logOneMinusTanhSq(u);
        if (bounds !== undefined) {
          const lo = bounds.low[d] as number;
          const hi = bounds.high[d] as number;
          a = lo + ((a + 1) / 2) * (hi - lo);
          correction += Math.log((hi - lo) / 2);
        }
        outActions[i] = a;
      }
      if (outLogProbs !== undefined) outLogProbs[b] = (outLogProbs[b] as number) - correction;
    }
  }
}
