/**
 * Forward and hand-written backward passes of one MLP stack in tfjs, for the PPO learner: the loss
 * gradient at the output comes from ./loss-grad.ts (plain JS), and backprop through the dense layers
 * is ~6 kernels per layer (two matMuls, a bias sum, the activation derivative), far fewer than
 * autodiff of the whole loss (tfjs costs ~3-5 us per op, docs/measurements.md).
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../../rl/backend/backend.js';
import type { Activation } from './model.js';

/** Activations with a hand-written derivative here (others use autodiff in the learner). */
export function hasManualBackprop(activation: Activation): boolean {
  return (
    activation === 'tanh' || activation === 'relu' || activation === 'sigmoid' || activation === 'linear'
  );
}

/** One dense layer's tensors. */
export interface DenseTensors {
  readonly kernel: tfjs.Tensor2D; // [in, out]
  readonly bias: tfjs.Tensor1D; // [out]
}

/** What the backward pass needs from the forward pass. */
export interface StackActivations {
  /** Inputs of each layer (x, h1, ..., hL). [B, in_l] */
  readonly inputs: tfjs.Tensor2D[];
  /** The output. [B, out] */
  readonly output: tfjs.Tensor2D;
}

/** Forward through the stack (hidden activation on all but the last layer). Call inside a tidy. */
export function forwardStack(
  tf: Tf,
  layers: readonly DenseTensors[],
  x: tfjs.Tensor2D,
  activation: Activation,
): StackActivations {
  const inputs: tfjs.Tensor2D[] = [];
  let h = x;
  layers.forEach((l, i) => {
    inputs.push(h);
    const last = i === layers.length - 1;
    const fused =
      activation === 'relu' || activation === 'sigmoid' || activation === 'linear' || activation === 'elu';
    h = tf.fused.matMul({
      a: h,
      b: l.kernel,
      bias: l.bias,
      activation: last || !fused ? 'linear' : activation,
    }) as tfjs.Tensor2D;
    if (!last && !fused) h = tf.tanh(h);
  });
  return { inputs, output: h };
}

/**
 * Backward through the stack from dLoss/dOutput; returns [dKernel, dBias] per layer, in layer order.
 * Call inside a tidy.
 */
export function backwardStack(
  tf: Tf,
  layers: readonly DenseTensors[],
  acts: StackActivations,
  dOutput: tfjs.Tensor2D,
  activation: Activation,
): tfjs.Tensor[] {
  const grads: tfjs.Tensor[] = new Array(layers.length * 2);
  let dz = dOutput; // dLoss/d(pre-activation) of layer l
  for (let l = layers.length - 1; l >= 0; l--) {
    const input = acts.inputs[l]!;
    grads[2 * l] = tf.matMul(input, dz, true, false); // [in, out] = input^T dz
    grads[2 * l + 1] = tf.sum(dz, 0); // [out]
    if (l === 0) break;
    const dh = tf.matMul(dz, layers[l]!.kernel, false, true) as tfjs.Tensor2D; // [B, in]
    const h = input; // the previous layer's activation output
    if (activation === 'tanh') dz = tf.mul(dh, tf.sub(1, tf.square(h))) as tfjs.Tensor2D;
    else if (activation === 'relu') dz = tf.mul(dh, tf.step(h)) as tfjs.Tensor2D;
    else if (activation === 'sigmoid') dz = tf.mul(dh, tf.mul(h, tf.sub(1, h))) as tfjs.Tensor2D;
    else dz = dh;
  }
  return grads;
}
