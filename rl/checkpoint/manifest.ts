/**
 * The checkpoint manifest (`manifest.json`) and its validation. A checkpoint is a directory:
 *
 * ```
 * <runDir>/checkpoints/<iteration>/
 *   manifest.json    format version, tsrl version, algorithm, config, spaces, counters, RNG and
 *                    observation-filter state, other JSON state, and the list of blobs
 *   weights.bin      the policy weights (float32, little-endian), blobs back to back
 *   optimizer.bin    the optimiser state
 *   extra.bin        other arrays (a replay buffer), when there are any
 * ```
 *
 * Any tsrl version that reads {@link CHECKPOINT_FORMAT_VERSION} loads it: a change to this layout
 * that an older reader would misread must bump the version.
 */
import type { SpaceJson } from '../../envs/spaces/space.js';
import { CheckpointError } from './checkpoint-error.js';

/** The format written and read by this version. */
export const CHECKPOINT_FORMAT_VERSION = 1;

/** The dtypes a blob may hold. */
export const BLOB_DTYPES = [
  'float32',
  'float64',
  'int8',
  'int16',
  'int32',
  'uint8',
  'uint16',
  'uint32',
] as const;

/** One of {@link BLOB_DTYPES}. */
export type BlobDtype = (typeof BLOB_DTYPES)[number];

/** Which file a blob lives in. */
export type BlobGroup = 'weights' | 'optimizer' | 'extra';

/** One binary array, as listed in the manifest. */
export interface BlobEntry {
  readonly name: string;
  readonly group: BlobGroup;
  /** File name inside the checkpoint directory, e.g. `weights.bin`. */
  readonly file: string;
  /** Byte offset in `file` (a multiple of 8). */
  readonly offset: number;
  readonly dtype: BlobDtype;
  readonly shape: readonly number[];
  readonly byteLength: number;
  /** Hex SHA-256 of the blob's bytes. */
  readonly sha256: string;
}

/** Lifetime counters of the run at the checkpoint. */
export interface CheckpointCounters {
  readonly iteration: number;
  readonly envSteps: number;
  readonly episodes: number;
  readonly timeMs: number;
}

/** The observation and action spaces of one env. */
export interface CheckpointSpaces {
  readonly observation: SpaceJson;
  readonly action: SpaceJson;
}

/** The parsed `manifest.json`. */
export interface CheckpointManifest {
  readonly formatVersion: number;
  /** The tsrl version that wrote it (informational: compatibility goes by formatVersion). */
  readonly tsrlVersion: string;
  /** ISO 8601 time of writing. */
  readonly createdAt: string;
  readonly algorithm: string;
  /** The resolved config of the run. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly spaces: CheckpointSpaces;
  readonly counters: CheckpointCounters;
  /** RNG states by owner, e.g. `{ driver: {...}, runner0: {...} }`. */
  readonly rngStates: Readonly<Record<string, unknown>>;
  /** Observation filter state (running mean/std), or null when there is none. */
  readonly observationFilter: unknown;
  /** Other JSON state (episode window, learner extras, schedules). */
  readonly state: Readonly<Record<string, unknown>>;
  /** Byte order of every blob; always `little`. */
  readonly byteOrder: 'little';
  readonly blobs: readonly BlobEntry[];
}

/** Bytes per element of each dtype. */
export const BYTES_PER_ELEMENT: Readonly<Record<BlobDtype, number>> = {
  float32: 4,
  float64: 8,
  int8: 1,
  int16: 2,
  int32: 4,
  uint8: 1,
  uint16: 2,
  uint32: 4,
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates a parsed `manifest.json`: the format version first (so a newer format gives the
 * "incompatible" error, not a field error), then every field.
 * @throws CheckpointError (`incompatible` for another format version, `corrupt` for a bad field).
 */
export function validateManifest(value: unknown, dir: string): CheckpointManifest {
  const corrupt = (field: string, got: unknown, expected: string): never => {
    throw new CheckpointError(
      'corrupt',
      dir,
      `manifest.json field ${field} (${JSON.stringify(got) ?? String(got)}) must be ${expected}.`,
    );
  };
  if (!isRecord(value)) return corrupt('<root>', value, 'an object');
  const version = value['formatVersion'];
  if (version !== CHECKPOINT_FORMAT_VERSION) {
    if (typeof version === 'number') {
      throw new CheckpointError(
        'incompatible',
        dir,
        `format version ${version} is not supported; this tsrl reads format ${CHECKPOINT_FORMAT_VERSION} ` +
          `(written by tsrl ${String(value['tsrlVersion'])}; use a tsrl release that reads format ${version}).`,
      );
    }
    return corrupt('formatVersion', version, `the number ${CHECKPOINT_FORMAT_VERSION}`);
  }
  const str = (field: string): string => {
    const v = value[field];
    return typeof v === 'string' && v.length > 0 ? v : corrupt(field, v, 'a non-empty string');
  };
  const rec = (field: string, v: unknown = value[field]): Record<string, unknown> =>
    isRecord(v) ? v : corrupt(field, v, 'an object');
  const count = (field: string, v: unknown): number =>
    typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : corrupt(field, v, 'a number >= 0');
  const tsrlVersion = str('tsrlVersion');
  const createdAt = str('createdAt');
  const algorithm = str('algorithm');
  const config = rec('config');
  const spaces = rec('spaces');
  const counters = rec('counters');
  if (value['byteOrder'] !== 'little') corrupt('byteOrder', value['byteOrder'], '"little"');
  const blobsValue = value['blobs'];
  if (!Array.isArray(blobsValue)) return corrupt('blobs', blobsValue, 'an array');
  const blobs = blobsValue.map((b: unknown, i): BlobEntry => {
    const at = `blobs[${i}]`;
    const entry = rec(at, b);
    const name = entry['name'];
    if (typeof name !== 'string') return corrupt(`${at}.name`, name, 'a string');
    const group = entry['group'];
    if (group !== 'weights' && group !== 'optimizer' && group !== 'extra') {
      return corrupt(`${at}.group`, group, 'one of "weights", "optimizer", "extra"');
    }
    const file = entry['file'];
    if (typeof file !== 'string' || !/^[a-z0-9_-]+\.bin$/i.test(file)) {
      return corrupt(`${at}.file`, file, 'a plain file name ending in .bin');
    }
    const dtype = entry['dtype'];
    if (typeof dtype !== 'string' || !(BLOB_DTYPES as readonly string[]).includes(dtype)) {
      return corrupt(`${at}.dtype`, dtype, `one of ${BLOB_DTYPES.join(', ')}`);
    }
    const shape = entry['shape'];
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      return corrupt(`${at}.shape`, shape, 'an array of non-negative integers');
    }
    const byteLength = count(`${at}.byteLength`, entry['byteLength']);
    const offset = count(`${at}.offset`, entry['offset']);
    const elements = (shape as number[]).reduce((a, d) => a * d, 1);
    const expectedBytes = elements * BYTES_PER_ELEMENT[dtype as BlobDtype];
    if (byteLength !== expectedBytes) {
      throw new CheckpointError(
        'corrupt',
        dir,
        `blob "${name}" has byteLength ${byteLength}, but shape [${shape.join(', ')}] of ${dtype} needs ${expectedBytes}.`,
      );
    }
    const sha256 = entry['sha256'];
    if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) {
      return corrupt(`${at}.sha256`, sha256, 'a 64-digit hex SHA-256');
    }
    return {
      name,
      group,
      file,
      offset,
      dtype: dtype as BlobDtype,
      shape: shape as number[],
      byteLength,
      sha256,
    };
  });
  const rngStates = rec('rngStates');
  const state = rec('state');
  if (!('observationFilter' in value))
    corrupt('observationFilter', undefined, 'present (null when there is none)');
  return {
    formatVersion: version,
    tsrlVersion,
    createdAt,
    algorithm,
    config,
    spaces: {
      observation: rec('spaces.observation', spaces['observation']) as unknown as SpaceJson,
      action: rec('spaces.action', spaces['action']) as unknown as SpaceJson,
    },
    counters: {
      iteration: count('counters.iteration', counters['iteration']),
      envSteps: count('counters.envSteps', counters['envSteps']),
      episodes: count('counters.episodes', counters['episodes']),
      timeMs: count('counters.timeMs', counters['timeMs']),
    },
    rngStates,
    observationFilter: value['observationFilter'],
    state,
    byteOrder: 'little',
    blobs,
  };
}
