/**
 * APEX-DQN through `train` (runtime in local mode: runner and replay-shard actors in this process):
 * the metrics of each result row (sampled and trained steps/s, replay size per shard, weight lag,
 * epsilon and return per runner), and replay shards saved in checkpoints and restored on resume.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getAlgorithm } from '../../../algorithms/index.js';
import { init, shutdown } from '../../../core/index.js';
import { setLogLevel } from '../../../core/logger.js';
import { loadCheckpoint } from '../../../rl/checkpoint/index.js';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { resolveConfig } from '../../../rl/config/resolve.js';
import type { IterationResult } from '../../../rl/metrics/iteration-result.js';
import { train } from '../../../rl/training/train.js';

const algorithm = getAlgorithm('apex-dqn');
const schema = buildConfigSchema(algorithm.trainingSchema, {
  refine: (c, ctx) => algorithm.refineConfig?.(c, ctx),
});
const dirs: string[] = [];
function runDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tsrl-apex-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const SETS = [
  'seed=3',
  'backend=cpu',
  'env.id=CartPole-v1',
  'env.numEnvsPerRunner=2',
  'envRunners.numEnvRunners=2',
  'envRunners.rolloutFragmentLength=16',
  'model.hiddenSizes=[16]',
  'training.bufferSize=4000',
  'training.batchSize=16',
  'training.learningStarts=64',
  'training.trainingIntensity=0.25',
  'training.numReplayShards=2',
  'training.weightSyncInterval=2',
  'checkpoint.atEnd=true',
];
const configWith = (...sets: string[]) =>
  resolveConfig({ schema, algo: 'apex-dqn', sets: [...SETS, ...sets] });

interface ApexMetrics {
  sampledEnvStepsPerS: number;
  trainedRowsPerS: number;
  replaySizes: Record<string, number>;
  runners: Record<string, { epsilon: number; returnMean: number | null }>;
}
const apexOf = (row: IterationResult) => (row as unknown as { apex: ApexMetrics }).apex;

describe('apex-dqn', () => {
  it('reports its metrics, saves every replay shard in checkpoints and restores them on resume', async () => {
    setLogLevel('warn');
    await init({ localMode: true });
    try {
      const rows: IterationResult[] = [];
      const first = await train(configWith('stop.envSteps=800'), {
        algorithm,
        runDir: runDir(),
        handleSigint: false,
        onIteration: (row) => {
          rows.push(row);
        },
      });
      const last = first.last!;
      const apex = apexOf(last);
      expect(apex.sampledEnvStepsPerS).toBeGreaterThan(0);
      expect(apex.trainedRowsPerS).toBeGreaterThan(0);
      expect(Object.keys(apex.replaySizes)).toEqual(['shard0', 'shard1']);
      expect(apex.replaySizes['shard0']).toBeGreaterThan(64);
      expect(apex.replaySizes['shard1']).toBeGreaterThan(64);
      // eps_i = 0.4^(1 + 7 i / (N - 1)) for N = 2 runners; episodes of 800 CartPole steps have ended.
      expect(apex.runners['runner0']!.epsilon).toBeCloseTo(0.4, 10);
      expect(apex.runners['runner1']!.epsilon).toBeCloseTo(0.4 ** 8, 10);
      expect(Object.values(apex.runners).some((r) => r.returnMean !== null && r.returnMean > 0)).toBe(true);
      // Weight lag per batch: versions between the weights a sample used and the newest.
      const lag = (last as unknown as { sampling: { weightLagMean: number | null } }).sampling.weightLagMean;
      expect(
        rows.some(
          (r) =>
            typeof (r as unknown as { sampling: { weightLagMean: unknown } }).sampling.weightLagMean ===
            'number',
        ),
      ).toBe(true);
      expect(lag === null || lag >= 0).toBe(true);

      // The checkpoint holds both shards' rows and priorities.
      const loaded = loadCheckpoint(first.checkpointDir!);
      const names = loaded.extraBlobs.map((b) => b.name);
      for (const k of [0, 1]) {
        expect(names).toContain(`iteration/shard${k}/replay/obs`);
        expect(names).toContain(`iteration/shard${k}/replay/priorities`);
      }
      const saved = apex.replaySizes;

      // Resumed, the shards start with the saved rows: the first row holds at least as many, where
      // fresh shards would hold one round of samples (32 rows each).
      const resumedRows: IterationResult[] = [];
      await train(configWith('stop.envSteps=900'), {
        algorithm,
        runDir: runDir(),
        resumeFrom: first.checkpointDir!,
        handleSigint: false,
        onIteration: (row) => {
          resumedRows.push(row);
        },
      });
      const sizes = apexOf(resumedRows[0]!).replaySizes;
      expect(sizes['shard0']).toBeGreaterThanOrEqual(saved['shard0']!);
      expect(sizes['shard1']).toBeGreaterThanOrEqual(saved['shard1']!);
    } finally {
      await shutdown();
    }
  }, 120_000);
});
