/**
 * n-step returns for off-policy learning (Sutton & Barto 2018, sec. 7.1; as used by Rainbow and Ape-X),
 * over a time-major rollout of T steps from N vector envs (row `t * N + n`).
 *
 * For the transition at step t the window holds m steps, m the smallest k in 1..n such that step
 * t+k-1 ended the episode (terminated or truncated) or is the rollout's last step, else m = n:
 *
 *   R_t        = sum_{k=0}^{m-1} gamma^k r_{t+k}
 *   nextObs    = nextObs of step t+m-1   (the final observation where that step ended the episode)
 *   terminated = terminated of step t+m-1
 *   discount   = gamma^m
 *   target     = R_t + discount * (1 - terminated) * V(nextObs)
 *
 * so a window never crosses an episode end, a truncated window still bootstraps from the truncated
 * step's final observation, and a terminated one does not bootstrap at all. Windows cut by the rollout's
 * end are shorter (m < n) but still exact, since each row records its own discount.
 */
import { Columns } from '../sample-batch/columns.js';
import { SampleBatch } from '../sample-batch/sample-batch.js';

/** Inputs of {@link nStepReturns}; [T, N] arrays are time-major. */
export interface NStepInput {
  /** T: steps per env. */
  numSteps: number;
  /** N: number of vector envs. */
  numEnvs: number;
  /** n >= 1: the longest window. */
  nStep: number;
  /** Discount factor in [0, 1]. */
  gamma: number;
  /** [T, N] one-step rewards. */
  rewards: ArrayLike<number>;
  /** [T, N] 1 where the step reached a terminal state. */
  terminated: ArrayLike<number>;
  /** [T, N] 1 where the episode was truncated at the step. */
  truncated: ArrayLike<number>;
}

/** Output of {@link nStepReturns}, row-aligned with the input. */
export interface NStepResult {
  /** [T, N] R_t, the discounted reward sum over the window. */
  rewards: Float32Array;
  /** [T, N] gamma^m, the multiplier of the bootstrap value. */
  discounts: Float32Array;
  /** [T, N] 1 where the window ends in a terminal state (no bootstrap). */
  terminated: Uint8Array;
  /** [T, N] 1 where the window ends in a truncation (bootstrap from that step's final observation). */
  truncated: Uint8Array;
  /** [T, N] the row (t+m-1)*N+n whose next observation the target bootstraps from. */
  nextRowIndexes: Int32Array;
  /** [T, N] m, the window length. */
  windowSteps: Int32Array;
}

/**
 * n-step returns of a time-major rollout (see the file comment).
 * @throws RangeError naming the field when a size, length or coefficient is wrong.
 */
export function nStepReturns(input: NStepInput): NStepResult {
  const { numSteps: T, numEnvs: N, nStep, gamma, rewards, terminated, truncated } = input;
  if (!Number.isSafeInteger(T) || T < 0)
    throw new RangeError(`nStepReturns: numSteps (${T}) must be a non-negative integer.`);
  if (!Number.isSafeInteger(N) || N < 1)
    throw new RangeError(`nStepReturns: numEnvs (${N}) must be a positive integer.`);
  if (!Number.isSafeInteger(nStep) || nStep < 1) {
    throw new RangeError(
      `nStepReturns: nStep (${nStep}) must be a positive integer (1 gives one-step returns).`,
    );
  }
  if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`nStepReturns: gamma (${gamma}) must be in [0, 1].`);
  for (const [name, a] of [
    ['rewards', rewards],
    ['terminated', terminated],
    ['truncated', truncated],
  ] as const) {
    if (a.length !== T * N) {
      throw new RangeError(
        `nStepReturns: ${name} has ${a.length} elements; expected numSteps x numEnvs (${T} x ${N}) = ${T * N}.`,
      );
    }
  }
  const out: NStepResult = {
    rewards: new Float32Array(T * N),
    discounts: new Float32Array(T * N),
    terminated: new Uint8Array(T * N),
    truncated: new Uint8Array(T * N),
    nextRowIndexes: new Int32Array(T * N),
    windowSteps: new Int32Array(T * N),
  };
  for (let n = 0; n < N; n++) {
    for (let t = 0; t < T; t++) {
      let sum = 0;
      let discount = 1;
      let last = t * N + n;
      for (let k = 0; k < nStep && t + k < T; k++) {
        last = (t + k) * N + n;
        sum += discount * rewards[last]!;
        discount *= gamma;
        // The window stops at the first episode end: rewards past it belong to the next episode.
        if (terminated[last] || truncated[last]) break;
      }
      const i = t * N + n;
      out.rewards[i] = sum;
      out.discounts[i] = discount;
      out.terminated[i] = terminated[last] ? 1 : 0;
      out.truncated[i] = !terminated[last] && truncated[last] ? 1 : 0;
      out.nextRowIndexes[i] = last;
      out.windowSteps[i] = (last - i) / N + 1;
    }
  }
  return out;
}

/** Options of {@link nStepBatch}. */
export interface NStepBatchOptions {
  /** N: the batch holds numSteps x numEnvs rows, time-major. */
  numEnvs: number;
  /** n >= 1. */
  nStep: number;
  /** Discount factor in [0, 1]. */
  gamma: number;
}

/**
 * The n-step transitions of a time-major rollout batch with `obs`, `nextObs`, `rewards`, `terminated`
 * and `truncated` columns (others are kept row-aligned): `rewards`, `nextObs`, `terminated` and
 * `truncated` are replaced by their n-step versions and a `discounts` column (gamma^m) is added.
 * @throws RangeError when a column is missing or `count` is not a multiple of `numEnvs`.
 */
export function nStepBatch(batch: SampleBatch, options: NStepBatchOptions): SampleBatch {
  const N = options.numEnvs;
  if (!Number.isSafeInteger(N) || N < 1 || batch.count % N !== 0) {
    throw new RangeError(
      `nStepBatch: numEnvs (${N}) must be a positive integer dividing the batch (${batch.count} rows).`,
    );
  }
  const r = nStepReturns({
    numSteps: batch.count / N,
    numEnvs: N,
    nStep: options.nStep,
    gamma: options.gamma,
    rewards: batch.get(Columns.REWARDS),
    terminated: batch.get(Columns.TERMINATED),
    truncated: batch.get(Columns.TRUNCATED),
  });
  // Gather only the nextObs column: [B, obsSize] rows taken from the window's last step.
  const nextObsOnly = new SampleBatch(
    batch.count,
    { [Columns.NEXT_OBS]: batch.get(Columns.NEXT_OBS) },
    { [Columns.NEXT_OBS]: batch.shapes[Columns.NEXT_OBS]! },
  );
  const nextObs = nextObsOnly.select(r.nextRowIndexes).get(Columns.NEXT_OBS);
  return batch.withColumns({
    [Columns.REWARDS]: r.rewards,
    [Columns.TERMINATED]: r.terminated,
    [Columns.TRUNCATED]: r.truncated,
    [Columns.NEXT_OBS]: nextObs,
    [Columns.DISCOUNTS]: r.discounts,
  });
}
