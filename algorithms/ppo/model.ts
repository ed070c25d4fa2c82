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

/** Everything that fixes the shapes of the actor-critic. */
export interface ActorCriticSpec {
  readonly obsSize: number;
  readonly hiddenSizes: readonly number[];
  readonly activation: Activation;
  readonly head: ActionHead;
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

/** The spec from the run's model config, obs size and action space. */
export function actorCriticSpec(
  obsSize: number,
  model: ModelConfig,
  actionSpace: SpaceJson,
): ActorCriticSpec {
  return {
    obsSize,
    hiddenSizes: model.hiddenSizes,
    activation: model.activation,
    head: actionHeadFor(actionSpace),
  };
}

/** Output width of the actor: logits (all components' for multiCategorical) or Gaussian means. */
export function headSize(head: ActionHead): number {
  if (head.kind === 'multiCategorical') return head.nvec.reduce((a, b) => a + b, 0);
  return head.kind === 'categorical' ? head.numActions : head.actionSize;
}

/** One dense layer's weight names and sizes. */
interface Dense {
  kernel: string;
  bias: string;
  fanIn: number;
  fanOut: number;
  gain: number;
}

function denseStack(prefix: string, spec: ActorCriticSpec, outSize: number, outGain: number): Dense[] {
  const layers: Dense[] = [];
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

/** The actor's and critic's layers, in weight order. */
export function layersOf(spec: ActorCriticSpec): { actor: Dense[]; critic: Dense[] } {
  // Gains from cleanrl/ppo.py: 0.01 on the policy head (near-uniform first policy), 1 on the value head.
  return { actor: denseStack('pi', spec, headSize(spec.head), 0.01), critic: denseStack('vf', spec, 1, 1) };
}

/** Multiply-adds of one forward pass of the actor and the critic for one row. */
export function macsPerRow(spec: ActorCriticSpec): number {
  const { actor, critic } = layersOf(spec);
  return [...actor, ...critic].reduce((n, l) => n + l.fanIn * l.fanOut, 0);
}

/** Name of the Gaussian head's log-std vector. */
export const LOG_STD = 'pi.logStd';

/** Freshly initialised weights, the same for the same seed on every backend. */
export function initActorCritic(spec: ActorCriticSpec, seed: number): NamedWeights {
  const rng = SeededRng.fromSeed(seed);
  const out: NamedWeight[] = [];
  const { actor, critic } = layersOf(spec);
  for (const l of [...actor, ...critic]) {
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

const JS_ACTIVATIONS: Readonly<Record<Activation, (v: number) => number>> = {
  tanh: Math.tanh,
  relu: (v) => Math.max(v, 0),
  elu: (v) => (v > 0 ? v : Math.expm1(v)),
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  linear: (v) => v,
};

/** A plain-JS batched forward pass of one MLP stack (for env runners). */
export class JsMlp {
  private kernels: Float32Array[] = [];
  private biases: Float32Array[] = [];
  private readonly sizes: number[];
  private readonly activate: (v: number) => number;
  private scratch: Float32Array[] = [];
  private scratchRows = 0;

  constructor(
    private readonly layers: readonly Dense[],
    activation: Activation,
  ) {
    this.sizes = layers.map((l) => l.fanOut);
    this.activate = JS_ACTIVATIONS[activation];
  }

  /** Picks this stack's kernels and biases out of the full weight list. */
  setWeights(byName: ReadonlyMap<string, Float32Array>): void {
    this.kernels = this.layers.map((l) => byName.get(l.kernel)!);
    this.biases = this.layers.map((l) => byName.get(l.bias)!);
  }

  /** Output [rows, outSize] for input [rows, inSize]; the returned array is reused by the next call. */
  forward(x: Float32Array, rows: number): Float32Array {
    if (this.scratchRows < rows) {
      this.scratch = this.sizes.map((s) => new Float32Array(rows * s));
      this.scratchRows = rows;
    }
    let input = x;
    const last = this.layers.length - 1;
    for (let li = 0; li <= last; li++) {
      const { fanIn, fanOut } = this.layers[li]!;
      const W = this.kernels[li]!; // [fanIn, fanOut]
      const b = this.biases[li]!; // [fanOut]
      const out = this.scratch[li]!;
      for (let r = 0; r < rows; r++) {
        const o = r * fanOut;
        for (let j = 0; j < fanOut; j++) out[o + j] = b[j]!;
        const xi = r * fanIn;
        for (let i = 0; i < fanIn; i++) {
          const xv = input[xi + i]!;
          if (xv === 0) continue;
          const w = i * fanOut;
          for (let j = 0; j < fanOut; j++) out[o + j]! += xv * W[w + j]!;
        }
        if (li < last) {
          for (let j = 0; j < fanOut; j++) {
            out[o + j] = this.activate(out[o + j]!);
          }
        }
      }
      input = out;
    }
    return input;
  }
}
