import { describe, expect, it } from 'vitest';
import { flattenMetrics } from '../../../rl/metrics/iteration-result.js';

describe('flattenMetrics', () => {
  it('flattens nested groups to dotted keys in order and drops undefined', () => {
    expect(
      flattenMetrics({
        iteration: 1,
        learner: { policyLoss: 0.5, nested: { kl: 0.01 } },
        x: undefined,
        note: null,
      }),
    ).toEqual({ iteration: 1, 'learner.policyLoss': 0.5, 'learner.nested.kl': 0.01, note: null });
    expect(Object.keys(flattenMetrics({ b: 1, a: { z: 1, y: 2 } }))).toEqual(['b', 'a.z', 'a.y']);
  });
});
