import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../envs/rng.js';
import { MinSegmentTree, SumSegmentTree } from '../../../rl/buffers/segment-tree.js';

describe('SumSegmentTree', () => {
  it('keeps the total and range sums through updates (capacity 5, padded to 8 leaves)', () => {
    const t = new SumSegmentTree(5);
    [1, 2, 3, 4, 5].forEach((v, i) => {
      t.set(i, v);
    });
    expect(t.total()).toBe(15);
    expect(t.sum(1, 4)).toBe(2 + 3 + 4);
    expect(t.sum(4, 5)).toBe(5);
    expect(t.sum(2, 2)).toBe(0);
    t.set(2, 10); // 1 + 2 + 10 + 4 + 5
    expect(t.total()).toBe(22);
    expect(t.sum(0, 3)).toBe(13);
    expect(t.get(2)).toBe(10);
    expect(Array.from(t.leaves())).toEqual([1, 2, 10, 4, 5]);
    expect(t.memoryBytes).toBe(16 * 8);
  });

  it('finds the leaf whose prefix sum first exceeds the mass', () => {
    // Leaves [1, 2, 3, 4]: prefix sums 1, 3, 6, 10, so masses [0,1) -> 0, [1,3) -> 1, [3,6) -> 2, [6,10) -> 3.
    const t = new SumSegmentTree(4);
    [1, 2, 3, 4].forEach((v, i) => {
      t.set(i, v);
    });
    const cases: [number, number][] = [
      [0, 0],
      [0.999, 0],
      [1, 1],
      [2.999, 1],
      [3, 2],
      [5.999, 2],
      [6, 3],
      [9.999, 3],
    ];
    for (const [mass, index] of cases) expect(t.findPrefixSumIndex(mass)).toBe(index);
  });

  it('never returns a zero leaf, even for a mass at the total (rounding)', () => {
    // Leaves [0, 1, 0, 2, 0]: prefix sums 0, 1, 1, 3, 3.
    const t = new SumSegmentTree(5);
    t.set(1, 1);
    t.set(3, 2);
    expect(t.findPrefixSumIndex(0)).toBe(1);
    expect(t.findPrefixSumIndex(0.5)).toBe(1);
    expect(t.findPrefixSumIndex(1)).toBe(3);
    expect(t.findPrefixSumIndex(3)).toBe(3);
    expect(t.findPrefixSumIndex(100)).toBe(3);
  });

  it('rebuilds from leaves and rejects bad input', () => {
    const t = new SumSegmentTree(3);
    t.setLeaves([0.5, 0.25, 0.25]);
    expect(t.total()).toBe(1);
    expect(t.findPrefixSumIndex(0.6)).toBe(1);
    expect(() => new SumSegmentTree(0)).toThrow(/capacity \(0\) must be an integer in \[1, 2\^30\]/);
    expect(() => t.set(3, 1)).toThrow(/index \(3\) must be an integer in \[0, 3\)/);
    expect(() => t.set(0, -1)).toThrow(/value \(-1\) at index 0 must be finite and >= 0/);
    expect(() => t.set(0, Number.NaN)).toThrow(/must be finite/);
    expect(() => t.setLeaves([1])).toThrow(/got 1 values; expected capacity 3/);
    expect(() => new SumSegmentTree(2).findPrefixSumIndex(0)).toThrow(/total mass 0/);
    expect(() => t.findPrefixSumIndex(-0.1)).toThrow(/mass \(-0.1\) must be >= 0/);
  });
});

describe('segment trees against naive scans', () => {
  it('agree with direct sums, minimums and prefix searches under random updates', () => {
    const rng = SeededRng.fromSeed(8);
    const n = 37;
    const sum = new SumSegmentTree(n);
    const min = new MinSegmentTree(n);
    const leaves = new Array<number>(n).fill(0);
    // Unset min-tree leaves are +Infinity.
    const minLeaves = new Array<number>(n).fill(Number.POSITIVE_INFINITY);
    for (let step = 0; step < 400; step++) {
      const i = rng.nextInt(n);
      const v = rng.next() < 0.2 ? 0 : Math.round(rng.uniform(0, 10) * 8) / 8;
      leaves[i] = v;
      minLeaves[i] = v;
      sum.set(i, v);
      min.set(i, v);
      const lo = rng.nextInt(n);
      const hi = lo + rng.nextInt(n - lo + 1);
      expect(sum.sum(lo, hi)).toBe(leaves.slice(lo, hi).reduce((a, b) => a + b, 0));
      expect(min.min(lo, hi)).toBe(hi > lo ? Math.min(...minLeaves.slice(lo, hi)) : Number.POSITIVE_INFINITY);
      const total = sum.total();
      if (total > 0) {
        const mass = rng.next() * total;
        // Naive: the first index whose inclusive prefix sum exceeds the mass.
        let acc = 0;
        let expected = -1;
        for (let k = 0; k < n && expected < 0; k++) {
          acc += leaves[k]!;
          if (acc > mass) expected = k;
        }
        expect(sum.findPrefixSumIndex(mass)).toBe(expected);
      }
    }
  });
});

describe('MinSegmentTree', () => {
  it('tracks the minimum over all leaves and ranges through updates', () => {
    const t = new MinSegmentTree(6);
    expect(t.min()).toBe(Number.POSITIVE_INFINITY);
    [5, 3, 8, 1, 9, 4].forEach((v, i) => {
      t.set(i, v);
    });
    expect(t.min()).toBe(1);
    expect(t.min(0, 3)).toBe(3);
    expect(t.min(4, 6)).toBe(4);
    expect(t.min(2, 2)).toBe(Number.POSITIVE_INFINITY);
    t.set(3, 7);
    expect(t.min()).toBe(3);
    t.set(1, Number.POSITIVE_INFINITY);
    expect(t.min()).toBe(4);
    t.setLeaves([2, 2, 2, 2, 0.5, 2]);
    expect(t.min()).toBe(0.5);
    expect(t.get(4)).toBe(0.5);
    expect(() => t.min(0, 7)).toThrow(/range \[0, 7\) must lie within \[0, 6\]/);
    expect(() => t.set(0, Number.NaN)).toThrow(/NaN/);
  });
});
