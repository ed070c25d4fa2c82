import { beforeAll, describe, expect, it } from 'vitest';
import { PPO_TRAINING } from '../../../algorithms/ppo/config.js';
import { PpoLearner } from '../../../algorithms/ppo/learner.js';
import { actionWidth } from '../../../algorithms/ppo/minibatch.js';
import type { ActorCriticSpec } from '../../../algorithms/ppo/model.js';
import { PpoPolicy } from '../../../algorithms/ppo/policy.js';
import { SeededRng } from '../../../envs/rng.js';
import type { Fragment } from '../../../rl/algorithm.js';
import { initBackend, requireTf } from '../../../rl/backend/backend.js';
import { Columns } from '../../../rl/sample-batch/columns.js';
import { SampleBatch } from '../../../rl/sample-batch/sample-batch.js';

const discrete: ActorCriticSpec = {
  obsSize: 3,
  hiddenSizes: [8],
  activation: 'tanh',
  head: { kind: 'categorical', numActions: 2 },
};
const deep: ActorCriticSpec = {
  obsSize: 3,
  hiddenSizes: [8, 6],
  activation: 'tanh',
  head: { kind: 'categorical', numActions: 2 },
};
const multi: ActorCriticSpec = {
  obsSize: 3,
  hiddenSizes: [8],
  activation: 'tanh',
  head: { kind: 'multiCategorical', nvec: [3, 2] },
};
const gaussian: ActorCriticSpec = {
  obsSize: 3,
  hiddenSizes: [8],
  activation: 'relu',
  head: { kind: 'gaussian', actionSize: 2 },
};

/** A fragment sampled with the learner's own policy on random observations (so log-probs match). */
async function fragment(spec: ActorCriticSpec, learner: PpoLearner, seed: number): Promise<Fragment> {
  const T = 8;
  const N = 4;
  const rng = SeededRng.fromSeed(seed);
  const policy = new PpoPolicy(spec);
  policy.setWeights(await learner.getWeights());
  const obs = Float32Array.from({ length: T * N * 3 }, () => rng.normal());
  const k = actionWidth(spec);
  const actions = spec.head.kind === 'gaussian' ? new Float32Array(T * N * k) : new Int32Array(T * N * k);
  const logProbs = new Float32Array(T * N);
  const valuePreds = new Float32Array(T * N);
  policy.act(obs, T * N, true, rng, {
    actions,
    extras: { [Columns.LOG_PROBS]: logProbs, [Columns.VALUE_PREDS]: valuePreds },
  });
  // Reward favours action 0 / negative actions, so the policy has something to learn.
  const rewards = Float32Array.from({ length: T * N }, (_, i) => ((actions[i * k] as number) <= 0 ? 1 : 0));
  const batch = new SampleBatch(
    T * N,
    {
      [Columns.OBS]: obs,
      [Columns.ACTIONS]: actions,
      [Columns.REWARDS]: rewards,
      [Columns.TERMINATED]: new Uint8Array(T * N),
      [Columns.TRUNCATED]: new Uint8Array(T * N),
      [Columns.LOG_PROBS]: logProbs,
      [Columns.VALUE_PREDS]: valuePreds,
    },
    { [Columns.OBS]: [3], [Columns.ACTIONS]: spec.head.kind === 'categorical' ? [] : [k] },
  );
  return { batch, numEnvs: N, lastValues: new Float32Array(N) };
}

const GRADIENTS = ['js', 'device'] as const;

const weightsOf = async (l: PpoLearner) => (await l.getWeights()).map((w) => Array.from(w.data));

describe('PpoLearner', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });

  // Every gradient path, both heads, value clipping and early stopping: tensor counts stay flat
  // (the device path leaked 5 tensors per step before: tf.keep inside the tape's tidy).
  for (const gradients of GRADIENTS) {
    for (const [spec, extra] of [
      [discrete, {}],
      [gaussian, { clipVLoss: true }],
      [deep, { targetKl: 1e-6 }],
      [multi, {}],
    ] as const) {
      it(`${gradients}: updates a ${spec.head.kind} policy (${JSON.stringify(extra)}) with a near-zero first KL and flat tensor counts`, async () => {
        const training = PPO_TRAINING.parse(
          { numEpochs: 2, numMinibatches: 2, lrSchedule: 'constant', lr: 0.01, ...extra },
          'training',
        );
        const learner = new PpoLearner({ spec, training, annealEnvSteps: 1, seed: 3, gradients });
        expect(learner.gradients).toBe(gradients);
        const tf = requireTf();
        const before = await weightsOf(learner);
        const first = await learner.update([await fragment(spec, learner, 1)], { envSteps: 0, iteration: 0 });
        if ('targetKl' in extra) expect(first.gradSteps).toBeLessThan(4);
        else expect(first.gradSteps).toBe(4);
        expect(Number.isFinite(first.totalLoss)).toBe(true);
        expect(first.approxKl).toBeGreaterThanOrEqual(0);
        expect(first.approxKl).toBeLessThan(0.05);
        expect(await weightsOf(learner)).not.toEqual(before);
        const tensors = tf.memory().numTensors;
        for (let i = 0; i < 12; i++) {
          const f = await fragment(spec, learner, i + 2);
          await learner.update([f], { envSteps: 0, iteration: i + 1 });
          await learner.getState();
        }
        expect(tf.memory().numTensors).toBe(tensors);
        learner.dispose();
      });
    }
  }

  for (const [from, to] of [
    ['js', 'js'],
    ['device', 'device'],
    ['js', 'device'],
    ['device', 'js'],
  ] as const) {
    it(`restores its full state (${from} -> ${to}): the same update from the same state gives the same weights`, async () => {
      const training = PPO_TRAINING.parse(
        { numEpochs: 2, numMinibatches: 2, lrSchedule: 'constant' },
        'training',
      );
      const a = new PpoLearner({ spec: discrete, training, annealEnvSteps: 1, seed: 3, gradients: from });
      await a.update([await fragment(discrete, a, 1)], { envSteps: 0, iteration: 0 });
      const state = await a.getState();
      const b = new PpoLearner({ spec: discrete, training, annealEnvSteps: 1, seed: 99, gradients: to });
      b.setState(state);
      const f = await fragment(discrete, a, 2);
      await a.update([f], { envSteps: 32, iteration: 1 });
      await b.update([f], { envSteps: 32, iteration: 1 });
      const wa = await weightsOf(a);
      (await weightsOf(b)).forEach((w, i) => {
        w.forEach((x, j) => {
          expect(x).toBeCloseTo(wa[i]![j]!, from === to ? 7 : 4);
        });
      });
      expect(() => b.setState({ ...state, weights: state.weights.slice(1) })).toThrow(/another architecture/);
      a.dispose();
      b.dispose();
    });
  }

  for (const spec of [discrete, gaussian, deep]) {
    it(`the plain-JS steps equal autodiff of the loss on the device (${spec.head.kind}, hidden ${spec.hiddenSizes.join('-')})`, async () => {
      const training = PPO_TRAINING.parse(
        { numEpochs: 2, numMinibatches: 2, lrSchedule: 'constant', clipVLoss: true },
        'training',
      );
      const js = new PpoLearner({ spec, training, annealEnvSteps: 1, seed: 5, gradients: 'js' });
      const device = new PpoLearner({ spec, training, annealEnvSteps: 1, seed: 5, gradients: 'device' });
      const f = await fragment(spec, js, 4);
      const sj = await js.update([f], { envSteps: 0, iteration: 0 });
      const sd = await device.update([f], { envSteps: 0, iteration: 0 });
      for (const key of ['totalLoss', 'policyLoss', 'vfLoss', 'entropy', 'approxKl', 'clipFrac'])
        expect(sj[key]).toBeCloseTo(sd[key]!, 4);
      expect(sj.gradNorm).toBeCloseTo(sd.gradNorm!, 3);
      const wd = await weightsOf(device);
      (await weightsOf(js)).forEach((w, i) => {
        w.forEach((x, j) => {
          expect(x).toBeCloseTo(wd[i]![j]!, 4);
        });
      });
      js.dispose();
      device.dispose();
    });
  }

  it('decays the learning rate linearly to 0 at annealEnvSteps', async () => {
    const training = PPO_TRAINING.parse(
      { numEpochs: 1, numMinibatches: 1, lr: 0.001, lrSchedule: 'linear' },
      'training',
    );
    const learner = new PpoLearner({ spec: discrete, training, annealEnvSteps: 1000, seed: 3 });
    const f1 = await fragment(discrete, learner, 1);
    expect((await learner.update([f1], { envSteps: 250, iteration: 0 })).lr).toBeCloseTo(0.00075, 10);
    const f2 = await fragment(discrete, learner, 2);
    expect((await learner.update([f2], { envSteps: 2000, iteration: 1 })).lr).toBe(0);
    learner.dispose();
  });
});
