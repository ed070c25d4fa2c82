/**
 * `env.normalizeObservations`: one statistic per run (over all of a runner's envs), saved with the
 * checkpoint and restored on resume, frozen in evaluation (SB3's VecNormalize with training=False).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ppo } from '../../../algorithms/ppo/index.js';
import { setLogLevel } from '../../../core/logger.js';
import '../../../envs/builtin/index.js';
import type { AnyAlgorithmDefinition } from '../../../rl/algorithm.js';
import { loadCheckpoint } from '../../../rl/checkpoint/index.js';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { resolveConfig } from '../../../rl/config/resolve.js';
import { buildEnvRunner } from '../../../rl/env-runner/build-env-runner.js';
import { buildContext, evaluationRunnerSpec } from '../../../rl/training/build-run.js';
import { train } from '../../../rl/training/train.js';
import { registerStatefulCartPole } from './fixtures/stateful-cartpole.js';

setLogLevel('error');
registerStatefulCartPole();
const algorithm = ppo as unknown as AnyAlgorithmDefinition;
const schema = buildConfigSchema(ppo.trainingSchema, { refine: (c, ctx) => ppo.refineConfig?.(c, ctx) });
const dirs: string[] = [];
const runDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'tsrl-normobs-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const config = (...sets: string[]) =>
  resolveConfig({
    schema,
    algo: 'ppo',
    sets: [
      'backend=cpu',
      'seed=3',
      'env.id=stateful-cartpole://test',
      'env.normalizeObservations=true',
      'env.numEnvsPerRunner=2',
      'envRunners.numEnvRunners=0',
      'envRunners.rolloutFragmentLength=16',
      'model.hiddenSizes=[8]',
      'training.numEpochs=1',
      'training.numMinibatches=1',
      'checkpoint.interval=3',
      ...sets,
    ],
  });
const filterOf = (checkpointDir: string) =>
  (loadCheckpoint(checkpointDir).state['runners'] as { obsFilter?: { mean: number[]; count: number } }[])[0]!
    .obsFilter;

describe('env.normalizeObservations', () => {
  it('keeps one statistic per run, in the checkpoint: every observation of every env counted once', async () => {
    const dir = runDir();
    const r = await train(config('stop.iterations=3'), { algorithm, runDir: dir, handleSigint: false });
    const filter = filterOf(r.checkpointDir!);
    expect(filter).toBeDefined();
    // 2 envs: 2 reset observations + 3 iterations x 16 steps x 2 envs (+ the prior count 1e-4).
    expect(filter!.count).toBeCloseTo(2 + 3 * 16 * 2, 3);
    expect(filter!.mean).toHaveLength(4);
  });

  it('is restored on resume: the resumed run equals the uninterrupted one', async () => {
    const full = runDir();
    await train(config('stop.iterations=6'), { algorithm, runDir: full, handleSigint: false });
    const half = runDir();
    await train(config('stop.iterations=3'), { algorithm, runDir: half, handleSigint: false });
    const resumed = runDir();
    await train(config('stop.iterations=6'), {
      algorithm,
      runDir: resumed,
      resumeFrom: join(half, 'checkpoints', '3'),
      handleSigint: false,
    });
    const returns = (d: string) =>
      readFileSync(join(d, 'results.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { episodeReturnMean: number | null }).episodeReturnMean);
    expect(returns(resumed)).toEqual(returns(full).slice(3));
    expect(filterOf(join(resumed, 'checkpoints', '6'))).toEqual(filterOf(join(full, 'checkpoints', '6')));
  });

  it('is frozen in evaluation: the evaluation runner uses the statistic it is given and never updates it', async () => {
    const c = config('stop.iterations=1');
    const ctx = await buildContext(c, algorithm);
    const runner = await buildEnvRunner(evaluationRunnerSpec(ctx, algorithm));
    try {
      const given = { mean: [0.1, 0.2, 0.3, 0.4], var: [1, 2, 3, 4], count: 500 };
      runner.setObsFilterState(given);
      await runner.sampleEpisodes(2);
      expect(runner.getState().obsFilter).toEqual(given);
    } finally {
      await runner.close();
    }
  });

  it('is refused with several env runners, which would each keep a statistic of their own', () => {
    expect(() => config('envRunners.numEnvRunners=2')).toThrow(
      'env.normalizeObservations (true) needs one statistic per run, which envRunners.numEnvRunners (2) runners would split',
    );
  });
});
