/**
 * Finds and reads checkpoints. A path may name a checkpoint directory, a run's `checkpoints/`
 * folder or the run directory itself (both mean the latest checkpoint), or end in `/latest`.
 */

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { NUMERIC_ARRAY_TYPES } from '../../core/typed-arrays.js';
import type { NamedWeight, NamedWeights } from '../models/named-weights.js';
import { CheckpointError } from './checkpoint-error.js';
import {
  type BlobDtype,
  type BlobEntry,
  BYTES_PER_ELEMENT,
  type CheckpointManifest,
  validateManifest,
} from './manifest.js';
import type { BlobArray, CheckpointBlob } from './save-checkpoint.js';

/** A checkpoint read back: the manifest's fields plus the arrays. */
export interface LoadedCheckpoint extends Omit<CheckpointManifest, 'blobs' | 'byteOrder'> {
  /** The checkpoint directory that was read. */
  readonly dir: string;
  readonly weights: NamedWeights;
  readonly optimizer: NamedWeights;
  readonly extraBlobs: readonly CheckpointBlob[];
}

/** Options of {@link loadCheckpoint}. */
export interface LoadCheckpointOptions {
  /** The algorithm the caller runs; a checkpoint of another one is an `incompatible` error. */
  readonly algorithm?: string;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Iterations of the complete checkpoints in `checkpointsDir` (those with a manifest), ascending. */
export function listCheckpoints(checkpointsDir: string): number[] {
  if (!isDirectory(checkpointsDir)) return [];
  return readdirSync(checkpointsDir)
    .filter((name) => /^\d+$/.test(name) && existsSync(join(checkpointsDir, name, 'manifest.json')))
    .map(Number)
    .sort((a, b) => a - b);
}

/**
 * The checkpoint directory `path` names: itself when it holds a `manifest.json`; else the latest
 * checkpoint in it, in its `checkpoints/` subfolder, or (for `<dir>/latest`) in `<dir>`.
 * @throws CheckpointError (`missing`) when there is none.
 */
export function resolveCheckpointDir(path: string): string {
  if (existsSync(join(path, 'manifest.json'))) return path;
  const latestIn = (folder: string): string | undefined => {
    const list = listCheckpoints(folder);
    const last = list[list.length - 1];
    return last === undefined ? undefined : join(folder, String(last));
  };
  const candidates = basename(path) === 'latest' && !existsSync(path) ? [dirname(path)] : [path];
  for (const folder of candidates) {
    const found = latestIn(folder) ?? latestIn(join(folder, 'checkpoints'));
    if (found !== undefined) return found;
  }
  if (!existsSync(candidates[0]!)) throw new CheckpointError('missing', path, 'no such file or directory.');
  throw new CheckpointError(
    'missing',
    path,
    'no manifest.json here and no checkpoint below it; give a checkpoint directory (checkpoints/<iteration>), a checkpoints/ folder or a run directory.',
  );
}

const ARRAY_TYPES: Readonly<
  Record<BlobDtype, new (buffer: ArrayBuffer, byteOffset?: number, length?: number) => BlobArray>
> = NUMERIC_ARRAY_TYPES;

/**
 * Reads and verifies a checkpoint (see {@link resolveCheckpointDir} for what `path` may be): every
 * blob's file, bounds and SHA-256 are checked. Arrays may be views into one buffer per file (no
 * copy); copy them (`.slice()`) to keep one without the rest of its file.
 * @throws CheckpointError: `missing` (nothing there), `corrupt` (bad JSON, missing file, truncated file,
 *   checksum mismatch, shape/size mismatch) or `incompatible` (other format version, other algorithm).
 */
export function loadCheckpoint(path: string, options: LoadCheckpointOptions = {}): LoadedCheckpoint {
  const dir = resolveCheckpointDir(path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  } catch (error) {
    throw new CheckpointError(
      'corrupt',
      dir,
      `manifest.json is not valid JSON (${(error as Error).message}).`,
    );
  }
  const manifest = validateManifest(parsed, dir);
  if (options.algorithm !== undefined && options.algorithm !== manifest.algorithm) {
    throw new CheckpointError(
      'incompatible',
      dir,
      `it was written by algorithm "${manifest.algorithm}", not "${options.algorithm}"; run with --algo ${manifest.algorithm}.`,
    );
  }
  const files = new Map<string, Buffer>();
  const readBlob = (entry: BlobEntry): BlobArray => {
    let file = files.get(entry.file);
    if (file === undefined) {
      try {
        file = readFileSync(join(dir, entry.file));
      } catch {
        throw new CheckpointError(
          'corrupt',
          dir,
          `${entry.file} is missing (needed by blob "${entry.name}").`,
        );
      }
      files.set(entry.file, file);
    }
    const end = entry.offset + entry.byteLength;
    if (end > file.byteLength) {
      throw new CheckpointError(
        'corrupt',
        dir,
        `${entry.file} is truncated: blob "${entry.name}" needs bytes ${entry.offset}..${end}, the file has ${file.byteLength}.`,
      );
    }
    const bytes = file.subarray(entry.offset, end);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== entry.sha256) {
      throw new CheckpointError(
        'corrupt',
        dir,
        `blob "${entry.name}" in ${entry.file} fails its SHA-256 check (the file is damaged or was changed).`,
      );
    }
    const Type = ARRAY_TYPES[entry.dtype];
    const absolute = bytes.byteOffset;
    // Large files get their own ArrayBuffer, and blobs sit at 8-byte offsets: view them in place
    // (no copy of a big replay buffer). Small files may sit unaligned in Node's pool: copy those.
    if (absolute % BYTES_PER_ELEMENT[entry.dtype] === 0) {
      return new Type(
        bytes.buffer as ArrayBuffer,
        absolute,
        entry.byteLength / BYTES_PER_ELEMENT[entry.dtype],
      );
    }
    const copy = new ArrayBuffer(entry.byteLength);
    new Uint8Array(copy).set(bytes);
    return new Type(copy);
  };
  const weights: NamedWeight[] = [];
  const optimizer: NamedWeight[] = [];
  const extraBlobs: CheckpointBlob[] = [];
  for (const entry of manifest.blobs) {
    const data = readBlob(entry);
    if (entry.group === 'extra') {
      extraBlobs.push({ name: entry.name, shape: entry.shape, data });
    } else if (data instanceof Float32Array) {
      (entry.group === 'weights' ? weights : optimizer).push({ name: entry.name, shape: entry.shape, data });
    } else {
      throw new CheckpointError(
        'corrupt',
        dir,
        `${entry.group} blob "${entry.name}" has dtype ${entry.dtype}, expected float32.`,
      );
    }
  }
  const { blobs: _blobs, byteOrder: _byteOrder, ...rest } = manifest;
  return { ...rest, dir, weights, optimizer, extraBlobs };
}
