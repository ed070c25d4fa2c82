/**
 * Reads TensorBoard event files back: the TFRecord framing (both masked CRC-32C checks) and the
 * `Event` protobuf fields {@link TensorBoardWriter} writes (wall_time, step, file_version, scalar and
 * histogram summaries). Other fields are skipped, so files written by TensorFlow parse too (their
 * other summaries, images or tensors, are ignored). The format's sources are listed in tensorboard-writer.ts.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Histogram, maskedCrc32c, tfRecord } from './tensorboard-writer.js';

/** One event read back. */
export interface TensorBoardEvent {
  readonly wallTimeS: number;
  readonly step: number;
  /** Set on the file's first event (`brain.Event:2`). */
  readonly fileVersion?: string;
  /** Scalar summaries by tag (`simple_value`). */
  readonly scalars: Readonly<Record<string, number>>;
  /** Histogram summaries by tag (`histo`), when the event has any. */
  readonly histograms?: Readonly<Record<string, Histogram>>;
}

/** A malformed event file: says where (byte offset) and what is wrong. */
export class TensorBoardFormatError extends Error {
  override readonly name = 'TensorBoardFormatError';
}

type Field = { field: number; wire: number; value: number | Uint8Array };

/** The fields of one protobuf message, in order. @throws TensorBoardFormatError on truncation. */
function readFields(bytes: Uint8Array, where: string): Field[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fields: Field[] = [];
  let i = 0;
  const need = (n: number) => {
    if (i + n > bytes.length) throw new TensorBoardFormatError(`${where}: protobuf message is truncated.`);
  };
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (;;) {
      need(1);
      const b = bytes[i++]!;
      result += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) return result;
    }
  };
  while (i < bytes.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) fields.push({ field, wire, value: varint() });
    else if (wire === 1) {
      need(8);
      fields.push({ field, wire, value: view.getFloat64(i, true) });
      i += 8;
    } else if (wire === 5) {
      need(4);
      fields.push({ field, wire, value: view.getFloat32(i, true) });
      i += 4;
    } else if (wire === 2) {
      const n = varint();
      need(n);
      fields.push({ field, wire, value: bytes.subarray(i, i + n) });
      i += n;
    } else {
      throw new TensorBoardFormatError(`${where}: unsupported protobuf wire type ${wire} (field ${field}).`);
    }
  }
  return fields;
}

/**
 * The payloads of the TFRecords in `bytes`.
 * @throws TensorBoardFormatError naming the byte offset on a truncated record or a CRC mismatch.
 */
export function readTfRecords(bytes: Uint8Array, source = 'events file'): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let i = 0;
  while (i < bytes.length) {
    if (i + 12 > bytes.length)
      throw new TensorBoardFormatError(`${source}@${i}: record header is truncated.`);
    const length = Number(view.getBigUint64(i, true));
    if (view.getUint32(i + 8, true) !== maskedCrc32c(bytes.subarray(i, i + 8)))
      throw new TensorBoardFormatError(`${source}@${i}: the length's CRC-32C does not match.`);
    if (i + 16 + length > bytes.length)
      throw new TensorBoardFormatError(`${source}@${i}: record of ${length} bytes is truncated.`);
    const data = bytes.subarray(i + 12, i + 12 + length);
    if (view.getUint32(i + 12 + length, true) !== maskedCrc32c(data))
      throw new TensorBoardFormatError(`${source}@${i}: the data's CRC-32C does not match.`);
    records.push(data);
    i += 16 + length;
  }
  return records;
}

/** Decodes one `Event` protobuf (see the module comment for the fields). */
export function decodeEvent(bytes: Uint8Array, where = 'event'): TensorBoardEvent {
  let wallTimeS = 0;
  let step = 0;
  let fileVersion: string | undefined;
  const scalars: Record<string, number> = {};
  const histograms: Record<string, Histogram> = {};
  const text = new TextDecoder();
  for (const { field, wire, value } of readFields(bytes, where)) {
    if (field === 1 && wire === 1) wallTimeS = value as number;
    else if (field === 2 && wire === 0) step = value as number;
    else if (field === 3 && wire === 2) fileVersion = text.decode(value as Uint8Array);
    else if (field === 5 && wire === 2) {
      for (const v of readFields(value as Uint8Array, where)) {
        if (v.field !== 1 || v.wire !== 2) continue;
        let tag: string | undefined;
        let simple: number | undefined;
        let histo: Histogram | undefined;
        for (const f of readFields(v.value as Uint8Array, where)) {
          if (f.field === 1 && f.wire === 2) tag = text.decode(f.value as Uint8Array);
          else if (f.field === 2 && f.wire === 5) simple = f.value as number;
          else if (f.field === 5 && f.wire === 2) histo = decodeHistogram(f.value as Uint8Array, where);
        }
        if (tag !== undefined && simple !== undefined) scalars[tag] = simple;
        if (tag !== undefined && histo !== undefined) histograms[tag] = histo;
      }
    }
  }
  return {
    wallTimeS,
    step,
    ...(fileVersion === undefined ? {} : { fileVersion }),
    scalars,
    ...(Object.keys(histograms).length === 0 ? {} : { histograms }),
  };
}

/** A `HistogramProto`; repeated doubles packed (as written) or not (as older writers may). */
function decodeHistogram(bytes: Uint8Array, where: string): Histogram {
  const h = {
    min: 0,
    max: 0,
    num: 0,
    sum: 0,
    sumSquares: 0,
    bucketLimit: [] as number[],
    bucket: [] as number[],
  };
  const scalarsByField = [undefined, 'min', 'max', 'num', 'sum', 'sumSquares'] as const;
  for (const { field, wire, value } of readFields(bytes, where)) {
    const name = wire === 1 ? scalarsByField[field] : undefined;
    if (name !== undefined) h[name] = value as number;
    else if (field === 6 || field === 7) {
      const into = field === 6 ? h.bucketLimit : h.bucket;
      if (wire === 1) into.push(value as number);
      else if (wire === 2) {
        const b = value as Uint8Array;
        if (b.length % 8 !== 0)
          throw new TensorBoardFormatError(
            `${where}: packed doubles of ${b.length} bytes (not a multiple of 8).`,
          );
        const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
        for (let i = 0; i < b.length; i += 8) into.push(view.getFloat64(i, true));
      }
    }
  }
  return h;
}

/**
 * Every event in the events file at `path`, in file order.
 * @throws TensorBoardFormatError on a malformed file; Error from the file system.
 */
export function readTensorBoardEvents(path: string): TensorBoardEvent[] {
  const records = readTfRecords(new Uint8Array(readFileSync(path)), path);
  return records.map((r, k) => decodeEvent(r, `${path} record ${k}`));
}

/** True for the names TensorBoard reads as event files. */
export function isEventsFileName(name: string): boolean {
  return name.startsWith('events.out.tfevents.');
}

/**
 * Makes the event files in `logDir` agree with a run's results: without `maxStep` (a fresh run in
 * an old directory) they are deleted; with it (a run resumed from a checkpoint) events of later
 * steps, written after that checkpoint by the run that went on, are dropped, so TensorBoard does
 * not show two curves over the same steps. A file that does not parse is left as it is.
 * @throws Error from the file system.
 */
export function pruneTensorBoardEvents(logDir: string, maxStep?: number): void {
  if (!existsSync(logDir)) return;
  for (const name of readdirSync(logDir).filter(isEventsFileName)) {
    const path = join(logDir, name);
    if (maxStep === undefined) {
      rmSync(path);
      continue;
    }
    let records: Uint8Array[];
    try {
      records = readTfRecords(new Uint8Array(readFileSync(path)), path);
    } catch {
      continue;
    }
    const kept = records.filter((r, k) => {
      const event = decodeEvent(r, `${path} record ${k}`);
      return event.fileVersion !== undefined || event.step <= maxStep;
    });
    if (kept.length === records.length) continue;
    writeFileSync(path, Buffer.concat(kept.map((r) => tfRecord(r))));
  }
}
