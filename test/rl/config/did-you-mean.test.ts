import { describe, expect, it } from 'vitest';
import { didYouMean, divisorsNear, formatChoices, levenshtein } from '../../../rl/config/did-you-mean.js';

describe('levenshtein', () => {
  it('counts edits', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('abc', '')).toBe(3);
    expect(levenshtein('lr', 'lr')).toBe(0);
    expect(levenshtein('gamma', 'gamam')).toBe(2);
  });
});

describe('didYouMean', () => {
  const keys = ['id', 'options', 'numEnvsPerRunner', 'normalizeObservations'];
  it('suggests a close key, case-insensitively first', () => {
    expect(didYouMean('optoins', keys)).toBe('options');
    expect(didYouMean('ID', keys)).toBe('id');
  });
  it('suggests a key the input is a prefix of', () => {
    expect(didYouMean('numEnvs', keys)).toBe('numEnvsPerRunner');
  });
  it('gives nothing when nothing is close', () => {
    expect(didYouMean('zzzzzzzz', keys)).toBeUndefined();
  });
});

describe('formatChoices', () => {
  it('joins as English', () => {
    expect(formatChoices([])).toBe('');
    expect(formatChoices(['a'])).toBe('a');
    expect(formatChoices(['a', 'b'])).toBe('a or b');
    expect(formatChoices(['2', '4', '8'])).toBe('2, 4 or 8');
  });
});

describe('divisorsNear', () => {
  it('returns the divisors closest to the value by ratio', () => {
    expect(divisorsNear(512, 3)).toEqual([2, 4, 8]);
    expect(divisorsNear(12, 5)).toEqual([4, 6, 3].sort((a, b) => a - b));
    expect(divisorsNear(7, 3)).toEqual([1, 7]);
  });
  it('rejects a non-positive total', () => {
    expect(() => divisorsNear(0, 1)).toThrow('divisorsNear: total (0) must be a positive integer.');
  });
});
