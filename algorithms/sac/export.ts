/**
 * SAC's deterministic action network for `rl export`: the actor MLP's mean columns squashed by tanh,
 * then rescaled to the Box bounds, `low + (tanh(mean) + 1) (high - low) / 2` (the deterministic action
 * of the squashed Gaussian, rl/distributions/squashed-gaussian.ts, as CleanRL's `get_action` returns
 * `tanh(mean) * action_scale + action_bias`). The rescale is one more dense layer with a diagonal
 * kernel, so the exported model outputs the env's action directly.
 */
import type { DenseNetwork } from '../../rl/algorithm.js';
import { mlpWeightSpecs } from '../../rl/models/js-mlp.js';
import type { MlpSpec } from '../../rl/models/mlp.js';
import type { NamedWeights } from '../../rl/models/named-weights.js';
import { ACTOR, type SacActionSpec } from './model.js';

/** @throws TypeError naming a missing or misshapen actor weight. */
export function sacDeterministicNetwork(
  spec: MlpSpec,
  action: SacActionSpec,
  weights: NamedWeights,
): DenseNetwork {
  const byName = new Map(weights.map((w) => [w.name, w.data]));
  const specs = mlpWeightSpecs(spec, ACTOR);
  const numLayers = specs.length / 2;
  const A = action.actionSize;
  const layers: DenseNetwork['layers'][number][] = [];
  for (let i = 0; i < numLayers; i++) {
    const [kernelSpec, biasSpec] = [specs[2 * i]!, specs[2 * i + 1]!];
    const [fanIn, fanOut] = kernelSpec.shape as [number, number];
    const kernel = byName.get(kernelSpec.name);
    const bias = byName.get(biasSpec.name);
    if (kernel?.length !== fanIn * fanOut || bias?.length !== fanOut)
      throw new TypeError(
        `sac export: weights "${kernelSpec.name}" / "${biasSpec.name}" are missing or misshapen.`,
      );
    if (i < numLayers - 1) {
      layers.push({ kernel, bias, fanIn, fanOut, activation: spec.activation });
      continue;
    }
    // The head is [mean (A), raw log std (A)]: keep the mean columns, [fanIn, 2A] -> [fanIn, A].
    const k = new Float32Array(fanIn * A);
    for (let r = 0; r < fanIn; r++) k.set(kernel.subarray(r * fanOut, r * fanOut + A), r * A);
    layers.push({ kernel: k, bias: bias.slice(0, A), fanIn, fanOut: A, activation: 'tanh' });
  }
  // tanh(mean) in [-1, 1] -> the bounds: a_d = scale_d * y_d + offset_d.
  const { low, high } = action.bounds;
  const scale = new Float32Array(A * A);
  const offset = new Float32Array(A);
  for (let d = 0; d < A; d++) {
    scale[d * A + d] = (high[d]! - low[d]!) / 2;
    offset[d] = (high[d]! + low[d]!) / 2;
  }
  layers.push({ kernel: scale, bias: offset, fanIn: A, fanOut: A, activation: 'linear' });
  return { inputSize: spec.inputSize, layers, head: 'identity' };
}
