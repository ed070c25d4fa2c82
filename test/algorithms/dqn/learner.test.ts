import { beforeAll, describe, expect, it } from 'vitest';
import { DQN_TRAINING, type DqnTraining } from '../../../algorithms/dqn/config.js';
import { DqnLearner } from '../../../algorithms/dqn/learner.js';
import { DqnPolicy } from '../../../algorithms/dqn/policy.js';
import { SeededRng } from '../../../envs/rng.js';
import { initBackend, requireTf } from '../../../rl/backend/backend.js';
import { Columns } from '../../../rl/sample-batch/columns.js';
import { SampleBatch } from '../../../rl/sample-batch/sample-batch.js';
import { withoutSyncReads } from '../../support/no-sync-reads.js';

const training = (over: Partial<DqnTraining> = {}): DqnTraining => ({
  ...(DQN_TRAINING.parse({}, 'training') as DqnTraining),
  lr: 0.01,
  targetUpdateInterval: 100,
  explorationEnvSteps: 1000,
  ...over,
});
const spec = { inputSize: 2, hiddenSizes: [8], outputSize: 3, activation: 'relu' as const };

function batch(B: number, seed: number, terminal = false): SampleBatch {
  const rng = SeededRng.fromSeed(seed);
  return new SampleBatch(
    B,
    {
      [Columns.OBS]: new Float32Array(B * 2).map(() => rng.normal()),
      [Columns.NEXT_OBS]: new Float32Array(B * 2).map(() => rng.normal()),
      [Columns.ACTIONS]: new Int32Array(B).map(() => rng.nextInt(3)),
      [Columns.REWARDS]: new Float32Array(B).map(() => rng.normal()),
      [Columns.TERMINATED]: new Uint8Array(B).fill(terminal ? 1 : 0),
      [Columns.TRUNCATED]: new Uint8Array(B),
      [Columns.DISCOUNTS]: new Float32Array(B).fill(0.99),
    },
    { [Columns.OBS]: [2], [Columns.NEXT_OBS]: [2], [Columns.ACTIONS]: [] },
  );
}

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('DqnLearner', () => {
  it('fits terminal targets (loss falls), returns TD errors in its result, keeps tensor counts flat', async () => {
    const learner = new DqnLearner({ spec, numActions: 3, training: training(), seed: 1 });
    const data = batch(32, 2, true);
    const columnsBefore = Object.keys(data.columns).sort();
    const { stats: first, tdErrors: td } = await withoutSyncReads(() =>
      learner.updateWithTdErrors(data, { envSteps: 10, iteration: 0 }),
    );
    expect(td).toHaveLength(32);
    expect(td.every((x) => Number.isFinite(x))).toBe(true);
    // Terminal rows: y = r, so mean |y - Q| is the mean |TD| reported.
    const meanAbs = td.reduce((s, x) => s + Math.abs(x), 0) / td.length;
    expect(first['tdAbsMean']).toBeCloseTo(meanAbs, 5);
    // The input batch is not written to (the result carries the TD errors).
    expect(Object.keys(data.columns).sort()).toEqual(columnsBefore);
    const tensors = requireTf().memory().numTensors;
    let last = first;
    for (let i = 0; i < 150; i++)
      last = await learner.update([{ batch: data, numEnvs: 1 }], { envSteps: 10, iteration: 1 });
    expect(last['loss']!, `${first['loss']} -> ${last['loss']}`).toBeLessThan(first['loss']! * 0.5);
    expect(requireTf().memory().numTensors).toBe(tensors);
    learner.dispose();
  });

  it('copies the target every targetUpdateInterval env steps; weights are the online net only', async () => {
    const learner = new DqnLearner({ spec, numActions: 3, training: training(), seed: 1 });
    expect((await learner.getWeights()).every((w) => w.name.startsWith('q/'))).toBe(true);
    const s1 = await learner.update([{ batch: batch(16, 3), numEnvs: 1 }], { envSteps: 50, iteration: 0 });
    expect(s1['targetUpdated']).toBe(0);
    const s2 = await learner.update([{ batch: batch(16, 3), numEnvs: 1 }], { envSteps: 120, iteration: 1 });
    expect(s2['targetUpdated']).toBe(1);
    const state = await learner.getState();
    const online = state.weights.filter((w) => w.name.startsWith('q/'));
    const target = state.weights.filter((w) => w.name.startsWith('qTarget/'));
    expect(target.map((w) => Array.from(w.data))).toEqual(online.map((w) => Array.from(w.data)));
    learner.dispose();
  });

  it('resumes exactly from its state', async () => {
    const a = new DqnLearner({ spec, numActions: 3, training: training({ dueling: true }), seed: 1 });
    const duel = { ...spec, outputSize: 4 };
    const b0 = new DqnLearner({ spec: duel, numActions: 3, training: training({ dueling: true }), seed: 9 });
    const a2 = new DqnLearner({ spec: duel, numActions: 3, training: training({ dueling: true }), seed: 1 });
    a.dispose();
    await withoutSyncReads(async () => {
      await a2.update([{ batch: batch(16, 4), numEnvs: 1 }], { envSteps: 20, iteration: 0 });
      b0.setState(await a2.getState());
      const ra = await a2.update([{ batch: batch(16, 5), numEnvs: 1 }], { envSteps: 30, iteration: 1 });
      const rb = await b0.update([{ batch: batch(16, 5), numEnvs: 1 }], { envSteps: 30, iteration: 1 });
      expect(rb).toEqual(ra);
      // Data-parallel halves: gradients and TD errors leave the device asynchronously.
      const g = await a2.computeGradients(batch(8, 6), { envSteps: 30, iteration: 2 });
      expect(g.tdErrors).toHaveLength(8);
      const applied = await a2.applyGradients([g, g], { envSteps: 30, iteration: 2 });
      expect(applied['gradNorm']).toBeGreaterThan(0);
    });
    const state = await a2.getState();
    expect(() => b0.setState({ ...state, extra: {} })).toThrow(/stepCount/);
    a2.dispose();
    b0.dispose();
  });
});

describe('DqnPolicy', () => {
  const weights = [
    { name: 'q/dense0/kernel', shape: [2, 2], data: Float32Array.of(1, 0, 0, 1) },
    { name: 'q/dense0/bias', shape: [2], data: new Float32Array(2) },
  ];
  const linear = { inputSize: 2, hiddenSizes: [], outputSize: 2, activation: 'relu' as const };

  it('acts greedily without control or with epsilon 0, uniformly with control epsilon 1', async () => {
    const policy = new DqnPolicy(linear, 2, false);
    policy.setWeights(weights);
    const out = { actions: new Int32Array(2), extras: {} };
    policy.act(Float32Array.of(1, 2, 3, -1), 2, true, SeededRng.fromSeed(1), out);
    expect(Array.from(out.actions)).toEqual([1, 0]);
    policy.setControl({ epsilon: 1 });
    policy.setWeights(weights); // new weights keep the control
    const counts = [0, 0];
    const one = { actions: new Int32Array(1), extras: {} };
    const rng = SeededRng.fromSeed(2);
    for (let i = 0; i < 400; i++) {
      policy.act(Float32Array.of(0, 5), 1, true, rng, one);
      counts[one.actions[0]!]! += 1;
    }
    expect(counts[0]).toBeGreaterThan(150);
    expect(counts[1]).toBeGreaterThan(150);
    policy.act(Float32Array.of(0, 5), 1, false, rng, one); // evaluation is greedy
    expect(one.actions[0]).toBe(1);
  });

  it('takes the argmax of the advantages with a dueling head (Q = V + A - mean A)', async () => {
    const duel = { inputSize: 2, hiddenSizes: [], outputSize: 3, activation: 'relu' as const };
    const policy = new DqnPolicy(duel, 2, true);
    policy.setWeights([
      { name: 'q/dense0/kernel', shape: [2, 3], data: Float32Array.of(10, 0, 1, 0, 1, 0) },
      { name: 'q/dense0/bias', shape: [3], data: new Float32Array(3) },
    ]);
    const out = { actions: new Int32Array(1), extras: {} };
    policy.act(Float32Array.of(1, 0), 1, true, SeededRng.fromSeed(1), out); // V 10, A [0, 1]: epsilon 0 without control
    expect(out.actions[0]).toBe(1);
    expect(Array.from(policy.qValues(Float32Array.of(1, 0), 1))).toEqual([9.5, 10.5]);
  });
});
