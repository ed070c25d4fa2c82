import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../envs/rng.js';
import { Box } from '../../../envs/spaces/box.js';
import { DictSpace } from '../../../envs/spaces/dict-space.js';
import { Discrete } from '../../../envs/spaces/discrete.js';

describe('DictSpace', () => {
  // Given out of order: Gymnasium sorts plain-dict keys, so 'a' flattens before 'b'.
  const space = new DictSpace({ b: new Box({ low: 0, high: 10, shape: [2] }), a: new Discrete(2, 1) });

  it('keeps keys sorted and flattens in that order', () => {
    expect(space.keys).toEqual(['a', 'b']);
    expect(space.flatSize).toBe(4);
    const x = { b: new Float32Array([3, 4]), a: 2 };
    expect(Array.from(space.flatten(x))).toEqual([0, 1, 3, 4]);
    expect(space.unflatten(space.flatten(x))).toEqual({ a: 2, b: new Float32Array([3, 4]) });
    expect(
      Object.keys(space.toJson().type === 'Dict' ? (space.toJson() as { spaces: object }).spaces : {}),
    ).toEqual(['a', 'b']);
  });

  it('samples members', () => {
    const rng = SeededRng.fromSeed(11);
    for (let i = 0; i < 50; i++) expect(space.contains(space.sample(rng))).toBe(true);
  });

  it('explains missing, extra and wrong entries', () => {
    expect(space.explain({ a: 1 })).toBe('missing key(s) b');
    expect(space.explain({ a: 1, b: new Float32Array(2), c: 0 })).toBe(
      'unexpected key(s) c; expected {a, b}',
    );
    expect(space.explain({ a: 3, b: new Float32Array(2) })).toBe('.a: 3 is outside [1, 2]');
    expect(space.explain([1, 2])).toContain('expected an object with keys {a, b}');
  });
});
