/**
 * Encoding of values that cross process boundaries: msgpackr (`useRecords: false, moreTypes: true`)
 * for the structure, and every typed array of at least {@link FRAME_MIN_BYTES} as its own raw frame,
 * so a 100 MB Float32Array is copied once at the sender (a snapshot) and viewed, not copied, by the
 * receiver (frames are views on the received message when aligned, as zeromq delivers them).
 *
 * Refs nested in task arguments become slots that the receiver fills with the resolved values.
 * Values keep: plain objects, arrays, strings, numbers, booleans, null, undefined, bigint, Map, Set,
 * Date, Error (as data), typed arrays. Class instances arrive as plain objects; functions are dropped.
 */
import { addExtension, Packr } from 'msgpackr';
import { ObjectRef } from './object-ref.js';

/** Typed arrays at least this large travel as raw frames instead of inline msgpack bytes. */
export const FRAME_MIN_BYTES = 4096;

/** The shared packer for values and wire messages. */
export const packr = new Packr({ useRecords: false, moreTypes: true });

/** An encoded value: msgpack bytes plus raw frames, and the object ids of the refs it contains. */
export interface EncodedValue {
  readonly data: Uint8Array;
  readonly frames: readonly Uint8Array[];
  /** Ids of refs inside the value (task arguments only), in slot order. */
  readonly deps: readonly number[];
  /** Bytes held: msgpack data plus frames. */
  readonly sizeBytes: number;
}

type TypedArrayCtor = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): ArrayBufferView;
  readonly BYTES_PER_ELEMENT: number;
};

const TYPED_CTORS: readonly TypedArrayCtor[] = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
];

/** Marks ActorHandle instances (set in remote-class.ts) so they are refused with a clear message. */
export const ACTOR_HANDLE: unique symbol = Symbol.for('tsrl.core.actorHandle');

class FrameSlot {
  constructor(
    readonly index: number,
    readonly typeCode: number,
  ) {}
}

class RefSlot {
  constructor(readonly slot: number) {}
}

let decodeFrames: readonly Uint8Array[] = [];
let decodeDeps: readonly unknown[] | undefined;

// Extension type codes 0x31/0x32 are private to tsrl's runtime (application range of msgpack).
addExtension({
  Class: FrameSlot,
  type: 0x31,
  write: (slot: FrameSlot) => [slot.index, slot.typeCode],
  read: (data: unknown) => {
    if (!Array.isArray(data) || typeof data[0] !== 'number' || typeof data[1] !== 'number') {
      throw new TypeError(`codec: bad frame slot ${String(data)}`);
    }
    const bytes = decodeFrames[data[0]];
    const ctor = TYPED_CTORS[data[1]];
    if (bytes === undefined || ctor === undefined) {
      throw new TypeError(
        `codec: frame slot ${data[0]} (type ${data[1]}) has no frame; the message is truncated`,
      );
    }
    return viewOf(bytes, ctor);
  },
});

addExtension({
  Class: RefSlot,
  type: 0x32,
  write: (slot: RefSlot) => slot.slot,
  read: (data: unknown) => {
    if (typeof data !== 'number' || decodeDeps === undefined || data >= decodeDeps.length) {
      throw new TypeError(`codec: ref slot ${String(data)} has no resolved value`);
    }
    return decodeDeps[data];
  },
});

function viewOf(bytes: Uint8Array, ctor: TypedArrayCtor): ArrayBufferView {
  const size = ctor.BYTES_PER_ELEMENT;
  // A view needs an aligned offset; copy the rare unaligned frame.
  const source = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  return new ctor(source.buffer, source.byteOffset, source.byteLength / size);
}

interface EncodeContext {
  readonly frames: Uint8Array[];
  readonly deps: number[];
  readonly copyFrames: boolean;
  readonly allowRefs: boolean;
}

function prepare(value: unknown, ctx: EncodeContext): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (ArrayBuffer.isView(value)) {
    if (value.byteLength < FRAME_MIN_BYTES || value instanceof DataView) return value;
    const typeCode = TYPED_CTORS.findIndex((c) => value instanceof c);
    if (typeCode < 0) return value;
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    ctx.frames.push(ctx.copyFrames ? bytes.slice() : bytes);
    return new FrameSlot(ctx.frames.length - 1, typeCode);
  }
  if (value instanceof ObjectRef) {
    if (!ctx.allowRefs) {
      throw new TypeError(
        `${value.toString()} inside a stored value or a return value is not supported; pass refs as task or method arguments`,
      );
    }
    ctx.deps.push(value.id);
    return new RefSlot(ctx.deps.length - 1);
  }
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const p = prepare(item, ctx);
      if (p !== item) {
        out ??= value.slice();
        out[i] = p;
      }
    }
    return out ?? value;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    if (ACTOR_HANDLE in value) {
      throw new TypeError(
        `${String(value)} cannot be sent to a task or actor (workers do not call the runtime); call the actor from the driver`,
      );
    }
    return value;
  }
  let out: Record<string, unknown> | undefined;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const item = record[key];
    const p = prepare(item, ctx);
    if (p !== item) {
      out ??= { ...record };
      out[key] = p;
    }
  }
  return out ?? value;
}

/**
 * Encodes a value. `copyFrames` snapshots large typed arrays (the caller may mutate them later);
 * `allowRefs` turns nested refs into slots listed in `deps` (task arguments).
 * @throws TypeError when a ref is found and `allowRefs` is false
 */
export function encodeValue(
  value: unknown,
  options: { copyFrames: boolean; allowRefs: boolean },
): EncodedValue {
  const ctx: EncodeContext = {
    frames: [],
    deps: [],
    copyFrames: options.copyFrames,
    allowRefs: options.allowRefs,
  };
  const prepared = prepare(value, ctx);
  const data = packr.pack(prepared);
  let sizeBytes = data.byteLength;
  for (const f of ctx.frames) sizeBytes += f.byteLength;
  return { data, frames: ctx.frames, deps: ctx.deps, sizeBytes };
}

/** Decodes a value; `deps` fills ref slots in order. Typed arrays are views on the frames. */
export function decodeValue(
  data: Uint8Array,
  frames: readonly Uint8Array[],
  deps?: readonly unknown[],
): unknown {
  const prevFrames = decodeFrames;
  const prevDeps = decodeDeps;
  decodeFrames = frames;
  decodeDeps = deps;
  try {
    return packr.unpack(data);
  } finally {
    decodeFrames = prevFrames;
    decodeDeps = prevDeps;
  }
}
