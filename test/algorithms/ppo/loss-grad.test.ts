import type * as tfjs from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type PpoLossCoefs, ppoLoss } from '../../../algorithms/ppo/loss.js';
import { ppoHeadGrads } from '../../../algorithms/ppo/loss-grad.js';
import { SeededRng } from '../../../envs/rng.js';
import { initBackend, requireTf } from '../../../rl/backend/backend.js';
import { Categorical, DiagGaussian, MultiCategorical } from '../../../rl/distributions/index.js';

const B = 8;

/** How far the rows sit from ratio 1 and how saturated the head is. */
interface Regime {
  readonly name: string;
  /** Spread of log(pi / pi_old): 0.05 stays inside the clip range, 1.5 leaves it on both sides. */
  readonly logRatioSpread: number;
  /** Scale of the logits: 40 saturates the softmax (probabilities round to 0 and 1). Means stay at scale 1. */
  readonly headScale: number;
  /** Gaussian log std: -2.5 makes (a - mu) / sigma ~6-12 (log-probs ~ -100, at float32's edge for 4 digits). */
  readonly logStd: number;
}

const REGIMES: readonly Regime[] = [
  { name: 'near ratio 1', logRatioSpread: 0.05, headScale: 1, logStd: 0 },
  { name: 'clipped on both sides', logRatioSpread: 1.5, headScale: 1, logStd: -0.3 },
  { name: 'saturated head', logRatioSpread: 0.5, headScale: 40, logStd: -2.5 },
];

/**
 * The closed-form fast path against tfjs autodiff of ppoLoss over rl/distributions' log-prob and
 * entropy: the same functions the device learner differentiates.
 */
type Kind = 'categorical' | 'gaussian' | 'multiCategorical';
/** The multiCategorical case: MultiDiscrete([3, 2]) (5 logits, 2 indexes per row). */
const NVEC = [3, 2];

function check(kind: Kind, regime: Regime, coefs: PpoLossCoefs, seed: number) {
  const tf = requireTf();
  const rng = SeededRng.fromSeed(seed);
  const rand = (n: number, scale = 1) => Float32Array.from({ length: n }, () => rng.normal() * scale);
  const A = kind === 'categorical' ? 3 : kind === 'multiCategorical' ? 5 : 2;
  const head = rand(B * A, kind === 'gaussian' ? 1 : regime.headScale);
  const logStd = Float32Array.from(rand(A, 0.1), (x) => x + regime.logStd);
  const actions =
    kind === 'categorical'
      ? Float32Array.from({ length: B }, (_, i) => i % A)
      : kind === 'multiCategorical'
        ? Float32Array.from({ length: B * 2 }, (_, i) => (i % 2 === 0 ? (i >> 1) % 3 : (i >> 1) % 2))
        : rand(B * A, 0.5);
  const advantages = rand(B);
  const values = rand(B);
  const oldValues = Float32Array.from(values, (v, i) => v + (i % 2 === 0 ? 0.5 : 0.05));
  const returns = rand(B);
  const dist = (h: tfjs.Tensor, s: tfjs.Tensor) =>
    kind === 'categorical'
      ? { d: new Categorical(h as tfjs.Tensor2D), a: tf.tensor1d(actions, 'int32') }
      : kind === 'multiCategorical'
        ? { d: new MultiCategorical(h as tfjs.Tensor2D, NVEC), a: tf.tensor2d(actions, [B, 2], 'int32') }
        : { d: new DiagGaussian(h as tfjs.Tensor2D, s), a: tf.tensor2d(actions, [B, A]) };
  // Old log-probs: the current ones moved by the regime's spread, so the ratios land where wanted.
  const current = tf.tidy(() => {
    const { d, a } = dist(tf.tensor2d(head, [B, A]), tf.tensor1d(logStd));
    return (d as Categorical).logProb(a as tfjs.Tensor1D).dataSync() as Float32Array;
  });
  const oldLogProbs = Float32Array.from(
    current,
    (x, i) => x - (i % 2 === 0 ? 1 : -1) * regime.logRatioSpread * (1 + 0.1 * i),
  );
  const g = ppoHeadGrads(
    kind === 'categorical'
      ? { kind, numActions: A }
      : kind === 'multiCategorical'
        ? { kind, nvec: NVEC }
        : { kind, actionSize: A },
    { head, logStd, actions, oldLogProbs, advantages, values, oldValues, returns },
    coefs,
  );
  const inputs = [tf.tensor2d(head, [B, A]), tf.tensor1d(logStd), tf.tensor1d(values)];
  let clipFrac = 0;
  const { value, grads } = tf.valueAndGrads((...xs: tfjs.Tensor[]) => {
    const { d, a } = dist(xs[0]!, xs[1]!);
    const terms = ppoLoss(
      tf,
      {
        newLogProbs: (d as Categorical).logProb(a as tfjs.Tensor1D),
        oldLogProbs: tf.tensor1d(oldLogProbs),
        advantages: tf.tensor1d(advantages),
        newValues: xs[2] as tfjs.Tensor1D,
        oldValues: tf.tensor1d(oldValues),
        returns: tf.tensor1d(returns),
        entropy: d.entropy(),
      },
      coefs,
    );
    clipFrac = terms.clipFrac.dataSync()[0]!;
    expect(g.approxKl).toBeCloseTo(terms.approxKl.dataSync()[0]!, 4);
    // The categorical loss does not depend on logStd: a zero term keeps its gradient defined.
    return tf.add(terms.loss, tf.mul(0, tf.sum(xs[1]!))) as tfjs.Scalar;
  })(inputs);
  expect(g.clipFrac).toBeCloseTo(clipFrac, 6);
  if (regime.logRatioSpread > 1) expect(clipFrac).toBeGreaterThan(0.5);
  expect(g.loss).toBeCloseTo(value.dataSync()[0]!, 3);
  // float32 on the tfjs side: 5e-5 absolute, or relative for large gradients; dLogStd sums
  // dLogp (u^2 - 1) over rows with u^2 ~ 100 when saturated, where float32 keeps ~4 digits.
  const tol = kind === 'gaussian' && regime.logStd < -1 ? 5e-4 : 5e-5;
  const close = (a: ArrayLike<number>, b: ArrayLike<number>) =>
    Array.from(a).forEach((x, i) => {
      expect(Math.abs(x - b[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b[i]!)));
    });
  close(g.dHead, grads[0]!.dataSync());
  close(g.dValues, grads[2]!.dataSync());
  if (kind === 'gaussian') close(g.dLogStd!, grads[1]!.dataSync());
}

describe('ppoHeadGrads equals autodiff of ppoLoss', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });
  for (const kind of ['categorical', 'gaussian', 'multiCategorical'] as const) {
    for (const regime of REGIMES) {
      for (const clipVLoss of [false, true]) {
        it(`${kind}, ${regime.name}, clipVLoss ${clipVLoss}`, () => {
          check(kind, regime, { clipCoef: 0.2, vfCoef: 0.7, entCoef: 0.05, clipVLoss, vfClipCoef: 0.2 }, 11);
        });
      }
    }
  }
});
