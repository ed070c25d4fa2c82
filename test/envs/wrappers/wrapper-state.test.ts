import { describe, expect, it } from 'vitest';
import { CartPoleEnv } from '../../../envs/builtin/cartpole.js';
import { PendulumEnv } from '../../../envs/builtin/pendulum.js';
import { type Env, isStatefulEnv } from '../../../envs/env.js';
import { ClipAction } from '../../../envs/wrappers/clip-action.js';
import { ClipReward } from '../../../envs/wrappers/clip-reward.js';
import { FrameStack } from '../../../envs/wrappers/frame-stack.js';
import { NormalizeObservation } from '../../../envs/wrappers/normalize-observation.js';
import { NormalizeReward } from '../../../envs/wrappers/normalize-reward.js';
import { RecordEpisodeStatistics } from '../../../envs/wrappers/record-episode-statistics.js';
import { RescaleAction } from '../../../envs/wrappers/rescale-action.js';
import { TimeLimit } from '../../../envs/wrappers/time-limit.js';
import { findWrapper } from '../../../envs/wrappers/wrapper.js';
import { CountingEnv } from '../fixtures/counting-env.js';
import { roundTrip } from '../fixtures/state-round-trip.js';

// Every wrapper in one chain over Pendulum, with a TimeLimit shorter than the env's so that episodes end.
const pendulumChain = () =>
  new FrameStack(
    new NormalizeReward(
      new NormalizeObservation(
        new RecordEpisodeStatistics(
          new TimeLimit(
            new ClipReward(new ClipAction(new RescaleAction(new PendulumEnv(), -1, 1)), -5, 5),
            25,
          ),
        ),
      ),
    ),
    3,
  );

describe('wrapper state API', () => {
  it('a chain of every wrapper round-trips exactly (running statistics, frames, clock, env)', () => {
    const { expected, actual, episodeEnds } = roundTrip(pendulumChain, 40, 80);
    expect(episodeEnds).toBeGreaterThanOrEqual(3);
    expect(actual).toEqual(expected);
  });

  it('restores each layer: elapsed steps, episode statistics, running stats and frames', () => {
    const env = pendulumChain();
    env.reset({ seed: 2 });
    for (let i = 0; i < 30; i++) {
      const r = env.step(new Float32Array([0.5]));
      if (r.terminated || r.truncated) env.reset();
    }
    const saved = JSON.parse(JSON.stringify(env.getState())) as unknown;
    const restored = pendulumChain();
    restored.setState(saved);
    const layer = <W extends Env>(e: Env, cls: abstract new (...args: never[]) => W): W => {
      const w = findWrapper(e, cls);
      if (w === undefined) throw new Error('missing wrapper');
      return w;
    };
    expect(layer(restored, TimeLimit).elapsedSteps).toBe(5);
    const stats = layer(restored, RecordEpisodeStatistics);
    expect(stats.numEpisodes).toBe(1);
    expect(stats.lastEpisode?.episodeLength).toBe(25);
    expect(layer(restored, NormalizeReward).discountedReturn).toBe(
      layer(env, NormalizeReward).discountedReturn,
    );
    expect(Array.from(layer(restored, NormalizeObservation).rms.var)).toEqual(
      Array.from(layer(env, NormalizeObservation).rms.var),
    );
    expect(restored.getState()).toEqual(saved);
  });

  it('over an env without a state API: own state only, and the chain is not stateful', () => {
    const env = new TimeLimit(new CountingEnv({ terminateAt: 100 }), 10);
    expect(isStatefulEnv(env)).toBe(false);
    expect(isStatefulEnv(new TimeLimit(new CartPoleEnv(), 10))).toBe(true);
    env.reset({ seed: 0 });
    env.step(0);
    expect(env.getState()).toEqual({ elapsedSteps: 1, env: null });
    const other = new TimeLimit(new CountingEnv({ terminateAt: 100 }), 10);
    other.setState(env.getState());
    expect(other.elapsedSteps).toBe(1);
  });

  it('rejects malformed states with the field named', () => {
    const tl = new TimeLimit(new CartPoleEnv(), 10);
    tl.reset({ seed: 0 });
    const good = tl.getState();
    expect(() => tl.setState({ ...good, elapsedSteps: 'x' })).toThrow(
      'TimeLimit.setState: state.elapsedSteps (string "x") must be a non-negative integer',
    );
    expect(() => tl.setState({ elapsedSteps: 0 })).toThrow(
      'TimeLimit.setState: state.env (undefined) must be',
    );
    expect(() => tl.setState({ ...good, env: { id: 'CartPole-v1' } })).toThrow(
      'TimeLimit.setState: state.env: CartPoleEnv.setState: state.state must be 4 numbers',
    );
    const fs = new FrameStack(new CartPoleEnv(), 2);
    fs.reset({ seed: 0 });
    expect(() => fs.setState({ ...fs.getState(), frames: [[0, 0, 0, 0]] })).toThrow(
      'FrameStack.setState: state.frames',
    );
    const stats = new RecordEpisodeStatistics(new CartPoleEnv());
    expect(() => stats.setState({ ...stats.getState(), lastEpisode: { episodeReturn: 1 } })).toThrow(
      'RecordEpisodeStatistics.setState: state.lastEpisode.terminated (undefined) must be a boolean',
    );
    const norm = new NormalizeObservation(new CartPoleEnv());
    expect(() => norm.setState({ rms: { mean: [0] }, env: null })).toThrow(
      'NormalizeObservation.setState (rms): state.mean must be an array of 4 finite numbers',
    );
  });
});
