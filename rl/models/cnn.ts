/**
 * A convolutional network for image observations: conv layers (NHWC, valid padding) with an
 * activation, flatten, dense hidden layers, a linear head. Raw tf ops and `tf.variable`, like {@link Mlp}.
 *
 * The default layers are the Nature DQN torso (Mnih et al. 2015, "Human-level control through deep
 * reinforcement learning"): 32 8x8 stride 4, 64 4x4 stride 2, 64 3x3 stride 1, dense 512, ReLU, as
 * CleanRL's `ppo_atari.py` with `layer_init` (orthogonal, gain sqrt(2); heads 0.01 / 1).
 * Training on wasm relies on the Conv2DBackpropFilter kernel of rl/backend/kernel-patches.ts.
 */
import type { Tensor, Tensor2D, Tensor4D, Variable } from '@tensorflow/tfjs';
import { SeededRng } from '../../envs/rng.js';
import type { Rng } from '../../envs/spaces/space.js';
import { requireTf } from '../backend/backend.js';
import { type InitKind, initKernel } from './init.js';
import { type Activation, activateTensor } from './mlp.js';
import type { NamedWeights } from './named-weights.js';
import { Parameters } from './parameters.js';

/** One conv layer. */
export interface ConvLayerSpec {
  readonly filters: number;
  readonly kernelSize: number;
  readonly stride: number;
}

/** The Nature DQN conv stack. */
export const NATURE_CONVS: readonly ConvLayerSpec[] = [
  { filters: 32, kernelSize: 8, stride: 4 },
  { filters: 64, kernelSize: 4, stride: 2 },
  { filters: 64, kernelSize: 3, stride: 1 },
];

/** Options of {@link Cnn}. */
export interface CnnOptions {
  /** [H, W, C] of one observation (rl/models/preprocess.ts `imageShape`). */
  readonly imageShape: readonly [number, number, number];
  /** @default NATURE_CONVS */
  readonly convs?: readonly ConvLayerSpec[];
  /** Dense layers after flattening. @default [512] */
  readonly hiddenSizes?: readonly number[];
  readonly outputSize: number;
  /** @default 'relu' */
  readonly activation?: Activation;
  /**
   * Kernel initialiser. Orthogonal init runs Gram-Schmidt in plain JS: O(fanIn x fanOut^2), about
   * 1-4 s for the Nature torso's 3136x512 dense layer; glorot is instant.
   * @default 'orthogonal'
   */
  readonly init?: InitKind;
  /** @default Math.SQRT2 */
  readonly hiddenGain?: number;
  /** @default 1 */
  readonly outputGain?: number;
  /** @default 0 */
  readonly seed?: number | Rng;
  /** @default 'cnn' */
  readonly name?: string;
}

function positiveInt(value: unknown, field: string): number {
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw new RangeError(`${field} (${String(value)}) must be a positive integer.`);
  }
  return value as number;
}

/** A CNN over [B, H*W*C] (flattened, as preprocessed) or [B, H, W, C] inputs. Requires `initBackend()`. */
export class Cnn {
  readonly imageShape: readonly [number, number, number];
  readonly convs: readonly ConvLayerSpec[];
  readonly hiddenSizes: readonly number[];
  readonly outputSize: number;
  readonly activation: Activation;
  readonly name: string;
  /** Trainable variables: conv kernel/bias pairs, then dense kernel/bias pairs. */
  readonly variables: readonly Variable[];
  /** Length of the flattened conv output. */
  readonly flatConvSize: number;
  private readonly params: Parameters;

  /**
   * @throws RangeError when a size is invalid or the image is too small for the conv stack (naming the
   * layer and the sizes).
   */
  constructor(options: CnnOptions) {
    const tf = requireTf();
    const [h0, w0, c0] = options.imageShape.map((d, i) => positiveInt(d, `imageShape[${i}]`)) as [
      number,
      number,
      number,
    ];
    this.imageShape = [h0, w0, c0];
    this.convs = options.convs ?? NATURE_CONVS;
    this.hiddenSizes = options.hiddenSizes ?? [512];
    this.outputSize = positiveInt(options.outputSize, 'outputSize');
    this.activation = options.activation ?? 'relu';
    this.name = options.name ?? 'cnn';
    const init = options.init ?? 'orthogonal';
    const rng = typeof options.seed === 'object' ? options.seed : SeededRng.fromSeed(options.seed ?? 0);
    const hiddenGain = options.hiddenGain ?? Math.SQRT2;
    const initial: { name: string; value: Tensor }[] = [];
    let [h, w, c] = [h0, w0, c0];
    this.convs.forEach((conv, i) => {
      const k = positiveInt(conv.kernelSize, `convs[${i}].kernelSize`);
      const s = positiveInt(conv.stride, `convs[${i}].stride`);
      const f = positiveInt(conv.filters, `convs[${i}].filters`);
      // Valid padding: out = floor((in - k) / s) + 1.
      const oh = Math.floor((h - k) / s) + 1;
      const ow = Math.floor((w - k) / s) + 1;
      if (oh < 1 || ow < 1) {
        throw new RangeError(
          `convs[${i}] (kernel ${k}, stride ${s}) does not fit its ${h}x${w} input; the image ` +
            `${h0}x${w0} is too small for this conv stack: use smaller kernels or strides.`,
        );
      }
      // A [k, k, c, f] kernel is the [k*k*c, f] matrix of torch's orthogonal_ on the flattened weight.
      const kernel = initKernel(init, k * k * c, f, hiddenGain, rng);
      initial.push({ name: `${this.name}/conv${i}/kernel`, value: tf.tensor4d(kernel, [k, k, c, f]) });
      initial.push({ name: `${this.name}/conv${i}/bias`, value: tf.zeros([f]) });
      [h, w, c] = [oh, ow, f];
    });
    this.flatConvSize = h * w * c;
    const sizes = [
      this.flatConvSize,
      ...this.hiddenSizes.map((x, i) => positiveInt(x, `hiddenSizes[${i}]`)),
      this.outputSize,
    ];
    for (let i = 0; i + 1 < sizes.length; i++) {
      const fanIn = sizes[i] as number;
      const fanOut = sizes[i + 1] as number;
      const gain = i + 2 === sizes.length ? (options.outputGain ?? 1) : hiddenGain;
      initial.push({
        name: `${this.name}/dense${i}/kernel`,
        value: tf.tensor2d(initKernel(init, fanIn, fanOut, gain, rng), [fanIn, fanOut]),
      });
      initial.push({ name: `${this.name}/dense${i}/bias`, value: tf.zeros([fanOut]) });
    }
    this.params = new Parameters(`${this.name} weights`, initial);
    this.variables = this.params.variables;
  }

  /** Forward pass -> [B, outputSize]. Call inside `tf.tidy` or a loss function. */
  apply(x: Tensor2D | Tensor4D): Tensor2D {
    const tf = requireTf();
    const [hh, ww, cc] = this.imageShape;
    let h: Tensor = x.rank === 4 ? x : tf.reshape(x, [-1, hh, ww, cc]);
    const fuseRelu = this.activation === 'relu';
    this.convs.forEach((conv, i) => {
      const kernel = this.variables[2 * i] as unknown as Tensor4D;
      const bias = this.variables[2 * i + 1] as Variable;
      h = tf.fused.conv2d({
        x: h as Tensor4D,
        filter: kernel,
        strides: conv.stride,
        pad: 'valid',
        bias,
        activation: fuseRelu ? 'relu' : 'linear',
      });
      if (!fuseRelu) h = activateTensor(tf, h, this.activation);
    });
    h = tf.reshape(h, [-1, this.flatConvSize]);
    const first = 2 * this.convs.length;
    const numDense = (this.variables.length - first) / 2;
    for (let i = 0; i < numDense; i++) {
      const kernel = this.variables[first + 2 * i] as unknown as Tensor2D;
      const bias = this.variables[first + 2 * i + 1] as Variable;
      const hidden = i + 1 < numDense;
      h = tf.fused.matMul({
        a: h as Tensor2D,
        b: kernel,
        bias,
        activation: hidden && fuseRelu ? 'relu' : 'linear',
      });
      if (hidden && !fuseRelu) h = activateTensor(tf, h, this.activation);
    }
    return h as Tensor2D;
  }

  /** Names and shapes of the weights, in order. */
  weightSpecs(): { name: string; shape: number[] }[] {
    return this.params.specs();
  }

  /** A copy of the weights in backend-independent form, read asynchronously (one read per variable). */
  readWeights(): Promise<NamedWeights> {
    return this.params.read();
  }

  /** Overwrites the weights. @throws TypeError when names or shapes differ, naming the entry. */
  setWeights(weights: unknown): void {
    this.params.set(weights);
  }

  /** Copies weights from a twin (target networks). */
  copyFrom(source: Cnn): void {
    this.params.copyFrom(source.params);
  }

  /** Polyak update `this <- tau * source + (1 - tau) * this`. */
  polyakFrom(source: Cnn, tau: number): void {
    this.params.polyakFrom(source.params, tau);
  }

  /** Frees the variables. */
  dispose(): void {
    this.params.dispose();
  }
}
