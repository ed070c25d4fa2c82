import { describe, expect, it, vi } from 'vitest';
import { setLogLevel } from '../../../core/logger.js';
import { initBackend, requireTf } from '../../../rl/backend/backend.js';
import type { WebGpuHost } from '../../../rl/backend/webgpu.js';

// tfjs's webgpu backend, faked with the cpu kernels under the name `webgpu` (no GPU here: Dawn rejects
// this machine's lavapipe). What is under test is the choice, the adapter line and the fallbacks.
vi.mock('@tensorflow/tfjs-backend-webgpu', async () => {
  const tf = await import('@tensorflow/tfjs');
  const { MathBackendCPU } = await import('@tensorflow/tfjs-backend-cpu');
  for (const config of tf.getKernelsForBackend('cpu'))
    tf.registerKernel({ ...config, backendName: 'webgpu' });
  tf.registerBackend('webgpu', () => new MathBackendCPU());
  return {};
});

const H200 = { vendor: 'nvidia', architecture: 'hopper', device: 'nvidia-h200', description: '' };

function host(adapter: object | null): WebGpuHost & { probes: number } {
  const h = {
    probes: 0,
    existingGpu: () => ({
      requestAdapter: async () => {
        h.probes++;
        return adapter as { info?: object } | null;
      },
    }),
    importPackage: () => Promise.reject(new Error('not used')),
    install: () => {},
  };
  return h;
}

describe('initBackend auto with a WebGPU adapter', () => {
  setLogLevel('warn');

  it('leaves webgpu untried for a small learner and says why', async () => {
    const h = host({ info: H200 });
    const info = await initBackend({ backend: 'auto', workload: { macsPerStep: 2.2e6 }, webGpuHost: h });
    expect(info.name).not.toBe('webgpu');
    expect(info.reason).toMatch(/^webgpu not tried \(a learner step of 2\.20M multiply-adds is under 4M/);
    expect(h.probes).toBe(0);
  });

  it('falls back when there is no adapter, naming it', async () => {
    const h = host(null);
    const info = await initBackend({ backend: 'cpu' });
    expect(info.name).toBe('cpu');
    const auto = await initBackend({ backend: 'auto', workload: { macsPerStep: 5e7 }, webGpuHost: h });
    expect(auto.name).not.toBe('webgpu');
    expect(auto.reason).toMatch(/^webgpu: no WebGPU adapter, /);
    expect(h.probes).toBe(1);
  });

  it('auto picks webgpu first for a learner step at the threshold, with the adapter in its line', async () => {
    await initBackend({ backend: 'cpu' });
    const h = host({ info: H200 });
    const info = await initBackend({ backend: 'auto', workload: { macsPerStep: 4e6 }, webGpuHost: h });
    expect(info).toMatchObject({ name: 'webgpu', usingGpu: true, adapter: H200 });
    expect(info.line).toBe('backend webgpu (nvidia nvidia-h200): first choice');
    expect(h.probes).toBe(1);
  });

  it('a forced webgpu with an adapter starts it and logs the adapter', async () => {
    await initBackend({ backend: 'cpu' });
    const info = await initBackend({ backend: 'webgpu', webGpuHost: host({ info: H200 }) });
    expect(info).toMatchObject({ name: 'webgpu', tfBackend: 'webgpu', usingGpu: true, adapter: H200 });
    expect(info.line).toBe('backend webgpu (nvidia nvidia-h200): requested by config');
    expect(requireTf().getBackend()).toBe('webgpu');
  });
});
