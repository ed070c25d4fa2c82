import { describe, expect, it } from 'vitest';
import { decodeValue, encodeValue, FRAME_MIN_BYTES } from '../../core/codec.js';
import { ObjectRef } from '../../core/object-ref.js';

describe('codec', () => {
  it('sends large typed arrays as frames and small ones inline', () => {
    const big = new Float32Array(FRAME_MIN_BYTES / 4).fill(2);
    const small = new Int32Array([1, 2, 3]);
    const enc = encodeValue({ big, small, list: [big] }, { copyFrames: false, refs: 'keep' });
    expect(enc.frames.length).toBe(2);
    expect(enc.frames[0]?.byteLength).toBe(FRAME_MIN_BYTES);
    const dec = decodeValue(enc.data, enc.frames) as {
      big: Float32Array;
      small: Int32Array;
      list: Float32Array[];
    };
    expect(dec.big).toBeInstanceOf(Float32Array);
    expect(dec.big[0]).toBe(2);
    expect(dec.small).toBeInstanceOf(Int32Array);
    expect([...dec.small]).toEqual([1, 2, 3]);
    expect(dec.list[0]?.length).toBe(FRAME_MIN_BYTES / 4);
  });

  it('views frames without copying when aligned, copies when not', () => {
    const a = new Float64Array(1024).fill(3);
    const enc = encodeValue(a, { copyFrames: false, refs: 'keep' });
    const frame = enc.frames[0] as Uint8Array;
    expect(frame.buffer).toBe(a.buffer);
    const view = decodeValue(enc.data, [frame]) as Float64Array;
    expect(view.buffer).toBe(a.buffer);
    const shifted = new Uint8Array(frame.byteLength + 1).subarray(1);
    shifted.set(frame);
    const copy = decodeValue(enc.data, [shifted]) as Float64Array;
    expect(copy[1023]).toBe(3);
    expect(copy.buffer).not.toBe(shifted.buffer);
  });

  it('snapshots frames with copyFrames', () => {
    const a = new Float32Array(2048).fill(1);
    const enc = encodeValue(a, { copyFrames: true, refs: 'keep' });
    a.fill(5);
    expect((decodeValue(enc.data, enc.frames) as Float32Array)[0]).toBe(1);
  });

  it('turns nested refs into slots filled at decode, also inside Maps, Sets and class instances', () => {
    class Holder {
      constructor(readonly r: ObjectRef) {}
    }
    const value = [
      new ObjectRef(7),
      { x: [new ObjectRef(9)] },
      new Map([['k', new ObjectRef(3)]]),
      new Holder(new ObjectRef(4)),
    ];
    const enc = encodeValue(value, { copyFrames: false, refs: 'resolve' });
    expect(enc.deps).toEqual([7, 9, 3, 4]);
    expect(decodeValue(enc.data, enc.frames, ['seven', 'nine', 'three', 'four'])).toEqual([
      'seven',
      { x: ['nine'] },
      { k: 'three' },
      { r: 'four' },
    ]);
  });

  it('keeps refs inside stored values as refs, listed in refs', () => {
    const enc = encodeValue({ inner: [new ObjectRef(11)] }, { copyFrames: false, refs: 'keep' });
    expect(enc.refs).toEqual([11]);
    expect(enc.deps).toEqual([]);
  });

  it('copies frames on decode when asked, so readers cannot change the stored bytes', () => {
    const enc = encodeValue(new Float32Array(2048).fill(1), { copyFrames: true, refs: 'keep' });
    const view = decodeValue(enc.data, enc.frames, undefined, true) as Float32Array;
    view.fill(9);
    expect((decodeValue(enc.data, enc.frames) as Float32Array)[0]).toBe(1);
  });

  it('does not change the caller value while preparing it', () => {
    const value = { f: new Float32Array(4096) };
    encodeValue(value, { copyFrames: false, refs: 'keep' });
    expect(value.f).toBeInstanceOf(Float32Array);
  });
});
