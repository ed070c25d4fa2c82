import { describe, expect, it } from 'vitest';
import { ppo } from '../../../algorithms/ppo/index.js';
import { init, put, shutdown } from '../../../core/index.js';
import type { AnyAlgorithmDefinition } from '../../../rl/algorithm.js';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { resolveConfig } from '../../../rl/config/resolve.js';
import { buildEnvRunner } from '../../../rl/env-runner/build-env-runner.js';
import { fragmentToPlain } from '../../../rl/env-runner/runner-sample-codec.js';
import { LearnerGroup } from '../../../rl/learner/learner-group.js';
import { buildContext, learnerSpec, trainingRunnerSpecs } from '../../../rl/training/build-run.js';
import { registerStatefulCartPole } from '../training/fixtures/stateful-cartpole.js';

registerStatefulCartPole();
const algorithm = ppo as AnyAlgorithmDefinition;

describe('LearnerGroup', () => {
  it('gives the same update in-process and as an actor (local mode)', async () => {
    const schema = buildConfigSchema(ppo.trainingSchema);
    const config = resolveConfig({
      schema,
      algo: 'ppo',
      sets: [
        'backend=cpu',
        'env.id=stateful-cartpole://x',
        'env.numEnvsPerRunner=2',
        'envRunners.rolloutFragmentLength=8',
        'model.hiddenSizes=[8]',
        'training.numMinibatches=2',
      ],
    });
    const ctx = await buildContext(config, algorithm);
    const runner = await buildEnvRunner(trainingRunnerSpecs(ctx, algorithm)[0]!);
    const { fragment } = await runner.sample();
    await init({ localMode: true });
    try {
      const local = await LearnerGroup.create({ spec: learnerSpec(ctx, algorithm), mode: 'local' });
      const actor = await LearnerGroup.create({ spec: learnerSpec(ctx, algorithm), mode: 'actor' });
      const a = await local.update([fragment], { envSteps: 0, iteration: 0 });
      // The actor reads the sample from the object store by ref (as runner actors' samples arrive).
      const ref = put(fragmentToPlain(fragment));
      const b = await actor.update([{ kind: 'ref', ref, numEnvs: fragment.numEnvs }], {
        envSteps: 0,
        iteration: 0,
      });
      expect(b).toEqual(a);
      const wa = await local.getWeights();
      const wb = await actor.getWeights();
      expect(wb.map((w) => Array.from(w.data))).toEqual(wa.map((w) => Array.from(w.data)));
      await local.close();
      await actor.close();
    } finally {
      await shutdown();
      await runner.close();
    }
  });
});

describe('LearnerGroup.updateWithTdErrors', () => {
  it('returns the TD errors from a learner actor as from a local learner (prioritized replay with a remote learner)', async () => {
    const { dqn } = await import('../../../algorithms/dqn/index.js');
    const { SampleBatch } = await import('../../../rl/sample-batch/sample-batch.js');
    const { Columns } = await import('../../../rl/sample-batch/columns.js');
    const def = dqn as unknown as AnyAlgorithmDefinition;
    const config = resolveConfig({
      schema: buildConfigSchema(dqn.trainingSchema),
      algo: 'dqn',
      sets: ['backend=cpu', 'env.id=stateful-cartpole://x', 'model.hiddenSizes=[8]'],
    });
    const ctx = await buildContext(config, def);
    const B = 16;
    const batch = new SampleBatch(
      B,
      {
        [Columns.OBS]: Float32Array.from({ length: B * 4 }, (_, i) => Math.sin(i)),
        [Columns.NEXT_OBS]: Float32Array.from({ length: B * 4 }, (_, i) => Math.cos(i)),
        [Columns.ACTIONS]: Int32Array.from({ length: B }, (_, i) => i % 2),
        [Columns.REWARDS]: new Float32Array(B).fill(1),
        [Columns.TERMINATED]: Uint8Array.from({ length: B }, (_, i) => (i % 3 === 0 ? 1 : 0)),
        [Columns.TRUNCATED]: new Uint8Array(B),
        [Columns.WEIGHTS]: new Float32Array(B).fill(1),
      },
      { [Columns.OBS]: [4], [Columns.NEXT_OBS]: [4], [Columns.ACTIONS]: [] },
    );
    await init({ localMode: true });
    try {
      const local = await LearnerGroup.create({ spec: learnerSpec(ctx, def), mode: 'local' });
      const actor = await LearnerGroup.create({ spec: learnerSpec(ctx, def), mode: 'actor' });
      const a = await local.updateWithTdErrors(batch, { envSteps: 100, iteration: 0 });
      const b = await actor.updateWithTdErrors(batch, { envSteps: 100, iteration: 0 });
      expect(a.tdErrors).toHaveLength(B);
      expect(Array.from(b.tdErrors)).toEqual(Array.from(a.tdErrors));
      expect(b.stats).toEqual(a.stats);
      // PPO's learner has no TD errors: a clear error, not a silent NaN.
      const ppoCtx = await buildContext(
        resolveConfig({
          schema: buildConfigSchema(ppo.trainingSchema),
          algo: 'ppo',
          sets: ['backend=cpu', 'env.id=stateful-cartpole://x'],
        }),
        algorithm,
      );
      const ppoLocal = await LearnerGroup.create({ spec: learnerSpec(ppoCtx, algorithm), mode: 'local' });
      await expect(ppoLocal.updateWithTdErrors(batch, { envSteps: 0, iteration: 0 })).rejects.toThrow(
        /no updateWithTdErrors/,
      );
      await local.close();
      await actor.close();
      await ppoLocal.close();
    } finally {
      await shutdown();
    }
  });
});
