/**
 * DQN's deterministic action network for `rl export`: the online Q-network, greedy over its output.
 * With `dueling`, Q = V + A - mean(A) has the argmax of A (V and mean(A) are the same for every
 * action), so the exported head keeps only the advantage columns.
 */
import type { DenseNetwork } from '../../rl/algorithm.js';
import { mlpWeightSpecs } from '../../rl/models/js-mlp.js';
import type { MlpSpec } from '../../rl/models/mlp.js';
import type { NamedWeights } from '../../rl/models/named-weights.js';
import { Q_NET } from './model.js';

/** @throws TypeError naming a missing or misshapen Q-network weight. */
export function dqnDeterministicNetwork(
  spec: MlpSpec,
  dueling: boolean,
  weights: NamedWeights,
): DenseNetwork {
  const byName = new Map(weights.map((w) => [w.name, w.data]));
  const specs = mlpWeightSpecs(spec, Q_NET);
  const numLayers = specs.length / 2;
  const layers: DenseNetwork['layers'][number][] = [];
  for (let i = 0; i < numLayers; i++) {
    const [kernelSpec, biasSpec] = [specs[2 * i]!, specs[2 * i + 1]!];
    const [fanIn, fanOut] = kernelSpec.shape as [number, number];
    const kernel = byName.get(kernelSpec.name);
    const bias = byName.get(biasSpec.name);
    if (kernel?.length !== fanIn * fanOut || bias?.length !== fanOut)
      throw new TypeError(
        `dqn export: weights "${kernelSpec.name}" / "${biasSpec.name}" are missing or misshapen.`,
      );
    const last = i === numLayers - 1;
    if (last && dueling) {
      // Drop column 0 (V) of the head: [fanIn, 1 + A] -> [fanIn, A].
      const a = fanOut - 1;
      const k = new Float32Array(fanIn * a);
      for (let r = 0; r < fanIn; r++) k.set(kernel.subarray(r * fanOut + 1, (r + 1) * fanOut), r * a);
      layers.push({ kernel: k, bias: bias.slice(1), fanIn, fanOut: a, activation: 'linear' });
    } else {
      layers.push({ kernel, bias, fanIn, fanOut, activation: last ? 'linear' : spec.activation });
    }
  }
  return { inputSize: spec.inputSize, layers, head: 'argmax' };
}
