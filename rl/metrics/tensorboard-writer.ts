/**
 * A minimal TensorBoard event-file writer for scalars and histograms (no npm package writes them; the
 * format: docs/measurements.md).
 *
 * File format, from TensorFlow's sources:
 * - records are TFRecord-framed (tensorflow/core/lib/io/record_writer.cc): uint64 length (LE),
 *   uint32 masked CRC-32C of the length bytes, the data, uint32 masked CRC-32C of the data;
 *   mask(crc) = ((crc >>> 15) | (crc << 17)) + 0xa282ead8 (tensorflow/core/lib/hash/crc32c.h);
 * - each record is an `Event` protobuf (tensorflow/core/util/event.proto): wall_time = 1 (double),
 *   step = 2 (int64), file_version = 3 (string), summary = 5 (Summary);
 *   `Summary` (tensorflow/core/framework/summary.proto): repeated Value value = 1, with
 *   Value.tag = 1 (string), Value.simple_value = 2 (float) and Value.histo = 5 (`HistogramProto`:
 *   min = 1, max = 2, num = 3, sum = 4, sum_squares = 5 (doubles), bucket_limit = 6 and bucket = 7
 *   (packed repeated doubles; bucket i counts values in (bucket_limit[i-1], bucket_limit[i]]));
 * - the first record carries file_version `brain.Event:2`, as TensorFlow 2 writes.
 */
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

const CRC32C_TABLE = (() => {
  // Castagnoli polynomial 0x1EDC6F41, reflected: 0x82F63B78.
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli) of `bytes`; `crc32c("123456789")` is 0xE3069283. */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC32C_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotate right by 15 and add a constant (so CRCs of CRCs stay useful). */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

/** Protobuf bytes builder (only the wire types events need). */
class ProtoWriter {
  private readonly parts: number[] = [];

  varint(value: number): this {
    // Steps are non-negative safe integers; split so values above 2^31 stay exact.
    let v = value;
    while (v >= 0x80) {
      this.parts.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.parts.push(v);
    return this;
  }

  tag(field: number, wireType: 0 | 1 | 2 | 5): this {
    return this.varint(field * 8 + wireType);
  }

  double(field: number, value: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, value, true);
    this.tag(field, 1).parts.push(...b);
    return this;
  }

  float(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.tag(field, 5).parts.push(...b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2)
      .varint(value.length)
      .parts.push(...value);
    return this;
  }

  packedDoubles(field: number, values: readonly number[]): this {
    const b = new Uint8Array(8 * values.length);
    const view = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat64(8 * i, values[i]!, true);
    return this.bytes(field, b);
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** One TFRecord: length, masked CRC of the length, data, masked CRC of the data. */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 4 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/** Encodes an Event with scalar summaries (or the file-version event when `values` is a string). */
export function encodeEvent(
  wallTimeS: number,
  step: number,
  values: Readonly<Record<string, number>> | string,
): Uint8Array {
  const event = new ProtoWriter().double(1, wallTimeS).tag(2, 0).varint(step);
  if (typeof values === 'string') return event.string(3, values).finish();
  const summary = new ProtoWriter();
  for (const [tag, value] of Object.entries(values)) {
    summary.bytes(1, new ProtoWriter().string(1, tag).float(2, value).finish());
  }
  return event.bytes(5, summary.finish()).finish();
}

/** A histogram as TensorBoard's `HistogramProto` holds it. */
export interface Histogram {
  readonly min: number;
  readonly max: number;
  readonly num: number;
  readonly sum: number;
  readonly sumSquares: number;
  /** Upper edge of each bucket (the first bucket starts at -infinity). */
  readonly bucketLimit: readonly number[];
  /** Count of each bucket. */
  readonly bucket: readonly number[];
}

/**
 * The histogram of `values` over `numBuckets` equal-width buckets between their min and max (one
 * bucket when they are all equal); non-finite values are left out.
 */
export function histogramOf(values: ArrayLike<number>, numBuckets = 30): Histogram {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let num = 0;
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    min = Math.min(min, v);
    max = Math.max(max, v);
    num++;
    sum += v;
    sumSquares += v * v;
  }
  if (num === 0) return { min: 0, max: 0, num: 0, sum: 0, sumSquares: 0, bucketLimit: [], bucket: [] };
  const k = max > min ? numBuckets : 1;
  const width = (max - min) / k;
  const bucket = new Array<number>(k).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) bucket[Math.min(k - 1, Math.floor((v - min) / width) || 0)]! += 1;
  }
  const bucketLimit = bucket.map((_, b) => (b === k - 1 ? max : min + (b + 1) * width));
  return { min, max, num, sum, sumSquares, bucketLimit, bucket };
}

function encodeHistogram(h: Histogram): Uint8Array {
  return new ProtoWriter()
    .double(1, h.min)
    .double(2, h.max)
    .double(3, h.num)
    .double(4, h.sum)
    .double(5, h.sumSquares)
    .packedDoubles(6, h.bucketLimit)
    .packedDoubles(7, h.bucket)
    .finish();
}

/** Encodes an Event with one histogram summary per tag. */
export function encodeHistogramEvent(
  wallTimeS: number,
  step: number,
  histograms: Readonly<Record<string, Histogram>>,
): Uint8Array {
  const summary = new ProtoWriter();
  for (const [tag, h] of Object.entries(histograms)) {
    summary.bytes(1, new ProtoWriter().string(1, tag).bytes(5, encodeHistogram(h)).finish());
  }
  return new ProtoWriter().double(1, wallTimeS).tag(2, 0).varint(step).bytes(5, summary.finish()).finish();
}

/** Writes scalar curves to `<logDir>/events.out.tfevents.<seconds>.<host>.<pid>`, readable by TensorBoard. */
export class TensorBoardWriter {
  /** The events file. */
  readonly path: string;
  private readonly now: () => number;

  /**
   * Creates `logDir` and the events file with its file-version record.
   * @throws Error from the file system.
   */
  constructor(logDir: string, now: () => number = Date.now) {
    mkdirSync(logDir, { recursive: true });
    const wallTimeS = now() / 1000;
    const base = join(logDir, `events.out.tfevents.${Math.floor(wallTimeS)}.${hostname()}.${process.pid}`);
    // A second writer in the same second and process (a run resumed in-process) gets its own file.
    let path = base;
    for (let k = 1; existsSync(path); k++) path = `${base}.${k}`;
    this.path = path;
    writeFileSync(this.path, tfRecord(encodeEvent(wallTimeS, 0, 'brain.Event:2')));
    this.now = now;
  }

  /**
   * Appends one event with a scalar per finite value, tagged by name (dots become `/`, so
   * `evaluation.episodeReturnMean` groups under `evaluation`).
   * @throws RangeError when `step` is not a non-negative safe integer.
   */
  addScalars(step: number, values: Readonly<Record<string, number | string | boolean | null>>): void {
    if (!Number.isSafeInteger(step) || step < 0) {
      throw new RangeError(
        `TensorBoardWriter.addScalars: step (${String(step)}) must be a non-negative integer.`,
      );
    }
    const scalars: Record<string, number> = {};
    for (const [key, value] of Object.entries(values)) {
      if (typeof value === 'number' && Number.isFinite(value)) scalars[key.replaceAll('.', '/')] = value;
    }
    appendFileSync(this.path, tfRecord(encodeEvent(this.now() / 1000, step, scalars)));
  }

  /**
   * Appends one event with the histogram of each array (TensorBoard's Histograms and Distributions
   * tabs), tagged by name.
   * @throws RangeError when `step` is not a non-negative safe integer.
   */
  addHistograms(step: number, arrays: Readonly<Record<string, ArrayLike<number>>>): void {
    if (!Number.isSafeInteger(step) || step < 0) {
      throw new RangeError(
        `TensorBoardWriter.addHistograms: step (${String(step)}) must be a non-negative integer.`,
      );
    }
    const histograms: Record<string, Histogram> = {};
    for (const [tag, values] of Object.entries(arrays)) histograms[tag] = histogramOf(values);
    appendFileSync(this.path, tfRecord(encodeHistogramEvent(this.now() / 1000, step, histograms)));
  }
}
