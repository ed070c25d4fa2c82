import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, requireTf } from '../../../rl/backend/backend.js';
import { patchWasmTransposedMatMul } from '../../../rl/backend/wasm-transposed-matmul.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  patchWasmTransposedMatMul(requireTf());
  patchWasmTransposedMatMul(requireTf()); // idempotent
});

/** A x B^T computed by hand. */
function matMulT(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b.map((col) => row.reduce((s, x, k) => s + x * col[k]!, 0)));
}

describe('patchWasmTransposedMatMul', () => {
  const a = [
    [1, 2, 3],
    [-1, 0, 2],
  ];
  const b = [
    [0.5, 1, -1],
    [2, 0, 1],
    [1, 1, 1],
    [-2, 1, 0],
  ];

  it('matMul with transposeB / transposeA equals the hand-computed products', () => {
    const tf = requireTf();
    expect(tf.getBackend()).toBe('wasm');
    const want = matMulT(a, b); // [2, 4]
    expect(tf.matMul(tf.tensor2d(a), tf.tensor2d(b), false, true).arraySync()).toEqual(want);
    const aT = a[0]!.map((_, j) => a.map((r) => r[j]!)); // [3, 2]
    expect(tf.matMul(tf.tensor2d(aT), tf.tensor2d(b), true, true).arraySync()).toEqual(want);
  });

  it('fused matMul with transposeB and a bias equals matMul + bias + relu (the unpatched kernel did not)', () => {
    const tf = requireTf();
    const bias = [1, -3, 0.5, 2];
    const got = tf.fused.matMul({
      a: tf.tensor2d(a),
      b: tf.tensor2d(b),
      transposeB: true,
      bias: tf.tensor1d(bias),
      activation: 'relu',
    });
    const want = matMulT(a, b).map((row) => row.map((x, j) => Math.max(0, x + bias[j]!)));
    expect(got.arraySync()).toEqual(want);
  });

  it('leaves no tensors or backend buffers behind in gradients', () => {
    const tf = requireTf();
    const w = tf.variable(tf.tensor2d(b));
    const x = tf.tensor2d(a);
    const f = () => tf.sum(tf.fused.matMul({ a: x, b: w, transposeB: true, activation: 'relu' })) as never;
    tf.tidy(() => {
      tf.variableGrads(f);
    });
    const before = tf.memory().numTensors;
    const ids = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    for (let i = 0; i < 20; i++)
      tf.tidy(() => {
        tf.variableGrads(f);
      });
    expect(tf.memory().numTensors).toBe(before);
    expect((tf.backend() as unknown as { numDataIds(): number }).numDataIds()).toBe(ids);
  });
});
