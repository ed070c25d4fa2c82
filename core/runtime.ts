/**
 * The runtime's lifecycle and object API: `init`, `shutdown`, `put`, `get`, `wait`.
 * One runtime per driver process; tasks and actors are defined in remote-function.ts / remote-class.ts.
 */
import { cpus, tmpdir, totalmem } from 'node:os';
import type { Backend, BackendStats } from './backend.js';
import { type JoinOptions, joinCluster } from './cluster/join-cluster.js';
import { decodeValue, encodeValue, setRefFactory } from './codec.js';
import { fromErrorPayload, GetTimeoutError, RuntimeError } from './errors.js';
import { LocalBackend } from './local-backend.js';
import { NodeBackend } from './node/node-backend.js';
import { ObjectRef, type RefValue } from './object-ref.js';
import type { ObjectStore, ObjectStoreStats } from './object-store.js';
import { nonNegative, rejectUnknownKeys } from './options.js';
import { defaultSharedParent, framesOf } from './shared-objects.js';
import { workerContext } from './worker-context.js';

/** Options of {@link init}. */
export interface InitOptions {
  /** Run tasks and actors in this process (debugging, fast tests). @default false */
  readonly localMode?: boolean;
  /** CPUs the node offers to tasks (fractions allowed); also the most task workers. @default os.cpus().length */
  readonly numCpus?: number;
  /** GPUs the node offers; ids 0..numGpus-1. @default 0 */
  readonly numGpus?: number;
  /** Custom resources the node offers, e.g. `{ learner: 1 }`. @default {} */
  readonly resources?: Readonly<Record<string, number>>;
  /** The most bytes of objects held in the store. @default 30% of system memory (as Ray) */
  readonly objectStoreMemoryBytes?: number;
  /** Transport between the node and its workers. @default 'ipc' */
  readonly transport?: 'ipc' | 'tcp';
  /**
   * `HOST:PORT` of a cluster head to join (`rl cluster start --head`): tasks and actors then run on
   * the cluster's nodes. @default the `TSRL_ADDRESS` environment variable; none: a single machine
   */
  readonly address?: string;
  /** The cluster key file, when joining a head that uses CURVE. @default `TSRL_KEY_FILE` */
  readonly keyFile?: string;
  /** The job's working directory, uploaded to the cluster's nodes. @default process.cwd() */
  readonly workingDir?: string;
  /** File and folder names left out of the uploaded working directory. @default node_modules, .git */
  readonly excludes?: readonly string[];
  /** Joined to a cluster: how long the head may be silent before pending work fails. @default 30000 */
  readonly headTimeoutMs?: number;
  /**
   * Where objects spill when the store is full (a fresh folder is made inside, removed at shutdown);
   * `false` turns spilling off. @default os.tmpdir()
   */
  readonly spillDirectory?: string | false;
  /**
   * Process mode: where the node makes its folder of shared objects (an object of 1 MiB or more is
   * written there once and read by each process that needs it, instead of crossing the socket);
   * `false` sends every object inline. @default /dev/shm where it exists, else os.tmpdir()
   */
  readonly sharedMemoryDirectory?: string | false;
}

/** Resolved {@link InitOptions}. */
export interface ResolvedInitOptions {
  readonly localMode: boolean;
  readonly resources: Readonly<Record<string, number>>;
  readonly objectStoreMemoryBytes: number;
  readonly transport: 'ipc' | 'tcp';
  readonly spillDirectory: string | undefined;
  readonly sharedMemoryDirectory: string | undefined;
}

const INIT_KEYS = [
  'localMode',
  'numCpus',
  'numGpus',
  'resources',
  'objectStoreMemoryBytes',
  'transport',
  'address',
  'keyFile',
  'workingDir',
  'excludes',
  'headTimeoutMs',
  'spillDirectory',
  'sharedMemoryDirectory',
];

let backend: Backend | undefined;

function resolveInitOptions(options: InitOptions): ResolvedInitOptions {
  rejectUnknownKeys('init', options, INIT_KEYS);
  const transport = options.transport ?? 'ipc';
  if (transport !== 'ipc' && transport !== 'tcp') {
    throw new TypeError(`init.transport must be 'ipc' or 'tcp', got ${String(transport)}`);
  }
  const resources: Record<string, number> = {
    CPU: options.numCpus === undefined ? cpus().length : nonNegative('init.numCpus', options.numCpus),
    GPU: options.numGpus === undefined ? 0 : nonNegative('init.numGpus', options.numGpus),
  };
  if (!Number.isInteger(resources['GPU'])) throw new TypeError(`init.numGpus must be a whole number`);
  for (const [name, amount] of Object.entries(options.resources ?? {})) {
    if (name === 'CPU' || name === 'GPU')
      throw new TypeError(`init.resources.${name}: use numCpus / numGpus`);
    resources[name] = nonNegative(`init.resources.${name}`, amount);
  }
  const objectStoreMemoryBytes =
    options.objectStoreMemoryBytes === undefined
      ? Math.floor(totalmem() * 0.3)
      : nonNegative('init.objectStoreMemoryBytes', options.objectStoreMemoryBytes);
  const spill = options.spillDirectory ?? tmpdir();
  if (spill !== false && (typeof spill !== 'string' || spill === '')) {
    throw new TypeError(`init.spillDirectory must be a folder path or false, got ${String(spill)}`);
  }
  const shared = options.sharedMemoryDirectory ?? defaultSharedParent();
  if (shared !== false && (typeof shared !== 'string' || shared === '')) {
    throw new TypeError(`init.sharedMemoryDirectory must be a folder path or false, got ${String(shared)}`);
  }
  return {
    localMode: options.localMode ?? false,
    resources,
    objectStoreMemoryBytes,
    transport,
    spillDirectory: spill === false ? undefined : spill,
    sharedMemoryDirectory: shared === false ? undefined : shared,
  };
}

/**
 * Starts the runtime: a node with worker processes (default) or local mode. Inside a worker (a task
 * or actor, or a module a worker imports) it does nothing: the worker already uses its node's runtime.
 * @throws RuntimeError when already initialised; TypeError on a bad option
 */
export async function init(options: InitOptions = {}): Promise<void> {
  if (workerContext() !== undefined) return;
  if (backend !== undefined)
    throw new RuntimeError('init: the runtime is already initialised; call shutdown() first');
  const resolved = resolveInitOptions(options);
  if (resolved.localMode) {
    backend = new LocalBackend(resolved);
    return;
  }
  const address = options.address ?? envValue('TSRL_ADDRESS');
  if (address !== undefined) {
    backend = await joinCluster(clusterJoinOptions(options, address, resolved));
    return;
  }
  const node = new NodeBackend(resolved);
  backend = node;
  try {
    await node.start();
  } catch (error) {
    backend = undefined;
    await node.shutdown();
    throw error;
  }
}

function envValue(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
}

function clusterJoinOptions(
  options: InitOptions,
  address: string,
  resolved: ResolvedInitOptions,
): JoinOptions {
  for (const field of ['numCpus', 'numGpus', 'resources', 'transport'] as const) {
    if (options[field] !== undefined) {
      throw new TypeError(
        `init.${field} describes a single machine; with init.address the cluster's nodes bring their resources`,
      );
    }
  }
  if (typeof address !== 'string') throw new TypeError('init.address must be a string HOST:PORT');
  const headTimeoutMs = options.headTimeoutMs ?? 30_000;
  if (!(typeof headTimeoutMs === 'number' && headTimeoutMs > 0)) {
    throw new TypeError(`init.headTimeoutMs must be a number > 0, got ${String(headTimeoutMs)}`);
  }
  const workingDir = options.workingDir ?? process.cwd();
  if (typeof workingDir !== 'string' || workingDir === '') {
    throw new TypeError('init.workingDir must be a folder path');
  }
  const excludes = options.excludes;
  if (excludes !== undefined && !(Array.isArray(excludes) && excludes.every((e) => typeof e === 'string'))) {
    throw new TypeError('init.excludes must be a list of file or folder names');
  }
  return {
    address,
    keyFile: options.keyFile ?? envValue('TSRL_KEY_FILE'),
    workingDir,
    ...(excludes === undefined ? {} : { excludes }),
    headTimeoutMs,
    objectStoreMemoryBytes: resolved.objectStoreMemoryBytes,
    spillDirectory: resolved.spillDirectory,
  };
}

/** True between `init` and `shutdown`, and always inside a worker. */
export function isInitialized(): boolean {
  return backend !== undefined || workerContext() !== undefined;
}

/** True inside a worker process (a task or an actor, or a module a worker imports). */
export function isWorker(): boolean {
  return workerContext() !== undefined;
}

/**
 * Stops the runtime: workers are asked to exit, then killed after a grace period; pending objects fail
 * with an ObjectLostError. Resolves once no worker process remains. Safe to call when not initialised;
 * does nothing inside a worker.
 */
export async function shutdown(): Promise<void> {
  if (workerContext() !== undefined) return;
  const b = backend;
  backend = undefined;
  if (b !== undefined) await b.shutdown();
}

/** The running backend (a worker's client inside a worker). @throws RuntimeError when not initialised */
export function currentBackend(): Backend {
  const worker = workerContext();
  if (worker !== undefined) {
    if (worker.loading !== undefined) {
      throw new RuntimeError(
        `module ${worker.loading} uses the runtime at top level while a worker imports it to find a remote ` +
          'function or class; a worker imports every module that defines one, so keep driver code (remote ' +
          'calls, put, get) out of its top level: move it to a main module, or guard it with `if (!isWorker())`',
      );
    }
    return worker.backend;
  }
  if (backend === undefined) {
    throw new RuntimeError(
      'the runtime is not initialised: call `await init()` (or `init({ localMode: true })`) first',
    );
  }
  return backend;
}

setRefFactory((id) => currentBackend().store.refFor(id));

/**
 * Stores a value and returns its ref. Large typed arrays are copied once (a snapshot: later changes
 * to `value` are not seen). Refs inside `value` stay refs (and keep their objects alive).
 * @throws ObjectStoreFullError when the value does not fit under `objectStoreMemoryBytes` after
 * dropped refs were freed and other objects spilled to disk
 */
export function put<T>(value: T): ObjectRef<T> {
  const b = currentBackend();
  return b.put(encodeValue(value, { copyFrames: true, refs: 'keep' })) as ObjectRef<T>;
}

/** Checks that `refs` is a ref or a list of refs. @throws TypeError naming what was given */
function refList(caller: 'get' | 'wait' | 'cancel', refs: unknown): readonly ObjectRef[] {
  if (refs instanceof ObjectRef) return [refs];
  const list: readonly unknown[] = Array.isArray(refs) ? refs : [refs];
  for (let i = 0; i < list.length; i++) {
    const r = list[i];
    if (!(r instanceof ObjectRef)) {
      const where = Array.isArray(refs) ? `${caller}: item ${i}` : caller;
      const shown =
        typeof r === 'object' && r !== null
          ? `a ${r.constructor?.name ?? 'object'}`
          : `${typeof r} ${String(r)}`;
      throw new TypeError(`${where} must be an ObjectRef (from .remote() or put()), got ${shown}`);
    }
  }
  return list as readonly ObjectRef[];
}

/** Options of {@link get}. */
export interface GetOptions {
  /** Give up after this long with a GetTimeoutError. @default no limit */
  readonly timeoutMs?: number;
}

/** The values a list of refs resolves to. */
export type RefValues<R extends readonly ObjectRef[]> = { -readonly [K in keyof R]: RefValue<R[K]> };

/**
 * Waits for objects and returns their values (a list in input order for a list of refs). Typed arrays
 * may share memory with the store: copy before mutating.
 * @throws RemoteError (user exception, original `name`), ActorDiedError, WorkerCrashedError,
 * ObjectStoreFullError, ObjectLostError: the first failed object's error in input order;
 * GetTimeoutError after `timeoutMs`.
 */
export function get<T>(ref: ObjectRef<T>, options?: GetOptions): Promise<T>;
export function get<const R extends readonly ObjectRef[]>(
  refs: R,
  options?: GetOptions,
): Promise<RefValues<R>>;
export async function get(
  refs: ObjectRef | readonly ObjectRef[],
  options: GetOptions = {},
): Promise<unknown> {
  const b = currentBackend();
  const list = refList('get', refs);
  const store = b.store;
  for (const r of list) store.pin(r.id);
  if (b.fetch !== undefined) b.fetch(list.map((r) => r.id));
  try {
    await settled(b, list, list.length, options.timeoutMs, 'get');
    if (!Array.isArray(refs)) return settledValue(store, list[0] as ObjectRef);
    return list.map((r) => settledValue(store, r));
  } finally {
    for (const r of list) store.unpin(r.id);
  }
}

/** The decoded value of a settled ref (see get). */
function settledValue(store: ObjectStore, r: ObjectRef): unknown {
  const state = store.state(r.id);
  if (state === undefined) throw new RuntimeError(`${r.toString()} was freed`);
  if (state.kind === 'failed') throw fromErrorPayload(state.error);
  if (state.kind === 'pending') throw new RuntimeError(`${r.toString()} is still pending`);
  const value = state.value;
  // A copy of every typed array: a reader must not change the stored object for later readers
  // (frames read from a shared file are this reader's own already).
  if (value.shared === undefined) return decodeValue(value.data, value.frames, undefined, true);
  return decodeValue(value.data, framesOf(value).frames, undefined, false);
}

/** Resolves once `needed` of `refs` are settled; rejects with GetTimeoutError (get) or resolves (wait) on timeout. */
function settled(
  b: Backend,
  refs: readonly ObjectRef[],
  needed: number,
  timeoutMs: number | undefined,
  caller: 'get' | 'wait',
): Promise<void> {
  if (timeoutMs !== undefined) nonNegative(`${caller}.timeoutMs`, timeoutMs);
  let remaining = needed;
  for (const r of refs) if (!b.store.isPending(r.id)) remaining--;
  if (remaining <= 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      resolve();
    };
    // One callback for every ref (a get of 1k refs registers 1k waiters, not 1k closures).
    const onOne = (): void => {
      if (done) return;
      remaining--;
      if (remaining <= 0) finish();
    };
    for (const r of refs) {
      if (!b.store.isPending(r.id)) continue;
      b.store.onSettled(r.id, onOne);
    }
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        if (done) return;
        done = true;
        if (caller === 'wait') resolve();
        else {
          const ready = refs.filter((r) => !b.store.isPending(r.id)).length;
          reject(
            new GetTimeoutError(
              `get timed out after ${timeoutMs} ms with ${ready} of ${refs.length} objects ready`,
            ),
          );
        }
      }, timeoutMs);
    }
  });
}

/** Options of {@link wait}. */
export interface WaitOptions {
  /** How many refs must be ready before returning. @default 1 */
  readonly numReturns?: number;
  /** Return what is ready after this long (no error). @default no limit */
  readonly timeoutMs?: number;
}

/**
 * Waits until `numReturns` of `refs` are settled (ready or failed) or `timeoutMs` passes, and splits
 * the refs into `ready` (at most `numReturns`) and `notReady`, each in input order. Never throws for
 * failed objects: `get` does. @throws TypeError when numReturns is not in 0..refs.length
 */
export async function wait<T>(
  refs: readonly ObjectRef<T>[],
  options: WaitOptions = {},
): Promise<{ ready: ObjectRef<T>[]; notReady: ObjectRef<T>[] }> {
  const b = currentBackend();
  refList('wait', refs);
  if (!Array.isArray(refs)) throw new TypeError('wait: refs must be a list of ObjectRefs');
  const numReturns = options.numReturns ?? 1;
  if (!Number.isInteger(numReturns) || numReturns < 0 || numReturns > refs.length) {
    throw new TypeError(
      `wait.numReturns must be an integer in 0..${refs.length} (the number of refs), got ${numReturns}`,
    );
  }
  for (const r of refs) b.store.pin(r.id);
  b.fetch?.(refs.map((r) => r.id));
  try {
    await settled(b, refs, numReturns, options.timeoutMs, 'wait');
    const ready: ObjectRef<T>[] = [];
    const notReady: ObjectRef<T>[] = [];
    for (const r of refs) {
      if (ready.length < numReturns && !b.store.isPending(r.id)) ready.push(r);
      else notReady.push(r);
    }
    return { ready, notReady };
  } finally {
    for (const r of refs) b.store.unpin(r.id);
  }
}

/** Numbers about the running runtime: mode, worker pids, pending tasks and the object store. */
export function runtimeStats(): BackendStats & { readonly objectStore: ObjectStoreStats } {
  const b = currentBackend();
  return { ...b.stats(), objectStore: b.store.stats() };
}

/**
 * The GPU ids given to the current task or actor (from `CUDA_VISIBLE_DEVICES`); empty on the driver
 * and when no GPU was asked for.
 */
export function getGpuIds(): number[] {
  const v = process.env['TSRL_GPU_IDS'];
  if (v === undefined || v === '') return [];
  return v.split(',').map(Number);
}

/** Options of {@link cancel}. */
export interface CancelOptions {
  /**
   * Kill the worker of a running task (its other queued tasks run elsewhere). Tasks only: an actor
   * ends with `kill(handle)`. @default false
   */
  readonly force?: boolean;
}

/**
 * Cancels the task or actor call behind `ref`: a call not started yet never runs; a running one keeps
 * running until it returns (JavaScript cannot interrupt a function) but its result is dropped, unless
 * `force` kills its worker. `get(ref)` then throws TaskCancelledError. Settled refs and `put` refs are
 * left alone. Local mode cannot kill anything: `force` acts as without it.
 * @throws TypeError when `ref` is not an ObjectRef
 */
export function cancel(ref: ObjectRef, options: CancelOptions = {}): void {
  refList('cancel', ref);
  rejectUnknownKeys('cancel', options, ['force']);
  const force = options.force ?? false;
  if (typeof force !== 'boolean') throw new TypeError(`cancel.force must be a boolean, got ${String(force)}`);
  currentBackend().cancel(ref.id, force);
}
