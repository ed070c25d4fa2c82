import { beforeAll, describe, expect, it } from 'vitest';
import { PPO_TRAINING } from '../../../algorithms/ppo/config.js';
import { PpoLearner } from '../../../algorithms/ppo/learner.js';
import type { ActorCriticSpec } from '../../../algorithms/ppo/model.js';
import { SeededRng } from '../../../envs/rng.js';
import type { Fragment } from '../../../rl/algorithm.js';
import { initBackend, requireTf } from '../../../rl/backend/backend.js';
import { Columns } from '../../../rl/sample-batch/columns.js';
import { SampleBatch } from '../../../rl/sample-batch/sample-batch.js';
import { withoutSyncReads } from '../../support/no-sync-reads.js';

// The device path on wasm, the default backend here: asynchronous reads (weights, state, statistics),
// the conv torso's gradient (Conv2DBackpropFilter comes from rl/backend/kernel-patches.ts there).
const conv: ActorCriticSpec = {
  obsSize: 32,
  hiddenSizes: [8],
  activation: 'relu',
  head: { kind: 'categorical', numActions: 2 },
  conv: { imageShape: [4, 4, 2], convs: [{ filters: 3, kernelSize: 2, stride: 1 }] },
};
const gaussian: ActorCriticSpec = {
  obsSize: 32,
  hiddenSizes: [16, 16],
  activation: 'tanh',
  head: { kind: 'gaussian', actionSize: 2 },
};

function fragment(spec: ActorCriticSpec, seed: number): Fragment {
  const n = 32;
  const rng = SeededRng.fromSeed(seed);
  const k = spec.head.kind === 'gaussian' ? spec.head.actionSize : 1;
  const actions =
    spec.head.kind === 'categorical'
      ? Int32Array.from({ length: n }, () => (rng.next() < 0.5 ? 0 : 1))
      : Float32Array.from({ length: n * k }, () => rng.normal());
  const batch = new SampleBatch(
    n,
    {
      [Columns.OBS]: Float32Array.from({ length: n * 32 }, () => (rng.next() < 0.3 ? 1 : 0)),
      [Columns.ACTIONS]: actions,
      [Columns.REWARDS]: Float32Array.from({ length: n }, () => rng.normal()),
      [Columns.TERMINATED]: new Uint8Array(n),
      [Columns.TRUNCATED]: new Uint8Array(n),
      [Columns.LOG_PROBS]: new Float32Array(n).fill(-1),
      [Columns.VALUE_PREDS]: new Float32Array(n),
    },
    { [Columns.OBS]: [32], [Columns.ACTIONS]: k === 1 ? [] : [k] },
  );
  return { batch, numEnvs: 4, lastValues: new Float32Array(4) };
}

describe('PPO device gradients on wasm', () => {
  beforeAll(async () => {
    const info = await initBackend({ backend: 'wasm' });
    expect(info.tfBackend).toBe('wasm');
  });

  for (const [spec, gradients] of [
    [conv, 'device'],
    [gaussian, 'device'],
    [gaussian, 'js'],
  ] as const) {
    it(`${gradients}: updates ${spec.conv ? 'a conv' : 'an MLP'} policy with no synchronous read, reads weights and state asynchronously, leaks nothing`, async () => {
      const training = PPO_TRAINING.parse({ numEpochs: 2, numMinibatches: 2, targetKl: 10 }, 'training');
      const learner = new PpoLearner({ spec, training, annealEnvSteps: 1000, seed: 1, gradients });
      const before = (await learner.getWeights()).map((w) => Array.from(w.data));
      const tf = requireTf();
      await learner.update([fragment(spec, 0)], { envSteps: 0, iteration: 0 });
      const tensors = tf.memory().numTensors;
      const state = await withoutSyncReads(async () => {
        for (let i = 1; i < 6; i++) {
          const stats = await learner.update([fragment(spec, i)], { envSteps: 0, iteration: i });
          expect(stats.gradSteps).toBe(4);
          expect(Number.isFinite(stats.totalLoss)).toBe(true);
          expect(stats.gradNorm).toBeGreaterThan(0);
        }
        return learner.getState();
      });
      expect(tf.memory().numTensors).toBe(tensors);
      expect(state.extra['adamStepCount']).toBe(24);
      expect((await learner.getWeights()).map((w) => Array.from(w.data))).not.toEqual(before);
      learner.dispose();
    });
  }
});
