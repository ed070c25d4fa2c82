/**
 * The vector-env half of the env checker (see check-env.ts): checks the VectorEnv contract of
 * vector-env.ts (array types and lengths, rows inside the space, 0/1 flags, finite rewards, final
 * observations where an episode ended, determinism under a seed). Works for local and remote vector envs.
 */
import {
  checkSpace,
  type EnvCheckReport,
  errorMessage,
  isPlainObject,
  ProblemList,
} from './env-check-report.js';
import { SeededRng } from './rng.js';
import { describeSpace, describeValue } from './spaces/describe-value.js';
import { explainNotContained } from './spaces/explain.js';
import type { SpaceValue } from './spaces/space.js';
import type { VectorEnv, VectorStepResult } from './vector/vector-env.js';

/**
 * Checks a vector env for `numSteps` steps with seeded random actions, twice, and reports problems.
 * Never throws for a broken env. Prefer `checkEnv`, which dispatches here for vector envs.
 */
export async function checkVectorEnv(
  vec: VectorEnv,
  options: { seed: number; numSteps: number },
): Promise<EnvCheckReport> {
  const problems = new ProblemList();
  const id = typeof vec.spec?.id === 'string' ? vec.spec.id : undefined;
  const n = vec.numEnvs;
  if (!Number.isSafeInteger(n) || n < 1) {
    problems.add(
      'vector-result-invalid',
      'numEnvs',
      `numEnvs is ${describeValue(n)}; expected a positive integer`,
    );
    return problems.report('vector', id, 0);
  }
  if (!checkSpace(vec.singleObservationSpace, 'singleObservationSpace', problems))
    return problems.report('vector', id, 0);
  if (!checkSpace(vec.singleActionSpace, 'singleActionSpace', problems))
    return problems.report('vector', id, 0);
  if (vec.obsSize !== vec.singleObservationSpace.flatSize) {
    problems.add(
      'vector-result-invalid',
      'obsSize',
      `obsSize is ${describeValue(vec.obsSize)}; expected singleObservationSpace.flatSize (${vec.singleObservationSpace.flatSize})`,
    );
    return problems.report('vector', id, 0);
  }
  const first = await run(vec, options, problems);
  let stepsRun = first.steps * n;
  if (first.ok) {
    const second = await run(vec, options, new ProblemList());
    stepsRun += second.steps * n;
    const diff = first.trace.findIndex((row, i) => {
      const other = second.trace[i];
      return (
        other === undefined || row.length !== other.length || row.some((v, k) => !Object.is(v, other[k]))
      );
    });
    if (second.ok && diff >= 0) {
      problems.add(
        'nondeterministic',
        diff === 0 ? `reset({ seed: ${options.seed} })` : `step ${diff}`,
        `two runs with seed ${options.seed} and the same actions differ (observations or rewards); env i must be ` +
          'seeded with seed + i and draw all randomness from its seed',
      );
    }
  }
  return problems.report('vector', id, stepsRun);
}

/** One run: reset with the seed, then numSteps steps. The trace holds copies of obs (and rewards). */
async function run(
  vec: VectorEnv,
  options: { seed: number; numSteps: number },
  problems: ProblemList,
): Promise<{ ok: boolean; steps: number; trace: Float32Array[] }> {
  const n = vec.numEnvs;
  const trace: Float32Array[] = [];
  const where0 = `reset({ seed: ${options.seed} })`;
  try {
    const reset: unknown = await vec.reset({ seed: options.seed });
    const r = (typeof reset === 'object' && reset !== null ? reset : {}) as {
      obs?: unknown;
      infos?: unknown;
    };
    if (!checkArray(r.obs, Float32Array, n * vec.obsSize, 'obs', where0, problems))
      return { ok: false, steps: 0, trace };
    if (!Array.isArray(r.infos) || r.infos.length !== n || !r.infos.every(isPlainObject)) {
      problems.add(
        'reset-info-missing',
        where0,
        `infos is ${describeValue(r.infos)}; expected an array of ${n} objects`,
      );
    }
    checkRows(vec, r.obs as Float32Array, undefined, 'observation', where0, problems);
    trace.push(Float32Array.from(r.obs as Float32Array));
  } catch (e) {
    problems.add('reset-threw', where0, `reset threw ${errorMessage(e)}`);
    return { ok: false, steps: 0, trace };
  }
  const rng = SeededRng.fromSeed(options.seed);
  for (let t = 1; t <= options.numSteps; t++) {
    const where = `step ${t}`;
    const actions: SpaceValue[] = Array.from({ length: n }, () => vec.singleActionSpace.sample(rng));
    let result: VectorStepResult;
    try {
      result = await vec.step(actions);
    } catch (e) {
      problems.add('step-threw', where, `step threw ${errorMessage(e)}`);
      return { ok: false, steps: t - 1, trace };
    }
    if (!checkStepResult(vec, result, where, problems)) return { ok: false, steps: t, trace };
    const row = new Float32Array(result.obs.length + n);
    row.set(result.obs);
    row.set(result.rewards, result.obs.length);
    trace.push(row);
  }
  return { ok: true, steps: options.numSteps, trace };
}

function checkStepResult(vec: VectorEnv, result: unknown, where: string, problems: ProblemList): boolean {
  const n = vec.numEnvs;
  if (typeof result !== 'object' || result === null) {
    problems.add(
      'step-result-invalid',
      where,
      `step() resolved to ${describeValue(result)}; expected a VectorStepResult`,
    );
    return false;
  }
  const r = result as Partial<Record<keyof VectorStepResult, unknown>>;
  const ok =
    checkArray(r.obs, Float32Array, n * vec.obsSize, 'obs', where, problems) &&
    checkArray(r.rewards, Float32Array, n, 'rewards', where, problems) &&
    checkArray(r.terminated, Uint8Array, n, 'terminated', where, problems) &&
    checkArray(r.truncated, Uint8Array, n, 'truncated', where, problems) &&
    checkArray(r.finalObs, Float32Array, n * vec.obsSize, 'finalObs', where, problems);
  if (!ok) return false;
  const rewards = r.rewards as Float32Array;
  const terminated = r.terminated as Uint8Array;
  const truncated = r.truncated as Uint8Array;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(rewards[i]!))
      problems.add(
        'reward-invalid',
        `${where}, env ${i}`,
        `reward is ${rewards[i]}; expected a finite number`,
      );
    if (terminated[i]! > 1)
      problems.add(
        'terminated-not-boolean',
        `${where}, env ${i}`,
        `terminated[${i}] is ${terminated[i]}; expected 0 or 1`,
      );
    if (truncated[i]! > 1)
      problems.add(
        'truncated-not-boolean',
        `${where}, env ${i}`,
        `truncated[${i}] is ${truncated[i]}; expected 0 or 1`,
      );
  }
  if (!Array.isArray(r.infos) || r.infos.length !== n || !r.infos.every(isPlainObject)) {
    problems.add(
      'info-not-object',
      where,
      `infos is ${describeValue(r.infos)}; expected an array of ${n} objects`,
    );
  }
  checkRows(vec, r.obs as Float32Array, undefined, 'observation', where, problems);
  const done = (i: number): boolean => terminated[i] === 1 || truncated[i] === 1;
  checkRows(vec, r.finalObs as Float32Array, done, 'final observation', where, problems);
  return true;
}

function checkArray(
  x: unknown,
  cls: typeof Float32Array | typeof Uint8Array,
  length: number,
  name: string,
  where: string,
  problems: ProblemList,
): boolean {
  if (!(x instanceof cls) || x.length !== length) {
    problems.add(
      'vector-result-invalid',
      where,
      `${name} is ${describeValue(x)}; expected a ${cls.name} of ${length} elements`,
    );
    return false;
  }
  return true;
}

/** Checks that each row (where `include(i)`) unflattens to a member of the observation space. */
function checkRows(
  vec: VectorEnv,
  flat: Float32Array,
  include: ((i: number) => boolean) | undefined,
  what: string,
  where: string,
  problems: ProblemList,
): void {
  const space = vec.singleObservationSpace;
  for (let i = 0; i < vec.numEnvs; i++) {
    if (include !== undefined && !include(i)) continue;
    const row = flat.subarray(i * vec.obsSize, (i + 1) * vec.obsSize);
    let why: string | undefined;
    try {
      why = explainNotContained(space, space.unflatten(row));
    } catch (e) {
      why = `the row does not unflatten: ${errorMessage(e)}`;
    }
    if (why !== undefined) {
      problems.add(
        'obs-not-in-space',
        `${where}, env ${i}`,
        `${what} row ${i} is not in the observation space (${describeSpace(space)}): ${why}`,
      );
    }
  }
}
