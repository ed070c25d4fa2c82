/**
 * The verdict `rl train` prints on a preset's `expect` block, given what the run did. A verdict is
 * printed only when the run could check it: on the env the preset was written for, and either the
 * threshold was reached or the run went through the whole `withinEnvSteps` budget. A shorter run, or
 * the preset used on another env, gets no verdict.
 */

/** A preset's `expect` block. */
export interface ExpectBlock {
  readonly episodeReturnMean: number;
  readonly withinEnvSteps?: number | undefined;
}

/** What the run did, as far as the verdict needs. */
export interface RunOutcome {
  /** The env the run trained on. */
  readonly envId: string;
  /** The env the preset (where the expect block came from) names. */
  readonly presetEnvId: string | undefined;
  /** Env steps at the first iteration whose windowed mean return reached the threshold. */
  readonly reachedAtEnvSteps: number | undefined;
  /** Env steps at the end of the run. */
  readonly envSteps: number;
  /** The last windowed mean return (null before any episode ended). */
  readonly episodeReturnMean: number | null;
}

/** The verdict line, or undefined when this run cannot check the expect block (see the module comment). */
export function expectVerdict(expected: ExpectBlock, run: RunOutcome): string | undefined {
  if (run.presetEnvId !== undefined && run.presetEnvId !== run.envId) return undefined;
  const target = expected.episodeReturnMean;
  const within = expected.withinEnvSteps;
  const budget = within === undefined ? '' : ` (expected within ${within.toLocaleString('en-US')})`;
  if (run.reachedAtEnvSteps !== undefined) {
    const inTime = within === undefined || run.reachedAtEnvSteps <= within;
    const steps = run.reachedAtEnvSteps.toLocaleString('en-US');
    return inTime
      ? `reached the preset's expected mean return ${target} at ${steps} env steps${budget}`
      : `reached the preset's expected mean return ${target} only at ${steps} env steps${budget}`;
  }
  if (within === undefined || run.envSteps < within) return undefined;
  const last =
    run.episodeReturnMean === null ? 'no finished episode' : `last ${run.episodeReturnMean.toFixed(1)}`;
  return `did not reach the preset's expected mean return ${target} within ${within.toLocaleString('en-US')} env steps (${last})`;
}
