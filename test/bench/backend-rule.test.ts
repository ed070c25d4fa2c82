import { describe, expect, it } from 'vitest';
import { breakEven } from '../../bench/backend.js';

describe('bench backend: breakEven (the webgpu rule from measured step times)', () => {
  it('takes the median microseconds per million multiply-adds of the steps from 2M up', () => {
    const steps = {
      small: { macs: 1e6, us: 5000 }, // dispatch-bound: ignored
      a: { macs: 2e6, us: 6000 }, // 3000 us/M
      b: { macs: 20e6, us: 40000 }, // 2000 us/M
      c: { macs: 200e6, us: 800000 }, // 4000 us/M
    };
    // median 3000 us/M; a 15 ms GPU step meets it at 5M multiply-adds.
    expect(breakEven(steps, 15_000)).toEqual({ usPerMMac: 3000, breakEvenMacs: 5_000_000 });
  });

  it('is undefined without a step of 2M multiply-adds or more', () => {
    expect(breakEven({ s: { macs: 1e6, us: 100 } }, 15_000)).toBeUndefined();
    expect(breakEven({}, 15_000)).toBeUndefined();
  });
});
