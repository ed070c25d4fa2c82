/**
 * `env.normalizeObservations`: one statistic per run, shared by every env runner (runners report the
 * moments of what they observed, the driver merges them and sends the merged statistic back), saved
 * with the checkpoint and restored on resume, frozen in evaluation (SB3's VecNormalize with
 * training=False). Older checkpoint layouts are migrated (rl/training/saved-obs-filter.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { io, Tensor } from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { getAlgorithm } from '../../../algorithms/index.js';
import { loadPolicy } from '../../../algorithms/load-policy.js';
import { ppo } from '../../../algorithms/ppo/index.js';
import { get, init, shutdown } from '../../../core/index.js';
import { setLogLevel } from '../../../core/logger.js';
import '../../../envs/builtin/index.js';
import type { RunningMeanStdState } from '../../../envs/wrappers/running-mean-std.js';
import type { AnyAlgorithmDefinition } from '../../../rl/algorithm.js';
import { initBackend, requireTf } from '../../../rl/backend/backend.js';
import { loadCheckpoint } from '../../../rl/checkpoint/index.js';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { resolveConfig } from '../../../rl/config/resolve.js';
import { buildEnvRunner } from '../../../rl/env-runner/build-env-runner.js';
import { EnvRunnerGroup } from '../../../rl/env-runner/env-runner-group.js';
import type { NormalizeVectorObservation } from '../../../rl/env-runner/normalize-vector-observation.js';
import { evaluateCheckpoint } from '../../../rl/evaluation/evaluate-checkpoint.js';
import { exportTfjs } from '../../../rl/export/export-tfjs.js';
import { buildContext, evaluationRunnerSpec, trainingRunnerSpecs } from '../../../rl/training/build-run.js';
import { readRunCheckpoint } from '../../../rl/training/run-checkpoint.js';
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
const manifestPath = (checkpointDir: string) => join(checkpointDir, 'manifest.json');
const filterOf = (checkpointDir: string) =>
  loadCheckpoint(checkpointDir).state['obsFilter'] as RunningMeanStdState | undefined;
const returns = (d: string) =>
  readFileSync(join(d, 'results.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { episodeReturnMean: number | null }).episodeReturnMean);
/** Initial weights of the algorithm's learner, to publish to runners. */
async function createPolicyWeights(ctx: Awaited<ReturnType<typeof buildContext>>) {
  await initBackend({ backend: 'cpu' });
  const learner = await algorithm.createLearner(ctx);
  try {
    return { weights: await learner.getWeights() };
  } finally {
    learner.dispose?.();
  }
}
/** Rewrites a checkpoint's manifest state (to build the layouts of older tsrl versions). */
function editState(checkpointDir: string, edit: (state: Record<string, unknown>) => void): void {
  const manifest = JSON.parse(readFileSync(manifestPath(checkpointDir), 'utf8')) as {
    state: Record<string, unknown>;
  };
  edit(manifest.state);
  writeFileSync(manifestPath(checkpointDir), JSON.stringify(manifest));
}

describe('env.normalizeObservations with one runner in the driver', () => {
  it('keeps one statistic per run, in the checkpoint: every observation of every env counted once', async () => {
    const dir = runDir();
    const r = await train(config('stop.iterations=3'), { algorithm, runDir: dir, handleSigint: false });
    const filter = filterOf(r.checkpointDir!);
    // 2 envs: 2 reset observations + 3 iterations x 16 steps x 2 envs (+ the prior count 1e-4).
    expect(filter!.count).toBeCloseTo(2 + 3 * 16 * 2, 3);
    expect(filter!.mean).toHaveLength(4);
    // The runner state carries no statistic of its own any more.
    expect((loadCheckpoint(r.checkpointDir!).state['runners'] as object[])[0]).not.toHaveProperty(
      'obsFilter',
    );
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
    expect(returns(resumed)).toEqual(returns(full).slice(3));
    expect(filterOf(join(resumed, 'checkpoints', '6'))).toEqual(filterOf(join(full, 'checkpoints', '6')));
  });

  it('is frozen in evaluation: the evaluation runner uses the statistic it is given, never updates it, reports nothing', async () => {
    const c = config('stop.iterations=1');
    const ctx = await buildContext(c, algorithm);
    const runner = await buildEnvRunner(evaluationRunnerSpec(ctx, algorithm));
    try {
      const given = { mean: [0.1, 0.2, 0.3, 0.4], var: [1, 2, 3, 4], count: 500 };
      runner.setObsFilterState(given);
      const { obsDelta } = await runner.sample();
      await runner.sampleEpisodes(2);
      expect(obsDelta).toBeUndefined();
      expect(runner.getObsFilterState()).toEqual(given);
    } finally {
      await runner.close();
    }
  });
});

describe('env.normalizeObservations with 2 runner actors (local mode)', () => {
  it('gives both runners the same statistic, which merges what both observed (and nothing evaluation saw)', async () => {
    await init({ localMode: true });
    try {
      let group: EnvRunnerGroup | undefined;
      const checks: { iteration: number; runners: RunningMeanStdState[]; run: RunningMeanStdState }[] = [];
      const dir = runDir();
      const r = await train(
        config(
          'envRunners.numEnvRunners=2',
          'stop.iterations=3',
          'evaluation.interval=1',
          'evaluation.episodes=2',
        ),
        {
          algorithm,
          runDir: dir,
          handleSigint: false,
          onRunnersReady: (g) => {
            group = g;
          },
          onIteration: async (row) => {
            const runners = (await Promise.all(
              group!.actors.map((h) => get(h.call('obsFilterState'))),
            )) as RunningMeanStdState[];
            checks.push({ iteration: row.iteration, runners, run: group!.obsFilterState()! });
          },
        },
      );
      expect(checks.map((c) => c.iteration)).toEqual([1, 2, 3]);
      for (const { iteration, runners, run } of checks) {
        // Both sampled this round with the one statistic they were sent...
        expect(runners[1]).toEqual(runners[0]);
        // ...and the run's statistic now also holds what both observed in the round: 2 runners x
        // 16 steps x 2 envs, plus their 2 reset observations each in the first round.
        expect(run.count - runners[0]!.count).toBeCloseTo(2 * 16 * 2 + (iteration === 1 ? 4 : 0), 6);
      }
      expect(checks[1]!.runners[0]).toEqual(checks[0]!.run);
      // The checkpoint holds the run's statistic: every training observation once, no evaluation one.
      expect(filterOf(r.checkpointDir!)!.count).toBeCloseTo(2 * (2 + 3 * 16 * 2), 3);
      expect(r.last?.evaluation?.episodes).toBe(2);
    } finally {
      await shutdown();
    }
  });

  it('is restored on resume: the resumed 2-runner run equals the uninterrupted one', async () => {
    await init({ localMode: true });
    try {
      const sets = ['envRunners.numEnvRunners=2'];
      const full = runDir();
      await train(config(...sets, 'stop.iterations=4', 'checkpoint.interval=2'), {
        algorithm,
        runDir: full,
        handleSigint: false,
      });
      const half = runDir();
      await train(config(...sets, 'stop.iterations=2', 'checkpoint.interval=2'), {
        algorithm,
        runDir: half,
        handleSigint: false,
      });
      const resumed = runDir();
      await train(config(...sets, 'stop.iterations=4', 'checkpoint.interval=2'), {
        algorithm,
        runDir: resumed,
        resumeFrom: join(half, 'checkpoints', '2'),
        handleSigint: false,
      });
      expect(returns(resumed)).toEqual(returns(full).slice(2));
      expect(filterOf(join(resumed, 'checkpoints', '4'))).toEqual(filterOf(join(full, 'checkpoints', '4')));
    } finally {
      await shutdown();
    }
  });
});

describe('env.normalizeObservations with asynchronous sampling', () => {
  it('counts every observation once, samples drained for a checkpoint included', async () => {
    await init({ localMode: true });
    const ctx = await buildContext(config('envRunners.numEnvRunners=2'), algorithm);
    const group = await EnvRunnerGroup.create({ specs: trainingRunnerSpecs(ctx, algorithm), mode: 'actors' });
    try {
      const { weights } = await createPolicyWeights(ctx);
      group.publishWeights(weights);
      let returned = 0;
      for (let k = 0; k < 3; k++) returned += (await group.sample({ async: true })).envSteps;
      // A checkpoint drains the calls in flight: their observations are in the statistic it saves...
      await group.getStates();
      const atCheckpoint = group.obsFilterState()!.count;
      // ...and the next round returns those samples without counting them again.
      for (let k = 0; k < 3; k++) returned += (await group.sample({ async: true })).envSteps;
      await group.getStates();
      returned += (await group.sample()).envSteps; // only drained samples: nothing left in flight
      // 2 runners x 2 envs reset observations, then every env step of every returned sample.
      expect(group.obsFilterState()!.count).toBeCloseTo(4 + returned, 3);
      expect(atCheckpoint).toBeGreaterThan(4);
    } finally {
      await group.close();
      await shutdown();
    }
  });
});

describe('env.normalizeObservations with 2 runner actors in worker processes', () => {
  it("merges both runners' reports over the wire into the one statistic they are sent", async () => {
    await init({ numCpus: 2 });
    try {
      let group: EnvRunnerGroup | undefined;
      const same: boolean[] = [];
      const r = await train(
        config(
          'env.id=./envs/builtin/cartpole.ts:CartPoleEnv',
          'envRunners.numEnvRunners=2',
          'envRunners.sampleTimeoutMs=30000',
          'stop.iterations=2',
          'checkpoint.interval=2',
        ),
        {
          algorithm,
          runDir: runDir(),
          handleSigint: false,
          onRunnersReady: (g) => {
            group = g;
          },
          onIteration: async () => {
            const [a, b] = (await Promise.all(
              group!.actors.map((h) => get(h.call('obsFilterState'))),
            )) as RunningMeanStdState[];
            same.push(JSON.stringify(a) === JSON.stringify(b));
          },
        },
      );
      expect(same).toEqual([true, true]);
      expect(filterOf(r.checkpointDir!)!.count).toBeCloseTo(2 * (2 + 2 * 16 * 2), 3);
    } finally {
      await shutdown();
    }
  }, 120_000);
});

describe('loadPolicy and rl export with env.normalizeObservations', () => {
  it('standardise raw observations with the saved statistic, acting as the evaluation runner does', async () => {
    const dir = runDir();
    const r = await train(config('stop.iterations=3'), { algorithm, runDir: dir, handleSigint: false });
    const saved = filterOf(r.checkpointDir!)!;
    const policy = await loadPolicy(r.checkpointDir!);
    const exported = await exportTfjs(r.checkpointDir!, join(dir, 'export'), {
      resolveAlgorithm: getAlgorithm,
    });
    expect(exported.info.obsNormalizationFolded).toBe(true);
    const tf = requireTf();
    const modelJson = JSON.parse(readFileSync(join(dir, 'export', 'model.json'), 'utf8')) as {
      modelTopology: object;
      weightsManifest: { weights: io.WeightsManifestEntry[] }[];
    };
    const bin = readFileSync(join(dir, 'export', 'weights.bin'));
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs: modelJson.weightsManifest[0]!.weights,
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
      }),
    );
    const ctx = await buildContext(config('stop.iterations=1'), algorithm);
    const runner = await buildEnvRunner({ ...evaluationRunnerSpec(ctx, algorithm), numEnvs: 1 });
    try {
      runner.setWeights(loadCheckpoint(r.checkpointDir!).weights);
      runner.setObsFilterState(saved);
      await runner.reset(7);
      const raw = (runner.env as NormalizeVectorObservation).rawObs;
      for (let t = 0; t < 40; t++) {
        const obs = Array.from(raw);
        const { fragment } = await runner.sample();
        const action = fragment.batch.int32('actions')[0];
        expect(policy.computeAction(obs, { deterministic: true })).toBe(action);
        const logits = model.predict(tf.tensor2d([obs])) as Tensor;
        const scores = Array.from(await logits.data());
        logits.dispose();
        expect(scores.indexOf(Math.max(...scores))).toBe(action);
      }
    } finally {
      await runner.close();
      model.dispose();
      policy.dispose();
    }
  });
});

describe('checkpoints of older tsrl versions', () => {
  it('takes a statistic saved in the runner state (state.runners[0].obsFilter) as the run one', async () => {
    const dir = runDir();
    const r = await train(config('stop.iterations=3'), { algorithm, runDir: dir, handleSigint: false });
    const saved = filterOf(r.checkpointDir!)!;
    editState(r.checkpointDir!, (state) => {
      (state['runners'] as Record<string, unknown>[])[0]!['obsFilter'] = state['obsFilter'];
      delete state['obsFilter'];
    });
    const { snapshot, migratedFrom } = readRunCheckpoint(r.checkpointDir!, 'ppo', {
      normalize: true,
      size: 4,
    });
    expect(snapshot.obsFilter).toEqual(saved);
    expect(migratedFrom).toBe('state.runners[i].obsFilter');
    const evaluated = await evaluateCheckpoint(r.checkpointDir!, {
      resolveAlgorithm: getAlgorithm,
      episodes: 2,
      writeResult: false,
    });
    expect(evaluated.summary.episodes).toBe(2);
  });

  it('merges per-env statistics (NormalizeObservation around every env) and unwraps the env states', async () => {
    const dir = runDir();
    const r = await train(config('env.id=CartPole-v1', 'stop.iterations=1', 'checkpoint.interval=1'), {
      algorithm,
      runDir: dir,
      handleSigint: false,
    });
    const envState = (loadCheckpoint(r.checkpointDir!).state['runners'] as { env: { envs: unknown[] } }[])[0]!
      .env;
    expect(envState.envs).toHaveLength(2);
    const a = { mean: [1, 0, 0, 0], var: [1, 1, 1, 1], count: 10 };
    const b = { mean: [3, 0, 0, 0], var: [2, 1, 1, 1], count: 30 };
    editState(r.checkpointDir!, (state) => {
      delete state['obsFilter'];
      const env = (state['runners'] as { env: { envs: unknown[] } }[])[0]!.env;
      env.envs = env.envs.map((inner, j) => ({ rms: j === 0 ? a : b, env: inner }));
    });
    const { snapshot } = readRunCheckpoint(r.checkpointDir!, 'ppo', { normalize: true, size: 4 });
    // Pooled over 40 samples: mean (10*1 + 30*3)/40 = 2.5; variance
    // (10*(1 + 1.5^2) + 30*(2 + 0.5^2))/40 = (32.5 + 67.5)/40 = 2.5.
    expect(snapshot.obsFilter!.count).toBeCloseTo(40, 9);
    expect(snapshot.obsFilter!.mean[0]).toBeCloseTo(2.5, 9);
    expect(snapshot.obsFilter!.var[0]).toBeCloseTo(2.5, 9);
    expect(snapshot.obsFilter!.var[1]).toBeCloseTo(1, 9);
    expect((snapshot.runners[0] as unknown as { env: unknown }).env).toEqual(envState);
    // And the run resumes from it.
    const resumed = await train(config('env.id=CartPole-v1', 'stop.iterations=2', 'checkpoint.interval=1'), {
      algorithm,
      runDir: runDir(),
      resumeFrom: r.checkpointDir!,
      handleSigint: false,
    });
    expect(resumed.last?.iteration).toBe(2);
    expect(filterOf(resumed.checkpointDir!)!.count).toBeCloseTo(40 + 16 * 2, 6);
  });

  it('refuses a checkpoint with no statistic anywhere, naming the fields it looked for', async () => {
    const dir = runDir();
    const r = await train(config('stop.iterations=3'), { algorithm, runDir: dir, handleSigint: false });
    editState(r.checkpointDir!, (state) => {
      delete state['obsFilter'];
    });
    await expect(
      evaluateCheckpoint(r.checkpointDir!, {
        resolveAlgorithm: getAlgorithm,
        episodes: 1,
        writeResult: false,
      }),
    ).rejects.toThrow(
      /env\.normalizeObservations is on but the checkpoint holds no observation statistic \(manifest\.json state\.obsFilter; older checkpoints: state\.runners\[i\]\.obsFilter or state\.runners\[i\]\.env\.envs\[j\]\.rms\)/,
    );
  });
});

describe('rl evaluate --render with env.normalizeObservations', () => {
  it("draws the env's raw observations, not the normalised ones the policy sees", async () => {
    const dir = runDir();
    const r = await train(config('stop.iterations=3'), { algorithm, runDir: dir, handleSigint: false });
    // A statistic far from the data: normalised values would be near -10, raw ones are CartPole's.
    editState(r.checkpointDir!, (state) => {
      state['obsFilter'] = { mean: [10, 10, 10, 10], var: [1, 1, 1, 1], count: 100 };
    });
    const frames: string[] = [];
    await evaluateCheckpoint(r.checkpointDir!, {
      resolveAlgorithm: getAlgorithm,
      episodes: 1,
      render: true,
      onFrame: (f) => frames.push(f),
      writeResult: false,
    });
    const first = /obs \[([^\]]*)\]/.exec(frames[0]!)![1]!.split(', ').map(Number);
    expect(first).toHaveLength(4);
    // CartPole resets every state variable uniformly in [-0.05, 0.05].
    for (const v of first) expect(Math.abs(v)).toBeLessThanOrEqual(0.05);
  });
});
