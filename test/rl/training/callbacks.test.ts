import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ppo } from '../../../algorithms/ppo/index.js';
import { setLogLevel } from '../../../core/logger.js';
import type { AnyAlgorithmDefinition } from '../../../rl/algorithm.js';
import { loadCheckpoint } from '../../../rl/checkpoint/index.js';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { resolveConfig } from '../../../rl/config/resolve.js';
import { flattenMetrics, type IterationResult } from '../../../rl/metrics/iteration-result.js';
import { readTensorBoardEvents } from '../../../rl/metrics/tensorboard-reader.js';
import type { CheckpointInfo, EpisodeInfo } from '../../../rl/training/callbacks.js';
import { train } from '../../../rl/training/train.js';

setLogLevel('error');
const schema = buildConfigSchema(ppo.trainingSchema, { refine: (c, ctx) => ppo.refineConfig?.(c, ctx) });
const root = mkdtempSync(join(tmpdir(), 'tsrl-callbacks-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const config = (...sets: string[]) =>
  resolveConfig({
    schema,
    algo: 'ppo',
    sets: [
      'seed=3',
      'backend=cpu',
      'env.id=CartPole-v1',
      'env.numEnvsPerRunner=4',
      'envRunners.numEnvRunners=0',
      'envRunners.rolloutFragmentLength=64',
      'model.hiddenSizes=[8]',
      'training.numEpochs=1',
      'training.numMinibatches=2',
      'checkpoint.interval=2',
      'stop.iterations=4',
      ...sets,
    ],
  });

describe('train callbacks and TensorBoard events', () => {
  it('reports every episode, iteration and checkpoint, and writes every numeric metric as TensorBoard scalars', async () => {
    const runDir = join(root, 'run');
    const iterations: IterationResult[] = [];
    const episodes: EpisodeInfo[] = [];
    const checkpoints: CheckpointInfo[] = [];
    const order: string[] = [];
    await train(config(), {
      algorithm: ppo as unknown as AnyAlgorithmDefinition,
      runDir,
      handleSigint: false,
      onIteration: (row) => {
        iterations.push(row);
        order.push(`iteration ${row.iteration}`);
      },
      onEpisode: async (e) => {
        await Promise.resolve();
        episodes.push(e);
        if (order.at(-1) !== `episodes ${e.iteration}`) order.push(`episodes ${e.iteration}`);
      },
      onCheckpoint: (c) => {
        checkpoints.push(c);
        order.push(`checkpoint ${c.iteration}`);
      },
    });
    expect(iterations.map((r) => r.iteration)).toEqual([1, 2, 3, 4]);
    // 4 envs x 64 steps of CartPole with a random-ish policy end many episodes.
    expect(episodes.length).toBe(iterations.at(-1)!.episodes);
    expect(episodes.reduce((s, e) => s + e.length, 0)).toBeLessThanOrEqual(4 * 256);
    for (const e of episodes) expect(e.episodeReturn).toBe(e.length); // CartPole: +1 per step
    // The window mean the driver reports is the mean of the episodes the hook saw (window 100 > count).
    const mean = episodes.reduce((s, e) => s + e.episodeReturn, 0) / episodes.length;
    expect(iterations.at(-1)!.episodeReturnMean).toBeCloseTo(mean, 9);
    expect(checkpoints).toEqual([
      { dir: join(runDir, 'checkpoints', '2'), iteration: 2, envSteps: 512 },
      { dir: join(runDir, 'checkpoints', '4'), iteration: 4, envSteps: 1024 },
    ]);
    expect(order.filter((o) => !o.startsWith('episodes'))).toEqual([
      'iteration 1',
      'iteration 2',
      'checkpoint 2',
      'iteration 3',
      'iteration 4',
      'checkpoint 4',
    ]);
    expect(order.indexOf('episodes 1')).toBeLessThan(order.indexOf('iteration 1'));

    // TensorBoard: on by default; one event per iteration at step = env steps, every finite metric.
    const files = readdirSync(runDir).filter((f) => f.startsWith('events.out.tfevents.'));
    expect(files).toHaveLength(1);
    const events = readTensorBoardEvents(join(runDir, files[0]!));
    expect(events[0]!.fileVersion).toBe('brain.Event:2');
    const rows = readFileSync(join(runDir, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as IterationResult);
    expect(events.slice(1).map((e) => e.step)).toEqual(rows.map((r) => r.envSteps));
    rows.forEach((row, k) => {
      const expected: Record<string, number> = {};
      for (const [key, value] of Object.entries(flattenMetrics(row))) {
        if (typeof value === 'number' && Number.isFinite(value))
          expected[key.replaceAll('.', '/')] = Math.fround(value);
      }
      expect(Object.keys(expected)).toContain('learner/policyLoss');
      expect(events[k + 1]!.scalars).toEqual(expected);
    });
  });

  it("writes histograms of the learner's weights every metrics.weightHistogramInterval iterations", async () => {
    const runDir = join(root, 'histograms');
    const r = await train(config('metrics.weightHistogramInterval=2'), {
      algorithm: ppo as unknown as AnyAlgorithmDefinition,
      runDir,
      handleSigint: false,
    });
    const file = readdirSync(runDir).find((f) => f.startsWith('events.out.tfevents.'))!;
    const events = readTensorBoardEvents(join(runDir, file));
    const withHistograms = events.filter((e) => e.histograms !== undefined);
    const rows = readFileSync(join(runDir, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as IterationResult);
    // Iterations 2 and 4; the scalar events stay one per iteration.
    expect(withHistograms.map((e) => e.step)).toEqual([rows[1]!.envSteps, rows[3]!.envSteps]);
    expect(events.filter((e) => Object.keys(e.scalars).length > 0)).toHaveLength(4);
    // The last ones describe the weights the final checkpoint holds.
    const last = withHistograms.at(-1)!.histograms!;
    const { weights } = loadCheckpoint(r.checkpointDir!);
    expect(Object.keys(last).sort()).toEqual(weights.map((w) => `weights/${w.name}`).sort());
    for (const w of weights) {
      const h = last[`weights/${w.name}`]!;
      expect(h.num).toBe(w.data.length);
      expect(h.min).toBe(Math.min(...w.data));
      expect(h.max).toBe(Math.max(...w.data));
      expect(h.sum).toBeCloseTo(
        w.data.reduce((a, b) => a + b, 0),
        4,
      );
      expect(h.bucket.reduce((a, b) => a + b, 0)).toBe(w.data.length);
    }
  });

  it('writes no events file with metrics.tensorboard=false', async () => {
    const runDir = join(root, 'off');
    await train(config('metrics.tensorboard=false', 'stop.iterations=1'), {
      algorithm: ppo as unknown as AnyAlgorithmDefinition,
      runDir,
      handleSigint: false,
    });
    expect(readdirSync(runDir).some((f) => f.startsWith('events.out.tfevents.'))).toBe(false);
  });
});
