/**
 * A plain-JS forward pass of an MLP from backend-independent weights, for small-batch policy
 * inference in env runners: tfjs costs ~3-5 us per op (docs/measurements.md), so at small batch a small MLP is
 * faster in plain loops, and an env runner that uses it need not load tfjs at all (~0.3-0.6 s).
 * bench/backend.ts measures both.
 */
import type { Activation, MlpSpec } from './mlp.js';
import { validateNamedWeights } from './named-weights.js';

/** One dense layer's weights: `kernel` [fanIn, fanOut] row-major, `bias` [fanOut]. */
export interface DenseWeights {
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
  readonly fanIn: number;
  readonly fanOut: number;
}

/** The weight names and shapes of an {@link Mlp} with this spec under `name`, in order. */
export function mlpWeightSpecs(spec: MlpSpec, name = 'mlp'): { name: string; shape: number[] }[] {
  const sizes = [spec.inputSize, ...spec.hiddenSizes, spec.outputSize];
  const out: { name: string; shape: number[] }[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    out.push({ name: `${name}/dense${i}/kernel`, shape: [sizes[i] as number, sizes[i + 1] as number] });
    out.push({ name: `${name}/dense${i}/bias`, shape: [sizes[i + 1] as number] });
  }
  return out;
}

/** The hidden-layer activation of {@link Mlp} on one value, in plain JS (also PPO's conv torso for runners). */
export function activate(activation: Activation, v: number): number {
  switch (activation) {
    case 'tanh':
      return Math.tanh(v);
    case 'relu':
      return Math.max(v, 0);
    case 'elu':
      return v > 0 ? v : Math.expm1(v);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-v));
    case 'linear':
      return v;
  }
}

/**
 * An MLP forward pass over Float32Arrays: hidden layers with `activation`, a linear last layer.
 * Allocation-free after the first call at a given batch size.
 */
export class JsMlp {
  readonly activation: Activation;
  private sizes: number[] = [];
  // Kernels stored transposed, [fanOut, fanIn] in float64: each output is then a dot product over
  // contiguous memory accumulated in a local variable, measured ~2x faster than row axpy updates.
  private kernels: Float64Array[] = [];
  private biases: Float64Array[] = [];
  private buffers: Float64Array[] = [];
  private output = new Float32Array(0);
  private bufferRows = 0;

  /**
   * @throws RangeError when consecutive layers do not chain (fanOut of one = fanIn of the next) or
   * an array length does not match its sizes.
   */
  constructor(layers: readonly DenseWeights[], activation: Activation) {
    this.activation = activation;
    this.setLayers(layers);
  }

  /**
   * An MLP laid out as {@link Mlp} (names `<name>/dense<i>/kernel|bias`) from its weights.
   * @throws TypeError when names or shapes do not fit the spec.
   */
  static fromWeights(spec: MlpSpec, weights: unknown, name = 'mlp'): JsMlp {
    return new JsMlp(JsMlp.layersFromWeights(spec, weights, name), spec.activation);
  }

  /**
   * Validates {@link Mlp}-layout weights and pairs them into layers.
   * @throws TypeError when names or shapes do not fit the spec.
   */
  static layersFromWeights(spec: MlpSpec, weights: unknown, name = 'mlp'): DenseWeights[] {
    const checked = validateNamedWeights(weights, `${name} weights`, mlpWeightSpecs(spec, name));
    const layers: DenseWeights[] = [];
    for (let i = 0; i < checked.length; i += 2) {
      const k = checked[i];
      const b = checked[i + 1];
      if (k === undefined || b === undefined) break;
      layers.push({
        kernel: k.data,
        bias: b.data,
        fanIn: k.shape[0] as number,
        fanOut: k.shape[1] as number,
      });
    }
    return layers;
  }

  /**
   * Replaces the weights (copied, so the caller may reuse its arrays).
   * @throws RangeError as the constructor.
   */
  setLayers(layers: readonly DenseWeights[]): void {
    if (layers.length === 0) throw new RangeError('JsMlp: needs at least one layer.');
    layers.forEach((l, i) => {
      if (l.kernel.length !== l.fanIn * l.fanOut || l.bias.length !== l.fanOut) {
        throw new RangeError(
          `JsMlp: layer ${i} kernel (${l.kernel.length}) / bias (${l.bias.length}) do not match ${l.fanIn} x ${l.fanOut}.`,
        );
      }
      const prev = layers[i - 1];
      if (prev !== undefined && prev.fanOut !== l.fanIn) {
        throw new RangeError(
          `JsMlp: layer ${i} has fanIn ${l.fanIn} but layer ${i - 1} has fanOut ${prev.fanOut}.`,
        );
      }
    });
    const sizes = [(layers[0] as DenseWeights).fanIn, ...layers.map((l) => l.fanOut)];
    if (sizes.join() !== this.sizes.join()) {
      this.sizes = sizes;
      this.bufferRows = 0;
    }
    this.kernels = layers.map(({ kernel, fanIn, fanOut }) => {
      const t = new Float64Array(fanIn * fanOut);
      for (let i = 0; i < fanIn; i++) {
        for (let j = 0; j < fanOut; j++) t[j * fanIn + i] = kernel[i * fanOut + j] as number;
      }
      return t;
    });
    this.biases = layers.map((l) => Float64Array.from(l.bias));
  }

  /** Input width. */
  get inputSize(): number {
    return this.sizes[0] as number;
  }

  /** Output width. */
  get outputSize(): number {
    return this.sizes[this.sizes.length - 1] as number;
  }

  /**
   * Forward pass: `x` [batchSize, inputSize] row-major -> [batchSize, outputSize]. The returned
   * array is an internal buffer, overwritten by the next call: copy what you keep.
   * @throws RangeError when `x` is shorter than batchSize * inputSize.
   */
  forward(x: Float32Array, batchSize: number): Float32Array {
    const sizes = this.sizes;
    if (x.length < batchSize * this.inputSize) {
      throw new RangeError(
        `JsMlp.forward: x has ${x.length} values, need batchSize x inputSize = ${batchSize} x ${this.inputSize}.`,
      );
    }
    if (batchSize > this.bufferRows) {
      this.bufferRows = batchSize;
      this.buffers = sizes.slice(1).map((s) => new Float64Array(batchSize * s));
      this.output = new Float32Array(batchSize * this.outputSize);
    }
    const numLayers = sizes.length - 1;
    const act = this.activation;
    const tanh = act === 'tanh';
    let input: Float32Array | Float64Array = x;
    for (let l = 0; l < numLayers; l++) {
      const fanIn = sizes[l] as number;
      const fanOut = sizes[l + 1] as number;
      const kernel = this.kernels[l] as Float64Array; // [fanOut, fanIn]
      const bias = this.biases[l] as Float64Array;
      const out = this.buffers[l] as Float64Array;
      const hidden = l + 1 < numLayers;
      for (let b = 0; b < batchSize; b++) {
        const inRow = b * fanIn;
        const outRow = b * fanOut;
        for (let j = 0; j < fanOut; j++) {
          const k = j * fanIn;
          let acc = bias[j] as number;
          for (let i = 0; i < fanIn; i++) acc += (input[inRow + i] as number) * (kernel[k + i] as number);
          out[outRow + j] = !hidden ? acc : tanh ? Math.tanh(acc) : activate(act, acc);
        }
      }
      input = out;
    }
    const n = batchSize * this.outputSize;
    const result = this.output.subarray(0, n);
    for (let i = 0; i < n; i++) result[i] = input[i] as number;
    return result;
  }
}
