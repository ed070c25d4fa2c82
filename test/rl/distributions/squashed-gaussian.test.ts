import type { Tensor2D } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { setLogLevel } from '../../../core/logger.js';
import { SeededRng } from '../../../envs/rng.js';
import { initBackend, requireTf } from '../../../rl/backend/backend.js';
import { HALF_LOG_2PI } from '../../../rl/distributions/diag-gaussian.js';
import { logOneMinusTanhSq, SquashedGaussian } from '../../../rl/distributions/squashed-gaussian.js';

beforeAll(async () => {
  setLogLevel('warn');
  await initBackend({ backend: 'wasm' });
});

describe('logOneMinusTanhSq', () => {
  it('equals the naive log(1 - tanh(u)^2) where that is accurate, and stays finite far out', () => {
    for (const u of [-3, -1, 0, 0.5, 2])
      expect(logOneMinusTanhSq(u)).toBeCloseTo(Math.log(1 - Math.tanh(u) ** 2), 10);
    // 1 - tanh(u)^2 = 4 e^{-2|u|} / (1 + e^{-2|u|})^2 ~ 4 e^{-2|u|} for large |u|
    expect(logOneMinusTanhSq(30)).toBeCloseTo(Math.log(4) - 60, 8);
    expect(logOneMinusTanhSq(-30)).toBeCloseTo(Math.log(4) - 60, 8);
  });
});

describe('SquashedGaussian', () => {
  it('rsample gives tanh(mean + std * noise) and the corrected log-probability', () => {
    const tf = requireTf();
    const { a, lp } = tf.tidy(() => {
      const d = new SquashedGaussian(tf.tensor2d([[0, 0.5]]) as Tensor2D, tf.tensor1d([0, Math.log(0.5)]));
      const out = d.rsample(tf.tensor2d([[1, -1]]) as Tensor2D);
      return { a: Array.from(out.actions.dataSync()), lp: Array.from(out.logProb.dataSync()) };
    });
    // u = [1, 0]
    expect(a[0]).toBeCloseTo(Math.tanh(1), 6);
    expect(a[1]).toBeCloseTo(0, 6);
    const gaussian = -0.5 - HALF_LOG_2PI + (-0.5 - Math.log(0.5) - HALF_LOG_2PI);
    const expected = gaussian - Math.log(1 - Math.tanh(1) ** 2) - Math.log(1);
    expect(lp[0]).toBeCloseTo(expected, 5);
  });

  it('rescales to the action box and subtracts log(scale) per dimension', () => {
    const tf = requireTf();
    const bounds = { low: Float32Array.from([-2]), high: Float32Array.from([2]) }; // Pendulum
    const { a, lp, mode } = tf.tidy(() => {
      const d = new SquashedGaussian(tf.tensor2d([[0]]) as Tensor2D, tf.tensor1d([0]), bounds);
      const out = d.rsample(tf.tensor2d([[0.5]]) as Tensor2D);
      return {
        a: out.actions.dataSync()[0] as number,
        lp: out.logProb.dataSync()[0] as number,
        mode: d.mode().dataSync()[0] as number,
      };
    });
    expect(a).toBeCloseTo(2 * Math.tanh(0.5), 6);
    expect(lp).toBeCloseTo(-0.125 - HALF_LOG_2PI - Math.log(1 - Math.tanh(0.5) ** 2) - Math.log(2), 5);
    expect(mode).toBeCloseTo(0, 6);
  });

  it('the plain-JS sampler agrees with the tensor log-probability for the same draws', () => {
    const tf = requireTf();
    const mean = Float32Array.from([0.3, -1.2]);
    const logStd = Float32Array.from([-0.2, 0.4]);
    const bounds = { low: Float32Array.from([-1, 0]), high: Float32Array.from([1, 4]) };
    const actions = new Float32Array(2);
    const logProbs = new Float32Array(1);
    SquashedGaussian.sampleInto(mean, logStd, 1, 2, SeededRng.fromSeed(5), actions, logProbs, false, bounds);
    // Recover the noise from the actions and recompute with tensors.
    const noise = Array.from(actions, (x, d) => {
      const lo = bounds.low[d] as number;
      const hi = bounds.high[d] as number;
      const u = Math.atanh((2 * (x - lo)) / (hi - lo) - 1);
      return (u - (mean[d] as number)) / Math.exp(logStd[d] as number);
    });
    const lp = tf.tidy(
      () =>
        new SquashedGaussian(tf.tensor2d(mean, [1, 2]) as Tensor2D, tf.tensor1d(logStd), bounds)
          .rsample(tf.tensor2d(noise, [1, 2]) as Tensor2D)
          .logProb.dataSync()[0] as number,
    );
    expect(logProbs[0]).toBeCloseTo(lp, 3);
    expect(actions[1]).toBeGreaterThanOrEqual(0);
    expect(actions[1]).toBeLessThanOrEqual(4);
  });
});

describe('SquashedGaussian memory', () => {
  it('rsample and mode leak no tensors inside tidy', () => {
    const tf = requireTf();
    const mean = tf.tensor2d([[0.1, -0.2]]) as Tensor2D;
    const logStd = tf.tensor1d([0, -1]);
    const noise = tf.tensor2d([[0.3, 0.4]]) as Tensor2D;
    const bounds = { low: Float32Array.from([-2, -2]), high: Float32Array.from([2, 2]) };
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      tf.tidy(() => {
        const d = new SquashedGaussian(mean, logStd, bounds);
        d.rsample(noise).logProb.dataSync();
        d.mode().dataSync();
      });
    }
    expect(tf.memory().numTensors).toBe(before);
    for (const t of [mean, logStd, noise]) t.dispose();
  });
});
