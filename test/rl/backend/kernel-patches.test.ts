import type { Scalar, Tensor, Tensor1D, Tensor4D } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { setLogLevel } from '../../../core/logger.js';
import { initBackend, requireTf } from '../../../rl/backend/backend.js';

beforeAll(() => setLogLevel('warn'));

/** Gradient of `f` at `inputs` on a backend, as plain arrays. */
async function gradOn(
  backend: 'wasm' | 'cpu',
  inputs: { data: number[]; shape: number[] }[],
  f: (...xs: Tensor[]) => Scalar,
): Promise<number[][]> {
  await initBackend({ backend });
  const tf = requireTf();
  return tf.tidy(() => {
    const xs = inputs.map((x) => tf.tensor(x.data, x.shape));
    return tf
      .grads(f)(xs)
      .map((g) => Array.from(g.dataSync()));
  });
}

function closeAll(a: number[][], b: number[][]): void {
  expect(a.length).toBe(b.length);
  for (const [i, row] of a.entries()) {
    for (const [j, v] of row.entries()) expect(v).toBeCloseTo((b[i] as number[])[j] as number, 4);
  }
}

const seq = (n: number, k: number) => Array.from({ length: n }, (_, i) => Math.sin(i * k));

describe('kernel patches', () => {
  it.each([
    ['valid', 2],
    ['same', 1],
    ['same', 2],
  ] as const)('conv2d gradients on wasm equal cpu (pad %s, stride %i)', async (pad, stride) => {
    const inputs = [
      { data: seq(2 * 7 * 6 * 3, 0.7), shape: [2, 7, 6, 3] },
      { data: seq(3 * 3 * 3 * 4, 1.3), shape: [3, 3, 3, 4] },
    ];
    const f = (x: Tensor, w: Tensor) => {
      const tf = requireTf();
      return tf.sum(tf.square(tf.conv2d(x as Tensor4D, w as Tensor4D, stride, pad))) as Scalar;
    };
    closeAll(await gradOn('wasm', inputs, f), await gradOn('cpu', inputs, f));
  });

  it('gather has a gradient on wasm (repeated indices add up)', async () => {
    const g = await gradOn('wasm', [{ data: [1, 2, 3, 4, 5, 6], shape: [3, 2] }], (x) => {
      const tf = requireTf();
      return tf.sum(tf.gather(x, tf.tensor1d([2, 0, 2], 'int32'))) as Scalar;
    });
    expect(g[0]).toEqual([1, 1, 0, 0, 2, 2]);
  });

  it('where(greater(...)) inside a loss has a gradient (Huber-style branch)', async () => {
    const g = await gradOn('wasm', [{ data: [-3, 0.5, 2], shape: [3] }], (x) => {
      const tf = requireTf();
      const abs = tf.abs(x as Tensor1D);
      const quadratic = tf.mul(tf.square(x), 0.5);
      const linear = tf.sub(abs, 0.5);
      return tf.sum(tf.where(tf.greater(abs, 1), linear, quadratic)) as Scalar;
    });
    expect(g[0]).toEqual([-1, 0.5, 1]);
  });
});
