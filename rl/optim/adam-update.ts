/**
 * Adam's update rule (see ./adam.ts for the formula and its sources), written once over element-wise
 * vector operations so that two kernels run the same math: tfjs tensors on the backend's device
 * (./adam.ts) and Float32Arrays in plain JS (./host-adam.ts, for learners whose weights live in JS,
 * where a tfjs step costs ~150 us of kernel overhead for a few thousand weights).
 */

/**
 * Checks a hyperparameter: a number in [0, max), or Infinity where max is Infinity.
 * @throws RangeError naming the field.
 */
export function adamHyperparameter(value: number, field: string, max = Infinity): number {
  if (
    typeof value !== 'number' ||
    !(value >= 0) ||
    !(value < max || (max === Infinity && value === Infinity))
  ) {
    throw new RangeError(`Adam: ${field} (${String(value)}) must be a number in [0, ${max}).`);
  }
  return value;
}

/** Element-wise operations on vectors `V`; a scalar is a number or a one-element `V`. */
export interface VectorOps<V> {
  add(a: V, b: V | number): V;
  mul(a: V, b: V | number): V;
  div(a: V | number, b: V | number): V;
  minimum(a: V, b: V | number): V;
  sqrt(a: V): V;
  square(a: V): V;
  /** The sum of all elements, as a one-element `V`. */
  sum(a: V): V;
}

/** The constants of a step, as numbers or as scalars made once (tfjs: no tensor per op per step). */
export interface AdamConstants<S> {
  readonly beta1: S;
  readonly oneMinusBeta1: S;
  readonly beta2: S;
  readonly oneMinusBeta2: S;
  readonly epsilon: S;
  readonly maxGradNorm: S;
  readonly normEps: S;
  readonly one: S;
}

/** The numbers {@link AdamConstants} are made of. */
export function adamConstants(beta1: number, beta2: number, epsilon: number, maxGradNorm: number) {
  return {
    beta1,
    oneMinusBeta1: 1 - beta1,
    beta2,
    oneMinusBeta2: 1 - beta2,
    epsilon,
    maxGradNorm: Number.isFinite(maxGradNorm) ? maxGradNorm : 0,
    normEps: 1e-6,
    one: 1,
  };
}

/** One step's new moments, the amount to subtract from the weights, and the pre-clip global norm. */
export interface AdamDelta<V> {
  readonly norm: V;
  readonly m: V;
  readonly v: V;
  readonly delta: V;
}

/**
 * Step `t` (from 1) of Adam on the flat gradient `g0` with moments `m`, `v`; clips by global norm when
 * `clip`. The weights' update is `theta - delta`.
 */
export function adamDelta<V>(
  o: VectorOps<V>,
  k: AdamConstants<V | number>,
  hyper: { readonly beta1: number; readonly beta2: number; readonly clip: boolean },
  g0: V,
  m: V,
  v: V,
  t: number,
  learningRate: number,
): AdamDelta<V> {
  const norm = o.sqrt(o.sum(o.square(g0)));
  // torch.nn.utils.clip_grad_norm_: coef = maxNorm / (norm + 1e-6), clamped to at most 1.
  const g = hyper.clip ? o.mul(g0, o.minimum(o.div(k.maxGradNorm, o.add(norm, k.normEps)), k.one)) : g0;
  const mNew = o.add(o.mul(m, k.beta1), o.mul(g, k.oneMinusBeta1));
  const vNew = o.add(o.mul(v, k.beta2), o.mul(o.square(g), k.oneMinusBeta2));
  // p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)   (torch.optim.Adam)
  const denom = o.add(o.div(o.sqrt(vNew), Math.sqrt(1 - hyper.beta2 ** t)), k.epsilon);
  const delta = o.mul(o.div(mNew, denom), learningRate / (1 - hyper.beta1 ** t));
  return { norm, m: mNew, v: vNew, delta };
}
