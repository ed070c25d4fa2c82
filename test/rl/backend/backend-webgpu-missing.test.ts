import { describe, expect, it } from 'vitest';
import { setLogLevel } from '../../../core/logger.js';
import { initBackend } from '../../../rl/backend/backend.js';
import { WEBGPU_INSTALL, type WebGpuHost } from '../../../rl/backend/webgpu.js';

const noPackage: WebGpuHost = {
  existingGpu: () => undefined,
  importPackage: () => Promise.reject(Object.assign(new Error('missing'), { code: 'ERR_MODULE_NOT_FOUND' })),
  install: () => {},
};

const gpuWith = (adapter: object | null): WebGpuHost => ({
  existingGpu: () => ({ requestAdapter: async () => adapter as { info?: object } | null }),
  importPackage: () => Promise.reject(new Error('not used')),
  install: () => {},
});

describe('a forced backend webgpu that cannot start', () => {
  setLogLevel('warn');

  it('says the package is missing and how to install it', async () => {
    await expect(initBackend({ backend: 'webgpu', webGpuHost: noPackage })).rejects.toThrow(
      `config asks for backend 'webgpu', which cannot run: webgpu: the webgpu package is not installed. ` +
        `Install it: ${WEBGPU_INSTALL}. See docs/gpu.md, or use backend 'auto'.`,
    );
  });

  it('names the Vulkan loader and the ICD when there is no adapter', async () => {
    await expect(initBackend({ backend: 'webgpu', webGpuHost: gpuWith(null) })).rejects.toThrow(
      /webgpu: no WebGPU adapter\. Dawn needs the Vulkan loader \(libvulkan\.so\.1: apt-get install libvulkan1\).*See docs\/gpu\.md/,
    );
  });

  it("says when an adapter exists but tfjs's backend fails on it", async () => {
    // The real @tensorflow/tfjs-backend-webgpu registers itself against this fake navigator.gpu... which
    // the probe does not install (existingGpu), so tfjs finds no navigator.gpu and never registers.
    const adapter = { info: { vendor: 'acme', device: 'gpu-1' } };
    await expect(initBackend({ backend: 'webgpu', webGpuHost: gpuWith(adapter) })).rejects.toThrow(
      "webgpu: the adapter acme gpu-1 was found but tfjs's webgpu backend failed to start on it",
    );
  });
});
