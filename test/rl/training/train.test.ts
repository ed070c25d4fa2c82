import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ppo } from '../../../algorithms/ppo/index.js';
import { get, init, kill, shutdown } from '../../../core/index.js';
import { setLogLevel } from '../../../core/logger.js';
import type { AnyAlgorithmDefinition } from '../../../rl/algorithm.js';
import { loadCheckpoint } from '../../../rl/checkpoint/index.js';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { resolveConfig } from '../../../rl/config/resolve.js';
import { evaluateCheckpoint } from '../../../rl/evaluation/evaluate-checkpoint.js';
import { train } from '../../../rl/training/train.js';
import { registerStatefulCartPole } from './fixtures/stateful-cartpole.js';

setLogLevel('error');
registerStatefulCartPole();
const algorithm = ppo as unknown as AnyAlgorithmDefinition;
const schema = buildConfigSchema(ppo.trainingSchema, { refine: (c, ctx) => ppo.refineConfig?.(c, ctx) });
const dirs: string[] = [];
function runDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tsrl-train-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const BASE = [
  'seed=7',
  'backend=cpu',
  'env.id=stateful-cartpole://test',
  'env.numEnvsPerRunner=2',
  'envRunners.numEnvRunners=0',
  'envRunners.rolloutFragmentLength=16',
  'model.hiddenSizes=[8]',
  'training.numEpochs=2',
  'training.numMinibatches=2',
  'training.lr=0.003',
  'training.lrSchedule=linear',
  'training.annealEnvSteps=1000',
  'checkpoint.interval=3',
];
const config = (...sets: string[]) => resolveConfig({ schema, algo: 'ppo', sets: [...BASE, ...sets] });
const rows = (dir: string) =>
  readFileSync(join(dir, 'results.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const strip = (row: Record<string, unknown>) => {
  const { timeMs: _t, envStepsPerS: _s, timers: _timers, ...rest } = row;
  return rest;
};

describe('train', () => {
  it('writes results, config and checkpoints, and a resumed run equals an uninterrupted one', async () => {
    const full = runDir();
    const a = await train(config('stop.iterations=6'), { algorithm, runDir: full, handleSigint: false });
    expect(a.last?.iteration).toBe(6);
    expect(a.last?.envSteps).toBe(6 * 32);
    expect(readFileSync(join(full, 'config.yaml'), 'utf8')).toContain('stateful-cartpole://test');

    const half = runDir();
    await train(config('stop.iterations=3'), { algorithm, runDir: half, handleSigint: false });
    const resumed = runDir();
    const c = await train(config('stop.iterations=6'), {
      algorithm,
      runDir: resumed,
      resumeFrom: join(half, 'checkpoints', '3'),
      handleSigint: false,
    });
    expect(c.last?.iteration).toBe(6);

    // Same seed, same backend: the first half is the same run.
    expect(rows(half).map(strip)).toEqual(rows(full).slice(0, 3).map(strip));
    // The resumed iterations equal the uninterrupted ones (returns, losses, KL...).
    expect(rows(resumed).map(strip)).toEqual(rows(full).slice(3).map(strip));
    // And the weights are bit-identical.
    const wa = loadCheckpoint(join(full, 'checkpoints', '6')).weights;
    const wc = loadCheckpoint(join(resumed, 'checkpoints', '6')).weights;
    expect(wc.map((w) => Array.from(w.data))).toEqual(wa.map((w) => Array.from(w.data)));

    // rl evaluate on the checkpoint: deterministic, so two evaluations agree; a frame per step.
    const frames: string[] = [];
    const e1 = await evaluateCheckpoint(full, {
      resolveAlgorithm: () => algorithm,
      episodes: 3,
      render: true,
      onFrame: (f) => frames.push(f),
    });
    const e2 = await evaluateCheckpoint(join(full, 'checkpoints', '6'), {
      resolveAlgorithm: () => algorithm,
      episodes: 3,
    });
    expect(e1.checkpointDir).toBe(join(full, 'checkpoints', '6'));
    expect(e1.summary.episodes).toBe(3);
    expect(e2.episodes).toEqual(e1.episodes);
    expect(frames.length).toBeGreaterThan(5);
    expect(
      JSON.parse(readFileSync(join(full, 'checkpoints', '6', 'evaluation.json'), 'utf8')).summary.episodes,
    ).toBe(3);
  });

  it('restarts a killed env runner and keeps training (local mode)', async () => {
    await init({ localMode: true });
    try {
      let killed = false;
      let handles: readonly { actorId: number }[] = [];
      const r = await train(
        config('envRunners.numEnvRunners=2', 'stop.iterations=4', 'checkpoint.interval=0'),
        {
          algorithm,
          runDir: runDir(),
          handleSigint: false,
          onRunnersReady: (group) => {
            handles = group.actors;
          },
          onIteration: (row) => {
            if (row.iteration === 2 && !killed) {
              killed = true;
              kill(handles[0] as Parameters<typeof kill>[0]);
            }
          },
        },
      );
      expect(killed).toBe(true);
      expect(r.runnerRestarts).toBe(1);
      expect(r.last?.iteration).toBe(4);
      // Both runners still sampled in every iteration: 2 runners x 2 envs x 16 steps.
      expect(r.last?.envSteps).toBe(4 * 64);
    } finally {
      await shutdown();
    }
  });

  it('restarts an env runner whose worker process is SIGKILLed (process mode)', async () => {
    await init({ numCpus: 2 });
    try {
      let killedPid = 0;
      let group: Parameters<NonNullable<Parameters<typeof train>[1]['onRunnersReady']>>[0] | undefined;
      const r = await train(
        config(
          'env.id=./envs/builtin/cartpole.ts:CartPoleEnv',
          'envRunners.numEnvRunners=2',
          'envRunners.sampleTimeoutMs=20000',
          'stop.iterations=4',
          'checkpoint.interval=0',
        ),
        {
          algorithm,
          runDir: runDir(),
          handleSigint: false,
          onRunnersReady: (g) => {
            group = g;
          },
          onIteration: async (row) => {
            if (row.iteration === 2 && killedPid === 0) {
              killedPid = await get(group!.actors[1]!.call('pid'));
              process.kill(killedPid, 'SIGKILL');
            }
          },
        },
      );
      expect(killedPid).toBeGreaterThan(0);
      expect(killedPid).not.toBe(process.pid);
      expect(r.runnerRestarts).toBeGreaterThanOrEqual(1);
      expect(r.last?.iteration).toBe(4);
      expect(r.last?.envSteps).toBe(4 * 64);
    } finally {
      await shutdown();
    }
  });
});
