/**
 * Reads one run directory's learning curve: `(x, y)` points of a metric from `results.jsonl`, and
 * what groups the run with its other seeds (its resolved config without `seed`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { didYouMean } from '../config/did-you-mean.js';
import { flattenMetrics, type IterationResult } from '../metrics/iteration-result.js';

/** The x axis of a curve. */
export type CurveX = 'envSteps' | 'timeMs';

/** One run's curve. */
export interface RunCurve {
  readonly runDir: string;
  /** Runs with equal keys differ only in their seed (same algorithm, env and hyperparameters). */
  readonly groupKey: string;
  /** `<algo> <env id>` from the run's config, or the directory name without one. */
  readonly label: string;
  readonly seed: number | undefined;
  /** [x, y] in iteration order; iterations where the metric is null (no episode yet) are left out. */
  readonly points: readonly (readonly [number, number])[];
}

/** A run directory that cannot be plotted: names the directory and what is missing. */
export class PlotInputError extends Error {
  override readonly name = 'PlotInputError';
}

function readRows(runDir: string): Record<string, string | number | boolean | null>[] {
  const path = join(runDir, 'results.jsonl');
  if (!existsSync(path)) {
    throw new PlotInputError(
      `${runDir}: no results.jsonl here; give run directories written by \`rl train\` (runs/<run>).`,
    );
  }
  const rows: Record<string, string | number | boolean | null>[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      rows.push(flattenMetrics(JSON.parse(line) as IterationResult));
    } catch {
      // A run being written (or killed mid-write) may end in a partial line: skip it.
    }
  }
  return rows;
}

function readConfig(runDir: string): Record<string, unknown> | undefined {
  const path = join(runDir, 'config.json');
  if (!existsSync(path)) return undefined;
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The curve of `metric` (a dotted name as in progress.csv, e.g. `evaluation.episodeReturnMean`)
 * against `x` in `runDir`.
 * @throws PlotInputError when the directory has no results, or no row has the metric (listing the
 *   metrics it has, with a did-you-mean).
 */
export function readRunCurve(runDir: string, metric: string, x: CurveX): RunCurve {
  const rows = readRows(runDir);
  const points: [number, number][] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    for (const key of Object.keys(row)) seen.add(key);
    const xv = row[x];
    const yv = row[metric];
    if (typeof xv === 'number' && typeof yv === 'number' && Number.isFinite(xv) && Number.isFinite(yv))
      points.push([xv, yv]);
  }
  if (rows.length > 0 && !seen.has(metric)) {
    const numeric = [...seen].filter((k) => rows.some((r) => typeof r[k] === 'number'));
    const near = didYouMean(metric, numeric);
    throw new PlotInputError(
      `${runDir}: no metric "${metric}"${near === undefined ? '' : `; did you mean "${near}"?`} ` +
        `It has: ${numeric.join(', ')}.`,
    );
  }
  const config = readConfig(runDir);
  const seed = typeof config?.['seed'] === 'number' ? config['seed'] : undefined;
  const env = config?.['env'] as { id?: unknown } | undefined;
  const algo = config?.['algo'];
  // Seeds, stop criteria and checkpointing do not change what a run learns at a given x.
  const { seed: _seed, stop: _stop, expect: _expect, checkpoint: _checkpoint, ...rest } = config ?? {};
  return {
    runDir,
    groupKey: config === undefined ? `dir:${runDir}` : JSON.stringify(rest),
    label: typeof algo === 'string' && typeof env?.id === 'string' ? `${algo} ${env.id}` : basename(runDir),
    seed,
    points,
  };
}
