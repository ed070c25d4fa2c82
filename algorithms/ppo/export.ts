/**
 * PPO's deterministic action network for `rl export`: the actor MLP alone (the critic is not needed
 * to act); its output is the logits (argmax = the greedy action) or the Gaussian mean.
 */
import type { AlgorithmContext, DenseNetwork } from '../../rl/algorithm.js';
import type { NamedWeights } from '../../rl/models/named-weights.js';
import { actorCriticSpec, layersOf } from './model.js';

/** @throws TypeError naming a missing or misshapen actor weight, or for MultiDiscrete/MultiBinary actions. */
export function ppoDeterministicNetwork(ctx: AlgorithmContext, weights: NamedWeights): DenseNetwork {
  const spec = actorCriticSpec(ctx.obsSize, ctx.config.model, ctx.actionSpace);
  if (spec.head.kind === 'multiCategorical') {
    // One dense network ends in argmax or identity; a per-component argmax is not among its heads.
    throw new TypeError(
      `ppo export: ${ctx.actionSpace.type} actions (a categorical per component) cannot be exported as one dense network.`,
    );
  }
  const byName = new Map(weights.map((w) => [w.name, w.data]));
  const { actor } = layersOf(spec);
  const take = (name: string, size: number): Float32Array => {
    const data = byName.get(name);
    if (data === undefined || data.length !== size)
      throw new TypeError(
        `ppo export: weight "${name}" ${data === undefined ? 'is missing' : `has ${data.length} values, expected ${size}`}.`,
      );
    return data;
  };
  return {
    inputSize: spec.obsSize,
    layers: actor.map((l, i) => ({
      kernel: take(l.kernel, l.fanIn * l.fanOut),
      bias: take(l.bias, l.fanOut),
      fanIn: l.fanIn,
      fanOut: l.fanOut,
      activation: i === actor.length - 1 ? 'linear' : spec.activation,
    })),
    head: spec.head.kind === 'categorical' ? 'argmax' : 'identity',
  };
}
