import { describe, expect, it } from 'vitest';
import { MountainCarEnv } from '../../../envs/builtin/mountain-car.js';
import { expectTransitions, fixturesOf } from './fixture-replay.js';

/** Independent reference: one step of Gymnasium's mountain_car.py, written out from its formulas. */
function referenceStep(p: number, v: number, action: number): [number, number] {
  let nv = v + ((action - 1) * 0.001 + Math.cos(3 * p) * -0.0025);
  nv = Math.min(Math.max(nv, -0.07), 0.07);
  let np = p + nv;
  np = Math.min(Math.max(np, -1.2), 0.6);
  if (np === -1.2 && nv < 0) nv = 0;
  return [np, nv];
}

describe('MountainCarEnv', () => {
  const { edges, rollouts } = fixturesOf('MountainCar-v0');

  it('matches Gymnasium on the edge cases (walls, speed limits, goal) bit for bit', () => {
    expect(expectTransitions(() => new MountainCarEnv(), edges).exactStates).toBe(edges.length);
  });

  it('matches Gymnasium on random rollouts (states bit for bit but for 1-ulp cos differences)', () => {
    const { exactStates } = expectTransitions(() => new MountainCarEnv(), rollouts);
    expect(exactStates).toBeGreaterThanOrEqual(rollouts.length - 3);
  });

  const stepFrom = (state: number[], action: number, options = {}) => {
    const env = new MountainCarEnv(options);
    env.reset({ seed: 0 });
    env.state = state;
    const r = env.step(action);
    return { ...r, state: [...env.state] };
  };

  it('agrees with the reference computation of the formulas', () => {
    for (const [p, v, a] of [
      [-0.5, 0.01, 2],
      [0.2, -0.03, 0],
      [-0.9, 0.0, 1],
    ] as const) {
      expect(stepFrom([p, v], a).state).toEqual(referenceStep(p, v, a));
    }
  });

  it('stops the car at the left wall (position -1.2, velocity 0)', () => {
    const r = stepFrom([-1.19, -0.02], 0);
    expect(r.state).toEqual([-1.2, 0]);
    expect([...r.obs]).toEqual([Math.fround(-1.2), 0]);
    // Moving away from the wall keeps the velocity.
    const away = stepFrom([-1.2, 0], 2);
    expect(away.state[1]).toBeGreaterThan(0);
  });

  it('limits the speed to +-0.07', () => {
    expect(stepFrom([-0.5, 0.0695], 2).state[1]).toBe(0.07);
    expect(stepFrom([-0.5, -0.0695], 0).state[1]).toBe(-0.07);
    // The position moves by the clipped velocity: -0.5 + 0.07.
    expect(stepFrom([-0.5, 0.0695], 2).state[0]).toBe(-0.5 + 0.07);
  });

  it('terminates at position >= 0.5, with goalVelocity when given; reward always -1', () => {
    const goal = stepFrom([0.49, 0.02], 2);
    expect(goal).toMatchObject({ terminated: true, reward: -1, truncated: false });
    expect(stepFrom([0.3, 0.01], 2)).toMatchObject({ terminated: false, reward: -1 });
    // At 0.5 with a slightly negative velocity, the default goal velocity 0 is not met.
    expect(stepFrom([0.5, -0.0001], 1).terminated).toBe(false);
    expect(stepFrom([0.49, 0.02], 2, { goalVelocity: 0.05 }).terminated).toBe(false);
    expect(stepFrom([0.49, 0.02], 2, { goalVelocity: 0.01 }).terminated).toBe(true);
  });

  it('truncates at 200 steps; resets position in [-0.6, -0.4) with velocity 0; same seed, same episode', () => {
    const env = new MountainCarEnv();
    expect(env.spec).toEqual({ id: 'MountainCar-v0', maxEpisodeSteps: 200, rewardThreshold: -110 });
    let obs = env.reset({ seed: 3 }).obs;
    for (let i = 1; i <= 200; i++) {
      expect(env.observationSpace.contains(obs)).toBe(true);
      const r = env.step(1);
      obs = r.obs;
      expect(r.terminated).toBe(false);
      expect(r.truncated).toBe(i === 200);
    }
    for (let seed = 0; seed < 50; seed++) {
      env.reset({ seed });
      expect(env.state[0]! >= -0.6 && env.state[0]! < -0.4).toBe(true);
      expect(env.state[1]).toBe(0);
    }
    const run = (seed: number) => {
      const e = new MountainCarEnv();
      const out = [...e.reset({ seed }).obs];
      for (let i = 0; i < 50; i++) out.push(...e.step(i % 3).obs);
      return out;
    };
    expect(run(9)).toEqual(run(9));
    expect(run(9)).not.toEqual(run(10));
  });

  it('rejects bad actions', () => {
    const env = new MountainCarEnv();
    env.reset({ seed: 0 });
    expect(() => env.step(3)).toThrow(/action \(number 3\) must be 0 \(left\), 1 \(no push\) or 2 \(right\)/);
    expect(() => env.step(0.5)).toThrow(/must be 0/);
  });
});
