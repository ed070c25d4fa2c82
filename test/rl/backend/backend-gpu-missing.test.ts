import { describe, expect, it, vi } from 'vitest';
import { setLogLevel } from '../../../core/logger.js';
import { initBackend, requireTf } from '../../../rl/backend/backend.js';

// A tfjs-node-gpu without CUDA: it registers the `tensorflow` backend, which reports no GPU device
// (docs/measurements.md: it then runs on the CPU silently). Faked with the cpu kernels under the native name.
vi.mock('@tensorflow/tfjs-node-gpu', async () => {
  const tf = await import('@tensorflow/tfjs');
  const { MathBackendCPU } = await import('@tensorflow/tfjs-backend-cpu');
  class FakeNativeBackend extends MathBackendCPU {
    readonly isUsingGpuDevice = false;
  }
  for (const config of tf.getKernelsForBackend('cpu'))
    tf.registerKernel({ ...config, backendName: 'tensorflow' });
  tf.registerBackend('tensorflow', () => new FakeNativeBackend());
  return {};
});

describe('initBackend with tfjs-node-gpu but no usable GPU', () => {
  it('runs its CPU kernels and says that the GPU is not used', async () => {
    setLogLevel('warn');
    const info = await initBackend({ backend: 'auto' });
    expect(info.name).toBe('tfjs-node-gpu');
    expect(info.usingGpu).toBe(false);
    expect(requireTf().getBackend()).toBe('tensorflow');
    expect(info.line).toBe(
      'backend tfjs-node-gpu (CPU kernels): tfjs-node-gpu installed but no usable GPU (CUDA 11.2/cuDNN 8.1 missing?), running its CPU kernels',
    );
  });
});
