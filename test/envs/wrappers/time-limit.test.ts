import { describe, expect, it } from 'vitest';
import { TimeLimit } from '../../../envs/wrappers/time-limit.js';
import { CountingEnv } from '../fixtures/counting-env.js';

describe('TimeLimit', () => {
  it('truncates at maxEpisodeSteps and resets the count on reset', () => {
    const env = new TimeLimit(new CountingEnv({ terminateAt: 100 }), 2);
    expect(env.spec.maxEpisodeSteps).toBe(2);
    env.reset({ seed: 1 });
    expect(env.step(0).truncated).toBe(false);
    const last = env.step(0);
    expect(last.truncated).toBe(true);
    expect(last.terminated).toBe(false);
    env.reset();
    expect(env.elapsedSteps).toBe(0);
    expect(env.step(0).truncated).toBe(false);
  });

  it('keeps terminated when both happen on the same step', () => {
    const env = new TimeLimit(new CountingEnv({ terminateAt: 2 }), 2);
    env.reset();
    env.step(0);
    const r = env.step(0);
    expect([r.terminated, r.truncated]).toEqual([true, true]);
  });

  it('rejects a non-positive limit', () => {
    expect(() => new TimeLimit(new CountingEnv(), 0)).toThrow(
      'maxEpisodeSteps (0) must be a positive integer',
    );
  });
});
