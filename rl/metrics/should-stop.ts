/**
 * The stop criteria of a run: `stop: { envSteps, iterations, timeMs, episodeReturnMean }`; the first
 * one reached stops the run.
 */
import type { IterationResult } from './iteration-result.js';

/** The `stop` config section (every field optional). */
export interface StopCriteria {
  readonly envSteps?: number;
  readonly iterations?: number;
  readonly timeMs?: number;
  readonly episodeReturnMean?: number;
}

/** Which criterion fired, with the threshold and the value that reached it. */
export interface StopReason {
  readonly criterion: keyof StopCriteria;
  readonly threshold: number;
  readonly value: number;
  /** e.g. `envSteps 200192 >= 200000`. */
  readonly message: string;
}

/** The result field each criterion compares (`iterations` reads the iteration number). */
function criterionValue(criterion: keyof StopCriteria, result: IterationResult): number | null {
  switch (criterion) {
    case 'iterations':
      return result.iteration;
    case 'envSteps':
      return result.envSteps;
    case 'timeMs':
      return result.timeMs;
    case 'episodeReturnMean':
      return result.episodeReturnMean;
  }
}

/** The stop fields in the order they are checked (the cheapest to reason about first). */
const ORDER = ['iterations', 'envSteps', 'timeMs', 'episodeReturnMean'] as const;

/** True when some criterion is set: a run without one trains until interrupted. */
export function hasStopCriterion(stop: StopCriteria): boolean {
  return ORDER.some((criterion) => stop[criterion] !== undefined);
}

/** A value as the stop message shows it: counts whole, returns and times rounded. */
function formatValue(criterion: keyof StopCriteria, value: number): string {
  if (criterion === 'episodeReturnMean') return String(Math.round(value * 100) / 100);
  return String(Math.round(value));
}

/**
 * The first criterion `result` reaches (`>=` each threshold), or undefined to go on. An undefined
 * windowed return (no finished episode yet) never meets `episodeReturnMean`.
 */
export function shouldStop(stop: StopCriteria, result: IterationResult): StopReason | undefined {
  for (const criterion of ORDER) {
    const threshold = stop[criterion];
    if (threshold === undefined) continue;
    const value = criterionValue(criterion, result);
    if (typeof value === 'number' && value >= threshold) {
      const message = `${criterion} ${formatValue(criterion, value)} >= ${threshold}`;
      return { criterion, threshold, value, message };
    }
  }
  return undefined;
}

/**
 * The fraction of the run done, by the furthest-along budget criterion (iterations, envSteps,
 * timeMs), in [0, 1]; undefined when none is set (a return target gives no ETA).
 */
export function stopProgress(stop: StopCriteria, result: IterationResult): number | undefined {
  let best: number | undefined;
  for (const criterion of ['iterations', 'envSteps', 'timeMs'] as const) {
    const threshold = stop[criterion];
    if (threshold === undefined || threshold <= 0) continue;
    const fraction = Math.min(1, (criterionValue(criterion, result) ?? 0) / threshold);
    best = best === undefined ? fraction : Math.max(best, fraction);
  }
  return best;
}
