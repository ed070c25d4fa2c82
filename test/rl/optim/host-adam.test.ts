import { beforeAll, describe, expect, it } from 'vitest';
import { setLogLevel } from '../../../core/logger.js';
import { initBackend, requireTf } from '../../../rl/backend/backend.js';
import { Adam } from '../../../rl/optim/adam.js';
import { HostAdam } from '../../../rl/optim/host-adam.js';

beforeAll(async () => {
  setLogLevel('warn');
  await initBackend({ backend: 'wasm' });
});

/** Gradients of 7 weights that change sign and size over the steps. */
function gradientAt(step: number, scale: number): Float32Array {
  return Float32Array.from({ length: 7 }, (_, i) => scale * Math.sin(1 + i * 1.7 + step * 0.9) * (1 + i));
}

describe('HostAdam', () => {
  it('follows torch.optim.Adam for one step on a hand-computed example', () => {
    const theta = Float32Array.of(1, -2);
    const adam = new HostAdam(2, { name: 'p' });
    const norm = adam.apply(theta, Float32Array.of(2, -4), 0.1);
    expect(norm).toBeCloseTo(Math.sqrt(20), 5);
    // Step 1: m_hat = g, v_hat = g^2 -> p -= lr * sign(g)
    expect(theta[0]).toBeCloseTo(0.9, 6);
    expect(theta[1]).toBeCloseTo(-1.9, 6);
  });

  for (const maxGradNorm of [Infinity, 0.5]) {
    it(`runs the device Adam's update rule (maxGradNorm ${maxGradNorm}): same weights, norms and state over 20 steps`, async () => {
      const tf = requireTf();
      const init = Float32Array.from({ length: 7 }, (_, i) => 0.3 * i - 1);
      const variable = tf.variable(tf.tensor1d(init));
      const device = new Adam([variable], { learningRate: 0, epsilon: 1e-5, maxGradNorm, names: ['theta'] });
      const theta = init.slice();
      const host = new HostAdam(7, { epsilon: 1e-5, maxGradNorm, name: 'theta' });
      for (let step = 0; step < 20; step++) {
        const grad = gradientAt(step, step < 10 ? 3 : 0.01);
        const lr = 0.01 * (1 - step / 40);
        const normTensor = tf.tidy(() => device.applyGradientsOnDevice([tf.tensor1d(grad)], lr));
        const deviceNorm = (await normTensor.data())[0]!;
        normTensor.dispose();
        const hostNorm = host.apply(theta, grad, lr);
        expect(hostNorm).toBeCloseTo(deviceNorm, 5);
        const deviceTheta = await variable.data();
        theta.forEach((x, i) => {
          expect(x).toBeCloseTo(deviceTheta[i]!, 6);
        });
      }
      const [a, b] = [await device.readState(), host.readState()];
      expect(b.stepCount).toBe(a.stepCount);
      expect(b.m[0]!.name).toBe(a.m[0]!.name);
      b.v[0]!.data.forEach((x, i) => {
        expect(x).toBeCloseTo(a.v[0]!.data[i]!, 8);
      });
      b.m[0]!.data.forEach((x, i) => {
        expect(x).toBeCloseTo(a.m[0]!.data[i]!, 7);
      });
      device.dispose();
      variable.dispose();
    });
  }

  it('restores a state: the next step matches an uninterrupted run', () => {
    const run = (restartAt: number | undefined): Float32Array => {
      const theta = Float32Array.of(0.5, -0.25, 1, 2, -1, 0, 3);
      let adam = new HostAdam(7, { maxGradNorm: 1, name: 'w' });
      for (let step = 0; step < 6; step++) {
        if (step === restartAt) {
          const state = adam.readState();
          adam = new HostAdam(7, { maxGradNorm: 1, name: 'w' });
          adam.setState(state);
        }
        adam.apply(theta, gradientAt(step, 2), 0.05);
      }
      return theta;
    };
    expect(Array.from(run(3))).toEqual(Array.from(run(undefined)));
  });

  it('rejects bad hyperparameters, lengths and states, naming the field', () => {
    expect(() => new HostAdam(3, { beta1: 1, name: 'w' })).toThrow(/beta1/);
    expect(() => new HostAdam(0, { name: 'w' })).toThrow(/size/);
    const adam = new HostAdam(3, { name: 'w' });
    expect(() => adam.apply(new Float32Array(3), new Float32Array(2), 0.1)).toThrow(/grad \(2\)/);
    const state = adam.readState();
    expect(() => adam.setState({ ...state, stepCount: -1 })).toThrow(/stepCount/);
    expect(() =>
      adam.setState({ ...state, m: [{ name: 'm/x', shape: [3], data: new Float32Array(3) }] }),
    ).toThrow(/Adam state\.m/);
  });
});
