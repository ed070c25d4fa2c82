/**
 * Learner statistics summed on the device and read back once per update: a learner adds each
 * gradient step's numbers (an {@link AdamStep}) without waiting for them, and one asynchronous read at
 * the end of the update returns the means. A synchronous read per step would stall a GPU's queue and
 * fails outright on webgpu in Node.
 */
import type { Tensor1D } from '@tensorflow/tfjs';
import { requireTf } from '../backend/backend.js';
import type { AdamStep } from './adam.js';

/** Running sums of named scalars on the device. Requires `initBackend()`. */
export class DeviceStats {
  /** One sum tensor per {@link add} layout, keyed by the names joined. */
  private readonly sums = new Map<string, { names: readonly string[]; sum: Tensor1D; count: number }>();

  /**
   * Adds one row of values (`values[i]` is `names[i]`, each name prefixed with `prefix`) and disposes
   * `values`. Rows with the same names are summed together.
   */
  add(step: Pick<AdamStep, 'names' | 'values'>, prefix = ''): void {
    const tf = requireTf();
    const names = step.names.map((n) => prefix + n);
    const key = names.join('\u0000');
    const entry = this.sums.get(key);
    if (entry === undefined) {
      this.sums.set(key, { names, sum: step.values, count: 1 });
      return;
    }
    const next = tf.add(entry.sum, step.values) as Tensor1D;
    entry.sum.dispose();
    step.values.dispose();
    this.sums.set(key, { names, sum: next, count: entry.count + 1 });
  }

  /**
   * The mean of every name over the rows added since the last call (one asynchronous read per
   * layout), and resets. A name that comes in several layouts is averaged over all its rows.
   */
  async takeMeans(): Promise<Record<string, number>> {
    const entries = [...this.sums.values()];
    this.sums.clear();
    const data = await Promise.all(entries.map((e) => e.sum.data()));
    const total: Record<string, number> = {};
    const count: Record<string, number> = {};
    entries.forEach((e, k) => {
      e.names.forEach((name, i) => {
        total[name] = (total[name] ?? 0) + ((data[k] as Float32Array)[i] as number);
        count[name] = (count[name] ?? 0) + e.count;
      });
      e.sum.dispose();
    });
    const out: Record<string, number> = {};
    for (const name of Object.keys(total)) out[name] = (total[name] as number) / (count[name] as number);
    return out;
  }

  /** Frees the sums without reading them. */
  dispose(): void {
    for (const e of this.sums.values()) e.sum.dispose();
    this.sums.clear();
  }
}
