/**
 * The categorical action distribution of Discrete action spaces, parameterised by logits.
 * Tensor methods feed losses; the static `sampleInto` samples in plain JS for env runners.
 * The plain-JS math of one categorical (log-normaliser, entropy, sampling) is written once here, in
 * the functions below, and shared by the samplers and PPO's closed-form gradient
 * (algorithms/ppo/loss-grad.ts); test/rl/distributions/categorical.test.ts checks it against the
 * tensor methods, saturated logits included.
 */
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import type { Rng } from '../../envs/spaces/space.js';
import { requireTf } from '../backend/backend.js';

/** A batch of categorical distributions over `numActions` choices. */
export class Categorical {
  /** Unnormalised log-probabilities, [B, A]. */
  readonly logits: Tensor2D;

  /** Wraps `logits` [B, A] (not copied, not disposed by this class). Requires `initBackend()`. */
  constructor(logits: Tensor2D) {
    this.logits = logits;
  }

  /** Number of choices A. */
  get numActions(): number {
    return this.logits.shape[1];
  }

  /**
   * log pi(a | s) for int32 `actions` [B] -> [B].
   * Written as sum(logSoftmax * oneHot) rather than gather: on wasm the gradient of `tf.gather`
   * fails (UnsortedSegmentSum is not registered, docs/measurements.md).
   */
  logProb(actions: Tensor1D): Tensor1D {
    const tf = requireTf();
    return tf.tidy(() => {
      const logPi = tf.logSoftmax(this.logits); // [B, A]
      return tf.sum(tf.mul(logPi, tf.oneHot(tf.cast(actions, 'int32'), this.numActions)), 1) as Tensor1D;
    });
  }

  /** Entropy -sum_a p log p, [B]. */
  entropy(): Tensor1D {
    const tf = requireTf();
    return tf.tidy(() => {
      const logPi = tf.logSoftmax(this.logits); // [B, A]
      return tf.neg(tf.sum(tf.mul(tf.exp(logPi), logPi), 1)) as Tensor1D;
    });
  }

  /** Probabilities softmax(logits), [B, A]. */
  probs(): Tensor2D {
    return requireTf().softmax(this.logits);
  }

  /** The most likely action per row, int32 [B]. */
  mode(): Tensor1D {
    return requireTf().argMax(this.logits, 1) as Tensor1D;
  }

  /**
   * Samples one action per row of `logits` (row-major [batchSize, numActions]) in plain JS, writing
   * the actions to `outActions` and, when given, log pi(a | s) to `outLogProbs`. With
   * `deterministic`, takes the argmax (its log-probability is still written).
   * @throws RangeError when the array lengths do not match batchSize x numActions.
   */
  static sampleInto(
    logits: Float32Array,
    batchSize: number,
    numActions: number,
    rng: Rng,
    outActions: Int32Array,
    outLogProbs?: Float32Array,
    deterministic = false,
  ): void {
    if (logits.length !== batchSize * numActions || outActions.length < batchSize) {
      throw new RangeError(
        `Categorical.sampleInto: logits (${logits.length}) must be batchSize x numActions ` +
          `(${batchSize} x ${numActions}) and outActions (${outActions.length}) at least batchSize.`,
      );
    }
    for (let b = 0; b < batchSize; b++) {
      const row = b * numActions;
      const lse = logSumExp(logits, row, numActions);
      const action = deterministic
        ? argMax(logits, row, numActions)
        : sampleIndex(logits, row, numActions, lse, rng.next());
      outActions[b] = action;
      if (outLogProbs !== undefined) outLogProbs[b] = (logits[row + action] as number) - lse;
    }
  }
}

/**
 * log sum_j exp(z_j) over one categorical's logits z = `logits[offset, offset + n)`, shifted by the
 * max so that it neither overflows nor loses the largest term: log p_j = z_j - logSumExp.
 */
export function logSumExp(logits: ArrayLike<number>, offset: number, n: number): number {
  let max = -Infinity;
  for (let j = 0; j < n; j++) max = Math.max(max, logits[offset + j] as number);
  let total = 0;
  for (let j = 0; j < n; j++) total += Math.exp((logits[offset + j] as number) - max);
  return max + Math.log(total);
}

/**
 * H = -sum_j p_j log p_j of one categorical over `logits[offset, offset + n)` with `lse` its
 * {@link logSumExp}. log p_j is taken from the logits (z_j - lse), never as log(p_j): p_j underflows
 * to 0 for saturated logits, where p_j log p_j is still 0 and log(p_j) would be -Infinity.
 */
export function categoricalEntropy(
  logits: ArrayLike<number>,
  offset: number,
  n: number,
  lse: number,
): number {
  let h = 0;
  for (let j = 0; j < n; j++) {
    const logP = (logits[offset + j] as number) - lse;
    h -= Math.exp(logP) * logP;
  }
  return h;
}

/** The index of the largest of `logits[offset, offset + n)` (the first on ties). */
export function argMax(logits: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  for (let j = 1; j < n; j++)
    if ((logits[offset + j] as number) > (logits[offset + best] as number)) best = j;
  return best;
}

/**
 * Inverse-CDF sample of one categorical over `logits[offset, offset + n)` (`lse` its
 * {@link logSumExp}) for a uniform draw `u` in [0, 1); the last index absorbs rounding.
 */
export function sampleIndex(
  logits: ArrayLike<number>,
  offset: number,
  n: number,
  lse: number,
  u: number,
): number {
  let rest = u;
  for (let j = 0; j < n - 1; j++) {
    rest -= Math.exp((logits[offset + j] as number) - lse);
    if (rest < 0) return j;
  }
  return n - 1;
}
