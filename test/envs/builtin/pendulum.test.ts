import { describe, expect, it } from 'vitest';
import { angleNormalize, PendulumEnv } from '../../../envs/builtin/pendulum.js';
import { expectTransitions, fixturesOf } from './fixture-replay.js';

/**
 * NumPy evaluates the float32 `u**2` of the cost with the C library's `powf`, which is not correctly
 * rounded: in near-tie cases it is 1 float32 ulp away from `u * u`. That moves the reward by at most
 * 0.001 * ulp(4) = 0.001 * 2^-21 (about 4.8e-10), under 1e-10 relative to any reward but the smallest.
 */
const POWF_REWARD_TOLERANCE = 0.001 * 2 ** -21;

/** Python's float modulo, written independently: a - b * floor(a / b). */
function pyMod(a: number, b: number): number {
  return a - b * Math.floor(a / b);
}

describe('PendulumEnv', () => {
  const { edges, rollouts } = fixturesOf('Pendulum-v1');

  it('matches Gymnasium on the edge cases (torque and speed clipping, angle wrapping)', () => {
    const m = expectTransitions(() => new PendulumEnv(), edges, POWF_REWARD_TOLERANCE);
    expect(m.exactStates).toBe(edges.length);
    expect(m.exactRewards).toBeGreaterThanOrEqual(edges.length - 1);
  });

  it('matches Gymnasium on random rollouts (bit for bit but for powf near-ties and 1-ulp sin)', () => {
    const m = expectTransitions(() => new PendulumEnv(), rollouts, POWF_REWARD_TOLERANCE);
    expect(m.exactStates).toBeGreaterThanOrEqual(rollouts.length - 3);
    expect(m.exactRewards).toBeGreaterThanOrEqual(rollouts.length - 3);
  });

  it('normalises angles with Python modulo semantics (negative angles too)', () => {
    // Hand-checked: -4 + 2 pi = 2.2831853..., 4 - 2 pi = -2.2831853..., 7 - 2 pi = 0.7168146...
    expect(angleNormalize(-4)).toBeCloseTo(2.283185307179586, 14);
    expect(angleNormalize(4)).toBeCloseTo(-2.283185307179586, 14);
    expect(angleNormalize(7)).toBeCloseTo(0.7168146928204138, 14);
    expect(angleNormalize(-7)).toBeCloseTo(-0.7168146928204138, 14);
    expect(angleNormalize(0)).toBe(0);
    expect(angleNormalize(-Math.PI)).toBe(-Math.PI);
    for (const x of [-25, -10, -3.5, -1, 0.5, 3.3, 12, 100]) {
      const v = angleNormalize(x);
      expect(v).toBeGreaterThanOrEqual(-Math.PI);
      expect(v).toBeLessThan(Math.PI);
      expect(v).toBeCloseTo(pyMod(x + Math.PI, 2 * Math.PI) - Math.PI, 12);
    }
  });

  it('clips the torque to [-2, 2] in both the dynamics and the cost', () => {
    const env = new PendulumEnv();
    const at = (u: number): { reward: number; state: number[] } => {
      env.reset({ seed: 0 });
      env.state = [1.0, 0.0];
      const r = env.step(Float32Array.of(u));
      return { reward: r.reward, state: [...env.state] };
    };
    expect(at(5)).toEqual(at(2));
    expect(at(-7.5)).toEqual(at(-2));
    expect(at(1.5)).not.toEqual(at(2));
    // Hand-computed: cost 1^2 + 0 + 0.001 * 2^2; thetaDot' = (15 sin 1 + 3 * 2) * 0.05.
    const r = at(5);
    expect(r.reward).toBeCloseTo(-1.004, 7);
    expect(r.state[1]).toBeCloseTo((15 * Math.sin(1) + 6) * 0.05, 7);
  });

  it('clips the angular speed to [-8, 8] before integrating the angle', () => {
    const env = new PendulumEnv();
    env.reset({ seed: 0 });
    env.state = [0.5, 7.9];
    env.step(Float32Array.of(2));
    expect([...env.state]).toEqual([0.5 + 8 * 0.05, 8]);
    env.state = [-0.5, -7.9];
    const r = env.step(Float32Array.of(-2));
    expect([...env.state]).toEqual([-0.5 - 8 * 0.05, -8]);
    expect(r.obs[2]).toBe(-8);
    // The cost uses the speed before the step: 0.5^2 + 0.1 * 7.9^2 + 0.001 * 4.
    expect(r.reward).toBeCloseTo(-(0.25 + 0.1 * 7.9 ** 2 + 0.004), 7);
  });

  it('truncates at 200 steps, never terminates, resets within [-pi, pi] x [-1, 1]', () => {
    const env = new PendulumEnv();
    expect(env.spec.maxEpisodeSteps).toBe(200);
    env.reset({ seed: 2 });
    for (let i = 1; i <= 200; i++) {
      const r = env.step(Float32Array.of(0.5));
      expect(r.terminated).toBe(false);
      expect(r.truncated).toBe(i === 200);
      expect(env.observationSpace.contains(r.obs)).toBe(true);
    }
    for (let seed = 0; seed < 50; seed++) {
      env.reset({ seed });
      const [th, thDot] = env.state as unknown as [number, number];
      expect(Math.abs(th)).toBeLessThanOrEqual(Math.PI);
      expect(Math.abs(thDot)).toBeLessThanOrEqual(1);
    }
    env.reset({ seed: 1, options: { x_init: 0.1, y_init: 0.2 } });
    expect(Math.abs(env.state[0]!)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(env.state[1]!)).toBeLessThanOrEqual(0.2);
  });

  it('same seed, same episode; g is configurable', () => {
    const run = (seed: number, g?: number): number[] => {
      const env = new PendulumEnv(g === undefined ? {} : { g });
      const out = [...env.reset({ seed }).obs];
      for (let i = 0; i < 20; i++) out.push(env.step(Float32Array.of(Math.sin(i))).reward);
      return out;
    };
    expect(run(4)).toEqual(run(4));
    expect(run(4)).not.toEqual(run(5));
    expect(run(4, 9.81)).not.toEqual(run(4));
    const env = new PendulumEnv({ g: 0 });
    env.reset({ seed: 0 });
    env.state = [1, 0];
    env.step(Float32Array.of(0));
    expect([...env.state]).toEqual([1, 0]);
  });

  it('rejects bad actions with clear errors', () => {
    const env = new PendulumEnv();
    env.reset({ seed: 0 });
    expect(() => env.step(1 as never)).toThrow(/action \(number 1\) must be a Float32Array of 1 element/);
    expect(() => env.step(Float32Array.of(1, 2))).toThrow(/must be a Float32Array of 1 element/);
    expect(() => env.step(Float32Array.of(Number.NaN))).toThrow(/action\[0\] is NaN/);
    expect(() => env.reset({ options: { x_init: 'a' } })).toThrow(
      /options.x_init \(string "a"\) must be a finite number/,
    );
  });
});
