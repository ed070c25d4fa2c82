import { describe, expect, it } from 'vitest';
import {
  AcrobotEnv,
  BUILTIN_ENVS,
  CartPoleEnv,
  MinAtarBreakoutEnv,
  MountainCarContinuousEnv,
  MountainCarEnv,
  PendulumEnv,
} from '../../../envs/builtin/index.js';
import { listEnvs, makeEnv } from '../../../envs/registry.js';

// Gymnasium 1.x gymnasium/envs/__init__.py registrations.
const REGISTERED: [string, unknown, number][] = [
  ['CartPole-v1', CartPoleEnv, 500],
  ['Pendulum-v1', PendulumEnv, 200],
  ['MountainCar-v0', MountainCarEnv, 200],
  ['MountainCarContinuous-v0', MountainCarContinuousEnv, 999],
  ['Acrobot-v1', AcrobotEnv, 500],
  // Not Gymnasium's: MinAtar (Young & Tian 2019), with a step limit of ours (envs/builtin/minatar-breakout.ts).
  ['MinAtar/Breakout-v1', MinAtarBreakoutEnv, 10_000],
];

describe('built-in env registration', () => {
  it('registers the six ids with their classes and step limits', () => {
    expect(Object.keys(BUILTIN_ENVS).sort()).toEqual(REGISTERED.map(([id]) => id).sort());
    const listed = new Set(listEnvs().map((e) => e.id));
    for (const [id, cls, steps] of REGISTERED) {
      expect(listed.has(id)).toBe(true);
      const env = makeEnv(id);
      expect(env).toBeInstanceOf(cls as new () => unknown);
      expect(env.spec.id).toBe(id);
      expect(env.spec.maxEpisodeSteps).toBe(steps);
    }
  });

  it("makeEnv('CartPole-v1') truncates at exactly 500 steps, like gymnasium.make", () => {
    const env = makeEnv('CartPole-v1') as CartPoleEnv;
    env.reset({ seed: 0 });
    let steps = 0;
    let truncated = false;
    while (!truncated) {
      env.state = [0, 0, 0, 0];
      const r = env.step(steps % 2);
      steps++;
      truncated = r.truncated;
      expect(r.terminated).toBe(false);
    }
    expect(steps).toBe(500);
  });

  it('every env: Float32Array observations inside the space over random episodes to the time limit', () => {
    for (const [id] of REGISTERED) {
      const env = makeEnv(id, { maxEpisodeSteps: 120 });
      let { obs } = env.reset({ seed: 1 });
      let episodes = 0;
      let rng = 12345;
      const nextRandom = () => {
        rng = (rng * 1103515245 + 12345) & 0x7fffffff;
        return rng / 0x80000000;
      };
      const sampler = { next: nextRandom };
      for (let i = 0; i < 400; i++) {
        expect(obs, id).toBeInstanceOf(Float32Array);
        expect(env.observationSpace.contains(obs), `${id} obs ${String(obs)}`).toBe(true);
        const r = env.step(env.actionSpace.sample(sampler));
        expect(typeof r.reward).toBe('number');
        obs = r.obs;
        if (r.terminated || r.truncated) {
          episodes++;
          ({ obs } = env.reset());
        }
      }
      expect(episodes, id).toBeGreaterThanOrEqual(3);
      env.close();
    }
  });

  it('returns a fresh observation array on every step and reset (no aliasing)', () => {
    for (const [id] of REGISTERED) {
      const env = makeEnv(id);
      const first = env.reset({ seed: 2 }).obs as Float32Array;
      const kept = [...first];
      const action = env.actionSpace.sample({ next: () => 0.75 });
      const second = env.step(action).obs as Float32Array;
      expect(second).not.toBe(first);
      env.step(action);
      expect([...first], id).toEqual(kept);
    }
  });

  it('passes options through and validates them', () => {
    expect(makeEnv('Pendulum-v1', { g: 9.81, maxEpisodeSteps: 10 }).spec.maxEpisodeSteps).toBe(10);
    expect(() => makeEnv('Pendulum-v1', { gravity: 9.81 })).toThrow(/PendulumEnv: unknown option 'gravity'/);
    expect(() => makeEnv('Acrobot-v1', { maxEpisodeSteps: -1 })).toThrow(/maxEpisodeSteps \(number -1\)/);
    expect(() => makeEnv('MountainCar-v0', { goalVelocity: 'fast' })).toThrow(
      /options.goalVelocity \(string "fast"\) must be a finite number/,
    );
  });
});
