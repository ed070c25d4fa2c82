import type * as tfjs from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  defaultTargetEntropy,
  sacActorLoss,
  sacAlphaLoss,
  sacCriticLoss,
  sacTarget,
} from '../../../algorithms/sac/loss.js';
import { initBackend, requireTf } from '../../../rl/backend/backend.js';

let tf: typeof tfjs;
beforeAll(async () => {
  // Through initBackend: the one place that loads tfjs (and silences its console banner).
  await initBackend({ backend: 'cpu' });
  tf = requireTf();
});

const arr = (t: tfjs.Tensor): number[] => Array.from(t.dataSync());

describe('SAC losses (golden values)', () => {
  it('soft target bootstraps unless terminated', () => {
    // Row 0: 1 + 0.99 * (5 - 0.2 * (-1)) = 1 + 0.99 * 5.2 = 6.148
    // Row 1: terminated -> y = r = -3
    const y = sacTarget(tf, {
      rewards: tf.tensor1d([1, -3]),
      terminated: tf.tensor1d([0, 1]),
      nextQTargetMin: tf.tensor1d([5, 100]),
      nextLogProbs: tf.tensor1d([-1, 2]),
      alpha: 0.2,
      gamma: 0.99,
    });
    const v = arr(y);
    expect(v[0]).toBeCloseTo(6.148, 5);
    expect(v[1]).toBeCloseTo(-3, 6);
  });

  it('critic loss sums the two critics mean squared errors', () => {
    // q1 - y = [1, -1] -> 1; q2 - y = [2, 0] -> 2; total 3.
    const loss = sacCriticLoss(tf, tf.tensor1d([2, 0]), tf.tensor1d([3, 1]), tf.tensor1d([1, 1]));
    expect(loss.dataSync()[0]).toBeCloseTo(3, 6);
  });

  it('actor loss is mean(alpha log pi - min Q)', () => {
    // 0.5 * [-1, 1] - [2, 4] = [-2.5, -3.5] -> -3
    const loss = sacActorLoss(tf, tf.tensor1d([-1, 1]), tf.tensor1d([2, 4]), 0.5);
    expect(loss.dataSync()[0]).toBeCloseTo(-3, 6);
  });

  it('alpha loss pushes log alpha down when the policy is more random than the target', () => {
    // log pi = [-3, -1], target entropy -1 -> gap = [-4, -2], mean -3; loss = -logAlpha * -3 = 3 logAlpha.
    const logAlpha = tf.variable(tf.scalar(0.5));
    const lossValue = sacAlphaLoss(tf, logAlpha as unknown as tfjs.Scalar, tf.tensor1d([-3, -1]), -1);
    expect(lossValue.dataSync()[0]).toBeCloseTo(1.5, 6);
    const { grads } = tf.variableGrads(
      () => sacAlphaLoss(tf, logAlpha as unknown as tfjs.Scalar, tf.tensor1d([-3, -1]), -1),
      [logAlpha],
    );
    // d loss / d logAlpha = 3 > 0: gradient descent lowers alpha, as entropy is above the target.
    const g = grads[logAlpha.name];
    expect(g ? g.dataSync()[0] : Number.NaN).toBeCloseTo(3, 6);
  });

  it('targets an entropy of -|A|', () => {
    expect(defaultTargetEntropy(1)).toBe(-1);
    expect(defaultTargetEntropy(6)).toBe(-6);
  });
});
