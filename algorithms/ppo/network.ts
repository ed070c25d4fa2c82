/**
 * The actor-critic of ./model.ts in tfjs, as a pure function of its weight tensors: what the device
 * learner differentiates. The dense stacks are rl/models' `denseStack` (the forward of every tfjs MLP
 * here); the action distribution's log-prob and entropy come from rl/distributions (the one tensor
 * version of that math in tsrl).
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../../rl/backend/backend.js';
import { Categorical, DiagGaussian, MultiCategorical } from '../../rl/distributions/index.js';
import { activateTensor, type DenseTensors, denseStack } from '../../rl/models/mlp.js';
import { type ActorCriticSpec, LOG_STD, layersOf, torsoOf } from './model.js';

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

/**
 * The shared conv torso of ./model.ts `torsoOf` (the observation itself for MLP specs): NHWC convs with
 * valid padding and ReLU, flatten, then the hidden layers with the spec's activation (on all of them).
 * [B, F]
 */
export function torsoForward(
  tf: Tf,
  spec: ActorCriticSpec,
  w: WeightTensors,
  obs: tfjs.Tensor2D,
): tfjs.Tensor2D {
  if (spec.conv === undefined) return obs;
  const torso = torsoOf(spec);
  const [H, W, C] = spec.conv.imageShape;
  let x: tfjs.Tensor4D = tf.reshape(obs, [-1, H, W, C]);
  for (const l of torso.convs) {
    x = tf.fused.conv2d({
      x,
      filter: w.get(l.kernel) as tfjs.Tensor4D,
      bias: w.get(l.bias) as tfjs.Tensor1D,
      strides: l.stride,
      pad: 'valid',
      activation: 'relu',
    });
  }
  let h = tf.reshape(x, [x.shape[0], -1]) as tfjs.Tensor2D;
  for (const d of torso.dense) {
    const kernel = w.get(d.kernel) as tfjs.Tensor2D;
    const bias = w.get(d.bias) as tfjs.Tensor1D;
    h = activateTensor(tf, tf.add(tf.matMul(h, kernel), bias) as tfjs.Tensor2D, spec.activation);
  }
  return h;
}

/**
 * log pi(a|s), entropy and V(s) of a minibatch. `actions` are int32 indexes [B] (Discrete), int32
 * component indexes [B, k] (MultiDiscrete, MultiBinary) or float32 [B, k] (Box). Call inside a tidy or
 * gradient tape.
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
  const features = torsoForward(tf, spec, w, obs); // [B, F]: obs itself for MLPs
  const head = denseStack(tf, pick(actor), features, spec.activation); // [B, A]
  const values = tf.reshape(denseStack(tf, pick(critic), features, spec.activation), [-1]) as tfjs.Tensor1D;
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
