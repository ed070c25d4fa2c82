import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../envs/rng.js';
import { Discrete } from '../../../envs/spaces/discrete.js';

describe('Discrete', () => {
  it('holds start..start+n-1 and samples all of them', () => {
    const space = new Discrete(3, -1);
    expect(space.flatSize).toBe(3);
    expect(space.shape).toEqual([]);
    const rng = SeededRng.fromSeed(5);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const x = space.sample(rng);
      expect(space.contains(x)).toBe(true);
      seen.add(x);
    }
    expect([...seen].sort()).toEqual([-1, 0, 1]);
    expect(space.contains(2)).toBe(false);
    expect(space.contains(0.5)).toBe(false);
    expect(space.contains('0')).toBe(false);
    expect(space.explain(2)).toBe('2 is outside [-1, 1]');
  });

  it('flattens to one-hot and back', () => {
    const space = new Discrete(4, 10);
    expect(Array.from(space.flatten(12))).toEqual([0, 0, 1, 0]);
    expect(space.unflatten(space.flatten(13))).toBe(13);
    const out = new Float32Array(6).fill(7);
    space.flattenInto(10, out, 1);
    expect(Array.from(out)).toEqual([7, 1, 0, 0, 0, 7]);
    expect(() => space.flatten(14)).toThrow('number 14 is not in [10, 13]');
    expect(() => space.unflatten(new Float32Array(4))).toThrow('no non-zero entry');
  });

  it('has a JSON form and validates its arguments', () => {
    expect(new Discrete(2).toJson()).toEqual({ type: 'Discrete', n: 2, start: 0 });
    expect(() => new Discrete(0)).toThrow('n (number 0) must be a positive integer');
    expect(() => new Discrete(2, 0.5)).toThrow('start (number 0.5) must be an integer');
  });
});
