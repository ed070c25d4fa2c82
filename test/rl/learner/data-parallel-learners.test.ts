import { describe, expect, it } from 'vitest';
import { dqn } from '../../../algorithms/dqn/index.js';
import { ppo } from '../../../algorithms/ppo/index.js';
import { sac } from '../../../algorithms/sac/index.js';
import { init, shutdown } from '../../../core/index.js';
import type { AnyAlgorithmDefinition, Fragment } from '../../../rl/algorithm.js';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { resolveConfig } from '../../../rl/config/resolve.js';
import { LearnerGroup } from '../../../rl/learner/learner-group.js';
import { Columns } from '../../../rl/sample-batch/columns.js';
import { SampleBatch } from '../../../rl/sample-batch/sample-batch.js';
import { buildContext, learnerSpec } from '../../../rl/training/build-run.js';
import { registerStatefulCartPole } from '../training/fixtures/stateful-cartpole.js';

registerStatefulCartPole();

/** A deterministic replay minibatch of B CartPole-shaped rows, different per `k`. */
function minibatch(B: number, k: number): SampleBatch {
  return new SampleBatch(
    B,
    {
      [Columns.OBS]: Float32Array.from({ length: B * 4 }, (_, i) => Math.sin(i + 7 * k)),
      [Columns.NEXT_OBS]: Float32Array.from({ length: B * 4 }, (_, i) => Math.cos(i * 0.7 + k)),
      [Columns.ACTIONS]: Int32Array.from({ length: B }, (_, i) => (i + k) % 2),
      [Columns.REWARDS]: Float32Array.from({ length: B }, (_, i) => 1 - ((i * k) % 3) / 2),
      [Columns.TERMINATED]: Uint8Array.from({ length: B }, (_, i) => (i % 5 === 0 ? 1 : 0)),
      [Columns.TRUNCATED]: new Uint8Array(B),
      [Columns.WEIGHTS]: Float32Array.from({ length: B }, (_, i) => 0.5 + (i % 4) / 8),
      [Columns.DISCOUNTS]: new Float32Array(B).fill(0.97),
    },
    { [Columns.OBS]: [4], [Columns.NEXT_OBS]: [4], [Columns.ACTIONS]: [] },
  );
}

/** A PPO fragment of T steps x N envs with CartPole-shaped rows (old log-probs and values made up). */
function ppoFragment(T: number, N: number, k: number): Fragment {
  const B = T * N;
  const batch = new SampleBatch(
    B,
    {
      [Columns.OBS]: Float32Array.from({ length: B * 4 }, (_, i) => Math.sin(0.3 * i + k)),
      [Columns.ACTIONS]: Int32Array.from({ length: B }, (_, i) => (i * 7 + k) % 2),
      [Columns.REWARDS]: Float32Array.from({ length: B }, (_, i) => (i % 3 === 0 ? 1 : 0.5)),
      [Columns.TERMINATED]: Uint8Array.from({ length: B }, (_, i) => (i % 29 === 0 ? 1 : 0)),
      [Columns.TRUNCATED]: new Uint8Array(B),
      [Columns.LOG_PROBS]: Float32Array.from({ length: B }, (_, i) => -0.69 + 0.05 * Math.cos(i)),
      [Columns.VALUE_PREDS]: Float32Array.from({ length: B }, (_, i) => 0.1 * Math.sin(i * 0.5)),
    },
    { [Columns.OBS]: [4], [Columns.ACTIONS]: [] },
  );
  return { batch, numEnvs: N, lastValues: new Float32Array(N).fill(0.2) };
}

/** A deterministic SAC minibatch of B Pendulum-shaped rows (obs 3, action 1 in [-2, 2]). */
function sacMinibatch(B: number, k: number): SampleBatch {
  return new SampleBatch(
    B,
    {
      [Columns.OBS]: Float32Array.from({ length: B * 3 }, (_, i) => Math.sin(i + 5 * k)),
      [Columns.NEXT_OBS]: Float32Array.from({ length: B * 3 }, (_, i) => Math.cos(0.9 * i + k)),
      [Columns.ACTIONS]: Float32Array.from({ length: B }, (_, i) => 2 * Math.sin(3 * i + k)),
      [Columns.REWARDS]: Float32Array.from({ length: B }, (_, i) => -((i + k) % 7) / 3),
      [Columns.TERMINATED]: Uint8Array.from({ length: B }, (_, i) => (i % 11 === 0 ? 1 : 0)),
      [Columns.TRUNCATED]: new Uint8Array(B),
    },
    { [Columns.OBS]: [3], [Columns.NEXT_OBS]: [3], [Columns.ACTIONS]: [1] },
  );
}

/** Learner weights (online and targets) of two groups, equal within float tolerance. */
async function expectSameWeights(one: LearnerGroup, two: LearnerGroup): Promise<void> {
  const w1 = (await one.getState()).weights;
  const w2 = (await two.getState()).weights;
  expect(w2.map((w) => w.name)).toEqual(w1.map((w) => w.name));
  let maxDiff = 0;
  w1.forEach((w, i) => {
    const d = w2[i]!.data;
    for (let j = 0; j < w.data.length; j++) maxDiff = Math.max(maxDiff, Math.abs(d[j]! - w.data[j]!));
  });
  expect(maxDiff).toBeLessThan(1e-5);
  // The first update moved them: the comparison is not between two untouched initialisations.
  const replicas = await two.parallel!.allWeights();
  expect(replicas[1]!.map((w) => Array.from(w.data))).toEqual(replicas[0]!.map((w) => Array.from(w.data)));
}

describe('data-parallel learners (learners.numLearners)', () => {
  it('N = 2 gives the same parameters as N = 1 on the same minibatches; both replicas identical', async () => {
    const def = dqn as unknown as AnyAlgorithmDefinition;
    const config = resolveConfig({
      schema: buildConfigSchema(dqn.trainingSchema),
      algo: 'dqn',
      sets: [
        'backend=cpu',
        'env.id=stateful-cartpole://x',
        'model.hiddenSizes=[16]',
        'training.lr=0.01',
        'training.targetUpdateInterval=2',
        'training.maxGradNorm=0.5',
      ],
    });
    const ctx = await buildContext(config, def);
    await init({ localMode: true });
    try {
      const one = await LearnerGroup.create({ spec: learnerSpec(ctx, def), mode: 'local' });
      const two = await LearnerGroup.create({ spec: learnerSpec(ctx, def), mode: 'local', numLearners: 2 });
      for (let k = 0; k < 4; k++) {
        const info = { envSteps: 2 * k, iteration: k };
        const a = await one.updateWithTdErrors(minibatch(32, k), info);
        const b = await two.updateWithTdErrors(minibatch(32, k), info);
        // TD errors come back per row in batch order (before the update, so from equal parameters).
        for (let i = 0; i < 32; i++) expect(b.tdErrors[i]).toBeCloseTo(a.tdErrors[i]!, 5);
        expect(b.stats['loss']).toBeCloseTo(a.stats['loss']!, 5);
        // Clipping sees the norm of the averaged gradient: the same as the whole minibatch's.
        expect(b.stats['gradNorm']).toBeCloseTo(a.stats['gradNorm']!, 4);
      }
      await two.update([{ batch: minibatch(32, 9), numEnvs: 1 }], { envSteps: 9, iteration: 4 });
      await one.update([{ batch: minibatch(32, 9), numEnvs: 1 }], { envSteps: 9, iteration: 4 });
      await expectSameWeights(one, two); // online and target networks
      await expect(two.updateWithTdErrors(minibatch(33, 0), { envSteps: 10, iteration: 5 })).rejects.toThrow(
        /33 rows\) must split evenly over learners.numLearners \(2\)/,
      );
      await one.close();
      await two.close();
    } finally {
      await shutdown();
    }
  });

  it('PPO: N = 2 gives the same parameters and stats as N = 1 on the same fragments (epochs, shuffles, advantage normalisation, early stop)', async () => {
    const def = ppo as unknown as AnyAlgorithmDefinition;
    const schema = buildConfigSchema(ppo.trainingSchema, { refine: (c, ctx) => def.refineConfig?.(c, ctx) });
    const sets = [
      'backend=cpu',
      'env.id=stateful-cartpole://x',
      'env.numEnvsPerRunner=4',
      'envRunners.numEnvRunners=0',
      'envRunners.rolloutFragmentLength=16',
      'model.hiddenSizes=[16]',
      'training.numEpochs=3',
      'training.numMinibatches=2',
      'training.maxGradNorm=0.5',
      'training.lr=0.01',
      'stop.envSteps=10000',
    ];
    await init({ localMode: true });
    try {
      for (const extra of [[], ['training.targetKl=0.0005']]) {
        const ctx = await buildContext(
          resolveConfig({ schema, algo: 'ppo', sets: [...sets, ...extra] }),
          def,
        );
        const one = await LearnerGroup.create({ spec: learnerSpec(ctx, def), mode: 'local' });
        const twoCtx = await buildContext(
          resolveConfig({ schema, algo: 'ppo', sets: [...sets, ...extra, 'learners.numLearners=2'] }),
          def,
        );
        const two = await LearnerGroup.create({
          spec: learnerSpec(twoCtx, def),
          mode: 'local',
          numLearners: 2,
        });
        expect(two.parallel!.mode).toBe('fragments');
        for (let k = 0; k < 2; k++) {
          const info = { envSteps: 64 * k, iteration: k };
          const a = await one.update([ppoFragment(16, 4, k)], info);
          const b = await two.update([ppoFragment(16, 4, k)], info);
          expect(b['gradSteps']).toBe(a['gradSteps']);
          expect(b['stoppedEarly']).toBe(a['stoppedEarly']);
          for (const key of ['totalLoss', 'policyLoss', 'vfLoss', 'approxKl', 'gradNorm']) {
            expect(b[key]).toBeCloseTo(a[key]!, 4);
          }
          if (extra.length === 0) expect(a['gradSteps']).toBe(6);
          else expect(a['stoppedEarly']).toBe(1); // the tiny target KL ends the update early
        }
        await expectSameWeights(one, two);
        await one.close();
        await two.close();
      }
      // A minibatch that does not split over the learners is refused when the config is read.
      expect(() => resolveConfig({ schema, algo: 'ppo', sets: [...sets, 'learners.numLearners=3'] })).toThrow(
        /learners.numLearners \(3\) must divide the minibatch \(32 rows/,
      );
    } finally {
      await shutdown();
    }
  });

  it('SAC: N = 2 gives the same parameters as N = 1 on the same minibatches (critics, actor, alpha, targets)', async () => {
    const def = sac as unknown as AnyAlgorithmDefinition;
    const schema = buildConfigSchema(sac.trainingSchema);
    const sets = [
      'backend=cpu',
      'env.id=Pendulum-v1',
      'envRunners.numEnvRunners=0',
      'model.hiddenSizes=[16]',
      'training.targetUpdateInterval=1',
      'training.actorLr=0.01',
      'training.criticLr=0.01',
      'training.alphaLr=0.01',
      'training.maxGradNorm=1',
    ];
    await init({ localMode: true });
    try {
      const ctx = await buildContext(resolveConfig({ schema, algo: 'sac', sets }), def);
      const one = await LearnerGroup.create({ spec: learnerSpec(ctx, def), mode: 'local' });
      const two = await LearnerGroup.create({ spec: learnerSpec(ctx, def), mode: 'local', numLearners: 2 });
      expect(two.parallel!.mode).toBe('minibatch');
      for (let k = 0; k < 3; k++) {
        const info = { envSteps: k, iteration: k };
        const a = await one.update([{ batch: sacMinibatch(32, k), numEnvs: 1 }], info);
        const b = await two.update([{ batch: sacMinibatch(32, k), numEnvs: 1 }], info);
        for (const key of [
          'criticLoss',
          'actorLoss',
          'qMean',
          'entropy',
          'alpha',
          'criticGradNorm',
          'actorGradNorm',
        ]) {
          expect(b[key]).toBeCloseTo(a[key]!, 4);
        }
      }
      await expectSameWeights(one, two); // actor, both critics and both target critics
      const s1 = (await one.getState()).extra;
      const s2 = (await two.getState()).extra;
      expect(s2['logAlpha']).toBeCloseTo(s1['logAlpha'] as number, 6);
      expect(s2['gradSteps']).toBe(3);
      await one.close();
      await two.close();
    } finally {
      await shutdown();
    }
  });
});
