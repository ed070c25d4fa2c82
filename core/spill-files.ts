/**
 * Objects spilled to disk by the object store: one file per object (msgpack bytes, then each frame
 * at an 8-byte aligned offset so typed arrays read back as views), in a folder made on first use and
 * removed at shutdown or process exit.
 */
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EncodedValue } from './codec.js';

interface SpillRecord {
  readonly file: string;
  readonly dataBytes: number;
  readonly frameBytes: readonly number[];
  readonly deps: readonly number[];
  readonly refs: readonly number[];
  readonly sizeBytes: number;
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;
const liveFolders = new Set<string>();
let exitHookSet = false;

/** See the module comment. */
export class SpillFiles {
  private folder: string | undefined;
  private readonly records = new Map<number, SpillRecord>();
  writtenBytes = 0;
  readBytes = 0;

  constructor(readonly directory: string) {}

  get count(): number {
    return this.records.size;
  }

  private dir(): string {
    if (this.folder === undefined) {
      this.folder = mkdtempSync(join(this.directory, `tsrl-spill-${process.pid}-`));
      liveFolders.add(this.folder);
      if (!exitHookSet) {
        exitHookSet = true;
        process.once('exit', () => {
          for (const f of liveFolders) rmSync(f, { recursive: true, force: true });
        });
      }
    }
    return this.folder;
  }

  /** Writes one object. @throws Error when the disk refuses */
  write(id: number, value: EncodedValue): void {
    const offsets: number[] = [];
    let end = value.data.byteLength;
    for (const f of value.frames) {
      const at = align8(end);
      offsets.push(at);
      end = at + f.byteLength;
    }
    const buf = Buffer.alloc(end);
    buf.set(value.data, 0);
    for (let i = 0; i < value.frames.length; i++) {
      buf.set(value.frames[i] as Uint8Array, offsets[i] as number);
    }
    const file = join(this.dir(), String(id));
    writeFileSync(file, buf);
    this.writtenBytes += end;
    this.records.set(id, {
      file,
      dataBytes: value.data.byteLength,
      frameBytes: value.frames.map((f) => f.byteLength),
      deps: value.deps,
      refs: value.refs,
      sizeBytes: value.sizeBytes,
    });
  }

  /** Reads one object back and deletes its file. */
  read(id: number): EncodedValue {
    const r = this.records.get(id);
    if (r === undefined) throw new Error(`internal: object ${id} was not spilled`);
    const buf = readFileSync(r.file);
    this.readBytes += buf.byteLength;
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    const frames: Uint8Array[] = [];
    let end = r.dataBytes;
    for (const n of r.frameBytes) {
      const at = align8(end);
      frames.push(bytes.subarray(at, at + n));
      end = at + n;
    }
    this.remove(id);
    return {
      data: bytes.subarray(0, r.dataBytes),
      frames,
      deps: r.deps,
      refs: r.refs,
      sizeBytes: r.sizeBytes,
    };
  }

  /** The refs inside a spilled object (to release them when it is freed on disk). */
  refsOf(id: number): readonly number[] {
    return this.records.get(id)?.refs ?? [];
  }

  /** Deletes one object's file. */
  remove(id: number): void {
    const r = this.records.get(id);
    if (r === undefined) return;
    this.records.delete(id);
    try {
      unlinkSync(r.file);
    } catch {
      // Already gone (the folder was removed at shutdown).
    }
  }

  /** Removes the folder and everything in it. */
  close(): void {
    if (this.folder === undefined) return;
    rmSync(this.folder, { recursive: true, force: true });
    liveFolders.delete(this.folder);
    this.folder = undefined;
    this.records.clear();
  }
}
