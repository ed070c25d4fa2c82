import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { setLogLevel } from '../../../core/logger.js';
import { SeededRng } from '../../../envs/rng.js';
import { initBackend, requireTf } from '../../../rl/backend/backend.js';
import {
  argMax,
  Categorical,
  categoricalEntropy,
  logSumExp,
  sampleIndex,
} from '../../../rl/distributions/categorical.js';

beforeAll(async () => {
  setLogLevel('warn');
  await initBackend({ backend: 'wasm' });
});

// Row 0: logits [0, ln 3] -> p = [1/4, 3/4]. Row 1: uniform over 2 (logits shifted by 5).
const LOGITS = [
  [0, Math.log(3)],
  [5, 5],
];

describe('Categorical (tensors)', () => {
  it('logProb, entropy and mode match hand-computed values', () => {
    const tf = requireTf();
    const [lp, ent, mode] = tf.tidy(() => {
      const d = new Categorical(tf.tensor2d(LOGITS) as Tensor2D);
      return [
        Array.from(d.logProb(tf.tensor1d([1, 0], 'int32') as Tensor1D).dataSync()),
        Array.from(d.entropy().dataSync()),
        Array.from(d.mode().dataSync()),
      ];
    });
    expect(lp[0]).toBeCloseTo(Math.log(0.75), 6);
    expect(lp[1]).toBeCloseTo(Math.log(0.5), 6);
    expect(ent[0]).toBeCloseTo(-(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)), 6);
    expect(ent[1]).toBeCloseTo(Math.log(2), 6);
    expect(mode).toEqual([1, 0]);
  });

  it('logProb has a gradient on wasm: d/dlogits log p_a = onehot(a) - p', () => {
    const tf = requireTf();
    const g = tf.tidy(() => {
      const logits = tf.tensor2d([LOGITS[0] as number[]]);
      const grad = tf.grad((l) =>
        tf.sum(new Categorical(l as Tensor2D).logProb(tf.tensor1d([1], 'int32') as Tensor1D)),
      );
      return Array.from(grad(logits).dataSync());
    });
    expect(g[0]).toBeCloseTo(-0.25, 6);
    expect(g[1]).toBeCloseTo(0.25, 6);
  });
});

describe('Categorical.sampleInto (plain JS)', () => {
  it('writes the log-probability of each sampled action and the argmax when deterministic', () => {
    const logits = Float32Array.from(LOGITS.flat());
    const actions = new Int32Array(2);
    const logProbs = new Float32Array(2);
    Categorical.sampleInto(logits, 2, 2, SeededRng.fromSeed(1), actions, logProbs, true);
    expect(Array.from(actions)).toEqual([1, 0]);
    expect(logProbs[0]).toBeCloseTo(Math.log(0.75), 6);
    expect(logProbs[1]).toBeCloseTo(Math.log(0.5), 6);
  });

  it('samples with the softmax frequencies (seeded)', () => {
    const n = 20_000;
    const logits = new Float32Array(n * 3);
    for (let b = 0; b < n; b++) logits.set([0, Math.log(2), Math.log(7)], b * 3); // p = [0.1, 0.2, 0.7]
    const actions = new Int32Array(n);
    const logProbs = new Float32Array(n);
    Categorical.sampleInto(logits, n, 3, SeededRng.fromSeed(42), actions, logProbs);
    const counts = [0, 0, 0];
    let worstLogProbError = 0;
    actions.forEach((a, i) => {
      counts[a] = (counts[a] as number) + 1;
      const error = Math.abs((logProbs[i] as number) - Math.log([0.1, 0.2, 0.7][a] as number));
      worstLogProbError = Math.max(worstLogProbError, error);
    });
    expect(worstLogProbError).toBeLessThan(1e-5);
    // 5 standard deviations of a binomial at n = 20k is < 0.017.
    expect(Math.abs((counts[0] as number) / n - 0.1)).toBeLessThan(0.017);
    expect(Math.abs((counts[2] as number) / n - 0.7)).toBeLessThan(0.017);
  });

  it('rejects mismatched lengths', () => {
    expect(() =>
      Categorical.sampleInto(new Float32Array(5), 2, 3, SeededRng.fromSeed(0), new Int32Array(2)),
    ).toThrow('Categorical.sampleInto: logits (5) must be batchSize x numActions (2 x 3)');
  });
});

describe('the plain-JS categorical functions', () => {
  // Rows: moderate, saturated (p rounds to 0 and 1 in float32), a tie, and a huge shift (exp overflows unshifted).
  const ROWS = [
    [0.3, -1.2, 2.0, 0.1],
    [60, -40, 0, 5],
    [1, 1, -3, 1],
    [1000, 998, 990, 1001],
  ];

  it('logSumExp and categoricalEntropy equal the tensor logProb and entropy, saturated rows included', () => {
    const tf = requireTf();
    const flat = Float64Array.from(ROWS.flat());
    const [logPi, entropy] = tf.tidy(() => {
      const d = new Categorical(tf.tensor2d(ROWS) as Tensor2D);
      const all = [0, 1, 2, 3].map((a) =>
        Array.from(d.logProb(tf.fill([ROWS.length], a, 'int32') as Tensor1D).dataSync()),
      );
      return [all, Array.from(d.entropy().dataSync())];
    });
    ROWS.forEach((_, r) => {
      const lse = logSumExp(flat, r * 4, 4);
      expect(Number.isFinite(lse)).toBe(true);
      for (let a = 0; a < 4; a++) {
        const want = logPi[a]![r]!;
        expect(Math.abs(flat[r * 4 + a]! - lse - want)).toBeLessThanOrEqual(
          1e-5 * Math.max(1, Math.abs(want)),
        );
      }
      const h = categoricalEntropy(flat, r * 4, 4, lse);
      expect(Number.isFinite(h)).toBe(true);
      expect(Math.abs(h - entropy[r]!)).toBeLessThanOrEqual(1e-5);
    });
    // The saturated row: all but the largest logit carry (almost) no mass, and nothing is NaN.
    expect(categoricalEntropy(flat, 4, 4, logSumExp(flat, 4, 4))).toBeLessThan(1e-20);
  });

  it('argMax takes the first of ties; sampleIndex inverts the CDF at its edges', () => {
    const flat = Float64Array.from(ROWS.flat());
    expect(ROWS.map((_, r) => argMax(flat, r * 4, 4))).toEqual([2, 0, 0, 3]);
    // p = [0.1, 0.2, 0.7]: u in [0, 0.1) -> 0, [0.1, 0.3) -> 1, [0.3, 1) -> 2.
    const z = [0, Math.log(2), Math.log(7)];
    const lse = logSumExp(z, 0, 3);
    expect([0, 0.0999, 0.1001, 0.2999, 0.3001, 0.9999999].map((u) => sampleIndex(z, 0, 3, lse, u))).toEqual([
      0, 0, 1, 1, 2, 2,
    ]);
  });
});
