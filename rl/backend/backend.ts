/**
 * The one place that loads TensorFlow.js and picks its backend.
 *
 * Importing `@tensorflow/tfjs` costs ~300-600 ms (docs/measurements.md), so nothing in tsrl imports it at module top
 * level: code calls {@link initBackend} (or {@link getTf}) once, then {@link requireTf} synchronously.
 * Type-only imports of `@tensorflow/tfjs` are free and fine everywhere.
 *
 * Order for `backend: 'auto'`: webgpu when the learner is big enough to gain from a GPU
 * ({@link webGpuGains}) and a WebGPU adapter exists (./webgpu.ts), then `@tensorflow/tfjs-node-gpu`
 * (when installed; with a usable GPU), then `@tensorflow/tfjs-node`, then wasm (SIMD), then cpu.
 * webgpu is an optional dependency, tfjs-node(-gpu) are not dependencies of tsrl (docs/gpu.md): they are imported by
 * a name held in a variable so that TypeScript and bundlers do not require them, and a failed import
 * just moves on to the next backend.
 *
 * tsrl patches kernels of TensorFlow.js 4.22 (./kernel-patches.ts, ./wasm-transposed-matmul.ts use its
 * internals), so package.json pins 4.22.0 exactly and loading checks every tfjs package's version.
 */
import { createRequire } from 'node:module';
import type * as TfModule from '@tensorflow/tfjs';
import { createLogger } from '../../core/logger.js';
import { registerKernelPatches } from './kernel-patches.js';
import { patchWasmTransposedMatMul } from './wasm-transposed-matmul.js';
import {
  describeAdapter,
  type GpuAdapterInfo,
  type LearnerWorkload,
  probeWebGpu,
  WEBGPU_INSTALL,
  WEBGPU_MIN_MACS,
  type WebGpuHost,
  webGpuGains,
} from './webgpu.js';

/** The TensorFlow.js version tsrl's kernel patches are written against (package.json pins it). */
export const TFJS_VERSION = '4.22.0';

/** The `@tensorflow/tfjs` module type. */
export type Tf = typeof TfModule;

/** Backends a user may ask for. `auto` picks the fastest that works (see the module doc). */
export type BackendChoice = 'auto' | 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu' | 'webgpu';

/** The backend choices, for validation and help text. */
export const BACKEND_CHOICES: readonly BackendChoice[] = [
  'auto',
  'tfjs-node-gpu',
  'tfjs-node',
  'wasm',
  'cpu',
  'webgpu',
];

/** Options of {@link initBackend}. */
export interface BackendOptions {
  /**
   * Which backend to run. An explicit choice (not `auto`) wins over the `TSRL_BACKEND` environment
   * variable, which wins over `auto`.
   * @default 'auto'
   */
  readonly backend?: BackendChoice;
  /**
   * Silence tfjs's own console warnings (its "install tfjs-node" banner among them) by setting its
   * `PROD` flag, which affects nothing but those messages.
   * @default true
   */
  readonly quiet?: boolean;
  /**
   * The learner's step size, for `auto`: webgpu is tried first only when {@link webGpuGains} says a GPU
   * gains (at least `WEBGPU_MIN_MACS` multiply-adds per minibatch forward pass).
   * @default undefined (webgpu is not tried by `auto`)
   */
  readonly workload?: LearnerWorkload;
  /** Where WebGPU comes from. @default the process (`navigator.gpu`, the `webgpu` package) */
  readonly webGpuHost?: WebGpuHost;
}

/** What {@link initBackend} chose, and why. */
export interface BackendInfo {
  /** The tsrl name of the backend that runs. */
  readonly name: Exclude<BackendChoice, 'auto'>;
  /** `tf.getBackend()` after the choice (`tensorflow`, `wasm`, `cpu`, `webgpu`). */
  readonly tfBackend: string;
  /** True when kernels run on a GPU. */
  readonly usingGpu: boolean;
  /** True when the wasm backend runs with SIMD. */
  readonly simd: boolean;
  /** The WebGPU adapter, on webgpu. */
  readonly adapter?: GpuAdapterInfo;
  /** Why this backend was chosen, e.g. `tfjs-node-gpu not installed, tfjs-node not installed`. */
  readonly reason: string;
  /** The one line that was logged. */
  readonly line: string;
}

const log = createLogger('backend');

let tfModule: Tf | undefined;
let current: BackendInfo | undefined;
let pending: Promise<BackendInfo> | undefined;
let pendingChoice: BackendChoice | undefined;

/**
 * Parses a backend name from config, CLI or environment.
 * @throws TypeError naming `field`, the value and the valid choices.
 */
export function parseBackendChoice(value: unknown, field = 'backend'): BackendChoice {
  if (typeof value === 'string' && (BACKEND_CHOICES as readonly string[]).includes(value)) {
    return value as BackendChoice;
  }
  throw new TypeError(`${field} (${JSON.stringify(value)}) must be one of ${BACKEND_CHOICES.join(', ')}.`);
}

/** Loads `@tensorflow/tfjs` (once) without choosing a backend. */
async function loadTf(): Promise<Tf> {
  if (tfModule === undefined) {
    const tf = (await import('@tensorflow/tfjs')) as Tf;
    checkVersion('@tensorflow/tfjs', tf.version_core);
    registerKernelPatches(tf);
    tfModule = tf;
  }
  return tfModule;
}

const requireHere = createRequire(import.meta.url);

/** The installed version of a package, or undefined when it has none to read. */
function installedVersion(pkg: string): string | undefined {
  try {
    return (requireHere(`${pkg}/package.json`) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/**
 * Throws unless `version` is {@link TFJS_VERSION}: the kernel patches use 4.22's internals.
 * @throws Error naming the package, both versions and the fix.
 */
export function checkVersion(pkg: string, version: string | undefined): void {
  if (version === undefined || version === TFJS_VERSION) return;
  throw new Error(
    `${pkg} is ${version}, but tsrl needs ${TFJS_VERSION} exactly (its kernel patches in rl/backend/ use ` +
      `4.22's internals): run \`npm ci\`, or npm install ${pkg}@${TFJS_VERSION}.`,
  );
}

/** Imports an optional package whose name TypeScript must not resolve; undefined when absent. */
async function importOptional(name: string): Promise<{ ok: true } | { ok: false; why: string }> {
  try {
    await import(name);
    return { ok: true };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND')
      return { ok: false, why: 'not installed' };
    return { ok: false, why: `failed to load (${(error as Error).message.split('\n')[0] ?? ''})` };
  }
}

/** Runs `tf.setBackend(name)` and checks that tfjs really switched (it may fall back silently). */
async function trySet(tf: Tf, name: string): Promise<boolean> {
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

type Attempt = { info: Omit<BackendInfo, 'reason' | 'line'>; note?: string } | { why: string; fix?: string };

async function attempt(
  tf: Tf,
  name: Exclude<BackendChoice, 'auto'>,
  requireGpu: boolean,
  webGpuHost: WebGpuHost | undefined,
): Promise<Attempt> {
  const base = { name, simd: false, usingGpu: false };
  switch (name) {
    case 'tfjs-node-gpu':
    case 'tfjs-node': {
      const pkg = `@tensorflow/${name}`;
      const loaded = await importOptional(pkg);
      if (!loaded.ok) return { why: `${name} ${loaded.why}` };
      checkVersion(pkg, installedVersion(pkg));
      if (!(await trySet(tf, 'tensorflow')))
        return {
          why: `${name} did not register its backend (is its version the same as @tensorflow/tfjs ${tf.version_core}?)`,
        };
      const usingGpu = (tf.backend() as { isUsingGpuDevice?: unknown }).isUsingGpuDevice === true;
      if (name === 'tfjs-node-gpu' && requireGpu && !usingGpu) {
        // tfjs-node-gpu without CUDA runs its CPU kernels silently (docs/measurements.md). It has registered the
        // `tensorflow` backend, so tfjs-node cannot register it again: run those native CPU kernels.
        return {
          info: { ...base, tfBackend: 'tensorflow' },
          note: 'tfjs-node-gpu installed but no usable GPU (CUDA 11.2/cuDNN 8.1 missing?), running its CPU kernels',
        };
      }
      return { info: { ...base, tfBackend: 'tensorflow', usingGpu } };
    }
    case 'wasm': {
      const loaded = await importOptional('@tensorflow/tfjs-backend-wasm');
      if (!loaded.ok) return { why: `wasm backend ${loaded.why}` };
      checkVersion('@tensorflow/tfjs-backend-wasm', installedVersion('@tensorflow/tfjs-backend-wasm'));
      // The wasm kernels exist only once the package is imported; wrap its slow transposed matMuls now.
      patchWasmTransposedMatMul(tf);
      if (!(await trySet(tf, 'wasm'))) return { why: 'wasm backend failed to initialise' };
      return { info: { ...base, tfBackend: 'wasm', simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT') } };
    }
    case 'webgpu': {
      // navigator.gpu first: the tfjs backend registers itself only if it exists when imported.
      const probe = await probeWebGpu(webGpuHost);
      if (!probe.ok) return { why: `webgpu: ${probe.why}`, fix: probe.fix };
      const pkg = '@tensorflow/tfjs-backend-webgpu';
      const loaded = await importOptional(pkg);
      if (!loaded.ok) return { why: `webgpu: ${pkg} ${loaded.why}`, fix: `Install it: ${WEBGPU_INSTALL}.` };
      checkVersion(pkg, installedVersion(pkg));
      if (!(await trySet(tf, 'webgpu'))) {
        return {
          why: `webgpu: the adapter ${describeAdapter(probe.adapter)} was found but tfjs's webgpu backend failed to start on it`,
        };
      }
      return { info: { ...base, tfBackend: 'webgpu', usingGpu: true, adapter: probe.adapter } };
    }
    case 'cpu': {
      if (!(await trySet(tf, 'cpu'))) return { why: 'cpu backend failed' };
      return { info: { ...base, tfBackend: 'cpu' } };
    }
  }
}

function describe(info: Omit<BackendInfo, 'reason' | 'line'>): string {
  if (info.name === 'wasm') return `wasm (${info.simd ? 'SIMD' : 'no SIMD'})`;
  if (info.name === 'tfjs-node-gpu') return `tfjs-node-gpu (${info.usingGpu ? 'GPU' : 'CPU kernels'})`;
  if (info.adapter !== undefined) return `${info.name} (${describeAdapter(info.adapter)})`;
  return info.name;
}

async function choose(choice: BackendChoice, source: string, options: BackendOptions): Promise<BackendInfo> {
  const tf = await loadTf();
  if (options.quiet ?? true) tf.env().set('PROD', true);
  const finish = (info: Omit<BackendInfo, 'reason' | 'line'>, reason: string): BackendInfo => {
    const line = `backend ${describe(info)}: ${reason}`;
    // The logger's prefix already says `backend:`.
    log.info(`${describe(info)}: ${reason}`);
    return { ...info, reason, line };
  };
  if (choice !== 'auto') {
    const result = await attempt(tf, choice, false, options.webGpuHost);
    if ('info' in result) return finish(result.info, `requested by ${source}`);
    const fix =
      choice === 'tfjs-node' || choice === 'tfjs-node-gpu'
        ? ` Install it (npm install @tensorflow/${choice}@${tf.version_core}; see docs/gpu.md) or use backend 'auto'.`
        : choice === 'webgpu'
          ? `${result.fix !== undefined ? ` ${result.fix}` : ''} See docs/gpu.md, or use backend 'auto'.`
          : " Use backend 'auto' to pick one that works.";
    throw new Error(`${source} asks for backend '${choice}', which cannot run: ${result.why}.${fix}`);
  }
  const reasons: string[] = [];
  const order: Exclude<BackendChoice, 'auto'>[] = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];
  const workload = options.workload;
  if (webGpuGains(workload)) order.unshift('webgpu');
  else if (workload !== undefined) {
    reasons.push(
      `webgpu not tried (a learner step of ${(workload.macsPerStep / 1e6).toFixed(2)}M multiply-adds is under ${WEBGPU_MIN_MACS / 1e6}M: faster on the CPU)`,
    );
  }
  for (const name of order) {
    const result = await attempt(tf, name, true, options.webGpuHost);
    if ('why' in result) {
      reasons.push(result.why);
      continue;
    }
    if (result.note !== undefined) reasons.push(result.note);
    return finish(result.info, reasons.length === 0 ? 'first choice' : reasons.join(', '));
  }
  throw new Error(`No TensorFlow.js backend works here: ${reasons.join(', ')}.`);
}

/**
 * Loads TensorFlow.js and selects its backend (see the module doc for the order), logging one line
 * such as `backend wasm (SIMD): tfjs-node-gpu not installed, tfjs-node not installed`. Calling it
 * again with the same choice returns the first result; with another choice it switches backend
 * (tensors made on the old backend then move lazily, so switch before building models).
 * @throws TypeError when `options.backend` or `TSRL_BACKEND` is not a valid choice.
 * @throws Error when an explicitly requested backend cannot run, with the install fix.
 */
export async function initBackend(options: BackendOptions = {}): Promise<BackendInfo> {
  let choice: BackendChoice = 'auto';
  let source = 'auto';
  if (options.backend !== undefined && options.backend !== 'auto') {
    choice = parseBackendChoice(options.backend, 'backend');
    source = 'config';
  } else {
    const fromEnv = process.env['TSRL_BACKEND'];
    if (fromEnv !== undefined && fromEnv !== '') {
      choice = parseBackendChoice(fromEnv, 'TSRL_BACKEND');
      source = 'TSRL_BACKEND';
    }
  }
  if (pending !== undefined && pendingChoice === choice) return pending;
  pendingChoice = choice;
  pending = choose(choice, source, options).then(
    (info) => {
      current = info;
      return info;
    },
    (error: unknown) => {
      pending = undefined;
      pendingChoice = undefined;
      throw error;
    },
  );
  return pending;
}

/** The loaded tfjs module, initialising the default backend first if nothing did yet. */
export async function getTf(): Promise<Tf> {
  if (current === undefined) await initBackend();
  return tfModule as Tf;
}

/**
 * The loaded tfjs module, synchronously, for code that runs after {@link initBackend}.
 * @throws Error when no backend was initialised yet (the fix: `await initBackend()` first).
 */
export function requireTf(): Tf {
  if (tfModule === undefined || current === undefined) {
    throw new Error(
      'TensorFlow.js is not loaded yet: call `await initBackend()` (rl/backend/backend.ts) first.',
    );
  }
  return tfModule;
}

/** What {@link initBackend} chose, or undefined before it ran. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}
