/**
 * The SAC losses, read top to bottom: Haarnoja et al. 2018, "Soft Actor-Critic Algorithms and
 * Applications" (https://arxiv.org/abs/1812.05905): twin Q critics with Polyak-averaged targets (sec. 5,
 * after Fujimoto et al. 2018's clipped double-Q), a tanh-squashed Gaussian actor (appendix C) and automatic
 * entropy tuning towards a target entropy of -|A| (sec. 5, eq. 18). Names follow CleanRL's
 * `cleanrl/sac_continuous_action.py`.
 *
 * Pure functions of tensors; the learner computes the log-probs with rl/distributions' squashed Gaussian
 * and wraps each loss in its own gradient tape (critics, actor, alpha have separate optimisers).
 */
import type * as tfjs from '@tensorflow/tfjs';

/** The TensorFlow.js namespace, passed in so tfjs loads lazily on the caller's backend. */
export type Tf = typeof tfjs;

/** Inputs of the soft TD target (computed without gradients). */
export interface SacTargetInputs {
  /** r_t. [B] */
  rewards: tfjs.Tensor1D;
  /** 1 where s_{t+1} is terminal (no bootstrap); truncated transitions carry 0 and bootstrap. [B] */
  terminated: tfjs.Tensor1D;
  /** min(Q1_target(s', a'), Q2_target(s', a')) with a' ~ pi(. | s'). [B] */
  nextQTargetMin: tfjs.Tensor1D;
  /** log pi(a' | s'). [B] */
  nextLogProbs: tfjs.Tensor1D;
  /** Current temperature alpha (a number, or a scalar on the device). */
  alpha: number | tfjs.Scalar;
  gamma: number;
}

/**
 * The soft Bellman target (paper eq. 3 with the clipped double-Q of sec. 5):
 * y = r + gamma * (1 - terminated) * (min_j Q_target_j(s', a') - alpha * log pi(a' | s')).
 */
export function sacTarget(tf: Tf, x: SacTargetInputs): tfjs.Tensor1D {
  return tf.tidy(() => {
    const softValue = tf.sub(x.nextQTargetMin, tf.mul(x.alpha, x.nextLogProbs)); // [B]
    const notDone = tf.sub(1, x.terminated);
    return tf.add(x.rewards, tf.mul(x.gamma, tf.mul(notDone, softValue))) as tfjs.Tensor1D;
  });
}

/**
 * Critic loss: MSE(Q1(s, a), y) + MSE(Q2(s, a), y), as CleanRL (SB3 halves it; the factor only rescales
 * the learning rate). `q1`, `q2`, `targets` are [B]. Returns a scalar.
 */
export function sacCriticLoss(
  tf: Tf,
  q1: tfjs.Tensor1D,
  q2: tfjs.Tensor1D,
  targets: tfjs.Tensor1D,
): tfjs.Scalar {
  const q1Loss = tf.mean(tf.square(tf.sub(q1, targets)));
  const q2Loss = tf.mean(tf.square(tf.sub(q2, targets)));
  return tf.add(q1Loss, q2Loss) as tfjs.Scalar;
}

/**
 * Actor loss (paper eq. 7 with the reparameterised a = tanh(mu + sigma * eps)):
 * mean(alpha * log pi(a | s) - min(Q1(s, a), Q2(s, a))). `logProbs`, `qMin` are [B].
 */
export function sacActorLoss(
  tf: Tf,
  logProbs: tfjs.Tensor1D,
  qMin: tfjs.Tensor1D,
  alpha: number | tfjs.Scalar,
): tfjs.Scalar {
  return tf.mean(tf.sub(tf.mul(alpha, logProbs), qMin)) as tfjs.Scalar;
}

/**
 * Temperature loss (paper eq. 18, optimised through log alpha as SB3 does, so alpha stays positive):
 * -mean(log_alpha * (log pi(a | s) + targetEntropy)), with log pi treated as a constant.
 */
export function sacAlphaLoss(
  tf: Tf,
  logAlpha: tfjs.Scalar,
  logProbs: tfjs.Tensor1D,
  targetEntropy: number,
): tfjs.Scalar {
  const entropyGap = tf.add(logProbs, targetEntropy); // [B], a constant w.r.t. log_alpha
  return tf.neg(tf.mean(tf.mul(logAlpha, entropyGap))) as tfjs.Scalar;
}

/** The default target entropy -|A| for an action space of `actionDim` dimensions (paper sec. 5). */
export function defaultTargetEntropy(actionDim: number): number {
  return -actionDim;
}
