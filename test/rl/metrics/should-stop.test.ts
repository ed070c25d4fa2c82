import { describe, expect, it } from 'vitest';
import type { IterationResult } from '../../../rl/metrics/iteration-result.js';
import { hasStopCriterion, shouldStop, stopProgress } from '../../../rl/metrics/should-stop.js';

const result: IterationResult = {
  iteration: 10,
  envSteps: 5120,
  episodes: 40,
  episodeReturnMean: 180,
  episodeLenMean: 180,
  envStepsPerS: 2000,
  timeMs: 2500,
};

describe('shouldStop', () => {
  it('goes on when nothing is reached or nothing is set', () => {
    expect(shouldStop({}, result)).toBeUndefined();
    expect(
      shouldStop({ envSteps: 10_000, iterations: 11, timeMs: 3000, episodeReturnMean: 475 }, result),
    ).toBeUndefined();
  });

  it('names the criterion that fired, checked at >=', () => {
    expect(shouldStop({ iterations: 10 }, result)).toEqual({
      criterion: 'iterations',
      threshold: 10,
      value: 10,
      message: 'iterations 10 >= 10',
    });
    expect(shouldStop({ envSteps: 5000, episodeReturnMean: 500 }, result)?.criterion).toBe('envSteps');
    expect(shouldStop({ timeMs: 2500 }, result)?.criterion).toBe('timeMs');
    expect(shouldStop({ episodeReturnMean: 175 }, result)?.message).toBe('episodeReturnMean 180 >= 175');
  });

  it('rounds the values in its message (returns to 0.01, times to a ms)', () => {
    const odd = { ...result, episodeReturnMean: 475.123456789, timeMs: 60012.345678 };
    expect(shouldStop({ episodeReturnMean: 475 }, odd)?.message).toBe('episodeReturnMean 475.12 >= 475');
    expect(shouldStop({ timeMs: 60000 }, odd)?.message).toBe('timeMs 60012 >= 60000');
    expect(shouldStop({ episodeReturnMean: 475 }, odd)?.value).toBe(475.123456789);
  });

  it('knows whether any criterion is set', () => {
    expect(hasStopCriterion({})).toBe(false);
    expect(hasStopCriterion({ timeMs: 1 })).toBe(true);
  });

  it('never stops on a return before any episode finished', () => {
    expect(shouldStop({ episodeReturnMean: -1e9 }, { ...result, episodeReturnMean: null })).toBeUndefined();
  });
});

describe('stopProgress', () => {
  it('is the furthest-along budget fraction, capped at 1', () => {
    expect(stopProgress({}, result)).toBeUndefined();
    expect(stopProgress({ episodeReturnMean: 475 }, result)).toBeUndefined();
    expect(stopProgress({ envSteps: 10_240 }, result)).toBe(0.5);
    expect(stopProgress({ envSteps: 10_240, iterations: 40, timeMs: 10_000 }, result)).toBe(0.5);
    expect(stopProgress({ iterations: 5 }, result)).toBe(1);
  });
});
