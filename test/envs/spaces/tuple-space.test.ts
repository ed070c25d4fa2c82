import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../envs/rng.js';
import { Box } from '../../../envs/spaces/box.js';
import { Discrete } from '../../../envs/spaces/discrete.js';
import { TupleSpace } from '../../../envs/spaces/tuple-space.js';

describe('TupleSpace', () => {
  const space = new TupleSpace([new Discrete(3), new Box({ low: -1, high: 1, shape: [2] })]);

  it('samples members and flattens by concatenation', () => {
    const rng = SeededRng.fromSeed(9);
    for (let i = 0; i < 50; i++) expect(space.contains(space.sample(rng))).toBe(true);
    expect(space.flatSize).toBe(5);
    const x = [2, new Float32Array([0.5, -0.25])];
    expect(Array.from(space.flatten(x))).toEqual([0, 0, 1, 0.5, -0.25]);
    const back = space.unflatten(space.flatten(x));
    expect(back).toEqual(x);
  });

  it('explains which element is wrong', () => {
    expect(space.explain([1, new Float32Array([0, 2])])).toBe('[1]: element 1 (2) is outside [-1, 1]');
    expect(space.explain([1])).toBe('expected 2 elements (Tuple), got 1');
    expect(space.explain({})).toBe('expected an array of 2 elements (Tuple), got object {}');
  });

  it('handles the empty tuple', () => {
    const empty = new TupleSpace([]);
    expect(empty.flatSize).toBe(0);
    expect(empty.contains([])).toBe(true);
    expect(empty.unflatten(new Float32Array(0))).toEqual([]);
  });
});
