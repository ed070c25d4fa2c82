/**
 * The DQN loss, read top to bottom: Mnih et al. 2015, "Human-level control through deep reinforcement
 * learning" (https://www.nature.com/articles/nature14236), with double Q-learning (van Hasselt et al.
 * 2016, https://arxiv.org/abs/1509.06461), n-step targets (Hessel et al. 2018, Rainbow,
 * https://arxiv.org/abs/1710.02298) and prioritized replay's importance weights (Schaul et al. 2016,
 * https://arxiv.org/abs/1511.05952). Names follow CleanRL's `cleanrl/dqn.py`.
 *
 * Pure functions: tensors in, tensors out. The learner wraps `dqnLoss` in a gradient tape.
 */
import type * as tfjs from '@tensorflow/tfjs';

/** The TensorFlow.js namespace, passed in so tfjs loads lazily on the caller's backend. */
export type Tf = typeof tfjs;

/** Inputs of one minibatch. B rows, A discrete actions. */
export interface DqnLossInputs {
  /** Q_online(s_t, .). [B, A] */
  qValues: tfjs.Tensor2D;
  /** Actions taken, as indices. [B] int32 */
  actions: tfjs.Tensor1D;
  /** The TD target y_t, computed outside the gradient by {@link dqnTarget}. [B] */
  targets: tfjs.Tensor1D;
  /** Importance-sampling weights w_i (all ones with uniform replay). [B] */
  weights: tfjs.Tensor1D;
}

/** What one minibatch yields. */
export interface DqnLossTerms {
  /** mean(w_i * huber(y_i - Q(s_i, a_i))): what the optimiser minimises. [] */
  loss: tfjs.Scalar;
  /** y - Q(s, a), for new priorities |TD| + eps and for logging. [B] */
  tdErrors: tfjs.Tensor1D;
  /** Q(s, a) of the actions taken. [B] */
  qTaken: tfjs.Tensor1D;
}

/**
 * Q(s, a) for the taken actions as sum(q * onehot(a)). tf.gather would be the obvious choice, but its
 * gradient fails on the wasm backend (docs/measurements.md: UnsortedSegmentSum is not registered there).
 */
export function selectActionValues(tf: Tf, qValues: tfjs.Tensor2D, actions: tfjs.Tensor1D): tfjs.Tensor1D {
  const numActions = qValues.shape[1];
  const oneHot = tf.oneHot(tf.cast(actions, 'int32'), numActions); // [B, A]
  return tf.sum(tf.mul(qValues, oneHot), 1) as tfjs.Tensor1D; // [B]
}

/** Inputs of the TD target. */
export interface DqnTargetInputs {
  /** The n-step discounted reward sum r_t + gamma r_{t+1} + ... up to the episode's end. [B] */
  nStepRewards: tfjs.Tensor1D;
  /** 1 where the n-step window ends in a terminal state (no bootstrap); 0 otherwise, truncation included. [B] */
  terminated: tfjs.Tensor1D;
  /** gamma^k where k is the number of steps summed (k <= n: shorter at episode ends). [B] */
  discounts: tfjs.Tensor1D;
  /** Q_target(s_{t+k}, .). [B, A] */
  nextQTarget: tfjs.Tensor2D;
  /** Q_online(s_{t+k}, .), for double Q-learning; omit for the vanilla max target. [B, A] */
  nextQOnline?: tfjs.Tensor2D;
}

/**
 * The TD target y = R^(n) + gamma^k * (1 - terminated) * Q_target(s', a*), with
 * a* = argmax_a Q_online(s', a) under double Q-learning (van Hasselt et al. 2016, eq. 4) and
 * a* = argmax_a Q_target(s', a) otherwise (Mnih et al. 2015). Truncated windows bootstrap.
 */
export function dqnTarget(tf: Tf, x: DqnTargetInputs): tfjs.Tensor1D {
  return tf.tidy(() => {
    const selector = x.nextQOnline ?? x.nextQTarget;
    const bestActions = tf.argMax(selector, 1) as tfjs.Tensor1D; // [B]
    const nextValue = selectActionValues(tf, x.nextQTarget, bestActions); // [B]
    const notDone = tf.sub(1, x.terminated);
    return tf.add(x.nStepRewards, tf.mul(tf.mul(x.discounts, notDone), nextValue)) as tfjs.Tensor1D;
  });
}

/**
 * Huber loss (Mnih et al. 2015, "error clipping"): 0.5 d^2 for |d| <= delta, delta (|d| - 0.5 delta) beyond.
 * Elementwise. [B]
 */
export function huber(tf: Tf, d: tfjs.Tensor1D, delta = 1): tfjs.Tensor1D {
  const absD = tf.abs(d);
  const quadratic = tf.minimum(absD, delta);
  const linear = tf.sub(absD, quadratic);
  return tf.add(tf.mul(0.5, tf.square(quadratic)), tf.mul(delta, linear)) as tfjs.Tensor1D;
}

/** The importance-weighted Huber TD loss of one minibatch. Call it inside a gradient tape. */
export function dqnLoss(tf: Tf, x: DqnLossInputs, huberDelta = 1): DqnLossTerms {
  const qTaken = selectActionValues(tf, x.qValues, x.actions); // [B]
  const tdErrors = tf.sub(x.targets, qTaken) as tfjs.Tensor1D; // [B]
  // Schaul et al. 2016, Algorithm 1 line 12: scale each sample's loss by its importance weight.
  const loss = tf.mean(tf.mul(x.weights, huber(tf, tdErrors, huberDelta))) as tfjs.Scalar;
  return { loss, tdErrors, qTaken };
}

/**
 * Dueling aggregation (Wang et al. 2016, eq. 9): Q(s, a) = V(s) + A(s, a) - mean_a' A(s, a').
 * `value` [B, 1], `advantages` [B, A] -> [B, A].
 */
export function duelingQ(tf: Tf, value: tfjs.Tensor2D, advantages: tfjs.Tensor2D): tfjs.Tensor2D {
  return tf.add(value, tf.sub(advantages, tf.mean(advantages, 1, true))) as tfjs.Tensor2D;
}
