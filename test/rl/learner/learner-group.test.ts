import { describe, expect, it } from 'vitest';
import { ppo } from '../../../algorithms/ppo/index.js';
import { init, shutdown } from '../../../core/index.js';
import type { AnyAlgorithmDefinition } from '../../../rl/algorithm.js';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { resolveConfig } from '../../../rl/config/resolve.js';
import { buildEnvRunner } from '../../../rl/env-runner/build-env-runner.js';
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
      const b = await actor.update([fragment], { envSteps: 0, iteration: 0 });
      expect(b).toEqual(a);
      const wa = await local.getWeights();
      const wb = await actor.getWeights();
      expect(wb.map((w) => Array.from(w.data))).toEqual(wa.map((w) => Array.from(w.data)));
      await local.close();
      await actor.close();
      await expect(
        LearnerGroup.create({ spec: learnerSpec(ctx, algorithm), mode: 'local', numLearners: 2 }),
      ).rejects.toThrow(/numLearners \(2\) must be 1/);
    } finally {
      await shutdown();
      await runner.close();
    }
  });
});
