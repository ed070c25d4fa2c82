import { describe, expect, it } from 'vitest';
import { Box } from '../../../envs/spaces/box.js';
import { describeSpace, describeValue } from '../../../envs/spaces/describe-value.js';
import { Discrete } from '../../../envs/spaces/discrete.js';
import { MultiDiscrete } from '../../../envs/spaces/multi-discrete.js';

describe('describeValue / describeSpace', () => {
  it('describes values briefly', () => {
    expect(describeValue(null)).toBe('null');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(1.5)).toBe('number 1.5');
    expect(describeValue(true)).toBe('boolean true');
    expect(describeValue('x')).toBe('string "x"');
    expect(describeValue(new Float32Array([1, 2]))).toBe('Float32Array(2) [1, 2]');
    expect(describeValue(Array.from({ length: 10 }, (_, i) => i))).toBe(
      'Array(10) [0, 1, 2, 3, 4, 5, 6, 7, ...]',
    );
    expect(describeValue({ a: 1, b: 2 })).toBe('object {a, b}');
    expect(describeValue('y'.repeat(50))).toBe(`string "${'y'.repeat(40)}..."`);
  });

  it('describes spaces briefly', () => {
    expect(describeSpace(new Box({ low: 0, high: 1, shape: [2, 3], dtype: 'uint8' }))).toBe(
      'Box uint8 [2, 3]',
    );
    expect(describeSpace(new Discrete(3, 1))).toBe('Discrete(3, start 1)');
    expect(describeSpace(new MultiDiscrete([2, 5]))).toBe('MultiDiscrete [2, 5]');
  });
});
