import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../envs/rng.js';
import { MultiDiscrete } from '../../../envs/spaces/multi-discrete.js';

describe('MultiDiscrete', () => {
  const space = new MultiDiscrete([3, 2], [-1, 5]);

  it('samples members covering every value', () => {
    const rng = SeededRng.fromSeed(2);
    const seen0 = new Set<number>();
    const seen1 = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const x = space.sample(rng);
      expect(space.contains(x)).toBe(true);
      seen0.add(x[0]!);
      seen1.add(x[1]!);
    }
    expect([...seen0].sort()).toEqual([-1, 0, 1]);
    expect([...seen1].sort()).toEqual([5, 6]);
  });

  it('checks type, length and ranges', () => {
    expect(space.contains(new Int32Array([1, 6]))).toBe(true);
    expect(space.explain(new Int32Array([2, 5]))).toBe('element 0 (2) is outside [-1, 1]');
    expect(space.explain(new Int32Array([0]))).toBe('expected 2 elements, got 1');
    expect(space.contains([0, 5])).toBe(false);
  });

  it('flattens to concatenated one-hots (flatSize = sum(nvec)) and back', () => {
    expect(space.flatSize).toBe(5);
    expect(Array.from(space.flatten(new Int32Array([0, 6])))).toEqual([0, 1, 0, 0, 1]);
    expect(space.unflatten(new Float32Array([1, 0, 0, 1, 0]))).toEqual(new Int32Array([-1, 5]));
    expect(() => space.flatten(new Int32Array([3, 5]))).toThrow('element 0 (3) is outside its range');
    expect(() => space.unflatten(new Float32Array([1, 0, 0, 0, 0]))).toThrow('block 1 has no non-zero entry');
  });

  it('defaults start to zeros and validates arguments', () => {
    expect(new MultiDiscrete([2, 4]).toJson()).toEqual({
      type: 'MultiDiscrete',
      nvec: [2, 4],
      start: [0, 0],
    });
    expect(() => new MultiDiscrete([2, 0])).toThrow('nvec[1] (number 0) must be a positive integer');
    expect(() => new MultiDiscrete([2], [0, 0])).toThrow('start has 2 elements but nvec has 1');
  });
});
