import { beforeAll, describe, expect, it } from 'vitest';
import { SAC_TRAINING, type SacTraining } from '../../../algorithms/sac/config.js';
import { SacLearner } from '../../../algorithms/sac/learner.js';
import {
  LOG_STD_MAX,
  LOG_STD_MIN,
  sacActionSpec,
  squashLogStd,
  squashLogStdTensor,
} from '../../../algorithms/sac/model.js';
import { SacPolicy } from '../../../algorithms/sac/policy.js';
import { SeededRng } from '../../../envs/rng.js';
import { initBackend, requireTf } from '../../../rl/backend/backend.js';
import { Columns } from '../../../rl/sample-batch/columns.js';
import { SampleBatch } from '../../../rl/sample-batch/sample-batch.js';
import { withoutSyncReads } from '../../support/no-sync-reads.js';

const training = (over: Partial<SacTraining> = {}): SacTraining => ({
  ...(SAC_TRAINING.parse({}, 'training') as SacTraining),
  ...over,
});
const action = sacActionSpec({ type: 'Box', shape: [1], low: [-2], high: [2], dtype: 'float32' } as never);
const actorSpec = { inputSize: 3, hiddenSizes: [16], outputSize: 2, activation: 'relu' as const };
const criticSpec = { inputSize: 4, hiddenSizes: [16], outputSize: 1, activation: 'relu' as const };

function batch(B: number, seed: number): SampleBatch {
  const rng = SeededRng.fromSeed(seed);
  return new SampleBatch(
    B,
    {
      [Columns.OBS]: new Float32Array(B * 3).map(() => rng.normal()),
      [Columns.NEXT_OBS]: new Float32Array(B * 3).map(() => rng.normal()),
      [Columns.ACTIONS]: new Float32Array(B).map(() => rng.uniform(-2, 2)),
      [Columns.REWARDS]: new Float32Array(B).map(() => rng.normal()),
      [Columns.TERMINATED]: new Uint8Array(B),
      [Columns.TRUNCATED]: new Uint8Array(B),
    },
    { [Columns.OBS]: [3], [Columns.NEXT_OBS]: [3], [Columns.ACTIONS]: [1] },
  );
}

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('SacLearner', () => {
  it('tunes alpha towards the target entropy and keeps tensor counts flat', async () => {
    // A target entropy far above the policy's pushes alpha up; far below pushes it down.
    const up = new SacLearner({
      actorSpec,
      criticSpec,
      action,
      training: training({ targetEntropy: 10 }),
      seed: 1,
    });
    const down = new SacLearner({
      actorSpec,
      criticSpec,
      action,
      training: training({ targetEntropy: -10 }),
      seed: 1,
    });
    const data = batch(32, 2);
    await up.update([{ batch: data, numEnvs: 1 }], { envSteps: 0, iteration: 0 });
    const tensors = requireTf().memory().numTensors;
    let upAlpha = 0;
    let downAlpha = 0;
    for (let i = 0; i < 20; i++) {
      upAlpha = (await up.update([{ batch: data, numEnvs: 1 }], { envSteps: 0, iteration: 0 }))['alpha']!;
      downAlpha = (await down.update([{ batch: data, numEnvs: 1 }], { envSteps: 0, iteration: 0 }))['alpha']!;
    }
    expect(upAlpha).toBeGreaterThan(1);
    expect(downAlpha).toBeLessThan(1);
    // torch Adam's first steps move log alpha by ~lr each: 21 steps of 1e-3.
    expect(Math.log(upAlpha)).toBeCloseTo(21e-3, 3);
    expect((await up.getState()).extra['logAlpha']).toBeCloseTo(Math.log(upAlpha), 6);
    expect(requireTf().memory().numTensors).toBe(tensors + 0);
    up.dispose();
    down.dispose();
  });

  it('fixed alpha without autoEntropy; weights are the actor only; exact resume, with no synchronous read', async () => {
    const a = new SacLearner({
      actorSpec,
      criticSpec,
      action,
      training: training({ autoEntropy: false, initialAlpha: 0.2 }),
      seed: 3,
    });
    expect((await a.getWeights()).every((w) => w.name.startsWith('pi/'))).toBe(true);
    const s = await a.update([{ batch: batch(16, 4), numEnvs: 1 }], { envSteps: 0, iteration: 0 });
    expect(s['alpha']).toBeCloseTo(0.2, 6);
    const b = new SacLearner({
      actorSpec,
      criticSpec,
      action,
      training: training({ autoEntropy: false, initialAlpha: 0.2 }),
      seed: 8,
    });
    await withoutSyncReads(async () => {
      b.setState(await a.getState());
      const ra = await a.update([{ batch: batch(16, 5), numEnvs: 1 }], { envSteps: 0, iteration: 1 });
      const rb = await b.update([{ batch: batch(16, 5), numEnvs: 1 }], { envSteps: 0, iteration: 1 });
      expect(rb).toEqual(ra);
      expect(Object.keys(ra).sort()).toEqual(
        ['actorGradNorm', 'actorLoss', 'alpha', 'criticGradNorm', 'criticLoss', 'entropy', 'qMean'].sort(),
      );
    });
    const state = await a.getState();
    expect(() => b.setState({ ...state, extra: { actorAdamSteps: 1, criticAdamSteps: 1 } })).toThrow(
      /logAlpha/,
    );
    a.dispose();
    b.dispose();
  });
});

describe('SacPolicy', () => {
  const weights = () => [
    { name: 'pi/dense0/kernel', shape: [3, 2], data: Float32Array.of(1, 0, 0, 0, 0, 0) },
    { name: 'pi/dense0/bias', shape: [2], data: Float32Array.of(0, 0.3) },
  ];
  const linear = { inputSize: 3, hiddenSizes: [], outputSize: 2, activation: 'relu' as const };

  it('deterministic action is tanh(mean) rescaled to the bounds', () => {
    const policy = new SacPolicy(linear, action);
    policy.setWeights(weights());
    const out = { actions: new Float32Array(2), extras: {} };
    policy.act(Float32Array.of(0.5, 0, 0, -1, 0, 0), 2, false, SeededRng.fromSeed(1), out);
    expect(out.actions[0]).toBeCloseTo(2 * Math.tanh(0.5), 6);
    expect(out.actions[1]).toBeCloseTo(2 * Math.tanh(-1), 6);
    expect(squashLogStd(0)).toBeCloseTo(-1.5, 12); // middle of [-5, 2]
  });

  it('acts uniformly in the bounds with control epsilon 1, else samples the squashed Gaussian', () => {
    const policy = new SacPolicy(linear, action);
    policy.setWeights(weights());
    policy.setControl({ epsilon: 1 });
    const out = { actions: new Float32Array(200), extras: {} };
    const obs = new Float32Array(600);
    policy.act(obs, 200, true, SeededRng.fromSeed(2), out);
    const xs = Array.from(out.actions);
    expect(Math.min(...xs)).toBeLessThan(-1.5);
    expect(Math.max(...xs)).toBeGreaterThan(1.5);
    policy.setControl({ epsilon: 0 });
    policy.act(obs, 200, true, SeededRng.fromSeed(2), out);
    const ys = Array.from(out.actions);
    // mean 0, std exp(squashLogStd(0.3)) ~ 0.32: samples stay well inside the bounds.
    expect(Math.max(...ys.map(Math.abs))).toBeLessThan(1.9);
    expect(ys.every((y) => y > -2 && y < 2)).toBe(true);
  });

  it("the runners' log-std squash equals the learner's tensor one, saturated ends included", () => {
    const tf = requireTf();
    const raws = [-30, -3, -0.7, 0, 0.3, 1.2, 4, 30];
    const onDevice = tf.tidy(() => squashLogStdTensor(tf, tf.tensor1d(raws)).dataSync());
    raws.forEach((r, i) => {
      expect(onDevice[i]).toBeCloseTo(squashLogStd(r), 5);
    });
    expect(squashLogStd(-30)).toBe(LOG_STD_MIN);
    expect(squashLogStd(30)).toBe(LOG_STD_MAX);
  });

  it('rejects spaces SAC cannot act in', () => {
    expect(() => sacActionSpec({ type: 'Discrete', n: 2, start: 0 } as never)).toThrow(/1-D Box/);
    expect(() =>
      sacActionSpec({ type: 'Box', shape: [1], low: [null], high: [1], dtype: 'float32' } as never),
    ).toThrow(/finite bounds/);
  });
});
