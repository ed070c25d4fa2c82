/**
 * Every TensorFlow.js kernel our learners run has a webgpu kernel. CI has no GPU (issue 12), so the
 * learners run here on wasm under `tf.profile`, which lists the kernels each one dispatched, and the list
 * is checked against the kernels `@tensorflow/tfjs-backend-webgpu` registers (it registers them at
 * import, without a GPU; only the backend itself needs an adapter). A kernel missing there would stop a
 * GPU run at its first step with "Kernel 'X' not registered for backend 'webgpu'".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAlgorithm } from '../../../algorithms/index.js';
import { PPO_TRAINING } from '../../../algorithms/ppo/config.js';
import { PpoLearner } from '../../../algorithms/ppo/learner.js';
import type { ActorCriticSpec } from '../../../algorithms/ppo/model.js';
import { setLogLevel } from '../../../core/logger.js';
import '../../../envs/builtin/index.js';
import { SeededRng } from '../../../envs/rng.js';
import type { Fragment } from '../../../rl/algorithm.js';
import { initBackend, requireTf } from '../../../rl/backend/backend.js';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { resolveConfig } from '../../../rl/config/resolve.js';
import { Columns } from '../../../rl/sample-batch/columns.js';
import { SampleBatch } from '../../../rl/sample-batch/sample-batch.js';
import { train } from '../../../rl/training/train.js';

let webgpuKernels: ReadonlySet<string>;
const dirs: string[] = [];
beforeAll(async () => {
  setLogLevel('warn');
  await initBackend({ backend: 'wasm' });
  // An optional dependency that `npm ci` installs on linux-x64 (CI's platform).
  await import('@tensorflow/tfjs-backend-webgpu');
  webgpuKernels = new Set(
    requireTf()
      .getKernelsForBackend('webgpu')
      .map((k) => k.kernelName),
  );
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * The kernels `run` dispatches (at least a few, `ran` among them) that webgpu lacks.
 * The profile also lists the scopes of ops with a custom gradient (`fusedMatMul__op`,
 * `logSoftmax__op`): those are not kernels, their kernels are listed on their own.
 */
async function missingOnWebgpu(run: () => Promise<unknown>, ran: string): Promise<string[]> {
  const profile = await requireTf().profile(async () => {
    await run();
  });
  const kernels = profile.kernelNames.filter((k) => !k.endsWith('__op'));
  expect(kernels.length).toBeGreaterThan(10);
  // A kernel of the learner's step, so a run that never reached the learner does not pass.
  expect(kernels).toContain(ran);
  return kernels.filter((k) => !webgpuKernels.has(k));
}

describe('the kernels of the device learners exist on webgpu', () => {
  it('the webgpu package registers its kernels here (conv gradients among them)', () => {
    expect(webgpuKernels.size).toBeGreaterThan(100);
    expect(webgpuKernels.has('Conv2DBackpropFilter')).toBe(true);
    // And the check can fail: a kernel wasm has and webgpu does not.
    expect(webgpuKernels.has('Unique')).toBe(false);
  });

  // `ran`: Adam's square root, or the conv torso's filter gradient.
  const PRESETS: readonly { algo: string; file: string; sets: readonly string[]; ran: string }[] = [
    {
      algo: 'ppo',
      file: 'configs/minatar-breakout-ppo.yaml',
      sets: ['env.numEnvsPerRunner=2', 'envRunners.rolloutFragmentLength=32', 'training.numEpochs=1'],
      ran: 'Conv2DBackpropFilter',
    },
    {
      algo: 'dqn',
      file: 'configs/cartpole-dqn.yaml',
      sets: ['training.learningStarts=64', 'training.batchSize=32', 'training.trainingIntensity=0.5'],
      ran: 'Sqrt',
    },
    {
      algo: 'dqn',
      file: 'configs/cartpole-dqn.yaml',
      sets: [
        'training.learningStarts=64',
        'training.batchSize=32',
        'training.dueling=true',
        'training.prioritized=true',
      ],
      ran: 'Sqrt',
    },
    {
      algo: 'sac',
      file: 'configs/pendulum-sac.yaml',
      sets: ['training.learningStarts=64', 'training.batchSize=32'],
      ran: 'Sqrt',
    },
  ];
  for (const p of PRESETS) {
    it(`${p.algo} ${p.file} ${p.sets.filter((s) => /dueling|prioritized/.test(s)).join(' ')}: training, evaluation and checkpoint`, async () => {
      const algorithm = getAlgorithm(p.algo);
      const schema = buildConfigSchema(algorithm.trainingSchema, {
        refine: (c, ctx) => algorithm.refineConfig?.(c, ctx),
      });
      const config = resolveConfig({
        schema,
        algo: p.algo,
        file: p.file,
        sets: [
          'backend=wasm',
          'envRunners.numEnvRunners=0',
          'evaluation.interval=1',
          'evaluation.episodes=1',
          'checkpoint.atEnd=true',
          'checkpoint.intervalMs=0',
          'stop={envSteps: 192}',
          ...p.sets,
        ],
      });
      const dir = mkdtempSync(join(tmpdir(), `tsrl-webgpu-kernels-${p.algo}-`));
      dirs.push(dir);
      expect(
        await missingOnWebgpu(() => train(config, { algorithm, runDir: dir, handleSigint: false }), p.ran),
      ).toEqual([]);
    }, 300_000);
  }

  // PPO's MLP heads take the device path on a GPU (plain JS only off it): each head once.
  const HEADS: readonly ActorCriticSpec['head'][] = [
    { kind: 'categorical', numActions: 3 },
    { kind: 'gaussian', actionSize: 2 },
    { kind: 'multiCategorical', nvec: [3, 2] },
  ];
  for (const head of HEADS) {
    it(`ppo device gradients, ${head.kind} head`, async () => {
      const spec: ActorCriticSpec = { obsSize: 4, hiddenSizes: [8], activation: 'tanh', head };
      const training = PPO_TRAINING.parse({ numEpochs: 1, numMinibatches: 2, targetKl: 10 }, 'training');
      const learner = new PpoLearner({ spec, training, annealEnvSteps: 1000, seed: 1, gradients: 'device' });
      try {
        expect(
          await missingOnWebgpu(async () => {
            await learner.update([fragment(spec)], { envSteps: 0, iteration: 0 });
            await learner.getState();
          }, 'Sqrt'),
        ).toEqual([]);
      } finally {
        learner.dispose();
      }
    });
  }
});

/** 16 rows of random data for `spec`. */
function fragment(spec: ActorCriticSpec): Fragment {
  const n = 16;
  const rng = SeededRng.fromSeed(3);
  const head = spec.head;
  const actions =
    head.kind === 'categorical'
      ? Int32Array.from({ length: n }, () => rng.nextInt(head.numActions))
      : head.kind === 'multiCategorical'
        ? Int32Array.from({ length: n * head.nvec.length }, (_, i) =>
            rng.nextInt(head.nvec[i % head.nvec.length]!),
          )
        : Float32Array.from({ length: n * head.actionSize }, () => rng.normal());
  const width =
    head.kind === 'categorical' ? 0 : head.kind === 'multiCategorical' ? head.nvec.length : head.actionSize;
  const batch = new SampleBatch(
    n,
    {
      [Columns.OBS]: Float32Array.from({ length: n * spec.obsSize }, () => rng.normal()),
      [Columns.ACTIONS]: actions,
      [Columns.REWARDS]: Float32Array.from({ length: n }, () => rng.normal()),
      [Columns.TERMINATED]: new Uint8Array(n),
      [Columns.TRUNCATED]: new Uint8Array(n),
      [Columns.LOG_PROBS]: new Float32Array(n).fill(-1),
      [Columns.VALUE_PREDS]: new Float32Array(n),
    },
    { [Columns.OBS]: [spec.obsSize], [Columns.ACTIONS]: width === 0 ? [] : [width] },
  );
  return { batch, numEnvs: 2, lastValues: new Float32Array(2) };
}
