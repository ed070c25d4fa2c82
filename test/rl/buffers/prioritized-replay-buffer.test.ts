import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../envs/rng.js';
import { annealBeta, PrioritizedReplayBuffer } from '../../../rl/buffers/prioritized-replay-buffer.js';
import { transitionColumns } from '../../../rl/buffers/replay-buffer.js';
import { SampleBatch } from '../../../rl/sample-batch/sample-batch.js';

const columns = transitionColumns({ obsSize: 1, actionSize: 0, actionDtype: 'int32' });

/** Rows whose reward is their id. */
function rows(ids: number[]): SampleBatch {
  const n = ids.length;
  return new SampleBatch(n, {
    obs: new Float32Array(ids),
    nextObs: new Float32Array(ids),
    actions: new Int32Array(n),
    rewards: new Float32Array(ids),
    terminated: new Uint8Array(n),
    truncated: new Uint8Array(n),
  });
}

/** Priorities [1, 4, 9, 16] with alpha = 0.5 give p^alpha = [1, 2, 3, 4], total 10, P = [0.1, 0.2, 0.3, 0.4]. */
function golden(): PrioritizedReplayBuffer {
  const b = new PrioritizedReplayBuffer({ capacity: 4, columns, alpha: 0.5 });
  b.add(rows([0, 1, 2, 3]), [1, 4, 9, 16]);
  return b;
}

describe('PrioritizedReplayBuffer', () => {
  it('has sampling probabilities p^alpha / sum p^alpha', () => {
    const b = golden();
    expect(Array.from(b.probabilities())).toEqual([0.1, 0.2, 0.3, 0.4]);
    expect(b.maxPriority).toBe(16);
  });

  it('stratified sampling gives each row its share of equal mass segments', () => {
    // batchSize 10 cuts the mass 10 into segments of 1: [0,1) -> row 0; [1,3) -> row 1; [3,6) -> row 2;
    // [6,10) -> row 3, whatever the uniform draw inside each segment.
    const s = golden().sample(10, SeededRng.fromSeed(1), 1);
    expect(Array.from(s.int32('batchIndexes'))).toEqual([0, 1, 1, 2, 2, 2, 3, 3, 3, 3]);
    expect(Array.from(s.float32('rewards'))).toEqual([0, 1, 1, 2, 2, 2, 3, 3, 3, 3]);
  });

  it('draws rows with frequencies close to P(i)', () => {
    const b = golden();
    const rng = SeededRng.fromSeed(2);
    const counts = [0, 0, 0, 0];
    for (let k = 0; k < 4000; k++) counts[b.sample(1, rng, 0.4).int32('batchIndexes')[0]!]! += 1;
    // Expected 400, 800, 1200, 1600; the largest sd is sqrt(4000 * 0.4 * 0.6) ~ 31, so +-120 is ~4 sd.
    [400, 800, 1200, 1600].forEach((expected, i) => {
      expect(Math.abs(counts[i]! - expected)).toBeLessThan(120);
    });
  });

  it('normalises importance weights by the largest weight: w_i = (P_min / P_i)^beta', () => {
    const b = golden();
    const s1 = b.sample(10, SeededRng.fromSeed(3), 1);
    // beta = 1: w = 0.1 / P_i = [1, 0.5, 1/3, 0.25] for rows 0..3.
    const expected1 = [1, 0.5, 0.5, 1 / 3, 1 / 3, 1 / 3, 0.25, 0.25, 0.25, 0.25];
    Array.from(s1.float32('weights')).forEach((w, i) => {
      expect(w).toBeCloseTo(expected1[i]!, 6);
    });
    // beta = 0.5: w = sqrt(0.1 / P_i); beta = 0: all 1.
    const w05 = b.sample(10, SeededRng.fromSeed(3), 0.5).float32('weights');
    expect(w05[0]).toBeCloseTo(1, 6);
    expect(w05[1]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(w05[3]).toBeCloseTo(Math.sqrt(1 / 3), 6);
    expect(w05[6]).toBeCloseTo(0.5, 6);
    expect(Array.from(b.sample(4, SeededRng.fromSeed(3), 0).float32('weights'))).toEqual([1, 1, 1, 1]);
  });

  it('puts new rows at the maximum priority and applies updates', () => {
    const b = golden();
    b.add(rows([4])); // overwrites row 0 at the max priority 16: p^alpha = [4, 2, 3, 4], total 13
    expect(b.getPriority(0)).toBe(16);
    expect(b.probabilities()[0]).toBeCloseTo(4 / 13, 12);
    b.updatePriorities([1, 2], [0.25, 100]); // p^alpha = [4, 0.5, 10, 4], total 18.5
    expect(b.maxPriority).toBe(100);
    expect(Array.from(b.probabilities())).toEqual([4 / 18.5, 0.5 / 18.5, 10 / 18.5, 4 / 18.5]);
    b.add(rows([5])); // row 1 at priority 100: p^alpha 10
    expect(b.getPriority(1)).toBe(100);
  });

  it('new rows start at priority 1 and alpha = 0 samples uniformly', () => {
    const b = new PrioritizedReplayBuffer({ capacity: 8, columns, alpha: 0 });
    b.add(rows([0, 1, 2]));
    b.updatePriorities([0], [50]);
    expect(Array.from(b.probabilities())).toEqual([1 / 3, 1 / 3, 1 / 3]);
    const u = new PrioritizedReplayBuffer({ capacity: 8, columns });
    u.add(rows([0]));
    expect(u.getPriority(0)).toBe(1);
    expect(u.alpha).toBe(0.6);
  });

  it('rejects bad priorities, indexes and beta with the value named', () => {
    const b = golden();
    expect(() => b.updatePriorities([0], [0])).toThrow(/priority \[0\] \(0\) must be finite and > 0/);
    expect(() => b.updatePriorities([4], [1])).toThrow(/indexes\[0\] \(4\) must be an integer in \[0, 4\)/);
    expect(() => b.updatePriorities([0, 1], [1])).toThrow(/2 indexes but 1 priorities/);
    expect(() => b.add(rows([1, 2]), [1])).toThrow(/priorities has 1 values; the batch has 2 rows/);
    expect(() => b.sample(2, SeededRng.fromSeed(1), 1.5)).toThrow(/beta \(1.5\) must be in \[0, 1\]/);
    expect(() => new PrioritizedReplayBuffer({ capacity: 4, columns, alpha: 2 })).toThrow(
      /alpha \(2\) must be in \[0, 1\]/,
    );
    expect(() =>
      new PrioritizedReplayBuffer({ capacity: 4, columns }).sample(1, SeededRng.fromSeed(1), 1),
    ).toThrow(/the buffer is empty/);
  });

  it('reports memory and round-trips its state through msgpackr', () => {
    const b = golden();
    // columns: obs, nextObs, rewards, actions 4 rows x 4 B each = 64, terminated and truncated 4 x 1 B each = 8;
    // trees: 2 x (2 x 4 nodes) x 8 B = 128; priorities: 4 x 8 B = 32.
    expect(b.memoryBytes()).toBe(72 + 128 + 32);
    const packr = new Packr({ useRecords: false, moreTypes: true });
    const c = new PrioritizedReplayBuffer({ capacity: 4, columns, alpha: 0.5 });
    c.setState(packr.unpack(packr.pack(b.getState())));
    expect(Array.from(c.probabilities())).toEqual([0.1, 0.2, 0.3, 0.4]);
    expect(c.maxPriority).toBe(16);
    const s1 = b.sample(6, SeededRng.fromSeed(4), 0.7);
    const s2 = c.sample(6, SeededRng.fromSeed(4), 0.7);
    expect(Array.from(s2.float32('weights'))).toEqual(Array.from(s1.float32('weights')));
    expect(Array.from(s2.float32('rewards'))).toEqual(Array.from(s1.float32('rewards')));
    const other = new PrioritizedReplayBuffer({ capacity: 4, columns, alpha: 0.6 });
    expect(() => other.setState(b.getState())).toThrow(
      /state.alpha \(0.5\) differs from this buffer's alpha \(0.6\)/,
    );
  });
});

describe('annealBeta', () => {
  it('moves linearly from betaStart to betaEnd and stays there', () => {
    const schedule = { betaStart: 0.4, annealSteps: 100 };
    expect(annealBeta(0, schedule)).toBe(0.4);
    expect(annealBeta(50, schedule)).toBeCloseTo(0.7, 12);
    expect(annealBeta(100, schedule)).toBe(1);
    expect(annealBeta(1000, schedule)).toBe(1);
    expect(annealBeta(10, { annealSteps: 20, betaEnd: 0.6 })).toBeCloseTo(0.5, 12);
    expect(() => annealBeta(0, { annealSteps: 0 })).toThrow(/annealSteps \(0\) must be > 0/);
  });
});
