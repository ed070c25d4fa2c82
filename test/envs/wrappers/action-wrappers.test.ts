import { describe, expect, it } from 'vitest';
import { ClipAction } from '../../../envs/wrappers/clip-action.js';
import { RescaleAction } from '../../../envs/wrappers/rescale-action.js';
import { CountingEnv, EchoActionEnv } from '../fixtures/counting-env.js';

describe('RescaleAction', () => {
  it('maps [-1, 1] linearly onto the env bounds [-2, 2] x [0, 10], clipping outside', () => {
    const inner = new EchoActionEnv();
    const env = new RescaleAction(inner);
    env.reset();
    env.step(new Float32Array([-1, -1]));
    env.step(new Float32Array([0, 0.5]));
    env.step(new Float32Array([1, 3]));
    expect(inner.received.map((a) => Array.from(a))).toEqual([
      [-2, 0],
      [0, 7.5],
      [2, 10],
    ]);
    expect(env.actionSpace.toJson()).toMatchObject({ low: [-1, -1], high: [1, 1] });
  });

  it('accepts custom agent bounds and rejects unbounded or non-Box action spaces', () => {
    const inner = new EchoActionEnv();
    const env = new RescaleAction(inner, 0, 1);
    env.reset();
    env.step(new Float32Array([0.25, 1]));
    expect(Array.from(inner.received[0]!)).toEqual([-1, 10]);
    expect(() => new RescaleAction(new EchoActionEnv(-Infinity, 1))).toThrow(
      'must be a bounded float32 Box, got Box float32 [2] with infinite bounds',
    );
    const discrete = new CountingEnv() as unknown as EchoActionEnv;
    expect(() => new RescaleAction(discrete)).toThrow('got Discrete(2)');
    expect(() => new RescaleAction(new EchoActionEnv(), 1, 1)).toThrow(
      'minAction[0] (1) must be < maxAction[0] (1)',
    );
  });
});

describe('ClipAction', () => {
  it('clips to the env bounds and accepts any real action', () => {
    const inner = new EchoActionEnv();
    const env = new ClipAction(inner);
    env.reset();
    env.step(new Float32Array([-5, 50]));
    env.step(new Float32Array([1.5, 3]));
    expect(inner.received.map((a) => Array.from(a))).toEqual([
      [-2, 10],
      [1.5, 3],
    ]);
    expect(env.actionSpace.isBounded()).toBe(false);
  });
});
