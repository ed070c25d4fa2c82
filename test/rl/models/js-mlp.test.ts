import type { Tensor2D } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { setLogLevel } from '../../../core/logger.js';
import { initBackend, requireTf } from '../../../rl/backend/backend.js';
import { JsMlp } from '../../../rl/models/js-mlp.js';
import { MLP_ACTIVATIONS, Mlp } from '../../../rl/models/mlp.js';

beforeAll(async () => {
  setLogLevel('warn');
  await initBackend({ backend: 'wasm' });
});

describe('JsMlp', () => {
  it.each(MLP_ACTIVATIONS)(
    'matches the tfjs Mlp with %s hidden layers at batch 1 and 5',
    async (activation) => {
      const tf = requireTf();
      const mlp = new Mlp({ inputSize: 6, hiddenSizes: [16, 8], outputSize: 3, activation, seed: 4 });
      const js = JsMlp.fromWeights(mlp.spec, await mlp.readWeights());
      for (const batch of [1, 5]) {
        const x = Float32Array.from({ length: batch * 6 }, (_, i) => Math.sin(i) * 2);
        const expected = tf.tidy(() =>
          Array.from(mlp.apply(tf.tensor2d(x, [batch, 6]) as Tensor2D).dataSync()),
        );
        const got = Array.from(js.forward(x, batch));
        expect(got).toHaveLength(batch * 3);
        for (const [i, v] of got.entries()) expect(v).toBeCloseTo(expected[i] as number, 5);
      }
      mlp.dispose();
    },
  );

  it('computes a hand-set linear layer exactly', async () => {
    const js = new JsMlp(
      [
        {
          kernel: Float32Array.from([1, 2, 3, 4]),
          bias: Float32Array.from([0.5, -0.5]),
          fanIn: 2,
          fanOut: 2,
        },
      ],
      'tanh',
    );
    // [1, 1] . [[1, 2], [3, 4]] + b = [4.5, 5.5] (no activation on the last layer)
    expect(Array.from(js.forward(Float32Array.from([1, 1]), 1))).toEqual([4.5, 5.5]);
  });

  it('rejects layers that do not chain and short inputs', async () => {
    const layer = (fanIn: number, fanOut: number) => ({
      kernel: new Float32Array(fanIn * fanOut),
      bias: new Float32Array(fanOut),
      fanIn,
      fanOut,
    });
    expect(() => new JsMlp([layer(2, 3), layer(4, 1)], 'relu')).toThrow(
      'JsMlp: layer 1 has fanIn 4 but layer 0 has fanOut 3.',
    );
    expect(() => new JsMlp([layer(2, 3)], 'relu').forward(new Float32Array(3), 2)).toThrow(
      'JsMlp.forward: x has 3 values, need batchSize x inputSize = 2 x 2.',
    );
  });
});
