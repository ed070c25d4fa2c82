import { describe, expect, it } from 'vitest';
import { AcrobotEnv, bound, wrap } from '../../../envs/builtin/acrobot.js';
import { expectTransitions, fixturesOf } from './fixture-replay.js';

/**
 * Independent reference: Gymnasium's acrobot dynamics ("book") as a function of the 5-element augmented
 * state, integrated by a generic rk4 over arrays (as acrobot.py's `rk4` with t = [0, 0.2]).
 */
function derivs(s: readonly number[]): number[] {
  const [t1, t2, dt1, dt2, a] = s as [number, number, number, number, number];
  const d1 = 0.25 + (1 + 0.25 + Math.cos(t2)) + 2;
  const d2 = 0.25 + 0.5 * Math.cos(t2) + 1;
  const phi2 = 4.9 * Math.cos(t1 + t2 - Math.PI / 2);
  const phi1 =
    -0.5 * dt2 ** 2 * Math.sin(t2) - dt2 * dt1 * Math.sin(t2) + 1.5 * 9.8 * Math.cos(t1 - Math.PI / 2) + phi2;
  const dd2 = (a + (d2 / d1) * phi1 - 0.5 * dt1 ** 2 * Math.sin(t2) - phi2) / (1.25 - d2 ** 2 / d1);
  const dd1 = -(d2 * dd2 + phi1) / d1;
  return [dt1, dt2, dd1, dd2, 0];
}

function rk4(y0: number[], dt: number): number[] {
  const add = (y: number[], k: number[], h: number) => y.map((v, i) => v + h * k[i]!);
  const k1 = derivs(y0);
  const k2 = derivs(add(y0, k1, dt / 2));
  const k3 = derivs(add(y0, k2, dt / 2));
  const k4 = derivs(add(y0, k3, dt));
  return y0.map((v, i) => v + (dt / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!));
}

describe('AcrobotEnv', () => {
  const { edges, rollouts } = fixturesOf('Acrobot-v1');

  it('matches Gymnasium on the edge cases (angle wrapping, velocity bounds, terminal state)', () => {
    const m = expectTransitions(() => new AcrobotEnv(), edges);
    expect(m.exactRewards).toBe(edges.length);
    // About 24 cos/sin calls per step: a few states differ from Gymnasium's in the last bits (V8's fdlibm
    // vs glibc), within STATE_TOLERANCE; observations (float32) match exactly.
    expect(m.exactStates).toBeGreaterThanOrEqual(edges.length - 4);
  });

  it('matches Gymnasium on random rollouts', () => {
    const m = expectTransitions(() => new AcrobotEnv(), rollouts);
    expect(m.exactRewards).toBe(rollouts.length);
    expect(m.exactStates).toBeGreaterThanOrEqual(rollouts.length - 12);
  });

  it('agrees with a generic rk4 over the same dynamics', () => {
    const env = new AcrobotEnv();
    for (const [start, action] of [
      [[0.05, -0.02, 0.01, 0.03], 2],
      [[1.0, 0.5, -2.0, 3.0], 0],
      [[-2.0, 1.5, 4.0, -6.0], 1],
    ] as const) {
      env.reset({ seed: 0 });
      env.state = start;
      env.step(action);
      const ref = rk4([...start, action - 1], 0.2).slice(0, 4);
      ref[0] = wrap(ref[0]!, -Math.PI, Math.PI);
      ref[1] = wrap(ref[1]!, -Math.PI, Math.PI);
      for (let i = 0; i < 4; i++) expect(env.state[i]).toBeCloseTo(ref[i]!, 12);
    }
  });

  it('wraps by whole turns and bounds by clipping (not Python %)', () => {
    const pi = Math.PI;
    expect(wrap(pi, -pi, pi)).toBe(pi); // the bound itself stays (a modulo would give -pi)
    expect(wrap(-pi, -pi, pi)).toBe(-pi);
    expect(wrap(pi + 0.5, -pi, pi)).toBe(pi + 0.5 - 2 * pi);
    expect(wrap(-pi - 0.5, -pi, pi)).toBe(-pi - 0.5 + 2 * pi);
    expect(wrap(7 * pi, -pi, pi)).toBeCloseTo(pi, 12);
    expect(wrap(0.3, -pi, pi)).toBe(0.3);
    expect(wrap(Number.POSITIVE_INFINITY, -pi, pi)).toBe(Number.POSITIVE_INFINITY);
    expect(bound(13, -4 * pi, 4 * pi)).toBe(4 * pi);
    expect(bound(-30, -9 * pi, 9 * pi)).toBe(-9 * pi);
    expect(bound(1, -4 * pi, 4 * pi)).toBe(1);

    const env = new AcrobotEnv();
    env.reset({ seed: 0 });
    env.state = [3.1, 0, 2, 0];
    env.step(1);
    expect(env.state[0]).toBeLessThan(0); // went past pi and came back at about -pi
    env.state = [0, 0, 100, 200];
    const r = env.step(2);
    expect(Math.abs(env.state[2]!)).toBe(4 * Math.PI);
    expect(Math.abs(env.state[3]!)).toBe(9 * Math.PI);
    expect(env.observationSpace.contains(r.obs)).toBe(true);
  });

  it('terminates (reward 0) when the tip is above the bar, else reward -1', () => {
    const env = new AcrobotEnv();
    env.reset({ seed: 0 });
    env.state = [Math.PI, 0, 0, 0];
    expect(env.step(1)).toMatchObject({ terminated: true, reward: 0, truncated: false });
    env.state = [0, 0, 0, 0];
    expect(env.step(1)).toMatchObject({ terminated: false, reward: -1 });
    // -cos(t1) - cos(t1 + t2) > 1 after the step: at t1 = 2, t2 = 0.3 it is 0.416 + 0.688 = 1.10.
    env.state = [2.0, 0.3, 0, 0];
    const r = env.step(1);
    expect(r.terminated).toBe(-Math.cos(env.state[0]!) - Math.cos(env.state[1]! + env.state[0]!) > 1);
  });

  it('resets to float32 values in [-0.1, 0.1); truncates at 500; same seed, same episode', () => {
    const env = new AcrobotEnv();
    expect(env.spec).toEqual({ id: 'Acrobot-v1', maxEpisodeSteps: 500, rewardThreshold: -100 });
    for (let seed = 0; seed < 30; seed++) {
      env.reset({ seed });
      for (const v of env.state) {
        expect(Math.fround(v)).toBe(v);
        expect(v >= -0.1 && v < 0.1).toBe(true);
      }
    }
    env.reset({ seed: 4 });
    for (let i = 1; i <= 500; i++) {
      env.state = [0, 0, 0, 0];
      const r = env.step(1);
      expect(r.terminated).toBe(false);
      expect(r.truncated).toBe(i === 500);
      expect(env.observationSpace.contains(r.obs)).toBe(true);
    }
    const run = (seed: number) => {
      const e = new AcrobotEnv();
      const out = [...e.reset({ seed }).obs];
      for (let i = 0; i < 40; i++) out.push(...e.step(i % 3).obs);
      return out;
    };
    expect(run(6)).toEqual(run(6));
    expect(run(6)).not.toEqual(run(7));
  });

  it('rejects bad actions', () => {
    const env = new AcrobotEnv();
    env.reset({ seed: 0 });
    expect(() => env.step(-1)).toThrow(/action \(number -1\) must be 0 \(torque -1\), 1 \(0\) or 2 \(\+1\)/);
  });
});
