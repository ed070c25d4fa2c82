import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../envs/rng.js';
import { MultiBinary } from '../../../envs/spaces/multi-binary.js';

describe('MultiBinary', () => {
  it('accepts n or a shape and samples 0/1 Int8Arrays', () => {
    expect(new MultiBinary(3).shape).toEqual([3]);
    const space = new MultiBinary([2, 3]);
    expect(space.flatSize).toBe(6);
    const rng = SeededRng.fromSeed(4);
    let ones = 0;
    for (let i = 0; i < 100; i++) {
      const x = space.sample(rng);
      expect(space.contains(x)).toBe(true);
      ones += x.reduce((a, b) => a + b, 0);
    }
    expect(ones).toBeGreaterThan(200);
    expect(ones).toBeLessThan(400);
  });

  it('rejects non-binary values, wrong types and lengths', () => {
    const space = new MultiBinary(2);
    expect(space.explain(new Int8Array([0, 2]))).toBe('element 1 (2) is not 0 or 1');
    expect(space.contains(new Uint8Array([0, 1]))).toBe(false);
    expect(space.explain(new Int8Array(3))).toBe('expected 2 elements (shape [2]), got 3');
    expect(() => new MultiBinary([2, -1])).toThrow('shape[1] (number -1) must be a non-negative integer');
  });

  it('flattens values and round-trips', () => {
    const space = new MultiBinary(3);
    const x = new Int8Array([1, 0, 1]);
    expect(Array.from(space.flatten(x))).toEqual([1, 0, 1]);
    expect(space.unflatten(space.flatten(x))).toEqual(x);
    expect(space.toJson()).toEqual({ type: 'MultiBinary', shape: [3] });
  });
});
