/**
 * The action distribution of MultiDiscrete (and MultiBinary) action spaces: independent categoricals,
 * one per action component, over consecutive segments of one logits row; log pi(a|s) and the
 * entropy are the sums over the components (RLlib's `MultiCategorical`, SB3's
 * `MultiCategoricalDistribution`). A MultiBinary(n) action is n two-way categoricals: a Bernoulli per
 * bit, parameterised by two logits (the logit of the bit is their difference).
 * Tensor methods feed losses; the static `sampleInto` samples in plain JS for env runners, with the
 * per-categorical functions of ./categorical.ts.
 */
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import type { Rng } from '../../envs/spaces/space.js';
import { requireTf } from '../backend/backend.js';
import { argMax, logSumExp, sampleIndex } from './categorical.js';

/** A batch of products of categoricals with `nvec[j]` choices in component j. */
export class MultiCategorical {
  /** Unnormalised log-probabilities, [B, sum(nvec)]: component j's logits are one segment. */
  readonly logits: Tensor2D;

  /**
   * Wraps `logits` [B, sum(nvec)] (not copied, not disposed by this class). Requires `initBackend()`.
   * @throws RangeError when the logits' width is not sum(nvec).
   */
  constructor(
    logits: Tensor2D,
    readonly nvec: readonly number[],
  ) {
    const width = nvec.reduce((a, b) => a + b, 0);
    if (logits.shape[1] !== width)
      throw new RangeError(
        `MultiCategorical: logits width (${logits.shape[1]}) must be sum(nvec) = ${width}`,
      );
    this.logits = logits;
  }

  /** Component j's log-softmax, [B, nvec[j]], for each j. */
  private logSoftmaxes(): Tensor2D[] {
    const tf = requireTf();
    return tf.split(this.logits, [...this.nvec], 1).map((z) => tf.logSoftmax(z as Tensor2D) as Tensor2D);
  }

  /**
   * log pi(a | s) = sum_j log pi_j(a_j | s) for integer `actions` [B, k] -> [B]. Written with oneHot
   * rather than gather (on wasm the gradient of `tf.gather` fails, as in {@link Categorical}).
   */
  logProb(actions: Tensor2D): Tensor1D {
    const tf = requireTf();
    return tf.tidy(() => {
      const parts = tf.split(tf.cast(actions, 'int32'), this.nvec.length, 1);
      const terms = this.logSoftmaxes().map((logPi, j) =>
        tf.sum(tf.mul(logPi, tf.oneHot(tf.reshape(parts[j]!, [-1]) as Tensor1D, this.nvec[j]!)), 1),
      );
      return tf.addN(terms) as Tensor1D;
    });
  }

  /** Entropy: the sum of the components' entropies, [B]. */
  entropy(): Tensor1D {
    const tf = requireTf();
    return tf.tidy(
      () =>
        tf.addN(
          this.logSoftmaxes().map((logPi) => tf.neg(tf.sum(tf.mul(tf.exp(logPi), logPi), 1))),
        ) as Tensor1D,
    );
  }

  /**
   * Samples one action per row of `logits` (row-major [batchSize, sum(nvec)]) in plain JS: component
   * j of row b goes to `outActions[b * k + j]` (k = nvec.length), log pi(a | s) (summed) to
   * `outLogProbs[b]`. With `deterministic`, each component takes its argmax.
   * @throws RangeError when the array lengths do not match.
   */
  static sampleInto(
    logits: Float32Array,
    batchSize: number,
    nvec: readonly number[],
    rng: Rng,
    outActions: Int32Array,
    outLogProbs?: Float32Array,
    deterministic = false,
  ): void {
    const width = nvec.reduce((a, b) => a + b, 0);
    const k = nvec.length;
    if (logits.length !== batchSize * width || outActions.length < batchSize * k) {
      throw new RangeError(
        `MultiCategorical.sampleInto: logits (${logits.length}) must be batchSize x sum(nvec) ` +
          `(${batchSize} x ${width}) and outActions (${outActions.length}) at least batchSize x ${k}.`,
      );
    }
    for (let b = 0; b < batchSize; b++) {
      let offset = b * width;
      let logProb = 0;
      for (let j = 0; j < k; j++) {
        const n = nvec[j]!;
        const lse = logSumExp(logits, offset, n);
        const action = deterministic
          ? argMax(logits, offset, n)
          : sampleIndex(logits, offset, n, lse, rng.next());
        outActions[b * k + j] = action;
        logProb += logits[offset + action]! - lse;
        offset += n;
      }
      if (outLogProbs !== undefined) outLogProbs[b] = logProb;
    }
  }
}
