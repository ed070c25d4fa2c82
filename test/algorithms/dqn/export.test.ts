import { describe, expect, it } from 'vitest';
import { dqnDeterministicNetwork } from '../../../algorithms/dqn/export.js';
import { Q_NET } from '../../../algorithms/dqn/model.js';
import { DqnPolicy } from '../../../algorithms/dqn/policy.js';
import { SeededRng } from '../../../envs/rng.js';
import type { DenseNetwork } from '../../../rl/algorithm.js';
import { mlpWeightSpecs } from '../../../rl/models/js-mlp.js';
import type { MlpSpec } from '../../../rl/models/mlp.js';

/** The exported network's greedy action for one observation, computed independently. */
function exportedAction(net: DenseNetwork, obs: Float32Array): number {
  let x = Array.from(obs);
  for (const l of net.layers) {
    const y = Array.from({ length: l.fanOut }, (_, j) => {
      let s = l.bias[j]!;
      for (let i = 0; i < l.fanIn; i++) s += x[i]! * l.kernel[i * l.fanOut + j]!;
      return l.activation === 'tanh' ? Math.tanh(s) : l.activation === 'relu' ? Math.max(0, s) : s;
    });
    x = y;
  }
  return x.indexOf(Math.max(...x));
}

describe('dqnDeterministicNetwork', () => {
  for (const dueling of [false, true]) {
    it(`acts as the runner's greedy policy (dueling ${dueling})`, () => {
      const numActions = 3;
      const spec: MlpSpec = {
        inputSize: 4,
        hiddenSizes: [8, 8],
        outputSize: numActions + (dueling ? 1 : 0),
        activation: 'tanh',
      };
      const rng = SeededRng.fromSeed(11);
      const weights = mlpWeightSpecs(spec, Q_NET).map((w) => ({
        name: w.name,
        shape: w.shape,
        data: Float32Array.from({ length: w.shape.reduce((a, b) => a * b, 1) }, () => rng.normal()),
      }));
      const net = dqnDeterministicNetwork(spec, dueling, weights);
      expect(net.head).toBe('argmax');
      expect(net.layers.at(-1)!.fanOut).toBe(numActions);
      const policy = new DqnPolicy(spec, numActions, dueling);
      policy.setWeights(weights);
      const out = { actions: new Int32Array(1), extras: {} };
      const seen = new Set<number>();
      for (let k = 0; k < 200; k++) {
        const obs = Float32Array.from({ length: 4 }, () => rng.normal());
        policy.act(obs, 1, false, rng, out);
        expect(exportedAction(net, obs)).toBe(out.actions[0]);
        seen.add(out.actions[0]!);
      }
      expect(seen.size).toBeGreaterThanOrEqual(2); // the comparison saw the greedy action change
    });
  }

  it('names a missing weight', () => {
    const spec: MlpSpec = { inputSize: 4, hiddenSizes: [8], outputSize: 2, activation: 'relu' };
    expect(() => dqnDeterministicNetwork(spec, false, [])).toThrow(
      'dqn export: weights "q/dense0/kernel" / "q/dense0/bias" are missing or misshapen.',
    );
  });
});
