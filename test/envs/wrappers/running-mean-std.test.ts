import { describe, expect, it } from 'vitest';
import { RunningMeanStd } from '../../../envs/wrappers/running-mean-std.js';

describe('RunningMeanStd', () => {
  it('matches Gymnasium RunningMeanStd values (prior mean 0, var 1, count 1e-4)', () => {
    // Golden values from Gymnasium's update_mean_var_count_from_moments, evaluated in numpy for x = 2, 4, -1.
    const rms = new RunningMeanStd(1);
    for (const x of [2, 4, -1]) rms.update([x]);
    expect(rms.mean[0]).toBeCloseTo(1.66661111, 7);
    expect(rms.var[0]).toBeCloseTo(4.2222074, 6);
    expect(rms.count).toBeCloseTo(3.0001, 12);
  });

  it('converges to the population mean/variance of the samples', () => {
    const rms = new RunningMeanStd(2);
    const xs = [
      [1, 10],
      [2, 20],
      [3, 30],
      [4, 40],
    ];
    for (const x of xs) rms.update(x);
    // mean [2.5, 25], population var [1.25, 125]; the 1e-4 prior shifts them by < 1e-3 relative.
    expect(rms.mean[0]).toBeCloseTo(2.5, 3);
    expect(rms.var[1]! / 125).toBeCloseTo(1, 3);
  });

  it('merging two estimates equals updating one with all samples', () => {
    const all = new RunningMeanStd(1);
    const a = new RunningMeanStd(1);
    const b = new RunningMeanStd(1);
    const xs = [0.5, -2, 3, 7, 1.25, -4];
    xs.forEach((x, i) => {
      all.update([x]);
      (i < 3 ? a : b).update([x]);
    });
    a.merge(b);
    // Each part carries its own 1e-4 prior, so the merge has count 6.0002 vs 6.0001: close, not bitwise.
    expect(a.mean[0]).toBeCloseTo(all.mean[0]!, 3);
    expect(a.var[0]).toBeCloseTo(all.var[0]!, 3);
  });

  it('round-trips its state through JSON and validates it', () => {
    const rms = new RunningMeanStd(2);
    rms.update([1, 2]);
    const copy = new RunningMeanStd(2);
    copy.setState(JSON.parse(JSON.stringify(rms.getState())));
    expect(copy.getState()).toEqual(rms.getState());
    expect(() => copy.setState({ mean: [0], var: [1, 1], count: 1 })).toThrow(
      'state.mean must be an array of 2 finite numbers, got an array of 1',
    );
    expect(() => copy.setState({ mean: [0, 0], var: [1, 1], count: 0 })).toThrow('state.count (0) must be');
  });
});
