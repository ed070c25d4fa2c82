import { afterEach, describe, expect, it } from 'vitest';
import {
  describeAdapter,
  type GpuLike,
  NODE_WEBGPU_HOST,
  probeWebGpu,
  WEBGPU_INSTALL,
  WEBGPU_MIN_MACS,
  type WebGpuHost,
  webGpuGains,
} from '../../../rl/backend/webgpu.js';

const H200 = { vendor: 'nvidia', architecture: 'hopper', device: 'nvidia-h200', description: 'driver 580' };

/** A host whose `webgpu` package makes a GPU with `adapter` (null: none), recording what it installs. */
function fakeHost(adapter: object | null, existing?: GpuLike) {
  const installed: { gpu?: GpuLike; globals?: object } = {};
  let imports = 0;
  const gpu: GpuLike = {
    requestAdapter: async () => adapter as Awaited<ReturnType<GpuLike['requestAdapter']>>,
  };
  const host: WebGpuHost = {
    existingGpu: () => existing,
    importPackage: async () => {
      imports++;
      return { create: () => gpu, globals: { GPUBufferUsage: { MAP_READ: 1 } } };
    },
    install: (g, globals) => {
      installed.gpu = g;
      installed.globals = globals;
    },
  };
  return { host, installed, gpu, imports: () => imports };
}

describe('probeWebGpu', () => {
  it('makes navigator.gpu from the webgpu package and reports the adapter', async () => {
    const { host, installed, gpu } = fakeHost({ info: H200 });
    const probe = await probeWebGpu(host);
    expect(probe).toEqual({ ok: true, adapter: H200 });
    expect(installed.gpu).toBe(gpu);
    expect(installed.globals).toHaveProperty('GPUBufferUsage');
    expect(describeAdapter(H200)).toBe('nvidia nvidia-h200 (driver 580)');
  });

  it('uses an existing navigator.gpu without importing the package', async () => {
    const existing: GpuLike = { requestAdapter: async () => ({ info: { vendor: 'apple' } }) };
    const fake = fakeHost(null, existing);
    const probe = await probeWebGpu(fake.host);
    expect(probe.ok && probe.adapter.vendor).toBe('apple');
    expect(fake.imports()).toBe(0);
  });

  it('says what to install when the package is missing', async () => {
    const host: WebGpuHost = {
      existingGpu: () => undefined,
      importPackage: () => Promise.reject(Object.assign(new Error('nope'), { code: 'ERR_MODULE_NOT_FOUND' })),
      install: () => {},
    };
    const probe = await probeWebGpu(host);
    expect(probe).toEqual({
      ok: false,
      why: 'the webgpu package is not installed',
      fix: `Install it: ${WEBGPU_INSTALL}.`,
    });
  });

  it('names the Vulkan loader and the driver ICD when there is no adapter', async () => {
    const probe = await probeWebGpu(fakeHost(null).host);
    expect(probe.ok).toBe(false);
    if (probe.ok) return;
    expect(probe.why).toBe('no WebGPU adapter');
    expect(probe.fix).toMatch(/libvulkan1/);
    expect(probe.fix).toMatch(/VK_DRIVER_FILES=.*nvidia_icd\.json/);
  });

  it('turns a throwing requestAdapter into a reason', async () => {
    const existing: GpuLike = { requestAdapter: () => Promise.reject(new Error('device lost')) };
    const probe = await probeWebGpu(fakeHost(null, existing).host);
    expect(probe.ok === false && probe.why).toBe('navigator.gpu.requestAdapter failed (device lost)');
  });
});

describe('webGpuGains', () => {
  it('is true from WEBGPU_MIN_MACS multiply-adds per step, false below or without a workload', () => {
    expect(webGpuGains(undefined)).toBe(false);
    expect(webGpuGains({ macsPerStep: WEBGPU_MIN_MACS - 1 })).toBe(false);
    expect(webGpuGains({ macsPerStep: WEBGPU_MIN_MACS })).toBe(true);
  });
});

describe('NODE_WEBGPU_HOST.install', () => {
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  afterEach(() => {
    if (saved === undefined) delete (globalThis as { navigator?: unknown }).navigator;
    else Object.defineProperty(globalThis, 'navigator', saved);
  });

  it('sets navigator.gpu and the globals (Node 20 has no navigator; newer Nodes one without gpu)', () => {
    const gpu: GpuLike = { requestAdapter: async () => null };
    NODE_WEBGPU_HOST.install(gpu, { TSRL_TEST_GLOBAL: 7 });
    expect((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu).toBe(gpu);
    expect(NODE_WEBGPU_HOST.existingGpu()).toBe(gpu);
    expect((globalThis as Record<string, unknown>)['TSRL_TEST_GLOBAL']).toBe(7);
    delete (globalThis as Record<string, unknown>)['TSRL_TEST_GLOBAL'];
  });
});
