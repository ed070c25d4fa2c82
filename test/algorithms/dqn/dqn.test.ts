import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dqn } from '../../../algorithms/dqn/index.js';
import { setLogLevel } from '../../../core/logger.js';
import type { AnyAlgorithmDefinition } from '../../../rl/algorithm.js';
import { loadCheckpoint } from '../../../rl/checkpoint/index.js';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { resolveConfig } from '../../../rl/config/resolve.js';
import { train } from '../../../rl/training/train.js';
import { registerStatefulCartPole } from '../../rl/training/fixtures/stateful-cartpole.js';

setLogLevel('error');
registerStatefulCartPole();
const algorithm = dqn as unknown as AnyAlgorithmDefinition;
const schema = buildConfigSchema(dqn.trainingSchema, { refine: (c, ctx) => dqn.refineConfig?.(c, ctx) });
const dirs: string[] = [];
const runDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'tsrl-dqn-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const BASE = [
  'seed=5',
  'backend=cpu',
  'env.id=stateful-cartpole://dqn',
  'env.numEnvsPerRunner=2',
  'envRunners.numEnvRunners=0',
  'envRunners.rolloutFragmentLength=16',
  'model.hiddenSizes=[8]',
  'model.activation=relu',
  'training.bufferSize=500',
  'training.batchSize=16',
  'training.learningStarts=40',
  'training.trainingIntensity=0.25',
  'training.targetUpdateInterval=64',
  'training.explorationEnvSteps=200',
  'training.nStep=3',
  'checkpoint.interval=3',
];
const config = (...sets: string[]) => resolveConfig({ schema, algo: 'dqn', sets: [...BASE, ...sets] });

describe('dqn (definition, end to end)', () => {
  it.each([['uniform replay'], ['prioritized replay']])(
    'resumes from a checkpoint with its replay buffer exactly as the uninterrupted run (%s)',
    async (kind) => {
      const extra =
        kind === 'prioritized replay' ? ['training.prioritized=true', 'training.dueling=true'] : [];
      const full = runDir();
      const a = await train(config(...extra, 'stop.iterations=6'), {
        algorithm,
        runDir: full,
        handleSigint: false,
      });
      expect(a.last?.envSteps).toBe(6 * 32);
      const half = runDir();
      await train(config(...extra, 'stop.iterations=3'), { algorithm, runDir: half, handleSigint: false });
      const ckpt = loadCheckpoint(join(half, 'checkpoints', '3'));
      expect(ckpt.extraBlobs.map((b) => b.name)).toContain('iteration/replay/obs');
      const resumed = runDir();
      await train(config(...extra, 'stop.iterations=6'), {
        algorithm,
        runDir: resumed,
        resumeFrom: join(half, 'checkpoints', '3'),
        handleSigint: false,
      });
      const wa = loadCheckpoint(join(full, 'checkpoints', '6')).weights;
      const wc = loadCheckpoint(join(resumed, 'checkpoints', '6')).weights;
      expect(wc.map((w) => Array.from(w.data))).toEqual(wa.map((w) => Array.from(w.data)));
    },
  );

  it('rejects Box actions and inconsistent configs with clear messages', () => {
    expect(() => dqn.checkSpaces({ type: 'Box' } as never, { type: 'Box', shape: [1] } as never)).toThrow(
      /DQN needs Discrete actions/,
    );
    expect(() => config('training.batchSize=600')).toThrow(/training.batchSize.*bufferSize/s);
    expect(() => config('training.epsilonEnd=1', 'training.epsilonStart=0.5')).toThrow(/epsilonEnd/);
  });
});
