import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sac } from '../../../algorithms/sac/index.js';
import { setLogLevel } from '../../../core/logger.js';
import '../../../envs/builtin/index.js';
import type { AnyAlgorithmDefinition } from '../../../rl/algorithm.js';
import { loadCheckpoint } from '../../../rl/checkpoint/index.js';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { resolveConfig } from '../../../rl/config/resolve.js';
import { train } from '../../../rl/training/train.js';

setLogLevel('error');
const algorithm = sac as unknown as AnyAlgorithmDefinition;
const schema = buildConfigSchema(sac.trainingSchema, { refine: (c, ctx) => sac.refineConfig?.(c, ctx) });
const dirs: string[] = [];
const runDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'tsrl-sac-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const BASE = [
  'seed=2',
  'backend=cpu',
  'env.id=Pendulum-v1',
  'env.numEnvsPerRunner=1',
  'envRunners.numEnvRunners=0',
  'envRunners.rolloutFragmentLength=16',
  'model.hiddenSizes=[8]',
  'model.activation=relu',
  'training.bufferSize=1000',
  'training.batchSize=16',
  'training.learningStarts=32',
  'training.trainingIntensity=0.25',
  'checkpoint.interval=3',
];
const config = (...sets: string[]) => resolveConfig({ schema, algo: 'sac', sets: [...BASE, ...sets] });
const rows = (dir: string) =>
  readFileSync(join(dir, 'results.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { learner: Record<string, number> });

describe('sac (definition, end to end)', () => {
  it('resumes with its replay buffer, learner and alpha from a checkpoint', async () => {
    const half = runDir();
    await train(config('stop.iterations=3'), { algorithm, runDir: half, handleSigint: false });
    const ckpt = loadCheckpoint(join(half, 'checkpoints', '3'));
    expect(ckpt.extraBlobs.find((b) => b.name === 'iteration/replay/actions')?.data.length).toBe(48);
    const before = rows(half).at(-1)!.learner;
    expect(before['gradStepsLifetime']).toBe(8); // iterations at 32 and 48 env steps: 2 x 16 x 0.25
    const resumed = runDir();
    await train(config('stop.iterations=4'), {
      algorithm,
      runDir: resumed,
      resumeFrom: join(half, 'checkpoints', '3'),
      handleSigint: false,
    });
    const after = rows(resumed).at(-1)!.learner;
    expect(after['replaySize']).toBe(64);
    expect(after['gradStepsLifetime']).toBe(12);
    expect(Math.abs(Math.log(after['alpha']!))).toBeGreaterThan(Math.abs(Math.log(before['alpha']!)));
  });

  it('rejects Discrete actions and unbounded boxes with clear messages', () => {
    expect(() =>
      sac.checkSpaces({ type: 'Box' } as never, { type: 'Discrete', n: 2, start: 0 } as never),
    ).toThrow(/SAC needs a 1-D Box/);
    expect(() => config('training.batchSize=2000')).toThrow(/training.batchSize.*bufferSize/s);
  });
});
