import { describe, expect, it } from 'vitest';
import { FrameStack } from '../../../envs/wrappers/frame-stack.js';
import { ScriptedEnv } from '../fixtures/counting-env.js';

const obs = [
  [1, 10],
  [2, 20],
  [3, 30],
  [4, 40],
];

describe('FrameStack', () => {
  it('stacks oldest first, padding with the reset observation by default', () => {
    const env = new FrameStack(new ScriptedEnv(obs, [0, 0, 0]), 3);
    expect(env.observationSpace.shape).toEqual([3, 2]);
    expect(Array.from(env.reset().obs)).toEqual([1, 10, 1, 10, 1, 10]);
    expect(Array.from(env.step(0).obs)).toEqual([1, 10, 1, 10, 2, 20]);
    expect(Array.from(env.step(0).obs)).toEqual([1, 10, 2, 20, 3, 30]);
    const last = env.step(0);
    expect(Array.from(last.obs)).toEqual([2, 20, 3, 30, 4, 40]);
    expect(last.obs).toBeInstanceOf(Float32Array);
    expect(Array.from(env.reset().obs)).toEqual([1, 10, 1, 10, 1, 10]);
  });

  it('pads with zeros when asked, and returned stacks are independent copies', () => {
    const env = new FrameStack(new ScriptedEnv(obs, [0, 0]), 2, { padding: 'zero' });
    const first = env.reset().obs;
    expect(Array.from(first)).toEqual([0, 0, 1, 10]);
    env.step(0);
    expect(Array.from(first)).toEqual([0, 0, 1, 10]);
    expect(env.observationSpace.contains(first)).toBe(true);
  });

  it('validates numStack', () => {
    expect(() => new FrameStack(new ScriptedEnv(obs, [0]), 0)).toThrow(
      'numStack (0) must be a positive integer',
    );
  });
});
