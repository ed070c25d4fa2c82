/**
 * WebGPU in Node: makes `navigator.gpu` from the optional `webgpu` package (Dawn's prebuilt
 * `dawn.node`), asks it for an adapter, and decides whether a learner is big enough to gain from it.
 *
 * Node 20 has no `navigator`, and `@tensorflow/tfjs-backend-webgpu` registers its backend only when
 * `navigator.gpu` exists at import time, so {@link probeWebGpu} runs before that import. Dawn reaches
 * the GPU through Vulkan: it needs the Vulkan loader (`libvulkan.so.1`, Debian's `libvulkan1`) and the
 * driver's ICD (for NVIDIA `VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json` where
 * the driver is mounted into a container); docs/gpu.md has the steps.
 */

/** What a WebGPU adapter says about itself (`GPUAdapterInfo`). */
export interface GpuAdapterInfo {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
}

/** The part of `navigator.gpu` used here. */
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<{ info?: Partial<GpuAdapterInfo> } | null>;
}

/** The part of the `webgpu` package used here. */
export interface WebGpuPackage {
  create(options: string[]): GpuLike;
  readonly globals: object;
}

/** Where the probe finds its pieces; the defaults are the real process, tests inject fakes. */
export interface WebGpuHost {
  /** `navigator.gpu` if the runtime already has one (a browser, Deno, or an earlier probe). */
  existingGpu(): GpuLike | undefined;
  /** Imports the `webgpu` package; rejects with `code: 'ERR_MODULE_NOT_FOUND'` when absent. */
  importPackage(): Promise<WebGpuPackage>;
  /** Installs `gpu` as `navigator.gpu` and the package's globals (`GPUBufferUsage`, ...). */
  install(gpu: GpuLike, globals: object): void;
}

/** The result of {@link probeWebGpu}. */
export type WebGpuProbe =
  | { readonly ok: true; readonly adapter: GpuAdapterInfo }
  | {
      readonly ok: false;
      /** What is missing, in a few words. */
      readonly why: string;
      /** What to install or set. */
      readonly fix: string;
    };

/** The versions the project pins (package.json optionalDependencies). */
export const WEBGPU_INSTALL = 'npm install webgpu@0.6.2 @tensorflow/tfjs-backend-webgpu@4.22.0';

/**
 * Learner steps with fewer multiply-adds in one forward pass of a minibatch than this run faster on
 * the CPU. Source: measurements on the GPU machine of issue 12 (one NVIDIA H200, 16 cores, driver
 * 580.159.04, Node 20, webgpu@0.6.2 + @tensorflow/tfjs-backend-webgpu@4.22.0, 2026-12-04), one Adam
 * step of an MLP 64-H-H-8, webgpu vs wasm on that machine's CPU:
 *   batch 256 / H 64   (2.2M multiply-adds):  15.4 ms vs 7.1 ms
 *   batch 256 / H 256  (21.5M):               13.2 ms vs 71 ms
 *   batch 4096 / H 256 (344M):                16.9 ms vs 1,484 ms
 * webgpu costs ~13-17 ms per step whatever the size (dispatch), wasm there ~3.3 ms per million: they
 * meet near 4M. The same steps on the 2-core CI machine (`rl bench backend`, `mlpStepVsMacs` and
 * `webgpuRule`, 2026-12-04, load 6-9) took 13.6 ms at 21.5M and 334 ms at 344M on wasm (~0.6 ms per
 * million; break-even there would be ~21M), but the rule only acts where an adapter exists, so it
 * keeps the GPU machine's own CPU figures. Re-measure with bench/gpu/run.sh (10-backend).
 */
export const WEBGPU_MIN_MACS = 4_000_000;

/** What a learner's gradient step costs, for the backend choice. */
export interface LearnerWorkload {
  /** Multiply-adds of one forward pass over one minibatch (rows x multiply-adds per row). */
  readonly macsPerStep: number;
}

/** True when a learner step of this size is expected to run faster on webgpu than on the CPU. */
export function webGpuGains(workload: LearnerWorkload | undefined): boolean {
  return workload !== undefined && workload.macsPerStep >= WEBGPU_MIN_MACS;
}

/** The real process: `globalThis.navigator` and the optional `webgpu` package. */
export const NODE_WEBGPU_HOST: WebGpuHost = {
  existingGpu() {
    const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
    return nav?.gpu;
  },
  async importPackage() {
    // A name in a variable: TypeScript and bundlers must not require the optional package.
    const name = 'webgpu';
    return (await import(name)) as WebGpuPackage;
  },
  install(gpu, globals) {
    Object.assign(globalThis, globals);
    const g = globalThis as { navigator?: object };
    // Node 20 has no navigator; Node 21+ has one without `gpu` (and a getter: define, not assign).
    if (g.navigator === undefined) {
      Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    } else {
      Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
    }
  },
};

/**
 * Makes `navigator.gpu` if needed and asks for a high-performance adapter. Never throws: a missing
 * package, a missing Vulkan loader or driver and a failing `requestAdapter` all come back as `why`,
 * with what to install.
 */
export async function probeWebGpu(host: WebGpuHost = NODE_WEBGPU_HOST): Promise<WebGpuProbe> {
  let gpu = host.existingGpu();
  if (gpu === undefined) {
    let pkg: WebGpuPackage;
    try {
      pkg = await host.importPackage();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
        return {
          ok: false,
          why: 'the webgpu package is not installed',
          fix: `Install it: ${WEBGPU_INSTALL}.`,
        };
      }
      return {
        ok: false,
        why: `the webgpu package failed to load (${firstLine(error)})`,
        fix: 'It ships dawn.node for linux-x64, linux-arm64, darwin and win32; reinstall it with `npm ci`.',
      };
    }
    gpu = pkg.create([]);
    host.install(gpu, pkg.globals);
  }
  let adapter: Awaited<ReturnType<GpuLike['requestAdapter']>>;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return {
      ok: false,
      why: `navigator.gpu.requestAdapter failed (${firstLine(error)})`,
      fix: VULKAN_FIX,
    };
  }
  if (adapter === null) {
    return { ok: false, why: 'no WebGPU adapter', fix: VULKAN_FIX };
  }
  const info = adapter.info ?? {};
  return {
    ok: true,
    adapter: {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      device: info.device ?? '',
      description: info.description ?? '',
    },
  };
}

const VULKAN_FIX =
  'Dawn needs the Vulkan loader (libvulkan.so.1: apt-get install libvulkan1) and a Vulkan driver for the ' +
  'GPU (NVIDIA: the driver ICD, e.g. VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json); ' +
  "software rasterisers such as Mesa's lavapipe are rejected.";

/** `vendor device (description)`, the parts that are known. */
export function describeAdapter(a: GpuAdapterInfo): string {
  const name = [a.vendor, a.device || a.architecture].filter((s) => s !== '').join(' ') || 'unknown adapter';
  return a.description !== '' ? `${name} (${a.description})` : name;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
