import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../envs/rng.js';
import {
  Box,
  DictSpace,
  Discrete,
  MultiBinary,
  MultiDiscrete,
  type Space,
  SpaceJsonError,
  spaceFromJson,
  TupleSpace,
} from '../../../envs/spaces/index.js';

const spaces: Record<string, Space> = {
  discrete: new Discrete(5, -2),
  boxFloat32: new Box({ low: [-0.1, -Infinity], high: [0.1, Infinity] }),
  boxFloat64: new Box({ low: 0, high: 1e6, shape: [2, 2], dtype: 'float64' }),
  boxInt8: new Box({ low: -128, high: 127, shape: [3], dtype: 'int8' }),
  boxUint8Image: new Box({ low: 0, high: 255, shape: [2, 2, 3], dtype: 'uint8' }),
  boxEmpty: new Box({ low: 0, high: 1, shape: [0] }),
  multiDiscrete: new MultiDiscrete([2, 3, 4], [0, 1, -1]),
  multiBinary: new MultiBinary([2, 2]),
  nested: new DictSpace({
    z: new TupleSpace([new Discrete(2), new MultiBinary(1)]),
    pos: new Box({ low: -1, high: 1, shape: [2] }),
  }),
};

describe('spaceFromJson', () => {
  for (const [name, space] of Object.entries(spaces)) {
    it(`round-trips ${name} through JSON text, keeping membership and flattening`, () => {
      const json = JSON.parse(JSON.stringify(space.toJson())) as unknown;
      const rebuilt = spaceFromJson(json);
      expect(rebuilt.toJson()).toEqual(space.toJson());
      expect(rebuilt.flatSize).toBe(space.flatSize);
      const rng = SeededRng.fromSeed(1);
      for (let i = 0; i < 20; i++) {
        const x = space.sample(rng);
        expect(rebuilt.contains(x)).toBe(true);
        expect(rebuilt.flatten(x)).toEqual(space.flatten(x));
        // unflatten inverts flatten up to float32 rounding (float64 Boxes lose precision in the Float32Array).
        const back = space.unflatten(space.flatten(x));
        expect(space.contains(back)).toBe(true);
        expect(space.flatten(back)).toEqual(space.flatten(x));
        if (name !== 'boxFloat64') expect(back).toEqual(x);
      }
    });
  }

  it('keeps float32-rounded bounds exactly', () => {
    const box = spaceFromJson(spaces['boxFloat32']!.toJson()) as Box;
    expect(box.high[0]).toBe(Math.fround(0.1));
    expect(box.low[1]).toBe(Number.NEGATIVE_INFINITY);
  });

  it('defaults start of Discrete/MultiDiscrete to 0 (as Gymnasium)', () => {
    expect(spaceFromJson({ type: 'Discrete', n: 3 }).toJson()).toEqual({ type: 'Discrete', n: 3, start: 0 });
    expect(spaceFromJson({ type: 'MultiDiscrete', nvec: [2] }).toJson()).toEqual({
      type: 'MultiDiscrete',
      nvec: [2],
      start: [0],
    });
  });

  const bad: [string, unknown, string][] = [
    ['not an object', 3, 'space (number 3) must be an object with a "type" field'],
    [
      'unknown type',
      { type: 'Discret', n: 2 },
      'space.type (string "Discret") must be one of Discrete, Box, MultiDiscrete, MultiBinary, Tuple, Dict. Did you mean \'Discrete\'?',
    ],
    ['missing field', { type: 'Discrete' }, 'space.n is missing (a Discrete space needs n)'],
    [
      'unknown field',
      { type: 'Discrete', n: 2, strat: 1 },
      "space.strat is not a field of a Discrete space (fields: type, n, start). Did you mean 'start'?",
    ],
    ['non-integer n', { type: 'Discrete', n: 2.5 }, 'space.n (number 2.5) must be an integer'],
    ['n zero', { type: 'Discrete', n: 0 }, 'space: Discrete: n (number 0) must be a positive integer.'],
    [
      'bad dtype',
      { type: 'Box', shape: [1], dtype: 'float16', low: [0], high: [1] },
      'space.dtype (string "float16") must be one of float32, float64, int8, int16, int32, uint8. Did you mean \'float32\'?',
    ],
    [
      'low length',
      { type: 'Box', shape: [2, 2], dtype: 'float32', low: [0], high: [1, 1, 1, 1] },
      'space.low has 1 elements but shape [2, 2] needs 4',
    ],
    [
      'low element',
      { type: 'Box', shape: [2], dtype: 'float32', low: [0, 'x'], high: [1, 1] },
      'space.low[1] (string "x") must be a number or null (infinite)',
    ],
    [
      'low > high',
      { type: 'Box', shape: [1], dtype: 'float32', low: [2], high: [1] },
      'space: Box: low[0] (2) must be <= high[0] (1).',
    ],
    [
      'negative shape',
      { type: 'Box', shape: [-1], dtype: 'float32', low: [], high: [] },
      'space.shape[0] (-1) must be a non-negative integer',
    ],
    [
      'nested path',
      {
        type: 'Dict',
        spaces: {
          a: {
            type: 'Tuple',
            spaces: [
              { type: 'Discrete', n: 2 },
              { type: 'MultiBinary', shape: ['2'] },
            ],
          },
        },
      },
      'space.spaces.a.spaces[1].shape[0] (string "2") must be an integer',
    ],
    [
      'tuple spaces not array',
      { type: 'Tuple', spaces: {} },
      'space.spaces (object {}) must be an array of spaces',
    ],
  ];
  for (const [name, json, message] of bad) {
    it(`rejects ${name} with a precise message`, () => {
      let error: unknown;
      try {
        spaceFromJson(json);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SpaceJsonError);
      expect((error as Error).message).toBe(message);
    });
  }

  it('rejects nesting deeper than 32 levels', () => {
    let json: unknown = { type: 'Discrete', n: 2 };
    for (let i = 0; i < 40; i++) json = { type: 'Tuple', spaces: [json] };
    expect(() => spaceFromJson(json)).toThrow('spaces nest deeper than 32 levels');
  });
});
