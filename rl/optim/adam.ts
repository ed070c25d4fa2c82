/**
 * Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization", ICLR, arXiv:1412.6980,
 * Algorithm 1), the one optimiser every learner uses:
 *   g <- g * min(1, maxNorm / (||g|| + 1e-6))            (global-norm clipping, torch clip_grad_norm_)
 *   m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2
 *   theta <- theta - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 * eps is added to sqrt(v_hat) as in the paper's Algorithm 1 and `torch.optim.Adam`. Variables and
 * moments stay on the backend's device: a step reads nothing back ({@link AdamStep}); the state leaves
 * the device only through the asynchronous {@link Adam.readState}. A learning-rate schedule and a
 * backend-independent state ({@link NamedWeights}, for checkpoints) come with it. The update rule is
 * written once in ./adam-update.ts; ./host-adam.ts runs it on plain arrays for weights that live in JS.
 */
import type { Scalar, Tensor, Tensor1D, Variable } from '@tensorflow/tfjs';
import { requireTf } from '../backend/backend.js';
import { type NamedWeights, validateNamedWeights } from '../models/named-weights.js';
import {
  type AdamConstants,
  adamConstants,
  adamDelta,
  adamHyperparameter,
  type VectorOps,
} from './adam-update.js';
import { type LrSchedule, learningRateAt, validateLrSchedule } from './lr-schedule.js';

/** Options of {@link Adam}. */
export interface AdamOptions {
  /** Initial learning rate (and the constant one without a schedule). */
  readonly learningRate: number;
  /** @default 0.9 */
  readonly beta1?: number;
  /** @default 0.999 */
  readonly beta2?: number;
  /** PyTorch's default; CleanRL's PPO uses 1e-5. @default 1e-8 */
  readonly epsilon?: number;
  /** Clip the global gradient norm to this; undefined or Infinity disables clipping. @default undefined */
  readonly maxGradNorm?: number;
  /** How the learning rate changes with optimiser steps. @default { type: 'constant' } */
  readonly schedule?: LrSchedule;
  /** Names of the variables (for the exported state), e.g. `mlp.weightSpecs().map(s => s.name)`. */
  readonly names?: readonly string[];
}

/** What a loss function returns: a scalar, or a scalar plus scalar metrics (clip fraction, KL, ...). */
export type LossOutput =
  | Scalar
  | { readonly loss: Scalar; readonly metrics?: Readonly<Record<string, Scalar>> };

/**
 * One {@link Adam.step}'s numbers, still on the device: `values` [2 + k] holds the loss, the pre-clip
 * global gradient norm and the loss function's k metrics, in the order of `names`. The caller owns
 * `values`: sum it into a {@link DeviceStats} (which disposes it) or dispose it.
 */
export interface AdamStep {
  readonly names: readonly string[];
  readonly values: Tensor1D;
  /** The learning rate used for this step. */
  readonly learningRate: number;
}

/** Backend-independent optimiser state, saved in checkpoints. */
export interface AdamState {
  readonly format: 'tsrl-adam/1';
  /** Steps taken so far (t in the paper). */
  readonly stepCount: number;
  /** First moments, one per variable, named `m/<name>`. */
  readonly m: NamedWeights;
  /** Second moments, named `v/<name>`. */
  readonly v: NamedWeights;
}

/** Adam with gradient clipping over a fixed list of variables. Requires `initBackend()`. */
export class Adam {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly maxGradNorm: number;
  /** Steps taken so far. */
  stepCount = 0;
  private schedule: LrSchedule;
  private readonly baseLr: number;
  private readonly variables: readonly Variable[];
  private readonly names: readonly string[];
  /** Element count of each variable, and their sum. */
  private readonly sizes: readonly number[];
  private readonly totalSize: number;
  // Both moments live in ONE flat variable each, [totalSize], and the update runs on the concatenated
  // gradient: ~20 kernels per step instead of ~13 per variable (tfjs costs ~3-5 us per kernel).
  private readonly m: Variable;
  private readonly v: Variable;
  /**
   * The step's constant scalars as tensors made once: `tf.mul(x, 0.9)` makes (and the tidy frees) a
   * scalar tensor on every call, ~8 per step, a measurable part of a small model's step on wasm.
   */
  private readonly consts: AdamConstants<Scalar>;

  /**
   * @throws RangeError when a hyperparameter is out of range or `names` has the wrong length.
   */
  constructor(variables: readonly Variable[], options: AdamOptions) {
    const tf = requireTf();
    this.baseLr = adamHyperparameter(options.learningRate, 'learningRate');
    this.beta1 = adamHyperparameter(options.beta1 ?? 0.9, 'beta1', 1);
    this.beta2 = adamHyperparameter(options.beta2 ?? 0.999, 'beta2', 1);
    this.epsilon = adamHyperparameter(options.epsilon ?? 1e-8, 'epsilon');
    this.maxGradNorm = adamHyperparameter(options.maxGradNorm ?? Infinity, 'maxGradNorm');
    this.schedule = validateLrSchedule(options.schedule ?? { type: 'constant' }, 'schedule');
    if (options.names !== undefined && options.names.length !== variables.length) {
      throw new RangeError(
        `Adam: names has ${options.names.length} entries for ${variables.length} variables.`,
      );
    }
    this.variables = variables;
    this.names = options.names ?? variables.map((_, i) => `var${i}`);
    this.sizes = variables.map((v) => v.size);
    this.totalSize = this.sizes.reduce((a, b) => a + b, 0);
    this.m = tf.variable(tf.zeros([this.totalSize]), false);
    this.v = tf.variable(tf.zeros([this.totalSize]), false);
    const k = adamConstants(this.beta1, this.beta2, this.epsilon, this.maxGradNorm);
    this.consts = {
      beta1: tf.scalar(k.beta1),
      oneMinusBeta1: tf.scalar(k.oneMinusBeta1),
      beta2: tf.scalar(k.beta2),
      oneMinusBeta2: tf.scalar(k.oneMinusBeta2),
      epsilon: tf.scalar(k.epsilon),
      maxGradNorm: tf.scalar(k.maxGradNorm),
      normEps: tf.scalar(k.normEps),
      one: tf.scalar(k.one),
    };
  }

  /** The learning rate the next step will use. */
  get learningRate(): number {
    return learningRateAt(this.schedule, this.baseLr, this.stepCount);
  }

  /** Replaces the schedule, e.g. with a constant rate (`{ type: 'constant' }` keeps the initial rate). */
  setSchedule(schedule: LrSchedule): void {
    this.schedule = validateLrSchedule(schedule, 'schedule');
  }

  /**
   * Computes the gradients of `lossFn` with respect to the variables, clips them by global norm and
   * applies one Adam update, all in one tidy scope on the device. Nothing is read back: the numbers
   * come back as a tensor (see {@link AdamStep}), to be read once per update.
   */
  step(lossFn: () => LossOutput): AdamStep {
    const tf = requireTf();
    const learningRate = this.learningRate;
    const names = ['loss', 'gradNorm'];
    const kept: Tensor[] = [];
    try {
      const values = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const out = lossFn();
          if (!('loss' in out)) return out;
          for (const [name, t] of Object.entries(out.metrics ?? {})) {
            names.push(name);
            kept.push(tf.keep(t));
          }
          return out.loss;
        }, this.variables as Variable[]);
        const list = this.variables.map((v) => grads[v.name]);
        const norm = this.applyGradientsInScope(list, learningRate);
        return tf.stack([value, norm, ...kept.map((t) => tf.reshape(t, []))]) as Tensor1D;
      });
      return { names, values, learningRate };
    } finally {
      for (const t of kept) t.dispose();
    }
  }

  /**
   * Data-parallel half step: the gradients of `lossFn` as backend-independent arrays (named as the
   * variables), without updating anything. Learners average theirs with {@link averageGradients} and
   * each applies the mean with {@link applyNamedGradients}, so all replicas stay identical.
   */
  async computeGradients(lossFn: () => LossOutput): Promise<{
    grads: NamedWeights;
    loss: number;
    metrics: Record<string, number>;
  }> {
    const tf = requireTf();
    const metricNames: string[] = [];
    const kept: Tensor[] = [];
    const { packed, grads } = tf.tidy(() => {
      const result = tf.variableGrads(() => {
        const out = lossFn();
        if (!('loss' in out)) return out;
        for (const [name, t] of Object.entries(out.metrics ?? {})) {
          metricNames.push(name);
          kept.push(tf.keep(t));
        }
        return out.loss;
      }, this.variables as Variable[]);
      const list = this.variables.map((v) => result.grads[v.name] ?? tf.zerosLike(v));
      return { packed: tf.stack([result.value, ...kept.map((t) => tf.reshape(t, []))]), grads: list };
    });
    for (const t of kept) t.dispose();
    // The gradients leave the device here: data-parallel learners average them across processes.
    const [values, ...data] = await Promise.all([packed.data(), ...grads.map((g) => g.data())]);
    const named: NamedWeights = grads.map((g, i) => ({
      name: this.names[i] as string,
      shape: [...g.shape],
      data: Float32Array.from(data[i] as Float32Array),
    }));
    for (const t of [packed, ...grads]) t.dispose();
    const metrics: Record<string, number> = {};
    metricNames.forEach((name, i) => {
      metrics[name] = (values as Float32Array)[i + 1] as number;
    });
    return { grads: named, loss: (values as Float32Array)[0] as number, metrics };
  }

  /**
   * Clips and applies gradients in backend-independent form (e.g. the mean from
   * {@link averageGradients}); returns the pre-clip global norm.
   * @throws TypeError when names or shapes do not match the variables.
   */
  async applyNamedGradients(grads: unknown): Promise<number> {
    const tf = requireTf();
    const checked = validateNamedWeights(
      grads,
      'gradients',
      this.variables.map((v, i) => ({ name: this.names[i] as string, shape: v.shape })),
    );
    const tensors = checked.map((g) => tf.tensor(g.data, [...g.shape]));
    try {
      return await this.applyGradients(tensors);
    } finally {
      for (const t of tensors) t.dispose();
    }
  }

  /**
   * Clips and applies gradients computed elsewhere (data-parallel learners average theirs first);
   * `grads[i]` belongs to variable i; undefined/null counts as a zero gradient. Returns the pre-clip
   * global norm.
   * @throws RangeError when `grads` has the wrong length or a shape differs.
   */
  async applyGradients(grads: readonly (Tensor | null | undefined)[]): Promise<number> {
    const tf = requireTf();
    if (grads.length !== this.variables.length) {
      throw new RangeError(
        `Adam.applyGradients: ${grads.length} gradients for ${this.variables.length} variables.`,
      );
    }
    grads.forEach((g, i) => {
      const v = this.variables[i] as Variable;
      if (g && g.shape.join(',') !== v.shape.join(',')) {
        throw new RangeError(
          `Adam.applyGradients: gradient ${i} (${this.names[i]}) has shape [${g.shape}], expected [${v.shape}].`,
        );
      }
    });
    const learningRate = this.learningRate;
    const norm = tf.tidy(() => this.applyGradientsInScope(grads, learningRate));
    try {
      return (await norm.data())[0] as number;
    } finally {
      norm.dispose();
    }
  }

  /**
   * Clips and applies `grads` (one per variable, in order) at `learningRate`, on the device: nothing is
   * read back, so it works where synchronous reads fail (webgpu in Node). Must run inside a tidy;
   * returns the pre-clip global norm as a scalar tensor of that tidy.
   */
  applyGradientsOnDevice(grads: readonly (Tensor | null | undefined)[], learningRate: number): Scalar {
    return this.applyGradientsInScope(grads, learningRate);
  }

  /** The state in backend-independent form, read asynchronously (one read per moment vector). */
  async readState(): Promise<AdamState> {
    const [m, v] = await Promise.all([this.m.data(), this.v.data()]);
    const split = (data: ArrayLike<number> & { slice(a: number, b: number): unknown }, prefix: string) => {
      let offset = 0;
      return this.variables.map((x, i) => {
        const size = this.sizes[i] as number;
        const slice = Float32Array.from((data as Float32Array).subarray(offset, offset + size));
        offset += size;
        return { name: `${prefix}/${this.names[i]}`, shape: [...x.shape], data: slice };
      });
    };
    return { format: 'tsrl-adam/1', stepCount: this.stepCount, m: split(m, 'm'), v: split(v, 'v') };
  }

  /**
   * The update itself; must run inside a tidy. Returns the global norm (scalar tensor). A variable
   * without a gradient (null) counts as a zero gradient: its moments decay and momentum still moves it
   * (torch skips such parameters; in a fixed-architecture loss every variable has a gradient).
   */
  private applyGradientsInScope(grads: readonly (Tensor | null | undefined)[], learningRate: number): Scalar {
    const tf = requireTf();
    const flat = grads.map((g, i) => {
      if (g === null || g === undefined) return tf.zeros([this.sizes[i] as number]);
      return tf.reshape(g, [-1]);
    });
    const g0 = flat.length === 1 ? (flat[0] as Tensor) : tf.concat(flat); // [P]
    this.stepCount += 1;
    const { norm, m, v, delta } = adamDelta<Tensor>(
      tfVectorOps(tf),
      this.consts,
      { beta1: this.beta1, beta2: this.beta2, clip: Number.isFinite(this.maxGradNorm) },
      g0,
      this.m,
      this.v,
      this.stepCount,
      learningRate,
    );
    this.m.assign(m);
    this.v.assign(v);
    const parts = this.variables.length === 1 ? [delta] : tf.split(delta, [...this.sizes]);
    this.variables.forEach((p, i) => {
      p.assign(tf.sub(p, tf.reshape(parts[i] as Tensor, p.shape)));
    });
    return norm as Scalar;
  }

  /**
   * Restores a state from {@link readState} (e.g. from a checkpoint).
   * @throws TypeError naming the field when the state is malformed or its shapes do not match.
   */
  setState(state: unknown): void {
    const tf = requireTf();
    const { stepCount, m, v } = readAdamStateHeader(state);
    const spec = (prefix: string) =>
      this.variables.map((x, i) => ({ name: `${prefix}/${this.names[i]}`, shape: x.shape }));
    const mw = validateNamedWeights(m, 'Adam state.m', spec('m'));
    const vw = validateNamedWeights(v, 'Adam state.v', spec('v'));
    this.stepCount = stepCount;
    const concat = (ws: NamedWeights): Float32Array => {
      const out = new Float32Array(this.totalSize);
      let offset = 0;
      for (const w of ws) {
        out.set(w.data, offset);
        offset += w.data.length;
      }
      return out;
    };
    tf.tidy(() => {
      this.m.assign(tf.tensor1d(concat(mw)));
      this.v.assign(tf.tensor1d(concat(vw)));
    });
  }

  /** Frees the moment variables (not the optimised variables). */
  dispose(): void {
    this.m.dispose();
    this.v.dispose();
    for (const t of Object.values(this.consts)) t.dispose();
  }
}

/**
 * The element-wise mean of several learners' gradients (same names and shapes, as
 * {@link Adam.computeGradients} returns them).
 * @throws TypeError when the list is empty or the layouts differ, naming the entry.
 */
export function averageGradients(list: readonly NamedWeights[]): NamedWeights {
  const first = list[0];
  if (first === undefined) throw new TypeError('averageGradients: needs at least one gradient set.');
  const specs = first.map((g) => ({ name: g.name, shape: g.shape }));
  const checked = list.map((g, k) => validateNamedWeights(g, `gradients[${k}]`, specs));
  return specs.map((spec, i) => {
    const out = new Float32Array((first[i] as { data: Float32Array }).data.length);
    for (const set of checked) {
      const data = (set[i] as { data: Float32Array }).data;
      for (let j = 0; j < out.length; j++) out[j] = (out[j] as number) + (data[j] as number);
    }
    for (let j = 0; j < out.length; j++) out[j] = (out[j] as number) / checked.length;
    return { name: spec.name, shape: [...spec.shape], data: out };
  });
}

/** Reads one {@link AdamStep}'s numbers by name (one asynchronous read) and disposes its tensor. */
export async function readAdamStep(step: AdamStep): Promise<Record<string, number>> {
  try {
    const data = await step.values.data();
    return Object.fromEntries(step.names.map((name, i) => [name, data[i] as number]));
  } finally {
    step.values.dispose();
  }
}

/** {@link VectorOps} on tfjs tensors (one kernel each; inside a tidy). */
function tfVectorOps(tf: ReturnType<typeof requireTf>): VectorOps<Tensor> {
  return {
    add: (a, b) => tf.add(a, b),
    mul: (a, b) => tf.mul(a, b),
    div: (a, b) => tf.div(a, b),
    minimum: (a, b) => tf.minimum(a, b),
    sqrt: (a) => tf.sqrt(a),
    square: (a) => tf.square(a),
    sum: (a) => tf.sum(a),
  };
}

/**
 * The format and step count of a saved Adam state (both Adam forms save the same layout), with its
 * moments left for the caller to check against its own weights.
 * @throws TypeError naming the field when the state is not an object, has another format or a bad step count.
 */
export function readAdamStateHeader(state: unknown): { stepCount: number; m: unknown; v: unknown } {
  if (typeof state !== 'object' || state === null) throw new TypeError('Adam state must be an object.');
  const { format, stepCount, m, v } = state as Record<string, unknown>;
  if (format !== 'tsrl-adam/1')
    throw new TypeError(`Adam state.format (${String(format)}) must be 'tsrl-adam/1'.`);
  if (!Number.isSafeInteger(stepCount) || (stepCount as number) < 0) {
    throw new TypeError(`Adam state.stepCount (${String(stepCount)}) must be a non-negative integer.`);
  }
  return { stepCount: stepCount as number, m, v };
}
