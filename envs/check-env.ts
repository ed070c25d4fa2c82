/**
 * The env checker: runs a user's env briefly and reports precisely what breaks the Env contract
 * (in the spirit of Stable-Baselines3's `common/env_checker.py` and Gymnasium's `utils/env_checker.py`):
 * spaces that do not round-trip, observations outside their space or of the wrong dtype/shape,
 * non-boolean terminated/truncated, non-finite rewards, a missing reset info object, different
 * episodes under the same seed, and an ended episode that silently continues.
 *
 * Accepts a single Env or a VectorEnv (remote vector envs are async, so the checker is too).
 */

import { getLogLevel, setLogLevel } from '../core/logger.js';
import { checkVectorEnv } from './check-vector-env.js';
import type { Env, StepResult } from './env.js';
import {
  checkSpace,
  type EnvCheckReport,
  errorMessage,
  isPlainObject,
  isPromise,
  ProblemList,
} from './env-check-report.js';
import { SeededRng } from './rng.js';
import { describeSpace, describeValue } from './spaces/describe-value.js';
import { explainNotContained } from './spaces/explain.js';
import type { SpaceValue } from './spaces/space.js';
import type { VectorEnv } from './vector/vector-env.js';

/** Options of {@link checkEnv}. */
export interface CheckEnvOptions {
  /** Seed of the checked episodes and of the sampled actions. @default 0 */
  seed?: number;
  /** Steps per run (the env is run twice with the same seed to check determinism). @default 100 */
  numSteps?: number;
}

/** One step of a run, flattened, for the determinism comparison. */
interface TraceStep {
  where: string;
  /** False for the observations of resets. */
  isStep: boolean;
  obs: Float32Array;
  reward: number;
  terminated: boolean;
  truncated: boolean;
}

/**
 * Checks `target` (an Env or a VectorEnv) and returns every kind of problem found, each with where it
 * happened, the offending value and what was expected. Never throws for a broken env: exceptions the
 * env raises are reported as problems. The env is left in an unspecified state (reset it before use).
 * @throws TypeError only for invalid `options` (seed not an integer, numSteps not a positive integer).
 */
export async function checkEnv(target: unknown, options: CheckEnvOptions = {}): Promise<EnvCheckReport> {
  const seed = options.seed ?? 0;
  const numSteps = options.numSteps ?? 100;
  if (!Number.isSafeInteger(seed))
    throw new TypeError(`checkEnv: options.seed (${describeValue(seed)}) must be an integer.`);
  if (!Number.isSafeInteger(numSteps) || numSteps < 1) {
    throw new TypeError(
      `checkEnv: options.numSteps (${describeValue(numSteps)}) must be a positive integer.`,
    );
  }
  if (isVectorEnvLike(target)) return checkVectorEnv(target, { seed, numSteps });
  const problems = new ProblemList();
  if (!isEnvLike(target)) {
    problems.add(
      'not-an-env',
      'env',
      `${describeValue(target)} is not an Env (an object with reset, step, close, observationSpace, actionSpace ` +
        'and spec) nor a VectorEnv (numEnvs, reset, step, close)',
    );
    return problems.report('env', undefined, 0);
  }
  const env = target;
  const id = typeof env.spec?.id === 'string' ? env.spec.id : undefined;
  checkSpec(env, problems);
  const spacesOk =
    checkSpace(env.observationSpace, 'observationSpace', problems) &&
    checkSpace(env.actionSpace, 'actionSpace', problems);
  if (!spacesOk) return problems.report('env', id, 0);

  const first = runTrace(env, seed, numSteps, problems);
  const countSteps = (trace: TraceStep[]): number => trace.filter((s) => s.isStep).length;
  let stepsRun = countSteps(first);
  if (first.length > 0 && !problems.has('reset-threw') && !problems.has('step-threw')) {
    const second = runTrace(env, seed, numSteps, new ProblemList());
    stepsRun += countSteps(second);
    compareTraces(first, second, seed, problems);
    stepsRun += checkStepAfterDone(env, seed, first, problems);
  }
  return problems.report('env', id, stepsRun);
}

function isVectorEnvLike(x: unknown): x is VectorEnv {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as Partial<VectorEnv>).numEnvs === 'number' &&
    typeof (x as Partial<VectorEnv>).step === 'function'
  );
}

function isEnvLike(x: unknown): x is Env {
  if (typeof x !== 'object' || x === null) return false;
  const e = x as Partial<Env>;
  return (
    typeof e.reset === 'function' &&
    typeof e.step === 'function' &&
    typeof e.close === 'function' &&
    typeof e.observationSpace === 'object' &&
    typeof e.actionSpace === 'object'
  );
}

function checkSpec(env: Env, problems: ProblemList): void {
  const spec: unknown = env.spec;
  if (typeof spec !== 'object' || spec === null) {
    problems.add(
      'spec-invalid',
      'spec',
      `spec is ${describeValue(spec)}; expected { id: string, maxEpisodeSteps: number | undefined }`,
    );
    return;
  }
  const { id, maxEpisodeSteps } = spec as { id?: unknown; maxEpisodeSteps?: unknown };
  if (typeof id !== 'string' || id.length === 0) {
    problems.add(
      'spec-invalid',
      'spec.id',
      `spec.id is ${describeValue(id)}; expected a non-empty string such as 'MyEnv-v0'`,
    );
  }
  if (
    maxEpisodeSteps !== undefined &&
    !(Number.isSafeInteger(maxEpisodeSteps) && (maxEpisodeSteps as number) >= 1)
  ) {
    problems.add(
      'spec-invalid',
      'spec.maxEpisodeSteps',
      `spec.maxEpisodeSteps is ${describeValue(maxEpisodeSteps)}; expected a positive integer or undefined (no limit)`,
    );
  }
}

/** Resets with `seed`, then takes up to `numSteps` steps with seeded random actions (resetting at episode ends). */
function runTrace(env: Env, seed: number, numSteps: number, problems: ProblemList): TraceStep[] {
  const trace: TraceStep[] = [];
  const actionRng = SeededRng.fromSeed(seed);
  let episode = 0;
  if (!checkedReset(env, { seed }, `reset({ seed: ${seed} })`, problems, trace)) return trace;
  for (let t = 1; t <= numSteps; t++) {
    const where = `step ${t} (episode ${episode})`;
    const result = checkedStep(env, env.actionSpace.sample(actionRng), where, problems);
    if (result === undefined) return trace;
    trace.push(
      traceStep(env, where, result.obs, result.reward, result.terminated === true, result.truncated === true),
    );
    if (result.terminated === true || result.truncated === true) {
      episode++;
      if (!checkedReset(env, undefined, `reset() after episode ${episode - 1}`, problems, trace))
        return trace;
    }
  }
  return trace;
}

function checkedReset(
  env: Env,
  options: { seed: number } | undefined,
  where: string,
  problems: ProblemList,
  trace: TraceStep[],
): boolean {
  let result: unknown;
  try {
    result = env.reset(options);
  } catch (e) {
    problems.add('reset-threw', where, `reset threw ${errorMessage(e)}`);
    return false;
  }
  if (isPromise(result)) {
    problems.add(
      'reset-result-invalid',
      where,
      'reset() returned a Promise; Env.reset must be synchronous (async envs implement VectorEnv)',
    );
    return false;
  }
  if (typeof result !== 'object' || result === null || Array.isArray(result) || !('obs' in result)) {
    problems.add(
      'reset-result-invalid',
      where,
      `reset() returned ${describeValue(result)}; expected an object { obs, info }${Array.isArray(result) ? ' (not the Python tuple (obs, info))' : ''}`,
    );
    return false;
  }
  const { obs, info } = result as { obs: unknown; info?: unknown };
  if (!isPlainObject(info)) {
    problems.add(
      'reset-info-missing',
      where,
      `reset() returned info = ${describeValue(info)}; expected an object ({} when there is nothing to report)`,
    );
  }
  checkObs(env, obs, `${where} observation`, where, problems);
  trace.push(traceStep(env, where, obs, 0, false, false));
  return true;
}

function checkedStep(
  env: Env,
  action: SpaceValue,
  where: string,
  problems: ProblemList,
): StepResult | undefined {
  let result: unknown;
  try {
    result = env.step(action);
  } catch (e) {
    problems.add('step-threw', where, `step(${describeValue(action)}) threw ${errorMessage(e)}`);
    return undefined;
  }
  if (isPromise(result)) {
    problems.add(
      'step-result-invalid',
      where,
      'step() returned a Promise; Env.step must be synchronous (async envs implement VectorEnv)',
    );
    return undefined;
  }
  if (typeof result !== 'object' || result === null || Array.isArray(result) || !('obs' in result)) {
    problems.add(
      'step-result-invalid',
      where,
      `step() returned ${describeValue(result)}; expected an object { obs, reward, terminated, truncated, info }` +
        `${Array.isArray(result) ? ' (not the Python tuple)' : ''}`,
    );
    return undefined;
  }
  const r = result as Record<string, unknown>;
  if (typeof r['reward'] !== 'number' || !Number.isFinite(r['reward'])) {
    problems.add(
      'reward-invalid',
      where,
      `reward is ${describeValue(r['reward'])}; expected a finite number`,
    );
  }
  for (const key of ['terminated', 'truncated'] as const) {
    if (typeof r[key] !== 'boolean') {
      problems.add(
        `${key}-not-boolean`,
        where,
        `${key} is ${describeValue(r[key])}; expected a boolean (true or false)`,
      );
    }
  }
  if (!isPlainObject(r['info'])) {
    problems.add(
      'info-not-object',
      where,
      `info is ${describeValue(r['info'])}; expected an object ({} when there is nothing to report)`,
    );
  }
  checkObs(env, r['obs'], `${where} observation`, where, problems);
  return result as StepResult;
}

function checkObs(env: Env, obs: unknown, what: string, where: string, problems: ProblemList): void {
  let why: string | undefined;
  try {
    why = explainNotContained(env.observationSpace, obs);
  } catch (e) {
    why = `checking membership threw ${errorMessage(e)}`;
  }
  if (why !== undefined) {
    problems.add(
      'obs-not-in-space',
      where,
      `${what} is not in the observation space (${describeSpace(env.observationSpace)}): ${why}`,
    );
  }
}

function traceStep(
  env: Env,
  where: string,
  obs: unknown,
  reward: number,
  terminated: boolean,
  truncated: boolean,
): TraceStep {
  let flat: Float32Array;
  try {
    flat = env.observationSpace.flatten(obs as SpaceValue);
  } catch {
    flat = new Float32Array(0);
  }
  return { where, isStep: where.startsWith('step'), obs: flat, reward, terminated, truncated };
}

function compareTraces(a: TraceStep[], b: TraceStep[], seed: number, problems: ProblemList): void {
  const n = Math.min(a.length, b.length);
  for (let t = 0; t < n; t++) {
    const x = a[t]!;
    const y = b[t]!;
    const where = x.where;
    const i = x.obs.findIndex((v, k) => !Object.is(v, y.obs[k]));
    let diff: string | undefined;
    if (i >= 0 || x.obs.length !== y.obs.length) {
      diff = `observation element ${i} is ${x.obs[i]} in the first run and ${y.obs[i]} in the second`;
    } else if (!Object.is(x.reward, y.reward))
      diff = `reward is ${x.reward} in the first run and ${y.reward} in the second`;
    else if (x.terminated !== y.terminated || x.truncated !== y.truncated)
      diff = 'terminated/truncated differ between runs';
    if (diff !== undefined) {
      problems.add(
        'nondeterministic',
        where,
        `two runs with seed ${seed} and the same actions differ: ${diff}; draw all randomness from the seed given to ` +
          'reset (e.g. SeededRng.fromSeed(seed))',
      );
      return;
    }
  }
}

/** Replays the first run to its first episode end and steps once more without reset. @returns steps taken */
function checkStepAfterDone(env: Env, seed: number, trace: TraceStep[], problems: ProblemList): number {
  const end = trace.findIndex((s, t) => t > 0 && (s.terminated || s.truncated));
  if (end < 0) return 0;
  const actionRng = SeededRng.fromSeed(seed);
  try {
    env.reset({ seed });
    let last: StepResult | undefined;
    for (let t = 1; t <= end; t++) last = env.step(env.actionSpace.sample(actionRng));
    if (last?.terminated !== true) return end;
    // This step is the probe, not the user's mistake: silence the env's own "step after terminated"
    // warning (Gymnasium's envs and ours log one), so the check reports it once, as a problem or not.
    const level = getLogLevel();
    setLogLevel('error');
    let after: StepResult<SpaceValue>;
    try {
      after = env.step(env.actionSpace.sample(actionRng));
    } finally {
      setLogLevel(level);
    }
    if (after.terminated !== true) {
      problems.add(
        'step-after-done',
        `step ${end + 1} without reset`,
        `after terminated = true, step() returned terminated = ${describeValue(after.terminated)}: the ended episode ` +
          'silently continued; throw an error (or keep returning terminated = true) until reset()',
        'warning',
      );
    }
  } catch {
    // Throwing on a step after the episode ended is the recommended behaviour.
  }
  return end + 1;
}
