import { describe, expect, it } from 'vitest';
import { nStepBatch, nStepReturns } from '../../../rl/postprocessing/n-step.js';
import { SampleBatch } from '../../../rl/sample-batch/sample-batch.js';

// gamma = 0.5 keeps the sums exact in binary.
const gamma = 0.5;

describe('nStepReturns', () => {
  it('stops windows at a termination and at a truncation, and shortens them at the rollout end', () => {
    // One env, n = 3, r = [1, 2, 4, 8, 16, 32]; terminated at t=2, truncated at t=4.
    // t=0: 1 + 0.5*2 + 0.25*4 = 3   (m=3, ends at the termination t=2: no bootstrap)
    // t=1: 2 + 0.5*4 = 4            (m=2, terminated)
    // t=2: 4                        (m=1, terminated)
    // t=3: 8 + 0.5*16 = 16          (m=2, ends at the truncation t=4: bootstrap from its final obs)
    // t=4: 16                       (m=1, truncated)
    // t=5: 32                       (m=1, cut by the rollout end: bootstrap from nextObs of t=5)
    const r = nStepReturns({
      numSteps: 6,
      numEnvs: 1,
      nStep: 3,
      gamma,
      rewards: [1, 2, 4, 8, 16, 32],
      terminated: [0, 0, 1, 0, 0, 0],
      truncated: [0, 0, 0, 0, 1, 0],
    });
    expect(Array.from(r.rewards)).toEqual([3, 4, 4, 16, 16, 32]);
    expect(Array.from(r.windowSteps)).toEqual([3, 2, 1, 2, 1, 1]);
    expect(Array.from(r.discounts)).toEqual([0.125, 0.25, 0.5, 0.25, 0.5, 0.5]);
    expect(Array.from(r.terminated)).toEqual([1, 1, 1, 0, 0, 0]);
    expect(Array.from(r.truncated)).toEqual([0, 0, 0, 1, 1, 0]);
    expect(Array.from(r.nextRowIndexes)).toEqual([2, 2, 2, 4, 4, 5]);
  });

  it('uses full windows of n steps inside an episode', () => {
    // r = 1 everywhere, n = 3: t=0,1: 1 + 0.5 + 0.25 = 1.75 (m=3); t=2: 1.5 (m=2); t=3: 1 (m=1)
    const r = nStepReturns({
      numSteps: 4,
      numEnvs: 1,
      nStep: 3,
      gamma,
      rewards: [1, 1, 1, 1],
      terminated: [0, 0, 0, 0],
      truncated: [0, 0, 0, 0],
    });
    expect(Array.from(r.rewards)).toEqual([1.75, 1.75, 1.5, 1]);
    expect(Array.from(r.discounts)).toEqual([0.125, 0.125, 0.25, 0.5]);
    expect(Array.from(r.nextRowIndexes)).toEqual([2, 3, 3, 3]);
  });

  it('with n = 1 gives one-step transitions; terminated wins over truncated', () => {
    const r = nStepReturns({
      numSteps: 2,
      numEnvs: 1,
      nStep: 1,
      gamma,
      rewards: [3, 5],
      terminated: [1, 0],
      truncated: [1, 0],
    });
    expect(Array.from(r.rewards)).toEqual([3, 5]);
    expect(Array.from(r.discounts)).toEqual([0.5, 0.5]);
    expect(Array.from(r.terminated)).toEqual([1, 0]);
    expect(Array.from(r.truncated)).toEqual([0, 0]);
  });

  it('rejects bad sizes with the field named', () => {
    const base = {
      numSteps: 2,
      numEnvs: 1,
      nStep: 2,
      gamma,
      rewards: [0, 0],
      terminated: [0, 0],
      truncated: [0, 0],
    };
    expect(() => nStepReturns({ ...base, nStep: 0 })).toThrow(/nStep \(0\) must be a positive integer/);
    expect(() => nStepReturns({ ...base, truncated: [0] })).toThrow(
      /truncated has 1 elements; expected numSteps x numEnvs/,
    );
    expect(() => nStepReturns({ ...base, gamma: 2 })).toThrow(/gamma \(2\) must be in \[0, 1\]/);
  });
});

describe('nStepBatch', () => {
  it('replaces rewards, nextObs and episode-end flags per env of a time-major batch', () => {
    // N = 2, T = 2, n = 2. Rows: 0 = (t0, env0), 1 = (t0, env1), 2 = (t1, env0), 3 = (t1, env1).
    // env0 terminates at t0: row 0 keeps R = 1, discount 0.5, nextObs of row 0.
    // env1 runs on: row 1 gets R = 2 + 0.5*4 = 4, discount 0.25, nextObs of row 3.
    // rows 2 and 3 are cut by the rollout end: one-step.
    const batch = new SampleBatch(4, {
      obs: new Float32Array([0, 0, 1, 1, 2, 2, 3, 3]),
      nextObs: new Float32Array([10, -10, 11, -11, 12, -12, 13, -13]),
      actions: new Int32Array([0, 1, 0, 1]),
      rewards: new Float32Array([1, 2, 3, 4]),
      terminated: new Uint8Array([1, 0, 0, 0]),
      truncated: new Uint8Array([0, 0, 0, 0]),
    });
    const out = nStepBatch(batch, { numEnvs: 2, nStep: 2, gamma });
    expect(Array.from(out.float32('rewards'))).toEqual([1, 4, 3, 4]);
    expect(Array.from(out.float32('discounts'))).toEqual([0.5, 0.25, 0.5, 0.5]);
    expect(Array.from(out.float32('nextObs'))).toEqual([10, -10, 13, -13, 12, -12, 13, -13]);
    expect(Array.from(out.uint8('terminated'))).toEqual([1, 0, 0, 0]);
    expect(Array.from(out.float32('obs'))).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect(out.shapes['nextObs']).toEqual([2]);
    expect(() => nStepBatch(batch, { numEnvs: 3, nStep: 2, gamma })).toThrow(
      /numEnvs \(3\) must be a positive integer dividing/,
    );
  });
});
