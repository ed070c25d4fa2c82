/**
 * Adam over one flat Float32Array of weights that live in plain JS (PPO's JS gradients): the update
 * rule of ./adam-update.ts, the one ./adam.ts runs on the device, run here by plain loops. For PPO's
 * CartPole net (2.5k weights) a step is a few tens of microseconds where the device step costs ~160 us
 * of tfjs kernel overhead plus two asynchronous reads of the weights and the norm.
 * Values are rounded to float32 after every operation (scalars too), as tfjs computes them.
 */
import { type NamedWeights, validateNamedWeights } from '../models/named-weights.js';
import { type AdamState, readAdamStateHeader } from './adam.js';
import { adamConstants, adamDelta, adamHyperparameter, type VectorOps } from './adam-update.js';

/** Options of {@link HostAdam}; the learning rate comes with every step. */
export interface HostAdamOptions {
  /** @default 0.9 */
  readonly beta1?: number;
  /** @default 0.999 */
  readonly beta2?: number;
  /** @default 1e-8 */
  readonly epsilon?: number;
  /** Clip the global gradient norm to this; undefined or Infinity disables clipping. */
  readonly maxGradNorm?: number;
  /** The weights' name in the state (`m/<name>`, `v/<name>`). */
  readonly name: string;
}

/** See the module comment. */
export class HostAdam {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly maxGradNorm: number;
  /** Steps taken so far. */
  stepCount = 0;
  private readonly name: string;
  private readonly constants: ReturnType<typeof adamConstants>;
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  /** The operations' results, reused every step (a new Float32Array of 10 KB costs microseconds). */
  private readonly scratch = new Scratch();
  private readonly ops = hostOps(this.scratch);

  /** @throws RangeError when a hyperparameter is out of range or `size` is not a positive integer. */
  constructor(size: number, options: HostAdamOptions) {
    if (!Number.isSafeInteger(size) || size <= 0) {
      throw new RangeError(`HostAdam: size (${String(size)}) must be a positive integer.`);
    }
    this.beta1 = adamHyperparameter(options.beta1 ?? 0.9, 'beta1', 1);
    this.beta2 = adamHyperparameter(options.beta2 ?? 0.999, 'beta2', 1);
    this.epsilon = adamHyperparameter(options.epsilon ?? 1e-8, 'epsilon');
    this.maxGradNorm = adamHyperparameter(options.maxGradNorm ?? Infinity, 'maxGradNorm');
    this.name = options.name;
    this.constants = adamConstants(this.beta1, this.beta2, this.epsilon, this.maxGradNorm);
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
  }

  /**
   * One step: clips `grad` by global norm, updates the moments and subtracts the step from `theta` in
   * place; returns the pre-clip global norm.
   * @throws RangeError when `theta` or `grad` has the wrong length.
   */
  apply(theta: Float32Array, grad: Float32Array, learningRate: number): number {
    const n = this.m.length;
    if (theta.length !== n || grad.length !== n) {
      throw new RangeError(
        `HostAdam.apply: theta (${theta.length}) and grad (${grad.length}) need ${n} values.`,
      );
    }
    this.stepCount += 1;
    this.scratch.reset();
    const { norm, m, v, delta } = adamDelta(
      this.ops,
      this.constants,
      { beta1: this.beta1, beta2: this.beta2, clip: Number.isFinite(this.maxGradNorm) },
      grad,
      this.m,
      this.v,
      this.stepCount,
      learningRate,
    );
    this.m.set(m);
    this.v.set(v);
    for (let i = 0; i < n; i++) theta[i] = theta[i]! - delta[i]!;
    return norm[0]!;
  }

  /** A copy of the state, in the layout {@link Adam.readState} gives (one variable). */
  readState(): AdamState {
    const shape = [this.m.length];
    return {
      format: 'tsrl-adam/1',
      stepCount: this.stepCount,
      m: [{ name: `m/${this.name}`, shape, data: this.m.slice() }],
      v: [{ name: `v/${this.name}`, shape, data: this.v.slice() }],
    };
  }

  /** @throws TypeError naming the field when the state is malformed or its shapes do not match. */
  setState(state: unknown): void {
    const { stepCount, m, v } = readAdamStateHeader(state);
    const shape = [this.m.length];
    const [mw] = validateNamedWeights(m, 'Adam state.m', [{ name: `m/${this.name}`, shape }]) as NamedWeights;
    const [vw] = validateNamedWeights(v, 'Adam state.v', [{ name: `v/${this.name}`, shape }]) as NamedWeights;
    this.stepCount = stepCount;
    this.m.set(mw!.data);
    this.v.set(vw!.data);
  }
}

type Operand = Float32Array | number;

/**
 * Element-wise `a op b` into a scratch array of the longer operand's length; a number or a one-element
 * array is a scalar (a number is rounded to float32 as a tfjs scalar is). One loop per op: a closure
 * per element is not inlined and costs several times the arithmetic.
 */
function binary(scratch: Scratch, a: Operand, b: Operand, op: 'add' | 'mul' | 'div' | 'min'): Float32Array {
  const x = typeof a === 'number' ? scratch.take(1).fill(a) : a;
  const y = typeof b === 'number' ? scratch.take(1).fill(b) : b;
  const n = Math.max(x.length, y.length);
  if ((x.length !== n && x.length !== 1) || (y.length !== n && y.length !== 1)) {
    throw new RangeError(`HostAdam: operands of ${x.length} and ${y.length} values do not broadcast.`);
  }
  // Stride 0 repeats a scalar.
  const sx = x.length === n ? 1 : 0;
  const sy = y.length === n ? 1 : 0;
  const o = scratch.take(n);
  if (sx === 1 && sy === 1) {
    if (op === 'add') for (let i = 0; i < n; i++) o[i] = x[i]! + y[i]!;
    else if (op === 'mul') for (let i = 0; i < n; i++) o[i] = x[i]! * y[i]!;
    else if (op === 'div') for (let i = 0; i < n; i++) o[i] = x[i]! / y[i]!;
    else for (let i = 0; i < n; i++) o[i] = Math.min(x[i]!, y[i]!);
    return o;
  }
  if (sx === 1) {
    // Vector and scalar: the common case (moments times betas).
    const c = y[0]!;
    if (op === 'add') for (let i = 0; i < n; i++) o[i] = x[i]! + c;
    else if (op === 'mul') for (let i = 0; i < n; i++) o[i] = x[i]! * c;
    else if (op === 'div') for (let i = 0; i < n; i++) o[i] = x[i]! / c;
    else for (let i = 0; i < n; i++) o[i] = Math.min(x[i]!, c);
    return o;
  }
  if (op === 'add') for (let i = 0; i < n; i++) o[i] = x[i * sx]! + y[i * sy]!;
  else if (op === 'mul') for (let i = 0; i < n; i++) o[i] = x[i * sx]! * y[i * sy]!;
  else if (op === 'div') for (let i = 0; i < n; i++) o[i] = x[i * sx]! / y[i * sy]!;
  else for (let i = 0; i < n; i++) o[i] = Math.min(x[i * sx]!, y[i * sy]!);
  return o;
}

/** Arrays handed out in order and taken back all at once by {@link reset}, one list per length. */
class Scratch {
  private readonly free = new Map<number, { arrays: Float32Array[]; used: number }>();

  take(n: number): Float32Array {
    let pool = this.free.get(n);
    if (pool === undefined) {
      pool = { arrays: [], used: 0 };
      this.free.set(n, pool);
    }
    if (pool.used === pool.arrays.length) pool.arrays.push(new Float32Array(n));
    return pool.arrays[pool.used++]!;
  }

  reset(): void {
    for (const pool of this.free.values()) pool.used = 0;
  }
}

/** {@link VectorOps} on Float32Arrays; results live in `scratch` until its next reset. */
function hostOps(scratch: Scratch): VectorOps<Float32Array> {
  const out = (n: number) => scratch.take(n);
  return {
    add: (a, b) => binary(scratch, a, b, 'add'),
    mul: (a, b) => binary(scratch, a, b, 'mul'),
    div: (a, b) => binary(scratch, a, b, 'div'),
    minimum: (a, b) => binary(scratch, a, b, 'min'),
    sqrt(a) {
      const o = out(a.length);
      for (let i = 0; i < o.length; i++) o[i] = Math.sqrt(a[i]!);
      return o;
    },
    square(a) {
      const o = out(a.length);
      for (let i = 0; i < o.length; i++) o[i] = a[i]! * a[i]!;
      return o;
    },
    sum(a) {
      let s = 0;
      for (let i = 0; i < a.length; i++) s += a[i]!;
      const o = out(1);
      o[0] = s;
      return o;
    },
  };
}
