import type * as tfjs from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PPO_TRAINING } from '../../../algorithms/ppo/config.js';
import { JsTorso } from '../../../algorithms/ppo/js-torso.js';
import { PpoLearner } from '../../../algorithms/ppo/learner.js';
import {
  type ActorCriticSpec,
  actorCriticSpec,
  initActorCritic,
  macsPerRow,
} from '../../../algorithms/ppo/model.js';
import { torsoForward } from '../../../algorithms/ppo/network.js';
import { PpoPolicy } from '../../../algorithms/ppo/policy.js';
import { SeededRng } from '../../../envs/rng.js';
import type { Fragment } from '../../../rl/algorithm.js';
import { initBackend, requireTf } from '../../../rl/backend/backend.js';
import { Columns } from '../../../rl/sample-batch/columns.js';
import { SampleBatch } from '../../../rl/sample-batch/sample-batch.js';

// A 5x5x2 image, two conv layers (3 filters 2x2 stride 1 -> 4x4x3, 4 filters 2x2 stride 2 -> 2x2x4), 8 units.
const spec: ActorCriticSpec = {
  obsSize: 50,
  hiddenSizes: [8],
  activation: 'relu',
  head: { kind: 'categorical', numActions: 3 },
  conv: {
    imageShape: [5, 5, 2],
    convs: [
      { filters: 3, kernelSize: 2, stride: 1 },
      { filters: 4, kernelSize: 2, stride: 2 },
    ],
  },
};

/** Sparse 0/1 images (as MinAtar's) sampled with the learner's policy; action 0 is rewarded. */
async function fragment(learner: PpoLearner, seed: number): Promise<Fragment> {
  const T = 16;
  const N = 4;
  const rng = SeededRng.fromSeed(seed);
  const policy = new PpoPolicy(spec);
  policy.setWeights(await learner.getWeights());
  const obs = Float32Array.from({ length: T * N * 50 }, () => (rng.next() < 0.3 ? 1 : 0));
  const actions = new Int32Array(T * N);
  const logProbs = new Float32Array(T * N);
  const valuePreds = new Float32Array(T * N);
  policy.act(obs, T * N, true, rng, {
    actions,
    extras: { [Columns.LOG_PROBS]: logProbs, [Columns.VALUE_PREDS]: valuePreds },
  });
  const batch = new SampleBatch(
    T * N,
    {
      [Columns.OBS]: obs,
      [Columns.ACTIONS]: actions,
      [Columns.REWARDS]: Float32Array.from(actions, (a) => (a === 0 ? 1 : 0)),
      [Columns.TERMINATED]: new Uint8Array(T * N).fill(1),
      [Columns.TRUNCATED]: new Uint8Array(T * N),
      [Columns.LOG_PROBS]: logProbs,
      [Columns.VALUE_PREDS]: valuePreds,
    },
    { [Columns.OBS]: [50], [Columns.ACTIONS]: [] },
  );
  return { batch, numEnvs: N, lastValues: new Float32Array(N) };
}

describe('PPO with a conv torso', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });

  it('builds the spec from model.convs and image observations, and rejects flat ones', () => {
    const model = { hiddenSizes: [8], activation: 'relu' as const, convs: spec.conv!.convs };
    const image = { type: 'Box', shape: [5, 5, 2], low: [], high: [], dtype: 'float32' } as never;
    expect(actorCriticSpec(50, model, { type: 'Discrete', n: 3, start: 0 }, image).conv?.imageShape).toEqual([
      5, 5, 2,
    ]);
    const flat = { type: 'Box', shape: [50], low: [], high: [], dtype: 'float32' } as never;
    expect(() => actorCriticSpec(50, model, { type: 'Discrete', n: 3, start: 0 }, flat)).toThrow(
      /model\.convs needs image observations \[H, W, C\]; this env observes Box of shape \[50\]/,
    );
    // conv0 16x2x2x3, conv1 4x(2x2x3)x... : 4*4*3*(2*2*2) + 2*2*4*(2*2*3) + 16*8 + 8*3 + 8*1.
    expect(macsPerRow(spec)).toBe(384 + 192 + 128 + 24 + 8);
  });

  it("the runners' plain-JS torso equals the learner's tfjs torso", () => {
    const tf = requireTf();
    const weights = initActorCritic(spec, 7);
    const rng = SeededRng.fromSeed(1);
    const obs = Float32Array.from({ length: 6 * 50 }, () => (rng.next() < 0.4 ? rng.next() : 0));
    const js = new JsTorso(spec);
    js.setWeights(new Map(weights.map((w) => [w.name, w.data])));
    const got = js.forward(obs, 6);
    const want = tf.tidy(() => {
      const byName = new Map(weights.map((w) => [w.name, tf.tensor(w.data, [...w.shape]) as tfjs.Tensor]));
      return torsoForward(tf, spec, byName, tf.tensor2d(obs, [6, 50])).dataSync();
    });
    expect(got.length).toBe(6 * 8);
    got.forEach((x, i) => {
      expect(x).toBeCloseTo(want[i]!, 5);
    });
  });

  it('learns on the device: the rewarded action gets likelier, tensor counts stay flat', async () => {
    const training = PPO_TRAINING.parse(
      { numEpochs: 4, numMinibatches: 2, lrSchedule: 'constant', lr: 0.01, entCoef: 0 },
      'training',
    );
    const learner = new PpoLearner({ spec, training, annealEnvSteps: 1, seed: 2 });
    expect(learner.gradients).toBe('device');
    expect(() => new PpoLearner({ spec, training, annealEnvSteps: 1, seed: 2, gradients: 'js' })).toThrow(
      /cover MLPs only/,
    );
    const share = async (seed: number) => {
      const f = await fragment(learner, seed);
      const actions = f.batch.get(Columns.ACTIONS) as Int32Array;
      return actions.filter((a) => a === 0).length / actions.length;
    };
    const before = await share(100);
    const tensors = requireTf().memory().numTensors;
    for (let i = 0; i < 15; i++) {
      const stats = await learner.update([await fragment(learner, i)], { envSteps: 0, iteration: i });
      if (i === 0) expect(stats.approxKl).toBeLessThan(0.05);
    }
    expect(requireTf().memory().numTensors).toBe(tensors);
    const after = await share(100);
    expect(before).toBeLessThan(0.5);
    expect(after).toBeGreaterThan(0.8);
    learner.dispose();
  });
});
