import { describe, expect, it } from 'vitest';
import { ClipReward } from '../../../envs/wrappers/clip-reward.js';
import { TimeLimit } from '../../../envs/wrappers/time-limit.js';
import { findWrapper, unwrapEnv } from '../../../envs/wrappers/wrapper.js';
import { CountingEnv } from '../fixtures/counting-env.js';

describe('unwrapEnv / findWrapper', () => {
  it('reach the innermost env and a wrapper by class', () => {
    const inner = new CountingEnv();
    const limit = new TimeLimit(inner, 5);
    const env = new ClipReward(limit, -1, 1);
    expect(unwrapEnv(env)).toBe(inner);
    expect(findWrapper(env, TimeLimit)).toBe(limit);
    expect(findWrapper(inner, TimeLimit)).toBeUndefined();
    env.close();
    expect(inner.closed).toBe(true);
  });
});
