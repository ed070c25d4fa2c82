import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dqn } from '../../../algorithms/dqn/index.js';
import { DqnLearner } from '../../../algorithms/dqn/learner.js';
import { numActionsOf, qNetSpec } from '../../../algorithms/dqn/model.js';
import { DqnPolicy } from '../../../algorithms/dqn/policy.js';
import { get, init, ObjectRef, shutdown } from '../../../core/index.js';
import { setLogLevel } from '../../../core/logger.js';
import { SeededRng } from '../../../envs/rng.js';
import type { AlgorithmContext, AnyAlgorithmDefinition } from '../../../rl/algorithm.js';
import { initBackend } from '../../../rl/backend/backend.js';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { resolveConfig } from '../../../rl/config/resolve.js';
import { EnvRunnerGroup } from '../../../rl/env-runner/env-runner-group.js';
import { validateRunnerControl, validateVersionedWeights } from '../../../rl/env-runner/runner-control.js';
import { fragmentFromPlain } from '../../../rl/env-runner/runner-sample-codec.js';
import { Columns } from '../../../rl/sample-batch/columns.js';
import { buildContext, trainingRunnerSpecs } from '../../../rl/training/build-run.js';

setLogLevel('error');
const algorithm = dqn as unknown as AnyAlgorithmDefinition;
let ctx: AlgorithmContext;
let learner: DqnLearner;

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  const schema = buildConfigSchema(dqn.trainingSchema);
  const config = resolveConfig({
    schema,
    algo: 'dqn',
    sets: [
      'backend=cpu',
      'env.numEnvsPerRunner=2',
      'envRunners.numEnvRunners=2',
      'envRunners.rolloutFragmentLength=50',
      'model.hiddenSizes=[8]',
    ],
  });
  ctx = await buildContext(config, algorithm);
  const t = ctx.training as never;
  const numActions = numActionsOf(ctx.actionSpace);
  learner = new DqnLearner({
    spec: qNetSpec(ctx.obsSize, numActions, config.model, false),
    numActions,
    training: t,
    seed: 3,
  });
  await init({ localMode: true });
});
afterAll(async () => {
  learner.dispose();
  await shutdown();
});

describe('EnvRunnerGroup (actors, local mode)', () => {
  it('hands samples over by ref, pulls the latest weights version, applies per-runner control', async () => {
    const group = await EnvRunnerGroup.create({ specs: trainingRunnerSpecs(ctx, algorithm), mode: 'actors' });
    try {
      const weights = await learner.getWeights();
      group.publishWeights(weights);
      group.setControl([{ epsilon: 1 }, { epsilon: 0 }]);
      const r1 = await group.sample();
      expect(r1.fragments.map((f) => f.kind)).toEqual(['ref', 'ref']);
      expect(r1.runnerIndexes).toEqual([0, 1]);
      expect(r1.weightLags).toEqual([0, 0]);
      expect(r1.envSteps).toBe(2 * 2 * 50);
      const [f0, f1] = await group.resolve(r1.fragments);
      // Runner 1 (epsilon 0) is greedy under the published weights; runner 0 (epsilon 1) is uniform.
      const policy = new DqnPolicy(qNetSpec(ctx.obsSize, 2, ctx.config.model, false), 2, false);
      policy.setWeights(weights);
      const greedyMatches = (f: typeof f0) => {
        const obs = f!.batch.float32(Columns.OBS);
        const out = { actions: new Int32Array(f!.batch.count), extras: {} };
        policy.act(obs, f!.batch.count, false, SeededRng.fromSeed(0), out);
        const acts = f!.batch.int32(Columns.ACTIONS);
        return out.actions.filter((a, i) => a === acts[i]).length / acts.length;
      };
      expect(greedyMatches(f1)).toBe(1);
      expect(greedyMatches(f0)).toBeLessThan(0.8);

      // Versions published while no call was in flight: runners jump to the latest (lag 0).
      group.publishWeights(weights);
      group.publishWeights(weights);
      expect(group.weightsVersion).toBe(2);
      expect((await group.sample()).weightLags).toEqual([0, 0]);

      // Asynchronous: the calls resubmitted after a round sampled with version 2; publishing 3
      // before collecting them makes their lag 1.
      const a1 = await group.sample({ async: true });
      expect(a1.fragments.length).toBeGreaterThanOrEqual(1);
      group.publishWeights(weights);
      let lagged = 0;
      for (let k = 0; k < 4; k++) {
        const a = await group.sample({ async: true });
        lagged += a.weightLags.filter((l) => l === 1).length;
        expect(a.weightLags.every((l) => l === 0 || l === 1)).toBe(true);
      }
      expect(lagged).toBeGreaterThanOrEqual(1);
      // A checkpoint drains the calls in flight; their samples come back with the next round.
      const states = await group.getStates();
      expect(states).toHaveLength(2);
      const after = await group.sample({ async: true });
      expect(after.fragments.length).toBeGreaterThanOrEqual(1);
    } finally {
      await group.close();
    }
  });

  it('a runner actor puts its rows itself: its sample call returns only their ref and the metadata', async () => {
    const group = await EnvRunnerGroup.create({ specs: trainingRunnerSpecs(ctx, algorithm), mode: 'actors' });
    try {
      group.publishWeights(await learner.getWeights());
      // The group hands the ref the runner put its rows under on as the fragment: a learner or replay
      // actor reads the rows by it.
      const round = await group.sample();
      const f = round.fragments[0]!;
      expect(f.kind).toBe('ref');
      if (f.kind !== 'ref') return;
      expect(fragmentFromPlain(await get(f.ref)).batch.count).toBe(2 * 50);
      // What the driver reads of a sample call: the metadata, the rows as a ref.
      const meta = (await get(group.actors[0]!.call('sample', null, null, null))) as unknown as Record<
        string,
        unknown
      >;
      expect(Object.keys(meta).sort()).toEqual([
        'envSteps',
        'episodes',
        'fragment',
        'numEnvs',
        'weightsVersion',
      ]);
      expect(meta['fragment']).toBeInstanceOf(ObjectRef);
      const rows = fragmentFromPlain(await get(meta['fragment'] as ObjectRef<unknown>));
      expect(rows.batch.count).toBe(2 * 50);
    } finally {
      await group.close();
    }
  });

  it('validates control and versioned weights from the wire', () => {
    expect(validateRunnerControl({ epsilon: 0.25 })).toEqual({ epsilon: 0.25 });
    expect(() => validateRunnerControl({ epsilon: 2 })).toThrow(/epsilon \(2\) must be a number in \[0, 1\]/);
    expect(() => validateRunnerControl({ temperature: 1 })).toThrow(/unknown field 'temperature'/);
    expect(() => validateRunnerControl([])).toThrow(/must be an object/);
    expect(() => validateVersionedWeights({ version: -2, weights: [] })).toThrow(/version \(-2\)/);
    expect(() => validateVersionedWeights({ version: 0, weights: 3 })).toThrow(/weights/);
  });
});
