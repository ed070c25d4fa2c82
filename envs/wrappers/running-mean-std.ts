/**
 * Running mean and variance of vectors, merged with the parallel algorithm of Chan, Golub and LeVeque
 * (1979) as Gymnasium 1.x `gymnasium/wrappers/utils.py` RunningMeanStd does (initial mean 0, var 1,
 * count 1e-4), so that statistics from several env runners can be combined exactly.
 */

/** The JSON-serialisable state of a {@link RunningMeanStd}, saved in checkpoints. */
export interface RunningMeanStdState {
  mean: number[];
  var: number[];
  count: number;
}

/** Per-element running mean and (population) variance of vectors of a fixed size. */
export class RunningMeanStd {
  readonly size: number;
  readonly mean: Float64Array;
  readonly var: Float64Array;
  /** Number of samples seen (starts at `initialCount`, not 0, so the first update is well defined). */
  count: number;

  /**
   * @param size elements per sample.
   * @param initialCount pseudo-count of the initial (mean 0, var 1) estimate. @default 1e-4 (Gymnasium)
   * @throws RangeError when `size` is not a non-negative integer or `initialCount` not positive.
   */
  constructor(size: number, initialCount = 1e-4) {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new RangeError(`RunningMeanStd: size (${size}) must be a non-negative integer.`);
    }
    if (!(initialCount > 0))
      throw new RangeError(`RunningMeanStd: initialCount (${initialCount}) must be > 0.`);
    this.size = size;
    this.mean = new Float64Array(size);
    this.var = new Float64Array(size).fill(1);
    this.count = initialCount;
  }

  /**
   * An estimate of no samples (count 0; mean and variance 0), to accumulate the moments of a batch
   * (an env runner's observations since it last reported them) and merge it elsewhere later.
   */
  static empty(size: number): RunningMeanStd {
    const rms = new RunningMeanStd(size);
    rms.var.fill(0);
    rms.count = 0;
    return rms;
  }

  /** Adds one sample (Welford's update: the merge with a batch of one, batch variance 0). */
  update(x: ArrayLike<number>): void {
    const total = this.count + 1;
    for (let i = 0; i < this.size; i++) {
      const delta = x[i]! - this.mean[i]!;
      this.mean[i] = this.mean[i]! + delta / total;
      this.var[i] = (this.var[i]! * this.count + (delta * delta * this.count) / total) / total;
    }
    this.count = total;
  }

  /** Merges a batch summarised by its mean, population variance and count (Chan et al. 1979). */
  updateFromMoments(batchMean: ArrayLike<number>, batchVar: ArrayLike<number>, batchCount: number): void {
    if (batchCount <= 0) return;
    const total = this.count + batchCount;
    for (let i = 0; i < this.size; i++) {
      const delta = batchMean[i]! - this.mean[i]!;
      this.mean[i] = this.mean[i]! + (delta * batchCount) / total;
      const m2 =
        this.var[i]! * this.count +
        batchVar[i]! * batchCount +
        (delta * delta * this.count * batchCount) / total;
      this.var[i] = m2 / total;
    }
    this.count = total;
  }

  /** Merges another estimate of the same size into this one. */
  merge(other: RunningMeanStd): void {
    this.updateFromMoments(other.mean, other.var, other.count);
  }

  /** Writes `(x - mean) / sqrt(var + epsilon)` into `out`. */
  normalizeInto(x: ArrayLike<number>, out: Float32Array, epsilon: number): void {
    for (let i = 0; i < this.size; i++) out[i] = (x[i]! - this.mean[i]!) / Math.sqrt(this.var[i]! + epsilon);
  }

  /** The state as plain JSON. */
  getState(): RunningMeanStdState {
    return { mean: Array.from(this.mean), var: Array.from(this.var), count: this.count };
  }

  /**
   * Restores a state from {@link RunningMeanStd.getState} (e.g. from a checkpoint).
   * @throws TypeError naming the field when the state is malformed or of another size.
   */
  setState(state: unknown, where = 'RunningMeanStd.setState'): void {
    if (typeof state !== 'object' || state === null) {
      throw new TypeError(`${where}: state must be an object { mean, var, count }, got ${String(state)}.`);
    }
    const s = state as Partial<Record<keyof RunningMeanStdState, unknown>>;
    const mean = numberArray(s.mean, this.size, `${where}: state.mean`);
    const variance = numberArray(s.var, this.size, `${where}: state.var`);
    if (variance.some((v) => v < 0)) throw new TypeError(`${where}: state.var has a negative entry.`);
    if (typeof s.count !== 'number' || !(s.count > 0) || !Number.isFinite(s.count)) {
      throw new TypeError(`${where}: state.count (${String(s.count)}) must be a positive finite number.`);
    }
    this.mean.set(mean);
    this.var.set(variance);
    this.count = s.count;
  }
}

function numberArray(x: unknown, size: number, name: string): number[] {
  if (
    !Array.isArray(x) ||
    x.length !== size ||
    !x.every((v) => typeof v === 'number' && Number.isFinite(v))
  ) {
    const got = Array.isArray(x) ? `an array of ${x.length}` : typeof x;
    throw new TypeError(`${name} must be an array of ${size} finite numbers, got ${got}.`);
  }
  return x as number[];
}
