/**
 * One forward function for policy inference in env runners that runs an MLP either in plain JS
 * ({@link JsMlp}) or in tfjs ({@link Mlp}), whichever is faster for the batch size.
 *
 * Measured (bench/backend.ts, 2-core machine, 8-64-64-4 tanh): plain JS wins at batch 1 by ~10x and
 * breaks even around batch 8 against tfjs-wasm (about 40k multiply-adds per call); above that tfjs-wasm
 * (SIMD kernels) wins. `auto` therefore runs JS up to `jsMaxMacs` multiply-adds per call, and tfjs
 * above, but only when tfjs is already loaded: an env runner that never called `initBackend()` stays
 * tfjs-free (importing tfjs costs ~0.3-0.6 s) and always runs JS.
 */
import { currentBackend, requireTf } from '../backend/backend.js';
import { JsMlp } from './js-mlp.js';
import { Mlp, type MlpSpec } from './mlp.js';
import type { NamedWeights } from './named-weights.js';

/** Which implementation runs the forward pass. */
export type ForwardImpl = 'auto' | 'js' | 'tfjs';

/** Options of {@link PolicyForward}. */
export interface PolicyForwardOptions {
  /** @default 'auto' */
  readonly impl?: ForwardImpl;
  /**
   * With `auto`, batches of at most this many multiply-adds (batchSize x sum of fanIn x fanOut) run
   * in plain JS.
   * @default 40_000
   */
  readonly jsMaxMacs?: number;
  /** Weight-name prefix, as the {@link Mlp} the weights come from. @default 'mlp' */
  readonly name?: string;
}

/** Policy inference over an MLP's backend-independent weights (see the module doc). */
export class PolicyForward {
  readonly spec: MlpSpec;
  readonly impl: ForwardImpl;
  private readonly jsMaxMacs: number;
  private readonly name: string;
  private readonly macsPerRow: number;
  private js: JsMlp | undefined;
  private tfMlp: Mlp | undefined;
  private weights: NamedWeights | undefined;

  /** @throws RangeError when `impl` is unknown. */
  constructor(spec: MlpSpec, options: PolicyForwardOptions = {}) {
    this.spec = spec;
    this.impl = options.impl ?? 'auto';
    if (!['auto', 'js', 'tfjs'].includes(this.impl)) {
      throw new RangeError(`PolicyForward: impl (${String(this.impl)}) must be 'auto', 'js' or 'tfjs'.`);
    }
    this.jsMaxMacs = options.jsMaxMacs ?? 40_000;
    this.name = options.name ?? 'mlp';
    const sizes = [spec.inputSize, ...spec.hiddenSizes, spec.outputSize];
    let macs = 0;
    for (let i = 0; i + 1 < sizes.length; i++) macs += (sizes[i] as number) * (sizes[i + 1] as number);
    this.macsPerRow = macs;
  }

  /**
   * Sets the weights (as broadcast by a learner).
   * @throws TypeError when names or shapes do not fit the spec.
   */
  setWeights(weights: NamedWeights): void {
    const layers = JsMlp.layersFromWeights(this.spec, weights, this.name); // validates
    if (this.js === undefined) this.js = new JsMlp(layers, this.spec.activation);
    else this.js.setLayers(layers);
    this.weights = weights;
    this.tfMlp?.setWeights(weights);
  }

  /** The implementation a batch of `batchSize` rows runs on. */
  implFor(batchSize: number): 'js' | 'tfjs' {
    if (this.impl !== 'auto') return this.impl;
    if (currentBackend() === undefined) return 'js';
    return batchSize * this.macsPerRow <= this.jsMaxMacs ? 'js' : 'tfjs';
  }

  /**
   * `x` [batchSize, inputSize] -> [batchSize, outputSize]. The result may be an internal buffer
   * reused by the next call: copy what you keep.
   * @throws Error before {@link setWeights}; when tfjs is needed but `initBackend()` has not run.
   */
  forward(x: Float32Array, batchSize: number): Float32Array {
    if (this.js === undefined || this.weights === undefined) {
      throw new Error('PolicyForward.forward: call setWeights() first.');
    }
    if (this.implFor(batchSize) === 'js') return this.js.forward(x, batchSize);
    const tf = requireTf();
    if (this.tfMlp === undefined) {
      this.tfMlp = new Mlp({ ...this.spec, name: this.name });
      this.tfMlp.setWeights(this.weights);
    }
    const mlp = this.tfMlp;
    return tf.tidy(
      () =>
        mlp
          .apply(
            tf.tensor2d(x.subarray(0, batchSize * this.spec.inputSize), [batchSize, this.spec.inputSize]),
          )
          .dataSync() as Float32Array,
    );
  }

  /** Frees the tfjs variables, if any were made. */
  dispose(): void {
    this.tfMlp?.dispose();
    this.tfMlp = undefined;
  }
}
