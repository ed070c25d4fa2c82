import { describe, expect, it } from 'vitest';
import { AcrobotEnv } from '../../../envs/builtin/acrobot.js';
import { CartPoleEnv } from '../../../envs/builtin/cartpole.js';
import { MountainCarEnv } from '../../../envs/builtin/mountain-car.js';
import { MountainCarContinuousEnv } from '../../../envs/builtin/mountain-car-continuous.js';
import { PendulumEnv } from '../../../envs/builtin/pendulum.js';
import { type Env, isStatefulEnv } from '../../../envs/env.js';
import { roundTrip } from '../fixtures/state-round-trip.js';

// k steps before the save, m after: m spans several episode ends (resets draw from the saved random
// source), and k lands mid-episode. Short step limits make truncations happen for the envs that never
// terminate under random actions.
const CASES: [string, () => Env, number, number][] = [
  ['CartPole-v1', () => new CartPoleEnv(), 37, 150],
  ['Acrobot-v1', () => new AcrobotEnv({ maxEpisodeSteps: 40 }), 25, 130],
  ['MountainCar-v0', () => new MountainCarEnv({ maxEpisodeSteps: 30 }), 45, 100],
  ['MountainCarContinuous-v0', () => new MountainCarContinuousEnv({ maxEpisodeSteps: 30 }), 45, 100],
  ['Pendulum-v1', () => new PendulumEnv({ maxEpisodeSteps: 30 }), 45, 100],
];

describe('built-in env state API', () => {
  it.each(CASES)(
    '%s: step k, save, step m, restore into a new env, step m again: identical',
    (_, make, k, m) => {
      const env = make();
      expect(isStatefulEnv(env)).toBe(true);
      const { expected, actual, episodeEnds } = roundTrip(make, k, m);
      expect(episodeEnds).toBeGreaterThanOrEqual(2);
      expect(actual).toEqual(expected);
    },
  );

  it('CartPole keeps steps_beyond_terminated: a restored terminated env pays 0 on the next step', () => {
    const env = new CartPoleEnv();
    env.reset({ seed: 1 });
    let r = env.step(1);
    while (!r.terminated) r = env.step(1);
    const saved = JSON.parse(JSON.stringify(env.getState())) as unknown;
    expect(saved).toMatchObject({ id: 'CartPole-v1', stepsBeyondTerminated: 0, started: true });
    const restored = new CartPoleEnv();
    restored.setState(saved);
    expect(restored.step(1).reward).toBe(0);
    expect(env.step(1).reward).toBe(0);
    expect(Array.from(restored.state)).toEqual(Array.from(env.state));
  });

  it('a state saved before the first reset restores a not-started env', () => {
    const saved = new PendulumEnv().getState();
    expect(saved).toMatchObject({ started: false, rng: null, elapsedSteps: 0 });
    const env = new PendulumEnv();
    env.reset({ seed: 0 });
    env.setState(saved);
    expect(() => env.step(new Float32Array([0]))).toThrow('call reset() before step()');
  });

  it('rejects malformed states with the field named, and leaves the env unchanged', () => {
    const env = new CartPoleEnv();
    env.reset({ seed: 5 });
    env.step(0);
    const good = env.getState();
    const before = JSON.stringify(good);
    const bad: [unknown, string][] = [
      [null, 'CartPoleEnv.setState: state must be an object from CartPoleEnv.getState(), got null'],
      [{ ...good, id: 'Pendulum-v1' }, 'state.id (string "Pendulum-v1") must be \'CartPole-v1\''],
      [{ ...good, state: [0, 0, 0] }, 'state.state must be 4 numbers [x, xDot, theta, thetaDot]'],
      [{ ...good, state: [0, null, 0, 0] }, 'state.state[1] (xDot) must be a finite number, got null'],
      [{ ...good, elapsedSteps: -1 }, 'state.elapsedSteps (number -1) must be a non-negative integer'],
      [{ ...good, started: 1 }, 'state.started (number 1) must be a boolean'],
      [{ ...good, rng: { algorithm: 'mt' } }, 'state.rng must be null or a SeededRng state'],
      [
        { ...good, stepsBeyondTerminated: 0.5 },
        'state.stepsBeyondTerminated (number 0.5) must be an integer >= -1',
      ],
    ];
    for (const [state, message] of bad) {
      expect(() => env.setState(state)).toThrow(message);
      expect(JSON.stringify(env.getState())).toBe(before);
    }
    expect(() =>
      new MountainCarContinuousEnv().setState({
        ...new MountainCarContinuousEnv().getState(),
        stateIsFloat32: 'no',
      }),
    ).toThrow('MountainCarContinuousEnv.setState: state.stateIsFloat32 (string "no") must be a boolean');
  });
});
