import { describe, expect, it, vi } from 'vitest';
import { setLogLevel } from '../../../core/logger.js';
import { initBackend } from '../../../rl/backend/backend.js';

// A working tfjs-node-gpu, faked with the cpu kernels under the native backend name `tensorflow`
// and a backend that reports a GPU device (as tfjs-node-gpu's NodeJSKernelBackend.isUsingGpuDevice).
vi.mock('@tensorflow/tfjs-node-gpu', async () => {
  const tf = await import('@tensorflow/tfjs');
  const { MathBackendCPU } = await import('@tensorflow/tfjs-backend-cpu');
  class FakeGpuBackend extends MathBackendCPU {
    readonly isUsingGpuDevice = true;
  }
  for (const config of tf.getKernelsForBackend('cpu'))
    tf.registerKernel({ ...config, backendName: 'tensorflow' });
  tf.registerBackend('tensorflow', () => new FakeGpuBackend());
  return {};
});

describe('initBackend with a usable GPU', () => {
  it('picks tfjs-node-gpu first and says it runs on the GPU', async () => {
    setLogLevel('warn');
    const info = await initBackend();
    expect(info).toMatchObject({ name: 'tfjs-node-gpu', tfBackend: 'tensorflow', usingGpu: true });
    expect(info.line).toBe('backend tfjs-node-gpu (GPU): first choice');
  });
});
