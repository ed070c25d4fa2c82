import type * as tfjs from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SeededRng } from '../../../envs/rng.js';
import { initBackend, requireTf } from '../../../rl/backend/backend.js';
import { JsMlpTrainer } from '../../../rl/models/js-mlp-trainer.js';
import { type Activation, Mlp } from '../../../rl/models/mlp.js';
import { Adam } from '../../../rl/optim/adam.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

const B = 5;
const opts = (activation: Activation) => ({
  inputSize: 3,
  hiddenSizes: [6, 4],
  outputSize: 2,
  activation,
  seed: 7,
  name: 'net',
});

function inputs(seed: number): { x: Float32Array; c: Float32Array } {
  const rng = SeededRng.fromSeed(seed);
  return {
    x: new Float32Array(B * 3).map(() => rng.normal()),
    c: new Float32Array(B * 2).map(() => rng.normal()),
  };
}

describe('JsMlpTrainer', () => {
  for (const activation of ['relu', 'tanh', 'elu', 'sigmoid', 'linear'] as const) {
    it(`matches tfjs autodiff of sum(c * mlp(x)) for ${activation} (weights, outputs, dParams, dInput)`, () => {
      const tf = requireTf();
      const js = new JsMlpTrainer(opts(activation));
      const ref = new Mlp(opts(activation));
      // Same seeded initialiser: identical starting weights.
      expect(js.getWeights().map((w) => Array.from(w.data))).toEqual(
        ref.getWeights().map((w) => Array.from(w.data)),
      );
      const { x, c } = inputs(3);
      const out = js.forward(x, B);
      const xt = tf.tensor2d(x, [B, 3]);
      const ct = tf.tensor2d(c, [B, 2]);
      const refOut = tf.tidy(() => ref.apply(xt).dataSync());
      for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(refOut[i]!, 5);
      const dx = js.backward(c, true)!;
      const { grads, dxRef } = tf.tidy(() => {
        const g = tf.variableGrads(
          () => tf.sum(tf.mul(ct, ref.apply(xt))) as tfjs.Scalar,
          [...ref.variables],
        );
        const gx = tf.grad((xx: tfjs.Tensor) => tf.sum(tf.mul(ct, ref.apply(xx as tfjs.Tensor2D))))(xt);
        return {
          grads: ref.variables.map((v) => Array.from(g.grads[v.name]!.dataSync())),
          dxRef: Array.from(gx.dataSync()),
        };
      });
      // The trainer's grads in Mlp's layout: export them as if they were weights.
      const asWeights = js.getWeights(Float32Array.from(js.grads));
      asWeights.forEach((w, i) => {
        w.data.forEach((g, k) => {
          expect(g, `${w.name}[${k}]`).toBeCloseTo(grads[i]![k]!, 4);
        });
      });
      dxRef.forEach((g, k) => {
        expect(dx[k]).toBeCloseTo(g, 4);
      });
      xt.dispose();
      ct.dispose();
      ref.dispose();
    });
  }

  it('takes the same Adam steps as rl/optim/adam.ts, clipping included, and round-trips its state', () => {
    const tf = requireTf();
    const js = new JsMlpTrainer(opts('tanh'));
    const ref = new Mlp(opts('tanh'));
    const adam = new Adam(ref.variables, {
      learningRate: 0.05,
      maxGradNorm: 0.5,
      names: ref.weightSpecs().map((s) => s.name),
    });
    for (let step = 0; step < 4; step++) {
      const { x, c } = inputs(10 + step);
      js.forward(x, B);
      js.backward(c);
      const norm = js.adamStep({ learningRate: 0.05, maxGradNorm: 0.5 });
      const xt = tf.tensor2d(x, [B, 3]);
      const ct = tf.tensor2d(c, [B, 2]);
      const r = adam.step(() => tf.sum(tf.mul(ct, ref.apply(xt))) as tfjs.Scalar);
      expect(norm).toBeCloseTo(r.gradNorm, 4);
      xt.dispose();
      ct.dispose();
    }
    const a = js.getWeights();
    const b = ref.getWeights();
    a.forEach((w, i) => {
      w.data.forEach((v, k) => {
        expect(v, w.name).toBeCloseTo(b[i]!.data[k]!, 4);
      });
    });
    const state = js.getAdamState();
    const refState = adam.getState();
    expect(state.m.map((w) => w.name)).toEqual(refState.m.map((w) => w.name));
    expect(state.stepCount).toBe(4);
    const copy = new JsMlpTrainer(opts('tanh'));
    copy.setWeights(js.getWeights());
    copy.setAdamState(state.m, state.v, state.stepCount);
    expect(copy.getAdamState()).toEqual(state);
    expect(Array.from(copy.params)).toEqual(Array.from(js.params));
    expect(() => copy.setAdamState(state.m, state.v, -1)).toThrow(/stepCount \(-1\)/);
    expect(() => copy.setWeights(state.m)).toThrow(/net weights\[0\]\.name is 'm\/net\/dense0\/kernel'/);
    adam.dispose();
    ref.dispose();
  });

  it('Polyak-averages into a target copy and rejects bad sizes', () => {
    const js = new JsMlpTrainer({
      inputSize: 1,
      hiddenSizes: [],
      outputSize: 1,
      activation: 'linear',
      seed: 1,
    });
    js.params.set([2, 4]);
    const target = Float32Array.of(0, 0);
    js.polyakInto(target, 0.25);
    expect(Array.from(target)).toEqual([0.5, 1]);
    js.polyakInto(target, 1);
    expect(Array.from(target)).toEqual([2, 4]);
    expect(() => new JsMlpTrainer({ inputSize: 0, hiddenSizes: [], outputSize: 1 })).toThrow(
      /layer size 0 \(0\)/,
    );
    expect(() => js.forward(new Float32Array(1), 2)).toThrow(/need batch x inputSize = 2 x 1/);
  });
});
