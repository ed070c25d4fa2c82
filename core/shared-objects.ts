/**
 * Large objects shared by the processes of one node through files in a session folder under
 * /dev/shm (memory, not disk): an object whose frames hold at least {@link SHARED_MIN_BYTES} is written
 * once, by the process that made it (a `put`, task arguments, a task's or actor method's result), and
 * every process that needs it reads the file itself; messages carry the file's name instead of the
 * bytes, so one 100 MB object read by 8 tasks crosses no socket.
 *
 * Every reader reads its own copy (Node has no mmap, and a typed array cannot be made read-only, so a
 * view shared by two tasks would let one change the other's argument). Measured on the shared 2-core
 * VM, 100 MB into fresh memory: read from /dev/shm 1.0-1.6 s, copied from a buffer already in the
 * process 0.8-1.2 s (page faults dominate both); with huge pages (workers start with them, see
 * worker-pool.ts) 31-43 ms and 14-150 ms. A per-worker cache of objects would save nothing and is not
 * kept.
 *
 * The folder is made by the node (`tsrl-shm-<pid>-*`); the node's store owns every file in it and
 * deletes a file when its object is freed; the folder goes at shutdown, at the driver's exit, and is
 * removed by a worker's watchdog when the driver was killed.
 */
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EncodedValue } from './codec.js';

/** Objects whose frames hold at least this many bytes go through a shared file. */
export const SHARED_MIN_BYTES = 1 << 20;

/** Where an object's frames live: a file in the node's shared folder, frames 8-byte aligned. */
export interface SharedLocation {
  readonly name: string;
  readonly frameBytes: readonly number[];
}

/** File names are made here; a name from a message must look like one (no path can escape the folder). */
const NAME_PATTERN = /^[0-9a-z][0-9a-z.-]*$/;

/** True when `name` could be a shared file's name. */
export function isSharedName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= 64 && NAME_PATTERN.test(name);
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

let directory: string | undefined;
let ownsDirectory = false;
let nextFile = 1;
let exitHookSet = false;
/** Bytes written to and read from shared files by this process (for tests and benchmarks). */
let writtenBytes = 0;
let readBytes = 0;

/** The default parent folder: /dev/shm where it exists (Linux), else the temp folder. */
export function defaultSharedParent(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

/** Makes this process's session folder (the node) inside `parent`. @returns its path */
export function createSharedDirectory(parent: string): string {
  const dir = mkdtempSync(join(parent, `tsrl-shm-${process.pid}-`));
  directory = dir;
  ownsDirectory = true;
  if (!exitHookSet) {
    exitHookSet = true;
    process.once('exit', () => {
      if (ownsDirectory && directory !== undefined) rmSync(directory, { recursive: true, force: true });
    });
  }
  return dir;
}

/** Uses the node's folder (a worker); `undefined`: objects travel inline. */
export function useSharedDirectory(dir: string | undefined): void {
  directory = dir;
  ownsDirectory = false;
}

/** The session folder, if objects are shared in this process. */
export function sharedDirectory(): string | undefined {
  return directory;
}

/** Removes the session folder and everything in it (the node, at shutdown). */
export function removeSharedDirectory(): void {
  if (directory !== undefined && ownsDirectory) {
    rmSync(directory, { recursive: true, force: true, maxRetries: 3 });
  }
  directory = undefined;
  ownsDirectory = false;
}

/** Numbers for tests and benchmarks. */
export function sharedFileStats(): { readonly writtenBytes: number; readonly readBytes: number } {
  return { writtenBytes, readBytes };
}

function frameTotal(value: EncodedValue): number {
  let n = 0;
  for (const f of value.frames) n += f.byteLength;
  return n;
}

/**
 * Makes `value` independent of the caller's arrays: large frames are written once to a shared file
 * (the value then carries its location), small ones are copied when `copy` is set. A failed write
 * (folder full or gone) falls back to the copy.
 */
export function sealValue(value: EncodedValue, copy: boolean): EncodedValue {
  if (directory !== undefined && value.shared === undefined && frameTotal(value) >= SHARED_MIN_BYTES) {
    const shared = writeShared(directory, value);
    if (shared !== undefined) return shared;
  }
  if (!copy || value.frames.length === 0) return value;
  return { ...value, frames: value.frames.map((f) => f.slice()) };
}

function writeShared(dir: string, value: EncodedValue): EncodedValue | undefined {
  const name = `${process.pid.toString(36)}-${(nextFile++).toString(36)}`;
  const path = join(dir, name);
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch {
    return undefined;
  }
  let written = false;
  try {
    let at = 0;
    for (const f of value.frames) {
      const start = align8(at);
      let done = 0;
      while (done < f.byteLength) done += writeSync(fd, f, done, f.byteLength - done, start + done);
      at = start + f.byteLength;
    }
    written = true;
  } catch {
    // The folder is full or gone: the value travels inline.
  } finally {
    closeSync(fd);
  }
  if (!written) {
    rmSync(path, { force: true });
    return undefined;
  }
  writtenBytes += value.sizeBytes - value.data.byteLength;
  const shared: SharedLocation = { name, frameBytes: value.frames.map((f) => f.byteLength) };
  return {
    data: value.data,
    frames: [],
    deps: value.deps,
    refs: value.refs,
    sizeBytes: value.sizeBytes,
    shared,
  };
}

/**
 * The frames of a value: its own, or a fresh private copy read from its shared file.
 * @throws Error when the file is gone (the object was freed)
 */
export function framesOf(value: EncodedValue): {
  readonly frames: readonly Uint8Array[];
  readonly fresh: boolean;
} {
  const loc = value.shared;
  if (loc === undefined) return { frames: value.frames, fresh: false };
  if (directory === undefined)
    throw new Error(`shared object ${loc.name}: this process has no shared folder`);
  let total = 0;
  for (const n of loc.frameBytes) total = align8(total) + n;
  // Not zero-filled: the read overwrites every byte (a zero fill would touch fresh pages twice).
  const buf = Buffer.allocUnsafeSlow(total);
  const fd = openSync(join(directory, loc.name), 'r');
  try {
    let done = 0;
    while (done < total) {
      const n = readSync(fd, buf, done, total - done, done);
      if (n === 0) throw new Error(`shared object ${loc.name} is truncated (${done} of ${total} bytes)`);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  readBytes += total;
  const frames: Uint8Array[] = [];
  let at = 0;
  for (const n of loc.frameBytes) {
    const start = align8(at);
    frames.push(buf.subarray(start, start + n));
    at = start + n;
  }
  return { frames, fresh: true };
}

/** The value with its frames in memory (for spilling a shared object to disk). */
export function materialize(value: EncodedValue): EncodedValue {
  if (value.shared === undefined) return value;
  const { frames } = framesOf(value);
  return { data: value.data, frames, deps: value.deps, refs: value.refs, sizeBytes: value.sizeBytes };
}

/** Deletes a value's shared file, if it has one (its object was freed or refused). */
export function removeShared(value: EncodedValue): void {
  if (value.shared === undefined || directory === undefined) return;
  try {
    unlinkSync(join(directory, value.shared.name));
  } catch {
    // Already gone (the folder was removed at shutdown).
  }
}
