import { beforeAll, describe, expect, it } from 'vitest';
import { PPO_TRAINING } from '../../../algorithms/ppo/config.js';
import { PpoLearner } from '../../../algorithms/ppo/learner.js';
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
const gaussian: ActorCriticSpec = {
  obsSize: 3,
  hiddenSizes: [8],
  activation: 'relu',
  head: { kind: 'gaussian', actionSize: 2 },
};

/** A fragment sampled with the learner's own policy on random observations (so log-probs match). */
function fragment(spec: ActorCriticSpec, learner: PpoLearner, seed: number): Fragment {
  const T = 8;
  const N = 4;
  const rng = SeededRng.fromSeed(seed);
  const policy = new PpoPolicy(spec);
  policy.setWeights(learner.getWeights());
  const obs = Float32Array.from({ length: T * N * 3 }, () => rng.normal());
  const k = spec.head.kind === 'categorical' ? 1 : spec.head.actionSize;
  const actions = spec.head.kind === 'categorical' ? new Int32Array(T * N) : new Float32Array(T * N * k);
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

describe('PpoLearner', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });

  for (const spec of [discrete, gaussian]) {
    it(`updates a ${spec.head.kind} policy with a near-zero KL on the first minibatch and flat tensor counts`, () => {
      const training = PPO_TRAINING.parse(
        { numEpochs: 2, numMinibatches: 2, lrSchedule: 'constant', lr: 0.01 },
        'training',
      );
      const learner = new PpoLearner({ spec, training, annealEnvSteps: 1, seed: 3 });
      const tf = requireTf();
      const before = learner.getWeights().map((w) => w.data.slice());
      const first = learner.update([fragment(spec, learner, 1)], { envSteps: 0, iteration: 0 });
      expect(first.gradSteps).toBe(4);
      expect(Number.isFinite(first.totalLoss)).toBe(true);
      expect(first.approxKl).toBeGreaterThanOrEqual(0);
      expect(first.approxKl).toBeLessThan(0.05);
      expect(learner.getWeights().some((w, i) => w.data.some((x, j) => x !== before[i]![j]))).toBe(true);
      const tensors = tf.memory().numTensors;
      for (let i = 0; i < 12; i++)
        learner.update([fragment(spec, learner, i + 2)], { envSteps: 0, iteration: i + 1 });
      expect(tf.memory().numTensors).toBe(tensors);
      learner.dispose();
    });
  }

  it('restores its full state: the same update from the same state gives the same weights', () => {
    const training = PPO_TRAINING.parse(
      { numEpochs: 2, numMinibatches: 2, lrSchedule: 'constant' },
      'training',
    );
    const a = new PpoLearner({ spec: discrete, training, annealEnvSteps: 1, seed: 3 });
    a.update([fragment(discrete, a, 1)], { envSteps: 0, iteration: 0 });
    const state = a.getState();
    const b = new PpoLearner({ spec: discrete, training, annealEnvSteps: 1, seed: 99 });
    b.setState(state);
    const f = fragment(discrete, a, 2);
    a.update([f], { envSteps: 32, iteration: 1 });
    b.update([f], { envSteps: 32, iteration: 1 });
    expect(b.getWeights().map((w) => Array.from(w.data))).toEqual(
      a.getWeights().map((w) => Array.from(w.data)),
    );
    expect(() => b.setState({ ...state, weights: state.weights.slice(1) })).toThrow(/another architecture/);
    a.dispose();
    b.dispose();
  });

  for (const [spec, gradients] of [
    [discrete, 'manual'],
    [gaussian, 'manual'],
    [deep, 'manual'],
    [discrete, 'js'],
    [gaussian, 'js'],
    [deep, 'js'],
  ] as const) {
    it(`hand-written backprop (${gradients}) equals tfjs autodiff of the loss (${spec.head.kind}, hidden ${spec.hiddenSizes.join('-')})`, () => {
      const training = PPO_TRAINING.parse(
        { numEpochs: 2, numMinibatches: 2, lrSchedule: 'constant', clipVLoss: true },
        'training',
      );
      const manual = new PpoLearner({ spec, training, annealEnvSteps: 1, seed: 5, gradients });
      const auto = new PpoLearner({ spec, training, annealEnvSteps: 1, seed: 5, gradients: 'autodiff' });
      const f = fragment(spec, manual, 4);
      const sm = manual.update([f], { envSteps: 0, iteration: 0 });
      const sa = auto.update([f], { envSteps: 0, iteration: 0 });
      expect(sm.totalLoss).toBeCloseTo(sa.totalLoss!, 4);
      expect(sm.gradNorm).toBeCloseTo(sa.gradNorm!, 3);
      const wa = auto.getWeights();
      manual.getWeights().forEach((w, i) => {
        w.data.forEach((x, j) => {
          expect(x).toBeCloseTo(wa[i]!.data[j]!, 4);
        });
      });
    });
  }

  it('decays the learning rate linearly to 0 at annealEnvSteps', () => {
    const training = PPO_TRAINING.parse(
      { numEpochs: 1, numMinibatches: 1, lr: 0.001, lrSchedule: 'linear' },
      'training',
    );
    const learner = new PpoLearner({ spec: discrete, training, annealEnvSteps: 1000, seed: 3 });
    expect(learner.update([fragment(discrete, learner, 1)], { envSteps: 250, iteration: 0 }).lr).toBeCloseTo(
      0.00075,
      10,
    );
    expect(learner.update([fragment(discrete, learner, 2)], { envSteps: 2000, iteration: 1 }).lr).toBe(0);
    learner.dispose();
  });
});
