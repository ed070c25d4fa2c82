import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../envs/rng.js';
import { addGaeColumns, computeGae, discountedReturns } from '../../../rl/postprocessing/gae.js';
import { SampleBatch } from '../../../rl/sample-batch/sample-batch.js';

// gamma = 0.5 and lambda = 0.5 (gamma * lambda = 0.25) keep every hand-computed value exact in binary.
const gamma = 0.5;
const gaeLambda = 0.5;

describe('computeGae', () => {
  it('cuts at a mid-rollout termination and bootstraps from V(finalObs) on a last-step truncation', () => {
    // One env, T = 4: terminated at t = 1, truncated at t = 3 with V(finalObs_3) = 8; lastValues (100)
    // must be ignored because the last step ended the episode.
    // t=3: delta = 4 + 0.5*8 - 4 = 4;              A = 4;                   target = 4 + 4 = 8
    // t=2: delta = 3 + 0.5*V3(4) - 2 = 3;          A = 3 + 0.25*4 = 4;      target = 4 + 2 = 6
    // t=1: terminated: delta = 2 + 0 - 4 = -2;     A = -2 (no carry);        target = -2 + 4 = 2
    // t=0: delta = 1 + 0.5*V1(4) - 2 = 1;          A = 1 + 0.25*(-2) = 0.5; target = 0.5 + 2 = 2.5
    const r = computeGae({
      numSteps: 4,
      numEnvs: 1,
      rewards: [1, 2, 3, 4],
      valuePreds: [2, 4, 2, 4],
      terminated: [0, 1, 0, 0],
      truncated: [0, 0, 0, 1],
      finalValuePreds: [0, 0, 0, 8],
      lastValues: [100],
      gamma,
      gaeLambda,
    });
    expect(Array.from(r.advantages)).toEqual([0.5, -2, 4, 4]);
    expect(Array.from(r.valueTargets)).toEqual([2.5, 2, 6, 8]);
  });

  it('handles two time-major envs: mid-rollout truncation, last-step termination, lastValues bootstrap', () => {
    // Rows are t*N + n. Env 0: r = [1,1,1], V = [1,1,1], no episode end, lastValues[0] = 2.
    //   t=2: delta = 1 + 0.5*2 - 1 = 1;     A = 1;                        target 2
    //   t=1: delta = 1 + 0.5*1 - 1 = 0.5;   A = 0.5 + 0.25*1 = 0.75;      target 1.75
    //   t=0: delta = 0.5;                   A = 0.5 + 0.25*0.75 = 0.6875; target 1.6875
    // Env 1: r = [0,2,1], V = [4,2,2], truncated at t=0 with V(finalObs) = 6, terminated at t=2,
    // lastValues[1] = 50 ignored.
    //   t=2: delta = 1 + 0 - 2 = -1;        A = -1;                       target 1
    //   t=1: delta = 2 + 0.5*2 - 2 = 1;     A = 1 + 0.25*(-1) = 0.75;     target 2.75
    //   t=0: delta = 0 + 0.5*6 - 4 = -1;    A = -1 (no carry past truncation); target 3
    const r = computeGae({
      numSteps: 3,
      numEnvs: 2,
      rewards: [1, 0, 1, 2, 1, 1],
      valuePreds: [1, 4, 1, 2, 1, 2],
      terminated: [0, 0, 0, 0, 0, 1],
      truncated: [0, 1, 0, 0, 0, 0],
      finalValuePreds: [0, 6, 0, 0, 0, 0],
      lastValues: [2, 50],
      gamma,
      gaeLambda,
    });
    expect(Array.from(r.advantages)).toEqual([0.6875, -1, 0.75, 0.75, 1, -1]);
    expect(Array.from(r.valueTargets)).toEqual([1.6875, 3, 1.75, 2.75, 2, 1]);
  });

  it('treats a step both terminated and truncated as terminated (no bootstrap)', () => {
    // delta = 1 + 0 - 3 = -2 (finalValuePreds 10 ignored).
    const r = computeGae({
      numSteps: 1,
      numEnvs: 1,
      rewards: [1],
      valuePreds: [3],
      terminated: [1],
      truncated: [1],
      finalValuePreds: [10],
      gamma,
      gaeLambda,
    });
    expect(Array.from(r.advantages)).toEqual([-2]);
  });

  it('with lambda = 1 gives valueTargets equal to discounted returns', () => {
    const rollout = {
      numSteps: 4,
      numEnvs: 1,
      rewards: [1, 2, 3, 4],
      terminated: [0, 1, 0, 0],
      truncated: [0, 0, 0, 1],
      finalValuePreds: [0, 0, 0, 8],
      lastValues: [100],
      gamma,
    };
    // G3 = 4 + 0.5*8 = 8; G2 = 3 + 0.5*8 = 7; G1 = 2 (terminated); G0 = 1 + 0.5*2 = 2
    const returns = discountedReturns(rollout);
    expect(Array.from(returns)).toEqual([2, 2, 7, 8]);
    const gae = computeGae({ ...rollout, valuePreds: [0.25, -1, 3, 0.5], gaeLambda: 1 });
    expect(Array.from(gae.valueTargets)).toEqual([2, 2, 7, 8]);
  });

  it('discountedReturns bootstraps from lastValues and defaults it to 0', () => {
    const base = { numSteps: 2, numEnvs: 1, rewards: [1, 1], terminated: [0, 0], truncated: [0, 0], gamma };
    // G1 = 1 + 0.5*4 = 3; G0 = 1 + 0.5*3 = 2.5
    expect(Array.from(discountedReturns({ ...base, lastValues: [4] }))).toEqual([2.5, 3]);
    // G1 = 1; G0 = 1.5
    expect(Array.from(discountedReturns(base))).toEqual([1.5, 1]);
  });

  it('rejects a truncated step without finalValuePreds, and bad lengths and coefficients', () => {
    const base = {
      numSteps: 2,
      numEnvs: 1,
      rewards: [0, 0],
      valuePreds: [0, 0],
      terminated: [0, 0],
      truncated: [0, 1],
      gamma,
      gaeLambda,
    };
    expect(() => computeGae(base)).toThrow(/step 1 of env 0 is truncated but finalValuePreds is missing/);
    expect(() => computeGae({ ...base, truncated: [0, 0], rewards: [0] })).toThrow(
      /rewards has 1 elements; expected numSteps x numEnvs \(2 x 1\) = 2/,
    );
    expect(() => computeGae({ ...base, truncated: [0, 0], gamma: 1.5 })).toThrow(
      /gamma \(1.5\) must be in \[0, 1\]/,
    );
    expect(() => computeGae({ ...base, truncated: [0, 0], gaeLambda: -1 })).toThrow(/gaeLambda/);
    expect(() => computeGae({ ...base, truncated: [0, 0], lastValues: [1, 2] })).toThrow(/lastValues has 2/);
  });
});

describe('computeGae against the direct sum', () => {
  it('equals A_t = sum_l (gamma lambda)^l delta_{t+l} up to the episode end on a random rollout', () => {
    const rng = SeededRng.fromSeed(21);
    const T = 40;
    const N = 3;
    const g = 0.97;
    const lam = 0.9;
    const rand = (k: number, f: () => number) => Array.from({ length: k }, f);
    const rewards = rand(T * N, () => rng.uniform(-1, 1));
    const valuePreds = rand(T * N, () => rng.uniform(-2, 2));
    const terminated = rand(T * N, () => (rng.next() < 0.08 ? 1 : 0));
    const truncated = rand(T * N, () => (rng.next() < 0.08 ? 1 : 0));
    const finalValuePreds = rand(T * N, () => rng.uniform(-2, 2));
    const lastValues = rand(N, () => rng.uniform(-2, 2));
    const r = computeGae({
      numSteps: T,
      numEnvs: N,
      rewards,
      valuePreds,
      terminated,
      truncated,
      finalValuePreds,
      lastValues,
      gamma: g,
      gaeLambda: lam,
    });
    for (let n = 0; n < N; n++) {
      for (let t = 0; t < T; t++) {
        // Direct form of Schulman et al. 2016 eq. 16, stopping after the step that ends the episode.
        let sum = 0;
        let coef = 1;
        for (let u = t; u < T; u++) {
          const i = u * N + n;
          let next: number;
          if (terminated[i]) next = 0;
          else if (truncated[i]) next = finalValuePreds[i]!;
          else if (u === T - 1) next = lastValues[n]!;
          else next = valuePreds[i + N]!;
          sum += coef * (rewards[i]! + g * next - valuePreds[i]!);
          if (terminated[i] || truncated[i]) break;
          coef *= g * lam;
        }
        expect(r.advantages[t * N + n]).toBeCloseTo(sum, 4);
      }
    }
  });
});

describe('addGaeColumns', () => {
  it('adds advantages and valueTargets computed from the batch columns', () => {
    const batch = new SampleBatch(4, {
      rewards: new Float32Array([1, 2, 3, 4]),
      valuePreds: new Float32Array([2, 4, 2, 4]),
      terminated: new Uint8Array([0, 1, 0, 0]),
      truncated: new Uint8Array([0, 0, 0, 1]),
      finalValuePreds: new Float32Array([0, 0, 0, 8]),
    });
    const out = addGaeColumns(batch, { numEnvs: 1, gamma, gaeLambda, lastValues: [100] });
    expect(Array.from(out.float32('advantages'))).toEqual([0.5, -2, 4, 4]);
    expect(Array.from(out.float32('valueTargets'))).toEqual([2.5, 2, 6, 8]);
    expect(() => addGaeColumns(batch, { numEnvs: 3, gamma, gaeLambda, lastValues: [0, 0, 0] })).toThrow(
      /numEnvs \(3\) must be a positive integer dividing the batch \(4 rows\)/,
    );
  });
});
