/**
 * Writes a checkpoint atomically: everything goes into a temporary directory beside the target,
 * each file is fsynced, then the directory is renamed into place (and the parent fsynced), so a
 * crash leaves either the old state or the complete new checkpoint, never half of one.
 */

import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { type NumericArray, numericDtypeOf } from '../../core/typed-arrays.js';
import type { NamedWeights } from '../models/named-weights.js';
import { TSRL_VERSION } from '../version.js';
import { CheckpointError } from './checkpoint-error.js';
import {
  type BlobDtype,
  type BlobEntry,
  type BlobGroup,
  CHECKPOINT_FORMAT_VERSION,
  type CheckpointCounters,
  type CheckpointManifest,
  type CheckpointSpaces,
} from './manifest.js';

/** The typed arrays a blob may hold. */
export type BlobArray = NumericArray;

/** One named array of any blob dtype (replay-buffer columns and the like). */
export interface CheckpointBlob {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: BlobArray;
}

/** What a checkpoint holds. JSON fields must be plain JSON data (typed arrays go in blobs). */
export interface CheckpointPayload {
  /** Algorithm name, e.g. `ppo`; loading checks it. */
  readonly algorithm: string;
  /** The resolved config. */
  readonly config: unknown;
  readonly spaces: CheckpointSpaces;
  readonly counters: CheckpointCounters;
  /** RNG states by owner. @default {} */
  readonly rngStates?: Readonly<Record<string, unknown>>;
  /** Observation filter state. @default null */
  readonly observationFilter?: unknown;
  /** Other JSON state (episode window, learner extras). @default {} */
  readonly state?: Readonly<Record<string, unknown>>;
  /** Policy weights (backend-independent). */
  readonly weights: NamedWeights;
  /** Optimiser state. @default [] */
  readonly optimizer?: NamedWeights;
  /** Other arrays, e.g. a replay buffer. @default [] */
  readonly extraBlobs?: readonly CheckpointBlob[];
}

const GROUP_FILES: Readonly<Record<BlobGroup, string>> = {
  weights: 'weights.bin',
  optimizer: 'optimizer.bin',
  extra: 'extra.bin',
};

/** The dtype name of a typed array. */
export function dtypeOfArray(data: BlobArray): BlobDtype {
  return numericDtypeOf(data) ?? 'uint32';
}

/** Throws unless `value` is plain JSON data that survives `JSON.stringify` unchanged. */
function assertJson(value: unknown, field: string): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`saveCheckpoint: ${field} (${value}) must be finite.`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      assertJson(v, `${field}[${i}]`);
    });
    return;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      const what = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      throw new TypeError(
        `saveCheckpoint: ${field} is a ${what}, not plain JSON data; put arrays in extraBlobs and state objects as plain data.`,
      );
    }
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) assertJson(v, `${field}.${k}`);
    }
    return;
  }
  throw new TypeError(`saveCheckpoint: ${field} (${typeof value}) is not JSON data.`);
}

function writeFileSynced(path: string, chunks: readonly Uint8Array[]): void {
  const fd = openSync(path, 'w');
  try {
    for (const chunk of chunks) {
      let written = 0;
      while (written < chunk.byteLength) written += writeSync(fd, chunk, written);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDir(path: string): void {
  // Directory fsync makes the rename durable; some file systems refuse it, which is not an error.
  try {
    const fd = openSync(path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not supported here.
  }
}

/** Where the checkpoints of a run live: `<runDir>/checkpoints`. */
export function checkpointsDirOf(runDir: string): string {
  return join(runDir, 'checkpoints');
}

/**
 * Writes `payload` to `<checkpointsDir>/<iteration>/` atomically (replacing a checkpoint of the same
 * iteration) and returns that directory.
 * @throws TypeError when a JSON field holds non-JSON data or a blob's shape does not match its data.
 * @throws CheckpointError on a big-endian machine (the format is little-endian).
 * @throws Error from the file system.
 */
export function saveCheckpoint(checkpointsDir: string, payload: CheckpointPayload): string {
  if (endianness() !== 'LE') {
    throw new CheckpointError('incompatible', checkpointsDir, 'writing needs a little-endian machine.');
  }
  const { iteration } = payload.counters;
  if (!Number.isInteger(iteration) || iteration < 0) {
    throw new TypeError(`saveCheckpoint: counters.iteration (${String(iteration)}) must be an integer >= 0.`);
  }
  for (const field of ['config', 'spaces', 'counters', 'rngStates', 'observationFilter', 'state'] as const) {
    assertJson(payload[field] ?? null, field);
  }
  const groups: [BlobGroup, readonly CheckpointBlob[]][] = [
    ['weights', payload.weights],
    ['optimizer', payload.optimizer ?? []],
    ['extra', payload.extraBlobs ?? []],
  ];
  const blobs: BlobEntry[] = [];
  const files: [string, Uint8Array[]][] = [];
  for (const [group, list] of groups) {
    if (list.length === 0) continue;
    const file = GROUP_FILES[group];
    const chunks: Uint8Array[] = [];
    let offset = 0;
    for (const blob of list) {
      const elements = blob.shape.reduce((a, d) => a * d, 1);
      if (elements !== blob.data.length) {
        throw new TypeError(
          `saveCheckpoint: ${group} blob "${blob.name}" has ${blob.data.length} values, but shape [${blob.shape.join(', ')}] needs ${elements}.`,
        );
      }
      const bytes = new Uint8Array(blob.data.buffer, blob.data.byteOffset, blob.data.byteLength);
      // 8-byte alignment lets a reader view any dtype in place.
      const pad = (8 - (offset % 8)) % 8;
      if (pad > 0) chunks.push(new Uint8Array(pad));
      offset += pad;
      chunks.push(bytes);
      blobs.push({
        name: blob.name,
        group,
        file,
        offset,
        dtype: dtypeOfArray(blob.data),
        shape: [...blob.shape],
        byteLength: bytes.byteLength,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      });
      offset += bytes.byteLength;
    }
    files.push([file, chunks]);
  }
  const manifest: CheckpointManifest = {
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    tsrlVersion: TSRL_VERSION,
    createdAt: new Date().toISOString(),
    algorithm: payload.algorithm,
    config: payload.config as Record<string, unknown>,
    spaces: payload.spaces,
    counters: payload.counters,
    rngStates: payload.rngStates ?? {},
    observationFilter: payload.observationFilter ?? null,
    state: payload.state ?? {},
    byteOrder: 'little',
    blobs,
  };

  mkdirSync(checkpointsDir, { recursive: true });
  const finalDir = join(checkpointsDir, String(iteration));
  const tmpDir = join(checkpointsDir, `.tmp-${iteration}-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(tmpDir);
  try {
    for (const [file, chunks] of files) writeFileSynced(join(tmpDir, file), chunks);
    // The manifest goes last: a directory without one is never mistaken for a checkpoint.
    writeFileSynced(join(tmpDir, 'manifest.json'), [Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)]);
    fsyncDir(tmpDir);
    if (existsSync(finalDir)) {
      const oldDir = `${tmpDir}-old`;
      renameSync(finalDir, oldDir);
      renameSync(tmpDir, finalDir);
      rmSync(oldDir, { recursive: true, force: true });
    } else {
      renameSync(tmpDir, finalDir);
    }
    fsyncDir(checkpointsDir);
  } catch (error) {
    rmSync(tmpDir, { recursive: true, force: true });
    throw error;
  }
  return finalDir;
}
