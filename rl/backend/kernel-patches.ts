/**
 * Fills gaps of TensorFlow.js 4.22 that RL losses hit (docs/measurements.md), registered once by `initBackend`:
 *
 * - wasm has no `Conv2DBackpropFilter` kernel, so a CNN cannot train on wasm; a plain-JS NHWC kernel
 *   (the direct sum dW[r, c, i, o] = sum_{b, y, x} X[b, y*s + r - pad, x*s + c - pad, i] * dY[b, y, x, o])
 *   is registered for wasm.
 * - wasm has no `UnsortedSegmentSum`, the gradient of `tf.gather`; a plain-JS kernel is registered.
 * - The comparison kernels (`Greater`, `Less`, `LessEqual`, `Equal`, `NotEqual`) have no gradient, so
 *   `tf.where(tf.greater(x, c), ...)` inside a loss fails; their gradient is zero (a step function), as
 *   TensorFlow's `@ops.RegisterGradient("Greater")` returns None.
 *
 * Registration is idempotent and never replaces a kernel or gradient tfjs already has.
 */
import type { Tensor } from '@tensorflow/tfjs';
import type { Tf } from './backend.js';

/** The part of the wasm backend these kernels use (public methods of `BackendWasm`). */
interface WasmBackendLike {
  readSync(dataId: unknown): ArrayLike<number>;
  makeOutput(shape: number[], dtype: string, memoryOffset?: number, values?: Float32Array): unknown;
}

interface TensorInfoLike {
  dataId: unknown;
  shape: number[];
  dtype: string;
}

type KernelParams = Parameters<Parameters<Tf['registerKernel']>[0]['kernelFunc']>[0];

function conv2dBackpropFilterWasm(tf: Tf, params: KernelParams): unknown {
  const backend = params.backend as WasmBackendLike;
  const x = params.inputs['x'] as unknown as TensorInfoLike;
  const dy = params.inputs['dy'] as unknown as TensorInfoLike;
  const attrs = params.attrs as unknown as {
    strides: number | [number, number];
    pad: 'valid' | 'same' | number;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  if (attrs.dataFormat === 'NCHW')
    throw new Error('Conv2DBackpropFilter (tsrl wasm kernel): only NHWC is supported.');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const xv = backend.readSync(x.dataId);
  const dyv = backend.readSync(dy.dataId);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const dW = new Float64Array(filterHeight * filterWidth * inChannels * outChannels); // [fh, fw, in, out]
  for (let b = 0; b < batchSize; b++) {
    for (let yr = 0; yr < outHeight; yr++) {
      for (let yc = 0; yc < outWidth; yc++) {
        const dyBase = ((b * outHeight + yr) * outWidth + yc) * outChannels;
        for (let wr = 0; wr < filterHeight; wr++) {
          const xr = yr * strideHeight + wr - top;
          if (xr < 0 || xr >= inHeight) continue;
          for (let wc = 0; wc < filterWidth; wc++) {
            const xc = yc * strideWidth + wc - left;
            if (xc < 0 || xc >= inWidth) continue;
            const xBase = ((b * inHeight + xr) * inWidth + xc) * inChannels;
            const wBase = (wr * filterWidth + wc) * inChannels * outChannels;
            for (let i = 0; i < inChannels; i++) {
              const xi = xv[xBase + i] as number;
              if (xi === 0) continue;
              const w = wBase + i * outChannels;
              for (let o = 0; o < outChannels; o++)
                dW[w + o] = (dW[w + o] as number) + xi * (dyv[dyBase + o] as number);
            }
          }
        }
      }
    }
  }
  return backend.makeOutput([...attrs.filterShape], 'float32', undefined, Float32Array.from(dW));
}

function unsortedSegmentSumWasm(params: KernelParams): unknown {
  const backend = params.backend as WasmBackendLike;
  const x = params.inputs['x'] as unknown as TensorInfoLike;
  const ids = params.inputs['segmentIds'] as unknown as TensorInfoLike;
  const numSegments = (params.attrs as unknown as { numSegments: number }).numSegments;
  const xv = backend.readSync(x.dataId);
  const idv = backend.readSync(ids.dataId);
  // segmentIds covers the leading dims of x; each id selects a row of the trailing `inner` values.
  const inner = x.shape.slice(ids.shape.length).reduce((a, d) => a * d, 1);
  const out = new Float32Array(numSegments * inner);
  for (let r = 0; r < idv.length; r++) {
    const id = idv[r] as number;
    if (id < 0 || id >= numSegments) continue;
    for (let k = 0; k < inner; k++)
      out[id * inner + k] = (out[id * inner + k] as number) + (xv[r * inner + k] as number);
  }
  return backend.makeOutput([numSegments, ...x.shape.slice(ids.shape.length)], x.dtype, undefined, out);
}

let registered = false;

/** Registers the kernels and gradients above (once). */
export function registerKernelPatches(tf: Tf): void {
  if (registered) return;
  registered = true;
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm') === undefined) {
    tf.registerKernel({
      kernelName: 'Conv2DBackpropFilter',
      backendName: 'wasm',
      kernelFunc: (params) =>
        conv2dBackpropFilterWasm(tf, params) as ReturnType<Parameters<Tf['registerKernel']>[0]['kernelFunc']>,
    });
  }
  if (tf.getKernel('UnsortedSegmentSum', 'wasm') === undefined) {
    tf.registerKernel({
      kernelName: 'UnsortedSegmentSum',
      backendName: 'wasm',
      kernelFunc: (params) =>
        unsortedSegmentSumWasm(params) as ReturnType<Parameters<Tf['registerKernel']>[0]['kernelFunc']>,
    });
  }
  for (const kernelName of ['Greater', 'Less', 'LessEqual', 'Equal', 'NotEqual']) {
    if (tf.getGradient(kernelName) !== undefined) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: ['a', 'b'],
      gradFunc: (_dy, saved) => {
        const [a, b] = saved as [Tensor, Tensor];
        return { a: () => tf.zerosLike(a), b: () => tf.zerosLike(b) };
      },
    });
  }
}
