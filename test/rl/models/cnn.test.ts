import type { Scalar, Tensor2D, Tensor4D } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { setLogLevel } from '../../../core/logger.js';
import { initBackend, requireTf } from '../../../rl/backend/backend.js';
import { Cnn } from '../../../rl/models/cnn.js';
import { Adam, readAdamStep } from '../../../rl/optim/adam.js';

beforeAll(async () => {
  setLogLevel('warn');
  await initBackend({ backend: 'wasm' });
});

describe('Cnn', () => {
  it('computes the Nature torso shapes for 84x84x4 Atari frames', () => {
    // glorot: the orthogonal init of the 3136x512 layer takes seconds in plain JS.
    const cnn = new Cnn({ imageShape: [84, 84, 4], outputSize: 6, init: 'glorot' });
    // 84 -> (84-8)/4+1 = 20 -> (20-4)/2+1 = 9 -> (9-3)/1+1 = 7: 7*7*64 = 3136
    expect(cnn.flatConvSize).toBe(3136);
    expect(cnn.weightSpecs().map((s) => `${s.name}:${s.shape.join('x')}`)).toEqual([
      'cnn/conv0/kernel:8x8x4x32',
      'cnn/conv0/bias:32',
      'cnn/conv1/kernel:4x4x32x64',
      'cnn/conv1/bias:64',
      'cnn/conv2/kernel:3x3x64x64',
      'cnn/conv2/bias:64',
      'cnn/dense0/kernel:3136x512',
      'cnn/dense0/bias:512',
      'cnn/dense1/kernel:512x6',
      'cnn/dense1/bias:6',
    ]);
    cnn.dispose();
  });

  it('computes a hand-set 1-filter conv + head exactly, from flat or NHWC input', () => {
    const tf = requireTf();
    const cnn = new Cnn({
      imageShape: [2, 2, 1],
      convs: [{ filters: 1, kernelSize: 2, stride: 1 }],
      hiddenSizes: [],
      outputSize: 1,
    });
    cnn.setWeights([
      { name: 'cnn/conv0/kernel', shape: [2, 2, 1, 1], data: Float32Array.from([1, -1, 2, 0.5]) },
      { name: 'cnn/conv0/bias', shape: [1], data: Float32Array.from([-1]) },
      { name: 'cnn/dense0/kernel', shape: [1, 1], data: Float32Array.from([3]) },
      { name: 'cnn/dense0/bias', shape: [1], data: Float32Array.from([0.5]) },
    ]);
    // conv = 1*1 - 1*2 + 2*3 + 0.5*4 - 1 = 6 ; relu 6 ; head 3*6 + 0.5 = 18.5
    const flat = tf.tidy(() => Array.from(cnn.apply(tf.tensor2d([[1, 2, 3, 4]]) as Tensor2D).dataSync()));
    const nhwc = tf.tidy(() =>
      Array.from(cnn.apply(tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]) as Tensor4D).dataSync()),
    );
    expect(flat).toEqual([18.5]);
    expect(nhwc).toEqual([18.5]);
    cnn.dispose();
  });

  it('trains on wasm (conv filter gradients) without leaking tensors', async () => {
    const tf = requireTf();
    const cnn = new Cnn({
      imageShape: [10, 10, 2],
      convs: [
        { filters: 4, kernelSize: 3, stride: 2 },
        { filters: 4, kernelSize: 2, stride: 1 },
      ],
      hiddenSizes: [16],
      outputSize: 1,
      seed: 3,
    });
    const opt = new Adam(cnn.variables, { learningRate: 1e-2 });
    const x = tf.randomUniform([8, 200], 0, 1, 'float32', 1) as Tensor2D;
    const target = tf.tidy(() => tf.reshape(tf.mean(x, 1), [8, 1]));
    const loss = () => tf.mean(tf.square(tf.sub(cnn.apply(x), target))) as Scalar;
    const first = (await readAdamStep(opt.step(loss)))['loss']!;
    const before = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 30; i++) last = (await readAdamStep(opt.step(loss)))['loss']!;
    expect(tf.memory().numTensors).toBe(before);
    expect(last).toBeLessThan(first * 0.5);
    for (const t of [x, target]) t.dispose();
    opt.dispose();
    cnn.dispose();
  });

  it('rejects an image too small for the conv stack, naming the layer', () => {
    expect(() => new Cnn({ imageShape: [16, 16, 1], outputSize: 2 })).toThrow(
      'convs[1] (kernel 4, stride 2) does not fit its 3x3 input; the image 16x16 is too small for this conv stack',
    );
  });
});
