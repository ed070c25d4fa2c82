/**
 * Generalized Advantage Estimation (Schulman et al. 2016, "High-Dimensional Continuous Control Using
 * Generalized Advantage Estimation", https://arxiv.org/abs/1506.02438, eq. 16) over a time-major
 * rollout of T steps from N vector envs (row `t * N + n`), with Gymnasium 1.x episode ends:
 *
 *   nextValue_t = 0                    if terminated_t             (terminal state: no bootstrap)
 *               = V(finalObs_t)        else if truncated_t         (time limit: bootstrap from the final obs)
 *               = lastValues[n]        else if t = T - 1           (rollout cut: bootstrap from the next obs)
 *               = V(s_{t+1})           otherwise
 *   delta_t     = r_t + gamma * nextValue_t - V(s_t)
 *   A_t         = delta_t + gamma * lambda * (1 - done_t) * A_{t+1},   done_t = terminated_t or truncated_t
 *   valueTarget_t = A_t + V(s_t)
 *
 * With same-step autoreset (envs/vector/vector-env.ts), the obs after an ended step is the next
 * episode's first obs, which is why truncated steps need V(finalObs) from the caller.
 * Arithmetic runs in float64; results are float32.
 */
import { Columns } from '../sample-batch/columns.js';
import type { SampleBatch } from '../sample-batch/sample-batch.js';

/** Inputs of {@link computeGae} and {@link discountedReturns}; every [T, N] array is time-major. */
export interface RolloutValues {
  /** T: steps per env in the rollout. */
  numSteps: number;
  /** N: number of vector envs. */
  numEnvs: number;
  /** [T, N] rewards. */
  rewards: ArrayLike<number>;
  /** [T, N] 1 where the step reached a terminal state. */
  terminated: ArrayLike<number>;
  /** [T, N] 1 where the episode was truncated at the step. */
  truncated: ArrayLike<number>;
  /** [N] V(obs after the last step), used for envs whose last step did not end an episode. @default zeros */
  lastValues?: ArrayLike<number>;
  /** [T, N] V(finalObs_t), read only where truncated and not terminated. Required when any such step exists. */
  finalValuePreds?: ArrayLike<number>;
  /** Discount factor in [0, 1]. */
  gamma: number;
}

/** Inputs of {@link computeGae}. */
export interface GaeInput extends RolloutValues {
  /** [T, N] V(s_t) of the behaviour policy. */
  valuePreds: ArrayLike<number>;
  /** GAE lambda in [0, 1]: 0 gives one-step TD advantages, 1 gives Monte-Carlo returns minus V. */
  gaeLambda: number;
}

/** Output of {@link computeGae}. */
export interface GaeResult {
  /** [T, N] A_t. */
  advantages: Float32Array;
  /** [T, N] A_t + V(s_t). */
  valueTargets: Float32Array;
}

function checkLength(name: string, a: ArrayLike<number> | undefined, n: number, what: string): void {
  if (a !== undefined && a.length !== n) {
    throw new RangeError(`GAE: ${name} has ${a.length} elements; expected ${what} = ${n}.`);
  }
}

function checkUnit(name: string, x: number): void {
  if (!(x >= 0 && x <= 1)) throw new RangeError(`GAE: ${name} (${x}) must be in [0, 1].`);
}

function validate(input: RolloutValues, valuePreds: ArrayLike<number> | undefined): void {
  const { numSteps: T, numEnvs: N } = input;
  if (!Number.isSafeInteger(T) || T < 0)
    throw new RangeError(`GAE: numSteps (${T}) must be a non-negative integer.`);
  if (!Number.isSafeInteger(N) || N < 1)
    throw new RangeError(`GAE: numEnvs (${N}) must be a positive integer.`);
  const tn = `numSteps x numEnvs (${T} x ${N})`;
  checkLength('rewards', input.rewards, T * N, tn);
  checkLength('valuePreds', valuePreds, T * N, tn);
  checkLength('terminated', input.terminated, T * N, tn);
  checkLength('truncated', input.truncated, T * N, tn);
  checkLength('finalValuePreds', input.finalValuePreds, T * N, tn);
  checkLength('lastValues', input.lastValues, N, 'numEnvs');
  checkUnit('gamma', input.gamma);
  if (input.finalValuePreds === undefined) {
    for (let i = 0; i < T * N; i++) {
      if (input.truncated[i] && !input.terminated[i]) {
        throw new RangeError(
          `GAE: step ${Math.floor(i / N)} of env ${i % N} is truncated but finalValuePreds is missing; ` +
            'pass V(finalObs) for truncated steps so the return bootstraps from the final observation.',
        );
      }
    }
  }
}

/**
 * The value each step bootstraps from (see the file comment): 0 after termination, V(finalObs) after
 * truncation, V(s_{t+1}) inside the rollout and `lastValues` after its last step.
 */
function nextValue(
  input: RolloutValues,
  valuePreds: ArrayLike<number> | undefined,
  t: number,
  n: number,
): number {
  const i = t * input.numEnvs + n;
  if (input.terminated[i]) return 0;
  if (input.truncated[i]) return input.finalValuePreds![i]!;
  if (t === input.numSteps - 1) return input.lastValues?.[n] ?? 0;
  return valuePreds?.[i + input.numEnvs] ?? 0;
}

/**
 * GAE advantages and value targets of a time-major rollout (see the file comment for the equations).
 * @throws RangeError naming the field when a length or coefficient is wrong, or when a truncated step
 * has no V(finalObs).
 */
export function computeGae(input: GaeInput): GaeResult {
  validate(input, input.valuePreds);
  checkUnit('gaeLambda', input.gaeLambda);
  const { numSteps: T, numEnvs: N, rewards, valuePreds, terminated, truncated, gamma, gaeLambda } = input;
  const advantages = new Float32Array(T * N);
  const valueTargets = new Float32Array(T * N);
  for (let n = 0; n < N; n++) {
    let nextAdvantage = 0;
    for (let t = T - 1; t >= 0; t--) {
      const i = t * N + n;
      const done = terminated[i] || truncated[i] ? 1 : 0;
      const delta = rewards[i]! + gamma * nextValue(input, valuePreds, t, n) - valuePreds[i]!;
      // Schulman et al. 2016 eq. 16, the sum cut at episode ends.
      const a = delta + gamma * gaeLambda * (1 - done) * nextAdvantage;
      advantages[i] = a;
      valueTargets[i] = a + valuePreds[i]!;
      nextAdvantage = a;
    }
  }
  return { advantages, valueTargets };
}

/**
 * Discounted returns G_t = r_t + gamma * next_t, where next_t is 0 after termination, V(finalObs) after
 * truncation, `lastValues[n]` after the rollout's last step and G_{t+1} otherwise.
 * Equals `computeGae(...).valueTargets` with gaeLambda = 1.
 * @throws RangeError as {@link computeGae}.
 */
export function discountedReturns(input: RolloutValues): Float32Array {
  validate(input, undefined);
  const { numSteps: T, numEnvs: N, rewards, terminated, truncated, gamma } = input;
  const out = new Float32Array(T * N);
  for (let n = 0; n < N; n++) {
    let next = 0;
    for (let t = T - 1; t >= 0; t--) {
      const i = t * N + n;
      let bootstrap: number;
      if (terminated[i]) bootstrap = 0;
      else if (truncated[i]) bootstrap = input.finalValuePreds![i]!;
      else if (t === T - 1) bootstrap = input.lastValues?.[n] ?? 0;
      else bootstrap = next;
      next = rewards[i]! + gamma * bootstrap;
      out[i] = next;
    }
  }
  return out;
}

/** Options of {@link addGaeColumns}. */
export interface AddGaeOptions {
  /** N: the batch holds numSteps x numEnvs rows, time-major. */
  numEnvs: number;
  gamma: number;
  gaeLambda: number;
  /** [N] V(obs after the last step). */
  lastValues: ArrayLike<number>;
}

/**
 * Adds `advantages` and `valueTargets` columns to a time-major rollout batch holding `rewards`,
 * `valuePreds`, `terminated`, `truncated` and (when any step is truncated) `finalValuePreds`.
 * @throws RangeError when a column is missing or `count` is not a multiple of `numEnvs`.
 */
export function addGaeColumns(batch: SampleBatch, options: AddGaeOptions): SampleBatch {
  const N = options.numEnvs;
  if (!Number.isSafeInteger(N) || N < 1 || batch.count % N !== 0) {
    throw new RangeError(
      `addGaeColumns: numEnvs (${N}) must be a positive integer dividing the batch (${batch.count} rows).`,
    );
  }
  const input: GaeInput = {
    numSteps: batch.count / N,
    numEnvs: N,
    rewards: batch.get(Columns.REWARDS),
    valuePreds: batch.get(Columns.VALUE_PREDS),
    terminated: batch.get(Columns.TERMINATED),
    truncated: batch.get(Columns.TRUNCATED),
    lastValues: options.lastValues,
    gamma: options.gamma,
    gaeLambda: options.gaeLambda,
  };
  if (batch.has(Columns.FINAL_VALUE_PREDS)) input.finalValuePreds = batch.get(Columns.FINAL_VALUE_PREDS);
  const { advantages, valueTargets } = computeGae(input);
  return batch.withColumns({ [Columns.ADVANTAGES]: advantages, [Columns.VALUE_TARGETS]: valueTargets });
}
