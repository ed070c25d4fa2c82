/**
 * The plain forms of what a runner actor's sample call hands over, and their validation on arrival
 * (wire data is untrusted input). A runner actor puts its fragment (the rows) into the object store
 * itself and returns only {@link RunnerSampleMeta}: the fragment's ref and the small metadata the
 * driver needs (episodes, env steps, weights version, observation moments). The driver hands the ref
 * on to learner and replay actors, which read {@link FragmentPlain} from the store; it reads the rows
 * only when it learns on them itself. msgpack keeps typed arrays.
 */
import { ObjectRef } from '../../core/index.js';
import { RunningMeanStd, type RunningMeanStdState } from '../../envs/wrappers/running-mean-std.js';
import type { EpisodeSummary, Fragment } from '../algorithm.js';
import { SampleBatch, type SampleBatchPlain } from '../sample-batch/sample-batch.js';
import type { RunnerSample } from './env-runner.js';

/** A {@link Fragment} as plain data (what a runner actor puts into the object store). */
export interface FragmentPlain {
  readonly batch: SampleBatchPlain;
  readonly numEnvs: number;
  readonly lastValues?: Float32Array;
}

/** What a runner actor's `sample` returns: the fragment by ref, the rest by value. */
export interface RunnerSampleMeta {
  /** The ref of the sample's {@link FragmentPlain}, put by the runner. */
  readonly fragment: ObjectRef<FragmentPlain>;
  readonly numEnvs: number;
  readonly episodes: EpisodeSummary;
  readonly envSteps: number;
  /** Version of the weights the policy sampled with (-1: the policy's initial weights). */
  readonly weightsVersion: number;
  /** {@link RunnerSample.obsDelta}, when normalisation is on and the runner observed anything. */
  readonly obsDelta?: RunningMeanStdState;
}

/** The plain form of a fragment (arrays shared, not copied). */
export function fragmentToPlain(f: Fragment): FragmentPlain {
  const plain = { batch: f.batch.toPlain(), numEnvs: f.numEnvs };
  return f.lastValues !== undefined ? { ...plain, lastValues: f.lastValues } : plain;
}

/**
 * Validates a plain fragment and rebuilds it.
 * @throws TypeError naming the field and what was expected.
 */
export function fragmentFromPlain(x: unknown): Fragment {
  if (typeof x !== 'object' || x === null) throw new TypeError('sample fragment must be an object.');
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
      `sample fragment: numEnvs (${String(numEnvs)}) must be a positive integer dividing ${batch.count}.`,
    );
  }
  const lastValues = p['lastValues'];
  if (lastValues === undefined || lastValues === null) return { batch, numEnvs };
  if (!(lastValues instanceof Float32Array) || lastValues.length !== numEnvs) {
    throw new TypeError(`sample fragment: lastValues must be a Float32Array of numEnvs (${numEnvs}) values.`);
  }
  return { batch, numEnvs, lastValues };
}

/** A runner's sample as {@link RunnerSampleMeta}, its fragment already put under `fragment`. */
export function runnerSampleMeta(
  s: RunnerSample,
  weightsVersion: number,
  fragment: ObjectRef<FragmentPlain>,
): RunnerSampleMeta {
  const meta = {
    fragment,
    numEnvs: s.fragment.numEnvs,
    episodes: s.episodes,
    envSteps: s.envSteps,
    weightsVersion,
  };
  return s.obsDelta !== undefined ? { ...meta, obsDelta: s.obsDelta } : meta;
}

function numberArray(x: unknown, field: string): number[] {
  if (!Array.isArray(x) || !x.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new TypeError(`runner sample: ${field} must be an array of finite numbers.`);
  }
  return x as number[];
}

/**
 * Validates a runner actor's sample metadata.
 * @throws TypeError naming the field and what was expected.
 */
export function runnerSampleMetaFromPlain(x: unknown): RunnerSampleMeta {
  if (typeof x !== 'object' || x === null) throw new TypeError('runner sample must be an object.');
  const p = x as Record<string, unknown>;
  const fragment = p['fragment'];
  if (!(fragment instanceof ObjectRef)) {
    throw new TypeError('runner sample: fragment must be an ObjectRef (the runner puts its rows).');
  }
  const numEnvs = p['numEnvs'];
  if (typeof numEnvs !== 'number' || !Number.isSafeInteger(numEnvs) || numEnvs < 1) {
    throw new TypeError(`runner sample: numEnvs (${String(numEnvs)}) must be a positive integer.`);
  }
  const envSteps = p['envSteps'];
  if (typeof envSteps !== 'number' || !Number.isSafeInteger(envSteps) || envSteps < 0) {
    throw new TypeError(`runner sample: envSteps (${String(envSteps)}) must be a non-negative integer.`);
  }
  const weightsVersion = p['weightsVersion'];
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
  const meta = {
    fragment: fragment as ObjectRef<FragmentPlain>,
    numEnvs,
    episodes,
    envSteps,
    weightsVersion,
  };
  const obsDelta = momentsOf(p['obsDelta']);
  return obsDelta === undefined ? meta : { ...meta, obsDelta };
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
