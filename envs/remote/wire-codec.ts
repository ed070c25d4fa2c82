/**
 * Encoding and validated decoding of env-protocol messages: a msgpack header map plus raw array frames.
 * Both ends use it; every read names the field it failed on.
 */
import { Packr } from 'msgpackr';
import { type ArrayDescriptor, WIRE_DTYPE_SIZES, type WireDtype } from './protocol.js';

/** A decoded msgpack header map. */
export type Header = Record<string, unknown>;

/** Typed arrays that may travel as array frames. */
export type WireArray = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array;

/** A message on the wire is not what the protocol says; `field` names where (e.g. `obs.shape`). */
export class WireFormatError extends Error {
  override readonly name = 'WireFormatError';
  constructor(
    readonly field: string | null,
    message: string,
  ) {
    super(message);
  }
}

// Plain msgpack only: no records extension, no typed-array extensions (other languages must read it);
// maps decode to plain objects; 64-bit integers decode to numbers where they are safe integers.
// (`'auto'` is supported by msgpackr 2's decoder but missing from its typings.)
const packr = new Packr({
  useRecords: false,
  moreTypes: false,
  mapsAsObjects: true,
  variableMapSize: true,
  int64AsType: 'auto' as 'number',
});

/**
 * An integer as msgpack must carry it: JS numbers beyond 32 bits would be packed as float64, which
 * other languages (Python's `int` checks) rightly refuse as a seed, so those go as int64.
 */
export function wireInteger(value: number): number | bigint {
  return value > 0xffffffff || value < -0x80000000 ? BigInt(value) : value;
}

const DTYPE_OF_ARRAY = new Map<unknown, WireDtype>([
  [Float32Array, 'float32'],
  [Float64Array, 'float64'],
  [Int8Array, 'int8'],
  [Int16Array, 'int16'],
  [Int32Array, 'int32'],
  [Uint8Array, 'uint8'],
]);

/** Builds one outgoing message: call {@link MessageBuilder.array} for each array field, then `frames()`. */
export class MessageBuilder {
  private readonly arrays: Buffer[] = [];
  constructor(private readonly header: Header) {}

  /** Adds `data` as the next array frame and stores its descriptor under `field`. */
  array(field: string, data: WireArray, shape: readonly number[], dtype?: WireDtype): this {
    const wireDtype = dtype ?? DTYPE_OF_ARRAY.get(data.constructor);
    if (wireDtype === undefined)
      throw new TypeError(`${field}: ${data.constructor.name} cannot travel as an array frame`);
    this.arrays.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    const descriptor: ArrayDescriptor = { dtype: wireDtype, shape: [...shape], frame: this.arrays.length };
    this.header[field] = descriptor;
    return this;
  }

  /** The frames to send: the msgpack header, then the array frames in order. */
  frames(): Buffer[] {
    return [packr.pack(replaceUndefined(this.header)), ...this.arrays];
  }
}

// msgpackr writes `undefined` as an extension other languages cannot read: send null instead.
function replaceUndefined(header: Header): Header {
  for (const key of Object.keys(header)) if (header[key] === undefined) header[key] = null;
  return header;
}

/** Encodes any JSON-like value with the protocol's plain msgpack settings (for tests and tools). */
export function packPlain(value: unknown): Buffer {
  return packr.pack(value);
}

/**
 * Decodes frame 0 into a header map with a string `type`.
 * @throws WireFormatError when the frame is not msgpack or not a map.
 */
export function decodeHeader(frame: Buffer | undefined): Header {
  if (frame === undefined || frame.length === 0)
    throw new WireFormatError(null, 'the message has no header frame');
  let value: unknown;
  try {
    value = packr.unpack(frame);
  } catch (error) {
    throw new WireFormatError(null, `frame 0 is not valid msgpack (${(error as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
    throw new WireFormatError(null, 'frame 0 must be a msgpack map');
  }
  const header = value as Header;
  if (typeof header['type'] !== 'string')
    throw new WireFormatError('type', `type must be a string, got ${show(header['type'])}`);
  return header;
}

/** A short rendering of a wire value for error messages. */
export function show(x: unknown): string {
  if (x === undefined) return 'nothing (the field is missing)';
  if (x instanceof Uint8Array) return `binary(${x.length} bytes)`;
  let text: string;
  try {
    text = JSON.stringify(x) ?? String(x);
  } catch {
    text = String(x);
  }
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}

/** Reads a required string field. */
export function readString(header: Header, field: string): string {
  const value = header[field];
  if (typeof value !== 'string')
    throw new WireFormatError(field, `${field} must be a string, got ${show(value)}`);
  return value;
}

/** Reads a required integer field, optionally bounded below. */
export function readInt(header: Header, field: string, min = Number.MIN_SAFE_INTEGER): number {
  const value = header[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new WireFormatError(field, `${field} must be an integer >= ${min}, got ${show(value)}`);
  }
  return value;
}

/** Reads an optional integer field, optionally bounded below: missing or null gives undefined. */
export function readOptionalInt(
  header: Header,
  field: string,
  min = Number.MIN_SAFE_INTEGER,
): number | undefined {
  const value = header[field];
  return value === undefined || value === null ? undefined : readInt(header, field, min);
}

/** Reads an optional boolean field: missing or null gives `fallback`. */
export function readOptionalBool(header: Header, field: string, fallback: boolean): boolean {
  const value = header[field];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean')
    throw new WireFormatError(field, `${field} must be a boolean, got ${show(value)}`);
  return value;
}

/** Reads an optional map field: missing or null gives undefined. */
export function readOptionalMap(header: Header, field: string): Record<string, unknown> | undefined {
  const value = header[field];
  if (value === undefined || value === null) return undefined;
  if (!isPlainMap(value)) throw new WireFormatError(field, `${field} must be a map, got ${show(value)}`);
  return value;
}

/** Reads `infos`: a list of exactly `numEnvs` maps, or nil standing for `numEnvs` empty maps. */
export function readInfos(header: Header, field: string, numEnvs: number): Record<string, unknown>[] {
  const value = header[field];
  if (value === null) return Array.from({ length: numEnvs }, () => ({}));
  if (!Array.isArray(value) || value.length !== numEnvs) {
    throw new WireFormatError(field, `${field} must be a list of ${numEnvs} maps or nil, got ${show(value)}`);
  }
  value.forEach((info, i) => {
    if (!isPlainMap(info))
      throw new WireFormatError(`${field}[${i}]`, `${field}[${i}] must be a map, got ${show(info)}`);
  });
  return value as Record<string, unknown>[];
}

/** True for a decoded msgpack map. */
export function isPlainMap(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x) && !(x instanceof Uint8Array);
}

/** What {@link readArray} accepts. */
export interface ArrayExpectation {
  /** Accepted dtypes; the first is what a conforming peer sends. */
  dtypes: readonly WireDtype[];
  /** Exact expected shape. */
  shape: readonly number[];
}

/**
 * Reads an array field: checks the descriptor, the dtype, the shape and the frame's byte length, and
 * returns the values (a view on the frame where its alignment allows, else a copy). `int64` arrays
 * come back as Float64Array (exact up to 2^53); `bool` as Uint8Array.
 * @throws WireFormatError naming `field` (or `field.dtype`, `field.shape`, `field.frame`).
 */
export function readArray(
  header: Header,
  field: string,
  frames: readonly Buffer[],
  expect: ArrayExpectation,
): WireArray {
  const d = header[field];
  if (!isPlainMap(d))
    throw new WireFormatError(
      field,
      `${field} must be an array descriptor {dtype, shape, frame}, got ${show(d)}`,
    );
  const dtype = d['dtype'];
  if (typeof dtype !== 'string' || !expect.dtypes.includes(dtype as WireDtype)) {
    throw new WireFormatError(
      `${field}.dtype`,
      `${field}.dtype must be one of ${expect.dtypes.join(', ')}, got ${show(dtype)}`,
    );
  }
  const shape = d['shape'];
  if (
    !Array.isArray(shape) ||
    shape.length !== expect.shape.length ||
    shape.some((s, i) => s !== expect.shape[i])
  ) {
    throw new WireFormatError(
      `${field}.shape`,
      `${field}.shape must be ${show(expect.shape)}, got ${show(shape)}`,
    );
  }
  const frameIndex = d['frame'];
  const frame =
    typeof frameIndex === 'number' && Number.isInteger(frameIndex) && frameIndex >= 1
      ? frames[frameIndex]
      : undefined;
  if (frame === undefined) {
    throw new WireFormatError(
      `${field}.frame`,
      `${field}.frame must name one of frames 1..${frames.length - 1}, got ${show(frameIndex)}`,
    );
  }
  const count = expect.shape.reduce((a, b) => a * b, 1);
  const wireDtype = dtype as WireDtype;
  const expectedBytes = count * WIRE_DTYPE_SIZES[wireDtype];
  if (frame.length !== expectedBytes) {
    throw new WireFormatError(
      `${field}.frame`,
      `${field} holds ${frame.length} bytes; ${wireDtype} ${show(expect.shape)} needs ${expectedBytes}`,
    );
  }
  return viewAs(frame, wireDtype, count);
}

function viewAs(frame: Buffer, dtype: WireDtype, count: number): WireArray {
  const size = WIRE_DTYPE_SIZES[dtype];
  // Views need aligned offsets; zeromq frames usually are, but copy rather than assume.
  const bytes = frame.byteOffset % size === 0 ? frame : Buffer.from(frame);
  const { buffer, byteOffset } = bytes;
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, byteOffset, count);
    case 'float64':
      return new Float64Array(buffer, byteOffset, count);
    case 'int8':
      return new Int8Array(buffer, byteOffset, count);
    case 'int16':
      return new Int16Array(buffer, byteOffset, count);
    case 'int32':
      return new Int32Array(buffer, byteOffset, count);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer, byteOffset, count);
    case 'int64': {
      const big = new BigInt64Array(buffer, byteOffset, count);
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = Number(big[i]);
      return out;
    }
  }
}

/** `infos` as they travel: nil when every info is empty (most steps), which saves encoding N maps. */
export function wireInfos(
  infos: readonly Record<string, unknown>[],
): readonly Record<string, unknown>[] | null {
  for (const info of infos) for (const _ in info) return infos;
  return null;
}
