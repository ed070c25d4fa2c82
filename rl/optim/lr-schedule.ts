/**
 * Learning-rate schedules as plain config data, evaluated at an optimiser step count.
 */

/**
 * `constant`: the initial rate forever. `linear`: from the initial rate to `finalLearningRate` over
 * `durationSteps` optimiser steps, then constant (CleanRL's `anneal_lr` decays to 0 over the run,
 * cleanrl/ppo.py: `frac = 1.0 - (iteration - 1.0) / args.num_iterations`).
 */
export type LrSchedule =
  | { readonly type: 'constant' }
  | { readonly type: 'linear'; readonly finalLearningRate: number; readonly durationSteps: number };

/** The learning rate after `step` optimiser steps. */
export function learningRateAt(schedule: LrSchedule, initial: number, step: number): number {
  if (schedule.type === 'constant') return initial;
  const frac = Math.min(step / schedule.durationSteps, 1);
  return initial + (schedule.finalLearningRate - initial) * frac;
}

/**
 * Checks a schedule read from config.
 * @throws TypeError naming `field`, the value and what was expected.
 */
export function validateLrSchedule(value: unknown, field: string): LrSchedule {
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(
      `${field} must be { type: 'constant' } or { type: 'linear', finalLearningRate, durationSteps }.`,
    );
  }
  const { type, finalLearningRate, durationSteps } = value as Record<string, unknown>;
  if (type === 'constant') return { type };
  if (type !== 'linear')
    throw new TypeError(`${field}.type (${JSON.stringify(type)}) must be 'constant' or 'linear'.`);
  if (typeof finalLearningRate !== 'number' || !(finalLearningRate >= 0)) {
    throw new TypeError(`${field}.finalLearningRate (${String(finalLearningRate)}) must be a number >= 0.`);
  }
  if (!Number.isSafeInteger(durationSteps) || (durationSteps as number) < 1) {
    throw new TypeError(`${field}.durationSteps (${String(durationSteps)}) must be a positive integer.`);
  }
  return { type, finalLearningRate, durationSteps: durationSteps as number };
}
