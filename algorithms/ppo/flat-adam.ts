/**
 * Adam over one flat Float32Array of parameters, in plain JS (~10 flops per weight: for PPO's ~9k
 * weights this costs microseconds and no tensor kernels). PyTorch's form (`torch.optim.Adam`: eps added
 * to sqrt(v_hat)) with global gradient-norm clipping as `torch.nn.utils.clip_grad_norm_`
 * (coef = maxNorm / (norm + 1e-6), clamped to 1), the same arithmetic as rl/optim/adam.ts. Its state
 * exports in rl/optim's checkpoint layout (`m/theta`, `v/theta`).
 */
import { type NamedWeights, validateNamedWeights } from '../../rl/models/named-weights.js';

/** Options of {@link FlatAdam}. */
export interface FlatAdamOptions {
  /** @default 0.9 */
  readonly beta1?: number;
  /** @default 0.999 */
  readonly beta2?: number;
  /** @default 1e-8 */
  readonly epsilon?: number;
  /** Clip the global gradient norm to this. @default Infinity */
  readonly maxGradNorm?: number;
}

/** See the module comment. */
export class FlatAdam {
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly maxGradNorm: number;
  private stepCount = 0;

  constructor(size: number, options: FlatAdamOptions = {}) {
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.maxGradNorm = options.maxGradNorm ?? Number.POSITIVE_INFINITY;
  }

  /** One update of `theta` in place with gradient `grad` at learning rate `lr`; returns the pre-clip global norm. */
  step(theta: Float32Array, grad: Float32Array, lr: number): number {
    const n = theta.length;
    let sq = 0;
    for (let i = 0; i < n; i++) sq += grad[i]! * grad[i]!;
    const norm = Math.sqrt(sq);
    const coef = Number.isFinite(this.maxGradNorm) ? Math.min(1, this.maxGradNorm / (norm + 1e-6)) : 1;
    this.stepCount++;
    const t = this.stepCount;
    const stepSize = lr / (1 - this.beta1 ** t);
    const sqrtBias2 = Math.sqrt(1 - this.beta2 ** t);
    const { beta1: b1, beta2: b2, epsilon: eps, m, v } = this;
    for (let i = 0; i < n; i++) {
      const g = grad[i]! * coef;
      const mi = b1 * m[i]! + (1 - b1) * g;
      const vi = b2 * v[i]! + (1 - b2) * g * g;
      m[i] = mi;
      v[i] = vi;
      // p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)   (torch.optim.Adam)
      theta[i] = theta[i]! - (stepSize * mi) / (Math.sqrt(vi) / sqrtBias2 + eps);
    }
    return norm;
  }

  /** The moments (`m/theta`, `v/theta`) and the step count. */
  getState(): { moments: NamedWeights; stepCount: number } {
    const shape = [this.m.length];
    return {
      moments: [
        { name: 'm/theta', shape, data: this.m.slice() },
        { name: 'v/theta', shape, data: this.v.slice() },
      ],
      stepCount: this.stepCount,
    };
  }

  /**
   * Restores {@link getState}'s result.
   * @throws TypeError naming the field when the moments or the step count do not fit.
   */
  setState(moments: unknown, stepCount: unknown): void {
    const shape = [this.m.length];
    const [m, v] = validateNamedWeights(moments, 'learner optimizer state', [
      { name: 'm/theta', shape },
      { name: 'v/theta', shape },
    ]);
    if (typeof stepCount !== 'number' || !Number.isSafeInteger(stepCount) || stepCount < 0) {
      throw new TypeError(
        `learner optimizer stepCount (${String(stepCount)}) must be a non-negative integer.`,
      );
    }
    this.m.set(m!.data);
    this.v.set(v!.data);
    this.stepCount = stepCount;
  }
}
