/**
 * A model's named trainable variables and the weight operations every model shares: export and import
 * in backend-independent form, copy and Polyak-average from a twin (target networks), dispose.
 */
import type { Tensor, Variable } from '@tensorflow/tfjs';
import { requireTf } from '../backend/backend.js';
import { type NamedWeights, validateNamedWeights } from './named-weights.js';

/** Named tf variables in a fixed order. Requires `initBackend()`. */
export class Parameters {
  /** Variables in weight order. */
  readonly variables: readonly Variable[];
  /** Logical names, one per variable (tfjs variable names stay auto-generated and unique). */
  readonly names: readonly string[];
  /** Owner name used in error messages, e.g. `mlp weights`. */
  private readonly label: string;

  /** Creates trainable variables from initial values (the tensors are disposed). */
  constructor(label: string, initial: readonly { name: string; value: Tensor }[]) {
    const tf = requireTf();
    this.label = label;
    this.names = initial.map((i) => i.name);
    this.variables = initial.map((i) => {
      const v = tf.variable(i.value, true);
      i.value.dispose();
      return v;
    });
  }

  /** Names and shapes, in order. */
  specs(): { name: string; shape: number[] }[] {
    return this.variables.map((v, i) => ({ name: this.names[i] as string, shape: [...v.shape] }));
  }

  /** A copy of the weights, read asynchronously (works where synchronous reads fail: webgpu in Node). */
  async read(): Promise<NamedWeights> {
    const data = await Promise.all(this.variables.map((v) => v.data()));
    return this.variables.map((v, i) => ({
      name: this.names[i] as string,
      shape: [...v.shape],
      data: Float32Array.from(data[i] as Float32Array),
    }));
  }

  /**
   * Overwrites the weights.
   * @throws TypeError when names or shapes differ, naming the entry.
   */
  set(weights: unknown): void {
    const tf = requireTf();
    const checked = validateNamedWeights(weights, this.label, this.specs());
    tf.tidy(() => {
      checked.forEach((w, i) => {
        (this.variables[i] as Variable).assign(tf.tensor(w.data, [...w.shape]));
      });
    });
  }

  /**
   * Copies another set's values on the device.
   * @throws RangeError when the two sets differ in layout.
   */
  copyFrom(source: Parameters): void {
    this.checkTwin(source);
    source.variables.forEach((s, i) => {
      (this.variables[i] as Variable).assign(s);
    });
  }

  /** Polyak update `this <- tau * source + (1 - tau) * this`. @throws RangeError on another layout. */
  polyakFrom(source: Parameters, tau: number): void {
    const tf = requireTf();
    this.checkTwin(source);
    tf.tidy(() => {
      source.variables.forEach((s, i) => {
        const t = this.variables[i] as Variable;
        t.assign(tf.add(tf.mul(s, tau), tf.mul(t, 1 - tau)));
      });
    });
  }

  private checkTwin(source: Parameters): void {
    const a = JSON.stringify(this.specs().map((s) => s.shape));
    const b = JSON.stringify(source.specs().map((s) => s.shape));
    if (a !== b)
      throw new RangeError(`${this.label}: cannot copy from a model with another layout (${b} vs ${a}).`);
  }

  /** Frees the variables. */
  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}
