import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../envs/rng.js';
import { Box } from '../../../envs/spaces/box.js';

describe('Box', () => {
  it('broadcasts scalar bounds over the shape and rounds float32 bounds', () => {
    const box = new Box({ low: -0.1, high: 0.1, shape: [2, 3] });
    expect(box.shape).toEqual([2, 3]);
    expect(box.size).toBe(6);
    expect(box.flatSize).toBe(6);
    expect(box.dtype).toBe('float32');
    expect(box.low[5]).toBe(Math.fround(-0.1));
    expect(box.high[0]).toBe(Math.fround(0.1));
    expect(box.high[0]).not.toBe(0.1);
  });

  it('infers the shape from array bounds, or [1] from scalars (as Gymnasium)', () => {
    expect(new Box({ low: [0, 1, 2], high: 5 }).shape).toEqual([3]);
    expect(new Box({ low: 0, high: 1 }).shape).toEqual([1]);
  });

  it('keeps float64 bounds exact and maps infinite int bounds to dtype limits', () => {
    expect(new Box({ low: -0.1, high: 0.1, dtype: 'float64' }).low[0]).toBe(-0.1);
    const b = new Box({ low: -Infinity, high: Infinity, shape: [1], dtype: 'uint8' });
    expect([b.low[0], b.high[0]]).toEqual([0, 255]);
  });

  it('contains checks class, length, bounds and NaN', () => {
    const box = new Box({ low: [-1, 0], high: [1, 2] });
    expect(box.contains(new Float32Array([0, 2]))).toBe(true);
    expect(box.contains(new Float32Array([-1.5, 1]))).toBe(false);
    expect(box.contains(new Float32Array([Number.NaN, 1]))).toBe(false);
    expect(box.contains(new Float64Array([0, 1]))).toBe(false);
    expect(box.contains([0, 1])).toBe(false);
    expect(box.contains(new Float32Array(3))).toBe(false);
    expect(box.explain(new Float32Array([0, 3]))).toBe('element 1 (3) is outside [0, 2]');
    expect(box.explain([0, 1])).toBe(
      'expected a Float32Array (Box dtype float32) of 2 elements, got Array(2) [0, 1]',
    );
    expect(box.explain(new Float32Array(3))).toBe('expected 2 elements (shape [2]), got 3');
  });

  it('samples members for bounded, half-bounded, unbounded and integer boxes', () => {
    const rng = SeededRng.fromSeed(0);
    const spaces = [
      new Box({ low: [-1, 0, -Infinity, -Infinity], high: [1, Infinity, 5, Infinity] }),
      new Box({ low: -3, high: 4, shape: [5], dtype: 'int32' }),
      new Box({ low: 0, high: 255, shape: [2, 2], dtype: 'uint8' }),
      new Box({ low: -1e-3, high: 1e-3, shape: [3], dtype: 'float64' }),
    ] as const;
    for (const space of spaces) {
      for (let i = 0; i < 200; i++) expect(space.contains(space.sample(rng))).toBe(true);
    }
    const int = spaces[1];
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) for (const v of int.sample(rng)) seen.add(v);
    expect([...seen].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3, 4]);
    // Half-bounded element 1 (low 0) is low + Exp(1): mean ~1.
    let s = 0;
    for (let i = 0; i < 4000; i++) s += spaces[0].sample(rng)[1]!;
    expect(Math.abs(s / 4000 - 1)).toBeLessThan(0.1);
  });

  it('flattens to float32 values and unflattens to the dtype', () => {
    const box = new Box({ low: -10, high: 10, shape: [3], dtype: 'int16' });
    const x = new Int16Array([-10, 0, 7]);
    const flat = box.flatten(x);
    expect(flat).toEqual(new Float32Array([-10, 0, 7]));
    const back = box.unflatten(flat);
    expect(back).toBeInstanceOf(Int16Array);
    expect(back).toEqual(x);
    const out = new Float32Array(5).fill(9);
    box.flattenInto(x, out, 1);
    expect(Array.from(out)).toEqual([9, -10, 0, 7, 9]);
    expect(() => box.unflatten(new Float32Array(2))).toThrow('expected 3 elements, got 2');
  });

  it('writes infinite bounds as null in JSON', () => {
    const box = new Box({ low: [-Infinity, 0], high: [Infinity, 1.5], dtype: 'float64' });
    expect(box.toJson()).toEqual({
      type: 'Box',
      shape: [2],
      dtype: 'float64',
      low: [null, 0],
      high: [null, 1.5],
    });
  });

  it('rejects invalid constructions with the field and value', () => {
    expect(() => new Box({ low: 1, high: 0 })).toThrow('low[0] (1) must be <= high[0] (0)');
    expect(() => new Box({ low: Number.NaN, high: 0 })).toThrow('low[0] is NaN');
    expect(() => new Box({ low: [0, 0], high: 1, shape: [3] })).toThrow(
      'low has 2 elements but shape [3] needs 3',
    );
    expect(() => new Box({ low: 0.5, high: 1, dtype: 'int8' })).toThrow(
      'low[0] (0.5) must be an integer in [-128, 127] for dtype int8',
    );
    expect(() => new Box({ low: 0, high: 1, shape: [-1] })).toThrow(
      'shape[0] (-1) must be a non-negative integer',
    );
  });
});
