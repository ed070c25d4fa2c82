import { describe, expect, it } from 'vitest';
import { Box } from '../../../envs/spaces/box.js';
import { DictSpace } from '../../../envs/spaces/dict-space.js';
import { Discrete } from '../../../envs/spaces/discrete.js';
import { TupleSpace } from '../../../envs/spaces/tuple-space.js';
import { createPreprocessor, isImageSpace } from '../../../rl/models/preprocess.js';

describe('createPreprocessor', () => {
  it('one-hots Discrete observations', () => {
    const p = createPreprocessor(new Discrete(4, 1));
    expect(p.kind).toBe('flat');
    expect(p.size).toBe(4);
    const out = new Float32Array(4);
    p.writeRow(3, out, 0);
    expect(Array.from(out)).toEqual([0, 0, 1, 0]);
  });

  it('passes a flat Box batch through without copying', () => {
    const p = createPreprocessor({
      type: 'Box',
      shape: [2],
      dtype: 'float32',
      low: [null, null],
      high: [null, null],
    });
    const flat = Float32Array.from([1, 2, 3, 4]);
    expect(p.apply(flat, 2)).toBe(flat);
    expect(p.scale).toBe(1);
  });

  it('flattens Dict (keys sorted) and Tuple observations by concatenation', () => {
    const space = new DictSpace({
      pos: new Box({ low: -1, high: 1, shape: [2] }),
      mode: new Discrete(3),
      pair: new TupleSpace([new Discrete(2), new Box({ low: 0, high: 5, shape: [1] })]),
    });
    const p = createPreprocessor(space);
    expect(p.size).toBe(3 + 3 + 2);
    const out = new Float32Array(p.size);
    p.writeRow({ pos: Float32Array.from([0.5, -0.5]), mode: 2, pair: [1, Float32Array.from([4])] }, out, 0);
    // keys in sorted order: mode (one-hot 3), pair (one-hot 2, box 1), pos (box 2)
    expect(Array.from(out)).toEqual([0, 0, 1, 0, 1, 4, 0.5, -0.5]);
  });

  it('recognises uint8 images, gives their [H, W, C] and scales by 1/255', () => {
    const json = {
      type: 'Box' as const,
      shape: [2, 2],
      dtype: 'uint8' as const,
      low: [0, 0, 0, 0],
      high: [255, 255, 255, 255],
    };
    expect(isImageSpace(json)).toBe(true);
    expect(isImageSpace({ ...json, high: [255, 255, 255, 1] })).toBe(false);
    const p = createPreprocessor(json);
    expect(p.kind).toBe('image');
    expect(p.imageShape).toEqual([2, 2, 1]);
    expect(Array.from(p.apply(Float32Array.from([0, 255, 51, 102]), 1))).toEqual(
      [0, 1, 0.2, 0.4].map(Math.fround),
    );
    expect(createPreprocessor(json, { scaleImages: false }).scale).toBe(1);
  });

  it('rejects a short batch and an invalid space', () => {
    const p = createPreprocessor(new Discrete(2));
    expect(() => p.apply(new Float32Array(3), 2)).toThrow(
      'preprocess: observations have 3 values, need rows x size = 2 x 2.',
    );
    expect(() => createPreprocessor({ type: 'Discrete', n: 0, start: 0 })).toThrow(/observationSpace/);
  });
});
