import { describe, expect, it } from 'vitest';
import { ClipReward } from '../../../envs/wrappers/clip-reward.js';
import { ScriptedEnv } from '../fixtures/counting-env.js';

describe('ClipReward', () => {
  it('clips rewards to [min, max]', () => {
    const env = new ClipReward(new ScriptedEnv([[0]], [-5, 0.5, 5]), -1, 1);
    env.reset();
    expect([env.step(0).reward, env.step(0).reward, env.step(0).reward]).toEqual([-1, 0.5, 1]);
    expect(() => new ClipReward(new ScriptedEnv([[0]], [1]), 1, 0)).toThrow(
      'minReward (1) must be <= maxReward (0)',
    );
  });
});
