/**
 * A multi-layer perceptron built from raw tf ops and `tf.variable` (not `tf.layers`: `model.predict`
 * adds 50-80 us per call, docs/measurements.md). `apply` is a pure function of the variables, usable inside
 * `tf.tidy` and inside an optimiser's loss function.
 */
import type { Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs';
import { SeededRng } from '../../envs/rng.js';
import type { Rng } from '../../envs/spaces/space.js';
import { requireTf, type Tf } from '../backend/backend.js';
import { type InitKind, initKernel } from './init.js';
import type { NamedWeights } from './named-weights.js';
import { Parameters } from './parameters.js';

/** Hidden-layer nonlinearity (the values of config `model.activation`). */
export type Activation = 'tanh' | 'relu' | 'elu' | 'sigmoid' | 'linear';

/** The activations, for validation. */
export const MLP_ACTIVATIONS: readonly Activation[] = ['tanh', 'relu', 'elu', 'sigmoid', 'linear'];

/** One dense layer's tensors (variables, or plain tensors in tests). */
export interface DenseTensors {
  /** [in, out] */
  readonly kernel: Tensor2D;
  /** [out] */
  readonly bias: Tensor1D;
}

/**
 * The forward pass of a dense stack, `activation` on all layers but the last (a linear head): the one
 * tfjs MLP forward ({@link Mlp.apply}, PPO's actor and critic). Creates intermediate tensors: call it
 * inside `tf.tidy` or a gradient tape. [B, in] -> [B, out]
 */
export function denseStack(
  tf: Tf,
  layers: readonly DenseTensors[],
  x: Tensor2D,
  activation: Activation,
): Tensor2D {
  let h = x;
  layers.forEach((l, i) => {
    const hidden = i + 1 < layers.length;
    // One fused kernel for matMul + bias (+ relu: tfjs 4.22 has fused gradients for linear and relu only).
    const fuseRelu = hidden && activation === 'relu';
    h = tf.fused.matMul({
      a: h,
      b: l.kernel,
      bias: l.bias,
      activation: fuseRelu ? 'relu' : 'linear',
    }) as Tensor2D;
    if (hidden && !fuseRelu) h = activateTensor(tf, h, activation);
  });
  return h;
}

/** `activation` elementwise on tensors. */
export function activateTensor<T extends Tensor>(tf: Tf, x: T, activation: Activation): T {
  switch (activation) {
    case 'tanh':
      return tf.tanh(x);
    case 'relu':
      return tf.relu(x);
    case 'elu':
      return tf.elu(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'linear':
      return x;
  }
}

/** Options of {@link Mlp}. */
export interface MlpOptions {
  /** Length of one input row (e.g. a preprocessor's `size`). */
  readonly inputSize: number;
  /** Widths of the hidden layers, e.g. `[64, 64]`; `[]` makes a linear model. */
  readonly hiddenSizes: readonly number[];
  /** Width of the output head (logits, mean, Q-values or 1 for a value). */
  readonly outputSize: number;
  /** @default 'tanh' */
  readonly activation?: Activation;
  /** Kernel initialiser; biases start at 0. @default 'orthogonal' */
  readonly init?: InitKind;
  /**
   * Gain of hidden kernels. CleanRL `layer_init(std=np.sqrt(2))` (cleanrl/ppo.py).
   * @default Math.SQRT2
   */
  readonly hiddenGain?: number;
  /**
   * Gain of the output kernel: CleanRL uses 0.01 for policy heads and 1 for value heads (cleanrl/ppo.py).
   * @default 1
   */
  readonly outputGain?: number;
  /** Seed or generator of the initial weights. @default 0 */
  readonly seed?: number | Rng;
  /** Prefix of weight names (`<name>/dense0/kernel`). @default 'mlp' */
  readonly name?: string;
}

/** Layer sizes and activation of an MLP: all a plain-JS forward pass needs besides the weights. */
export interface MlpSpec {
  readonly inputSize: number;
  readonly hiddenSizes: readonly number[];
  readonly outputSize: number;
  readonly activation: Activation;
}

/**
 * Multiply-adds of one forward pass of one row: the sum of fanIn x fanOut over the dense layers
 * (activations and biases are not counted). Sizes learner steps for the backend choice
 * (rl/backend/webgpu.ts `WEBGPU_MIN_MACS`).
 */
export function mlpMacsPerRow(spec: MlpSpec): number {
  const sizes = [spec.inputSize, ...spec.hiddenSizes, spec.outputSize];
  let macs = 0;
  for (let i = 1; i < sizes.length; i++) macs += sizes[i - 1]! * sizes[i]!;
  return macs;
}

function checkSize(value: unknown, field: string): number {
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw new RangeError(`${field} (${String(value)}) must be a positive integer.`);
  }
  return value as number;
}

/**
 * An MLP: `hiddenSizes.length` dense layers with `activation`, then a linear output head.
 * Kernels are `[fanIn, fanOut]`, weights named `<name>/dense<i>/kernel|bias` (last is the head).
 * Requires `await initBackend()` first.
 */
export class Mlp {
  /** Sizes and activation. */
  readonly spec: MlpSpec;
  /** Prefix of the weight names. */
  readonly name: string;
  /** Trainable variables in weight order [kernel0, bias0, kernel1, bias1, ...]. */
  readonly variables: readonly Variable[];
  private readonly params: Parameters;

  /**
   * Creates the variables with seeded initial values.
   * @throws RangeError when a size is not a positive integer or the activation/init is unknown.
   */
  constructor(options: MlpOptions) {
    const tf = requireTf();
    const activation = options.activation ?? 'tanh';
    if (!MLP_ACTIVATIONS.includes(activation)) {
      throw new RangeError(
        `activation (${String(activation)}) must be one of ${MLP_ACTIVATIONS.join(', ')}.`,
      );
    }
    const init = options.init ?? 'orthogonal';
    if (init !== 'orthogonal' && init !== 'glorot') {
      throw new RangeError(`init (${String(init)}) must be 'orthogonal' or 'glorot'.`);
    }
    const sizes = [
      checkSize(options.inputSize, 'inputSize'),
      ...options.hiddenSizes.map((h, i) => checkSize(h, `hiddenSizes[${i}]`)),
      checkSize(options.outputSize, 'outputSize'),
    ];
    this.spec = {
      inputSize: options.inputSize,
      hiddenSizes: [...options.hiddenSizes],
      outputSize: options.outputSize,
      activation,
    };
    this.name = options.name ?? 'mlp';
    const rng = typeof options.seed === 'object' ? options.seed : SeededRng.fromSeed(options.seed ?? 0);
    const initial: { name: string; value: Tensor }[] = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      const fanIn = sizes[i] as number;
      const fanOut = sizes[i + 1] as number;
      const isHead = i + 2 === sizes.length;
      const gain = isHead ? (options.outputGain ?? 1) : (options.hiddenGain ?? Math.SQRT2);
      const kernel = initKernel(init, fanIn, fanOut, gain, rng);
      initial.push({ name: `${this.name}/dense${i}/kernel`, value: tf.tensor2d(kernel, [fanIn, fanOut]) });
      initial.push({ name: `${this.name}/dense${i}/bias`, value: tf.zeros([fanOut]) });
    }
    this.params = new Parameters(`${this.name} weights`, initial);
    this.variables = this.params.variables;
  }

  /**
   * The forward pass: `x` [B, inputSize] -> [B, outputSize]. Creates intermediate tensors: call it
   * inside `tf.tidy` or a loss function.
   */
  apply(x: Tensor2D): Tensor2D {
    const layers: DenseTensors[] = [];
    for (let i = 0; i < this.variables.length; i += 2) {
      layers.push({
        kernel: this.variables[i] as unknown as Tensor2D,
        bias: this.variables[i + 1] as unknown as Tensor1D,
      });
    }
    return denseStack(requireTf(), layers, x, this.spec.activation);
  }

  /** Names and shapes of the weights, in order (for validation). */
  weightSpecs(): { name: string; shape: number[] }[] {
    return this.params.specs();
  }

  /** A copy of the weights in backend-independent form, read asynchronously (one read per variable). */
  readWeights(): Promise<NamedWeights> {
    return this.params.read();
  }

  /**
   * Overwrites the weights (e.g. broadcast from a learner, or from a checkpoint).
   * @throws TypeError when names or shapes differ from this model's, naming the entry.
   */
  setWeights(weights: unknown): void {
    this.params.set(weights);
  }

  /** Copies weights from another model of the same architecture on the device (target networks). */
  copyFrom(source: Mlp): void {
    this.params.copyFrom(source.params);
  }

  /** Polyak update `this <- tau * source + (1 - tau) * this` (target networks of SAC/DQN). */
  polyakFrom(source: Mlp, tau: number): void {
    this.params.polyakFrom(source.params, tau);
  }

  /** Frees the variables. */
  dispose(): void {
    this.params.dispose();
  }
}
