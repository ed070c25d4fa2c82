import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ppo } from '../../../algorithms/ppo/index.js';
import { setLogLevel } from '../../../core/logger.js';
import type { AnyAlgorithmDefinition } from '../../../rl/algorithm.js';
import { loadCheckpoint } from '../../../rl/checkpoint/index.js';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { resolveConfig } from '../../../rl/config/resolve.js';
import { absoluteEnvId } from '../../../rl/training/absolute-env-id.js';
import { train } from '../../../rl/training/train.js';

describe('absoluteEnvId', () => {
  it('resolves relative module paths, keeping the export name; leaves ids and addresses alone', () => {
    expect(absoluteEnvId('./envs/my-env.ts:MyEnv', '/home/me/proj')).toBe(
      '/home/me/proj/envs/my-env.ts:MyEnv',
    );
    expect(absoluteEnvId('../x.js', '/home/me/proj')).toBe('/home/me/x.js');
    expect(absoluteEnvId('/abs/env.js:E', '/elsewhere')).toBe('/abs/env.js:E');
    expect(absoluteEnvId('file:///abs/env.js', '/elsewhere')).toBe('file:///abs/env.js');
    expect(absoluteEnvId('CartPole-v1', '/elsewhere')).toBe('CartPole-v1');
    expect(absoluteEnvId('tcp://127.0.0.1:5555', '/elsewhere')).toBe('tcp://127.0.0.1:5555');
  });

  it('a run on a module-path env stores the absolute path in its checkpoints (rl evaluate from anywhere)', async () => {
    setLogLevel('error');
    const schema = buildConfigSchema(ppo.trainingSchema, { refine: (c, ctx) => ppo.refineConfig?.(c, ctx) });
    const config = resolveConfig({
      schema,
      algo: 'ppo',
      sets: [
        'backend=cpu',
        'env.id=./envs/builtin/cartpole.ts:CartPoleEnv',
        'env.numEnvsPerRunner=2',
        'envRunners.numEnvRunners=0',
        'envRunners.rolloutFragmentLength=8',
        'model.hiddenSizes=[4]',
        'training.numEpochs=1',
        'training.numMinibatches=1',
        'stop.iterations=1',
      ],
    });
    const dir = mkdtempSync(join(tmpdir(), 'tsrl-abs-env-'));
    try {
      const r = await train(config, {
        algorithm: ppo as unknown as AnyAlgorithmDefinition,
        runDir: dir,
        handleSigint: false,
      });
      const stored = loadCheckpoint(r.checkpointDir!).config as { env: { id: string } };
      expect(stored.env.id).toBe(`${resolve('envs/builtin/cartpole.ts')}:CartPoleEnv`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
