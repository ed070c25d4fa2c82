import { describe, expect, it } from 'vitest';
import { type FlatDense, hasJsBackprop, JsStackBackprop } from '../../../algorithms/ppo/js-mlp-backprop.js';
import type { Activation } from '../../../algorithms/ppo/model.js';
import { SeededRng } from '../../../envs/rng.js';

// A 3-5-4-2 stack in one flat array: kernel then bias per layer.
const sizes = [3, 5, 4, 2];
const layers: FlatDense[] = [];
let offset = 0;
for (let l = 0; l + 1 < sizes.length; l++) {
  const fanIn = sizes[l]!;
  const fanOut = sizes[l + 1]!;
  layers.push({ fanIn, fanOut, kernelOffset: offset, biasOffset: offset + fanIn * fanOut });
  offset += fanIn * fanOut + fanOut;
}
const rows = 7;
const rng = SeededRng.fromSeed(11);
const theta = Float32Array.from({ length: offset }, () => 0.5 * rng.normal());
const x = Float32Array.from({ length: rows * 3 }, () => rng.normal());
const dOut = Float32Array.from({ length: rows * 2 }, () => rng.normal());

const ACT: Record<string, (v: number) => number> = {
  tanh: Math.tanh,
  relu: (v) => Math.max(v, 0),
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  linear: (v) => v,
};

/** The same stack, naively in float64, row by row. */
function reference(w: Float32Array | Float64Array, activation: string): Float64Array {
  const out = new Float64Array(rows * 2);
  for (let r = 0; r < rows; r++) {
    let h = Array.from(x.subarray(r * 3, r * 3 + 3));
    layers.forEach((l, li) => {
      const next: number[] = [];
      for (let j = 0; j < l.fanOut; j++) {
        let s = w[l.biasOffset + j]!;
        for (let i = 0; i < l.fanIn; i++) s += h[i]! * w[l.kernelOffset + i * l.fanOut + j]!;
        next.push(li < layers.length - 1 ? ACT[activation]!(s) : s);
      }
      h = next;
    });
    out.set(h, r * 2);
  }
  return out;
}

/** sum(output * dOut): its gradient w.r.t. the weights is what backward computes. */
function objective(w: Float64Array, activation: string): number {
  const y = reference(w, activation);
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i]! * dOut[i]!;
  return s;
}

describe('JsStackBackprop', () => {
  for (const activation of ['tanh', 'relu', 'sigmoid', 'linear'] as const) {
    it(`forward equals a naive MLP and backward equals central differences (${activation})`, () => {
      const stack = new JsStackBackprop(layers, activation);
      const y = stack.forward(theta, x, rows);
      expect(y.length).toBe(rows * 2);
      reference(theta, activation).forEach((v, i) => {
        expect(y[i]).toBeCloseTo(v, 5);
      });
      const grad = new Float32Array(offset).fill(Number.NaN);
      stack.backward(dOut, rows, grad);
      const w = Float64Array.from(theta);
      const eps = 1e-6;
      for (let k = 0; k < offset; k++) {
        const saved = w[k]!;
        w[k] = saved + eps;
        const up = objective(w, activation);
        w[k] = saved - eps;
        const down = objective(w, activation);
        w[k] = saved;
        expect(grad[k]).toBeCloseTo((up - down) / (2 * eps), 4);
      }
    });
  }

  it('returns only the rows asked for after a larger batch', () => {
    const stack = new JsStackBackprop(layers, 'tanh');
    stack.forward(theta, x, rows);
    expect(stack.forward(theta, x.subarray(0, 6), 2).length).toBe(4);
  });

  it('rejects an activation without a plain-JS derivative', () => {
    expect(hasJsBackprop('elu')).toBe(false);
    expect(() => new JsStackBackprop(layers, 'elu' as Activation)).toThrow(
      /'elu' has no plain-JS derivative/,
    );
  });
});
