import { describe, expect, it } from 'vitest';
import { MountainCarContinuousEnv } from '../../../envs/builtin/mountain-car-continuous.js';
import { expectTransitions, fixturesOf } from './fixture-replay.js';

describe('MountainCarContinuousEnv', () => {
  const { edges, rollouts } = fixturesOf('MountainCarContinuous-v0');

  it('matches Gymnasium on the edge cases (action clipping, walls, speed limits, goal) bit for bit', () => {
    const m = expectTransitions(() => new MountainCarContinuousEnv(), edges);
    expect(m).toEqual({ exactStates: edges.length, exactRewards: edges.length });
  });

  it('matches Gymnasium on random rollouts (float64 state after reset, float32 after a step)', () => {
    const m = expectTransitions(() => new MountainCarContinuousEnv(), rollouts);
    expect(m.exactStates).toBeGreaterThanOrEqual(rollouts.length - 3);
    expect(m.exactRewards).toBe(rollouts.length);
  });

  const stepFrom = (state: Float32Array, action: number, options = {}) => {
    const env = new MountainCarContinuousEnv(options);
    env.reset({ seed: 0 });
    env.state = state;
    const r = env.step(Float32Array.of(action));
    return { ...r, state: [...env.state] };
  };

  it('clips the force to [-1, 1] (power 0.0015) but charges 0.1 a^2 on the raw action', () => {
    const s = Float32Array.of(-0.5, 0);
    expect(stepFrom(s, 3).state).toEqual(stepFrom(s, 1).state);
    expect(stepFrom(s, -2.5).state).toEqual(stepFrom(s, -1).state);
    expect(stepFrom(s, 3).reward).toBeCloseTo(-0.9, 12);
    expect(stepFrom(s, -2.5).reward).toBeCloseTo(-0.625, 12);
    expect(stepFrom(s, 0).reward).toBe(0);
    // Hand-computed in float64 (float32 rounding moves it by < 1e-8): 0.0015 * 0.5 - 0.0025 cos(-1.5).
    expect(stepFrom(s, 0.5).state[1]).toBeCloseTo(0.00075 - 0.0025 * Math.cos(-1.5), 8);
  });

  it('rewards 100 - 0.1 a^2 on reaching position 0.45', () => {
    const r = stepFrom(Float32Array.of(0.44, 0.02), 2);
    expect(r.terminated).toBe(true);
    expect(r.reward).toBeCloseTo(100 - 0.4, 12);
    expect(stepFrom(Float32Array.of(0.44, 0.02), 2, { goalVelocity: 0.05 }).terminated).toBe(false);
  });

  it('limits the speed to +-0.07 and stops at the left wall', () => {
    expect(stepFrom(Float32Array.of(-0.5, 0.0695), 1).state[1]).toBe(Math.fround(0.07));
    expect(stepFrom(Float32Array.of(-0.5, -0.0695), -1).state[1]).toBe(Math.fround(-0.07));
    expect(stepFrom(Float32Array.of(-1.19, -0.02), -1).state).toEqual([Math.fround(-1.2), 0]);
  });

  it('truncates at 999 steps with float32 observations inside the space; same seed, same episode', () => {
    const env = new MountainCarContinuousEnv();
    expect(env.spec).toEqual({ id: 'MountainCarContinuous-v0', maxEpisodeSteps: 999, rewardThreshold: 90 });
    let obs = env.reset({ seed: 1 }).obs;
    const zero = Float32Array.of(0);
    for (let i = 1; i <= 999; i++) {
      expect(env.observationSpace.contains(obs)).toBe(true);
      const r = env.step(zero);
      obs = r.obs;
      expect(r.truncated).toBe(i === 999);
    }
    const run = (seed: number) => {
      const e = new MountainCarContinuousEnv();
      const out = [...e.reset({ seed }).obs];
      for (let i = 0; i < 50; i++) out.push(e.step(Float32Array.of(Math.cos(i))).reward, ...e.state);
      return out;
    };
    expect(run(2)).toEqual(run(2));
    expect(run(2)).not.toEqual(run(3));
  });
});
