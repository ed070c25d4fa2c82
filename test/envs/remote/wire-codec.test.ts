/** The env protocol's framing: plain msgpack headers and validated raw array frames. */

import { describe, expect, it } from 'vitest';
import { actionLayout, decodeActions, encodeActions } from '../../../envs/remote/action-codec.js';
import {
  decodeHeader,
  MessageBuilder,
  packPlain,
  readArray,
  readInfos,
  WireFormatError,
  wireInfos,
} from '../../../envs/remote/wire-codec.js';
import type { SpaceJson } from '../../../envs/spaces/space.js';

describe('wire codec', () => {
  it('writes a plain msgpack map (no extensions) with array descriptors and raw little-endian frames', () => {
    const frames = new MessageBuilder({ type: 'x', id: 7, missing: undefined })
      .array('obs', Float32Array.of(1.5, -2), [2, 1])
      .frames();
    expect(frames).toHaveLength(2);
    // fixmap of 4 entries; 'type' -> 'x' first, as a Python msgpack reader sees it.
    expect(frames[0]?.[0]).toBe(0x84);
    expect(frames[0]?.subarray(1, 8)).toEqual(Buffer.from([0xa4, 0x74, 0x79, 0x70, 0x65, 0xa1, 0x78]));
    expect(decodeHeader(frames[0])).toEqual({
      type: 'x',
      id: 7,
      missing: null,
      obs: { dtype: 'float32', shape: [2, 1], frame: 1 },
    });
    // 1.5 as float32 little-endian is 00 00 c0 3f.
    expect(frames[1]?.subarray(0, 4)).toEqual(Buffer.from([0, 0, 0xc0, 0x3f]));
  });

  it('reads arrays: int64 as Float64Array, bool as Uint8Array, unaligned frames by copying', () => {
    const header = decodeHeader(
      packPlain({
        type: 'x',
        a: { dtype: 'int64', shape: [2], frame: 1 },
        b: { dtype: 'bool', shape: [3], frame: 2 },
      }),
    );
    const int64 = Buffer.from(BigInt64Array.of(-3n, 5n).buffer);
    const unaligned = Buffer.alloc(17).subarray(1);
    int64.copy(unaligned);
    const frames = [Buffer.alloc(0), unaligned, Buffer.from([1, 0, 1])];
    expect([...readArray(header, 'a', frames, { dtypes: ['int64'], shape: [2] })]).toEqual([-3, 5]);
    const b = readArray(header, 'b', frames, { dtypes: ['bool'], shape: [3] });
    expect(b).toBeInstanceOf(Uint8Array);
    expect([...b]).toEqual([1, 0, 1]);
  });

  it('names the field and the expectation when a header is wrong', () => {
    const header = decodeHeader(packPlain({ type: 'x', a: { dtype: 'float32', shape: [2], frame: 3 } }));
    const read = () =>
      readArray(header, 'a', [Buffer.alloc(0), Buffer.alloc(8)], { dtypes: ['float32'], shape: [2] });
    expect(read).toThrow(WireFormatError);
    expect(read).toThrow('a.frame must name one of frames 1..1, got 3');
    expect(() => decodeHeader(packPlain({ id: 1 }))).toThrow(
      'type must be a string, got nothing (the field is missing)',
    );
    expect(() => decodeHeader(Buffer.from([0x81, 0xa4, 0x74]))).toThrow('frame 0 is not valid msgpack');
    expect(() => decodeHeader(packPlain('hello'))).toThrow('frame 0 must be a msgpack map');
  });
});

describe('infos', () => {
  it('travel as nil when every info is empty, and nil reads back as N empty maps', () => {
    expect(wireInfos([{}, {}])).toBeNull();
    expect(wireInfos([{}, { a: 1 }])).toEqual([{}, { a: 1 }]);
    expect(readInfos({ type: 'x', infos: null }, 'infos', 3)).toEqual([{}, {}, {}]);
    expect(() => readInfos({ type: 'x', infos: [{}] }, 'infos', 2)).toThrow(
      'infos must be a list of 2 maps or nil, got [{}]',
    );
  });
});

describe('action codec', () => {
  it('packs and unpacks each action space as the protocol table says', () => {
    const box: SpaceJson = { type: 'Box', shape: [2], dtype: 'float64', low: [-1, -1], high: [1, 1] };
    const layout = actionLayout(box);
    expect(layout).toEqual({ dtype: 'float64', shape: [2], size: 2 });
    const packed = encodeActions(layout, [Float64Array.of(0.5, -1), Float64Array.of(1, 0)]);
    expect(packed).toBeInstanceOf(Float64Array);
    expect([...packed]).toEqual([0.5, -1, 1, 0]);
    expect(decodeActions(box, layout, packed, 2)).toEqual([Float64Array.of(0.5, -1), Float64Array.of(1, 0)]);
    const md: SpaceJson = { type: 'MultiDiscrete', nvec: [3, 4], start: [0, 0] };
    expect(decodeActions(md, actionLayout(md), Int32Array.of(1, 2, 0, 3), 2)).toEqual([
      Int32Array.of(1, 2),
      Int32Array.of(0, 3),
    ]);
    expect(actionLayout({ type: 'MultiBinary', shape: [3] })).toEqual({ dtype: 'int8', shape: [3], size: 3 });
    expect(actionLayout({ type: 'Discrete', n: 2, start: 0 })).toEqual({
      dtype: 'int32',
      shape: [],
      size: 1,
    });
    expect(() => actionLayout({ type: 'Tuple', spaces: [] })).toThrow(
      'Tuple action spaces are not supported by env protocol version 1',
    );
  });
});
