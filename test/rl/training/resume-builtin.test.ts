/**
 * Resume equals uninterrupted on a built-in env (issue 5): PPO on CartPole-v1 from
 * configs/cartpole-ppo.yaml, 6 iterations in one go vs 3 then resumed to 6 from the checkpoint. Exact
 * only because SyncVectorEnv and CartPoleEnv save and restore their state (envs/env.ts StatefulEnv).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getAlgorithm } from '../../../algorithms/index.js';
import { type LogSink, setLogLevel, setLogSink } from '../../../core/logger.js';
import { loadCheckpoint } from '../../../rl/checkpoint/index.js';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { resolveConfig } from '../../../rl/config/resolve.js';
import { train } from '../../../rl/training/train.js';

const algorithm = getAlgorithm('ppo');
const schema = buildConfigSchema(algorithm.trainingSchema, {
  refine: (c, ctx) => algorithm.refineConfig?.(c, ctx),
});
const dirs: string[] = [];
function runDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tsrl-resume-builtin-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// Small overrides of the preset so that 6 iterations take about a second; 4 envs x 32 steps x 3
// iterations = 384 steps by the resume point, so episodes are mid-way (and some have ended) there.
const SETS = [
  'seed=11',
  'backend=cpu',
  'env.numEnvsPerRunner=4',
  'training.numEpochs=2',
  'model.hiddenSizes=[16]',
  'checkpoint.interval=3',
  'stop.episodeReturnMean=100000',
];
const config = (filterSet: string, ...sets: string[]) =>
  resolveConfig({
    schema,
    algo: 'ppo',
    file: 'configs/cartpole-ppo.yaml',
    sets: [...SETS, filterSet, ...sets],
  });
const rows = (dir: string) =>
  readFileSync(join(dir, 'results.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const strip = (row: Record<string, unknown>) => {
  const { timeMs: _t, envStepsPerS: _s, timers: _timers, ...rest } = row;
  return rest;
};

describe('resume on CartPole-v1 (built-in env state API)', () => {
  // With env.normalizeObservations the run's observation statistic travels in the checkpoint (state.obsFilter).
  it.each([
    ['plain', 'env.normalizeObservations=false'],
    ['with the observation filter', 'env.normalizeObservations=true'],
  ])(
    'a run resumed from its checkpoint equals the uninterrupted run, bit for bit (%s)',
    async (_, filter) => {
      const warnings: string[] = [];
      setLogLevel('warn');
      const previous = setLogSink((level, scope, message) => {
        if (level === 'warn' || level === 'error') warnings.push(`${scope}: ${message}`);
      });
      try {
        const full = runDir();
        const a = await train(config(filter, 'stop.iterations=6'), {
          algorithm,
          runDir: full,
          handleSigint: false,
        });
        expect(a.last?.iteration).toBe(6);

        const half = runDir();
        await train(config(filter, 'stop.iterations=3'), { algorithm, runDir: half, handleSigint: false });
        const resumed = runDir();
        const c = await train(config(filter, 'stop.iterations=6'), {
          algorithm,
          runDir: resumed,
          resumeFrom: join(half, 'checkpoints', '3'),
          handleSigint: false,
        });
        expect(c.last?.iteration).toBe(6);

        // The env state is in the checkpoint, so the runner restored its envs: no "not bit-exact" warning.
        expect(warnings.filter((w) => w.includes('bit-exact'))).toEqual([]);
        const fullRows = rows(full).map(strip);
        expect(fullRows).toHaveLength(6);
        // Episodes ended before the resume point and others were under way across it.
        expect(fullRows[2]?.['episodes']).toBeGreaterThan(0);
        expect(rows(half).map(strip)).toEqual(fullRows.slice(0, 3));
        expect(rows(resumed).map(strip)).toEqual(fullRows.slice(3));
        const wa = loadCheckpoint(join(full, 'checkpoints', '6')).weights;
        const wc = loadCheckpoint(join(resumed, 'checkpoints', '6')).weights;
        expect(wc.map((w) => Array.from(w.data))).toEqual(wa.map((w) => Array.from(w.data)));
      } finally {
        setLogSink(previous as LogSink);
        setLogLevel('error');
      }
    },
    60_000,
  );
});
