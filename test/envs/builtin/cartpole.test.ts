import { describe, expect, it } from 'vitest';
import { setLogSink } from '../../../core/logger.js';
import { CartPoleEnv } from '../../../envs/builtin/cartpole.js';
import { expectTransitions, fixturesOf } from './fixture-replay.js';

/** Independent reference: one Euler step of Gymnasium's cartpole.py, written out from its formulas. */
function referenceStep(s: readonly number[], action: number): number[] {
  const [x, xDot, th, thDot] = s as [number, number, number, number];
  const force = action === 1 ? 10 : -10;
  const c = Math.cos(th);
  const sn = Math.sin(th);
  const temp = (force + 0.05 * thDot ** 2 * sn) / 1.1;
  const thAcc = (9.8 * sn - c * temp) / (0.5 * (4 / 3 - (0.1 * c ** 2) / 1.1));
  const xAcc = temp - (0.05 * thAcc * c) / 1.1;
  return [x + 0.02 * xDot, xDot + 0.02 * xAcc, th + 0.02 * thDot, thDot + 0.02 * thAcc];
}

describe('CartPoleEnv', () => {
  const { edges, rollouts } = fixturesOf('CartPole-v1');

  it('matches Gymnasium on the edge cases (x = +-2.4, theta = +-12 degrees) bit for bit', () => {
    const m = expectTransitions(() => new CartPoleEnv(), edges);
    expect(m).toEqual({ exactStates: edges.length, exactRewards: edges.length });
  });

  it('matches Gymnasium on random rollouts (states bit for bit but for 1-ulp cos/sin differences)', () => {
    const { exactStates, exactRewards } = expectTransitions(() => new CartPoleEnv(), rollouts);
    expect(exactStates).toBeGreaterThanOrEqual(rollouts.length - 3);
    expect(exactRewards).toBe(rollouts.length);
  });

  it('agrees with the reference computation of the formulas', () => {
    const env = new CartPoleEnv();
    env.reset({ seed: 3 });
    const start = [0.01, -0.2, 0.03, 0.4];
    env.state = start;
    const r = env.step(1);
    const expected = referenceStep(start, 1);
    expect([...env.state]).toEqual(expected);
    expect([...r.obs]).toEqual(expected.map(Math.fround));
  });

  it('integrates with semi-implicit Euler when asked (kinematics_integrator != "euler")', () => {
    const env = new CartPoleEnv();
    env.kinematicsIntegrator = 'semi-implicit-euler';
    env.reset({ seed: 3 });
    const start = [0.01, -0.2, 0.03, 0.4];
    env.state = start;
    env.step(0);
    const euler = referenceStep(start, 0);
    // Same accelerations; positions advance with the new velocities.
    const xDot = euler[1]!;
    const thDot = euler[3]!;
    expect([...env.state]).toEqual([0.01 + 0.02 * xDot, xDot, 0.03 + 0.02 * thDot, thDot]);
  });

  it('terminates strictly beyond x = +-2.4 and theta = +-12 degrees', () => {
    const th12 = (12 * 2 * Math.PI) / 360;
    const env = new CartPoleEnv();
    const cases: [number[], boolean][] = [
      // With xDot = 0 and theta = thetaDot = 0 the step leaves x unchanged (Euler uses the old xDot).
      [[2.4, 0, 0, 0], false],
      [[-2.4, 0, 0, 0], false],
      [[2.4 + 1e-12, 0, 0, 0], true],
      [[-2.4 - 1e-12, 0, 0, 0], true],
      [[0, 0, th12, 0], false],
      [[0, 0, -th12, 0], false],
      [[0, 0, th12 + 1e-12, 0], true],
      [[0, 0, -th12 - 1e-12, 0], true],
    ];
    for (const [state, terminated] of cases) {
      env.reset({ seed: 0 });
      env.state = state;
      expect(env.step(0).terminated, `state ${state.join(', ')}`).toBe(terminated);
    }
  });

  it('rewards 1 on the terminating step, 0 after it (warning once); Sutton-Barto reward 0 / -1', () => {
    const warnings: string[] = [];
    const previous = setLogSink((level, _scope, message) => {
      if (level === 'warn') warnings.push(message);
    });
    const env = new CartPoleEnv();
    env.reset({ seed: 0 });
    env.state = [3, 0, 0, 0];
    expect(env.step(0)).toMatchObject({ reward: 1, terminated: true, truncated: false });
    expect(warnings).toEqual([]);
    expect(env.step(0)).toMatchObject({ reward: 0, terminated: true });
    expect(env.step(0)).toMatchObject({ reward: 0, terminated: true });
    setLogSink(previous);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/step\(\) called after this environment returned terminated = true/);
    env.reset({ seed: 0 });
    expect(env.step(0).reward).toBe(1);

    const sb = new CartPoleEnv({ suttonBartoReward: true });
    sb.reset({ seed: 0 });
    expect(sb.step(1).reward).toBe(0);
    sb.state = [3, 0, 0, 0];
    expect(sb.step(1).reward).toBe(-1);
    const quiet = setLogSink(() => {});
    expect(sb.step(1).reward).toBe(-1);
    setLogSink(quiet);
  });

  it('truncates at 500 steps (CartPole-v1 registration), and at a custom limit', () => {
    const env = new CartPoleEnv();
    expect(env.spec).toEqual({ id: 'CartPole-v1', maxEpisodeSteps: 500, rewardThreshold: 475 });
    env.reset({ seed: 1 });
    for (let i = 1; i <= 500; i++) {
      env.state = [0, 0, 0, 0]; // keeps the pole up so that only the time limit ends the episode
      const r = env.step(i % 2);
      expect(r.terminated).toBe(false);
      expect(r.truncated).toBe(i === 500);
    }
    expect(env.elapsedSteps).toBe(500);
    env.reset();
    expect(env.step(0).truncated).toBe(false);

    const short = new CartPoleEnv({ maxEpisodeSteps: 3 });
    short.reset({ seed: 1 });
    expect([short.step(0).truncated, short.step(1).truncated, short.step(0).truncated]).toEqual([
      false,
      false,
      true,
    ]);
    const unlimited = new CartPoleEnv({ maxEpisodeSteps: null });
    expect(unlimited.spec.maxEpisodeSteps).toBeUndefined();
  });

  it('resets uniformly within [-0.05, 0.05) or the given bounds; same seed, same episode', () => {
    const run = (seed: number): number[][] => {
      const env = new CartPoleEnv();
      const out = [[...env.reset({ seed }).obs]];
      for (let i = 0; i < 30; i++) {
        const r = env.step(i % 3 === 0 ? 1 : 0);
        out.push([...r.obs]);
        if (r.terminated) break;
      }
      return out;
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
    const env = new CartPoleEnv();
    for (let seed = 0; seed < 50; seed++) {
      const { obs, info } = env.reset({ seed });
      expect(info).toEqual({});
      expect(env.observationSpace.contains(obs)).toBe(true);
      for (const v of env.state) expect(Math.abs(v)).toBeLessThan(0.05);
    }
    env.reset({ seed: 1, options: { low: 0.2, high: 0.3 } });
    for (const v of env.state) expect(v >= 0.2 && v < 0.3).toBe(true);
  });

  it('observations are Float32Arrays inside the observation space', () => {
    const env = new CartPoleEnv();
    let { obs } = env.reset({ seed: 5 });
    for (let i = 0; i < 200; i++) {
      expect(obs).toBeInstanceOf(Float32Array);
      expect(env.observationSpace.contains(obs)).toBe(true);
      const r = env.step(i % 2);
      obs = r.obs;
      if (r.terminated) ({ obs } = env.reset());
    }
  });

  it('rejects bad actions, options, seeds and states with clear errors', () => {
    const env = new CartPoleEnv();
    expect(() => env.step(0)).toThrow(/call reset\(\) before step\(\)/);
    env.reset({ seed: 0 });
    expect(() => env.step(2)).toThrow(/action \(number 2\) must be 0 \(left\) or 1 \(right\)/);
    expect(() => new CartPoleEnv({ maxEpisodeSteps: 0 })).toThrow(/options.maxEpisodeSteps \(number 0\)/);
    expect(() => new CartPoleEnv({ suttonBartoRewad: true } as never)).toThrow(
      /unknown option 'suttonBartoRewad' \(did you mean 'suttonBartoReward'\?\)/,
    );
    expect(() => env.reset({ seed: 1.5 })).toThrow(/seed \(number 1.5\) must be a safe integer/);
    expect(() => env.reset({ options: { low: 0.1, high: 0 } })).toThrow(/options.low \(0.1\) must be lower/);
    expect(() => env.reset({ options: { lo: 0.1 } })).toThrow(/unknown option 'lo'/);
    expect(() => {
      env.state = [1, 2, 3];
    }).toThrow(/CartPoleEnv.state must be 4 numbers \[x, xDot, theta, thetaDot\]/);
  });
});
