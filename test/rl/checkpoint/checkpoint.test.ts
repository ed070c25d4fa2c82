import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointError } from '../../../rl/checkpoint/checkpoint-error.js';
import {
  listCheckpoints,
  loadCheckpoint,
  resolveCheckpointDir,
} from '../../../rl/checkpoint/load-checkpoint.js';
import { pruneCheckpoints } from '../../../rl/checkpoint/prune-checkpoints.js';
import {
  type CheckpointPayload,
  checkpointsDirOf,
  saveCheckpoint,
} from '../../../rl/checkpoint/save-checkpoint.js';
import { TSRL_VERSION } from '../../../rl/version.js';

const root = mkdtempSync(join(tmpdir(), 'tsrl-checkpoint-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let runCount = 0;

function payload(iteration = 3): CheckpointPayload {
  return {
    algorithm: 'ppo',
    config: { algo: 'ppo', seed: 1, model: { hiddenSizes: [2] } },
    spaces: {
      observation: { type: 'Box', shape: [2], dtype: 'float32', low: [null, -1], high: [null, 1] },
      action: { type: 'Discrete', n: 2, start: 0 },
    },
    counters: { iteration, envSteps: iteration * 512, episodes: 7, timeMs: 1234.5 },
    rngStates: { driver: { algorithm: 'sfc32', words: [1, 2, 3, 4] } },
    observationFilter: { count: 3, mean: [0.5, -0.5], m2: [1, 2] },
    state: { episodeStats: { windowEpisodes: 2, episodes: 7, returns: [10, 20], lengths: [10, 20] } },
    weights: [
      { name: 'pi/dense0/kernel', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
      { name: 'pi/dense0/bias', shape: [3], data: Float32Array.from([0.5, -0.5, 0.25]) },
      { name: 'scalar', shape: [], data: Float32Array.from([Math.PI]) },
    ],
    optimizer: [{ name: 'm/pi/dense0/bias', shape: [3], data: Float32Array.from([1e-3, 2e-3, 3e-3]) }],
    extraBlobs: [
      { name: 'buffer/actions', shape: [5], data: Int32Array.from([0, 1, 1, 0, 1]) },
      { name: 'buffer/terminated', shape: [5], data: Uint8Array.from([0, 0, 1, 0, 0]) },
      { name: 'buffer/rewards', shape: [5], data: Float64Array.from([1, 1, 1, 0.5, 1]) },
    ],
  };
}

function newRun(): string {
  runCount++;
  return join(root, `run${runCount}`);
}

function errorOf(fn: () => unknown): CheckpointError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CheckpointError);
    return error as CheckpointError;
  }
  throw new Error('expected a CheckpointError');
}

function editManifest(dir: string, edit: (m: Record<string, unknown>) => void): void {
  const path = join(dir, 'manifest.json');
  const m = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  edit(m);
  writeFileSync(path, JSON.stringify(m));
}

describe('saveCheckpoint / loadCheckpoint', () => {
  it('round-trips every field and array bit-exactly', () => {
    const dir = saveCheckpoint(checkpointsDirOf(newRun()), payload());
    expect(dir.endsWith(join('checkpoints', '3'))).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['extra.bin', 'manifest.json', 'optimizer.bin', 'weights.bin']);
    const loaded = loadCheckpoint(dir, { algorithm: 'ppo' });
    const p = payload();
    expect(loaded.dir).toBe(dir);
    expect(loaded.formatVersion).toBe(1);
    expect(loaded.tsrlVersion).toBe(TSRL_VERSION);
    expect(loaded.algorithm).toBe('ppo');
    expect(loaded.config).toEqual(p.config);
    expect(loaded.spaces).toEqual(p.spaces);
    expect(loaded.counters).toEqual(p.counters);
    expect(loaded.rngStates).toEqual(p.rngStates);
    expect(loaded.observationFilter).toEqual(p.observationFilter);
    expect(loaded.state).toEqual(p.state);
    expect(loaded.weights).toEqual(p.weights);
    expect(loaded.weights[2]!.data[0]).toBe(Math.fround(Math.PI));
    expect(loaded.optimizer).toEqual(p.optimizer);
    expect(loaded.extraBlobs).toEqual(p.extraBlobs);
    expect(loaded.extraBlobs[0]!.data).toBeInstanceOf(Int32Array);
    expect(loaded.extraBlobs[2]!.data).toBeInstanceOf(Float64Array);
  });

  it('lists blobs with dtype, shape, 8-byte aligned offsets, byteLength and sha256', () => {
    const dir = saveCheckpoint(checkpointsDirOf(newRun()), payload());
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
      blobs: {
        name: string;
        file: string;
        offset: number;
        dtype: string;
        shape: number[];
        byteLength: number;
        sha256: string;
      }[];
    };
    const byName = new Map(manifest.blobs.map((b) => [b.name, b]));
    expect(byName.get('pi/dense0/kernel')).toMatchObject({
      file: 'weights.bin',
      offset: 0,
      dtype: 'float32',
      byteLength: 24,
    });
    // 24 bytes, then 12 bytes of bias at offset 24, then the scalar at 40 (36 padded to 8).
    expect(byName.get('pi/dense0/bias')!.offset).toBe(24);
    expect(byName.get('scalar')!.offset).toBe(40);
    expect(byName.get('buffer/terminated')).toMatchObject({ dtype: 'uint8', offset: 24, byteLength: 5 });
    const bias = Float32Array.from([0.5, -0.5, 0.25]);
    expect(byName.get('pi/dense0/bias')!.sha256).toBe(
      createHash('sha256').update(new Uint8Array(bias.buffer)).digest('hex'),
    );
  });

  it('replaces a checkpoint of the same iteration and leaves no temporary directories', () => {
    const checkpoints = checkpointsDirOf(newRun());
    saveCheckpoint(checkpoints, payload(5));
    const second = { ...payload(5), counters: { iteration: 5, envSteps: 1, episodes: 1, timeMs: 1 } };
    saveCheckpoint(checkpoints, second);
    expect(readdirSync(checkpoints)).toEqual(['5']);
    expect(loadCheckpoint(join(checkpoints, '5')).counters.envSteps).toBe(1);
  });

  it('rejects non-JSON state and mismatched blob shapes before writing anything', () => {
    const checkpoints = checkpointsDirOf(newRun());
    expect(() =>
      saveCheckpoint(checkpoints, { ...payload(), state: { buffer: new Float32Array(2) } }),
    ).toThrow(
      'saveCheckpoint: state.buffer is a Float32Array, not plain JSON data; put arrays in extraBlobs and state objects as plain data.',
    );
    expect(() => saveCheckpoint(checkpoints, { ...payload(), rngStates: { a: Number.NaN } })).toThrow(
      'saveCheckpoint: rngStates.a (NaN) must be finite.',
    );
    expect(() =>
      saveCheckpoint(checkpoints, {
        ...payload(),
        weights: [{ name: 'w', shape: [2, 2], data: new Float32Array(3) }],
      }),
    ).toThrow('saveCheckpoint: weights blob "w" has 3 values, but shape [2, 2] needs 4.');
    expect(listCheckpoints(checkpoints)).toEqual([]);
  });
});

describe('finding checkpoints', () => {
  const run = newRun();
  const checkpoints = checkpointsDirOf(run);
  saveCheckpoint(checkpoints, payload(2));
  saveCheckpoint(checkpoints, payload(10));
  saveCheckpoint(checkpoints, payload(9));
  // An interrupted write: a directory without a manifest is skipped.
  mkdirSync(join(checkpoints, '11'));

  it('accepts a checkpoint dir, the checkpoints folder, the run dir and .../latest', () => {
    expect(listCheckpoints(checkpoints)).toEqual([2, 9, 10]);
    expect(resolveCheckpointDir(join(checkpoints, '9'))).toBe(join(checkpoints, '9'));
    expect(resolveCheckpointDir(checkpoints)).toBe(join(checkpoints, '10'));
    expect(resolveCheckpointDir(run)).toBe(join(checkpoints, '10'));
    expect(resolveCheckpointDir(join(checkpoints, 'latest'))).toBe(join(checkpoints, '10'));
    expect(resolveCheckpointDir(join(run, 'latest'))).toBe(join(checkpoints, '10'));
    expect(loadCheckpoint(run).counters.iteration).toBe(10);
  });

  it('says when there is nothing to load', () => {
    const missing = errorOf(() => loadCheckpoint(join(root, 'nope')));
    expect(missing.kind).toBe('missing');
    expect(missing.message).toBe(`checkpoint ${join(root, 'nope')}: no such file or directory.`);
    const empty = join(root, 'empty');
    mkdirSync(empty);
    expect(errorOf(() => loadCheckpoint(empty)).message).toBe(
      `checkpoint ${empty}: no manifest.json here and no checkpoint below it; give a checkpoint directory (checkpoints/<iteration>), a checkpoints/ folder or a run directory.`,
    );
  });
});

describe('pruneCheckpoints', () => {
  it('keeps the newest N and leaves incomplete directories alone', () => {
    const checkpoints = checkpointsDirOf(newRun());
    for (const i of [1, 2, 3, 10]) saveCheckpoint(checkpoints, payload(i));
    mkdirSync(join(checkpoints, '11'));
    expect(pruneCheckpoints(checkpoints, 2)).toEqual([1, 2]);
    expect(listCheckpoints(checkpoints)).toEqual([3, 10]);
    expect(readdirSync(checkpoints).sort()).toEqual(['10', '11', '3']);
    expect(pruneCheckpoints(checkpoints, 5)).toEqual([]);
    expect(() => pruneCheckpoints(checkpoints, 0)).toThrow(
      'pruneCheckpoints: keepLast (0) must be an integer >= 1.',
    );
  });
});

describe('corrupt and incompatible checkpoints', () => {
  const fresh = (): string => saveCheckpoint(checkpointsDirOf(newRun()), payload());

  it('bad JSON in the manifest', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'manifest.json'), '{"formatVersion": 1,');
    const error = errorOf(() => loadCheckpoint(dir));
    expect(error.kind).toBe('corrupt');
    expect(error.message).toMatch(
      new RegExp(`^checkpoint ${dir}: manifest.json is not valid JSON \\(.+\\)\\.$`),
    );
  });

  it('a missing blob file', () => {
    const dir = fresh();
    unlinkSync(join(dir, 'optimizer.bin'));
    expect(errorOf(() => loadCheckpoint(dir)).message).toBe(
      `checkpoint ${dir}: optimizer.bin is missing (needed by blob "m/pi/dense0/bias").`,
    );
  });

  it('a checksum mismatch', () => {
    const dir = fresh();
    const bytes = readFileSync(join(dir, 'weights.bin'));
    bytes[5] = bytes[5]! ^ 0xff;
    writeFileSync(join(dir, 'weights.bin'), bytes);
    const error = errorOf(() => loadCheckpoint(dir));
    expect(error.kind).toBe('corrupt');
    expect(error.message).toBe(
      `checkpoint ${dir}: blob "pi/dense0/kernel" in weights.bin fails its SHA-256 check (the file is damaged or was changed).`,
    );
  });

  it('a truncated blob file', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'weights.bin'), readFileSync(join(dir, 'weights.bin')).subarray(0, 30));
    expect(errorOf(() => loadCheckpoint(dir)).message).toBe(
      `checkpoint ${dir}: weights.bin is truncated: blob "pi/dense0/bias" needs bytes 24..36, the file has 30.`,
    );
  });

  it('a shape that does not match the blob size', () => {
    const dir = fresh();
    editManifest(dir, (m) => {
      (m['blobs'] as { shape: number[] }[])[0]!.shape = [3, 3];
    });
    expect(errorOf(() => loadCheckpoint(dir)).message).toBe(
      `checkpoint ${dir}: blob "pi/dense0/kernel" has byteLength 24, but shape [3, 3] of float32 needs 36.`,
    );
  });

  it('a missing or mistyped manifest field', () => {
    const dir = fresh();
    editManifest(dir, (m) => {
      delete m['counters'];
    });
    expect(errorOf(() => loadCheckpoint(dir)).message).toBe(
      `checkpoint ${dir}: manifest.json field counters (undefined) must be an object.`,
    );
    editManifest(dir, (m) => {
      m['counters'] = { iteration: 1, envSteps: -5, episodes: 0, timeMs: 0 };
    });
    expect(errorOf(() => loadCheckpoint(dir)).message).toBe(
      `checkpoint ${dir}: manifest.json field counters.envSteps (-5) must be a number >= 0.`,
    );
  });

  it('another format version', () => {
    const dir = fresh();
    editManifest(dir, (m) => {
      m['formatVersion'] = 2;
      m['tsrlVersion'] = '9.0.0';
    });
    const error = errorOf(() => loadCheckpoint(dir));
    expect(error.kind).toBe('incompatible');
    expect(error.message).toBe(
      `checkpoint ${dir}: format version 2 is not supported; this tsrl reads format 1 (written by tsrl 9.0.0; use a tsrl release that reads format 2).`,
    );
  });

  it('loads whatever tsrl version wrote the same format version', () => {
    const dir = fresh();
    editManifest(dir, (m) => {
      m['tsrlVersion'] = '0.0.1-other';
    });
    expect(loadCheckpoint(dir).tsrlVersion).toBe('0.0.1-other');
  });

  it('another algorithm', () => {
    const dir = fresh();
    const error = errorOf(() => loadCheckpoint(dir, { algorithm: 'dqn' }));
    expect(error.kind).toBe('incompatible');
    expect(error.message).toBe(
      `checkpoint ${dir}: it was written by algorithm "ppo", not "dqn"; run with --algo ppo.`,
    );
  });
});
