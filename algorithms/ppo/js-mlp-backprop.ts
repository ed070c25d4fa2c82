/**
 * Forward and hand-written backward passes of one MLP stack in plain JS over the learner's flat weight
 * array, for small models: the forward pass of ./network.ts's MLP stacks and its derivative, without
 * kernels (checked against central differences in test/algorithms/ppo/js-mlp-backprop.test.ts, and
 * whole updates against autodiff of ./loss.ts in learner.test.ts). For PPO's CartPole net (4-32-32-2
 * and 4-32-32-1, 256 rows) one gradient step is ~1.8M multiply-adds; tfjs wasm spends more on
 * per-kernel overhead (~3-5 us x ~60 kernels, tensor uploads, read-backs) than on the arithmetic,
 * plain JS has none of it. Computes in float64 (float64 arrays: no conversion per load), returns float32.
 */
import type { Activation } from './model.js';

/** One dense layer inside the flat weight array: kernel [fanIn, fanOut] row-major, then bias [fanOut]. */
export interface FlatDense {
  readonly fanIn: number;
  readonly fanOut: number;
  /** Offset of the kernel in the flat array. */
  readonly kernelOffset: number;
  /** Offset of the bias in the flat array. */
  readonly biasOffset: number;
}

/** Activations with a plain-JS derivative here (the others, e.g. elu, take gradients 'device'). */
export function hasJsBackprop(activation: Activation): boolean {
  return (
    activation === 'tanh' || activation === 'relu' || activation === 'sigmoid' || activation === 'linear'
  );
}

/**
 * One MLP stack (hidden activation on all but the last layer) with scratch buffers sized for the
 * batch; {@link forward} keeps the activations that {@link backward} needs. Activations are kept
 * feature-major ([features, rows]) so every inner loop runs over rows, contiguous: forward and the
 * input gradient are sums of scaled rows (4 at a time), the kernel gradient is a dot product per weight.
 */
export class JsStackBackprop {
  private readonly layers: readonly FlatDense[];
  private readonly activation: Activation;
  /** hT[0]: the input, hT[l + 1]: layer l's output after its activation. [features, rows] each */
  private hT: Float64Array[] = [];
  /** dT[l]: dLoss/d(pre-activation) of layer l. [fanOut_l, rows] */
  private dT: Float64Array[] = [];
  /** float64 copy of this stack's weights, at the flat array's offsets (float64 loads skip conversions). */
  private w = new Float64Array(0);
  private out = new Float32Array(0);
  private rows = 0;

  /** @throws TypeError when the activation has no plain-JS derivative ({@link hasJsBackprop}). */
  constructor(layers: readonly FlatDense[], activation: Activation) {
    if (!hasJsBackprop(activation)) {
      throw new TypeError(`JsStackBackprop: activation '${activation}' has no plain-JS derivative.`);
    }
    this.layers = layers;
    this.activation = activation;
  }

  private ensure(rows: number): void {
    if (this.rows === rows) return;
    this.hT = [
      new Float64Array(rows * this.layers[0]!.fanIn),
      ...this.layers.map((l) => new Float64Array(rows * l.fanOut)),
    ];
    this.dT = this.layers.map((l) => new Float64Array(rows * l.fanOut));
    this.out = new Float32Array(rows * this.layers[this.layers.length - 1]!.fanOut);
    this.rows = rows;
  }

  /** Output [rows, out] for input `x` [rows, in]; the returned array is reused by the next call. */
  forward(theta: Float32Array, x: Float32Array, rows: number): Float32Array {
    this.ensure(rows);
    if (this.w.length !== theta.length) this.w = new Float64Array(theta.length);
    const w = this.w;
    for (const { fanIn, fanOut, kernelOffset, biasOffset } of this.layers) {
      for (let k = kernelOffset; k < kernelOffset + fanIn * fanOut; k++) w[k] = theta[k]!;
      for (let k = biasOffset; k < biasOffset + fanOut; k++) w[k] = theta[k]!;
    }
    const last = this.layers.length - 1;
    transposeIn(x, rows, this.layers[0]!.fanIn, this.hT[0]!);
    for (let l = 0; l <= last; l++) {
      const { fanIn, fanOut, kernelOffset, biasOffset } = this.layers[l]!;
      const src = this.hT[l]!;
      const dst = this.hT[l + 1]!;
      for (let j = 0; j < fanOut; j++) dst.fill(w[biasOffset + j]!, j * rows, (j + 1) * rows);
      // dst[j, :] += sum_i W[i, j] src[i, :]
      mixRows(w, kernelOffset, 1, fanOut, fanOut, fanIn, src, rows, dst);
      if (l < last) activate(dst, rows * fanOut, this.activation);
    }
    transposeOut(this.hT[last + 1]!, this.layers[last]!.fanOut, rows, this.out);
    return this.out;
  }

  /**
   * Backward from dLoss/dOutput [rows, out] after {@link forward} on the same rows: writes dKernel and
   * dBias of every layer into `grad` at the layers' offsets (uses the weights given to forward).
   */
  backward(dOutput: Float32Array, rows: number, grad: Float32Array): void {
    const w = this.w;
    const last = this.layers.length - 1;
    transposeIn(dOutput, rows, this.layers[last]!.fanOut, this.dT[last]!);
    for (let l = last; l >= 0; l--) {
      const { fanIn, fanOut, kernelOffset, biasOffset } = this.layers[l]!;
      const input = this.hT[l]!;
      const dz = this.dT[l]!;
      // dKernel[i, j] = input[i, :] . dz[j, :]; dBias[j] = sum(dz[j, :]).
      for (let j = 0; j < fanOut; j++) {
        const d = j * rows;
        let s0 = 0;
        let s1 = 0;
        let r = 0;
        for (; r + 1 < rows; r += 2) {
          s0 += dz[d + r]!;
          s1 += dz[d + r + 1]!;
        }
        if (r < rows) s0 += dz[d + r]!;
        grad[biasOffset + j] = s0 + s1;
      }
      kernelGrad(input, fanIn, dz, fanOut, rows, grad, kernelOffset);
      if (l === 0) break;
      // dPrev[i, :] = (sum_j W[i, j] dz[j, :]) * act'(h[i, :]) with h = this layer's input.
      const dPrev = this.dT[l - 1]!;
      dPrev.fill(0, 0, fanIn * rows);
      mixRows(w, kernelOffset, fanOut, 1, fanIn, fanOut, dz, rows, dPrev);
      activationBackward(dPrev, input, rows * fanIn, this.activation);
    }
  }
}

/**
 * dst[t, :] += sum_k w[w0 + t * wOut + k * wIn] src[k, :] for t < nOut, k < nIn (rows of `rows`
 * values): 2 outputs x 4 inputs per pass over the rows (8 products per 10 loads and stores).
 */
function mixRows(
  w: Float64Array,
  w0: number,
  wOut: number,
  wIn: number,
  nOut: number,
  nIn: number,
  src: Float64Array,
  rows: number,
  dst: Float64Array,
): void {
  for (let t = 0; t < nOut; t += 2) {
    const pair = t + 1 < nOut;
    const o0 = t * rows;
    const o1 = pair ? o0 + rows : o0;
    const w0t = w0 + t * wOut;
    const w1t = pair ? w0t + wOut : w0t;
    let k = 0;
    for (; k + 3 < nIn; k += 4) {
      const a0 = w[w0t + k * wIn]!;
      const b0 = w[w0t + (k + 1) * wIn]!;
      const c0 = w[w0t + (k + 2) * wIn]!;
      const d0 = w[w0t + (k + 3) * wIn]!;
      const a1 = pair ? w[w1t + k * wIn]! : 0;
      const b1 = pair ? w[w1t + (k + 1) * wIn]! : 0;
      const c1 = pair ? w[w1t + (k + 2) * wIn]! : 0;
      const d1 = pair ? w[w1t + (k + 3) * wIn]! : 0;
      const p = k * rows;
      const q = p + rows;
      const u = q + rows;
      const v = u + rows;
      if (pair) {
        for (let r = 0; r < rows; r++) {
          const x0 = src[p + r]!;
          const x1 = src[q + r]!;
          const x2 = src[u + r]!;
          const x3 = src[v + r]!;
          dst[o0 + r] = dst[o0 + r]! + a0 * x0 + b0 * x1 + c0 * x2 + d0 * x3;
          dst[o1 + r] = dst[o1 + r]! + a1 * x0 + b1 * x1 + c1 * x2 + d1 * x3;
        }
      } else {
        for (let r = 0; r < rows; r++) {
          dst[o0 + r] =
            dst[o0 + r]! + a0 * src[p + r]! + b0 * src[q + r]! + c0 * src[u + r]! + d0 * src[v + r]!;
        }
      }
    }
    for (; k < nIn; k++) {
      const a0 = w[w0t + k * wIn]!;
      const p = k * rows;
      for (let r = 0; r < rows; r++) dst[o0 + r] = dst[o0 + r]! + a0 * src[p + r]!;
      if (pair) {
        const a1 = w[w1t + k * wIn]!;
        for (let r = 0; r < rows; r++) dst[o1 + r] = dst[o1 + r]! + a1 * src[p + r]!;
      }
    }
  }
}

/**
 * grad[o + i * fanOut + j] = input[i, :] . dz[j, :] for all i, j, in 2 x 4 blocks (8 products per 6
 * loads) with plain dot products for the edges.
 */
function kernelGrad(
  input: Float64Array,
  fanIn: number,
  dz: Float64Array,
  fanOut: number,
  rows: number,
  grad: Float32Array,
  o: number,
): void {
  const i2 = fanIn - (fanIn % 2);
  const j4 = fanOut - (fanOut % 4);
  for (let i = 0; i < i2; i += 2) {
    const a = i * rows;
    const b = a + rows;
    for (let j = 0; j < j4; j += 4) {
      const p = j * rows;
      const q = p + rows;
      const u = q + rows;
      const v = u + rows;
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      for (let r = 0; r < rows; r++) {
        const x0 = input[a + r]!;
        const x1 = input[b + r]!;
        const d0 = dz[p + r]!;
        const d1 = dz[q + r]!;
        const d2 = dz[u + r]!;
        const d3 = dz[v + r]!;
        s00 += x0 * d0;
        s01 += x0 * d1;
        s02 += x0 * d2;
        s03 += x0 * d3;
        s10 += x1 * d0;
        s11 += x1 * d1;
        s12 += x1 * d2;
        s13 += x1 * d3;
      }
      const g0 = o + i * fanOut + j;
      const g1 = g0 + fanOut;
      grad[g0] = s00;
      grad[g0 + 1] = s01;
      grad[g0 + 2] = s02;
      grad[g0 + 3] = s03;
      grad[g1] = s10;
      grad[g1 + 1] = s11;
      grad[g1 + 2] = s12;
      grad[g1 + 3] = s13;
    }
  }
  for (let i = 0; i < fanIn; i++) {
    for (let j = i < i2 ? j4 : 0; j < fanOut; j++) {
      grad[o + i * fanOut + j] = dot(input, i * rows, dz, j * rows, rows);
    }
  }
}

function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let r = 0;
  for (; r + 3 < n; r += 4) {
    s0 += a[ao + r]! * b[bo + r]!;
    s1 += a[ao + r + 1]! * b[bo + r + 1]!;
    s2 += a[ao + r + 2]! * b[bo + r + 2]!;
    s3 += a[ao + r + 3]! * b[bo + r + 3]!;
  }
  for (; r < n; r++) s0 += a[ao + r]! * b[bo + r]!;
  return s0 + s1 + (s2 + s3);
}

/** out[c, r] = x[r, c] for x [rows, cols]. */
function transposeIn(x: Float32Array, rows: number, cols: number, out: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = x[o + c]!;
  }
}

/** out[c, r] = x[r, c] for x [rows, cols]. */
function transposeOut(x: Float64Array, rows: number, cols: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = x[o + c]!;
  }
}

/** d *= act'(pre-activation), written in terms of the activation's output h. */
function activationBackward(d: Float64Array, h: Float64Array, n: number, activation: Activation): void {
  if (activation === 'tanh') for (let i = 0; i < n; i++) d[i] = d[i]! * (1 - h[i]! * h[i]!);
  else if (activation === 'relu') for (let i = 0; i < n; i++) d[i] = h[i]! > 0 ? d[i]! : 0;
  else if (activation === 'sigmoid') for (let i = 0; i < n; i++) d[i] = d[i]! * h[i]! * (1 - h[i]!);
}

function activate(a: Float64Array, n: number, activation: Activation): void {
  if (activation === 'tanh') {
    // tanh(x) = 1 - 2 / (exp(2x) + 1): ~3x faster than Math.tanh in V8, exact to float32 rounding.
    for (let i = 0; i < n; i++) a[i] = 1 - 2 / (Math.exp(2 * a[i]!) + 1);
  } else if (activation === 'relu') for (let i = 0; i < n; i++) a[i] = Math.max(a[i]!, 0);
  else if (activation === 'sigmoid') for (let i = 0; i < n; i++) a[i] = 1 / (1 + Math.exp(-a[i]!));
}
