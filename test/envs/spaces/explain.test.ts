import { describe, expect, it } from 'vitest';
import { Discrete } from '../../../envs/spaces/discrete.js';
import { explainNotContained, isExplainingSpace } from '../../../envs/spaces/explain.js';
import type { Space } from '../../../envs/spaces/space.js';
import { TupleSpace } from '../../../envs/spaces/tuple-space.js';

describe('explainNotContained', () => {
  it("uses a space's explain, or falls back to contains for foreign spaces", () => {
    const d = new Discrete(2);
    expect(isExplainingSpace(d)).toBe(true);
    expect(explainNotContained(d, 5)).toBe('5 is outside [0, 1]');
    // A Space written outside tsrl, without explain(): delegates to a Discrete(2).
    const foreign: Space<number> = {
      type: 'Discrete',
      shape: [],
      flatSize: 2,
      sample: (rng) => d.sample(rng),
      contains: (x): x is number => d.contains(x),
      toJson: () => d.toJson(),
      flattenInto: (x, out, offset) => d.flattenInto(x, out, offset),
      flatten: (x) => d.flatten(x),
      unflatten: (flat) => d.unflatten(flat),
    };
    expect(isExplainingSpace(foreign)).toBe(false);
    expect(explainNotContained(foreign, 1)).toBeUndefined();
    expect(explainNotContained(foreign, 7)).toBe('number 7 is not a member of the Discrete space');
    expect(explainNotContained(new TupleSpace([foreign as Space]), [7])).toBe(
      '[0]: number 7 is not a member of the Discrete space',
    );
  });
});
