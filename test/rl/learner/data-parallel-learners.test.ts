import { describe, expect, it } from 'vitest';
import { dqn } from '../../../algorithms/dqn/index.js';
import { ppo } from '../../../algorithms/ppo/index.js';
import { init, shutdown } from '../../../core/index.js';
import type { AnyAlgorithmDefinition } from '../../../rl/algorithm.js';
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
      const w1 = (await one.getState()).weights; // online and target networks
      const w2 = (await two.getState()).weights;
      expect(w2.map((w) => w.name)).toEqual(w1.map((w) => w.name));
      w1.forEach((w, i) => {
        const d = w2[i]!.data;
        for (let j = 0; j < w.data.length; j++) expect(d[j]).toBeCloseTo(w.data[j]!, 5);
      });
      const replicas = await two.parallel!.allWeights();
      expect(replicas[1]!.map((w) => Array.from(w.data))).toEqual(
        replicas[0]!.map((w) => Array.from(w.data)),
      );
      await expect(two.updateWithTdErrors(minibatch(33, 0), { envSteps: 10, iteration: 5 })).rejects.toThrow(
        /33 rows\) must split evenly over learners.numLearners \(2\)/,
      );
      await one.close();
      await two.close();

      // PPO's learner runs its own minibatch epochs: no gradient seam, so N > 1 is refused clearly.
      const ppoDef = ppo as unknown as AnyAlgorithmDefinition;
      const ppoCtx = await buildContext(
        resolveConfig({
          schema: buildConfigSchema(ppo.trainingSchema),
          algo: 'ppo',
          sets: ['backend=cpu', 'env.id=stateful-cartpole://x'],
        }),
        ppoDef,
      );
      await expect(
        LearnerGroup.create({ spec: learnerSpec(ppoCtx, ppoDef), mode: 'local', numLearners: 2 }),
      ).rejects.toThrow(/computeGradients and applyGradients/);
    } finally {
      await shutdown();
    }
  });
});
