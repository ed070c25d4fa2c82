import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../envs/rng.js';
import { glorotUniform, orthogonal } from '../../../rl/models/init.js';

/** (A^T A) for a row-major rows x cols matrix, or (A A^T) when `rowsGram`. */
function gram(a: Float32Array, rows: number, cols: number, rowsGram: boolean): number[][] {
  const n = rowsGram ? rows : cols;
  const out = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      const k = rowsGram ? cols : rows;
      for (let t = 0; t < k; t++) {
        s += rowsGram
          ? (a[i * cols + t] as number) * (a[j * cols + t] as number)
          : (a[t * cols + i] as number) * (a[t * cols + j] as number);
      }
      (out[i] as number[])[j] = s;
    }
  }
  return out;
}

describe('orthogonal', () => {
  it.each([
    [8, 5, Math.SQRT2],
    [5, 8, 0.01],
    [6, 6, 1],
  ])('a %i x %i matrix with gain %f has orthogonal columns/rows of norm gain', (rows, cols, gain) => {
    const a = orthogonal(rows, cols, gain, SeededRng.fromSeed(3));
    const g = gram(a, rows, cols, rows < cols);
    for (let i = 0; i < g.length; i++) {
      for (let j = 0; j < g.length; j++) {
        expect((g[i] as number[])[j]).toBeCloseTo(i === j ? gain * gain : 0, 5);
      }
    }
  });

  it('is deterministic in the seed', () => {
    expect(orthogonal(4, 3, 1, SeededRng.fromSeed(7))).toEqual(orthogonal(4, 3, 1, SeededRng.fromSeed(7)));
    expect(orthogonal(4, 3, 1, SeededRng.fromSeed(7))).not.toEqual(
      orthogonal(4, 3, 1, SeededRng.fromSeed(8)),
    );
  });
});

describe('glorotUniform', () => {
  it('stays within gain * sqrt(6 / (fanIn + fanOut))', () => {
    const limit = 2 * Math.sqrt(6 / (10 + 20));
    const w = glorotUniform(200, 10, 20, 2, SeededRng.fromSeed(1));
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.9 * limit);
  });
});
