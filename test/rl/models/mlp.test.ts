import type { Tensor2D } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { setLogLevel } from '../../../core/logger.js';
import { initBackend, requireTf } from '../../../rl/backend/backend.js';
import { Mlp } from '../../../rl/models/mlp.js';

beforeAll(async () => {
  setLogLevel('warn');
  await initBackend({ backend: 'wasm' });
});

describe('Mlp', () => {
  it('computes tanh(x W0 + b0) W1 + b1 for hand-set weights', async () => {
    const tf = requireTf();
    const mlp = new Mlp({ inputSize: 2, hiddenSizes: [2], outputSize: 1 });
    mlp.setWeights([
      { name: 'mlp/dense0/kernel', shape: [2, 2], data: Float32Array.from([1, 0, 0, 2]) },
      { name: 'mlp/dense0/bias', shape: [2], data: Float32Array.from([0, 0.5]) },
      { name: 'mlp/dense1/kernel', shape: [2, 1], data: Float32Array.from([1, -1]) },
      { name: 'mlp/dense1/bias', shape: [1], data: Float32Array.from([0.25]) },
    ]);
    const y = tf.tidy(() => mlp.apply(tf.tensor2d([[0.5, 1]]) as Tensor2D).dataSync());
    // h = tanh([0.5, 2 + 0.5]) ; y = h0 - h1 + 0.25
    expect(y[0]).toBeCloseTo(Math.tanh(0.5) - Math.tanh(2.5) + 0.25, 6);
    mlp.dispose();
  });

  it('relu layers clip negatives', async () => {
    const tf = requireTf();
    const mlp = new Mlp({ inputSize: 1, hiddenSizes: [1], outputSize: 1, activation: 'relu' });
    mlp.setWeights([
      { name: 'mlp/dense0/kernel', shape: [1, 1], data: Float32Array.from([1]) },
      { name: 'mlp/dense0/bias', shape: [1], data: Float32Array.from([0]) },
      { name: 'mlp/dense1/kernel', shape: [1, 1], data: Float32Array.from([3]) },
      { name: 'mlp/dense1/bias', shape: [1], data: Float32Array.from([1]) },
    ]);
    const y = tf.tidy(() => Array.from(mlp.apply(tf.tensor2d([[-2], [2]]) as Tensor2D).dataSync()));
    expect(y).toEqual([1, 7]);
    mlp.dispose();
  });

  it('has CleanRL-style init: zero biases, orthogonal head with the output gain', async () => {
    const mlp = new Mlp({ inputSize: 4, hiddenSizes: [64, 64], outputSize: 2, outputGain: 0.01, seed: 5 });
    const w = await mlp.readWeights();
    expect(w.map((x) => `${x.name}:${x.shape.join('x')}`)).toEqual([
      'mlp/dense0/kernel:4x64',
      'mlp/dense0/bias:64',
      'mlp/dense1/kernel:64x64',
      'mlp/dense1/bias:64',
      'mlp/dense2/kernel:64x2',
      'mlp/dense2/bias:2',
    ]);
    expect(Array.from(w[1]?.data ?? [])).toEqual(new Array(64).fill(0));
    // Rows of a wide orthogonal 4x64 kernel have norm sqrt(2); columns of the 64x2 head have norm 0.01.
    const k0 = w[0]?.data ?? new Float32Array();
    let row0 = 0;
    for (let j = 0; j < 64; j++) row0 += (k0[j] as number) ** 2;
    expect(row0).toBeCloseTo(2, 4);
    const head = w[4]?.data ?? new Float32Array();
    let col0 = 0;
    for (let i = 0; i < 64; i++) col0 += (head[i * 2] as number) ** 2;
    expect(Math.sqrt(col0)).toBeCloseTo(0.01, 6);
    mlp.dispose();
  });

  it('same seed gives the same weights; weights round-trip through getWeights/setWeights', async () => {
    const a = new Mlp({ inputSize: 3, hiddenSizes: [8], outputSize: 2, seed: 11 });
    const b = new Mlp({ inputSize: 3, hiddenSizes: [8], outputSize: 2, seed: 11 });
    const c = new Mlp({ inputSize: 3, hiddenSizes: [8], outputSize: 2, seed: 12 });
    expect(await a.readWeights()).toEqual(await b.readWeights());
    expect(await a.readWeights()).not.toEqual(await c.readWeights());
    c.setWeights(await a.readWeights());
    expect(await c.readWeights()).toEqual(await a.readWeights());
    // Plain number arrays (JSON checkpoints) are accepted too.
    c.setWeights((await b.readWeights()).map((w) => ({ ...w, data: Array.from(w.data) })));
    expect(await c.readWeights()).toEqual(await b.readWeights());
    for (const m of [a, b, c]) m.dispose();
  });

  it('copyFrom and polyakFrom update a target network', async () => {
    const src = new Mlp({ inputSize: 1, hiddenSizes: [], outputSize: 1, init: 'glorot', seed: 1 });
    const dst = new Mlp({ inputSize: 1, hiddenSizes: [], outputSize: 1, init: 'glorot', seed: 2 });
    const s = (await src.readWeights())[0]?.data[0] as number;
    const d = (await dst.readWeights())[0]?.data[0] as number;
    dst.polyakFrom(src, 0.25);
    expect((await dst.readWeights())[0]?.data[0]).toBeCloseTo(0.25 * s + 0.75 * d, 6);
    dst.copyFrom(src);
    expect(await dst.readWeights()).toEqual(await src.readWeights());
    src.dispose();
    dst.dispose();
  });

  it('setWeights rejects another architecture naming the weight and both shapes', async () => {
    const mlp = new Mlp({ inputSize: 4, hiddenSizes: [16], outputSize: 2 });
    const other = new Mlp({ inputSize: 4, hiddenSizes: [32], outputSize: 2 });
    const otherWeights = await other.readWeights();
    expect(() => mlp.setWeights(otherWeights)).toThrow(
      'mlp weights[0] (mlp/dense0/kernel) has shape [4, 32], expected [4, 16]; was it saved from a model with another architecture?',
    );
    expect(() => mlp.setWeights([])).toThrow('mlp weights has 0 weights, expected 4');
    mlp.dispose();
    other.dispose();
  });

  it('rejects bad options naming the field', async () => {
    expect(() => new Mlp({ inputSize: 0, hiddenSizes: [], outputSize: 1 })).toThrow(
      'inputSize (0) must be a positive integer.',
    );
    expect(() => new Mlp({ inputSize: 2, hiddenSizes: [64, 1.5], outputSize: 1 })).toThrow(
      'hiddenSizes[1] (1.5) must be a positive integer.',
    );
  });
});
