/**
 * A trainable MLP in plain JS: forward pass with cached activations, hand-written backward pass and
 * Adam over typed arrays, with no tensor backend. For the tiny networks of classic-control
 * off-policy presets (64x64, batch 64-256) this beats tfjs-wasm by several times: tfjs costs ~3-5 us
 * per op (FACTS.md) and a DQN gradient step is ~120 ops, while the arithmetic is ~1M multiply-adds.
 *
 * Same layout, initialisation and arithmetic as {@link Mlp} + rl/optim/adam.ts: weights exported as
 * `<name>/dense<i>/kernel` [fanIn, fanOut] and `bias`, drawn by the same seeded initialiser (so a
 * tfjs and a JS model built with the same options start equal), Adam in PyTorch's form with global
 * gradient-norm clipping (`torch.nn.utils.clip_grad_norm_`), its moments exported as `m/<weight>`,
 * `v/<weight>` (the `tsrl-adam/1` layout of rl/optim/adam.ts).
 *
 * Kernels are stored transposed, [fanOut, fanIn]: the forward dot products, the kernel gradient rows
 * and the input-gradient updates then all run over contiguous memory.
 */
import { SeededRng } from '../../envs/rng.js';
import { initKernel } from './init.js';
import { mlpWeightSpecs } from './js-mlp.js';
import type { Activation, MlpOptions, MlpSpec } from './mlp.js';
import { type NamedWeight, type NamedWeights, validateNamedWeights } from './named-weights.js';

/** Adam hyperparameters of {@link JsMlpTrainer.adamStep}. */
export interface JsAdamOptions {
  readonly learningRate: number;
  /** @default 0.9 */
  readonly beta1?: number;
  /** @default 0.999 */
  readonly beta2?: number;
  /** @default 1e-8 */
  readonly epsilon?: number;
  /** Clip the global gradient norm to this. @default Infinity */
  readonly maxGradNorm?: number;
}

/** The derivative of the activation from its output h (all five activations allow it). */
function derivFromOutput(activation: Activation, h: number): number {
  switch (activation) {
    case 'relu':
      return h > 0 ? 1 : 0;
    case 'tanh':
      return 1 - h * h;
    case 'sigmoid':
      return h * (1 - h);
    case 'elu':
      return h > 0 ? 1 : h + 1;
    case 'linear':
      return 1;
  }
}

function activate(activation: Activation, v: number): number {
  switch (activation) {
    case 'relu':
      return Math.max(v, 0);
    case 'tanh':
      return Math.tanh(v);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-v));
    case 'elu':
      return v > 0 ? v : Math.expm1(v);
    case 'linear':
      return v;
  }
}

/** See the module comment. */
export class JsMlpTrainer {
  readonly spec: MlpSpec;
  /** Prefix of the weight names. */
  readonly name: string;
  /**
   * All parameters: per layer the kernel [fanOut, fanIn] then the bias [fanOut]. float32 like the
   * checkpoints they are saved to, so a resumed run continues bit for bit.
   */
  readonly params: Float32Array;
  /** dLoss/dParams of the last {@link backward}, same layout. */
  readonly grads: Float64Array;
  private readonly sizes: number[];
  private readonly kernelOffsets: number[] = [];
  private readonly biasOffsets: number[] = [];
  private m: Float32Array;
  private v: Float32Array;
  private adamSteps = 0;
  /** Per layer output [B, fanOut] of the last forward (activated; the last layer linear). */
  private acts: Float64Array[] = [];
  /** Gradient scratch per layer: dLoss/d(pre-activation) [B, fanOut], and of the input [B, in]. */
  private deltas: Float64Array[] = [];
  private inputGrad = new Float64Array(0);
  private lastInput: ArrayLike<number> = new Float64Array(0);
  private lastBatch = 0;
  private rows = 0;

  /**
   * Builds the layers and draws the initial weights exactly as `new Mlp(options)` does.
   * @throws RangeError when a size is not a positive integer.
   */
  constructor(options: MlpOptions) {
    const activation = options.activation ?? 'tanh';
    this.sizes = [options.inputSize, ...options.hiddenSizes, options.outputSize];
    this.sizes.forEach((s, i) => {
      if (!Number.isInteger(s) || s < 1) {
        throw new RangeError(`JsMlpTrainer: layer size ${i} (${String(s)}) must be a positive integer.`);
      }
    });
    this.spec = {
      inputSize: options.inputSize,
      hiddenSizes: [...options.hiddenSizes],
      outputSize: options.outputSize,
      activation,
    };
    this.name = options.name ?? 'mlp';
    let total = 0;
    for (let l = 0; l + 1 < this.sizes.length; l++) {
      this.kernelOffsets.push(total);
      total += this.sizes[l]! * this.sizes[l + 1]!;
      this.biasOffsets.push(total);
      total += this.sizes[l + 1]!;
    }
    this.params = new Float32Array(total);
    this.grads = new Float64Array(total);
    this.m = new Float32Array(total);
    this.v = new Float32Array(total);
    const rng = typeof options.seed === 'object' ? options.seed : SeededRng.fromSeed(options.seed ?? 0);
    const numLayers = this.sizes.length - 1;
    for (let l = 0; l < numLayers; l++) {
      const isHead = l + 1 === numLayers;
      const gain = isHead ? (options.outputGain ?? 1) : (options.hiddenGain ?? Math.SQRT2);
      const kernel = initKernel(options.init ?? 'orthogonal', this.sizes[l]!, this.sizes[l + 1]!, gain, rng);
      this.setKernel(l, kernel);
    }
  }

  /** Number of parameters. */
  get size(): number {
    return this.params.length;
  }

  private setKernel(l: number, kernel: ArrayLike<number>): void {
    const fanIn = this.sizes[l]!;
    const fanOut = this.sizes[l + 1]!;
    const off = this.kernelOffsets[l]!;
    for (let i = 0; i < fanIn; i++) {
      for (let j = 0; j < fanOut; j++) this.params[off + j * fanIn + i] = kernel[i * fanOut + j]!;
    }
  }

  private ensureRows(batch: number): void {
    if (batch <= this.rows) return;
    this.rows = batch;
    this.acts = this.sizes.slice(1).map((s) => new Float64Array(batch * s));
    this.deltas = this.sizes.slice(1).map((s) => new Float64Array(batch * s));
    this.inputGrad = new Float64Array(batch * this.sizes[0]!);
  }

  /**
   * Forward pass `x` [batch, inputSize] -> [batch, outputSize], keeping the activations for
   * {@link backward}. The result is an internal buffer, overwritten by the next call.
   * @throws RangeError when `x` is shorter than batch x inputSize.
   */
  forward(x: ArrayLike<number>, batch: number): Float64Array {
    return this.forwardWith(this.params, x, batch);
  }

  /**
   * The same forward pass with other parameters of this layout (a target network's copy), into the
   * same buffers (so a later {@link backward} needs a fresh {@link forward}).
   */
  forwardWith(params: Float32Array, x: ArrayLike<number>, batch: number): Float64Array {
    const sizes = this.sizes;
    if (x.length < batch * sizes[0]!) {
      throw new RangeError(
        `JsMlpTrainer.forward: x has ${x.length} values, need batch x inputSize = ${batch} x ${sizes[0]}.`,
      );
    }
    this.ensureRows(batch);
    this.lastInput = x;
    this.lastBatch = batch;
    const act = this.spec.activation;
    const relu = act === 'relu';
    const numLayers = sizes.length - 1;
    let input: ArrayLike<number> = x;
    for (let l = 0; l < numLayers; l++) {
      const fanIn = sizes[l]!;
      const fanOut = sizes[l + 1]!;
      const k0 = this.kernelOffsets[l]!;
      const b0 = this.biasOffsets[l]!;
      const out = this.acts[l]!;
      const hidden = l + 1 < numLayers;
      for (let b = 0; b < batch; b++) {
        const inRow = b * fanIn;
        const outRow = b * fanOut;
        for (let j = 0; j < fanOut; j++) {
          const k = k0 + j * fanIn;
          let acc = params[b0 + j]!;
          for (let i = 0; i < fanIn; i++) acc += input[inRow + i]! * params[k + i]!;
          out[outRow + j] = !hidden ? acc : relu ? Math.max(acc, 0) : activate(act, acc);
        }
      }
      input = out;
    }
    return this.acts[numLayers - 1]!.subarray(0, batch * sizes[numLayers]!);
  }

  /**
   * Backward pass of the last {@link forward} from dLoss/dOutput [batch, outputSize]: writes
   * dLoss/dParams into {@link grads} (overwriting) and, when `inputGrad` is true, returns
   * dLoss/dInput [batch, inputSize] (an internal buffer); otherwise returns undefined.
   */
  backward(dOutput: ArrayLike<number>, inputGrad = false): Float64Array | undefined {
    const sizes = this.sizes;
    const batch = this.lastBatch;
    const numLayers = sizes.length - 1;
    const act = this.spec.activation;
    const params = this.params;
    const grads = this.grads;
    grads.fill(0);
    const top = this.deltas[numLayers - 1]!;
    const nOut = batch * sizes[numLayers]!;
    for (let i = 0; i < nOut; i++) top[i] = dOutput[i]!;
    for (let l = numLayers - 1; l >= 0; l--) {
      const fanIn = sizes[l]!;
      const fanOut = sizes[l + 1]!;
      const k0 = this.kernelOffsets[l]!;
      const b0 = this.biasOffsets[l]!;
      const dz = this.deltas[l]!;
      const input: ArrayLike<number> = l === 0 ? this.lastInput : this.acts[l - 1]!;
      const wantDx = l > 0 || inputGrad;
      const dx = l > 0 ? this.deltas[l - 1]! : this.inputGrad;
      if (wantDx) dx.fill(0, 0, batch * fanIn);
      for (let b = 0; b < batch; b++) {
        const inRow = b * fanIn;
        const outRow = b * fanOut;
        for (let j = 0; j < fanOut; j++) {
          const d = dz[outRow + j]!;
          if (d === 0) continue;
          grads[b0 + j]! += d;
          const k = k0 + j * fanIn;
          if (wantDx) {
            for (let i = 0; i < fanIn; i++) {
              grads[k + i]! += d * input[inRow + i]!;
              dx[inRow + i]! += d * params[k + i]!;
            }
          } else {
            for (let i = 0; i < fanIn; i++) grads[k + i]! += d * input[inRow + i]!;
          }
        }
      }
      if (l > 0) {
        const h = this.acts[l - 1]!;
        const n = batch * fanIn;
        if (act === 'relu') {
          for (let i = 0; i < n; i++) if (!(h[i]! > 0)) dx[i] = 0;
        } else if (act !== 'linear') {
          for (let i = 0; i < n; i++) dx[i]! *= derivFromOutput(act, h[i]!);
        }
      }
    }
    return inputGrad ? this.inputGrad.subarray(0, batch * sizes[0]!) : undefined;
  }

  /**
   * One Adam step on {@link grads} (PyTorch's form, global-norm clipping as clip_grad_norm_:
   * coef = maxNorm / (norm + 1e-6) clamped to 1). Returns the global gradient norm before clipping.
   */
  adamStep(o: JsAdamOptions): number {
    const norm = Math.sqrt(this.gradSquaredNorm());
    const maxNorm = o.maxGradNorm ?? Number.POSITIVE_INFINITY;
    this.adamStepScaled(o, Number.isFinite(maxNorm) ? Math.min(1, maxNorm / (norm + 1e-6)) : 1);
    return norm;
  }

  /** The squared L2 norm of {@link grads} (to clip several models by one global norm). */
  gradSquaredNorm(): number {
    const grads = this.grads;
    let sq = 0;
    for (let i = 0; i < grads.length; i++) sq += grads[i]! * grads[i]!;
    return sq;
  }

  /** One Adam step on {@link grads} times `coef` (a clipping coefficient computed by the caller). */
  adamStepScaled(o: JsAdamOptions, coef: number): void {
    const grads = this.grads;
    const n = grads.length;
    const b1 = o.beta1 ?? 0.9;
    const b2 = o.beta2 ?? 0.999;
    const eps = o.epsilon ?? 1e-8;
    this.adamSteps++;
    const t = this.adamSteps;
    const stepSize = o.learningRate / (1 - b1 ** t);
    const sqrtBias2 = Math.sqrt(1 - b2 ** t);
    const { m, v, params } = this;
    for (let i = 0; i < n; i++) {
      const g = grads[i]! * coef;
      const mi = b1 * m[i]! + (1 - b1) * g;
      const vi = b2 * v[i]! + (1 - b2) * g * g;
      m[i] = mi;
      v[i] = vi;
      // p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)   (torch.optim.Adam)
      params[i] = params[i]! - (stepSize * mi) / (Math.sqrt(vi) / sqrtBias2 + eps);
    }
  }

  /** Polyak update of `target` (same layout) towards this model: target <- tau this + (1 - tau) target. */
  polyakInto(target: Float32Array, tau: number): void {
    const p = this.params;
    if (tau >= 1) {
      target.set(p);
      return;
    }
    for (let i = 0; i < p.length; i++) target[i] = tau * p[i]! + (1 - tau) * target[i]!;
  }

  private exportFlat(flat: Float32Array, prefix: string): NamedWeight[] {
    const out: NamedWeight[] = [];
    for (let l = 0; l + 1 < this.sizes.length; l++) {
      const fanIn = this.sizes[l]!;
      const fanOut = this.sizes[l + 1]!;
      const k0 = this.kernelOffsets[l]!;
      const kernel = new Float32Array(fanIn * fanOut);
      for (let i = 0; i < fanIn; i++) {
        for (let j = 0; j < fanOut; j++) kernel[i * fanOut + j] = flat[k0 + j * fanIn + i]!;
      }
      const b0 = this.biasOffsets[l]!;
      out.push({ name: `${prefix}${this.name}/dense${l}/kernel`, shape: [fanIn, fanOut], data: kernel });
      out.push({
        name: `${prefix}${this.name}/dense${l}/bias`,
        shape: [fanOut],
        data: Float32Array.from(flat.subarray(b0, b0 + fanOut)),
      });
    }
    return out;
  }

  private importFlat(flat: Float32Array, weights: NamedWeights): void {
    for (let l = 0; l + 1 < this.sizes.length; l++) {
      const fanIn = this.sizes[l]!;
      const fanOut = this.sizes[l + 1]!;
      const k0 = this.kernelOffsets[l]!;
      const kernel = weights[2 * l]!.data;
      for (let i = 0; i < fanIn; i++) {
        for (let j = 0; j < fanOut; j++) flat[k0 + j * fanIn + i] = kernel[i * fanOut + j]!;
      }
      flat.set(weights[2 * l + 1]!.data, this.biasOffsets[l]!);
    }
  }

  /** The weights of `params` (default this model's) in {@link Mlp}'s layout, under `name`. */
  getWeights(params: Float32Array = this.params, name = this.name): NamedWeights {
    return this.exportFlat(params, '').map((w) => ({ ...w, name: w.name.replace(this.name, name) }));
  }

  /**
   * Reads {@link Mlp}-layout weights under `name` into `params` (default this model's).
   * @throws TypeError when names or shapes do not fit, naming the entry.
   */
  setWeights(weights: unknown, params: Float32Array = this.params, name = this.name): void {
    const checked = validateNamedWeights(weights, `${name} weights`, mlpWeightSpecs(this.spec, name));
    this.importFlat(params, checked);
  }

  /** Adam's moments (`m/<weight>`, `v/<weight>`, rl/optim/adam.ts's layout) and step count. */
  getAdamState(): { m: NamedWeights; v: NamedWeights; stepCount: number } {
    return { m: this.exportFlat(this.m, 'm/'), v: this.exportFlat(this.v, 'v/'), stepCount: this.adamSteps };
  }

  /**
   * Restores {@link getAdamState}'s result.
   * @throws TypeError naming the field when the moments or the step count do not fit.
   */
  setAdamState(m: unknown, v: unknown, stepCount: unknown): void {
    const specs = mlpWeightSpecs(this.spec, this.name);
    const mw = validateNamedWeights(
      m,
      'optimizer m',
      specs.map((s) => ({ ...s, name: `m/${s.name}` })),
    );
    const vw = validateNamedWeights(
      v,
      'optimizer v',
      specs.map((s) => ({ ...s, name: `v/${s.name}` })),
    );
    if (typeof stepCount !== 'number' || !Number.isSafeInteger(stepCount) || stepCount < 0) {
      throw new TypeError(`optimizer stepCount (${String(stepCount)}) must be a non-negative integer.`);
    }
    this.importFlat(this.m, mw);
    this.importFlat(this.v, vw);
    this.adamSteps = stepCount;
  }
}
