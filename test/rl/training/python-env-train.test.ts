/**
 * Training on Python envs: a `python:` env whose server tsrl starts (one per runner, plus the
 * evaluation runner's), killed with SIGKILL mid-run: the run goes on and leaves no server behind;
 * two runners spread over two servers with `env.addresses`, the evaluation runner sharing one of them.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ppo } from '../../../algorithms/ppo/index.js';
import { init, shutdown } from '../../../core/index.js';
import { setLogLevel } from '../../../core/logger.js';
import type { AnyAlgorithmDefinition } from '../../../rl/algorithm.js';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { resolveConfig } from '../../../rl/config/resolve.js';
import { train } from '../../../rl/training/train.js';
import {
  freshAddress,
  killAll,
  PYTHON,
  PYTHON_SERVER,
  pythonMissing,
  REPO,
  startServer,
} from '../../envs/remote/server-process.js';

setLogLevel('error');
const missing = pythonMissing();
const ENVS = join(REPO, 'test/envs/python/fixtures/gym_api_envs.py');
const algorithm = ppo as unknown as AnyAlgorithmDefinition;
const schema = buildConfigSchema(ppo.trainingSchema, { refine: (c, ctx) => ppo.refineConfig?.(c, ctx) });
const work = mkdtempSync(join(tmpdir(), 'tsrl-pytrain-'));
afterAll(async () => {
  await killAll();
  rmSync(work, { recursive: true, force: true });
});

const BASE = [
  'backend=cpu',
  'env.numEnvsPerRunner=2',
  'envRunners.rolloutFragmentLength=16',
  'envRunners.restartWindowMs=30000',
  'model.hiddenSizes=[8]',
  'training.numEpochs=1',
  'training.numMinibatches=1',
  'evaluation.interval=1',
  'evaluation.episodes=2',
  'checkpoint.intervalMs=0',
  'checkpoint.atEnd=false',
  'stop.iterations=6',
];
const config = (...sets: string[]) => resolveConfig({ schema, algo: 'ppo', sets: [...BASE, ...sets] });
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(missing !== undefined)(
  `train on Python envs${missing === undefined ? '' : ` (skipped: ${missing})`}`,
  () => {
    it('a python: env: servers started per runner, one killed with SIGKILL mid-run, the run goes on', async () => {
      const pidFile = join(work, 'pids');
      const pids = () =>
        existsSync(pidFile) ? [...new Set(readFileSync(pidFile, 'utf8').trim().split('\n').map(Number))] : [];
      let killed: number[] = [];
      const r = await train(
        config(
          `env.id=python:${ENVS}:Corridor`,
          `env.kwargs={length: 4, pid_file: ${JSON.stringify(pidFile)}}`,
          'env.options={python: /usr/bin/python3, maxEpisodeSteps: 20, timeoutMs: 5000}',
          'envRunners.numEnvRunners=0',
        ),
        {
          algorithm,
          runDir: join(work, 'run-kill'),
          handleSigint: false,
          onIteration: (row) => {
            if (row.iteration !== 2) return;
            killed = pids().filter(alive);
            for (const pid of killed) process.kill(pid, 'SIGKILL');
          },
        },
      );
      // The training runner's and the evaluation runner's servers were alive at iteration 2.
      expect(killed.length).toBe(2);
      expect(r.last?.iteration).toBe(6);
      expect(r.runnerRestarts).toBeGreaterThanOrEqual(1);
      expect(r.last?.evaluation?.episodes).toBeGreaterThanOrEqual(2);
      // New servers replaced the killed ones, and none outlives the run.
      expect(pids().length).toBeGreaterThan(killed.length + 1);
      expect(pids().filter(alive)).toEqual([]);
    }, 120_000);

    it('env.addresses: two runners on two servers, evaluation sharing the first (its own session)', async () => {
      const touched = join(work, 'touched');
      const { mkdirSync } = await import('node:fs');
      mkdirSync(touched);
      const kwargs = JSON.stringify({ length: 4, touch_dir: touched });
      const servers = await Promise.all(
        [0, 1].map(() =>
          startServer(PYTHON, [
            PYTHON_SERVER,
            '--env',
            `${ENVS}:Corridor`,
            '--env-kwargs',
            kwargs,
            '--address',
            freshAddress('ipc'),
            '--max-episode-steps',
            '20',
          ]),
        ),
      );
      await init({ localMode: true });
      try {
        const r = await train(
          config(`env.addresses=[${servers.map((s) => s.address).join(', ')}]`, 'envRunners.numEnvRunners=2'),
          { algorithm, runDir: join(work, 'run-addresses'), handleSigint: false },
        );
        expect(r.last?.iteration).toBe(6);
        expect(r.runnerRestarts).toBe(0);
        expect(r.last?.evaluation?.episodes).toBeGreaterThanOrEqual(2);
        const used = readdirSync(touched).map(Number).sort();
        expect(used).toEqual(servers.map((s) => s.child!.pid!).sort());
      } finally {
        await shutdown();
        await Promise.all(servers.map((s) => s.kill()));
      }
    }, 120_000);
  },
);
