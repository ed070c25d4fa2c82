/**
 * Encoding of values that cross process boundaries: msgpackr (`useRecords: false, moreTypes: true`)
 * for the structure, and every typed array of at least {@link FRAME_MIN_BYTES} as its own raw frame,
 * so a 100 MB Float32Array is copied once at the sender (a snapshot) and viewed, not copied, by the
 * receiver (frames are views on the received message when aligned, as zeromq delivers them).
 *
 * Refs nested in task arguments (`refs: 'resolve'`) become slots that the receiver fills with the
 * resolved values; refs inside stored values and results (`refs: 'keep'`) stay refs and come back as
 * `ObjectRef`s. Actor handles travel as handles. Refs and handles are found in arrays, plain objects,
 * Maps, Sets and the own fields of class instances. Values keep: plain objects, arrays, strings,
 * numbers, booleans, null, undefined, bigint, Map, Set, Date, Error (as data), typed arrays. Class
 * instances arrive as plain objects; functions are dropped.
 */
import { addExtension, Packr } from 'msgpackr';
import { ObjectRef } from './object-ref.js';
import { type SharedLocation, sealValue } from './shared-objects.js';

/** Typed arrays at least this large travel as raw frames instead of inline msgpack bytes. */
export const FRAME_MIN_BYTES = 4096;

/** The shared packer for values and wire messages. */
export const packr = new Packr({ useRecords: false, moreTypes: true });

/** An encoded value: msgpack bytes plus raw frames, and the object ids of the refs it contains. */
export interface EncodedValue {
  readonly data: Uint8Array;
  readonly frames: readonly Uint8Array[];
  /** Ids of refs inside task arguments, resolved to their values before the task runs, in slot order. */
  readonly deps: readonly number[];
  /** Ids of refs kept as refs inside a stored value or result: the store keeps them alive with it. */
  readonly refs: readonly number[];
  /** Bytes held: msgpack data plus frames. */
  readonly sizeBytes: number;
  /** Set when the frames live in a shared file (then `frames` is empty): see shared-objects.ts. */
  readonly shared?: SharedLocation;
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

/** Marks ActorHandle instances (set in remote-class.ts), which travel by actor id and class site. */
export const ACTOR_HANDLE: unique symbol = Symbol.for('tsrl.core.actorHandle');

/** What an ActorHandle carries across processes. */
interface HandleData {
  readonly actorId: number;
  readonly site: { readonly moduleUrl: string; readonly exportName: string };
}

type RefFactory = (id: number) => ObjectRef;
type HandleFactory = (actorId: number, moduleUrl: string, exportName: string) => object;
let refFactory: RefFactory | undefined;
let handleFactory: HandleFactory | undefined;

/** Sets how decoded refs are made (runtime.ts: by the current backend's store, which counts them). */
export function setRefFactory(f: RefFactory): void {
  refFactory = f;
}

/** Sets how decoded actor handles are made (remote-class.ts). */
export function setHandleFactory(f: HandleFactory): void {
  handleFactory = f;
}

class FrameSlot {
  constructor(
    readonly index: number,
    readonly typeCode: number,
  ) {}
}

class RefSlot {
  constructor(readonly slot: number) {}
}

class KeptRef {
  constructor(readonly id: number) {}
}

class HandleSlot {
  constructor(readonly data: HandleData) {}
}

let decodeFrames: readonly Uint8Array[] = [];
let decodeDeps: readonly unknown[] | undefined;
let decodeCopy = false;

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

/** While {@link remapKeptRefs} runs: the new id of each kept ref. */
let keptRefMap: ((id: number) => number) | undefined;

addExtension({
  Class: KeptRef,
  type: 0x33,
  write: (r: KeptRef) => r.id,
  read: (data: unknown) => {
    if (typeof data !== 'number') throw new TypeError(`codec: bad ref id ${String(data)}`);
    if (keptRefMap !== undefined) return new KeptRef(keptRefMap(data));
    if (refFactory === undefined) throw new TypeError('codec: a ref was decoded outside a runtime');
    return refFactory(data);
  },
});

addExtension({
  Class: HandleSlot,
  type: 0x34,
  write: (h: HandleSlot) => [h.data.actorId, h.data.site.moduleUrl, h.data.site.exportName],
  read: (data: unknown) => {
    if (
      !Array.isArray(data) ||
      typeof data[0] !== 'number' ||
      typeof data[1] !== 'string' ||
      typeof data[2] !== 'string'
    ) {
      throw new TypeError(`codec: bad actor handle ${String(data)}`);
    }
    if (handleFactory === undefined)
      throw new TypeError('codec: an actor handle was decoded outside a runtime');
    return handleFactory(data[0], data[1], data[2]);
  },
});

function viewOf(bytes: Uint8Array, ctor: TypedArrayCtor): ArrayBufferView {
  const size = ctor.BYTES_PER_ELEMENT;
  // A view needs an aligned offset; copy the rare unaligned frame, and every frame when the reader
  // must not share memory with the stored object.
  // Uint8Array.prototype.slice copies even for a Buffer (whose own slice() is a view).
  const source =
    !decodeCopy && bytes.byteOffset % size === 0 ? bytes : Uint8Array.prototype.slice.call(bytes);
  return new ctor(source.buffer, source.byteOffset, source.byteLength / size);
}

interface EncodeContext {
  readonly frames: Uint8Array[];
  readonly deps: number[];
  readonly refs: number[];
  readonly refMode: 'resolve' | 'keep';
}

function prepare(value: unknown, ctx: EncodeContext): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (ArrayBuffer.isView(value)) {
    if (value.byteLength < FRAME_MIN_BYTES || value instanceof DataView) return value;
    const typeCode = TYPED_CTORS.findIndex((c) => value instanceof c);
    if (typeCode < 0) return value;
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    ctx.frames.push(bytes);
    return new FrameSlot(ctx.frames.length - 1, typeCode);
  }
  if (value instanceof ObjectRef) {
    if (ctx.refMode === 'keep') {
      ctx.refs.push(value.id);
      return new KeptRef(value.id);
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
  if (value instanceof Map) return prepareMap(value, ctx);
  if (value instanceof Set) {
    const items = [...value];
    const prepared = prepare(items, ctx);
    return prepared === items ? value : new Set(prepared as unknown[]);
  }
  if (ACTOR_HANDLE in value) return new HandleSlot(value as unknown as HandleData);
  if (value instanceof Date || value instanceof Error || value instanceof ArrayBuffer) return value;
  // Plain objects and class instances alike (an instance arrives as a plain object of its own fields).
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

function prepareMap(value: Map<unknown, unknown>, ctx: EncodeContext): Map<unknown, unknown> {
  let out: Map<unknown, unknown> | undefined;
  let i = 0;
  for (const [k, v] of value) {
    const pk = prepare(k, ctx);
    const pv = prepare(v, ctx);
    if (out === undefined && (pk !== k || pv !== v)) {
      out = new Map();
      let j = 0;
      for (const [k2, v2] of value) {
        if (j++ >= i) break;
        out.set(k2, v2);
      }
    }
    out?.set(pk, pv);
    i++;
  }
  return out ?? value;
}

/**
 * Encodes a value. `copyFrames` snapshots large typed arrays (the caller may mutate them later); in a
 * process of a node that shares objects, a value of `SHARED_MIN_BYTES` or more in frames is
 * written once to a shared file instead (always: that is its snapshot and how it travels);
 * `refs: 'resolve'` turns nested refs into slots listed in `deps` (task arguments), `'keep'` keeps
 * them as refs listed in `refs` (stored values and results).
 */
export function encodeValue(
  value: unknown,
  options: { readonly copyFrames: boolean; readonly refs: 'resolve' | 'keep' },
): EncodedValue {
  const ctx: EncodeContext = { frames: [], deps: [], refs: [], refMode: options.refs };
  const prepared = prepare(value, ctx);
  const data = packr.pack(prepared);
  let sizeBytes = data.byteLength;
  for (const f of ctx.frames) sizeBytes += f.byteLength;
  // The snapshot: a large value is written once to the node's shared folder, a small one copied.
  return sealValue(
    { data, frames: ctx.frames, deps: ctx.deps, refs: ctx.refs, sizeBytes },
    options.copyFrames,
  );
}

/**
 * Decodes a value; `deps` fills ref slots in order. Typed arrays are views on the frames, or copies
 * with `copy` (a reader of a stored object must not change it for later readers).
 */
export function decodeValue(
  data: Uint8Array,
  frames: readonly Uint8Array[],
  deps?: readonly unknown[],
  copy = false,
): unknown {
  const prevFrames = decodeFrames;
  const prevDeps = decodeDeps;
  const prevCopy = decodeCopy;
  decodeFrames = frames;
  decodeDeps = deps;
  decodeCopy = copy;
  try {
    return packr.unpack(data);
  } finally {
    decodeFrames = prevFrames;
    decodeDeps = prevDeps;
    decodeCopy = prevCopy;
  }
}

/**
 * The msgpack bytes of a stored value or result with each kept ref's id replaced by `map(id)` (a
 * result made on another machine, whose refs the receiver stores under its own ids). Typed arrays in
 * frames are copied inline, so the returned bytes need no frames.
 * @throws Error from `map`, or TypeError on a malformed value
 */
export function remapKeptRefs(
  data: Uint8Array,
  frames: readonly Uint8Array[],
  map: (id: number) => number,
): Uint8Array {
  const previous = keptRefMap;
  keptRefMap = map;
  try {
    return packr.pack(decodeValue(data, frames, undefined, true));
  } finally {
    keptRefMap = previous;
  }
}
