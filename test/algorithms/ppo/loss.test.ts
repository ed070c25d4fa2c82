import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeAdvantages, type PpoLossCoefs, ppoLoss } from '../../../algorithms/ppo/loss.js';

// Hand-computed minibatch of 3 rows (see the comments for each expected value).
// ratio = [1.1, 1.5, 0.5]; advantages = [1, 2, -1]; clipCoef 0.2 -> clip(ratio) = [1.1, 1.2, 0.8].
const newLogProbs = [Math.log(1.1), Math.log(1.5), Math.log(0.5)];
const oldLogProbs = [0, 0, 0];
const advantages = [1, 2, -1];
const newValues = [1, 2, 0];
const oldValues = [0.5, 2, 1];
const returns = [1.5, 1, 0];
const entropy = [0.5, 0.6, 0.7];
const coefs: PpoLossCoefs = { clipCoef: 0.2, vfCoef: 0.5, entCoef: 0.01, clipVLoss: false, vfClipCoef: 0.2 };

function terms(c: PpoLossCoefs, lp = tf.tensor1d(newLogProbs)) {
  return ppoLoss(
    tf,
    {
      newLogProbs: lp,
      oldLogProbs: tf.tensor1d(oldLogProbs),
      advantages: tf.tensor1d(advantages),
      newValues: tf.tensor1d(newValues),
      oldValues: tf.tensor1d(oldValues),
      returns: tf.tensor1d(returns),
      entropy: tf.tensor1d(entropy),
    },
    c,
  );
}

describe('ppoLoss', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('matches the hand-computed clipped surrogate, value loss and entropy', () => {
    const t = terms(coefs);
    // pgLoss1 = -A*r = [-1.1, -3, 0.5]; pgLoss2 = -A*clip(r) = [-1.1, -2.4, 0.8]; max -> [-1.1, -2.4, 0.8].
    expect(t.pgLoss.dataSync()[0]).toBeCloseTo(-2.7 / 3, 5);
    // (V - R)^2 = [0.25, 1, 0] -> 0.5 * 1.25 / 3.
    expect(t.vLoss.dataSync()[0]).toBeCloseTo(0.5 * (1.25 / 3), 5);
    expect(t.entropyLoss.dataSync()[0]).toBeCloseTo(0.6, 5);
    // loss = -0.9 - 0.01 * 0.6 + 0.5 * 0.208333.
    expect(t.loss.dataSync()[0]).toBeCloseTo(-0.9 - 0.006 + 0.5 * (1.25 / 6), 5);
  });

  it('clips the value update around the old value when clipVLoss is on', () => {
    const t = terms({ ...coefs, clipVLoss: true });
    // V - V_old = [0.5, 0, -1] -> clipped [0.2, 0, -0.2]; V_clipped = [0.7, 2, 0.8];
    // (V_clipped - R)^2 = [0.64, 1, 0.64]; max with [0.25, 1, 0] = [0.64, 1, 0.64] -> 0.5 * 2.28 / 3.
    expect(t.vLoss.dataSync()[0]).toBeCloseTo(0.38, 5);
    expect(t.loss.dataSync()[0]).toBeCloseTo(-0.9 - 0.006 + 0.5 * 0.38, 5);
  });

  it('passes no policy gradient through rows whose ratio is clipped', () => {
    const lp = tf.tensor1d(newLogProbs);
    const g = tf.grad((x: tf.Tensor) => terms(coefs, x as tf.Tensor1D).pgLoss)(lp);
    const grad = g.dataSync();
    // Row 0 is inside the clip range: d(-A r / 3)/d log pi = -A r / 3 = -1.1 / 3. Rows 1 and 2 are clipped.
    expect(grad[0]).toBeCloseTo(-1.1 / 3, 5);
    expect(grad[1]).toBeCloseTo(0, 6);
    expect(grad[2]).toBeCloseTo(0, 6);
  });
});

describe('ppoLoss diagnostics', () => {
  it('computes the k3 KL estimate and the clip fraction', () => {
    const t = terms(coefs);
    const s = { approxKl: t.approxKl.dataSync()[0]!, clipFrac: t.clipFrac.dataSync()[0]! };
    // k3 = (r - 1) - log r = [0.1 - ln 1.1, 0.5 - ln 1.5, -0.5 - ln 0.5].
    const k3 = [0.1 - Math.log(1.1), 0.5 - Math.log(1.5), -0.5 - Math.log(0.5)];
    expect(s.approxKl).toBeCloseTo((k3[0]! + k3[1]! + k3[2]!) / 3, 6);
    expect(s.clipFrac).toBeCloseTo(2 / 3, 6);
  });
});

describe('normalizeAdvantages', () => {
  it('centres and scales by the unbiased std', () => {
    // mean 2, unbiased variance ((1 + 0 + 1) / 2) = 1.
    const out = normalizeAdvantages(Float32Array.from([1, 2, 3]));
    expect(Array.from(out).map((v) => Number(v.toFixed(5)))).toEqual([-1, 0, 1]);
  });
  it('only centres a single row', () => {
    expect(Array.from(normalizeAdvantages(Float32Array.from([5])))).toEqual([0]);
  });
});
