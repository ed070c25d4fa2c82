/**
 * The gradient of the PPO loss (./loss.ts) with respect to the network outputs, in closed form and
 * plain JS: per row it is a handful of flops, so computing it here saves the ~300 small tfjs kernels
 * that autodiff of the loss costs per minibatch (docs/measurements.md: ~3-5 us per op). The learner backpropagates
 * these output gradients through the MLPs with a few matMuls. `test/algorithms/ppo/loss-grad.test.ts`
 * checks every number against tfjs autodiff of `ppoLoss`.
 *
 * The log-probabilities and entropies come from rl/distributions' plain-JS functions (`logSumExp`,
 * `categoricalEntropy`, `normalLogDensity`, `normalEntropy`), the ones the env runners' samplers use;
 * only their derivatives are written here.
 *
 * Derivations (B rows, mean over rows; r = exp(logp - logpOld)):
 * - pgLoss_i = max(-A r, -A clip(r, 1-eps, 1+eps)); d/dr = -A where the unclipped term is the max
 *   (ties go to it, as tf.maximum's gradient does), else 0 (the clipped term is flat there).
 *   d/dlogp = d/dr * r.
 * - Categorical with logits z: logp_a = z_a - logsumexp(z), d logp_a / dz_j = 1[j = a] - p_j;
 *   H = -sum_j p_j log p_j, dH/dz_j = -p_j (log p_j + H).
 * - MultiCategorical (MultiDiscrete, MultiBinary): a categorical per component k over its own segment
 *   of logits; logp and H are sums over components, so each segment gets its categorical's gradient
 *   with its own H_k.
 * - Diagonal Gaussian with mean mu, log std s: logp = sum_j -0.5 u_j^2 - s_j - 0.5 log 2pi with
 *   u = (a - mu) / exp(s); dlogp/dmu_j = u_j / exp(s_j), dlogp/ds_j = u_j^2 - 1; H = sum_j s_j + const.
 * - vLoss = 0.5 mean(max((v - R)^2, (vClip - R)^2)) with vClip = vOld + clip(v - vOld, -e, e);
 *   d/dv = (v - R) where the unclipped term is the max, else 0 (outside the range vClip is flat).
 */
import { categoricalEntropy, logSumExp } from '../../rl/distributions/categorical.js';
import { normalEntropy, normalLogDensity } from '../../rl/distributions/diag-gaussian.js';
import type { PpoLossCoefs } from './loss.js';
import { type ActionHead, headSize } from './model.js';

/** Inputs: the network outputs of one minibatch and the rollout data. */
export interface HeadGradInputs {
  /** [B, A] logits (categorical) or means (gaussian). */
  readonly head: Float32Array;
  /** [k] log std of the gaussian head. */
  readonly logStd?: Float32Array;
  /** [B] action indexes (categorical), [B, k] component indexes (multiCategorical) or [B, k] continuous actions. */
  readonly actions: Float32Array;
  readonly oldLogProbs: Float32Array;
  readonly advantages: Float32Array;
  /** [B] V(s) now. */
  readonly values: Float32Array;
  readonly oldValues: Float32Array;
  readonly returns: Float32Array;
}

/** The loss terms and the gradients of `loss` with respect to the outputs. */
export interface HeadGrads {
  /** [B, A] dLoss/dHead. */
  readonly dHead: Float32Array;
  /** [k] dLoss/dLogStd (gaussian head). */
  readonly dLogStd: Float32Array | undefined;
  /** [B] dLoss/dV. */
  readonly dValues: Float32Array;
  readonly loss: number;
  readonly pgLoss: number;
  readonly vLoss: number;
  readonly entropy: number;
  readonly approxKl: number;
  readonly clipFrac: number;
}

/** See the module comment. */
export function ppoHeadGrads(headKind: ActionHead, x: HeadGradInputs, c: PpoLossCoefs): HeadGrads {
  const B = x.values.length;
  const A = headSize(headKind);
  // Segments of the head row: one per categorical component (one segment for 'categorical').
  const nvec =
    headKind.kind === 'multiCategorical' ? headKind.nvec : headKind.kind === 'categorical' ? [A] : [];
  const lseOf = new Float64Array(nvec.length);
  const entOf = new Float64Array(nvec.length);
  const dHead = new Float32Array(B * A);
  const dValues = new Float32Array(B);
  const dLogStd = headKind.kind === 'gaussian' ? new Float32Array(A) : undefined;
  let pgSum = 0;
  let vSum = 0;
  let entSum = 0;
  let klSum = 0;
  let clipped = 0;
  // A state-independent log std: every row's entropy is the same sum over dimensions.
  let gaussianEntropy = 0;
  if (x.logStd !== undefined) for (let j = 0; j < A; j++) gaussianEntropy += normalEntropy(x.logStd[j]!);
  for (let i = 0; i < B; i++) {
    const o = i * A;
    let logp = 0;
    let entropy = 0;
    if (headKind.kind !== 'gaussian') {
      // Each component k over its segment [seg, seg + n): logp and entropy are sums over components.
      let seg = o;
      for (let k = 0; k < nvec.length; k++) {
        const n = nvec[k]!;
        lseOf[k] = logSumExp(x.head, seg, n);
        entOf[k] = categoricalEntropy(x.head, seg, n, lseOf[k]!);
        entropy += entOf[k]!;
        logp += x.head[seg + x.actions[i * nvec.length + k]!]! - lseOf[k]!;
        seg += n;
      }
    } else {
      for (let j = 0; j < A; j++) {
        const z = (x.actions[o + j]! - x.head[o + j]!) * Math.exp(-x.logStd![j]!);
        logp += normalLogDensity(z, x.logStd![j]!);
      }
      entropy = gaussianEntropy;
    }
    const logRatio = logp - x.oldLogProbs[i]!;
    const ratio = Math.exp(logRatio);
    const adv = x.advantages[i]!;
    const pg1 = -adv * ratio;
    const pg2 = -adv * Math.min(1 + c.clipCoef, Math.max(1 - c.clipCoef, ratio));
    pgSum += Math.max(pg1, pg2);
    klSum += ratio - 1 - logRatio;
    if (Math.abs(ratio - 1) > c.clipCoef) clipped++;
    entSum += entropy;
    const dLogp = (pg1 >= pg2 ? -adv * ratio : 0) / B;

    if (headKind.kind !== 'gaussian') {
      let seg = 0;
      for (let k = 0; k < nvec.length; k++) {
        const a = x.actions[i * nvec.length + k]!;
        for (let j = 0; j < nvec[k]!; j++) {
          // log p_j from the logits, not log(p_j): p_j underflows to 0 for saturated logits.
          const lp = x.head[o + seg + j]! - lseOf[k]!;
          const pj = Math.exp(lp);
          // d(pg)/dz + d(-entCoef * H_k)/dz (the mean's 1/B folded in); H_k is this component's entropy.
          dHead[o + seg + j] = dLogp * ((j === a ? 1 : 0) - pj) + (c.entCoef / B) * pj * (lp + entOf[k]!);
        }
        seg += nvec[k]!;
      }
    } else {
      for (let j = 0; j < A; j++) {
        const invStd = Math.exp(-x.logStd![j]!);
        const u = (x.actions[o + j]! - x.head[o + j]!) * invStd;
        dHead[o + j] = dLogp * u * invStd;
        dLogStd![j]! += dLogp * (u * u - 1);
      }
    }

    const v = x.values[i]!;
    const ret = x.returns[i]!;
    const u2 = (v - ret) ** 2;
    let vTerm = u2;
    let dv = v - ret;
    if (c.clipVLoss) {
      const vOld = x.oldValues[i]!;
      const vClip = vOld + Math.min(c.vfClipCoef, Math.max(-c.vfClipCoef, v - vOld));
      const c2 = (vClip - ret) ** 2;
      if (c2 > u2) {
        vTerm = c2;
        dv = 0;
      }
    }
    vSum += vTerm;
    dValues[i] = (c.vfCoef * dv) / B;
  }
  if (dLogStd !== undefined) for (let j = 0; j < A; j++) dLogStd[j]! -= c.entCoef;
  const pgLoss = pgSum / B;
  const vLoss = (0.5 * vSum) / B;
  const entropy = entSum / B;
  return {
    dHead,
    dLogStd,
    dValues,
    loss: pgLoss - c.entCoef * entropy + c.vfCoef * vLoss,
    pgLoss,
    vLoss,
    entropy,
    approxKl: klSum / B,
    clipFrac: clipped / B,
  };
}
