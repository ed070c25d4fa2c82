import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type PpoLossCoefs, ppoLoss } from '../../../algorithms/ppo/loss.js';
import { ppoHeadGrads } from '../../../algorithms/ppo/loss-grad.js';
import { SeededRng } from '../../../envs/rng.js';

const rng = SeededRng.fromSeed(11);
const rand = (n: number, scale = 1) => Float32Array.from({ length: n }, () => rng.normal() * scale);
const B = 6;

function check(coefs: PpoLossCoefs, kind: 'categorical' | 'gaussian') {
  const A = kind === 'categorical' ? 3 : 2;
  const head = rand(B * A);
  const logStd = rand(A, 0.3);
  const actions = new Float32Array(B * A);
  if (kind === 'categorical') for (let i = 0; i < B; i++) actions[i * A + (i % A)] = 1;
  else actions.set(rand(B * A));
  const oldLogProbs = rand(B, 0.5).map((x) => x - 1.2);
  const advantages = rand(B);
  const values = rand(B);
  const oldValues = Float32Array.from(values, (v, i) => v + (i % 2 === 0 ? 0.5 : 0.05));
  const returns = rand(B);
  const g = ppoHeadGrads(
    kind === 'categorical' ? { kind, numActions: A } : { kind, actionSize: A },
    { head, logStd, actions, oldLogProbs, advantages, values, oldValues, returns },
    coefs,
  );
  // The same loss by tfjs autodiff of ppoLoss.
  const f = (h: tf.Tensor, s: tf.Tensor, v: tf.Tensor) => {
    const acts = tf.tensor2d(actions, [B, A]);
    let newLogProbs: tf.Tensor1D;
    let entropy: tf.Tensor1D;
    if (kind === 'categorical') {
      const logp = tf.logSoftmax(h);
      newLogProbs = tf.sum(tf.mul(logp, acts), 1);
      entropy = tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), 1));
    } else {
      const z = tf.mul(tf.sub(acts, h), tf.exp(tf.neg(s)));
      newLogProbs = tf.sub(
        tf.mul(-0.5, tf.sum(tf.square(z), 1)),
        tf.add(tf.sum(s), A * 0.5 * Math.log(2 * Math.PI)),
      );
      entropy = tf.reshape(tf.add(tf.sum(s), A * (0.5 + 0.5 * Math.log(2 * Math.PI))), [1]);
    }
    return ppoLoss(
      tf,
      {
        newLogProbs,
        oldLogProbs: tf.tensor1d(oldLogProbs),
        advantages: tf.tensor1d(advantages),
        newValues: v as tf.Tensor1D,
        oldValues: tf.tensor1d(oldValues),
        returns: tf.tensor1d(returns),
        entropy,
      },
      coefs,
    ).loss;
  };
  const inputs = [tf.tensor2d(head, [B, A]), tf.tensor1d(logStd), tf.tensor1d(values)];
  const { value, grads } = tf.valueAndGrads(
    (...xs: tf.Tensor[]) => tf.add(f(xs[0]!, xs[1]!, xs[2]!), tf.mul(0, tf.sum(xs[1]!))) as tf.Scalar,
  )(inputs);
  expect(g.loss).toBeCloseTo(value.dataSync()[0]!, 4);
  const close = (a: ArrayLike<number>, b: ArrayLike<number>) =>
    Array.from(a).forEach((x, i) => {
      expect(x).toBeCloseTo(b[i]!, 4);
    });
  close(g.dHead, grads[0]!.dataSync());
  close(g.dValues, grads[2]!.dataSync());
  if (kind === 'gaussian') close(g.dLogStd!, grads[1]!.dataSync());
}

describe('ppoHeadGrads', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  for (const kind of ['categorical', 'gaussian'] as const) {
    for (const clipVLoss of [false, true]) {
      it(`equals tfjs autodiff of ppoLoss (${kind}, clipVLoss ${clipVLoss})`, () => {
        check({ clipCoef: 0.2, vfCoef: 0.7, entCoef: 0.05, clipVLoss, vfClipCoef: 0.2 }, kind);
      });
    }
  }
});
