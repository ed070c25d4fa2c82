/**
 * Streaming n-step transitions across rollout fragments: an off-policy env runner pushes each vector
 * step as it happens and drains finished transitions whenever it likes, so windows are never cut
 * short by where a fragment happens to end (unlike {@link nStepReturns} over one fragment).
 *
 * Per env, the last steps that have no full window yet wait in a queue of at most n. After each push:
 * - if the step ended the episode (terminated or truncated), every waiting step is emitted with its
 *   window ending at this step (m = steps to the end, <= n), and the queue empties;
 * - else if n steps wait, the oldest is emitted with a full window of n steps.
 * A window's `nextObs`, `terminated` and `truncated` come from its last step (the final observation
 * where the episode ended), `discounts` is gamma^m and `rewards` the discounted sum
 * sum_{k<m} gamma^k r_{t+k}: the same transitions as n-step.ts (Sutton & Barto 2018, sec. 7.1).
 * {@link flush} emits the waiting steps with shortened windows (end of training or a checkpoint).
 */
import { Columns } from '../sample-batch/columns.js';
import { SampleBatch, type SampleBatchPlain } from '../sample-batch/sample-batch.js';

/** Options of {@link NStepAccumulator}. */
export interface NStepAccumulatorOptions {
  /** N: vector envs per push. */
  numEnvs: number;
  /** Length of one flattened observation. */
  obsSize: number;
  /** Elements per action row: 0 for a scalar (Discrete), k for a vector. */
  actionSize: number;
  /** 'int32' for discrete actions, 'float32' for continuous. */
  actionDtype: 'int32' | 'float32';
  /** n >= 1: the longest window. */
  nStep: number;
  /** Discount factor in [0, 1]. */
  gamma: number;
}

/** One vector step; every array is [N] or [N, size], row n for env n. */
export interface VectorTransition {
  /** [N, obsSize] the observations the actions were taken in. */
  obs: ArrayLike<number>;
  /** [N] or [N, actionSize]. */
  actions: ArrayLike<number>;
  /** [N] */
  rewards: ArrayLike<number>;
  /** [N] 1 where the step reached a terminal state. */
  terminated: ArrayLike<number>;
  /** [N] 1 where the episode was truncated. */
  truncated: ArrayLike<number>;
  /** [N, obsSize] the next observations: the final observation where the episode ended. */
  nextObs: ArrayLike<number>;
}

/** Growable output columns (doubling), so emitting never allocates per row. */
class Output {
  count = 0;
  obs: Float32Array;
  nextObs: Float32Array;
  actions: Float32Array | Int32Array;
  rewards: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  discounts: Float32Array;

  constructor(
    private readonly obsSize: number,
    private readonly actionSize: number,
    actionDtype: 'int32' | 'float32',
    /** Shape of one action row: [] for scalar actions, [actionSize] otherwise. */
    private readonly actionShape: number[],
    private capacity = 64,
  ) {
    this.obs = new Float32Array(capacity * obsSize);
    this.nextObs = new Float32Array(capacity * obsSize);
    this.actions =
      actionDtype === 'int32'
        ? new Int32Array(capacity * actionSize)
        : new Float32Array(capacity * actionSize);
    this.rewards = new Float32Array(capacity);
    this.terminated = new Uint8Array(capacity);
    this.truncated = new Uint8Array(capacity);
    this.discounts = new Float32Array(capacity);
  }

  /** Makes room for one more row. */
  reserve(): void {
    this.ensure(this.count + 1);
  }

  /** Grows (doubling) until `rows` rows fit, keeping the rows so far. */
  private ensure(rows: number): void {
    while (this.capacity < rows) this.grow();
  }

  private grow(): void {
    const doubled = <T extends Float32Array | Int32Array | Uint8Array>(
      a: T,
      make: (n: number) => T,
      k: number,
    ): T => {
      const b = make(this.capacity * 2 * k);
      b.set(a);
      return b;
    };
    const f32 = (n: number) => new Float32Array(n);
    this.obs = doubled(this.obs, f32, this.obsSize);
    this.nextObs = doubled(this.nextObs, f32, this.obsSize);
    this.actions =
      this.actions instanceof Int32Array
        ? doubled(this.actions, (n) => new Int32Array(n), this.actionSize)
        : doubled(this.actions, f32, this.actionSize);
    this.rewards = doubled(this.rewards, f32, 1);
    this.terminated = doubled(this.terminated, (n) => new Uint8Array(n), 1);
    this.truncated = doubled(this.truncated, (n) => new Uint8Array(n), 1);
    this.discounts = doubled(this.discounts, f32, 1);
    this.capacity *= 2;
  }

  /** The rows so far as a batch (copies). */
  peek(): SampleBatch {
    const c = this.count;
    const o = this.obsSize;
    const a = this.actionSize;
    return new SampleBatch(
      c,
      {
        [Columns.OBS]: this.obs.slice(0, c * o),
        [Columns.NEXT_OBS]: this.nextObs.slice(0, c * o),
        [Columns.ACTIONS]: this.actions.slice(0, c * a),
        [Columns.REWARDS]: this.rewards.slice(0, c),
        [Columns.TERMINATED]: this.terminated.slice(0, c),
        [Columns.TRUNCATED]: this.truncated.slice(0, c),
        [Columns.DISCOUNTS]: this.discounts.slice(0, c),
      },
      { [Columns.OBS]: [o], [Columns.NEXT_OBS]: [o], [Columns.ACTIONS]: this.actionShape },
    );
  }

  /** The rows so far as a batch (copies), then empties. */
  take(): SampleBatch {
    const batch = this.peek();
    this.count = 0;
    return batch;
  }

  /** Replaces the rows with those of `batch` (validated by the caller to have this layout). */
  load(batch: SampleBatch): void {
    this.ensure(batch.count);
    this.count = batch.count;
    this.obs.set(batch.float32(Columns.OBS));
    this.nextObs.set(batch.float32(Columns.NEXT_OBS));
    this.actions.set(batch.get(Columns.ACTIONS) as ArrayLike<number>);
    this.rewards.set(batch.float32(Columns.REWARDS));
    this.terminated.set(batch.uint8(Columns.TERMINATED));
    this.truncated.set(batch.uint8(Columns.TRUNCATED));
    this.discounts.set(batch.float32(Columns.DISCOUNTS));
  }
}

/** The plain-data state of an {@link NStepAccumulator}, for checkpoints (msgpackr keeps the typed arrays). */
export interface NStepAccumulatorState {
  version: 1;
  numEnvs: number;
  obsSize: number;
  actionWidth: number;
  nStep: number;
  gamma: number;
  /** [N, n, obsSize] waiting observations (ring per env). */
  waitObs: Float32Array;
  /** [N, n, actionWidth] waiting actions. */
  waitActions: Float64Array;
  /** [N, n] waiting one-step rewards. */
  waitRewards: Float64Array;
  /** [N] ring head per env. */
  waitHead: Int32Array;
  /** [N] waiting steps per env. */
  waitCount: Int32Array;
  /** [N, obsSize] nextObs of each env's latest step. */
  lastNextObs: Float32Array;
  /** Emitted transitions not yet drained. */
  ready: SampleBatchPlain;
}

/** Turns a stream of vector steps into n-step transitions (see the file comment). */
export class NStepAccumulator {
  private readonly numEnvs: number;
  private readonly obsSize: number;
  /** Action elements per row: actionSize, or 1 for a scalar action. */
  private readonly actionWidth: number;
  private readonly nStep: number;
  private readonly gamma: number;
  /** Per env a ring of n waiting steps: [N, n, obsSize], [N, n, actionWidth], [N, n]. */
  private readonly waitObs: Float32Array;
  private readonly waitActions: Float64Array;
  private readonly waitRewards: Float64Array;
  private readonly waitHead: Int32Array;
  private readonly waitCount: Int32Array;
  /** [N, obsSize] the nextObs of each env's latest step, where {@link flush} bootstraps from. */
  private readonly lastNextObs: Float32Array;
  private readonly out: Output;

  /**
   * @throws RangeError naming the option when a size or coefficient is invalid.
   */
  constructor(options: NStepAccumulatorOptions) {
    const { numEnvs, obsSize, actionSize, nStep, gamma } = options;
    const positive = (name: string, v: number, min: number) => {
      if (!Number.isSafeInteger(v) || v < min) {
        throw new RangeError(`NStepAccumulator: ${name} (${String(v)}) must be an integer >= ${min}.`);
      }
    };
    positive('numEnvs', numEnvs, 1);
    positive('obsSize', obsSize, 1);
    positive('actionSize', actionSize, 0);
    positive('nStep', nStep, 1);
    if (!(gamma >= 0 && gamma <= 1))
      throw new RangeError(`NStepAccumulator: gamma (${gamma}) must be in [0, 1].`);
    this.numEnvs = numEnvs;
    this.obsSize = obsSize;
    this.actionWidth = Math.max(1, actionSize);
    this.nStep = nStep;
    this.gamma = gamma;
    this.waitObs = new Float32Array(numEnvs * nStep * obsSize);
    this.waitActions = new Float64Array(numEnvs * nStep * this.actionWidth);
    this.waitRewards = new Float64Array(numEnvs * nStep);
    this.waitHead = new Int32Array(numEnvs);
    this.waitCount = new Int32Array(numEnvs);
    this.lastNextObs = new Float32Array(numEnvs * obsSize);
    this.out = new Output(
      obsSize,
      this.actionWidth,
      options.actionDtype,
      actionSize === 0 ? [] : [actionSize],
    );
  }

  /** Steps waiting for their window to complete, over all envs. */
  get numWaiting(): number {
    let s = 0;
    for (const c of this.waitCount) s += c;
    return s;
  }

  /** Transitions emitted and not yet drained. */
  get numReady(): number {
    return this.out.count;
  }

  /**
   * Adds one vector step and emits the transitions it completes.
   * @throws RangeError naming the field whose length is not N times its row size.
   */
  push(step: VectorTransition): void {
    const N = this.numEnvs;
    const o = this.obsSize;
    const w = this.actionWidth;
    for (const [name, a, k] of [
      ['obs', step.obs, o],
      ['nextObs', step.nextObs, o],
      ['actions', step.actions, w],
      ['rewards', step.rewards, 1],
      ['terminated', step.terminated, 1],
      ['truncated', step.truncated, 1],
    ] as const) {
      if (a.length !== N * k) {
        throw new RangeError(
          `NStepAccumulator.push: ${name} has ${a.length} elements; expected ${N} envs x ${k} = ${N * k}.`,
        );
      }
    }
    for (let n = 0; n < N; n++) {
      const slot = n * this.nStep + ((this.waitHead[n]! + this.waitCount[n]!) % this.nStep);
      for (let j = 0; j < o; j++) this.waitObs[slot * o + j] = step.obs[n * o + j]!;
      for (let j = 0; j < w; j++) this.waitActions[slot * w + j] = step.actions[n * w + j]!;
      this.waitRewards[slot] = step.rewards[n]!;
      this.waitCount[n]! += 1;
      for (let j = 0; j < o; j++) this.lastNextObs[n * o + j] = step.nextObs[n * o + j]!;
      const terminated = step.terminated[n] ? 1 : 0;
      const truncated = !terminated && step.truncated[n] ? 1 : 0;
      if (terminated || truncated) {
        // The episode ended: every waiting step's window ends here.
        while (this.waitCount[n]! > 0) this.emitOldest(n, terminated, truncated);
      } else if (this.waitCount[n] === this.nStep) {
        this.emitOldest(n, 0, 0);
      }
    }
  }

  /** Emits every waiting step with its window ending at its env's latest step (shortened windows). */
  flush(): void {
    for (let n = 0; n < this.numEnvs; n++) while (this.waitCount[n]! > 0) this.emitOldest(n, 0, 0);
  }

  /** The transitions emitted since the last drain, in emission order, with a `discounts` column. */
  drain(): SampleBatch {
    return this.out.take();
  }

  /** The state as plain data (copies), so a resumed run emits exactly what an uninterrupted one would. */
  getState(): NStepAccumulatorState {
    return {
      version: 1,
      numEnvs: this.numEnvs,
      obsSize: this.obsSize,
      actionWidth: this.actionWidth,
      nStep: this.nStep,
      gamma: this.gamma,
      waitObs: this.waitObs.slice(),
      waitActions: this.waitActions.slice(),
      waitRewards: this.waitRewards.slice(),
      waitHead: this.waitHead.slice(),
      waitCount: this.waitCount.slice(),
      lastNextObs: this.lastNextObs.slice(),
      ready: this.out.peek().toPlain(),
    };
  }

  /**
   * Restores a state saved by {@link getState} by an accumulator with the same options.
   * @throws TypeError / RangeError naming the field when the state is malformed or does not match.
   */
  setState(state: unknown): void {
    if (typeof state !== 'object' || state === null) {
      throw new TypeError('NStepAccumulator.setState: state must be an object saved by getState().');
    }
    const s = state as Record<string, unknown>;
    if (s['version'] !== 1)
      throw new TypeError(`NStepAccumulator.setState: state.version (${String(s['version'])}) must be 1.`);
    for (const key of ['numEnvs', 'obsSize', 'actionWidth', 'nStep', 'gamma'] as const) {
      if (s[key] !== this[key]) {
        throw new RangeError(
          `NStepAccumulator.setState: state.${key} (${String(s[key])}) differs from this accumulator's ${key} (${this[key]}).`,
        );
      }
    }
    const arrays = [
      ['waitObs', this.waitObs, Float32Array],
      ['waitActions', this.waitActions, Float64Array],
      ['waitRewards', this.waitRewards, Float64Array],
      ['waitHead', this.waitHead, Int32Array],
      ['waitCount', this.waitCount, Int32Array],
      ['lastNextObs', this.lastNextObs, Float32Array],
    ] as const;
    for (const [key, own, type] of arrays) {
      const a = s[key];
      if (!(a instanceof type) || a.length !== own.length) {
        throw new RangeError(
          `NStepAccumulator.setState: state.${key} must be a ${type.name} of ${own.length} values.`,
        );
      }
    }
    const head = s['waitHead'] as Int32Array;
    const count = s['waitCount'] as Int32Array;
    for (let n = 0; n < this.numEnvs; n++) {
      if (!(head[n]! >= 0 && head[n]! < this.nStep && count[n]! >= 0 && count[n]! < this.nStep)) {
        throw new RangeError(
          `NStepAccumulator.setState: env ${n} has waitHead ${head[n]} and waitCount ${count[n]}; both must be in [0, ${this.nStep}).`,
        );
      }
    }
    const ready = SampleBatch.fromPlain(s['ready']);
    const expected = this.out.peek();
    for (const name of expected.columnNames) {
      if (
        !ready.has(name) ||
        ready.rowSize(name) !== expected.rowSize(name) ||
        ready.get(name).constructor !== expected.get(name).constructor
      ) {
        throw new RangeError(
          `NStepAccumulator.setState: state.ready.${name} is missing or has another dtype or row size.`,
        );
      }
    }
    for (const [key, own] of arrays) own.set(s[key] as ArrayLike<number>);
    this.out.load(ready);
  }

  /** Emits env n's oldest waiting step with the window over all its waiting steps. */
  private emitOldest(n: number, terminated: number, truncated: number): void {
    const o = this.obsSize;
    const w = this.actionWidth;
    const count = this.waitCount[n]!;
    const head = this.waitHead[n]!;
    let sum = 0;
    let discount = 1;
    for (let k = 0; k < count; k++) {
      sum += discount * this.waitRewards[n * this.nStep + ((head + k) % this.nStep)]!;
      discount *= this.gamma;
    }
    const out = this.out;
    out.reserve();
    const row = out.count;
    const slot = n * this.nStep + head;
    for (let j = 0; j < o; j++) {
      out.obs[row * o + j] = this.waitObs[slot * o + j]!;
      out.nextObs[row * o + j] = this.lastNextObs[n * o + j]!;
    }
    for (let j = 0; j < w; j++) out.actions[row * w + j] = this.waitActions[slot * w + j]!;
    out.rewards[row] = sum;
    out.discounts[row] = discount;
    out.terminated[row] = terminated;
    out.truncated[row] = truncated;
    out.count += 1;
    this.waitHead[n] = (head + 1) % this.nStep;
    this.waitCount[n] = count - 1;
  }
}
