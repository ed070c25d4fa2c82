import type { Scalar, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { setLogLevel } from '../../../core/logger.js';
import { initBackend, requireTf } from '../../../rl/backend/backend.js';
import { Categorical } from '../../../rl/distributions/categorical.js';
import { Mlp } from '../../../rl/models/mlp.js';
import { Adam, averageGradients, readAdamStep } from '../../../rl/optim/adam.js';
import { DeviceStats } from '../../../rl/optim/device-stats.js';
import { withoutSyncReads } from '../../support/no-sync-reads.js';

beforeAll(async () => {
  setLogLevel('warn');
  await initBackend({ backend: 'wasm' });
});

function values(v: Variable): number[] {
  return Array.from(v.dataSync());
}

describe('Adam', () => {
  it('follows torch.optim.Adam for two steps on a hand-computed example', async () => {
    const tf = requireTf();
    const p = tf.variable(tf.tensor1d([1, -2]));
    const opt = new Adam([p], { learningRate: 0.1, epsilon: 1e-8 });
    // loss = sum(p^2) -> g = 2p
    const loss = () => tf.sum(tf.square(p)) as Scalar;
    const r1 = await readAdamStep(opt.step(loss));
    expect(r1['loss']).toBeCloseTo(5, 6);
    expect(r1['gradNorm']).toBeCloseTo(Math.sqrt(4 + 16), 5);
    // Step 1: m_hat = g, v_hat = g^2 -> p -= lr * sign(g)
    expect(values(p)[0]).toBeCloseTo(0.9, 6);
    expect(values(p)[1]).toBeCloseTo(-1.9, 6);
    // Step 2 by hand for p0: g1 = 2, g2 = 1.8
    opt.step(loss).values.dispose();
    const m = 0.9 * (0.1 * 2) + 0.1 * 1.8;
    const v = 0.999 * (0.001 * 4) + 0.001 * 1.8 ** 2;
    const mHat = m / (1 - 0.9 ** 2);
    const vHat = v / (1 - 0.999 ** 2);
    expect(values(p)[0]).toBeCloseTo(0.9 - (0.1 * mHat) / (Math.sqrt(vHat) + 1e-8), 5);
    opt.dispose();
    p.dispose();
  });

  it('clips the global gradient norm as clip_grad_norm_ (moments see the clipped gradient)', async () => {
    const tf = requireTf();
    const a = tf.variable(tf.scalar(0));
    const b = tf.variable(tf.tensor1d([0]));
    const opt = new Adam([a, b], { learningRate: 0.01, maxGradNorm: 1, names: ['a', 'b'] });
    // g = (3, 4): norm 5, clipped to (0.6, 0.8) * 5 / (5 + 1e-6)
    const r = await readAdamStep(opt.step(() => tf.add(tf.mul(a, 3), tf.sum(tf.mul(b, 4))) as Scalar));
    expect(r['gradNorm']).toBeCloseTo(5, 5);
    const state = await opt.readState();
    expect(state.m.map((w) => w.name)).toEqual(['m/a', 'm/b']);
    expect(state.m[0]?.data[0]).toBeCloseTo(0.1 * 0.6, 6);
    expect(state.m[1]?.data[0]).toBeCloseTo(0.1 * 0.8, 6);
    expect(state.v[1]?.data[0]).toBeCloseTo(0.001 * 0.64, 7);
    opt.dispose();
  });

  it('returns scalar metrics from the loss function and decays the learning rate linearly', async () => {
    const tf = requireTf();
    const p = tf.variable(tf.scalar(1));
    const opt = new Adam([p], {
      learningRate: 1,
      schedule: { type: 'linear', finalLearningRate: 0, durationSteps: 4 },
    });
    const rates: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = opt.step(() => ({
        loss: tf.mul(p, 2) as Scalar,
        metrics: { twice: tf.mul(p, 2) as Scalar },
      }));
      rates.push(r.learningRate);
      expect(r.names).toEqual(['loss', 'gradNorm', 'twice']);
      const read = await readAdamStep(r);
      if (i === 0) expect(read['twice']).toBeCloseTo(2, 6);
    }
    expect(rates).toEqual([1, 0.75, 0.5, 0.25, 0, 0]);
    opt.dispose();
  });

  it('a restored state continues exactly like the original', async () => {
    const tf = requireTf();
    const make = () => tf.variable(tf.tensor1d([0.5, -1.5, 2]));
    const p1 = make();
    const opt1 = new Adam([p1], { learningRate: 0.05 });
    const loss = (p: Variable) => () => tf.sum(tf.mul(tf.square(p), tf.tensor1d([1, 2, 3]))) as Scalar;
    for (let i = 0; i < 3; i++) opt1.step(loss(p1)).values.dispose();
    const p2 = tf.variable(tf.tensor1d(values(p1)));
    const opt2 = new Adam([p2], { learningRate: 0.05 });
    opt2.setState(await opt1.readState());
    expect(opt2.stepCount).toBe(3);
    opt1.step(loss(p1)).values.dispose();
    opt2.step(loss(p2)).values.dispose();
    expect(values(p2)).toEqual(values(p1));
    expect(() => opt2.setState({ stepCount: -1, format: 'tsrl-adam/1', m: [], v: [] })).toThrow(
      'Adam state.stepCount (-1) must be a non-negative integer.',
    );
    for (const x of [opt1, opt2, p1, p2]) x.dispose();
  });

  it('two data-parallel learners averaging gradients match one learner on the whole batch', async () => {
    const tf = requireTf();
    const make = () => new Mlp({ inputSize: 3, hiddenSizes: [8], outputSize: 1, seed: 9 });
    const [whole, left, right] = [make(), make(), make()];
    const opts = { learningRate: 0.05, maxGradNorm: 0.3 };
    const optWhole = new Adam(whole.variables, { ...opts, names: whole.weightSpecs().map((s) => s.name) });
    const optLeft = new Adam(left.variables, { ...opts, names: left.weightSpecs().map((s) => s.name) });
    const optRight = new Adam(right.variables, { ...opts, names: right.weightSpecs().map((s) => s.name) });
    const x = tf.tensor2d([
      [1, 2, 3],
      [0, -1, 0.5],
      [2, 2, -2],
      [-1, 0, 1],
    ]) as Tensor2D;
    const y = tf.tensor2d([[1], [0], [-1], [0.5]]) as Tensor2D;
    const [xl, xr] = tf.split(x, 2) as [Tensor2D, Tensor2D];
    const [yl, yr] = tf.split(y, 2) as [Tensor2D, Tensor2D];
    const mse = (m: Mlp, xs: Tensor2D, ys: Tensor2D) => () =>
      tf.mean(tf.square(tf.sub(m.apply(xs), ys))) as Scalar;
    for (let step = 0; step < 3; step++) {
      optWhole.step(mse(whole, x, y)).values.dispose();
      const mean = averageGradients([
        (await optLeft.computeGradients(mse(left, xl, yl))).grads,
        (await optRight.computeGradients(mse(right, xr, yr))).grads,
      ]);
      await optLeft.applyNamedGradients(mean);
      await optRight.applyNamedGradients(mean);
    }
    const w = await whole.readWeights();
    for (const replica of [left, right]) {
      for (const [i, r] of (await replica.readWeights()).entries()) {
        for (const [j, v] of r.data.entries()) expect(v).toBeCloseTo(w[i]?.data[j] as number, 5);
      }
    }
    expect(() => averageGradients([])).toThrow('averageGradients: needs at least one gradient set.');
    for (const t of [x, y, xl, xr, yl, yr]) t.dispose();
    for (const o of [optWhole, optLeft, optRight, whole, left, right]) o.dispose();
  });

  it('rejects bad hyperparameters naming the field', async () => {
    const tf = requireTf();
    const p = tf.variable(tf.scalar(1));
    expect(() => new Adam([p], { learningRate: -1 })).toThrow(
      'Adam: learningRate (-1) must be a number in [0, Infinity).',
    );
    expect(() => new Adam([p], { learningRate: 1, beta1: 1 })).toThrow(
      'Adam: beta1 (1) must be a number in [0, 1).',
    );
    expect(() => new Adam([p], { learningRate: 1, schedule: { type: 'cosine' } as never })).toThrow(
      `schedule.type ("cosine") must be 'constant' or 'linear'.`,
    );
    p.dispose();
  });

  it('leaks no tensors over many forward and update steps', async () => {
    const tf = requireTf();
    const mlp = new Mlp({ inputSize: 8, hiddenSizes: [64, 64], outputSize: 4, seed: 1 });
    const opt = new Adam(mlp.variables, {
      learningRate: 1e-3,
      maxGradNorm: 0.5,
      names: mlp.weightSpecs().map((s) => s.name),
    });
    const x = tf.randomNormal([32, 8]) as Tensor2D;
    const actions = tf.tensor1d(
      Array.from({ length: 32 }, (_, i) => i % 4),
      'int32',
    ) as Tensor1D;
    const stats = new DeviceStats();
    const step = async () => {
      tf.tidy(() => mlp.apply(x).dataSync());
      const r = opt.step(() => {
        const d = new Categorical(mlp.apply(x));
        return {
          loss: tf.neg(tf.mean(d.logProb(actions))) as Scalar,
          metrics: { entropy: tf.mean(d.entropy()) as Scalar },
        };
      });
      stats.add(r);
      await stats.takeMeans();
      mlp.setWeights(await mlp.readWeights());
    };
    await step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) await step();
    expect(tf.memory().numTensors).toBe(before);
    opt.setState(await opt.readState());
    expect(tf.memory().numTensors).toBe(before);
    for (const t of [x, actions]) t.dispose();
    opt.dispose();
    mlp.dispose();
  });
});

describe('Adam on the device', () => {
  it('steps, computes and applies gradients, and saves its state with synchronous reads disabled', async () => {
    const tf = requireTf();
    const p = tf.variable(tf.tensor1d([1, -2]));
    const opt = new Adam([p], { learningRate: 0.1, names: ['p'] });
    const loss = () => tf.sum(tf.square(p)) as Scalar;
    const stats = new DeviceStats();
    await withoutSyncReads(async () => {
      expect(() => p.dataSync()).toThrow('synchronous read-back');
      expect(() => p.arraySync()).toThrow('synchronous read-back');
      stats.add(opt.step(loss));
      const { grads } = await opt.computeGradients(loss);
      expect(await opt.applyNamedGradients(grads)).toBeCloseTo(Math.hypot(2 * 0.9, 2 * 1.9), 4);
      expect((await opt.readState()).stepCount).toBe(2);
      expect((await stats.takeMeans())['loss']).toBeCloseTo(5, 5);
    });
    expect(() => p.dataSync()).not.toThrow();
    opt.dispose();
    p.dispose();
  });
});

describe('DeviceStats', () => {
  it('averages each name over its rows, across layouts and prefixes, and resets after a read', async () => {
    const tf = requireTf();
    const stats = new DeviceStats();
    const row = (values: number[]) => ({ names: ['a', 'b'], values: tf.tensor1d(values) });
    const before = tf.memory().numTensors;
    stats.add(row([1, 10]));
    stats.add(row([3, 30]));
    stats.add({ names: ['a'], values: tf.tensor1d([8]) });
    stats.add(row([5, 50]), 'x.');
    expect(await stats.takeMeans()).toEqual({ a: 4, b: 20, 'x.a': 5, 'x.b': 50 });
    expect(await stats.takeMeans()).toEqual({});
    expect(tf.memory().numTensors).toBe(before);
  });
});
