/**
 * The actor-critic of ./model.ts in tfjs, as a pure function of its weight tensors: what the device
 * learner differentiates. The action distribution's log-prob and entropy come from rl/distributions
 * (the one tensor version of that math in tsrl).
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../../rl/backend/backend.js';
import { Categorical, DiagGaussian, MultiCategorical } from '../../rl/distributions/index.js';
import { type Activation, type ActorCriticSpec, LOG_STD, layersOf } from './model.js';

/** Weight tensors by name (variables or, in tests, plain tensors). */
export type WeightTensors = ReadonlyMap<string, tfjs.Tensor>;

/** What the loss needs from the network for one minibatch. */
export interface PolicyEval {
  /** log pi(a|s) of the given actions. [B] */
  readonly logProbs: tfjs.Tensor1D;
  /** H[pi(.|s)]. [B] */
  readonly entropy: tfjs.Tensor1D;
  /** V(s). [B] */
  readonly values: tfjs.Tensor1D;
}

/** One dense layer's tensors. */
interface DenseTensors {
  readonly kernel: tfjs.Tensor2D; // [in, out]
  readonly bias: tfjs.Tensor1D; // [out]
}

/** Forward through a dense stack: `activation` on all layers but the last. Call inside a tidy. [B, out] */
export function denseStack(
  tf: Tf,
  layers: readonly DenseTensors[],
  x: tfjs.Tensor2D,
  activation: Activation,
): tfjs.Tensor2D {
  let h = x;
  layers.forEach((l, i) => {
    const last = i === layers.length - 1;
    // tfjs 4.22 differentiates fused matMul only with relu or no activation: the others run apart.
    const fused = !last && activation === 'relu' ? 'relu' : 'linear';
    h = tf.fused.matMul({ a: h, b: l.kernel, bias: l.bias, activation: fused }) as tfjs.Tensor2D;
    if (!last && fused === 'linear') h = activate(tf, h, activation);
  });
  return h;
}

/**
 * log pi(a|s), entropy and V(s) of a minibatch. `actions` are int32 indexes [B] (Discrete), int32
 * component indexes [B, k] (MultiDiscrete, MultiBinary) or float32 [B, k] (Box). Call inside a tidy or gradient tape.
 */
export function evaluateActions(
  tf: Tf,
  spec: ActorCriticSpec,
  w: WeightTensors,
  obs: tfjs.Tensor2D,
  actions: tfjs.Tensor,
): PolicyEval {
  const pick = (stack: ReturnType<typeof layersOf>['actor']): DenseTensors[] =>
    stack.map((l) => ({
      kernel: w.get(l.kernel) as tfjs.Tensor2D,
      bias: w.get(l.bias) as tfjs.Tensor1D,
    }));
  const { actor, critic } = layersOf(spec);
  const head = denseStack(tf, pick(actor), obs, spec.activation); // [B, A]
  const values = tf.reshape(denseStack(tf, pick(critic), obs, spec.activation), [-1]) as tfjs.Tensor1D;
  if (spec.head.kind === 'categorical') {
    const dist = new Categorical(head);
    return { logProbs: dist.logProb(actions as tfjs.Tensor1D), entropy: dist.entropy(), values };
  }
  if (spec.head.kind === 'multiCategorical') {
    const dist = new MultiCategorical(head, spec.head.nvec);
    return { logProbs: dist.logProb(actions as tfjs.Tensor2D), entropy: dist.entropy(), values };
  }
  const dist = new DiagGaussian(head, w.get(LOG_STD) as tfjs.Tensor1D);
  return { logProbs: dist.logProb(actions as tfjs.Tensor2D), entropy: dist.entropy(), values };
}

function activate(tf: Tf, x: tfjs.Tensor2D, activation: Activation): tfjs.Tensor2D {
  switch (activation) {
    case 'tanh':
      return tf.tanh(x);
    case 'relu':
      return tf.relu(x);
    case 'elu':
      return tf.elu(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'linear':
      return x;
  }
}
