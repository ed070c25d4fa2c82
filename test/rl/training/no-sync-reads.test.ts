/**
 * Whole training runs with synchronous tensor reads disabled, as on webgpu in Node (`dataSync` throws
 * `OffscreenCanvas is not defined` there, issue 12): sampling, the learner, evaluation, metrics and the
 * checkpoint at the end, for the learners that run on a device (PPO's CNN path, DQN, SAC). CI has no
 * GPU; this is how it checks that `rl train --backend webgpu` does not stop at its first read.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAlgorithm } from '../../../algorithms/index.js';
import { setLogLevel } from '../../../core/logger.js';
import '../../../envs/builtin/index.js';
import { initBackend, requireTf } from '../../../rl/backend/backend.js';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { resolveConfig } from '../../../rl/config/resolve.js';
import type { IterationResult } from '../../../rl/metrics/iteration-result.js';
import { train } from '../../../rl/training/train.js';
import { withoutSyncReads } from '../../support/no-sync-reads.js';

const dirs: string[] = [];
beforeAll(async () => {
  setLogLevel('warn');
  await initBackend({ backend: 'wasm' });
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Every run: inline sampling, an evaluation each iteration, a checkpoint at the end. */
const COMMON = [
  'backend=wasm',
  'envRunners.numEnvRunners=0',
  'evaluation.interval=1',
  'evaluation.episodes=1',
  'checkpoint.atEnd=true',
  'checkpoint.intervalMs=0',
];

const CASES: readonly { algo: string; file: string; sets: readonly string[] }[] = [
  {
    // The CNN preset: its conv torso always takes gradients on the device.
    algo: 'ppo',
    file: 'configs/minatar-breakout-ppo.yaml',
    sets: [
      'env.numEnvsPerRunner=2',
      'envRunners.rolloutFragmentLength=32',
      'training.numEpochs=1',
      'training.numMinibatches=2',
      'stop={iterations: 2}',
    ],
  },
  {
    algo: 'dqn',
    file: 'configs/cartpole-dqn.yaml',
    sets: [
      'training.learningStarts=64',
      'training.batchSize=32',
      'training.trainingIntensity=0.5',
      'stop={envSteps: 256}',
    ],
  },
  {
    algo: 'sac',
    file: 'configs/pendulum-sac.yaml',
    sets: ['training.learningStarts=64', 'training.batchSize=32', 'stop={envSteps: 160}'],
  },
];

describe('training without synchronous reads', () => {
  it('the guard is on inside withoutSyncReads', async () => {
    const tf = requireTf();
    await withoutSyncReads(() => {
      const t = tf.scalar(1);
      try {
        expect(() => t.dataSync()).toThrow('synchronous read-back');
        expect(() => t.arraySync()).toThrow('synchronous read-back');
      } finally {
        t.dispose();
      }
    });
  });

  for (const c of CASES) {
    it(`${c.algo} (${c.file}): samples, learns, evaluates and checkpoints`, async () => {
      const algorithm = getAlgorithm(c.algo);
      const schema = buildConfigSchema(algorithm.trainingSchema, {
        refine: (cfg, ctx) => algorithm.refineConfig?.(cfg, ctx),
      });
      const config = resolveConfig({ schema, algo: c.algo, file: c.file, sets: [...COMMON, ...c.sets] });
      const dir = mkdtempSync(join(tmpdir(), `tsrl-no-sync-${c.algo}-`));
      dirs.push(dir);
      const rows: IterationResult[] = [];
      const result = await withoutSyncReads(() =>
        train(config, { algorithm, runDir: dir, handleSigint: false, onIteration: (r) => void rows.push(r) }),
      );
      expect(result.last).toBeDefined();
      // The learner ran (DQN and SAC only once learningStarts has passed) and every iteration evaluated.
      expect(rows.some((r) => r.learner !== undefined && Object.keys(r.learner).length > 0)).toBe(true);
      expect(rows.every((r) => r.evaluation !== undefined)).toBe(true);
      expect(existsSync(join(dir, 'checkpoints'))).toBe(true);
    }, 300_000);
  }
});
