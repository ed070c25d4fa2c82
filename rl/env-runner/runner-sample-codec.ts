/**
 * The plain form of a {@link RunnerSample}, as it crosses the runtime (msgpack keeps typed arrays),
 * and its validation on arrival (wire data is untrusted input).
 */
import { RunningMeanStd, type RunningMeanStdState } from '../../envs/wrappers/running-mean-std.js';
import type { EpisodeSummary, Fragment } from '../algorithm.js';
import { SampleBatch, type SampleBatchPlain } from '../sample-batch/sample-batch.js';
import type { RunnerSample } from './env-runner.js';

/** {@link RunnerSample} as plain data. */
export interface RunnerSamplePlain {
  readonly batch: SampleBatchPlain;
  readonly numEnvs: number;
  readonly lastValues?: Float32Array;
  readonly episodes: EpisodeSummary;
  readonly envSteps: number;
  /** Version of the weights the policy sampled with (-1: the policy's initial weights). */
  readonly weightsVersion: number;
  /** {@link RunnerSample.obsDelta}, when normalisation is on and the runner observed anything. */
  readonly obsDelta?: RunningMeanStdState;
}

/** The plain form (arrays shared, not copied). */
export function runnerSampleToPlain(s: RunnerSample, weightsVersion = -1): RunnerSamplePlain {
  const plain = {
    batch: s.fragment.batch.toPlain(),
    numEnvs: s.fragment.numEnvs,
    episodes: s.episodes,
    envSteps: s.envSteps,
    weightsVersion,
  };
  return {
    ...plain,
    ...(s.fragment.lastValues !== undefined ? { lastValues: s.fragment.lastValues } : {}),
    ...(s.obsDelta !== undefined ? { obsDelta: s.obsDelta } : {}),
  };
}

function numberArray(x: unknown, field: string): number[] {
  if (!Array.isArray(x) || !x.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new TypeError(`runner sample: ${field} must be an array of finite numbers.`);
  }
  return x as number[];
}

/**
 * Validates a plain sample from a runner and rebuilds it.
 * @throws TypeError / RangeError naming the field and what was expected.
 */
export function runnerSampleFromPlain(x: unknown): RunnerSample & { readonly weightsVersion: number } {
  if (typeof x !== 'object' || x === null) throw new TypeError('runner sample must be an object.');
  const p = x as Record<string, unknown>;
  const batch = SampleBatch.fromPlain(p['batch']);
  const numEnvs = p['numEnvs'];
  if (
    typeof numEnvs !== 'number' ||
    !Number.isSafeInteger(numEnvs) ||
    numEnvs < 1 ||
    batch.count % numEnvs !== 0
  ) {
    throw new TypeError(
      `runner sample: numEnvs (${String(numEnvs)}) must be a positive integer dividing ${batch.count}.`,
    );
  }
  const envSteps = p['envSteps'];
  if (typeof envSteps !== 'number' || !Number.isSafeInteger(envSteps) || envSteps < 0) {
    throw new TypeError(`runner sample: envSteps (${String(envSteps)}) must be a non-negative integer.`);
  }
  const weightsVersion = p['weightsVersion'] ?? -1;
  if (typeof weightsVersion !== 'number' || !Number.isSafeInteger(weightsVersion) || weightsVersion < -1) {
    throw new TypeError(
      `runner sample: weightsVersion (${String(weightsVersion)}) must be an integer >= -1.`,
    );
  }
  const ep = p['episodes'] as Record<string, unknown> | null | undefined;
  const episodes: EpisodeSummary = {
    returns: numberArray(ep?.['returns'], 'episodes.returns'),
    lengths: numberArray(ep?.['lengths'], 'episodes.lengths'),
  };
  const lastValues = p['lastValues'];
  let fragment: Fragment = { batch, numEnvs };
  if (lastValues !== undefined && lastValues !== null) {
    if (!(lastValues instanceof Float32Array) || lastValues.length !== numEnvs) {
      throw new TypeError(`runner sample: lastValues must be a Float32Array of numEnvs (${numEnvs}) values.`);
    }
    fragment = { batch, numEnvs, lastValues };
  }
  const obsDelta = momentsOf(p['obsDelta']);
  return { fragment, episodes, envSteps, weightsVersion, ...(obsDelta === undefined ? {} : { obsDelta }) };
}

/** Checks `obsDelta` (mean, var, count > 0) when present; its size is checked where it is merged. */
function momentsOf(x: unknown): RunningMeanStdState | undefined {
  if (x === undefined || x === null) return undefined;
  const mean = (x as { mean?: unknown }).mean;
  if (!Array.isArray(mean)) throw new TypeError('runner sample: obsDelta.mean must be an array of numbers.');
  const rms = new RunningMeanStd(mean.length);
  rms.setState(x, 'runner sample: obsDelta');
  return rms.getState();
}
