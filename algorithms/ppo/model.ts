/**
 * PPO's actor-critic: two separate MLPs as CleanRL's `Agent` (cleanrl/ppo.py): an actor giving
 * Categorical logits (Discrete) or the mean of a diagonal Gaussian with a state-independent log std
 * (Box, cleanrl/ppo_continuous_action.py), and a critic giving V(s). Weights are plain
 * {@link NamedWeights} in a fixed order; this file has the layout, the seeded init and a plain-JS
 * batched forward pass for env runners (tfjs costs ~3-5 us per op, docs/measurements.md; JS wins at small batch).
 */
import { SeededRng } from '../../envs/rng.js';
import type { SpaceJson } from '../../envs/spaces/space.js';
import type { ModelConfig } from '../../rl/algorithm.js';
import { initKernel } from '../../rl/models/init.js';
import type { NamedWeight, NamedWeights } from '../../rl/models/named-weights.js';

/** Hidden-layer activations (config `model.activation`). */
export type Activation = ModelConfig['activation'];

/** The action head of the actor. */
export type ActionHead =
  | { kind: 'categorical'; numActions: number }
  | { kind: 'gaussian'; actionSize: number }
  /** MultiDiscrete: a categorical per component; MultiBinary(n): n two-way categoricals. */
  | { kind: 'multiCategorical'; nvec: readonly number[] };

/** One conv layer (valid padding, ReLU). */
export interface ConvLayer {
  readonly filters: number;
  readonly kernelSize: number;
  readonly stride: number;
}

/** Everything that fixes the shapes of the actor-critic. */
export interface ActorCriticSpec {
  readonly obsSize: number;
  readonly hiddenSizes: readonly number[];
  readonly activation: Activation;
  readonly head: ActionHead;
  /**
   * A shared conv torso for image observations (rows of `obsSize` = H*W*C values, channel last):
   * conv layers, then the hidden layers, both shared by the actor and critic heads (as CleanRL's
   * ppo_atari.py). Without it actor and critic are separate MLPs.
   */
  readonly conv?: {
    readonly imageShape: readonly [number, number, number];
    readonly convs: readonly ConvLayer[];
  };
}

/**
 * The action head for an action space.
 * @throws TypeError when the space is neither Discrete nor a 1-D Box.
 */
export function actionHeadFor(space: SpaceJson): ActionHead {
  if (space.type === 'Discrete') return { kind: 'categorical', numActions: space.n };
  if (space.type === 'Box' && space.shape.length === 1)
    return { kind: 'gaussian', actionSize: space.shape[0]! };
  if (space.type === 'MultiDiscrete') return { kind: 'multiCategorical', nvec: [...space.nvec] };
  if (space.type === 'MultiBinary') {
    const bits = space.shape.reduce((a, b) => a * b, 1);
    return { kind: 'multiCategorical', nvec: new Array<number>(bits).fill(2) };
  }
  throw new TypeError(
    `ppo: action space ${space.type}${space.type === 'Box' ? ` of shape [${space.shape.join(', ')}]` : ''} is not ` +
      'supported; PPO here supports Discrete, 1-D Box, MultiDiscrete and MultiBinary actions.',
  );
}

/**
 * The spec from the run's model config, obs size, action space and (for `model.convs`) observation space.
 * @throws TypeError when `model.convs` is set but observations are not [H, W, C] images, or a conv
 *   layer would shrink the image below one pixel.
 */
export function actorCriticSpec(
  obsSize: number,
  model: ModelConfig,
  actionSpace: SpaceJson,
  observationSpace?: SpaceJson,
): ActorCriticSpec {
  const spec = {
    obsSize,
    hiddenSizes: model.hiddenSizes,
    activation: model.activation,
    head: actionHeadFor(actionSpace),
  };
  if (model.convs === undefined) return spec;
  const shape = observationSpace?.type === 'Box' ? observationSpace.shape : [];
  if (shape.length !== 3) {
    throw new TypeError(
      `model.convs needs image observations [H, W, C]; this env observes ${observationSpace?.type ?? 'unknown'}` +
        `${shape.length > 0 ? ` of shape [${shape.join(', ')}]` : ''}. Remove model.convs for flat observations.`,
    );
  }
  const conv = { imageShape: [shape[0]!, shape[1]!, shape[2]!] as const, convs: model.convs };
  convOutputShape(conv.imageShape, conv.convs); // throws on a too-small image
  return { ...spec, conv };
}

/**
 * [H, W, C] after valid-padding convs.
 * @throws TypeError naming the layer when the image becomes empty.
 */
export function convOutputShape(
  imageShape: readonly [number, number, number],
  convs: readonly ConvLayer[],
): [number, number, number] {
  let [h, w, c] = imageShape;
  convs.forEach((l, i) => {
    h = Math.floor((h - l.kernelSize) / l.stride) + 1;
    w = Math.floor((w - l.kernelSize) / l.stride) + 1;
    c = l.filters;
    if (h < 1 || w < 1) {
      throw new TypeError(
        `model.convs.${i} (kernelSize ${l.kernelSize}, stride ${l.stride}) leaves no pixels of the ${imageShape.join('x')} image.`,
      );
    }
  });
  return [h, w, c];
}

/** Output width of the actor: logits (all components' for multiCategorical) or Gaussian means. */
export function headSize(head: ActionHead): number {
  if (head.kind === 'multiCategorical') return head.nvec.reduce((a, b) => a + b, 0);
  return head.kind === 'categorical' ? head.numActions : head.actionSize;
}

/** One dense layer's weight names and sizes. */
export interface Dense {
  kernel: string;
  bias: string;
  fanIn: number;
  fanOut: number;
  gain: number;
}

function denseStack(prefix: string, spec: ActorCriticSpec, outSize: number, outGain: number): Dense[] {
  const layers: Dense[] = [];
  // With a conv torso the heads read the torso's features directly.
  if (spec.conv !== undefined) {
    const fanIn = torsoOf(spec).outSize;
    return [
      { kernel: `${prefix}.out.kernel`, bias: `${prefix}.out.bias`, fanIn, fanOut: outSize, gain: outGain },
    ];
  }
  let fanIn = spec.obsSize;
  spec.hiddenSizes.forEach((h, i) => {
    // CleanRL layer_init: orthogonal, gain sqrt(2) on hidden layers, bias 0.
    layers.push({
      kernel: `${prefix}.${i}.kernel`,
      bias: `${prefix}.${i}.bias`,
      fanIn,
      fanOut: h,
      gain: Math.SQRT2,
    });
    fanIn = h;
  });
  layers.push({
    kernel: `${prefix}.out.kernel`,
    bias: `${prefix}.out.bias`,
    fanIn,
    fanOut: outSize,
    gain: outGain,
  });
  return layers;
}

/** One conv layer's weight names and shapes: kernel [k, k, inChannels, filters] (tfjs conv2d layout). */
export interface ConvEntry extends ConvLayer {
  readonly kernel: string;
  readonly bias: string;
  readonly inChannels: number;
}

/** The shared torso of a conv spec (empty for MLPs): convs, then dense hidden layers. */
export function torsoOf(spec: ActorCriticSpec): { convs: ConvEntry[]; dense: Dense[]; outSize: number } {
  if (spec.conv === undefined) return { convs: [], dense: [], outSize: spec.obsSize };
  let inChannels = spec.conv.imageShape[2];
  const convs = spec.conv.convs.map((l, i) => {
    const entry = { ...l, kernel: `torso.conv${i}.kernel`, bias: `torso.conv${i}.bias`, inChannels };
    inChannels = l.filters;
    return entry;
  });
  const [h, w, c] = convOutputShape(spec.conv.imageShape, spec.conv.convs);
  let fanIn = h * w * c;
  const dense = spec.hiddenSizes.map((size, i) => {
    const d = { kernel: `torso.${i}.kernel`, bias: `torso.${i}.bias`, fanIn, fanOut: size, gain: Math.SQRT2 };
    fanIn = size;
    return d;
  });
  return { convs, dense, outSize: fanIn };
}

/** The actor's and critic's layers, in weight order. */
export function layersOf(spec: ActorCriticSpec): { actor: Dense[]; critic: Dense[] } {
  // Gains from cleanrl/ppo.py: 0.01 on the policy head (near-uniform first policy), 1 on the value head.
  return { actor: denseStack('pi', spec, headSize(spec.head), 0.01), critic: denseStack('vf', spec, 1, 1) };
}

/** Multiply-adds of one forward pass of the actor and the critic for one row. */
export function macsPerRow(spec: ActorCriticSpec): number {
  const { actor, critic } = layersOf(spec);
  const torso = torsoOf(spec);
  let convMacs = 0;
  if (spec.conv !== undefined) {
    let shape = spec.conv.imageShape;
    torso.convs.forEach((l, i) => {
      const [h, w] = convOutputShape(shape, [l]);
      convMacs += h * w * l.filters * l.kernelSize * l.kernelSize * l.inChannels;
      shape = [h, w, spec.conv!.convs[i]!.filters];
    });
  }
  return convMacs + [...torso.dense, ...actor, ...critic].reduce((n, l) => n + l.fanIn * l.fanOut, 0);
}

/** Name of the Gaussian head's log-std vector. */
export const LOG_STD = 'pi.logStd';

/** Freshly initialised weights, the same for the same seed on every backend. */
export function initActorCritic(spec: ActorCriticSpec, seed: number): NamedWeights {
  const rng = SeededRng.fromSeed(seed);
  const out: NamedWeight[] = [];
  const { actor, critic } = layersOf(spec);
  const torso = torsoOf(spec);
  for (const l of torso.convs) {
    // CleanRL layer_init on convs: orthogonal over [k*k*in, filters], gain sqrt(2), bias 0.
    const fanIn = l.kernelSize * l.kernelSize * l.inChannels;
    out.push({
      name: l.kernel,
      shape: [l.kernelSize, l.kernelSize, l.inChannels, l.filters],
      data: initKernel('orthogonal', fanIn, l.filters, Math.SQRT2, rng),
    });
    out.push({ name: l.bias, shape: [l.filters], data: new Float32Array(l.filters) });
  }
  for (const l of [...torso.dense, ...actor, ...critic]) {
    out.push({
      name: l.kernel,
      shape: [l.fanIn, l.fanOut],
      data: initKernel('orthogonal', l.fanIn, l.fanOut, l.gain, rng),
    });
    out.push({ name: l.bias, shape: [l.fanOut], data: new Float32Array(l.fanOut) });
  }
  if (spec.head.kind === 'gaussian') {
    // cleanrl/ppo_continuous_action.py: actor_logstd initialised to zeros (std 1).
    out.push({ name: LOG_STD, shape: [spec.head.actionSize], data: new Float32Array(spec.head.actionSize) });
  }
  return out;
}
