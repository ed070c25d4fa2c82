/**
 * PPO learns with MultiDiscrete and MultiBinary actions (a product of categoricals), on the
 * Gymnasium-API fixture envs served by the Python server that tsrl starts (python: ids):
 * MatchDigits (MultiDiscrete([3, 4]); best return 20, random ~5.8) and MatchBits (MultiBinary(4);
 * best 40, random 20). Fixed seeds; the thresholds sit well above random play.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ppo } from '../../../algorithms/ppo/index.js';
import { setLogLevel } from '../../../core/logger.js';
import type { AnyAlgorithmDefinition } from '../../../rl/algorithm.js';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { resolveConfig } from '../../../rl/config/resolve.js';
import { train } from '../../../rl/training/train.js';
import { pythonMissing, REPO } from '../../envs/remote/server-process.js';

setLogLevel('error');
const missing = pythonMissing();
const ENVS = join(REPO, 'test/envs/python/fixtures/gym_api_envs.py');
const schema = buildConfigSchema(ppo.trainingSchema, { refine: (c, ctx) => ppo.refineConfig?.(c, ctx) });
const work = mkdtempSync(join(tmpdir(), 'tsrl-multiaction-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (env: string, target: number) =>
  train(
    resolveConfig({
      schema,
      algo: 'ppo',
      sets: [
        'backend=cpu',
        'seed=1',
        `env.id=python:${ENVS}:${env}`,
        'env.options={python: /usr/bin/python3}',
        'env.numEnvsPerRunner=8',
        'envRunners.numEnvRunners=0',
        'envRunners.rolloutFragmentLength=64',
        'training.numEpochs=4',
        'training.numMinibatches=4',
        'training.lr=0.003',
        'training.entCoef=0.01',
        'metrics.windowEpisodes=40',
        'checkpoint.intervalMs=0',
        'checkpoint.atEnd=false',
        `stop.episodeReturnMean=${target}`,
        'stop.envSteps=60000',
      ],
    }),
    { algorithm: ppo as unknown as AnyAlgorithmDefinition, runDir: join(work, env), handleSigint: false },
  );

describe.skipIf(missing !== undefined)(
  `PPO with multi-component actions${missing === undefined ? '' : ` (skipped: ${missing})`}`,
  () => {
    it('MultiDiscrete([3, 4]): reaches a mean return of 16 (random play ~5.8)', async () => {
      const r = await run('MatchDigits', 16);
      expect(r.stopReason).toMatchObject({ criterion: 'episodeReturnMean' });
      expect(r.last?.episodeReturnMean).toBeGreaterThanOrEqual(16);
    }, 180_000);

    it('MultiBinary(4): reaches a mean return of 34 (random play 20)', async () => {
      const r = await run('MatchBits', 34);
      expect(r.stopReason).toMatchObject({ criterion: 'episodeReturnMean' });
      expect(r.last?.episodeReturnMean).toBeGreaterThanOrEqual(34);
    }, 180_000);
  },
);
