/**
 * The categorical action distribution of Discrete action spaces, parameterised by logits.
 * Tensor methods feed losses; the static `sampleInto` samples in plain JS for env runners.
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
      let max = -Infinity;
      let argmax = 0;
      for (let a = 0; a < numActions; a++) {
        const l = logits[row + a] as number;
        if (l > max) {
          max = l;
          argmax = a;
        }
      }
      let total = 0;
      for (let a = 0; a < numActions; a++) total += Math.exp((logits[row + a] as number) - max);
      let action = argmax;
      if (!deterministic) {
        // Inverse CDF on unnormalised weights; the last action absorbs rounding.
        let u = rng.next() * total;
        action = numActions - 1;
        for (let a = 0; a < numActions; a++) {
          u -= Math.exp((logits[row + a] as number) - max);
          if (u < 0) {
            action = a;
            break;
          }
        }
      }
      outActions[b] = action;
      if (outLogProbs !== undefined)
        outLogProbs[b] = (logits[row + action] as number) - max - Math.log(total);
    }
  }
}
