/**
 * The PPO loss, read top to bottom (Schulman et al. 2017, "Proximal Policy Optimization Algorithms",
 * https://arxiv.org/abs/1707.06347), with CleanRL's names (`cleanrl/ppo.py`) and the implementation
 * details of Huang et al. 2022, "The 37 Implementation Details of Proximal Policy Optimization"
 * (https://iclr-blog-track.github.io/2022/03/25/ppo-implementation-details/), cited as "37 details #n".
 *
 * Everything here is a pure function: tensors in, tensors out, no state. The device learner
 * (`./device-gradients.ts`) differentiates `ppoLoss`; the plain-JS fast path for small MLPs
 * (`./loss-grad.ts`) is its closed-form gradient, tested against autodiff of `ppoLoss` in the clipped,
 * saturated and value-clipped regimes (test/algorithms/ppo/loss-grad.test.ts).
 */
import type * as tfjs from '@tensorflow/tfjs';

/** The TensorFlow.js namespace (passed in, so tfjs loads lazily and the backend is the caller's choice). */
export type Tf = typeof tfjs;

/** Per-row inputs of one minibatch, all of shape [B]. */
export interface PpoLossInputs {
  /** log pi_theta(a_t | s_t) under the policy being optimised. [B] */
  newLogProbs: tfjs.Tensor1D;
  /** log pi_theta_old(a_t | s_t), recorded by the env runner at sampling time. [B] */
  oldLogProbs: tfjs.Tensor1D;
  /** A_t (GAE), already normalised when `normAdvantages` is on (see {@link normalizeAdvantages}). [B] */
  advantages: tfjs.Tensor1D;
  /** V_theta(s_t) under the value function being optimised. [B] */
  newValues: tfjs.Tensor1D;
  /** V_theta_old(s_t), recorded at sampling time (used by value clipping). [B] */
  oldValues: tfjs.Tensor1D;
  /** Value targets R_t = A_t + V_old(s_t) (the lambda-return). [B] */
  returns: tfjs.Tensor1D;
  /** H[pi_theta(. | s_t)], the entropy of the action distribution. [B] */
  entropy: tfjs.Tensor1D;
}

/** The loss coefficients (CleanRL's argument names). */
export interface PpoLossCoefs {
  /** epsilon of the clipped surrogate objective (paper eq. 7). */
  clipCoef: number;
  /** c1: weight of the value loss (paper eq. 9). */
  vfCoef: number;
  /** c2: weight of the entropy bonus (paper eq. 9). */
  entCoef: number;
  /** Clip the value update to +-`vfClipCoef` around V_old (37 details #9); off in SB3's defaults. */
  clipVLoss: boolean;
  /** Clip range of the value function when `clipVLoss` is on (CleanRL reuses `clipCoef`). */
  vfClipCoef: number;
}

/** The scalar losses of one minibatch. */
export interface PpoLossTerms {
  /** pgLoss - entCoef * entropyLoss + vfCoef * vLoss: what the optimiser minimises. [] */
  loss: tfjs.Scalar;
  /** The negated clipped surrogate objective. [] */
  pgLoss: tfjs.Scalar;
  /** 0.5 * mean squared value error (clipped or not). [] */
  vLoss: tfjs.Scalar;
  /** Mean entropy. [] */
  entropyLoss: tfjs.Scalar;
  /** KL(pi_old || pi) estimated with k3 = mean((r - 1) - log r) (http://joschu.net/blog/kl-approx.html; 37 details #12). [] */
  approxKl: tfjs.Scalar;
  /** Fraction of rows whose ratio left [1 - clipCoef, 1 + clipCoef]. [] */
  clipFrac: tfjs.Scalar;
}

/**
 * The PPO objective for one minibatch (paper eq. 9, as a loss to minimise).
 * Call it inside a gradient tape; it allocates only intermediate tensors that the tape's tidy frees.
 */
export function ppoLoss(tf: Tf, x: PpoLossInputs, c: PpoLossCoefs): PpoLossTerms {
  // r_t(theta) = pi_theta(a|s) / pi_theta_old(a|s), computed in log space for stability. [B]
  const ratio = tf.exp(tf.sub(x.newLogProbs, x.oldLogProbs));

  // Clipped surrogate objective (paper eq. 7; 37 details #8), negated to be minimised:
  // pgLoss = mean(max(-A * r, -A * clip(r, 1 - eps, 1 + eps))).
  const negAdv = tf.neg(x.advantages);
  const pgLoss1 = tf.mul(negAdv, ratio);
  const pgLoss2 = tf.mul(negAdv, tf.clipByValue(ratio, 1 - c.clipCoef, 1 + c.clipCoef));
  const pgLoss = tf.mean(tf.maximum(pgLoss1, pgLoss2)) as tfjs.Scalar;

  // Value loss (37 details #9): 0.5 * (V - R)^2, optionally the max with a clipped V as in PPO2.
  const vLossUnclipped = tf.square(tf.sub(x.newValues, x.returns));
  let vLoss: tfjs.Scalar;
  if (c.clipVLoss) {
    const vClipped = tf.add(
      x.oldValues,
      tf.clipByValue(tf.sub(x.newValues, x.oldValues), -c.vfClipCoef, c.vfClipCoef),
    );
    const vLossClipped = tf.square(tf.sub(vClipped, x.returns));
    vLoss = tf.mul(0.5, tf.mean(tf.maximum(vLossUnclipped, vLossClipped))) as tfjs.Scalar;
  } else {
    vLoss = tf.mul(0.5, tf.mean(vLossUnclipped)) as tfjs.Scalar;
  }

  // Entropy bonus (paper eq. 9; 37 details #10): subtracted, so higher entropy lowers the loss.
  const entropyLoss = tf.mean(x.entropy) as tfjs.Scalar;

  const loss = tf.add(tf.sub(pgLoss, tf.mul(c.entCoef, entropyLoss)), tf.mul(c.vfCoef, vLoss)) as tfjs.Scalar;

  // Diagnostics (not part of the loss): CleanRL computes them in the same loop, under no_grad.
  const logRatio = tf.sub(x.newLogProbs, x.oldLogProbs);
  const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio)) as tfjs.Scalar;
  const clipFrac = tf.mean(
    tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), c.clipCoef), 'float32'),
  ) as tfjs.Scalar;
  return { loss, pgLoss, vLoss, entropyLoss, approxKl, clipFrac };
}

/**
 * Per-minibatch advantage normalisation (37 details #7): (A - mean) / (std + 1e-8), with the
 * unbiased std as `torch.std` in CleanRL and SB3. Writes into `out` (may be `advantages` itself).
 * A minibatch of one row is only centred (its std is undefined).
 */
export function normalizeAdvantages(advantages: Float32Array, out: Float32Array = advantages): Float32Array {
  const n = advantages.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += advantages[i] as number;
  const mean = n > 0 ? sum / n : 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const d = (advantages[i] as number) - mean;
    sq += d * d;
  }
  const std = n > 1 ? Math.sqrt(sq / (n - 1)) : 0;
  const scale = n > 1 ? 1 / (std + 1e-8) : 1;
  for (let i = 0; i < n; i++) out[i] = ((advantages[i] as number) - mean) * scale;
  return out;
}
