import { describe, expect, it } from 'vitest';
import { NormalizeReward } from '../../../envs/wrappers/normalize-reward.js';
import { ScriptedEnv } from '../fixtures/counting-env.js';

describe('NormalizeReward', () => {
  it('divides by the running std of the discounted return, zeroed by termination (golden)', () => {
    // Gymnasium 1.x: G = G * gamma * (1 - terminated) + r; rms.update(G); r / sqrt(var + 1e-8).
    // Rewards 1, 2, 3 (terminated on the 3rd), then 1; gamma 0.5; values from numpy.
    const env = new NormalizeReward(new ScriptedEnv([[0]], [1, 2, 3]), { gamma: 0.5 });
    env.reset();
    const rewards = [env.step(0).reward, env.step(0).reward, env.step(0).reward];
    env.reset();
    rewards.push(env.step(0).reward);
    const golden = [70.71421321062337, 2.6662519637921394, 3.5296854487502594, 1.333170396214238];
    for (const [i, r] of rewards.entries()) expect(r).toBeCloseTo(golden[i]!, 6);
  });

  it('saves and restores state, and freezes', () => {
    const env = new NormalizeReward(new ScriptedEnv([[0]], [1, 2, 3]));
    env.reset();
    env.step(0);
    const state = JSON.parse(JSON.stringify(env.getState())) as unknown;
    const other = new NormalizeReward(new ScriptedEnv([[0]], [1, 2, 3]), { frozen: true });
    other.setState(state);
    other.reset();
    other.step(0);
    expect(other.getState().rms).toEqual(env.getState().rms);
    expect(() => other.setState({ rms: {}, discountedReturn: 'x' })).toThrow(
      'state.discountedReturn (string "x") must be a finite number',
    );
    expect(() => new NormalizeReward(new ScriptedEnv([[0]], [1]), { gamma: 2 })).toThrow(
      'gamma (2) must be in [0, 1]',
    );
  });
});
