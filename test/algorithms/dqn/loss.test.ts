import type * as tfjs from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { dqnLoss, dqnTarget, duelingQ, huber, selectActionValues } from '../../../algorithms/dqn/loss.js';
import { initBackend, requireTf } from '../../../rl/backend/backend.js';

let tf: typeof tfjs;
beforeAll(async () => {
  // Through initBackend: the one place that loads tfjs (and silences its console banner).
  await initBackend({ backend: 'cpu' });
  tf = requireTf();
});

const arr = (t: tfjs.Tensor): number[] => Array.from(t.dataSync());

describe('DQN loss (golden values)', () => {
  it('selects Q(s, a) of the taken actions', () => {
    const q = tf.tensor2d([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(arr(selectActionValues(tf, q, tf.tensor1d([2, 0], 'int32')))).toEqual([3, 4]);
  });

  it('double-Q target: argmax from the online net, value from the target net, no bootstrap on termination', () => {
    // Row 0: online argmax is action 1 -> Q_target(s', 1) = 10; y = 1 + 0.9 * 10 = 10.
    // Row 1: terminated -> y = r = 2.
    // Row 2: truncated window of k = 2 steps (discount 0.81), online argmax 0 -> Q_target = 5; y = 0.5 + 0.81 * 5 = 4.55.
    const y = dqnTarget(tf, {
      nStepRewards: tf.tensor1d([1, 2, 0.5]),
      terminated: tf.tensor1d([0, 1, 0]),
      discounts: tf.tensor1d([0.9, 0.9, 0.81]),
      nextQTarget: tf.tensor2d([
        [20, 10],
        [7, 8],
        [5, 30],
      ]),
      nextQOnline: tf.tensor2d([
        [0, 1],
        [1, 0],
        [3, 2],
      ]),
    });
    const v = arr(y);
    expect(v[0]).toBeCloseTo(10, 5);
    expect(v[1]).toBeCloseTo(2, 5);
    expect(v[2]).toBeCloseTo(4.55, 5);
  });

  it('vanilla target takes the max of the target net', () => {
    // y = 1 + 0.5 * max(20, 10) = 11
    const y = dqnTarget(tf, {
      nStepRewards: tf.tensor1d([1]),
      terminated: tf.tensor1d([0]),
      discounts: tf.tensor1d([0.5]),
      nextQTarget: tf.tensor2d([[20, 10]]),
    });
    expect(arr(y)[0]).toBeCloseTo(11, 5);
  });

  it('Huber is quadratic inside delta and linear outside', () => {
    // d = 0.5 -> 0.125; d = -3 -> 1 * (3 - 0.5) = 2.5; with delta 2: d = 3 -> 2 * (3 - 1) = 4.
    expect(arr(huber(tf, tf.tensor1d([0.5, -3])))).toEqual([0.125, 2.5]);
    expect(arr(huber(tf, tf.tensor1d([3]), 2))).toEqual([4]);
  });

  it('weights each sample by its importance weight and returns TD errors', () => {
    // Q taken = [1, 5]; targets [1.5, 2] -> td = [0.5, -3]; huber = [0.125, 2.5];
    // weights [1, 0.5] -> mean(0.125, 1.25) = 0.6875.
    const out = dqnLoss(tf, {
      qValues: tf.tensor2d([
        [1, 0],
        [0, 5],
      ]),
      actions: tf.tensor1d([0, 1], 'int32'),
      targets: tf.tensor1d([1.5, 2]),
      weights: tf.tensor1d([1, 0.5]),
    });
    expect(out.loss.dataSync()[0]).toBeCloseTo(0.6875, 6);
    expect(arr(out.tdErrors)).toEqual([0.5, -3]);
  });

  it('gradient of the loss flows only through the taken action', () => {
    const q = tf.variable(tf.tensor2d([[1, 2]]));
    const grads = tf.variableGrads(
      () =>
        dqnLoss(tf, {
          qValues: q as unknown as tfjs.Tensor2D,
          actions: tf.tensor1d([1], 'int32'),
          targets: tf.tensor1d([2.5]),
          weights: tf.tensor1d([1]),
        }).loss,
      [q],
    );
    // d/dq of 0.5 (2.5 - q1)^2 at q1 = 2 is -(0.5); the untaken action gets 0.
    const g = grads.grads[q.name];
    const values = g ? arr(g) : [];
    expect(Math.abs(values[0] ?? 1)).toBe(0);
    expect(values[1]).toBeCloseTo(-0.5, 6);
  });

  it('dueling aggregation subtracts the mean advantage', () => {
    // V = 2, A = [1, 3] (mean 2) -> Q = [1, 3].
    expect(arr(duelingQ(tf, tf.tensor2d([[2]]), tf.tensor2d([[1, 3]])))).toEqual([1, 3]);
  });
});
