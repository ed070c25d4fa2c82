import { describe, expect, it } from 'vitest';
import { formatCount, formatDuration, formatReturn } from '../../../rl/progress/format.js';

describe('format', () => {
  it('formats durations as m:ss or h:mm:ss', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(83_000)).toBe('1:23');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
    expect(formatDuration(Number.NaN)).toBe('-');
    expect(formatDuration(-1)).toBe('-');
  });
  it('formats counts and returns', () => {
    expect(formatCount(1234567.4)).toBe('1,234,567');
    expect(formatReturn(187.25)).toBe('187.3');
    expect(formatReturn(null)).toBe('-');
  });
});
