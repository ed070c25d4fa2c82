import type { Tensor2D } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { setLogLevel } from '../../../core/logger.js';
import { SeededRng } from '../../../envs/rng.js';
import { initBackend, requireTf } from '../../../rl/backend/backend.js';
import {
  DiagGaussian,
  HALF_LOG_2PI,
  normalEntropy,
  normalLogDensity,
} from '../../../rl/distributions/diag-gaussian.js';

beforeAll(async () => {
  setLogLevel('warn');
  await initBackend({ backend: 'wasm' });
});

describe('DiagGaussian (tensors)', () => {
  it('logProb and entropy match the closed forms with a shared logStd', () => {
    const tf = requireTf();
    const [lp, ent] = tf.tidy(() => {
      // Row 0: mean [0, 1], std [1, e] ; action [1, 1] -> z = [1, 0]
      const d = new DiagGaussian(
        tf.tensor2d([
          [0, 1],
          [2, 2],
        ]) as Tensor2D,
        tf.tensor1d([0, 1]),
      );
      return [
        Array.from(
          d
            .logProb(
              tf.tensor2d([
                [1, 1],
                [2, 2 + Math.E],
              ]) as Tensor2D,
            )
            .dataSync(),
        ),
        Array.from(d.entropy().dataSync()),
      ];
    });
    // log N(1; 0, 1) + log N(1; 1, e) = (-0.5 - c) + (0 - 1 - c)
    expect(lp[0]).toBeCloseTo(-0.5 - HALF_LOG_2PI - 1 - HALF_LOG_2PI, 5);
    // Row 1: z = [0, 1]
    expect(lp[1]).toBeCloseTo(-HALF_LOG_2PI - 0.5 - 1 - HALF_LOG_2PI, 5);
    const entropy = 2 * (0.5 + HALF_LOG_2PI) + 0 + 1;
    expect(ent[0]).toBeCloseTo(entropy, 5);
    expect(ent[1]).toBeCloseTo(entropy, 5);
  });

  it('rsample is mean + std * noise', () => {
    const tf = requireTf();
    const a = tf.tidy(() =>
      Array.from(
        new DiagGaussian(tf.tensor2d([[1, -1]]) as Tensor2D, tf.tensor2d([[Math.log(2), 0]]))
          .rsample(tf.tensor2d([[0.5, 2]]) as Tensor2D)
          .dataSync(),
      ),
    );
    expect(a[0]).toBeCloseTo(2, 6);
    expect(a[1]).toBeCloseTo(1, 6);
  });
});

describe('DiagGaussian.sampleInto (plain JS)', () => {
  it('writes actions whose logProb agrees with the tensor formula', () => {
    const tf = requireTf();
    const mean = Float32Array.from([0.5, -0.5, 1, 2]);
    const logStd = Float32Array.from([-0.5, 0.3]);
    const actions = new Float32Array(4);
    const logProbs = new Float32Array(2);
    DiagGaussian.sampleInto(mean, logStd, 2, 2, SeededRng.fromSeed(3), actions, logProbs);
    const expected = tf.tidy(() =>
      Array.from(
        new DiagGaussian(tf.tensor2d(mean, [2, 2]) as Tensor2D, tf.tensor1d(logStd))
          .logProb(tf.tensor2d(actions, [2, 2]) as Tensor2D)
          .dataSync(),
      ),
    );
    expect(logProbs[0]).toBeCloseTo(expected[0] as number, 4);
    expect(logProbs[1]).toBeCloseTo(expected[1] as number, 4);
  });

  it('deterministic writes the mean', () => {
    const actions = new Float32Array(2);
    DiagGaussian.sampleInto(
      Float32Array.from([3, 4]),
      Float32Array.from([0, 0]),
      1,
      2,
      SeededRng.fromSeed(0),
      actions,
      undefined,
      true,
    );
    expect(Array.from(actions)).toEqual([3, 4]);
  });

  it('has the right mean and std over many draws', () => {
    const n = 20_000;
    const actions = new Float32Array(n);
    DiagGaussian.sampleInto(
      new Float32Array(n).fill(1),
      Float32Array.from([Math.log(2)]),
      n,
      1,
      SeededRng.fromSeed(9),
      actions,
    );
    const mean = actions.reduce((s, x) => s + x, 0) / n;
    const variance = actions.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
    expect(Math.abs(mean - 1)).toBeLessThan(0.05); // 5 sigma = 5 * 2 / sqrt(20k) = 0.07
    expect(Math.abs(Math.sqrt(variance) - 2)).toBeLessThan(0.05);
  });
});

describe('normalLogDensity and normalEntropy (plain JS)', () => {
  it('sum to the tensor logProb and entropy, far in the tails and at small std included', () => {
    const tf = requireTf();
    const mean = [0.5, -2, 0, 3];
    const logStd = [0, -3, 1.5, -0.2];
    const actions = [0.7, 1.5, -40, 3]; // the second dimension sits 116 std from its mean
    const [lp, ent] = tf.tidy(() => {
      const d = new DiagGaussian(tf.tensor2d([mean]) as Tensor2D, tf.tensor1d(logStd));
      return [d.logProb(tf.tensor2d([actions]) as Tensor2D).dataSync()[0]!, d.entropy().dataSync()[0]!];
    });
    let logDensity = 0;
    let entropy = 0;
    mean.forEach((m, d) => {
      logDensity += normalLogDensity((actions[d]! - m) / Math.exp(logStd[d]!), logStd[d]!);
      entropy += normalEntropy(logStd[d]!);
    });
    expect(Math.abs(logDensity - lp) / Math.abs(lp)).toBeLessThan(1e-5);
    expect(entropy).toBeCloseTo(ent, 5);
  });
});
