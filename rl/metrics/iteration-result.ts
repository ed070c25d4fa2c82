/**
 * The row every training iteration reports: written to `results.jsonl` and `progress.csv`, shown by
 * the progress display and read by the stop criteria.
 */

/** A metric value: numbers (null when undefined, e.g. no episode finished yet), strings, booleans or nested groups. */
export type MetricValue = number | string | boolean | null | { readonly [key: string]: MetricValue };

/** The evaluation block, present on iterations that evaluated. */
export interface EvaluationResult {
  readonly episodeReturnMean: number | null;
  readonly episodeLenMean: number | null;
  /** Episodes this evaluation ran. */
  readonly episodes: number;
  readonly [key: string]: MetricValue;
}

/** One iteration's results. Extra keys (e.g. `numRunnerRestarts`) are allowed and logged as they are. */
export interface IterationResult {
  /** 1-based iteration number (lifetime, continues on resume). */
  readonly iteration: number;
  /** Lifetime env steps sampled for training. */
  readonly envSteps: number;
  /** Lifetime finished training episodes. */
  readonly episodes: number;
  /** Mean return over the last `metrics.windowEpisodes` episodes; null before the first one ends. */
  readonly episodeReturnMean: number | null;
  /** Mean length over the same window; null before the first episode ends. */
  readonly episodeLenMean: number | null;
  /** Env steps per second of wall time in this iteration. */
  readonly envStepsPerS: number;
  /** Wall time since the run started (continues across resume). */
  readonly timeMs: number;
  /** Learner statistics (losses, KL, clip fraction, learning rate, gradSteps, ...). */
  readonly learner?: { readonly [key: string]: MetricValue };
  /** Present on iterations that ran an evaluation. */
  readonly evaluation?: EvaluationResult;
  readonly [key: string]: MetricValue | undefined;
}

/**
 * Flattens nested groups into dotted keys: `{ evaluation: { episodeReturnMean: 5 } }` becomes
 * `{ 'evaluation.episodeReturnMean': 5 }`. Key order follows the row's own order.
 */
export function flattenMetrics(
  row: { readonly [key: string]: MetricValue | undefined },
  prefix = '',
): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(row)) {
    if (value === undefined) continue;
    const name = prefix === '' ? key : `${prefix}.${key}`;
    if (value !== null && typeof value === 'object') Object.assign(out, flattenMetrics(value, name));
    else out[name] = value;
  }
  return out;
}
