/**
 * The report of the env checker (`checkEnv`): a list of precise problems, each found once; and the
 * checks shared by the single-env and vector-env checkers.
 */
import { describeValue } from './spaces/describe-value.js';
import type { Space } from './spaces/space.js';
import { spaceFromJson } from './spaces/space-from-json.js';

/** What a problem is about; one entry per kind is kept (with a count of repeats). */
export type EnvProblemCode =
  | 'not-an-env'
  | 'space-invalid'
  | 'spec-invalid'
  | 'reset-threw'
  | 'reset-result-invalid'
  | 'reset-info-missing'
  | 'obs-not-in-space'
  | 'step-threw'
  | 'step-result-invalid'
  | 'reward-invalid'
  | 'terminated-not-boolean'
  | 'truncated-not-boolean'
  | 'info-not-object'
  | 'nondeterministic'
  | 'step-after-done'
  | 'vector-result-invalid';

/** One problem found by the checker. */
export interface EnvProblem {
  code: EnvProblemCode;
  /** 'error': breaks training or the contract; 'warning': suspicious but usable. */
  severity: 'error' | 'warning';
  /** Where it happened, e.g. `reset(seed 0)` or `step 3 (episode 1)`. */
  where: string;
  /** What was wrong: the value and what was expected. */
  message: string;
  /** How many more times the same kind of problem occurred after this first one. */
  repeats: number;
}

/** The checker's verdict. */
export interface EnvCheckReport {
  /** True when no problem of severity 'error' was found. */
  ok: boolean;
  /** 'env' for a single env, 'vector' for a vector env. */
  kind: 'env' | 'vector';
  /** The env's spec id, when it has one. */
  id: string | undefined;
  /** Steps taken (summed over envs for a vector env). */
  stepsRun: number;
  problems: EnvProblem[];
}

/** Collects problems, keeping the first of each code and counting repeats. */
export class ProblemList {
  readonly problems: EnvProblem[] = [];

  /** Records a problem (or counts it as a repeat of an earlier one of the same code). */
  add(code: EnvProblemCode, where: string, message: string, severity: 'error' | 'warning' = 'error'): void {
    const earlier = this.problems.find((p) => p.code === code);
    if (earlier !== undefined) earlier.repeats++;
    else this.problems.push({ code, severity, where, message, repeats: 0 });
  }

  /** True when a problem with this code was recorded. */
  has(code: EnvProblemCode): boolean {
    return this.problems.some((p) => p.code === code);
  }

  /** The report. */
  report(kind: 'env' | 'vector', id: string | undefined, stepsRun: number): EnvCheckReport {
    return {
      ok: !this.problems.some((p) => p.severity === 'error'),
      kind,
      id,
      stepsRun,
      problems: this.problems,
    };
  }
}

/** The report as lines of text, for the CLI (`rl env check`). */
export function formatEnvCheckReport(report: EnvCheckReport): string {
  const head = `${report.id ?? '(env without spec id)'}: ${report.ok ? 'OK' : 'FAILED'} (${report.kind}, ${report.stepsRun} steps checked)`;
  const lines = report.problems.map(
    (p) =>
      `  ${p.severity.toUpperCase()} [${p.code}] ${p.where}: ${p.message}` +
      `${p.repeats > 0 ? ` (and ${p.repeats} more time${p.repeats === 1 ? '' : 's'})` : ''}`,
  );
  return [head, ...lines].join('\n');
}

/** Checks that `space` has the Space methods and that its JSON form rebuilds the same space. */
export function checkSpace(space: unknown, name: string, problems: ProblemList): boolean {
  const s = space as Partial<Space>;
  const missing = ['sample', 'contains', 'toJson', 'flattenInto', 'flatten', 'unflatten'].filter(
    (m) => typeof (s as Record<string, unknown>)[m] !== 'function',
  );
  if (typeof space !== 'object' || space === null || missing.length > 0) {
    problems.add(
      'space-invalid',
      name,
      `${name} (${describeValue(space)}) is not a Space: missing ${missing.join(', ')}; use the classes of envs/spaces`,
    );
    return false;
  }
  try {
    const rebuilt = spaceFromJson(s.toJson!(), name);
    if (rebuilt.flatSize !== s.flatSize) {
      problems.add(
        'space-invalid',
        name,
        `${name}.flatSize is ${describeValue(s.flatSize)}; its JSON form gives ${rebuilt.flatSize}`,
      );
      return false;
    }
  } catch (e) {
    problems.add(
      'space-invalid',
      name,
      `${name}.toJson() does not describe a valid space: ${errorMessage(e)}`,
    );
    return false;
  }
  return true;
}

/** True for a non-null, non-array object. */
export function isPlainObject(x: unknown): boolean {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x);
}

/** True for a thenable. */
export function isPromise(x: unknown): boolean {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

/** `Name: message` of an error, or a description of a thrown non-error. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : describeValue(e);
}
